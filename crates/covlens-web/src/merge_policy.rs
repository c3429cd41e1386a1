//! The merge policy as the page and the worker exchange it (a small serde enum over shard ids) and as
//! the URL holds it (`sum`, `any`, `all`, `only:0,2`); [`MergePolicy::to_core`] gives the core's rule.

use serde::{Deserialize, Serialize};

/// Which rule turns the enabled shards' counts into the merged counts; see [`covlens_core::Policy`].
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MergePolicy {
    #[default]
    Sum,
    Any,
    All,
    /// Covered by one of these shards (ids) and by no other enabled shard.
    OnlyBy(Vec<u32>),
}

impl MergePolicy {
    /// The kinds, for the switch: (id, label, explanation).
    pub const KINDS: [(&'static str, &'static str, &'static str); 4] = [
        (
            "sum",
            "Sum of hits",
            "a line is covered when any shard ran it; counts add up",
        ),
        (
            "any",
            "Any shard",
            "covered when any shard ran it; the count is how many shards did",
        ),
        (
            "all",
            "All shards",
            "covered only when every shard that measures it ran it",
        ),
        (
            "only",
            "Only by\u{2026}",
            "covered by the chosen shards and by no other shard",
        ),
    ];

    pub fn kind_id(&self) -> &'static str {
        match self {
            MergePolicy::Sum => "sum",
            MergePolicy::Any => "any",
            MergePolicy::All => "all",
            MergePolicy::OnlyBy(_) => "only",
        }
    }

    /// The policy of kind `id`, keeping `group` for "only"; `None` for an unknown id.
    pub fn of_kind(id: &str, group: Vec<u32>) -> Option<MergePolicy> {
        Some(match id {
            "sum" => MergePolicy::Sum,
            "any" => MergePolicy::Any,
            "all" => MergePolicy::All,
            "only" => MergePolicy::OnlyBy(group),
            _ => return None,
        })
    }

    /// The group of an "only by" policy (empty otherwise).
    pub fn group(&self) -> &[u32] {
        match self {
            MergePolicy::OnlyBy(g) => g,
            _ => &[],
        }
    }

    /// The same policy with shard `id` in or out of the group (an "only by" policy; others unchanged).
    pub fn with_member(&self, id: u32, member: bool) -> MergePolicy {
        match self {
            MergePolicy::OnlyBy(g) => {
                let mut g: Vec<u32> = g.iter().copied().filter(|&x| x != id).collect();
                if member {
                    g.push(id);
                }
                g.sort_unstable();
                MergePolicy::OnlyBy(g)
            }
            other => other.clone(),
        }
    }

    pub fn to_core(&self) -> covlens_core::Policy {
        match self {
            MergePolicy::Sum => covlens_core::Policy::Sum,
            MergePolicy::Any => covlens_core::Policy::Any,
            MergePolicy::All => covlens_core::Policy::All,
            MergePolicy::OnlyBy(g) => covlens_core::Policy::OnlyBy(
                g.iter().map(|&id| covlens_core::ShardId(id)).collect(),
            ),
        }
    }

    /// The URL form: `sum`, `any`, `all`, `only:0,2`.
    pub fn to_param(&self) -> String {
        match self {
            MergePolicy::OnlyBy(g) => {
                let ids: Vec<String> = g.iter().map(u32::to_string).collect();
                format!("only:{}", ids.join(","))
            }
            other => other.kind_id().to_string(),
        }
    }

    /// Reads [`MergePolicy::to_param`]'s form; `None` for anything else.
    pub fn from_param(p: &str) -> Option<MergePolicy> {
        if let Some(ids) = p.strip_prefix("only:") {
            let mut g = Vec::new();
            for id in ids.split(',').filter(|s| !s.is_empty()) {
                g.push(id.parse().ok()?);
            }
            g.sort_unstable();
            g.dedup();
            return Some(MergePolicy::OnlyBy(g));
        }
        match p {
            "only" => None,
            _ => MergePolicy::of_kind(p, Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_round_trip_through_the_url() {
        for p in [
            MergePolicy::Sum,
            MergePolicy::Any,
            MergePolicy::All,
            MergePolicy::OnlyBy(vec![]),
            MergePolicy::OnlyBy(vec![0, 2]),
        ] {
            assert_eq!(MergePolicy::from_param(&p.to_param()), Some(p));
        }
        assert_eq!(MergePolicy::OnlyBy(vec![0, 2]).to_param(), "only:0,2");
        assert_eq!(
            MergePolicy::from_param("only:3,1,3"),
            Some(MergePolicy::OnlyBy(vec![1, 3]))
        );
        assert_eq!(MergePolicy::from_param("only:x"), None);
        assert_eq!(MergePolicy::from_param("most"), None);
    }

    #[test]
    fn group_membership_toggles_and_stays_sorted() {
        let p = MergePolicy::OnlyBy(vec![1]);
        assert_eq!(p.with_member(0, true), MergePolicy::OnlyBy(vec![0, 1]));
        assert_eq!(p.with_member(1, false), MergePolicy::OnlyBy(vec![]));
        assert_eq!(MergePolicy::Sum.with_member(1, true), MergePolicy::Sum);
        assert_eq!(
            MergePolicy::OnlyBy(vec![2]).to_core(),
            covlens_core::Policy::OnlyBy([covlens_core::ShardId(2)].into_iter().collect())
        );
    }
}
