//! Finding a script's source map (ECMA-426 §7 "Retrieving source maps"): the `sourceMappingURL` comment, data URLs, URL resolution.
//!
//! Pure string functions: the caller reads files or fetches URLs, with whatever policy it has.

use super::vlq::{base64_value, describe_byte};
use super::SourceMapError;
use crate::diag::Position;

/// Where a script's source map is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MapLocation {
    /// Embedded in a `data:` URL: the map's bytes, decoded.
    Inline(Vec<u8>),
    /// A URL (or path) to read, resolved against the script's URL when one was given.
    External(String),
}

/// The source map URL of a JavaScript `script`, by the spec's "without parsing" algorithm
/// (JavaScriptExtractSourceMapURL): the last `//# sourceMappingURL=URL` (or legacy `//@`, or the
/// same inside a one-line `/* */`) comment, provided no code follows it. `None` when there is none.
///
/// Lines are scanned from the end, so a multi-megabyte bundle costs only its last lines.
pub fn extract_source_mapping_url(script: &str) -> Option<&str> {
    let mut end = script.len();
    loop {
        let (start, next_end) = previous_line(script, end);
        match scan_line(&script[start..end]) {
            LineOutcome::Url(url) => return Some(url),
            LineOutcome::Code => return None,
            LineOutcome::Nothing => {}
        }
        end = next_end?;
    }
}

/// The line ending at `end`: its start, and the end of the line before it (`None` at the first line).
/// Line terminators are the ECMAScript ones: CR LF, LF, CR, U+2028, U+2029.
fn previous_line(script: &str, end: usize) -> (usize, Option<usize>) {
    let bytes = script.as_bytes();
    let mut i = end;
    while i > 0 {
        let b = bytes[i - 1];
        if b == b'\n' || b == b'\r' {
            let start = i;
            let mut before = i - 1;
            if b == b'\n' && before > 0 && bytes[before - 1] == b'\r' {
                before -= 1;
            }
            return (start, Some(before));
        }
        // U+2028 and U+2029 are E2 80 A8 / E2 80 A9 in UTF-8.
        if (b == 0xA8 || b == 0xA9) && i >= 3 && bytes[i - 3] == 0xE2 && bytes[i - 2] == 0x80 {
            return (i, Some(i - 3));
        }
        i -= 1;
    }
    (0, None)
}

/// What one line does to the "last URL" of the spec's algorithm.
enum LineOutcome<'a> {
    /// Its last comment or code sets the URL.
    Url(&'a str),
    /// Code after any matching comment: the URL is reset.
    Code,
    /// Only whitespace or non-matching comments.
    Nothing,
}

fn scan_line(line: &str) -> LineOutcome<'_> {
    let mut outcome = LineOutcome::Nothing;
    let mut rest = line;
    loop {
        let trimmed = rest.trim_start_matches(is_js_whitespace);
        if trimmed.is_empty() {
            return outcome;
        }
        if let Some(comment) = trimmed.strip_prefix("//") {
            if let Some(url) = match_source_mapping_url(comment) {
                outcome = LineOutcome::Url(url);
            }
            return outcome;
        }
        if let Some(body) = trimmed.strip_prefix("/*") {
            match body.find("*/") {
                Some(close) => {
                    if let Some(url) = match_source_mapping_url(&body[..close]) {
                        outcome = LineOutcome::Url(url);
                    }
                    rest = &body[close + 2..];
                    continue;
                }
                // An unclosed comment runs to the line's end and changes nothing.
                None => return outcome,
            }
        }
        // Code: skip to the next '/' that could open a comment.
        outcome = LineOutcome::Code;
        let after_first = &trimmed[trimmed.chars().next().map_or(1, char::len_utf8)..];
        match after_first.find('/') {
            Some(i) => rest = &after_first[i..],
            None => return outcome,
        }
    }
}

/// The spec's MatchSourceMapURL: `^[@#]\s*sourceMappingURL=(\S*?)\s*$` on a comment's text.
fn match_source_mapping_url(comment: &str) -> Option<&str> {
    let rest = comment
        .strip_prefix('#')
        .or_else(|| comment.strip_prefix('@'))?;
    let rest = rest
        .trim_start_matches(is_js_whitespace)
        .strip_prefix("sourceMappingURL=")?;
    let url = rest.trim_end_matches(is_js_whitespace);
    if url.contains(is_js_whitespace) {
        return None;
    }
    Some(url)
}

/// JavaScript's `\s`: Unicode white space (includes the line terminators) and U+FEFF.
fn is_js_whitespace(c: char) -> bool {
    c.is_whitespace() || c == '\u{FEFF}'
}

