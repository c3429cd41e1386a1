//! Zip archives as inputs: entries listed, reports inside loaded under `archive!path` names (gzip
//! inside, one level of nested zip), non-reports skipped, corrupt entries and directories, bomb limits.

use std::io::Write;

use covlens_core::container::Limits;
use covlens_core::zip::{self, Method, ZipLimits};
use covlens_core::{open, parse_bytes, ParseOptions, Position};
use flate2::{Compress, Compression, FlushCompress};
use rawzip::{CompressionMethod, DataDescriptorOutput, ZipArchiveWriter};

const LCOV: &[u8] =
    b"TN:\nSF:/src/a.c\nFN:1,main\nFNDA:1,main\nDA:1,1\nDA:2,0\nDA:3,4\nend_of_record\n";
const COBERTURA: &[u8] = br#"<?xml version="1.0" ?>
<coverage line-rate="0.5" branch-rate="0" version="1" timestamp="1">
  <sources><source>/src</source></sources>
  <packages><package name="p" line-rate="0.5" branch-rate="0">
    <classes><class name="b" filename="b.c" line-rate="0.5" branch-rate="0">
      <methods/>
      <lines><line number="1" hits="2"/><line number="2" hits="0"/></lines>
    </class></classes>
  </package></packages>
</coverage>
"#;
const GO: &[u8] = b"mode: set\nexample.com/m/c.go:1.1,2.2 1 1\nexample.com/m/c.go:3.1,4.2 1 0\n";

