//! lcov-scan: the tokenizer bound of an LCOV summary: memchr over lines, every DA/BRDA/FNDA number parsed, nothing stored.
//!
//! `lcov-scan FILE...` streams each file in 256 KiB chunks through one reused buffer (copying a whole
//! file into a fresh allocation costs more than scanning it), and prints how many records of each kind
//! it saw, how many had a non-zero count, and a checksum of every number so none of the work can be
//! optimised away. No dedup, no merge: a lower bound for `covlens summary`, not a replacement.

use std::fs::File;
use std::io::Read;
use std::process::ExitCode;

#[derive(Default)]
struct Tally {
    da: u64,
    da_hit: u64,
    brda: u64,
    brda_hit: u64,
    fnda: u64,
    fnda_hit: u64,
    checksum: u64,
}

/// Parses leading decimal digits; returns the value and the rest after one separator byte.
#[inline]
fn number(s: &[u8]) -> (u64, &[u8]) {
    let mut v: u64 = 0;
    let mut i = 0;
    while i < s.len() && s[i].is_ascii_digit() {
        v = v.wrapping_mul(10).wrapping_add(u64::from(s[i] - b'0'));
        i += 1;
    }
    (v, s.get(i + 1..).unwrap_or(&[]))
}

#[inline]
fn line(t: &mut Tally, l: &[u8]) {
    if let Some(rest) = l.strip_prefix(b"DA:") {
        let (n, rest) = number(rest);
        let (c, _) = number(rest);
        t.da += 1;
        t.da_hit += u64::from(c > 0);
        t.checksum = t.checksum.wrapping_add(n ^ c);
    } else if let Some(rest) = l.strip_prefix(b"BRDA:") {
        let (n, rest) = number(rest);
        let (b, rest) = number(rest);
        let (r, rest) = number(rest);
        let (c, _) = number(rest);
        t.brda += 1;
        t.brda_hit += u64::from(c > 0);
        t.checksum = t.checksum.wrapping_add(n ^ b ^ r ^ c);
    } else if let Some(rest) = l.strip_prefix(b"FNDA:") {
        let (c, _) = number(rest);
        t.fnda += 1;
        t.fnda_hit += u64::from(c > 0);
        t.checksum = t.checksum.wrapping_add(c);
    }
}

fn scan(path: &str, t: &mut Tally, buf: &mut Vec<u8>) -> std::io::Result<()> {
    let mut f = File::open(path)?;
    let mut filled = 0;
    loop {
        let n = f.read(&mut buf[filled..])?;
        let end = filled + n;
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', &buf[filled..end]) {
            line(t, &buf[start..filled + nl]);
            start = filled + nl + 1;
        }
        if n == 0 {
            if start < end {
                line(t, &buf[start..end]);
            }
            return Ok(());
        }
        // Keep the partial last line; grow only for a line longer than the buffer.
        buf.copy_within(start..end, 0);
        filled = end - start;
        if filled == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
    }
}

fn main() -> ExitCode {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: lcov-scan FILE...");
        return ExitCode::from(2);
    }
    let mut t = Tally::default();
    let mut buf = vec![0u8; 256 << 10];
    for p in &paths {
        if let Err(e) = scan(p, &mut t, &mut buf) {
            eprintln!("lcov-scan: cannot read {p}: {e}");
            return ExitCode::from(1);
        }
    }
    println!(
        "DA {} (hit {}), BRDA {} (hit {}), FNDA {} (hit {}), checksum {:x}",
        t.da, t.da_hit, t.brda, t.brda_hit, t.fnda, t.fnda_hit, t.checksum
    );
    ExitCode::SUCCESS
}
