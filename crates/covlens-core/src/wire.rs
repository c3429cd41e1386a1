//! A parsed input as compact bytes, to hand it from one worker (or thread) to another: the page's
//! parse helper parses an input next to the state worker and posts it back in this form.
//!
//! The bytes are [postcard](https://docs.rs/postcard) of the model's own serde derives: varint counts
//! and line numbers, no field names. They are meant for the same build on both ends (no versioning),
//! which is how the page uses them: both workers run one wasm binary.

use crate::diag::ParseError;
use crate::load::Loaded;

/// The outcome of loading one input, as bytes.
pub fn encode(result: &Result<Loaded, ParseError>) -> Vec<u8> {
    // Serialising the model into a Vec cannot fail (no maps with non-string keys, no sequences of
    // unknown length); should it ever, the error travels instead of the coverage.
    postcard::to_allocvec(result).unwrap_or_else(|e| {
        let failed: Result<Loaded, ParseError> = Err(ParseError::new(
            None,
            None,
            format!("cannot pass the parsed input between workers ({e})"),
        ));
        postcard::to_allocvec(&failed).unwrap_or_default()
    })
}

/// The outcome [`encode`] wrote; bytes that are not such an outcome (truncated, or from another
/// build) are an error naming why.
pub fn decode(bytes: &[u8]) -> Result<Result<Loaded, ParseError>, String> {
    postcard::from_bytes(bytes)
        .map_err(|e| format!("corrupt parsed input from the parse helper ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Format;
    use crate::diag::{Diagnostic, Position};
    use crate::formats::ParseOptions;

    const LCOV: &str = "TN:t\nSF:/src/a.c\nFN:3,main\nFNDA:2,main\nDA:3,2\nDA:4,0,abc\nBRDA:4,0,0,1\nBRDA:4,0,1,-\nBRDA:4,e1,x > 1,0\nMCDC:4,2,t,1,0,x\nVER:v1\nLF:2\nLH:1\nend_of_record\nSF:/src/b.c\nDA:1,18446744073709551615\nend_of_record\n";

    #[test]
    fn a_parsed_report_comes_back_equal() {
        let loaded = crate::parse_bytes(LCOV.as_bytes(), &ParseOptions::default()).unwrap();
        assert_eq!(loaded.report.files.len(), 2);
        let back = decode(&encode(&Ok(loaded.clone()))).unwrap().unwrap();
        assert_eq!(back, loaded);
        let a = &back.report.files["/src/a.c"];
        assert_eq!(a.mcdc.len(), 1);
        assert_eq!(a.version.as_deref(), Some("v1"));
        assert_eq!(a.branches.iter().filter(|b| b.taken.is_none()).count(), 1);
        assert_eq!(back.report.files["/src/b.c"].lines[0].hits, u64::MAX);
    }

    #[test]
    fn an_error_comes_back_with_its_position() {
        let e = ParseError::new(
            Some(Format::Lcov),
            Some(Position::LineCol {
                line: 7,
                column: Some(3),
            }),
            "bad DA",
        );
        let back = decode(&encode(&Err(e.clone()))).unwrap();
        assert_eq!(back, Err(e));
    }

    #[test]
    fn diagnostics_come_back_in_order() {
        let mut loaded = crate::parse_bytes(LCOV.as_bytes(), &ParseOptions::default()).unwrap();
        loaded.diagnostics = vec![
            Diagnostic::warning(Some(Position::Byte(2)), "first"),
            Diagnostic::note(None, "second"),
        ];
        let back = decode(&encode(&Ok(loaded))).unwrap().unwrap();
        let messages: Vec<&str> = back
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(messages, ["first", "second"]);
    }

    #[test]
    fn truncated_bytes_are_an_error_not_a_report() {
        let loaded = crate::parse_bytes(LCOV.as_bytes(), &ParseOptions::default()).unwrap();
        let bytes = encode(&Ok(loaded));
        let e = decode(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(
            e.starts_with("corrupt parsed input from the parse helper"),
            "{e}"
        );
    }
}
