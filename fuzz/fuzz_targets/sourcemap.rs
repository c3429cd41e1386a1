//! Fuzz target: the source map decoder never panics, strict and lenient modes agree, and lookups and data URLs hold up on whatever decodes.
#![no_main]

use covlens_core::sourcemap::{
    decode, extract_source_mapping_url, locate_source_map, DecodeOptions,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let strict = decode(data, &DecodeOptions::default());
    let lenient = decode(data, &DecodeOptions { lenient: true });
    if let Ok(parsed) = &strict {
        assert!(parsed.diagnostics.is_empty(), "strict mode warned");
        // A map valid in strict mode decodes the same in lenient mode, with no warning.
        let lenient = lenient
            .as_ref()
            .expect("lenient rejected a strictly valid map");
        assert_eq!(lenient.value, parsed.value);
        assert!(lenient.diagnostics.is_empty());
    }
    if let Ok(parsed) = lenient {
        let map = parsed.value;
        let mappings = map.mappings();
        assert!(mappings
            .windows(2)
            .all(|w| (w[0].generated_line, w[0].generated_column)
                <= (w[1].generated_line, w[1].generated_column)));
        for (i, m) in mappings.iter().enumerate().take(64) {
            if let Some(o) = m.original {
                assert!((o.source as usize) < map.sources.len());
                let ranges = map.generated_ranges_for(
                    o.source,
                    (o.line, o.column),
                    (o.line, o.column.saturating_add(1)),
                );
                assert!(!ranges.is_empty());
            }
            if let Some(n) = m.name {
                assert!((n as usize) < map.names.len());
            }
            let found = map
                .lookup(m.generated_line, m.generated_column)
                .expect("a mapped position is found");
            assert_eq!(
                (found.generated_line, found.generated_column),
                (m.generated_line, m.generated_column)
            );
            assert!(map.generated_range(i).is_some());
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = extract_source_mapping_url(text);
        let _ = locate_source_map(text, Some("https://h.io/a/b.js"));
    }
});
