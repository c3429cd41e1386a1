//! The order of a batch of dropped inputs parsed by two workers: who parses which input next, and when
//! each parsed input may join the shards so that they always join in drop order; pure, tested natively.
//!
//! The state worker and its parse helper both take the lowest input nobody has taken. A parsed input
//! waits until every input before it has joined: shard order (and so every list and link on the page)
//! does not depend on which worker was faster. An input that only the state worker can load (a zip,
//! a V8 dump, a source file or map: see [`crate::worker_state::parse_if_plain`]) is loaded by it when
//! its turn comes. When the helper fails, what it held is taken again by the state worker.

/// Which worker parses an input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Owner {
    /// The state worker, which keeps the shards.
    Local,
    /// The parse helper, which only parses plain reports.
    Helper,
}

/// Small inputs a worker reads in one go (one `FileReaderSync` call over a `Blob` of them): each
/// call costs about a millisecond besides the bytes, which was most of the time of a drop of 1,000
/// small reports (`bench/many-inputs.mjs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Run {
    /// An input larger than this is read on its own.
    pub small: u64,
    /// At most this many inputs in one read.
    pub files: usize,
    /// At most this many bytes in one read.
    pub bytes: u64,
}

impl Run {
    /// 1 MiB inputs, 64 of them or 4 MiB in all.
    pub const DEFAULT: Run = Run {
        small: 1 << 20,
        files: 64,
        bytes: 4 << 20,
    };

    /// Cuts `inputs` (in order) into runs to read in one go: consecutive small ones up to the
    /// limits; a larger one alone.
    pub fn group(&self, inputs: &[usize], size: impl Fn(usize) -> u64) -> Vec<Vec<usize>> {
        let mut runs: Vec<Vec<usize>> = Vec::new();
        let mut bytes = 0;
        for &i in inputs {
            let n = size(i);
            let fits = runs.last().is_some_and(|run| {
                n <= self.small
                    && run.len() < self.files
                    && bytes + n <= self.bytes
                    // A run that starts with a large input holds only it.
                    && size(run[0]) <= self.small
            });
            if fits {
                bytes += n;
                runs.last_mut().expect("checked").push(i);
            } else {
                bytes = n;
                runs.push(vec![i]);
            }
        }
        runs
    }
}

/// What became of an input, waiting for its turn to join.
#[derive(Debug, PartialEq)]
pub enum Outcome<T> {
    /// Parsed (a report or the error that stopped it): joins the shards when its turn comes.
    Parsed(T),
    /// Not a plain report: the state worker loads it itself when its turn comes.
    InOrder,
    /// Already loaded by the state worker, which took it when it was its turn.
    Joined,
}

#[derive(Debug)]
enum Slot<T> {
    Waiting,
    Taken(Owner),
    Done(Outcome<T>),
    Gone,
}

/// One batch of inputs by index, in drop order.
#[derive(Debug)]
pub struct Batch<T> {
    slots: Vec<Slot<T>>,
    sizes: Vec<u64>,
    /// Inputs before this one have joined.
    joined: usize,
    /// Bytes of the inputs parsed so far (whether or not they have joined).
    bytes_done: u64,
}