/// How an entry of a test archive is written.
enum Data<'a> {
    Stored(&'a [u8]),
    Deflated(&'a [u8]),
    /// Already deflated bytes, with the CRC and size of what they inflate to.
    Raw {
        deflated: &'a [u8],
        crc: u32,
        size: u64,
    },
    Dir,
}

fn zip_of(entries: &[(&str, Data<'_>)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut archive = ZipArchiveWriter::new(&mut out);
    for (name, data) in entries {
        match data {
            Data::Dir => {
                archive.new_dir(*name).create().unwrap();
            }
            Data::Stored(bytes) => {
                let (mut entry, config) = archive.new_file(*name).start().unwrap();
                let mut w = config.wrap(&mut entry);
                w.write_all(bytes).unwrap();
                let (_, descriptor) = w.finish().unwrap();
                entry.finish(descriptor).unwrap();
            }
            Data::Deflated(bytes) => {
                let (mut entry, config) = archive
                    .new_file(*name)
                    .compression_method(CompressionMethod::DEFLATE)
                    .start()
                    .unwrap();
                let enc = flate2::write::DeflateEncoder::new(&mut entry, Compression::default());
                let mut w = config.wrap(enc);
                w.write_all(bytes).unwrap();
                let (enc, descriptor) = w.finish().unwrap();
                enc.finish().unwrap();
                entry.finish(descriptor).unwrap();
            }
            Data::Raw {
                deflated,
                crc,
                size,
            } => {
                let (mut entry, _) = archive
                    .new_file(*name)
                    .compression_method(CompressionMethod::DEFLATE)
                    .start()
                    .unwrap();
                entry.write_all(deflated).unwrap();
                entry
                    .finish(DataDescriptorOutput::new(*crc, *size))
                    .unwrap();
            }
        }
    }
    archive.finish().unwrap();
    out
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A raw deflate stream of `head` then `mib` MiB of zeros, cheap to build at any size: each part is
/// compressed from a fresh state and ended by a full flush (so it refers to nothing before it), the
/// 1 MiB block of zeros repeated, then an empty final block. Returns the stream, the CRC of what it
/// inflates to and that size. The head makes it look like a report: what is not one is skipped after
/// its first bytes, never inflated whole.
fn zeros_bomb(head: &[u8], mib: usize) -> (Vec<u8>, u32, u64) {
    let deflate = |data: &[u8]| {
        let mut out = Vec::with_capacity(data.len() / 500 + 64);
        Compress::new(Compression::best(), false)
            .compress_vec(data, &mut out, FlushCompress::Full)
            .unwrap();
        out
    };
    let zeros = vec![0u8; 1 << 20];
    let block = deflate(&zeros);
    let mut stream = deflate(head);
    let mut crc = flate2::Crc::new();
    crc.update(head);
    for _ in 0..mib {
        stream.extend_from_slice(&block);
        crc.update(&zeros);
    }
    // An empty final block with fixed Huffman codes: BFINAL=1, BTYPE=01, end-of-block.
    stream.extend_from_slice(&[0x03, 0x00]);
    (stream, crc.sum(), head.len() as u64 + ((mib as u64) << 20))
}

fn options() -> ParseOptions {
    ParseOptions::default()
}

#[test]
fn entries_are_listed_with_sizes_and_methods() {
    let archive = zip_of(&[
        ("job1/", Data::Dir),
        ("job1/lcov.info", Data::Deflated(LCOV)),
        ("job2/coverage.xml", Data::Stored(COBERTURA)),
    ]);
    assert!(zip::is_zip(&archive));
    let entries = zip::list(&archive).unwrap();
    let got: Vec<_> = entries
        .iter()
        .map(|e| (e.path.as_str(), e.method, e.uncompressed_size, e.is_dir))
        .collect();
    assert_eq!(
        got,
        [
            ("job1/", Method::Stored, 0, true),
            ("job1/lcov.info", Method::Deflate, LCOV.len() as u64, false),
            (
                "job2/coverage.xml",
                Method::Stored,
                COBERTURA.len() as u64,
                false
            ),
        ]
    );
    assert_eq!(entries[2].compressed_size, COBERTURA.len() as u64);
    assert!(entries[1].compressed_size > 0);
    assert_eq!(entries[0].offset, 0);
    assert!(!entries[1].encrypted);
    assert_eq!(Method::Other(12).to_string(), "bzip2 (method 12)");
}

#[test]
fn every_report_inside_loads_under_its_inner_path_and_others_are_skipped() {
    let archive = zip_of(&[
        ("job1/", Data::Dir),
        ("job1/lcov.info", Data::Deflated(LCOV)),
        ("README.md", Data::Deflated(b"# artifacts\n")),
        ("job2/coverage.xml", Data::Stored(COBERTURA)),
        ("job3/cover.out.gz", Data::Stored(&gz(GO))),
        ("build.log", Data::Stored(b"ok\n")),
    ]);
    let o = open("artifact.zip", &archive, &options());
    assert!(o.is_archive);
    let got: Vec<_> = o
        .opened
        .iter()
        .map(|x| (x.name.as_str(), x.format.map(|f| f.id()), x.bytes))
        .collect();
    assert_eq!(
        got,
        [
            (
                "artifact.zip!job1/lcov.info",
                Some("lcov"),
                LCOV.len() as u64
            ),
            (
                "artifact.zip!job2/coverage.xml",
                Some("cobertura"),
                COBERTURA.len() as u64
            ),
            // The gzip inside is unwrapped: bytes are what the parser read.
            (
                "artifact.zip!job3/cover.out.gz",
                Some("go"),
                GO.len() as u64
            ),
        ]
    );
    for (x, plain) in o.opened.iter().zip([LCOV, COBERTURA, GO]) {
        let loaded = x.result.as_ref().unwrap();
        let direct = parse_bytes(plain, &options()).unwrap();
        assert_eq!(loaded.report, direct.report, "{}", x.name);
        assert_eq!(loaded.diagnostics, direct.diagnostics, "{}", x.name);
    }
    assert_eq!(
        o.skipped,
        ["artifact.zip!README.md", "artifact.zip!build.log"]
    );
    assert_eq!(
        o.skipped_notice("artifact.zip").unwrap(),
        "2 entries of artifact.zip are not coverage reports, skipped: README.md, build.log"
    );
    assert_eq!(o.loaded(), 3);
}

#[test]
fn a_plain_input_opens_as_itself() {
    let o = open("lcov.info", LCOV, &options());
    assert!(!o.is_archive);
    assert_eq!(o.opened.len(), 1);
    assert_eq!(o.opened[0].name, "lcov.info");
    assert_eq!(o.opened[0].bytes, LCOV.len() as u64);
    assert_eq!(
        o.opened[0].result.as_ref().unwrap().report,
        parse_bytes(LCOV, &options()).unwrap().report
    );
    assert!(o.skipped_notice("lcov.info").is_none());
}

#[test]
fn a_zip_in_a_zip_opens_one_level_deep() {
    let innermost = zip_of(&[("deep.info", Data::Stored(LCOV))]);
    let inner = zip_of(&[
        ("lcov.info", Data::Deflated(LCOV)),
        ("again.zip", Data::Stored(&innermost)),
    ]);
    let outer = zip_of(&[("reports/inner.zip", Data::Deflated(&inner))]);
    let o = open("a.zip", &outer, &options());
    let names: Vec<_> = o.opened.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["a.zip!reports/inner.zip!lcov.info"]);
    assert!(o.opened[0].result.is_ok());
    assert_eq!(o.skipped, ["a.zip!reports/inner.zip!again.zip"]);
}

#[test]
fn a_corrupt_entry_fails_alone() {
    let mut archive = zip_of(&[
        ("good.info", Data::Deflated(LCOV)),
        ("bad.info", Data::Deflated(LCOV)),
        ("good.xml", Data::Stored(COBERTURA)),
    ]);
    let entries = zip::list(&archive).unwrap();
    // Flip bytes in the middle of the second entry's deflate data (past its 30-byte header and name).
    let at = entries[1].offset as usize + 30 + "bad.info".len() + 10;
    archive[at] ^= 0x55;
    archive[at + 1] ^= 0xaa;
    let o = open("artifact.zip", &archive, &options());
    let got: Vec<_> = o
        .opened
        .iter()
        .map(|x| (x.name.as_str(), x.result.is_ok()))
        .collect();
    assert_eq!(
        got,
        [
            ("artifact.zip!good.info", true),
            ("artifact.zip!bad.info", false),
            ("artifact.zip!good.xml", true)
        ]
    );
    let e = o.opened[1].result.as_ref().unwrap_err();
    let text = e.render(&o.opened[1].name);
    assert!(
        text.starts_with("artifact.zip!bad.info: failed to read at byte ")
            && (text.contains("corrupt zip entry data") || text.contains("integrity check")),
        "{text}"
    );
    assert!(
        matches!(e.position, Some(Position::Byte(b)) if b >= entries[1].offset && b < entries[2].offset),
        "{:?}",
        e.position
    );
}

#[test]
fn a_crc_mismatch_is_an_integrity_error() {
    let mut archive = zip_of(&[("a.info", Data::Stored(LCOV))]);
    // Stored data is the text itself: change one digit, the CRC no longer matches.
    let at = archive.windows(6).position(|w| w == b"DA:3,4").unwrap() + 5;
    archive[at] = b'5';
    let o = open("a.zip", &archive, &options());
    let e = o.opened[0].result.as_ref().unwrap_err();
    assert!(
        e.message
            .starts_with("zip entry fails its integrity check (invalid checksum"),
        "{}",
        e.message
    );
}

#[test]
fn a_corrupt_central_directory_is_an_error_at_its_offset_and_earlier_entries_load() {
    let archive = zip_of(&[
        ("a.info", Data::Stored(LCOV)),
        ("b.info", Data::Stored(LCOV)),
    ]);
    // The second central directory record: its signature is the second `PK\1\2`.
    let records: Vec<usize> = archive
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(records.len(), 2);
    let mut bad = archive.clone();
    bad[records[1] + 1] = b'X';
    let e = zip::list(&bad).unwrap_err();
    assert_eq!(e.position, Some(Position::Byte(records[1] as u64)));
    assert!(
        e.message
            .starts_with("corrupt zip central directory (invalid signature"),
        "{}",
        e.message
    );
    let o = open("c.zip", &bad, &options());
    let got: Vec<_> = o
        .opened
        .iter()
        .map(|x| (x.name.as_str(), x.result.is_ok()))
        .collect();
    assert_eq!(got, [("c.zip!a.info", true), ("c.zip", false)]);
    // No end record at all: the whole archive is an error.
    let cut = &archive[..archive.len() - 22];
    let o = open("cut.zip", cut, &options());
    assert_eq!(o.opened.len(), 1);
    let e = o.opened[0].result.as_ref().unwrap_err();
    assert!(
        e.render("cut.zip").starts_with(
            "cut.zip: failed to read: corrupt zip archive (no end of central directory"
        ),
        "{}",
        e.render("cut.zip")
    );
}

#[test]
fn a_bomb_is_stopped_by_the_ratio_limit_while_inflating() {
    let (bomb, crc, size) = zeros_bomb(b"SF:/src/a.c\n", 200);
    let archive = zip_of(&[
        ("lcov.info", Data::Deflated(LCOV)),
        (
            "bomb.info",
            Data::Raw {
                deflated: &bomb,
                crc,
                size,
            },
        ),
    ]);
    let o = open("artifact.zip", &archive, &options());
    assert!(o.opened[0].result.is_ok());
    let e = o.opened[1].result.as_ref().unwrap_err();
    let text = e.render(&o.opened[1].name);
    assert!(
        text.starts_with("artifact.zip!bomb.info: failed to read at byte ")
            && text.contains("zip entry expands more than 500:1, the per-entry ratio limit"),
        "{text}"
    );
}

#[test]
fn entry_and_archive_size_limits_name_themselves() {
    let text: Vec<u8> = LCOV.repeat(100);
    let archive = zip_of(&[
        ("a.info", Data::Deflated(&text)),
        ("b.info", Data::Deflated(&text)),
    ]);
    let entry_limit = ZipLimits {
        entry: Limits {
            max_output_bytes: 1000,
            ..Limits::DEFAULT
        },
        ..ZipLimits::DEFAULT
    };
    let o = zip::open("z.zip", &archive, &options(), &entry_limit);
    for x in &o.opened {
        let m = &x.result.as_ref().unwrap_err().message;
        assert_eq!(
            m,
            "zip entry expands past the per-entry limit of 1000 bytes (a decompression bomb, or raise the limit)"
        );
    }
    // Each entry fits; together they do not.
    let archive_limit = ZipLimits {
        archive: Limits {
            max_output_bytes: text.len() as u64 + 10,
            ..Limits::DEFAULT
        },
        ..ZipLimits::DEFAULT
    };
    let o = zip::open("z.zip", &archive, &options(), &archive_limit);
    assert!(o.opened[0].result.is_ok());
    let e = o.opened[1].result.as_ref().unwrap_err();
    assert_eq!(
        e.render("z.zip!b.info"),
        format!(
            "z.zip!b.info: failed to read at byte {}: zip archive expands past the per-archive limit of {} bytes (a decompression bomb, or raise the limit)",
            zip::list(&archive).unwrap()[1].offset,
            text.len() + 10
        )
    );
    // The archive ratio: the sum of the outputs over the archive's size.
    let ratio = ZipLimits {
        archive: Limits {
            max_output_bytes: u64::MAX,
            max_ratio: 2,
            ratio_floor_bytes: 0,
        },
        ..ZipLimits::DEFAULT
    };
    let o = zip::open("z.zip", &archive, &options(), &ratio);
    assert!(o.opened[0].result.is_err());
    assert!(o.opened[0]
        .result
        .as_ref()
        .unwrap_err()
        .message
        .starts_with("zip archive expands more than 2:1, the per-archive ratio limit"));
}

#[test]
fn entries_sharing_data_are_refused() {
    let archive = zip_of(&[
        ("a.info", Data::Stored(LCOV)),
        ("b.info", Data::Stored(LCOV)),
    ]);
    // Point the second central directory record's local header offset (at +42) at the first entry.
    let second = archive
        .windows(4)
        .enumerate()
        .filter(|(_, w)| *w == b"PK\x01\x02")
        .map(|(i, _)| i)
        .nth(1)
        .unwrap();
    let mut bad = archive.clone();
    bad[second + 42..second + 46].copy_from_slice(&0u32.to_le_bytes());
    let o = open("o.zip", &bad, &options());
    assert!(o.opened[0].result.is_ok());
    assert_eq!(
        o.opened[1].result.as_ref().unwrap_err().message,
        "zip entry shares its data with another entry (a decompression bomb?)"
    );
}

#[test]
fn open_keeping_gives_the_entries_that_are_not_reports_within_the_limits() {
    let source = b"int main(void) {\n  return 0;\n}\n";
    let big = vec![b'x'; 100];
    // A text bomb: 32 MiB of zeros behind a text head, 500:1 is passed past 16 MiB.
    let (bomb, crc, size) = zeros_bomb(b"not a report\n", 32);
    let archive = zip_of(&[
        ("job1/lcov.info", Data::Deflated(LCOV)),
        ("src/main.c", Data::Deflated(source)),
        ("src/", Data::Dir),
        ("big.txt", Data::Stored(&big)),
        (
            "bomb.txt",
            Data::Raw {
                deflated: &bomb,
                crc,
                size,
            },
        ),
    ]);
    let (o, others) = zip::open_keeping(
        "artifact.zip",
        &archive,
        &options(),
        &ZipLimits::DEFAULT,
        99,
    );
    let names: Vec<&str> = o.opened.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(names, ["artifact.zip!job1/lcov.info"]);
    assert!(o.opened[0].result.is_ok());
    assert_eq!(
        others,
        vec![zip::OtherEntry {
            name: "artifact.zip!src/main.c".into(),
            bytes: source.to_vec(),
        }]
    );
    // Over 99 bytes: listed as skipped, not kept; the bomb's claimed size is over the limit too.
    assert_eq!(o.skipped, ["artifact.zip!big.txt", "artifact.zip!bomb.txt"]);
    // With room for the bomb, it is stopped by the per-entry ratio limit while inflating.
    let (o, others) = zip::open_keeping(
        "artifact.zip",
        &archive,
        &options(),
        &ZipLimits::DEFAULT,
        64 << 20,
    );
    assert_eq!(others.len(), 2, "main.c and big.txt");
    let bad = o
        .opened
        .iter()
        .find(|x| x.name == "artifact.zip!bomb.txt")
        .unwrap();
    let text = bad.result.as_ref().unwrap_err().render(&bad.name);
    assert!(
        text.contains("zip entry expands more than 500:1, the per-entry ratio limit"),
        "{text}"
    );
    // Without keeping, `open` is unchanged: every non-report entry is skipped.
    let o = open("artifact.zip", &archive, &options());
    assert_eq!(o.skipped.len(), 3);
}
