//! MC/DC in the source view: a line's conditions (from the model's `McdcCondition`s, one per sense)
//! paired into one mark per condition, and the words the page shows for them. Plain Rust, tested natively.
//!
//! A condition is shown independent in a sense when the report counts that sense above zero (lcov 2.x
//! `MCDC:<line>,<groupSize>,<t|f>,<taken>,<index>,<expression>`; llvm-cov: 1 when LLVM found an
//! independence pair). It is covered when shown independent both ways, as lcov counts `MCH`.

use std::collections::BTreeMap;

use covlens_core::{Line, McdcCondition};
use serde::{Deserialize, Serialize};

/// One condition of a decision on a line, both senses together.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct McdcMark {
    /// Conditions in the decision.
    pub group_size: u32,
    /// This condition's index in the decision (0-based, as lcov writes it).
    pub index: u32,
    /// The condition as the producer names it (`a`, `3:7 C1`); may be empty.
    pub expression: String,
    /// Times shown independent with the condition true; `None`: the report has no record of this sense.
    pub true_taken: Option<u64>,
    /// Times shown independent with the condition false; `None` as above.
    pub false_taken: Option<u64>,
}

impl McdcMark {
    /// Shown independent both ways.
    pub fn covered(&self) -> bool {
        self.true_taken.is_some_and(|t| t > 0) && self.false_taken.is_some_and(|f| f > 0)
    }
}

/// The marks of `line` among a file's conditions (sorted by their key, as the model keeps them), in
/// (group size, index, expression) order.
pub fn marks_on(conditions: &[McdcCondition], line: Line) -> Vec<McdcMark> {
    let start = conditions.partition_point(|c| c.line < line);
    let mut by: BTreeMap<(u32, u32, &str), McdcMark> = BTreeMap::new();
    for c in conditions[start..].iter().take_while(|c| c.line == line) {
        let m = by
            .entry((c.group_size, c.index, c.expression.as_str()))
            .or_insert_with(|| McdcMark {
                group_size: c.group_size,
                index: c.index,
                expression: c.expression.clone(),
                true_taken: None,
                false_taken: None,
            });
        let slot = if c.sense {
            &mut m.true_taken
        } else {
            &mut m.false_taken
        };
        *slot = Some(slot.unwrap_or(0).saturating_add(c.taken));
    }
    by.into_values().collect()
}

/// `1/2`: conditions shown independent both ways, of the line's conditions; empty when it has none
/// (the `data-mcdc` hook and the gutter's text).
pub fn mcdc_short(marks: &[McdcMark]) -> String {
    if marks.is_empty() {
        return String::new();
    }
    let covered = marks.iter().filter(|m| m.covered()).count();
    format!("{covered}/{}", marks.len())
}

fn sense(taken: Option<u64>) -> String {
    match taken {
        None => "no record".to_string(),
        Some(0) => "not shown".to_string(),
        Some(n) => format!("shown {}\u{d7}", crate::view::group_digits(n)),
    }
}

/// One line of words per condition, for the line's detail and the gutter's tooltip:
/// `MC/DC condition 1 of 2 (a): independent both ways (true shown 2×, false shown 2×)`.
pub fn mcdc_lines(marks: &[McdcMark]) -> Vec<String> {
    marks
        .iter()
        .map(|m| {
            let name = if m.expression.is_empty() {
                String::new()
            } else {
                format!(" ({})", m.expression)
            };
            let (t, f) = (
                m.true_taken.is_some_and(|n| n > 0),
                m.false_taken.is_some_and(|n| n > 0),
            );
            let verdict = match (t, f) {
                (true, true) => "independent both ways",
                (true, false) => "independent when true only",
                (false, true) => "independent when false only",
                (false, false) => "never shown independent",
            };
            format!(
                "MC/DC condition {} of {}{name}: {verdict} (true {}, false {})",
                m.index + 1,
                m.group_size,
                sense(m.true_taken),
                sense(m.false_taken)
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(n: u32) -> Line {
        Line::new(n).unwrap()
    }

    fn cond(l: u32, group: u32, sense: bool, index: u32, expr: &str, taken: u64) -> McdcCondition {
        McdcCondition {
            line: line(l),
            group_size: group,
            sense,
            index,
            expression: expr.into(),
            taken,
        }
    }

    #[test]
    fn senses_pair_into_one_mark_per_condition() {
        let mut c = vec![
            cond(3, 2, true, 0, "a", 2),
            cond(3, 2, false, 0, "a", 1),
            cond(3, 2, true, 1, "b", 0),
            cond(3, 2, false, 1, "b", 4),
            cond(5, 1, true, 0, "c", 1),
        ];
        c.sort_by(|x, y| x.key().cmp(&y.key()));
        let marks = marks_on(&c, line(3));
        assert_eq!(
            marks,
            vec![
                McdcMark {
                    group_size: 2,
                    index: 0,
                    expression: "a".into(),
                    true_taken: Some(2),
                    false_taken: Some(1)
                },
                McdcMark {
                    group_size: 2,
                    index: 1,
                    expression: "b".into(),
                    true_taken: Some(0),
                    false_taken: Some(4)
                },
            ]
        );
        assert_eq!(mcdc_short(&marks), "1/2");
        assert_eq!(
            mcdc_lines(&marks),
            [
                "MC/DC condition 1 of 2 (a): independent both ways (true shown 2\u{d7}, false shown 1\u{d7})",
                "MC/DC condition 2 of 2 (b): independent when false only (true not shown, false shown 4\u{d7})",
            ]
        );
        let five = marks_on(&c, line(5));
        assert_eq!(mcdc_short(&five), "0/1");
        assert_eq!(
            mcdc_lines(&five),
            ["MC/DC condition 1 of 1 (c): independent when true only (true shown 1\u{d7}, false no record)"]
        );
        assert_eq!(marks_on(&c, line(4)), vec![]);
        assert_eq!(mcdc_short(&[]), "");
    }
}