impl<T> Batch<T> {
    /// A batch of inputs of these sizes in bytes.
    pub fn new(sizes: Vec<u64>) -> Batch<T> {
        Batch {
            slots: sizes.iter().map(|_| Slot::Waiting).collect(),
            sizes,
            joined: 0,
            bytes_done: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.slots.len()
    }

    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Gives `owner` the lowest input nobody holds.
    pub fn take(&mut self, owner: Owner) -> Option<usize> {
        let i = self.slots.iter().position(|s| matches!(s, Slot::Waiting))?;
        self.slots[i] = Slot::Taken(owner);
        Some(i)
    }

    /// Gives `owner` half of the waiting inputs by bytes (in drop order, each to the side that has
    /// fewer bytes so far, counting what the other side holds now); returns them. The helper gets its
    /// share at once: it never waits for the state worker, busy parsing, to hand it the next input.
    pub fn split(&mut self, owner: Owner) -> Vec<usize> {
        let mut mine: u64 = 0;
        let mut theirs: u64 = self
            .slots
            .iter()
            .zip(&self.sizes)
            .filter(|(s, _)| matches!(s, Slot::Taken(o) if *o != owner))
            .map(|(_, size)| *size)
            .sum();
        let mut given = Vec::new();
        for i in 0..self.slots.len() {
            if !matches!(self.slots[i], Slot::Waiting) {
                continue;
            }
            if mine < theirs {
                mine += self.sizes[i];
                self.slots[i] = Slot::Taken(owner);
                given.push(i);
            } else {
                // Left waiting for the other side, which takes it later.
                theirs += self.sizes[i];
            }
        }
        given
    }

    /// After `owner` took input `first`: takes the next waiting inputs (those `owner` would take
    /// next, skipping the other side's) that [`Run::group`] puts in one run with it, and returns the
    /// run (`first` included, in order).
    pub fn take_run(&mut self, owner: Owner, first: usize, limits: Run) -> Vec<usize> {
        let next: Vec<usize> = std::iter::once(first)
            .chain(
                (first + 1..self.slots.len())
                    .filter(|&i| matches!(self.slots[i], Slot::Waiting))
                    .take(limits.files),
            )
            .collect();
        let run = limits
            .group(&next, |i| self.sizes[i])
            .into_iter()
            .next()
            .unwrap_or_default();
        for &i in &run[1.min(run.len())..] {
            self.slots[i] = Slot::Taken(owner);
        }
        run
    }

    /// True when every input before `i` has joined, so `i` may be loaded straight into the shards.
    pub fn is_turn_of(&self, i: usize) -> bool {
        self.joined == i
    }

    /// Records what `by` made of input `i`; ignored unless `by` holds it: a late answer of a helper
    /// whose inputs were given back, even once the state worker has taken them again.
    pub fn finish(&mut self, i: usize, by: Owner, outcome: Outcome<T>) {
        if let Some(slot) = self.slots.get_mut(i) {
            if matches!(slot, Slot::Taken(o) if *o == by) {
                *slot = Slot::Done(outcome);
                self.bytes_done += self.sizes[i];
            }
        }
    }

    /// Gives back every input `owner` holds (the helper failed); returns how many.
    pub fn give_back(&mut self, owner: Owner) -> usize {
        let mut n = 0;
        for slot in &mut self.slots {
            if matches!(slot, Slot::Taken(o) if *o == owner) {
                *slot = Slot::Waiting;
                n += 1;
            }
        }
        n
    }

    /// The next input whose turn has come, with what became of it; each once, in drop order.
    pub fn next_ready(&mut self) -> Option<(usize, Outcome<T>)> {
        let i = self.joined;
        if !matches!(self.slots.get(i), Some(Slot::Done(_))) {
            return None;
        }
        let Slot::Done(outcome) = std::mem::replace(&mut self.slots[i], Slot::Gone) else {
            unreachable!("checked above")
        };
        self.joined += 1;
        Some((i, outcome))
    }

    /// Inputs that have joined the shards.
    pub fn joined(&self) -> usize {
        self.joined
    }

    /// True when every input has joined.
    pub fn is_complete(&self) -> bool {
        self.joined == self.slots.len()
    }

    /// True when some input is still waiting for a worker.
    pub fn has_waiting(&self) -> bool {
        self.slots.iter().any(|s| matches!(s, Slot::Waiting))
    }

    /// How many inputs `owner` holds now.
    pub fn held_by(&self, owner: Owner) -> usize {
        self.slots
            .iter()
            .filter(|s| matches!(s, Slot::Taken(o) if *o == owner))
            .count()
    }

    /// Bytes of the inputs parsed so far.
    pub fn bytes_done(&self) -> u64 {
        self.bytes_done
    }

    /// The size of input `i`.
    pub fn size(&self, i: usize) -> u64 {
        self.sizes[i]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(b: &mut Batch<&'static str>) -> Vec<(usize, Outcome<&'static str>)> {
        std::iter::from_fn(|| b.next_ready()).collect()
    }

    #[test]
    fn inputs_join_in_drop_order_whoever_parses_them_first() {
        let mut b = Batch::new(vec![10, 20, 30, 40]);
        assert_eq!(b.take(Owner::Local), Some(0));
        assert_eq!(b.take(Owner::Helper), Some(1));
        assert_eq!(b.take(Owner::Helper), Some(2));
        assert!(b.is_turn_of(0));
        b.finish(0, Owner::Local, Outcome::Joined);
        assert_eq!(ready(&mut b), [(0, Outcome::Joined)]);
        assert_eq!(b.take(Owner::Local), Some(3));
        assert!(!b.is_turn_of(3), "inputs 1 and 2 are still with the helper");
        b.finish(3, Owner::Local, Outcome::Parsed("d"));
        assert_eq!(ready(&mut b), [], "3 waits for 1 and 2");
        b.finish(2, Owner::Helper, Outcome::InOrder);
        assert_eq!(ready(&mut b), []);
        assert_eq!(b.bytes_done(), 80);
        b.finish(1, Owner::Helper, Outcome::Parsed("b"));
        assert_eq!(
            ready(&mut b),
            [
                (1, Outcome::Parsed("b")),
                (2, Outcome::InOrder),
                (3, Outcome::Parsed("d"))
            ]
        );
        assert!(b.is_complete());
        assert_eq!(b.joined(), 4);
        assert_eq!(b.take(Owner::Local), None);
    }

    #[test]
    fn a_failed_helper_gives_its_inputs_back_and_a_late_answer_is_ignored() {
        let mut b = Batch::new(vec![1, 2, 3]);
        assert_eq!(b.take(Owner::Local), Some(0));
        assert_eq!(b.take(Owner::Helper), Some(1));
        assert_eq!(b.take(Owner::Helper), Some(2));
        assert_eq!(b.held_by(Owner::Helper), 2);
        assert!(!b.has_waiting());
        assert_eq!(b.give_back(Owner::Helper), 2);
        assert!(b.has_waiting());
        b.finish(1, Owner::Helper, Outcome::Parsed("late"));
        assert_eq!(b.bytes_done(), 0, "an input nobody holds is not counted");
        b.finish(0, Owner::Local, Outcome::Joined);
        assert_eq!(b.take(Owner::Local), Some(1));
        b.finish(1, Owner::Helper, Outcome::Parsed("later"));
        assert_eq!(
            b.bytes_done(),
            1,
            "the state worker holds 1 again: the helper's answer is ignored"
        );
        assert!(b.is_turn_of(1) || b.joined() == 0);
        assert_eq!(ready(&mut b), [(0, Outcome::Joined)]);
        assert!(b.is_turn_of(1));
        b.finish(1, Owner::Local, Outcome::Joined);
        assert_eq!(b.take(Owner::Local), Some(2));
        b.finish(2, Owner::Local, Outcome::Joined);
        assert_eq!(ready(&mut b).len(), 2);
        assert!(b.is_complete());
        assert_eq!(b.bytes_done(), 6);
    }

    #[test]
    fn a_split_gives_half_the_waiting_bytes_and_leaves_the_rest_in_order() {
        let mut b: Batch<()> = Batch::new(vec![100, 100, 100, 100, 100, 300, 100]);
        assert_eq!(b.take(Owner::Local), Some(0));
        // Local holds 100: the helper takes 1; then local's turn (2), helper (3), ...
        assert_eq!(b.split(Owner::Helper), [1, 3, 5]);
        assert_eq!(b.held_by(Owner::Helper), 3);
        assert_eq!(b.take(Owner::Local), Some(2));
        assert_eq!(b.take(Owner::Local), Some(4));
        assert_eq!(b.take(Owner::Local), Some(6));
        assert_eq!(b.take(Owner::Local), None);
        assert!(b.split(Owner::Helper).is_empty(), "nothing waits");
    }

    #[test]
    fn small_inputs_are_grouped_in_runs_within_the_limits_and_a_large_one_goes_alone() {
        let limits = Run {
            small: 10,
            files: 3,
            bytes: 20,
        };
        let sizes = [5, 5, 5, 5, 11, 4, 9, 9, 0];
        let size = |i: usize| sizes[i];
        let all: Vec<usize> = (0..sizes.len()).collect();
        // Three files at most; 11 bytes is large; 4 + 9 + 9 is over 20 bytes.
        assert_eq!(
            limits.group(&all, size),
            [vec![0, 1, 2], vec![3], vec![4], vec![5, 6], vec![7, 8]]
        );
        // Not necessarily consecutive indices: the helper's share.
        assert_eq!(limits.group(&[1, 3, 5], size), [vec![1, 3, 5]]);
        assert!(limits.group(&[], size).is_empty());
    }

    #[test]
    fn a_run_takes_the_next_small_waiting_inputs() {
        let mut b: Batch<()> = Batch::new(vec![5, 5, 5, 5, 5, 50, 5]);
        let limits = Run {
            small: 10,
            files: 64,
            bytes: 1000,
        };
        assert_eq!(b.take(Owner::Helper), Some(0));
        assert_eq!(b.take(Owner::Local), Some(1));
        b.slots[3] = Slot::Taken(Owner::Helper);
        // 2 and 4 wait, 3 is the helper's (skipped), 5 is large: the run stops there.
        assert_eq!(b.take_run(Owner::Local, 1, limits), [1, 2, 4]);
        assert_eq!(b.held_by(Owner::Local), 3);
        assert_eq!(b.take(Owner::Local), Some(5));
        assert_eq!(b.take_run(Owner::Local, 5, limits), [5]);
        assert_eq!(b.take(Owner::Local), Some(6));
        assert_eq!(b.take_run(Owner::Local, 6, limits), [6]);
        assert!(!b.has_waiting());
    }

    #[test]
    fn after_a_split_the_state_workers_run_skips_the_helpers_inputs() {
        let mut b: Batch<()> = Batch::new(vec![5; 10]);
        assert_eq!(b.take(Owner::Local), Some(0));
        assert_eq!(b.split(Owner::Helper), [1, 3, 5, 7, 9]);
        assert_eq!(b.take_run(Owner::Local, 0, Run::DEFAULT), [0, 2, 4, 6, 8]);
        assert!(!b.has_waiting());
        // A run holds no more than its limit of inputs.
        let mut b: Batch<()> = Batch::new(vec![1; 100]);
        assert_eq!(b.take(Owner::Local), Some(0));
        assert_eq!(
            b.take_run(Owner::Local, 0, Run::DEFAULT).len(),
            Run::DEFAULT.files
        );
        assert_eq!(b.take(Owner::Local), Some(Run::DEFAULT.files));
    }

    #[test]
    fn an_empty_batch_is_complete_at_once() {
        let mut b: Batch<()> = Batch::new(vec![]);
        assert!(b.is_complete());
        assert!(b.is_empty());
        assert_eq!(b.take(Owner::Helper), None);
        assert!(b.next_ready().is_none());
    }
}
