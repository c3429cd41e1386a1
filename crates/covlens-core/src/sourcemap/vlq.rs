//! Base64 VLQ numbers and the `mappings` string of a source map (ECMA-426 §4 "base64 VLQ", §5.2 "Mappings structure").
//!
//! One pass over the bytes with a 256-entry table: no allocation per segment, every error named with
//! the byte offset inside `mappings` where it starts.

use super::Mapping;

/// Marks bytes outside the base64 alphabet in [`DIGITS`].
const NOT_BASE64: u8 = 0xFF;

/// Base64 (RFC 4648 standard alphabet) value of each byte, [`NOT_BASE64`] elsewhere.
static DIGITS: [u8; 256] = {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut table = [NOT_BASE64; 256];
    let mut i = 0;
    while i < 64 {
        table[alphabet[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The base64 value of `byte`, if it is in the standard alphabet.
pub(crate) fn base64_value(byte: u8) -> Option<u8> {
    match DIGITS[byte as usize] {
        NOT_BASE64 => None,
        v => Some(v),
    }
}

/// Why a VLQ or the `mappings` grammar failed, with the byte offset inside the decoded string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VlqError {
    /// A byte that is neither a base64 digit nor `,` / `;` (also `=`: padding has no place in a VLQ).
    InvalidCharacter { offset: usize, byte: u8 },
    /// The last digit had its continuation bit set, but the VLQ ends there.
    MissingContinuation { offset: usize },
    /// The VLQ's unsigned value is 2^32 or more (ECMA-426 VLQUnsignedValue); `offset` is its first digit.
    Overflow { offset: usize },
}

impl VlqError {
    /// The byte offset the error points at.
    pub fn offset(&self) -> usize {
        match *self {
            VlqError::InvalidCharacter { offset, .. }
            | VlqError::MissingContinuation { offset }
            | VlqError::Overflow { offset } => offset,
        }
    }

    /// Lowercase cause without the position.
    pub fn message(&self) -> String {
        match *self {
            VlqError::InvalidCharacter { byte, .. } => {
                format!("invalid character {} in a base64 VLQ", describe_byte(byte))
            }
            VlqError::MissingContinuation { .. } => {
                "base64 VLQ ends with a continuation digit (more digits were announced)".to_string()
            }
            VlqError::Overflow { .. } => "base64 VLQ value exceeds 32 bits".to_string(),
        }
    }
}

/// `'.'` for printable ASCII, `byte 0xNN` otherwise.
pub(crate) fn describe_byte(byte: u8) -> String {
    if byte.is_ascii_graphic() || byte == b' ' {
        format!("'{}'", byte as char)
    } else {
        format!("byte 0x{byte:02x}")
    }
}

/// Decodes one signed base64 VLQ at `input[start..]`: the value and the offset after its last digit.
///
/// Follows ECMA-426 exactly: digits are little-endian groups of 5 bits, the lowest bit of the result
/// is the sign; the unsigned value must be below 2^32 (so the signed value lies in -2^31..2^31-1, with
/// "negative zero" meaning -2^31). Leading-zero continuation digits are valid however many there are.
pub fn decode_vlq(input: &[u8], start: usize) -> Result<(i64, usize), VlqError> {
    let mut unsigned: u64 = 0;
    let mut shift: u32 = 0;
    let mut pos = start;
    loop {
        let Some(&byte) = input.get(pos) else {
            return Err(if pos == start {
                VlqError::InvalidCharacter {
                    offset: pos,
                    byte: 0,
                }
            } else {
                VlqError::MissingContinuation { offset: pos - 1 }
            });
        };
        let digit = DIGITS[byte as usize];
        if digit == NOT_BASE64 {
            return Err(if pos == start {
                VlqError::InvalidCharacter { offset: pos, byte }
            } else if byte == b',' || byte == b';' {
                VlqError::MissingContinuation { offset: pos - 1 }
            } else {
                VlqError::InvalidCharacter { offset: pos, byte }
            });
        }
        pos += 1;
        let bits = u64::from(digit & 0x1F);
        if bits != 0 {
            if shift >= 32 {
                return Err(VlqError::Overflow { offset: start });
            }
            // shift <= 31 and bits < 32: fits in u64 with room to spare.
            unsigned |= bits << shift;
        }
        if digit & 0x20 == 0 {
            break;
        }
        shift = shift.saturating_add(5);
    }
    if unsigned >= 1 << 32 {
        return Err(VlqError::Overflow { offset: start });
    }
    let magnitude = (unsigned >> 1) as i64;
    let value = if unsigned & 1 == 1 {
        if magnitude == 0 {
            -(1i64 << 31)
        } else {
            -magnitude
        }
    } else {
        magnitude
    };
    Ok((value, pos))
}

/// A problem in `mappings`: where (byte offset) and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct MappingsProblem {
    pub offset: usize,
    pub message: String,
    pub kind: ProblemKind,
}

/// How the spec treats a problem (see [`super::DecodeOptions::lenient`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProblemKind {
    /// Breaks the grammar: the spec keeps no mapping of the string ("if parsing failed ... return").
    Grammar,
    /// A VLQ beyond 32 bits: the spec throws, always fatal.
    Overflow,
    /// A value out of range in one segment: the spec drops that segment, or its source or name.
    Segment,
}

/// Decodes `mappings` into `out` (in string order, not sorted). `sources` and `names` are the list
/// lengths indices are checked against. Every [`ProblemKind::Segment`] problem goes to `report`,
/// which returns `Err` to stop (strict) or `Ok` to go on as the spec's lenient path says; a grammar
/// or overflow problem always stops.
pub(crate) fn decode_mappings(
    mappings: &[u8],
    sources: usize,
    names: usize,
    out: &mut Vec<Mapping>,
    report: &mut dyn FnMut(MappingsProblem) -> Result<(), MappingsProblem>,
) -> Result<(), MappingsProblem> {
    // Rough reservation: a typical segment is 4 to 8 bytes.
    out.reserve(mappings.len() / 6);
    let mut line: u64 = 0;
    let mut column: i64 = 0;
    let mut source: i64 = 0;
    let mut original_line: i64 = 0;
    let mut original_column: i64 = 0;
    let mut name: i64 = 0;
    let mut pos = 0;
    let len = mappings.len();
    let grammar = |offset: usize, message: String| MappingsProblem {
        offset,
        message,
        kind: ProblemKind::Grammar,
    };
    let vlq = |e: VlqError| MappingsProblem {
        offset: e.offset(),
        message: e.message(),
        kind: match e {
            VlqError::Overflow { .. } => ProblemKind::Overflow,
            _ => ProblemKind::Grammar,
        },
    };
    while pos <= len {
        // At the start of a line.
        if pos == len {
            break;
        }
        match mappings[pos] {
            b';' => {
                line += 1;
                column = 0;
                pos += 1;
                continue;
            }
            b',' => {
                return Err(grammar(
                    pos,
                    "segment with no fields (a line starts with ',')".to_string(),
                ))
            }
            _ => {}
        }
        // One segment or more, separated by ','.
        loop {
            let segment_start = pos;
            let mut fields = [0i64; 5];
            let mut count = 0;
            while pos < len && mappings[pos] != b',' && mappings[pos] != b';' {
                if count == 5 {
                    return Err(grammar(
                        segment_start,
                        "segment with more than 5 fields (a segment has 1, 4 or 5)".to_string(),
                    ));
                }
                let (value, next) = decode_vlq(mappings, pos).map_err(vlq)?;
                fields[count] = value;
                count += 1;
                pos = next;
            }
            match count {
                0 => {
                    return Err(grammar(
                        segment_start,
                        "segment with no fields (two separators in a row, or a trailing ',')"
                            .to_string(),
                    ))
                }
                1 | 4 | 5 => {}
                n => {
                    return Err(grammar(
                        segment_start,
                        format!("segment with {n} fields (a segment has 1, 4 or 5)"),
                    ))
                }
            }
            column += fields[0];
            let mut keep = true;
            if column < 0 {
                keep = false;
                report(MappingsProblem {
                    offset: segment_start,
                    message: format!("generated column is negative ({column})"),
                    kind: ProblemKind::Segment,
                })?;
            } else if column > i64::from(u32::MAX) || line > u64::from(u32::MAX) {
                keep = false;
                report(MappingsProblem {
                    offset: segment_start,
                    message: "generated position exceeds 32 bits".to_string(),
                    kind: ProblemKind::Segment,
                })?;
            }
            let mut original = None;
            let mut mapped_name = None;
            // As in the spec, a segment whose generated column is invalid stops there: its other
            // fields are not added to the running values.
            if keep && count >= 4 {
                source += fields[1];
                original_line += fields[2];
                original_column += fields[3];
                let problem = if source < 0 {
                    Some(format!("source index is negative ({source})"))
                } else if source as u64 >= sources as u64 {
                    Some(format!(
                        "source index {source} is out of bounds ({sources} sources)"
                    ))
                } else if original_line < 0 {
                    Some(format!("original line is negative ({original_line})"))
                } else if original_column < 0 {
                    Some(format!("original column is negative ({original_column})"))
                } else if original_line > i64::from(u32::MAX)
                    || original_column > i64::from(u32::MAX)
                {
                    Some("original position exceeds 32 bits".to_string())
                } else {
                    None
                };
                match problem {
                    Some(message) => report(MappingsProblem {
                        offset: segment_start,
                        message,
                        kind: ProblemKind::Segment,
                    })?,
                    None => {
                        original = Some(super::OriginalPosition {
                            source: source as u32,
                            line: original_line as u32,
                            column: original_column as u32,
                        })
                    }
                }
                if count == 5 {
                    name += fields[4];
                    if name < 0 {
                        report(MappingsProblem {
                            offset: segment_start,
                            message: format!("name index is negative ({name})"),
                            kind: ProblemKind::Segment,
                        })?;
                    } else if name as u64 >= names as u64 {
                        report(MappingsProblem {
                            offset: segment_start,
                            message: format!("name index {name} is out of bounds ({names} names)"),
                            kind: ProblemKind::Segment,
                        })?;
                    } else {
                        mapped_name = Some(name as u32);
                    }
                }
            }
            if keep {
                out.push(Mapping {
                    generated_line: line as u32,
                    generated_column: column as u32,
                    original,
                    name: mapped_name,
                });
            }
            if pos < len && mappings[pos] == b',' {
                pos += 1;
                if pos == len || mappings[pos] == b';' || mappings[pos] == b',' {
                    return Err(grammar(
                        pos,
                        "segment with no fields (two separators in a row, or a trailing ',')"
                            .to_string(),
                    ));
                }
                continue;
            }
            break;
        }
        if pos < len {
            // A ';' ends the line.
            line += 1;
            column = 0;
            pos += 1;
        } else {
            break;
        }
    }
    Ok(())
}
