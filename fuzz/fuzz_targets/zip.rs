//! Fuzz target: opening arbitrary bytes as a possible zip archive (`covlens_core::zip::open`, the front door `covlens_core::open` uses) never panics, keeps its limits, and every report it loads holds the checks of `front_doors_agree`.
#![no_main]

use covlens_core::container::Limits;
use covlens_core::zip::{self, Method, ZipLimits, SEPARATOR};
use covlens_core::{ParseOptions, Totals};
use libfuzzer_sys::fuzz_target;

/// Small limits (the defaults' shape, scaled down) so that a bomb is refused fast.
const LIMITS: ZipLimits = ZipLimits {
    entry: Limits {
        max_output_bytes: 1 << 20,
        max_ratio: 50,
        ratio_floor_bytes: 4096,
    },
    archive: Limits {
        max_output_bytes: 2 << 20,
        max_ratio: 50,
        ratio_floor_bytes: 8192,
    },
};

/// The stored (uncompressed) data of `entry`, located through its local header as a reader would.
fn stored_data<'a>(input: &'a [u8], entry: &zip::Entry) -> Option<&'a [u8]> {
    let at = usize::try_from(entry.offset).ok()?;
    let header = input.get(at..at.checked_add(30)?)?;
    let name_len = usize::from(u16::from_le_bytes([header[26], header[27]]));
    let extra_len = usize::from(u16::from_le_bytes([header[28], header[29]]));
    let start = at + 30 + name_len + extra_len;
    let len = usize::try_from(entry.compressed_size).ok()?;
    input.get(start..start.checked_add(len)?)
}

fuzz_target!(|data: &[u8]| {
    let name = "fuzz.zip";
    let opening = zip::open(name, data, &ParseOptions::default(), &LIMITS);
    assert_eq!(opening.is_archive, zip::is_zip(data));
    // Anything else is one input; an archive gives one per report or error, none when it lists no
    // entries (an empty archive: `PK\5\6` first)
    assert!(
        opening.is_archive || opening.opened.len() == 1,
        "open gave {} inputs",
        opening.opened.len()
    );
    let mut given = 0u64;
    for o in &opening.opened {
        let Ok(loaded) = &o.result else { continue };
        assert_eq!(
            o.format,
            Some(loaded.format),
            "{}: format and result disagree",
            o.name
        );
        given = given.saturating_add(o.bytes);
        for fc in loaded.report.files.values() {
            fc.check_invariants()
                .expect("loaded file breaks the model invariants");
        }
        let t = Totals::of_report(&loaded.report);
        assert!(t.lines.hit <= t.lines.found && t.branches.hit <= t.branches.found);
        assert!(t.functions.hit <= t.functions.found);
    }
    if opening.is_archive {
        assert!(opening
            .opened
            .iter()
            .all(|o| o.bytes <= LIMITS.entry.max_output_bytes || o.result.is_err()));
        assert!(
            given <= LIMITS.archive.max_output_bytes,
            "archive gave {given} bytes"
        );
    }
    if !opening.is_archive {
        // Not an archive: `open` is `parse_bytes`, so the loaded report must be what both front doors
        // give for the detected format.
        let o = &opening.opened[0];
        if let (Ok(loaded), Some(format)) = (&o.result, o.format) {
            let again = covlens_fuzz::front_doors_agree(format, data)
                .expect("open loaded it, the front doors failed");
            assert_eq!(
                again.report, loaded.report,
                "open and the front doors disagree"
            );
        }
        return;
    }
    // A stored entry's bytes are in the archive: what `open` loaded from it must be what both front
    // doors give for its detected format (entries named once only, and not nested archives).
    let Ok(entries) = zip::list(data) else { return };
    for entry in &entries {
        if entry.is_dir || entry.encrypted || entry.method != Method::Stored {
            continue;
        }
        let display = format!("{name}{SEPARATOR}{}", entry.path);
        if entries.iter().filter(|e| e.path == entry.path).count() != 1 {
            continue;
        }
        let Some(o) = opening.opened.iter().find(|o| o.name == display) else {
            continue;
        };
        let (Ok(loaded), Some(bytes)) = (&o.result, stored_data(data, entry)) else {
            continue;
        };
        if zip::is_zip(bytes) {
            continue;
        }
        let again = covlens_fuzz::front_doors_agree(loaded.format, bytes)
            .expect("open loaded the entry, the front doors failed on its bytes");
        assert_eq!(
            again.report, loaded.report,
            "{display}: open and the front doors disagree"
        );
    }
});
