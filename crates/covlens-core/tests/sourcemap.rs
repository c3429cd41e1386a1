//! Source map decoding: the tc39 conformance suite (data-driven), VLQ edge cases, real maps from v8-to-istanbul and monocart, finding maps.

// The ban on IO is for the library; its tests read the shared corpus.
#![allow(clippy::disallowed_methods)]

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use covlens_core::diag::Position;
use covlens_core::sourcemap::{
    decode, decode_data_url, decode_vlq, extract_source_mapping_url, locate_source_map,
    resolve_url, DecodeOptions, GeneratedRange, MapKind, MapLocation, SourceMap, SourceMapError,
    VlqError,
};
use serde_json::Value;

fn strict(bytes: &[u8]) -> Result<SourceMap, SourceMapError> {
    decode(bytes, &DecodeOptions::default()).map(|p| {
        assert!(p.diagnostics.is_empty(), "strict mode never warns");
        p.value
    })
}

fn suite_dir() -> Option<PathBuf> {
    let dir = common::corpus()?.join("sourcemaps/tc39-source-map-tests");
    dir.is_dir().then_some(dir)
}

fn sourcemaps_dir() -> Option<PathBuf> {
    Some(common::corpus()?.join("sourcemaps"))
}

/// What an invalid map of the suite must be rejected with: the whole rendered message, so the
/// cause (field, and byte offset in `mappings` where there is one) is checked, not just "an error".
/// The first problem in the map is the one named: in `...NegativeRelativeSourceIndex` and
/// `...NegativeRelativeNameIndex` the first segment already points past the end of the list.
const EXPECTED_ERRORS: &[(&str, &str)] = &[
    ("versionMissing", "invalid source map: version: missing (must be the number 3)"),
    ("versionNotANumber", "invalid source map: version: must be the number 3, found a string"),
    ("versionNumericString", "invalid source map: version: must be the number 3, found a string"),
    ("versionTooHigh", "invalid source map: version: must be 3, found 4"),
    ("versionTooLow", "invalid source map: version: must be 3, found 2"),
    ("mappingsMissing", "invalid source map: mappings: missing (a regular source map needs it)"),
    ("sourcesMissing", "invalid source map: sources: missing (a regular source map needs it)"),
    ("sourcesNotAList1", "invalid source map: sources: expected an array, found a string"),
    ("sourcesNotAList2", "invalid source map: sources: expected an array, found an object"),
    ("sourcesNotStringOrNull", "invalid source map: sources[0]: expected a string or null, found a number"),
    ("sourcesContentNotAList1", "invalid source map: sourcesContent: expected an array, found a string"),
    ("sourcesContentNotAList2", "invalid source map: sourcesContent: expected an array, found an object"),
    ("sourcesContentNotStringOrNull", "invalid source map: sourcesContent[0]: expected a string or null, found a number"),
    ("fileNotAString1", "invalid source map: file: expected a string, found an array"),
    ("fileNotAString2", "invalid source map: file: expected a string, found a number"),
    ("sourceRootNotAString1", "invalid source map: sourceRoot: expected a string, found an array"),
    ("sourceRootNotAString2", "invalid source map: sourceRoot: expected a string, found a number"),
    ("namesNotAList1", "invalid source map: names: expected an array, found a string"),
    ("namesNotAList2", "invalid source map: names: expected an array, found an object"),
    ("namesNotString", "invalid source map: names[0]: expected a string, found null"),
    ("ignoreListWrongType1", "invalid source map: ignoreList[0]: expected a source index, found a string"),
    ("ignoreListWrongType2", "invalid source map: ignoreList[0]: expected a source index, found a string"),
    ("ignoreListWrongType3", "invalid source map: ignoreList: expected an array of source indices, found a number"),
    ("ignoreListWrongType4", "invalid source map: ignoreList[0]: expected a source index, found 0.5"),
    ("ignoreListOutOfBounds1", "invalid source map: ignoreList[0]: source index 1 is out of bounds (1 sources)"),
    ("ignoreListOutOfBounds2", "invalid source map: ignoreList[0]: expected a source index, found -1"),
    ("invalidVLQDueToNonBase64Character", "invalid source map: mappings at byte 1: invalid character '$' in a base64 VLQ"),
    ("invalidVLQDueToNonBase64CharacterPadding", "invalid source map: mappings at byte 3: invalid character '=' in a base64 VLQ"),
    ("invalidVLQDueToMissingContinuationDigits", "invalid source map: mappings at byte 0: base64 VLQ ends with a continuation digit (more digits were announced)"),
    ("invalidMappingNotAString1", "invalid source map: mappings: expected a string, found a number"),
    ("invalidMappingNotAString2", "invalid source map: mappings: expected a string, found an array"),
    ("invalidMappingSegmentBadSeparator", "invalid source map: mappings at byte 4: invalid character '.' in a base64 VLQ"),
    ("invalidMappingSegmentWithZeroFields", "invalid source map: mappings at byte 0: segment with no fields (a line starts with ',')"),
    ("invalidMappingSegmentWithTwoFields", "invalid source map: mappings at byte 0: segment with 2 fields (a segment has 1, 4 or 5)"),
    ("invalidMappingSegmentWithThreeFields", "invalid source map: mappings at byte 0: segment with 3 fields (a segment has 1, 4 or 5)"),
    ("invalidMappingSegmentWithSourceIndexOutOfBounds", "invalid source map: mappings at byte 0: source index 1 is out of bounds (1 sources)"),
    ("invalidMappingSegmentWithNameIndexOutOfBounds", "invalid source map: mappings at byte 0: name index 1 is out of bounds (1 names)"),
    ("invalidMappingSegmentWithNegativeColumn", "invalid source map: mappings at byte 0: generated column is negative (-2)"),
    ("invalidMappingSegmentWithNegativeSourceIndex", "invalid source map: mappings at byte 0: source index is negative (-2)"),
    ("invalidMappingSegmentWithNegativeOriginalLine", "invalid source map: mappings at byte 0: original line is negative (-2)"),
    ("invalidMappingSegmentWithNegativeOriginalColumn", "invalid source map: mappings at byte 0: original column is negative (-2)"),
    ("invalidMappingSegmentWithNegativeNameIndex", "invalid source map: mappings at byte 0: name index is negative (-2)"),
    ("invalidMappingSegmentWithNegativeRelativeColumn", "invalid source map: mappings at byte 2: generated column is negative (-1)"),
    ("invalidMappingSegmentWithNegativeRelativeSourceIndex", "invalid source map: mappings at byte 0: source index 1 is out of bounds (1 sources)"),
    ("invalidMappingSegmentWithNegativeRelativeOriginalLine", "invalid source map: mappings at byte 5: original line is negative (-1)"),
    ("invalidMappingSegmentWithNegativeRelativeOriginalColumn", "invalid source map: mappings at byte 5: original column is negative (-1)"),
    ("invalidMappingSegmentWithNegativeRelativeNameIndex", "invalid source map: mappings at byte 0: name index 1 is out of bounds (0 names)"),
    ("invalidMappingSegmentWithColumnExceeding32Bits", "invalid source map: mappings at byte 0: base64 VLQ value exceeds 32 bits"),
    ("invalidMappingSegmentWithSourceIndexExceeding32Bits", "invalid source map: mappings at byte 1: base64 VLQ value exceeds 32 bits"),
    ("invalidMappingSegmentWithOriginalLineExceeding32Bits", "invalid source map: mappings at byte 2: base64 VLQ value exceeds 32 bits"),
    ("invalidMappingSegmentWithOriginalColumnExceeding32Bits", "invalid source map: mappings at byte 3: base64 VLQ value exceeds 32 bits"),
    ("invalidMappingSegmentWithNameIndexExceeding32Bits", "invalid source map: mappings at byte 4: base64 VLQ value exceeds 32 bits"),
    ("indexMapWrongTypeSections", "invalid source map: sections: expected an array, found a string"),
    ("indexMapWrongTypeOffset", "invalid source map: sections[0].offset: expected an object, found a string"),
    ("indexMapWrongTypeMap", "invalid source map: sections[0].map: expected an object, found a string"),
    ("indexMapInvalidBaseMappings", "invalid source map: mappings: an index map (with `sections`) must not also have `mappings`"),
    ("indexMapInvalidOverlap", "invalid source map: sections[1].offset: sections overlap: offset 0:0 is not after the previous section's last mapping at 0:0"),
    ("indexMapInvalidOrder", "invalid source map: sections[1].offset: sections out of order: 0:0 comes before the previous section's offset 1:4"),
    ("indexMapMissingMap", "invalid source map: sections[0].map: missing (each section embeds its map; `url` sections are not part of ECMA-426)"),
    ("indexMapInvalidSubMap", "invalid source map: sections[0].map.version: must be the number 3, found a string"),
    ("indexMapMissingOffset", "invalid source map: sections[0].offset: missing"),
    ("indexMapMissingOffsetLine", "invalid source map: sections[0].offset.line: missing"),
    ("indexMapMissingOffsetColumn", "invalid source map: sections[0].offset.column: missing"),
    ("indexMapOffsetLineWrongType", "invalid source map: sections[0].offset.line: expected a non-negative integer, found a boolean"),
    ("indexMapOffsetColumnWrongType", "invalid source map: sections[0].offset.column: expected a non-negative integer, found a boolean"),
    ("indexMapFileWrongType1", "invalid source map: file: expected a string, found an array"),
    ("indexMapFileWrongType2", "invalid source map: file: expected a string, found a number"),
];

