//! LCOV tracefile writer: a report as lcov 1.x/2.x records, files in path order, byte-for-byte
//! deterministic.
//!
//! Per file: `TN:`, `SF`, `VER` (when known), `FN:<start>[,<end>],<name>` and `FNDA` (by start line, then
//! name), `FNF`/`FNH`, `BRDA` (`-` for never evaluated, `e`/`f`/`U` block prefixes), `BRF`/`BRH`, `MCDC`
//! and `MCF`/`MCH` (when present), `DA` (with the checksum when known), `LF`/`LH`, `end_of_record`.
//! Summary numbers follow [`crate::Totals`]. Summary pairs with nothing behind them (`BRF:0`, `MCF:0`) are
//! left out, as lcov does; `FNF`/`FNH` and `LF`/`LH` are always written.
//!
//! Limits of the format (the parser reads back everything else as written):
//! - a line break in a path, name or expression would end the record line: it is written as a space;
//! - a function name that starts with digits and a comma, with no end line, reads back as an end line and
//!   a shorter name; trailing blanks of names and paths are not kept;
//! - a checksum of a line that has no hits record has no `DA` line to go on and is not written.

use std::io::{self, Write};

use crate::model::{branch_flags, BranchName, FileCoverage, Report};
use crate::totals::Totals;

/// Writes `report` as an LCOV tracefile.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = Vec::with_capacity(64 << 10);
    for (path, fc) in &report.files {
        write_file(&mut buf, path, fc);
        if buf.len() >= 60 << 10 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

/// The LCOV text of `report`.
pub fn write_to_vec(report: &Report) -> Vec<u8> {
    let mut buf = Vec::new();
    for (path, fc) in &report.files {
        write_file(&mut buf, path, fc);
    }
    buf
}

fn push_u64(buf: &mut Vec<u8>, mut v: u64) {
    let mut tmp = [0u8; 20];
    let mut i = tmp.len();
    loop {
        i -= 1;
        tmp[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    buf.extend_from_slice(&tmp[i..]);
}

/// Text that must stay on one line.
fn push_text(buf: &mut Vec<u8>, s: &str) {
    if s.bytes().any(|b| b == b'\n' || b == b'\r') {
        buf.extend(
            s.bytes()
                .map(|b| if b == b'\n' || b == b'\r' { b' ' } else { b }),
        );
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

fn push_kv(buf: &mut Vec<u8>, key: &[u8], v: u64) {
    buf.extend_from_slice(key);
    push_u64(buf, v);
    buf.push(b'\n');
}

fn write_file(buf: &mut Vec<u8>, path: &str, fc: &FileCoverage) {
    let totals = Totals::of_file(fc);
    buf.extend_from_slice(b"TN:\nSF:");
    push_text(buf, path);
    buf.push(b'\n');
    if let Some(v) = &fc.version {
        buf.extend_from_slice(b"VER:");
        push_text(buf, v);
        buf.push(b'\n');
    }

    let mut functions: Vec<_> = fc.functions.iter().collect();
    functions.sort_by(|a, b| a.start.cmp(&b.start).then(a.name.cmp(&b.name)));
    for f in &functions {
        buf.extend_from_slice(b"FN:");
        push_u64(buf, u64::from(f.start.get()));
        if let Some(end) = f.end {
            buf.push(b',');
            push_u64(buf, u64::from(end.get()));
        }
        buf.push(b',');
        push_text(buf, &f.name);
        buf.push(b'\n');
    }
    for f in &functions {
        buf.extend_from_slice(b"FNDA:");
        push_u64(buf, f.hits);
        buf.push(b',');
        push_text(buf, &f.name);
        buf.push(b'\n');
    }
    push_kv(buf, b"FNF:", totals.functions.found);
    push_kv(buf, b"FNH:", totals.functions.hit);

    for b in &fc.branches {
        buf.extend_from_slice(b"BRDA:");
        push_u64(buf, u64::from(b.line.get()));
        buf.push(b',');
        if b.id.flags & branch_flags::EXCEPTION != 0 {
            buf.push(b'e');
        }
        if b.id.flags & branch_flags::FALLTHROUGH != 0 {
            buf.push(b'f');
        }
        if b.id.flags & branch_flags::UNREACHABLE != 0 {
            buf.push(b'U');
        }
        push_u64(buf, u64::from(b.id.block));
        buf.push(b',');
        match &b.id.branch {
            BranchName::Index(i) => push_u64(buf, u64::from(*i)),
            BranchName::Expr(e) => push_text(buf, e),
        }
        buf.push(b',');
        match b.taken {
            Some(t) => push_u64(buf, t),
            None => buf.push(b'-'),
        }
        buf.push(b'\n');
    }
    if !fc.branches.is_empty() {
        push_kv(buf, b"BRF:", totals.branches.found);
        push_kv(buf, b"BRH:", totals.branches.hit);
    }

    for m in &fc.mcdc {
        buf.extend_from_slice(b"MCDC:");
        push_u64(buf, u64::from(m.line.get()));
        buf.push(b',');
        push_u64(buf, u64::from(m.group_size));
        buf.extend_from_slice(if m.sense { b",t," } else { b",f," });
        push_u64(buf, m.taken);
        buf.push(b',');
        push_u64(buf, u64::from(m.index));
        buf.push(b',');
        push_text(buf, &m.expression);
        buf.push(b'\n');
    }
    if !fc.mcdc.is_empty() {
        push_kv(buf, b"MCF:", fc.mcdc.len() as u64);
        push_kv(
            buf,
            b"MCH:",
            fc.mcdc.iter().filter(|m| m.taken > 0).count() as u64,
        );
    }

    let mut sums = fc.line_checksums.iter().peekable();
    for l in &fc.lines {
        buf.extend_from_slice(b"DA:");
        push_u64(buf, u64::from(l.line.get()));
        buf.push(b',');
        push_u64(buf, l.hits);
        while sums.next_if(|(line, _)| *line < l.line).is_some() {}
        if let Some((_, sum)) = sums.next_if(|(line, _)| *line == l.line) {
            buf.push(b',');
            push_text(buf, sum);
        }
        buf.push(b'\n');
    }
    push_kv(buf, b"LF:", totals.lines.found);
    push_kv(buf, b"LH:", totals.lines.hit);
    buf.extend_from_slice(b"end_of_record\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers() {
        for v in [0, 7, 10, 1234567890, u64::MAX] {
            let mut b = Vec::new();
            push_u64(&mut b, v);
            assert_eq!(b, v.to_string().into_bytes());
        }
    }
}
