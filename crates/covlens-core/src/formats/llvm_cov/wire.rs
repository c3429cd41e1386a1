//! The llvm-cov export JSON as written, field for field (only what covlens reads; other keys are
//! skipped). Files and functions stay raw text until read one by one, so a broken one is named by its
//! position and skipped.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, SeqAccess, Visitor};
use serde::Deserialize as DeriveDeserialize;
use serde_json::value::RawValue;

use crate::formats::jsonpos::Num;

/// `{"data": [...], "type": "llvm.coverage.json.export", "version": "..."}`.
#[derive(DeriveDeserialize)]
pub(crate) struct Document<'a> {
    #[serde(borrow)]
    pub data: Vec<Export<'a>>,
    #[serde(borrow, default, rename = "type")]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub version: Option<Cow<'a, str>>,
}

/// One element of `data`: one coverage mapping (one set of binaries and one profile).
#[derive(DeriveDeserialize)]
pub(crate) struct Export<'a> {
    #[serde(borrow, default)]
    pub files: Vec<&'a RawValue>,
    /// Absent with `-summary-only` and `-skip-functions`.
    #[serde(borrow, default)]
    pub functions: Option<Vec<&'a RawValue>>,
}

/// One element of `files`.
#[derive(DeriveDeserialize)]
pub(crate) struct File<'a> {
    #[serde(borrow)]
    pub filename: Cow<'a, str>,
    /// `[line, col, count, hasCount, isRegionEntry, isGapRegion]` (older exports: no `isGapRegion`).
    #[serde(default)]
    pub segments: Option<Vec<Tuple>>,
    /// `[l1, c1, l2, c2, trueCount, falseCount, fileId, expandedFileId, kind]`.
    #[serde(default)]
    pub branches: Vec<Tuple>,
    /// `[l1, c1, l2, c2, (trueDecisions, falseDecisions,) fileId, expandedFileId, kind, [covered...]]`.
    #[serde(default)]
    pub mcdc_records: Vec<Tuple>,
    #[serde(default)]
    pub expansions: Vec<Expansion>,
}

/// A macro expansion used in the file: where it is used, and the branches inside it.
#[derive(DeriveDeserialize)]
pub(crate) struct Expansion {
    /// `[l1, c1, l2, c2, count, fileId, expandedFileId, kind]`.
    pub source_region: Tuple,
    #[serde(default)]
    pub branches: Vec<Tuple>,
}

/// One element of `functions`: one function record (one instantiation).
#[derive(DeriveDeserialize)]
pub(crate) struct Function<'a> {
    #[serde(borrow)]
    pub name: Cow<'a, str>,
    pub count: Num,
    /// `[l1, c1, l2, c2, count, fileId, expandedFileId, kind]`.
    pub regions: Vec<Tuple>,
    #[serde(borrow)]
    pub filenames: Vec<Cow<'a, str>>,
}

/// One element of a heterogeneous JSON array.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Elem {
    Num(Num),
    Bool(bool),
    /// Something else (a string, an object, `null`, or an array past the first).
    Other,
}

/// Elements kept of an array tuple; llvm-cov's longest is 10.
const TUPLE_CAP: usize = 12;

/// A JSON array tuple such as a segment or a region, read without allocating: its first numbers and
/// booleans in order, and its first nested array of booleans (MC/DC conditions).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tuple {
    items: [Elem; TUPLE_CAP],
    len: usize,
    /// The first element that was an array of booleans, and where it was.
    pub bools: Option<(usize, Vec<bool>)>,
}

impl Tuple {
    /// How many elements the array had (kept or not).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Element `i`, when it is a number.
    pub fn num(&self, i: usize) -> Option<Num> {
        match self.items.get(i).filter(|_| i < self.len) {
            Some(Elem::Num(n)) => Some(*n),
            _ => None,
        }
    }

    /// Element `i`, when it is a boolean (or 0 / 1).
    pub fn boolean(&self, i: usize) -> Option<bool> {
        match self.items.get(i).filter(|_| i < self.len) {
            Some(Elem::Bool(b)) => Some(*b),
            Some(Elem::Num(Num::U(0))) => Some(false),
            Some(Elem::Num(Num::U(1))) => Some(true),
            _ => None,
        }
    }
}

/// One element, whatever it is.
struct AnyElem(Elem, Option<Vec<bool>>);

impl<'de> Deserialize<'de> for AnyElem {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AnyElem, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = AnyElem;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number, a boolean or an array of booleans")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<AnyElem, E> {
                Ok(AnyElem(Elem::Num(Num::U(v)), None))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<AnyElem, E> {
                let n = if v < 0 { Num::Neg(v) } else { Num::U(v as u64) };
                Ok(AnyElem(Elem::Num(n), None))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<AnyElem, E> {
                Ok(AnyElem(Elem::Num(Num::F(v)), None))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<AnyElem, E> {
                Ok(AnyElem(Elem::Bool(v), None))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<AnyElem, E> {
                Ok(AnyElem(Elem::Other, None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<AnyElem, E> {
                Ok(AnyElem(Elem::Other, None))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<AnyElem, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(AnyElem(Elem::Other, None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<AnyElem, A::Error> {
                let mut bools = Vec::new();
                let mut all_bools = true;
                while let Some(e) = seq.next_element::<AnyElem>()? {
                    match e.0 {
                        Elem::Bool(b) => bools.push(b),
                        _ => all_bools = false,
                    }
                }
                Ok(AnyElem(Elem::Other, all_bools.then_some(bools)))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Tuple {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Tuple, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tuple;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tuple, A::Error> {
                let mut t = Tuple {
                    items: [Elem::Other; TUPLE_CAP],
                    len: 0,
                    bools: None,
                };
                while let Some(AnyElem(e, bools)) = seq.next_element::<AnyElem>()? {
                    if t.len < TUPLE_CAP {
                        t.items[t.len] = e;
                    }
                    if let (None, Some(b)) = (&t.bools, bools) {
                        t.bools = Some((t.len, b));
                    }
                    t.len += 1;
                }
                Ok(t)
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tuples_read_numbers_booleans_and_condition_arrays() {
        let t: Tuple = serde_json::from_str("[3, 0, 7, true, false, false]").unwrap();
        assert_eq!(t.len(), 6);
        assert_eq!(t.num(0), Some(Num::U(3)));
        assert_eq!(t.num(2), Some(Num::U(7)));
        assert_eq!(t.boolean(3), Some(true));
        assert_eq!(t.boolean(5), Some(false));
        assert_eq!(t.num(6), None);
        let m: Tuple = serde_json::from_str("[5, 6, 5, 20, 1, 2, 0, 0, 5, [true, false]]").unwrap();
        assert_eq!(m.bools, Some((9, vec![true, false])));
        assert!(serde_json::from_str::<Tuple>("{\"a\": 1}").is_err());
    }
}