/// The answer of a lookup in the suite's terms: (source, line, column, name), all `None` when the
/// position maps to nothing.
type Answer = (Option<String>, Option<u64>, Option<u64>, Option<String>);

fn answer(map: &SourceMap, line: u32, column: u32) -> Answer {
    match map.lookup(line, column) {
        Some(m) => match m.original {
            Some(o) => (
                map.sources[o.source as usize].url.clone(),
                Some(u64::from(o.line)),
                Some(u64::from(o.column)),
                m.name.map(|n| map.names[n as usize].clone()),
            ),
            None => (None, None, None, None),
        },
        None => (None, None, None, None),
    }
}

fn expected(action: &Value) -> Answer {
    (
        action["originalSource"].as_str().map(str::to_string),
        action["originalLine"].as_u64(),
        action["originalColumn"].as_u64(),
        action["mappedName"].as_str().map(str::to_string),
    )
}

fn u32_of(action: &Value, key: &str) -> u32 {
    action[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} in {action}")) as u32
}

/// Runs one action; `Err` describes the failure.
fn run_action(dir: &Path, map: &SourceMap, action: &Value) -> Result<(), String> {
    match action["actionType"].as_str() {
        Some("checkMapping") => {
            let (l, c) = (
                u32_of(action, "generatedLine"),
                u32_of(action, "generatedColumn"),
            );
            let got = answer(map, l, c);
            let want = expected(action);
            if got != want {
                return Err(format!("{l}:{c} maps to {got:?}, expected {want:?}"));
            }
            Ok(())
        }
        Some("checkMappingTransitive") => {
            let (l, c) = (
                u32_of(action, "generatedLine"),
                u32_of(action, "generatedColumn"),
            );
            let mut got = answer(map, l, c);
            for step in action["intermediateMaps"].as_array().into_iter().flatten() {
                let file = step.as_str().ok_or("intermediate map is not a string")?;
                let Some(source) = got.0.clone() else {
                    return Err(format!("chain stopped before {file}: {got:?}"));
                };
                // Each step's map is the map of the previous step's original source.
                if format!("{source}.map") != file {
                    return Err(format!("step reached {source}, next map is {file}"));
                }
                let bytes =
                    fs::read(dir.join("resources").join(file)).map_err(|e| e.to_string())?;
                let next = strict(&bytes).map_err(|e| format!("{file}: {e}"))?;
                got = answer(
                    &next,
                    got.1.expect("a source has a line") as u32,
                    got.2.expect("a source has a column") as u32,
                );
            }
            let want = expected(action);
            // The suite's expected name is the last step's: compare the position and source.
            if (got.0.as_ref(), got.1, got.2) != (want.0.as_ref(), want.1, want.2)
                || (want.3.is_some() && got.3 != want.3)
            {
                return Err(format!(
                    "{l}:{c} maps transitively to {got:?}, expected {want:?}"
                ));
            }
            Ok(())
        }
        Some("checkIgnoreList") => {
            let want: BTreeSet<&str> = action["present"]
                .as_array()
                .ok_or("present is not a list")?
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let got: BTreeSet<&str> = map
                .sources
                .iter()
                .filter(|s| s.ignored)
                .filter_map(|s| s.url.as_deref())
                .collect();
            if got != want {
                return Err(format!("ignored sources {got:?}, expected {want:?}"));
            }
            Ok(())
        }
        other => Err(format!("action type {other:?} is not implemented")),
    }
}

