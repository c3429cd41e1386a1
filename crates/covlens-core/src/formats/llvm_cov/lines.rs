//! Coverage segments to line hits, as LLVM's `LineCoverageIterator` and `LineCoverageStats`
//! (`llvm/lib/ProfileData/Coverage/CoverageMapping.cpp`) compute them.
//!
//! A segment is where a region's count starts to apply, in source order. For each line from the first
//! segment's to the last segment's, with `segs` the segments on the line and `wrapped` the last segment
//! of the closest earlier line that had any:
//! - a segment *starts a region* when it is a region entry, has a count and is not a gap;
//! - the line is **mapped** (coverable) unless its first segment starts a skipped region (entry without
//!   count), when a region starts on it or `wrapped` has a count; and it is mapped whenever any of its
//!   segments is a region entry with a count (LLVM 17 and later);
//! - its **count** is the largest of `wrapped`'s count and the counts of the regions starting on it
//!   (only `wrapped`'s when none starts there).

use crate::model::{Line, LineHit};

/// One coverage segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Segment {
    pub line: u32,
    pub col: u32,
    pub count: u64,
    pub has_count: bool,
    pub is_region_entry: bool,
    pub is_gap: bool,
}

impl Segment {
    fn starts_region(&self) -> bool {
        !self.is_gap && self.has_count && self.is_region_entry
    }
}

/// Lines one wrapped region may make coverable before the rest is cut (a region spanning a million
/// lines is malformed input, and would otherwise cost memory per line).
pub(crate) const MAX_WRAPPED_RUN: u32 = 1 << 20;

/// The stats of one line with segments `segs`: `Some(count)` when mapped.
fn stats(segs: &[Segment], wrapped: Option<&Segment>) -> Option<u64> {
    let starts = segs.iter().filter(|s| s.starts_region()).count();
    let start_of_skipped = segs
        .first()
        .is_some_and(|s| !s.has_count && s.is_region_entry);
    let mut mapped = !start_of_skipped && (wrapped.is_some_and(|w| w.has_count) || starts > 0);
    mapped |= segs.iter().any(|s| s.is_region_entry && s.has_count);
    if !mapped {
        return None;
    }
    let mut count = wrapped.map_or(0, |w| w.count);
    for s in segs.iter().filter(|s| s.starts_region()) {
        count = count.max(s.count);
    }
    Some(count)
}

/// Appends the mapped lines of `segments` (sorted by line and column) to `out`, in line order.
/// Returns the first line of a wrapped run that was cut at [`MAX_WRAPPED_RUN`] lines, if any.
pub(crate) fn line_hits(segments: &[Segment], out: &mut Vec<LineHit>) -> Option<u32> {
    let first = segments.first()?;
    let mut cut = None;
    let mut line = first.line;
    let mut wrapped: Option<&Segment> = None;
    let mut i = 0;
    while i < segments.len() {
        let start = i;
        while i < segments.len() && segments[i].line == line {
            i += 1;
        }
        let on_line = &segments[start..i];
        if let (Some(count), Some(l)) = (stats(on_line, wrapped), Line::new(line)) {
            out.push(LineHit {
                line: l,
                hits: count,
            });
        }
        if let Some(last) = on_line.last() {
            wrapped = Some(last);
        }
        let Some(next) = segments.get(i) else {
            break;
        };
        line = line.saturating_add(1);
        // Lines without segments up to the next segment's: all wrapped by the same segment.
        if next.line > line {
            if let Some(w) = wrapped.filter(|w| w.has_count) {
                let end = next.line.min(line.saturating_add(MAX_WRAPPED_RUN));
                if end < next.line {
                    cut.get_or_insert(line);
                }
                out.extend((line..end).filter_map(|l| {
                    Line::new(l).map(|l| LineHit {
                        line: l,
                        hits: w.count,
                    })
                }));
            }
            line = next.line;
        }
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(line: u32, col: u32, count: u64, has_count: bool, entry: bool, gap: bool) -> Segment {
        Segment {
            line,
            col,
            count,
            has_count,
            is_region_entry: entry,
            is_gap: gap,
        }
    }

    fn hits(segments: &[Segment]) -> Vec<(u32, u64)> {
        let mut out = Vec::new();
        line_hits(segments, &mut out);
        out.iter().map(|h| (h.line.get(), h.hits)).collect()
    }

    #[test]
    fn region_entries_and_wrapped_counts() {
        // fn at 1:1..4:2 (count 5), an `if` body at 2:10..3:6 (count 0), then the end.
        let s = [
            seg(1, 1, 5, true, true, false),
            seg(2, 10, 0, true, true, false),
            seg(3, 6, 5, true, false, false),
            seg(4, 2, 0, false, false, false),
        ];
        // Line 2: max(wrapped 5, entry 0) = 5; line 3: wrapped 0, no entry → 0; line 4: wrapped 5.
        assert_eq!(hits(&s), vec![(1, 5), (2, 5), (3, 0), (4, 5)]);
    }

    #[test]
    fn gap_regions_and_skipped_regions() {
        // A gap region from 2:20 to 4:5 with count 0 after a counted line; line 3 lies in the gap.
        let s = [
            seg(1, 1, 3, true, true, false),
            seg(2, 20, 0, true, false, true),
            seg(4, 5, 3, true, true, false),
            seg(4, 9, 0, false, false, false),
        ];
        // Line 2 is wrapped by the count-3 region; line 3 by the gap segment (has a count of 0).
        assert_eq!(hits(&s), vec![(1, 3), (2, 3), (3, 0), (4, 3)]);
        // A skipped region (entry without count) starting a line: not mapped, nor are lines inside it.
        let s = [
            seg(1, 1, 2, true, true, false),
            seg(1, 9, 0, false, false, false),
            seg(3, 1, 0, false, true, false),
            seg(5, 1, 0, false, false, false),
        ];
        assert_eq!(hits(&s), vec![(1, 2)]);
    }

    #[test]
    fn gap_entry_with_count_is_mapped_with_the_wrapped_count() {
        // LLVM 17+: any region entry with a count maps the line, even a gap region's.
        let s = [
            seg(1, 1, 4, true, true, false),
            seg(1, 5, 0, false, false, false),
            seg(2, 3, 7, true, true, true),
            seg(2, 9, 0, false, false, false),
        ];
        assert_eq!(hits(&s), vec![(1, 4), (2, 0)]);
    }

    #[test]
    fn huge_wrapped_runs_are_cut() {
        let s = [
            seg(1, 1, 1, true, true, false),
            seg(u32::MAX - 1, 1, 0, false, false, false),
        ];
        let mut out = Vec::new();
        assert_eq!(line_hits(&s, &mut out), Some(2));
        // Line 1, the kept run, and the last segment's line (still wrapped by line 1's count).
        assert_eq!(out.len() as u32, 2 + MAX_WRAPPED_RUN);
    }
}