/// Finds the source map of `script`: its `sourceMappingURL`, decoded when it is a `data:` URL,
/// else resolved against `script_url` (when known) with [`resolve_url`]. `None` when the script
/// names no map; `Err` for a data URL that cannot be decoded.
pub fn locate_source_map(
    script: &str,
    script_url: Option<&str>,
) -> Option<Result<MapLocation, SourceMapError>> {
    let url = extract_source_mapping_url(script)?;
    if has_prefix_ignore_case(url, "data:") {
        return Some(decode_data_url(url).map(MapLocation::Inline));
    }
    Some(Ok(MapLocation::External(match script_url {
        Some(base) => resolve_url(base, url),
        None => url.to_string(),
    })))
}

fn has_prefix_ignore_case(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// The bytes of a `data:` URL (RFC 2397, as WHATWG Fetch reads it): the body is percent-decoded,
/// then, when the media type ends with `;base64`, base64-decoded (forgiving: ASCII white space
/// skipped, `=` padding optional). Media type and `charset` parameters are accepted as written
/// (`application/json;charset=utf-8;base64`); the bytes are returned as they are.
pub fn decode_data_url(url: &str) -> Result<Vec<u8>, SourceMapError> {
    let error = |offset: usize, message: String| SourceMapError {
        path: "sourceMappingURL".to_string(),
        position: Some(Position::Byte(offset as u64)),
        message,
    };
    if !has_prefix_ignore_case(url, "data:") {
        return Err(error(0, "not a data: URL".to_string()));
    }
    let comma = url.find(',').ok_or_else(|| {
        error(
            url.len(),
            "data: URL without ',' before its data".to_string(),
        )
    })?;
    let header = url[5..comma].trim_end_matches(|c: char| c.is_ascii_whitespace());
    let base64 =
        header.len() >= 7 && header.as_bytes()[header.len() - 7..].eq_ignore_ascii_case(b";base64");
    let body = percent_decode(&url.as_bytes()[comma + 1..]);
    if !base64 {
        return Ok(body);
    }
    forgiving_base64(&body).map_err(|(offset, message)| {
        // Offsets are exact when the body had no percent escapes, which base64 bodies do not need.
        error(comma + 1 + offset, message)
    })
}

/// `%XX` → byte; a `%` not followed by two hex digits stays as it is (as WHATWG URL does).
fn percent_decode(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] == b'%' && i + 2 < input.len() {
            if let (Some(h), Some(l)) = (hex(input[i + 1]), hex(input[i + 2])) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(input[i]);
        i += 1;
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// WHATWG "forgiving-base64 decode". Errors carry the offset in `input`.
fn forgiving_base64(input: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let mut digits: Vec<(u8, usize)> = Vec::with_capacity(input.len());
    for (i, &b) in input.iter().enumerate() {
        if matches!(b, b' ' | b'\t' | b'\n' | b'\x0C' | b'\r') {
            continue;
        }
        digits.push((b, i));
    }
    if digits.len() % 4 == 0 {
        for _ in 0..2 {
            if digits.last().map(|d| d.0) == Some(b'=') {
                digits.pop();
            }
        }
    }
    if digits.len() % 4 == 1 {
        return Err((
            input.len(),
            format!(
                "base64 data has {} digits, which no byte count encodes",
                digits.len()
            ),
        ));
    }
    let mut out = Vec::with_capacity(digits.len() / 4 * 3 + 2);
    let mut acc: u32 = 0;
    let mut bits = 0;
    for &(b, at) in &digits {
        let v = base64_value(b).ok_or_else(|| {
            (
                at,
                format!("invalid character {} in base64 data", describe_byte(b)),
            )
        })?;
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Ok(out)
}

/// Resolves `reference` against `base` (RFC 3986 §5.2, which WHATWG URL agrees with for these
/// cases): absolute URLs stay (dot segments removed from a hierarchical path), `//host/..`,
/// `/path`, `?query`, `#fragment` and relative paths take what they lack from `base`. Works the
/// same on plain paths (`dist/app.js.map` + `../src/a.ts` = `src/a.ts`) and Windows paths (a
/// one-letter "scheme" is a drive; `\` counts as `/` there).
pub fn resolve_url(base: &str, reference: &str) -> String {
    let reference_owned;
    let mut reference = reference;
    if is_windows_path(reference) {
        return reference.replace('\\', "/");
    }
    let r = split(reference);
    if r.scheme.is_some() {
        return recompose(
            r.scheme,
            r.authority,
            &normalize_if_hierarchical(&r),
            r.rest,
        );
    }
    let base_owned;
    let mut base = base;
    if is_windows_path(base) || (!base.contains('/') && base.contains('\\')) {
        base_owned = base.replace('\\', "/");
        base = &base_owned;
        reference_owned = reference.replace('\\', "/");
        reference = &reference_owned;
    }
    let b = split(base);
    if let Some(after) = reference.strip_prefix("//") {
        let r = split_authority(after);
        return recompose(
            b.scheme,
            Some(r.0),
            &remove_dot_segments(r.1.path),
            r.1.rest,
        );
    }
    let (ref_path, ref_rest) = split_path_rest(reference);
    if ref_path.is_empty() {
        let (base_query, _) = split_fragment(b.rest);
        let rest = if ref_rest.starts_with('#') {
            format!("{base_query}{ref_rest}")
        } else if ref_rest.is_empty() {
            base_query.to_string()
        } else {
            ref_rest.to_string()
        };
        return recompose(b.scheme, b.authority, b.path, &rest);
    }
    let path = if ref_path.starts_with('/') {
        remove_dot_segments(ref_path)
    } else {
        let merged = match b.path.rfind('/') {
            Some(i) => format!("{}{}", &b.path[..=i], ref_path),
            None if b.authority.is_some() => format!("/{ref_path}"),
            None => ref_path.to_string(),
        };
        remove_dot_segments(&merged)
    };
    recompose(b.scheme, b.authority, &path, ref_rest)
}

/// `C:\x` or `C:/x`.
fn is_windows_path(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

struct Parts<'a> {
    scheme: Option<&'a str>,
    authority: Option<&'a str>,
    path: &'a str,
    /// `?query#fragment`, with their markers.
    rest: &'a str,
}

/// Splits a URL with a scheme, or a scheme-less reference (a one-letter scheme is not one: a drive).
fn split(s: &str) -> Parts<'_> {
    let scheme_end = s.find(':').filter(|&i| {
        i > 1
            && s.as_bytes()[0].is_ascii_alphabetic()
            && s[..i]
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.'))
    });
    let (scheme, after) = match scheme_end {
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    };
    if let Some(a) = after.strip_prefix("//") {
        let (authority, p) = split_authority(a);
        return Parts {
            scheme,
            authority: Some(authority),
            path: p.path,
            rest: p.rest,
        };
    }
    let (path, rest) = split_path_rest(after);
    Parts {
        scheme,
        authority: None,
        path,
        rest,
    }
}

fn split_authority(s: &str) -> (&str, Parts<'_>) {
    let end = s.find(['/', '?', '#']).unwrap_or(s.len());
    let (path, rest) = split_path_rest(&s[end..]);
    (
        &s[..end],
        Parts {
            scheme: None,
            authority: None,
            path,
            rest,
        },
    )
}

fn split_path_rest(s: &str) -> (&str, &str) {
    let end = s.find(['?', '#']).unwrap_or(s.len());
    (&s[..end], &s[end..])
}

/// `?query#fragment` → (`?query`, `#fragment`).
fn split_fragment(rest: &str) -> (&str, &str) {
    let i = rest.find('#').unwrap_or(rest.len());
    (&rest[..i], &rest[i..])
}

fn normalize_if_hierarchical(p: &Parts<'_>) -> String {
    if p.path.starts_with('/') {
        remove_dot_segments(p.path)
    } else {
        p.path.to_string()
    }
}

fn recompose(scheme: Option<&str>, authority: Option<&str>, path: &str, rest: &str) -> String {
    let mut out = String::with_capacity(path.len() + rest.len() + 16);
    if let Some(s) = scheme {
        out.push_str(s);
        out.push(':');
    }
    if let Some(a) = authority {
        out.push_str("//");
        out.push_str(a);
    }
    out.push_str(path);
    out.push_str(rest);
    out
}

/// RFC 3986 §5.2.4 for absolute paths; a relative path keeps the `..` it cannot climb.
fn remove_dot_segments(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    let last = segments.len() - 1;
    let mut trailing_slash = false;
    for (i, seg) in segments.iter().enumerate() {
        if i == 0 && absolute {
            continue;
        }
        match *seg {
            "." => trailing_slash = i == last,
            ".." => {
                if out.last().is_some_and(|s| *s != "..") {
                    out.pop();
                } else if !absolute {
                    out.push("..");
                }
                trailing_slash = i == last;
            }
            s => {
                out.push(s);
                trailing_slash = false;
            }
        }
    }
    let mut joined = out.join("/");
    if trailing_slash && !joined.is_empty() {
        joined.push('/');
    }
    if absolute {
        joined.insert(0, '/');
    }
    joined
}