#[test]
fn tc39_conformance_suite() {
    let Some(dir) = suite_dir() else {
        eprintln!("notice: shared corpus absent, tc39 source map suite skipped");
        return;
    };
    let tests: Value =
        serde_json::from_slice(&fs::read(dir.join("source-map-spec-tests.json")).unwrap()).unwrap();
    let tests = tests["tests"].as_array().unwrap();
    let mut failures = Vec::new();
    let (mut valid, mut invalid, mut actions) = (0, 0, 0);
    let mut messages = Vec::new();
    for test in tests {
        let name = test["name"].as_str().unwrap();
        let file = test["sourceMapFile"].as_str().unwrap();
        let bytes = fs::read(dir.join("resources").join(file)).unwrap();
        let result = strict(&bytes);
        if test["sourceMapIsValid"].as_bool().unwrap() {
            valid += 1;
            let map = match result {
                Ok(map) => map,
                Err(e) => {
                    failures.push(format!("{name}: valid map rejected: {e}"));
                    continue;
                }
            };
            for action in test["testActions"].as_array().into_iter().flatten() {
                actions += 1;
                if let Err(why) = run_action(&dir, &map, action) {
                    failures.push(format!("{name}: {why}"));
                }
            }
        } else {
            invalid += 1;
            match result {
                Ok(_) => failures.push(format!("{name}: invalid map accepted")),
                Err(e) => {
                    let text = e.to_string();
                    messages.push(format!("(\"{name}\", \"{}\"),", text.replace('"', "\\\"")));
                    match EXPECTED_ERRORS.iter().find(|(n, _)| *n == name) {
                        Some((_, want)) if *want == text => {}
                        Some((_, want)) => failures
                            .push(format!("{name}: rejected with `{text}`, expected `{want}`")),
                        None => failures.push(format!("{name}: no expected message for `{text}`")),
                    }
                }
            }
        }
    }
    println!(
        "tc39 source map suite: {} cases ({valid} valid with {actions} actions, {invalid} invalid), {} failed",
        tests.len(),
        failures.len()
    );
    if failures.iter().any(|f| f.contains("no expected message")) {
        println!("{}", messages.join("\n"));
    }
    assert_eq!((tests.len(), valid, invalid, actions), (99, 32, 67, 94));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The range-mappings suite tests a stage proposal (tc39/ecma426 `proposals/range-mappings.md`), not
/// ECMA-426: its `rangeMappings` field is out of scope here (not part of the standard, so nothing to
/// conform to yet). ECMA-426 §"Extensions" says consumers shall ignore unrecognized properties, so
/// its maps are judged as plain ECMA-426 maps: all decode, except the two whose `mappings` itself
/// is invalid ECMA-426 (`"AAA"`, a 3-field segment).
#[test]
fn range_mappings_proposal_maps_as_ecma426_maps() {
    let Some(dir) = suite_dir() else {
        eprintln!("notice: shared corpus absent, range mappings maps skipped");
        return;
    };
    let tests: Value =
        serde_json::from_slice(&fs::read(dir.join("range-mappings-proposal-tests.json")).unwrap())
            .unwrap();
    let mut decoded = 0;
    let mut rejected = Vec::new();
    for test in tests["tests"].as_array().unwrap() {
        let file = test["sourceMapFile"].as_str().unwrap();
        let bytes = fs::read(dir.join("resources/proposals/range-mappings").join(file)).unwrap();
        match strict(&bytes) {
            Ok(_) => decoded += 1,
            Err(e) => rejected.push(format!("{file}: {e}")),
        }
    }
    println!(
        "range mappings proposal: {decoded} maps decode as ECMA-426 maps, {} rejected",
        rejected.len()
    );
    assert_eq!(decoded, 11);
    assert_eq!(
        rejected,
        [
            "out-of-range.js.map: invalid source map: mappings at byte 0: segment with 3 fields (a segment has 1, 4 or 5)",
            "out-of-range-2.js.map: invalid source map: mappings at byte 0: segment with 3 fields (a segment has 1, 4 or 5)",
        ]
    );
}

// ---- VLQ edge cases -------------------------------------------------------------------------

fn vlq(s: &str) -> Result<(i64, usize), VlqError> {
    decode_vlq(s.as_bytes(), 0)
}

#[test]
fn vlq_single_digits_and_sign() {
    assert_eq!(vlq("A"), Ok((0, 1)));
    assert_eq!(vlq("C"), Ok((1, 1)));
    assert_eq!(vlq("D"), Ok((-1, 1)));
    assert_eq!(vlq("e"), Ok((15, 1)));
    assert_eq!(vlq("f"), Ok((-15, 1)));
    // The spec's own examples: "iB" is 17, "V" is -10.
    assert_eq!(vlq("iB"), Ok((17, 2)));
    assert_eq!(vlq("V"), Ok((-10, 1)));
    // "Negative zero" is -2^31 (ECMA-426 VLQSignedValue step 5).
    assert_eq!(vlq("B"), Ok((-2_147_483_648, 1)));
    // Stops at a separator.
    assert_eq!(decode_vlq(b"gB,A", 0), Ok((16, 2)));
}

#[test]
fn vlq_32_bit_limits() {
    // 2^31 - 1, the largest value: unsigned 2^32 - 2.
    assert_eq!(vlq("+/////D"), Ok((2_147_483_647, 7)));
    // -(2^31 - 1): unsigned 2^32 - 1, the largest unsigned value.
    assert_eq!(vlq("//////D"), Ok((-2_147_483_647, 7)));
    // Unsigned 2^32 (value 2^31): one past the limit.
    assert_eq!(vlq("ggggggE"), Err(VlqError::Overflow { offset: 0 }));
    // A nonzero digit at bit 35.
    assert_eq!(vlq("gggggggB"), Err(VlqError::Overflow { offset: 0 }));
    // Overflow reported at the VLQ's first digit, not at 0.
    assert_eq!(
        decode_vlq(b"AAggggggE", 2),
        Err(VlqError::Overflow { offset: 2 })
    );
    // Many zero continuation digits are fine however long (the suite's validMappingLargeVLQ).
    let long = format!("i{}A", "g".repeat(1000));
    assert_eq!(vlq(&long), Ok((1, 1002)));
}

#[test]
fn vlq_invalid_input() {
    assert_eq!(
        vlq("="),
        Err(VlqError::InvalidCharacter {
            offset: 0,
            byte: b'='
        })
    );
    assert_eq!(
        decode_vlq(b"g.", 0),
        Err(VlqError::InvalidCharacter {
            offset: 1,
            byte: b'.'
        })
    );
    // URL-safe base64 is not the VLQ alphabet.
    assert_eq!(
        vlq("-"),
        Err(VlqError::InvalidCharacter {
            offset: 0,
            byte: b'-'
        })
    );
    assert_eq!(
        decode_vlq("é".as_bytes(), 0),
        Err(VlqError::InvalidCharacter {
            offset: 0,
            byte: 0xC3
        })
    );
    // A continuation digit with nothing after it, or a separator after it.
    assert_eq!(vlq("g"), Err(VlqError::MissingContinuation { offset: 0 }));
    assert_eq!(
        decode_vlq(b"Ag;", 1),
        Err(VlqError::MissingContinuation { offset: 1 })
    );
    assert_eq!(
        VlqError::InvalidCharacter { offset: 3, byte: 0 }.message(),
        "invalid character byte 0x00 in a base64 VLQ"
    );
}

fn map_with(mappings: &str) -> String {
    format!(r#"{{"version":3,"sources":["a.js","b.js"],"names":["x"],"mappings":"{mappings}"}}"#)
}

#[test]
fn mappings_errors_name_the_byte_offset() {
    let cases = [
        ("AAAA,AA", "mappings at byte 5: segment with 2 fields (a segment has 1, 4 or 5)"),
        ("AAAA;;AAAAAA", "mappings at byte 6: segment with more than 5 fields (a segment has 1, 4 or 5)"),
        ("AAAA,", "mappings at byte 5: segment with no fields (two separators in a row, or a trailing ',')"),
        (";,A", "mappings at byte 1: segment with no fields (a line starts with ',')"),
        ("AAAA,AA=A", "mappings at byte 7: invalid character '=' in a base64 VLQ"),
        ("AAAA;Cg", "mappings at byte 6: base64 VLQ ends with a continuation digit (more digits were announced)"),
        ("AAAA,EEAA", "mappings at byte 5: source index 2 is out of bounds (2 sources)"),
        ("AAAA,ADAA", "mappings at byte 5: source index is negative (-1)"),
        ("AAAAC", "mappings at byte 0: name index 1 is out of bounds (1 names)"),
        ("AggggggEAA", "mappings at byte 1: base64 VLQ value exceeds 32 bits"),
    ];
    for (mappings, want) in cases {
        let err = strict(map_with(mappings).as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("invalid source map: {want}"),
            "{mappings}"
        );
        assert_eq!(err.path, "mappings");
    }
    // Escapes in the JSON string are decoded before the VLQs are read.
    let map = strict(map_with(r"AAAA\u002cCAAC").as_bytes()).unwrap();
    assert_eq!(map.mappings().len(), 2);
}

#[test]
fn json_errors_have_a_position() {
    let err = strict(b"{\"version\":3,\n \"sources\": [,]}").unwrap_err();
    assert_eq!(
        err.position,
        Some(Position::LineCol {
            line: 2,
            column: Some(14)
        })
    );
    assert_eq!(err.path, "");
    assert_eq!(
        err.to_string(),
        "invalid source map: at 2:14: expected value"
    );
    assert_eq!(
        strict(b"[1]").unwrap_err().to_string(),
        "invalid source map: at 1:1: expected a JSON object at the top level"
    );
    assert_eq!(
        strict(b"").unwrap_err().to_string(),
        "invalid source map: at 1:0: unexpected end of JSON"
    );
}

#[test]
fn lenient_mode_continues_where_the_spec_allows() {
    let bytes = br#"{"version":"3","file":7,"sources":["a.js",5],"sourcesContent":"no",
        "names":["x",null],"ignoreList":[0,9],"mappings":"AAAA,CDAA,CCAAC,CAAAE;AAAA"}"#;
    let strict_err = strict(bytes).unwrap_err();
    assert_eq!(
        strict_err.to_string(),
        "invalid source map: version: must be the number 3, found a string"
    );
    let parsed = decode(bytes, &DecodeOptions { lenient: true }).unwrap();
    let map = parsed.value;
    let warnings: Vec<String> = parsed
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(
        warnings,
        [
            "invalid source map: version: must be the number 3, found a string",
            "invalid source map: file: expected a string, found a number",
            "invalid source map: sources[1]: expected a string or null, found a number",
            "invalid source map: sourcesContent: expected an array, found a string",
            "invalid source map: ignoreList[1]: source index 9 is out of bounds (2 sources)",
            "invalid source map: names[1]: expected a string, found null",
            "invalid source map: mappings at byte 5: source index is negative (-1)",
            "invalid source map: mappings at byte 16: name index 3 is out of bounds (2 names)",
        ]
    );
    assert_eq!(map.file, None);
    assert_eq!(map.sources[1].url, None);
    assert!(map.sources[0].ignored);
    assert_eq!(map.names, ["x", ""]);
    // Four segments on line 0 and one on line 1; the bad source drops the original, the bad name the name.
    assert_eq!(map.mappings().len(), 5);
    assert_eq!(map.lookup(0, 1).unwrap().original, None);
    assert_eq!(map.lookup(0, 2).unwrap().name, Some(1));
    assert_eq!(map.lookup(0, 3).unwrap().name, None);
    // A grammar error drops all mappings (the spec's "if parsing failed ... return").
    let parsed = decode(
        map_with("AAAA,").as_bytes(),
        &DecodeOptions { lenient: true },
    )
    .unwrap();
    assert_eq!(parsed.value.mappings().len(), 0);
    assert_eq!(parsed.diagnostics.len(), 1);
    // An overflowing VLQ is fatal even then (the spec throws).
    assert!(decode(
        map_with("ggggggE").as_bytes(),
        &DecodeOptions { lenient: true }
    )
    .is_err());
}

// ---- lookups --------------------------------------------------------------------------------

#[test]
fn lookup_between_mappings_and_unsorted_columns() {
    // Line 0: columns 0 (a.js 0:0), 4 (no original), 8 (a.js 1:2 "x"); line 2: columns 6 then 2.
    let map = strict(map_with("AAAA,I,IACEA;;MADF,JAAC").as_bytes()).unwrap();
    let cols: Vec<(u32, u32)> = map
        .mappings()
        .iter()
        .map(|m| (m.generated_line, m.generated_column))
        .collect();
    assert_eq!(cols, [(0, 0), (0, 4), (0, 8), (2, 2), (2, 6)]);
    assert_eq!(map.lookup(0, 3).unwrap().generated_column, 0);
    assert_eq!(map.lookup(0, 4).unwrap().original, None);
    assert_eq!(map.lookup(0, 7).unwrap().original, None);
    let o = map.original_position_for(0, 100).unwrap();
    assert_eq!(
        (o.position.line, o.position.column, o.name),
        (1, 2, Some("x"))
    );
    assert_eq!(o.source.url.as_deref(), Some("a.js"));
    // No mapping before column 2 on line 2, none at all on line 1, none carried over lines.
    assert_eq!(map.lookup(2, 1), None);
    assert_eq!(map.lookup(1, 5), None);
    assert_eq!(map.lookup(3, 0), None);
    assert_eq!(map.mappings_on_line(2).len(), 2);
    assert_eq!(map.mappings_on_line(1).len(), 0);
    assert_eq!(
        map.generated_range(1),
        Some(GeneratedRange {
            line: 0,
            start_column: 4,
            end_column: Some(8)
        })
    );
    assert_eq!(
        map.generated_range(2),
        Some(GeneratedRange {
            line: 0,
            start_column: 8,
            end_column: None
        })
    );
}

#[test]
fn original_to_generated_ranges() {
    // a.js line 0 is generated at 0:0-4 and at 2:6-end; a.js line 1 at 0:8-end; line 2:2-6 is a.js 0:1.
    let map = strict(map_with("AAAA,I,IACEA;;MADF,JAAC").as_bytes()).unwrap();
    let line0 = map.generated_ranges_for(0, (0, 0), (1, 0));
    assert_eq!(
        line0,
        [
            GeneratedRange {
                line: 0,
                start_column: 0,
                end_column: Some(4)
            },
            GeneratedRange {
                line: 2,
                start_column: 2,
                end_column: Some(6)
            },
            GeneratedRange {
                line: 2,
                start_column: 6,
                end_column: None
            },
        ]
    );
    // Only a.js 0:1 and later on line 0.
    assert_eq!(map.generated_ranges_for(0, (0, 1), (1, 0)).len(), 1);
    assert_eq!(
        map.generated_ranges_for(0, (1, 0), (2, 0)),
        [GeneratedRange {
            line: 0,
            start_column: 8,
            end_column: None
        }]
    );
    assert!(map.generated_ranges_for(1, (0, 0), (9, 0)).is_empty());
}

// ---- real maps ------------------------------------------------------------------------------

fn read_map(rel: &str) -> Option<SourceMap> {
    let path = sourcemaps_dir()?.join(rel);
    if !path.exists() {
        eprintln!("notice: {rel} absent, skipped");
        return None;
    }
    Some(strict(&fs::read(path).unwrap()).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

/// (mappings, 1-field, with a name, last generated line) of a map.
fn counts(map: &SourceMap) -> (usize, usize, usize, u32) {
    let m = map.mappings();
    (
        m.len(),
        m.iter().filter(|m| m.original.is_none()).count(),
        m.iter().filter(|m| m.name.is_some()).count(),
        m.last().map_or(0, |m| m.generated_line),
    )
}

fn urls(map: &SourceMap) -> Vec<&str> {
    map.sources
        .iter()
        .map(|s| s.url.as_deref().unwrap_or("<null>"))
        .collect()
}

#[test]
fn monocart_index_map() {
    let Some(map) = read_map("monocart/sections-bundle.js.map") else {
        return;
    };
    assert_eq!(map.kind, MapKind::Index { sections: 7 });
    // Counts from an independent Python decoder over the same file.
    assert_eq!(counts(&map), (705, 0, 174, 203));
    assert_eq!(
        urls(&map),
        [
            "comments.js",
            "statement.js",
            "statics.js",
            "closures.js",
            "b.js",
            "async.js",
            "a.js"
        ]
    );
    assert_eq!(map.names.len(), 55);
    assert!(map
        .sources
        .iter()
        .all(|s| s.content.is_some() && !s.ignored));
    // sourcesContent keeps its CRLF line endings.
    assert!(map.sources[4].content.as_deref().unwrap().contains("\r\n"));
}

#[test]
fn v8_to_istanbul_maps() {
    let Some(dir) = sourcemaps_dir() else { return };
    if !dir.join("v8-to-istanbul").is_dir() {
        eprintln!("notice: v8-to-istanbul maps absent, skipped");
        return;
    }
    let map = read_map("v8-to-istanbul/needs-compile.compiled.js.map").unwrap();
    assert_eq!(counts(&map), (104, 1, 0, 48));
    assert_eq!(urls(&map), ["needs-compile.js"]);

    let map = read_map("v8-to-istanbul/sourcemap-multisource.js.map").unwrap();
    assert_eq!(counts(&map), (265, 2, 184, 0));
    assert_eq!(
        urls(&map),
        [
            "webpack:///webpack/bootstrap",
            "webpack:///./src/index.ts",
            "webpack:///./src/utils.ts"
        ]
    );
    assert_eq!(map.names.len(), 56);
    assert_eq!(
        map.resolved_source_url(1, "file:///app/dist/sourcemap-multisource.js.map")
            .as_deref(),
        Some("webpack:///src/index.ts")
    );

    let map = read_map("v8-to-istanbul/sectioned-sourcemap.js.map").unwrap();
    assert_eq!(map.kind, MapKind::Index { sections: 2 });
    assert_eq!(counts(&map), (2, 0, 0, 1));
    assert_eq!(urls(&map), ["sectioned-a.js", "sectioned-b.js"]);

    let map = read_map("v8-to-istanbul/relative-source-root.compiled.js.map").unwrap();
    assert_eq!(counts(&map), (0, 0, 0, 0));
    assert_eq!(urls(&map), ["../one-up/relative-source-root.js"]);
    assert_eq!(
        map.resolved_source_url(
            0,
            "/repo/test/fixtures/scripts/relative-source-root.compiled.js.map"
        )
        .as_deref(),
        Some("/repo/test/fixtures/one-up/relative-source-root.js")
    );

    let map = read_map("v8-to-istanbul/sourcecontent-null.compiled.js.map").unwrap();
    assert_eq!(counts(&map), (5, 0, 0, 12));
    assert_eq!(
        map.sources
            .iter()
            .map(|s| s.content.is_some())
            .collect::<Vec<_>>(),
        [false, true]
    );

    let map = read_map("v8-to-istanbul/no-sourcemap-content.compiled.js.map").unwrap();
    assert_eq!(counts(&map), (21, 0, 0, 17));
    assert!(map.sources.iter().all(|s| s.content.is_none()));

    let map = read_map("v8-to-istanbul/empty.compiled.js.map").unwrap();
    assert_eq!((counts(&map), map.sources.len()), ((0, 0, 0, 0), 0));
}

#[test]
fn inline_map_of_a_minified_script() {
    let Some(dir) = sourcemaps_dir() else { return };
    let Ok(script) = fs::read_to_string(dir.join("v8-to-istanbul/branches.covered.js")) else {
        eprintln!("notice: branches.covered.js absent, skipped");
        return;
    };
    let url = extract_source_mapping_url(&script).unwrap();
    assert!(url.starts_with("data:application/json;charset=utf-8;base64,eyJ2ZXJzaW9uIjoz"));
    let Some(Ok(MapLocation::Inline(bytes))) = locate_source_map(&script, Some("file:///x/b.js"))
    else {
        panic!("inline map not found")
    };
    let map = strict(&bytes).unwrap();
    assert_eq!(counts(&map), (104, 1, 21, 6));
    assert_eq!(urls(&map), ["./branches.js"]);
    assert_eq!(map.names.len(), 9);
    assert_eq!(
        map.resolved_source_url(0, "file:///x/b.js").as_deref(),
        Some("file:///x/branches.js")
    );
}

#[test]
fn external_maps_are_found_and_resolved() {
    let Some(dir) = sourcemaps_dir() else { return };
    for (script, want) in [
        (
            "v8-to-istanbul/needs-compile.compiled.js",
            "needs-compile.compiled.js.map",
        ),
        (
            "v8-to-istanbul/sectioned-sourcemap.js",
            "sectioned-sourcemap.js.map",
        ),
        (
            "v8-to-istanbul/sourcemap-multisource.js",
            "sourcemap-multisource.js.map",
        ),
    ] {
        let Ok(text) = fs::read_to_string(dir.join(script)) else {
            return;
        };
        assert_eq!(extract_source_mapping_url(&text), Some(want), "{script}");
        assert_eq!(
            locate_source_map(&text, Some("file:///srv/app/dist/main.js")),
            Some(Ok(MapLocation::External(format!(
                "file:///srv/app/dist/{want}"
            ))))
        );
    }
}

// ---- finding maps ---------------------------------------------------------------------------

#[test]
fn source_mapping_url_comment_rules() {
    let e = extract_source_mapping_url;
    assert_eq!(e("a();\n//# sourceMappingURL=a.js.map\n"), Some("a.js.map"));
    assert_eq!(e("a();\n//@ sourceMappingURL=old.map"), Some("old.map"));
    assert_eq!(
        e("a();\r\n//#   sourceMappingURL=x.map  \r\n\r\n"),
        Some("x.map")
    );
    assert_eq!(e("a(); /*# sourceMappingURL=c.map */"), Some("c.map"));
    assert_eq!(
        e("//# sourceMappingURL=a.map\n//# sourceMappingURL=b.map"),
        Some("b.map")
    );
    // Code after the comment cancels it; a later comment that does not match keeps it.
    assert_eq!(e("//# sourceMappingURL=a.map\nfoo();"), None);
    assert_eq!(
        e("//# sourceMappingURL=a.map\n// done\n  \n"),
        Some("a.map")
    );
    assert_eq!(e("//# sourceMappingURL=a.map\n/* unclosed"), Some("a.map"));
    // Not a match: a space inside the URL, a space before '#', nothing at all.
    assert_eq!(e("//# sourceMappingURL=a b.map"), None);
    assert_eq!(e("// # sourceMappingURL=a.map"), None);
    assert_eq!(e("foo();"), None);
    assert_eq!(e(""), None);
    // An empty URL is a match (the spec's `\S*?`).
    assert_eq!(e("//# sourceMappingURL="), Some(""));
    // U+2028 ends a line as in JavaScript.
    assert_eq!(
        e("x//# sourceMappingURL=a.map\u{2028}//# sourceMappingURL=b.map"),
        Some("b.map")
    );
    assert_eq!(e("//# sourceMappingURL=a.map\u{2029}x"), None);
}

#[test]
fn data_urls() {
    let json = br#"{"version":3,"sources":[],"mappings":""}"#;
    // base64 with and without charset, and URL-encoded plain data.
    let b64 = "eyJ2ZXJzaW9uIjozLCJzb3VyY2VzIjpbXSwibWFwcGluZ3MiOiIifQ==";
    for url in [
        format!("data:application/json;base64,{b64}"),
        format!("data:application/json;charset=utf-8;base64,{b64}"),
        format!("DATA:application/json;charset=UTF-8;BASE64,{}", b64.trim_end_matches('=')),
        "data:application/json,%7B%22version%22%3A3%2C%22sources%22%3A%5B%5D%2C%22mappings%22%3A%22%22%7D"
            .to_string(),
        r#"data:application/json;charset=utf-8,{"version":3,"sources":[],"mappings":""}"#.to_string(),
    ] {
        assert_eq!(decode_data_url(&url).unwrap(), json, "{url}");
    }
    let script = format!("x();\n//# sourceMappingURL=data:application/json;base64,{b64}\n");
    assert_eq!(
        locate_source_map(&script, None),
        Some(Ok(MapLocation::Inline(json.to_vec())))
    );
    assert_eq!(
        decode_data_url("data:application/json;base64,ab!d")
            .unwrap_err()
            .to_string(),
        "invalid source map: sourceMappingURL at byte 31: invalid character '!' in base64 data"
    );
    assert_eq!(
        decode_data_url("data:application/json;base64,abcde").unwrap_err().to_string(),
        "invalid source map: sourceMappingURL at byte 34: base64 data has 5 digits, which no byte count encodes"
    );
    assert_eq!(
        decode_data_url("data:application/json")
            .unwrap_err()
            .to_string(),
        "invalid source map: sourceMappingURL at byte 21: data: URL without ',' before its data"
    );
}

#[test]
fn url_resolution() {
    let r = resolve_url;
    assert_eq!(
        r("https://h.io/js/app.js", "app.js.map"),
        "https://h.io/js/app.js.map"
    );
    assert_eq!(
        r("https://h.io/js/app.js", "../src/a.ts"),
        "https://h.io/src/a.ts"
    );
    assert_eq!(
        r("https://h.io/js/app.js", "../../../a.ts"),
        "https://h.io/a.ts"
    );
    assert_eq!(
        r("https://h.io/js/app.js", "/maps/a.map"),
        "https://h.io/maps/a.map"
    );
    assert_eq!(
        r("https://h.io/js/app.js", "//cdn.io/a.map"),
        "https://cdn.io/a.map"
    );
    assert_eq!(
        r("https://h.io/js/app.js?v=1#x", "?v=2"),
        "https://h.io/js/app.js?v=2"
    );
    assert_eq!(
        r("https://h.io/js/app.js?v=1#x", "#y"),
        "https://h.io/js/app.js?v=1#y"
    );
    assert_eq!(r("https://h.io", "a.map"), "https://h.io/a.map");
    assert_eq!(
        r("file:///srv/dist/app.js", "./app.js.map"),
        "file:///srv/dist/app.js.map"
    );
    assert_eq!(
        r("anything", "webpack:///./src/x.ts"),
        "webpack:///src/x.ts"
    );
    assert_eq!(r("anything", "https://h.io/a/../b.ts"), "https://h.io/b.ts");
    // Plain paths, relative and absolute, and Windows paths.
    assert_eq!(r("dist/app.js", "../src/a.ts"), "src/a.ts");
    assert_eq!(r("dist/app.js", "../../a.ts"), "../a.ts");
    assert_eq!(r("/srv/dist/app.js", "a.map"), "/srv/dist/a.map");
    assert_eq!(r("app.js", "app.js.map"), "app.js.map");
    assert_eq!(
        r(r"C:\proj\dist\app.js", r"..\src\a.ts"),
        "C:/proj/src/a.ts"
    );
    assert_eq!(r("/srv/app.js", r"D:\x\a.ts"), "D:/x/a.ts");
}

// ---- fields and index maps ------------------------------------------------------------------

#[test]
fn source_root_ignore_lists_and_prefixes() {
    let with = |root: &str| {
        format!(
            r#"{{"version":3,"sourceRoot":{root},"sources":["a.js",null,"/abs.js"],"mappings":""}}"#
        )
    };
    let urls_of = |json: String| -> Vec<Option<String>> {
        strict(json.as_bytes())
            .unwrap()
            .sources
            .into_iter()
            .map(|s| s.url)
            .collect()
    };
    let s = |v: &str| Some(v.to_string());
    assert_eq!(
        urls_of(with(r#""src""#)),
        [s("src/a.js"), None, s("src//abs.js")]
    );
    assert_eq!(
        urls_of(with(r#""https://h.io/""#)),
        [s("https://h.io/a.js"), None, s("https://h.io//abs.js")]
    );
    // An empty root adds nothing (not a leading '/').
    assert_eq!(urls_of(with(r#""""#)), [s("a.js"), None, s("/abs.js")]);
    // The legacy ignore list counts only without the standard one.
    let ignored = |extra: &str| -> Vec<bool> {
        let json = format!(r#"{{"version":3,"sources":["a","b","c"],"mappings":""{extra}}}"#);
        strict(json.as_bytes())
            .unwrap()
            .sources
            .iter()
            .map(|s| s.ignored)
            .collect()
    };
    assert_eq!(
        ignored(r#","x_google_ignoreList":[2]"#),
        [false, false, true]
    );
    assert_eq!(
        ignored(r#","ignoreList":[0],"x_google_ignoreList":[2]"#),
        [true, false, false]
    );
    assert_eq!(ignored(""), [false, false, false]);
    // A byte order mark and the anti-XSSI first line are skipped.
    let json = r#"{"version":3,"sources":["a"],"mappings":"AAAA"}"#;
    assert_eq!(
        strict(format!("\u{FEFF}{json}").as_bytes())
            .unwrap()
            .mappings()
            .len(),
        1
    );
    assert_eq!(
        strict(format!(")]}}'\n{json}").as_bytes())
            .unwrap()
            .mappings()
            .len(),
        1
    );
    // Duplicate and unknown fields.
    assert_eq!(
        strict(br#"{"version":3,"version":3,"sources":[],"mappings":""}"#)
            .unwrap_err()
            .to_string(),
        "invalid source map: at 1:22: duplicate field `version`"
    );
}

#[test]
fn index_map_offsets_sources_and_nesting() {
    let section = |line: u32, column: u32, sources: &str, names: &str, mappings: &str| {
        format!(
            r#"{{"offset":{{"line":{line},"column":{column}}},"map":{{"version":3,"sources":{sources},"names":{names},"mappings":"{mappings}"}}}}"#
        )
    };
    let index =
        |sections: &[String]| format!(r#"{{"version":3,"sections":[{}]}}"#, sections.join(","));
    // Section 1 at 0:10: its line 0 shifts by 10 columns, its line 1 only by the line offset.
    // Both sections use "a.js" (one source after flattening); names are appended.
    let json = index(&[
        section(0, 0, r#"["a.js"]"#, r#"["f"]"#, "AAAAA"),
        section(0, 10, r#"["b.js","a.js"]"#, r#"["g"]"#, "CAAAA;ECAA"),
        section(5, 0, r#"[null]"#, "[]", "AAAA"),
    ]);
    let map = strict(json.as_bytes()).unwrap();
    assert_eq!(map.kind, MapKind::Index { sections: 3 });
    assert_eq!(urls(&map), ["a.js", "b.js", "<null>"]);
    assert_eq!(map.names, ["f", "g"]);
    type Row = (u32, u32, Option<(u32, u32, u32)>, Option<u32>);
    let got: Vec<Row> = map
        .mappings()
        .iter()
        .map(|m| {
            (
                m.generated_line,
                m.generated_column,
                m.original.map(|o| (o.source, o.line, o.column)),
                m.name,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (0, 0, Some((0, 0, 0)), Some(0)),
            (0, 11, Some((1, 0, 0)), Some(1)),
            (1, 2, Some((0, 0, 0)), None),
            (5, 0, Some((2, 0, 0)), None),
        ]
    );
    // A section starting inside the previous one's mapped code overlaps it.
    let json = index(&[
        section(0, 0, r#"["a.js"]"#, "[]", "AAAA,KAAA"),
        section(0, 4, r#"["b.js"]"#, "[]", "AAAA"),
    ]);
    assert_eq!(
        strict(json.as_bytes()).unwrap_err().to_string(),
        "invalid source map: sections[1].offset: sections overlap: offset 0:4 is not after the previous section's last mapping at 0:5"
    );
    // Nested index maps are not ECMA-426; lenient mode skips such a section with a warning.
    let nested = format!(
        r#"{{"version":3,"sections":[{{"offset":{{"line":0,"column":0}},"map":{}}}]}}"#,
        index(&[section(0, 0, r#"["a.js"]"#, "[]", "AAAA")])
    );
    let want = "invalid source map: sections[0].map.sections: a section's map is an index map (ECMA-426 decodes section maps as regular maps: no nesting)";
    assert_eq!(strict(nested.as_bytes()).unwrap_err().to_string(), want);
    let lenient = decode(nested.as_bytes(), &DecodeOptions { lenient: true }).unwrap();
    assert_eq!(lenient.value.mappings().len(), 0);
    assert_eq!(lenient.diagnostics[0].message, want);
    // Offsets must be non-negative integers of 32 bits.
    let json = r#"{"version":3,"sections":[{"offset":{"line":-1,"column":0},"map":{"version":3,"sources":[],"mappings":""}}]}"#;
    assert_eq!(
        strict(json.as_bytes()).unwrap_err().to_string(),
        "invalid source map: sections[0].offset.line: expected a non-negative integer, found -1"
    );
}
