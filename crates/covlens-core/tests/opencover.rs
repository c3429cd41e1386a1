//! OpenCover XML: corpus totals against the reports' own summaries, reading rules and diagnostics.

#![allow(
    clippy::disallowed_methods,
    clippy::disallowed_types,
    reason = "tests read the shared corpus; the library itself does no IO"
)]

use covlens_core::{detect, Counter, Format, Loaded, ParseError, Totals};

mod common;
use common::{corpus, lc};

/// Parses through both front doors (the reader with a tiny buffer) and checks they agree.
fn load(bytes: &[u8]) -> Loaded {
    common::load(Format::Opencover, bytes)
}

fn err_of(bytes: &[u8]) -> ParseError {
    common::err_of(Format::Opencover, bytes)
}

/// The sessions' own `<Summary>` (the first one after each `<CoverageSession`, summed), read
/// independently of the parser: [branch points, methods] as (found, visited), `None` where the
/// producer wrote no such attribute (OpenCover before 4.6 has no method counts).
fn own_summary(xml: &str) -> [Option<Counter>; 2] {
    let mut out = [Some(Counter::default()); 2];
    for session in xml.split("<CoverageSession").skip(1) {
        let tag = session.split("<Summary ").nth(1).unwrap();
        let tag = &tag[..tag.find('>').unwrap()];
        let attr = |name: &str| -> Option<u64> {
            let key = format!(" {name}=\"");
            let at = format!(" {tag}").find(&key)? + key.len() - 1;
            Some(tag[at..at + tag[at..].find('"')?].parse().unwrap())
        };
        for (i, (all, visited)) in [
            ("numBranchPoints", "visitedBranchPoints"),
            ("numMethods", "visitedMethods"),
        ]
        .into_iter()
        .enumerate()
        {
            out[i] = match (out[i], attr(all), attr(visited)) {
                (Some(mut c), Some(found), Some(hit)) => {
                    c.add(Counter { found, hit });
                    Some(c)
                }
                _ => None,
            };
        }
    }
    out
}

/// How a file's own summary relates to our totals.
#[derive(Clone, Copy)]
enum Rule {
    /// Equal.
    Same,
    /// OpenCover counts one extra "branch point" per method (its entry): branch points = our
    /// branches + our functions, visited likewise.
    PlusMethods,
    /// The summary does not describe the data (the reason is given).
    Differs(&'static str),
}

#[test]
fn corpus_totals_against_the_sessions_own_summaries() {
    let Some(dir) = corpus() else { return };
    // (file, files, lines, [branch rule, function rule]). Lines are not in OpenCover's summary (it
    // counts sequence points, several per line); they were counted independently of this parser, and
    // coverlet, which writes one point per line, has 255 points of which 156 visited: equal.
    let files = [
        (
            "opencover/reportgenerator-opencover.xml",
            15,
            Counter {
                found: 190,
                hit: 121,
            },
            [Rule::PlusMethods, Rule::Same],
        ),
        (
            "opencover/reportgenerator-opencover-coverlet.xml",
            18,
            Counter {
                found: 255,
                hit: 156,
            },
            [Rule::Same, Rule::Same],
        ),
        (
            "opencover/reportgenerator-opencover-tracked-methods.xml",
            15,
            Counter {
                found: 194,
                hit: 131,
            },
            [Rule::PlusMethods, Rule::Same],
        ),
        (
            "opencover/reportgenerator-multi-opencover.xml",
            7,
            Counter {
                found: 108,
                hit: 73,
            },
            [
                // Two sessions of the same assembly, each with 12 branch points and 21 methods
                // (12 + 21 = 33 "branch points" in each summary, 66 in all): merged, they are 12 and
                // 21 once, their visits added up.
                Rule::Differs("the same assembly in two sessions, merged"),
                Rule::Differs("OpenCover 4.5 writes no method counts"),
            ],
        ),
        (
            "opencover/reportgenerator-opencover-altcover-embedded-source.xml",
            1,
            Counter { found: 2, hit: 0 },
            [
                // ReportGenerator's fixture keeps one method of the 38 its summary counts.
                Rule::Differs("the file was cut down to one method"),
                Rule::Differs("the file was cut down to one method"),
            ],
        ),
    ];
    for (file, nfiles, lines, rules) in files {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        assert_eq!(detect(text.as_bytes()), Some(Format::Opencover), "{file}");
        let loaded = load(text.as_bytes());
        assert!(
            loaded.diagnostics.is_empty(),
            "{file}: {:?}",
            loaded.diagnostics
        );
        let t = Totals::of_report(&loaded.report);
        assert_eq!(loaded.report.files.len(), nfiles, "{file}: files");
        assert_eq!(t.lines, lines, "{file}: lines");
        let own = own_summary(&text);
        let ours = [t.branches, t.functions];
        for (i, what) in ["branches", "functions"].into_iter().enumerate() {
            match rules[i] {
                Rule::Same => assert_eq!(Some(ours[i]), own[i], "{file}: {what}"),
                Rule::PlusMethods => {
                    let mut c = t.branches;
                    c.add(t.functions);
                    assert_eq!(Some(c), own[i], "{file}: {what} + methods");
                }
                Rule::Differs(why) => {
                    assert_ne!(Some(ours[i]), own[i], "{file}: {what} now agrees ({why})")
                }
            }
        }
    }
    // The merged numbers of the two-session file, recorded by hand.
    let text =
        std::fs::read_to_string(dir.join("opencover/reportgenerator-multi-opencover.xml")).unwrap();
    let t = Totals::of_report(&load(text.as_bytes()).report);
    assert_eq!(t.branches, Counter { found: 12, hit: 7 });
    assert_eq!(t.functions, Counter { found: 21, hit: 13 });
}

#[test]
fn points_methods_and_modules() {
    let xml = "<?xml version=\"1.0\"?>\n<CoverageSession><Summary numSequencePoints=\"9\"/><Modules>\n\
<Module skippedDueTo=\"Filter\"><ModuleName>mscorlib</ModuleName></Module>\n\
<Module><Files><File uid=\"1\" fullPath=\"C:\\src\\A.cs\"/><File uid=\"2\" fullPath=\"/src/B&amp;C.cs\"/></Files><Classes>\n\
<Class><FullName>A</FullName><Methods>\n\
<Method visited=\"true\" isConstructor=\"false\"><Name>System.Int32 A::F(System.Int32)</Name><FileRef uid=\"1\"/>\
<SequencePoints><SequencePoint vc=\"3\" sl=\"10\" sc=\"1\" el=\"12\" ec=\"2\" fileid=\"1\"/><SequencePoint vc=\"2\" sl=\"12\" sc=\"3\" el=\"12\" ec=\"9\" fileid=\"1\"/>\
<SequencePoint vc=\"0\" sl=\"14\" sc=\"1\" el=\"14\" ec=\"2\"/></SequencePoints>\
<BranchPoints><BranchPoint vc=\"3\" sl=\"12\" path=\"0\" offset=\"7\" offsetend=\"9\" fileid=\"1\"/><BranchPoint vc=\"0\" sl=\"12\" path=\"1\" offset=\"7\" offsetend=\"14\" fileid=\"1\"/></BranchPoints>\
<MethodPoint vc=\"3\" sl=\"10\"/></Method>\n\
<Method visited=\"false\" skippedDueTo=\"Attribute\"><Name>System.Void A::G()</Name><SequencePoints><SequencePoint vc=\"0\" sl=\"20\" fileid=\"1\"/></SequencePoints></Method>\n\
<Method visited=\"true\"><Name>System.Void A::Abstract()</Name><SequencePoints/><MethodPoint/></Method>\n\
<Method visited=\"true\"><Name>System.Void B::.ctor()</Name><SequencePoints><SequencePoint vc=\"1\" sl=\"5\" fileid=\"2\"/></SequencePoints><MethodPoint/></Method>\n\
</Methods></Class></Classes></Module>\n\
<Module><Files><File uid=\"1\" fullPath=\"/src/B&amp;C.cs\"/></Files><Classes><Class><Methods>\
<Method visited=\"false\"><Name>System.Void B::.ctor()</Name><SequencePoints><SequencePoint vc=\"4\" sl=\"5\" fileid=\"1\"/></SequencePoints><MethodPoint vc=\"4\"/></Method>\
</Methods></Class></Classes></Module>\n\
</Modules></CoverageSession>\n";
    assert_eq!(detect(xml.as_bytes()), Some(Format::Opencover));
    let l = load(xml.as_bytes());
    assert!(l.diagnostics.is_empty(), "{:?}", l.diagnostics);
    assert_eq!(
        l.report.files.keys().collect::<Vec<_>>(),
        ["/src/B&C.cs", "C:\\src\\A.cs"]
    );
    let a = &l.report.files["C:\\src\\A.cs"];
    // Lines 10..=12 from the first point, 12 again from the second (visits add up), 14 through the
    // method's FileRef (no fileid); the skipped method's line 20 is not there.
    let lines: Vec<_> = a.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(10, 3), (11, 3), (12, 5), (14, 0)]);
    let br: Vec<_> = a
        .branches
        .iter()
        .map(|b| (b.line.get(), b.id.block, b.id.branch.to_string(), b.taken))
        .collect();
    assert_eq!(
        br,
        [
            (12, 7, "0".to_string(), Some(3)),
            (12, 7, "1".to_string(), Some(0))
        ]
    );
    let f: Vec<_> = a
        .functions
        .iter()
        .map(|f| {
            (
                f.name.as_str(),
                f.start.get(),
                f.end.map(|e| e.get()),
                f.hits,
            )
        })
        .collect();
    assert_eq!(f, [("System.Int32 A::F(System.Int32)", 10, Some(14), 3)]);
    // The same method in two modules (file ids scoped per module): hits 1 (visited, no count) + 4.
    let b = &l.report.files["/src/B&C.cs"];
    assert_eq!(b.functions[0].hits, 5);
    assert_eq!(b.lines[0].hits, 5);
}

#[test]
fn malformed_points_are_diagnosed_with_positions() {
    let xml = "<CoverageSession><Modules><Module><Files><File uid=\"1\" fullPath=\"a.cs\"/><File uid=\"2\"/></Files>\n\
<Classes><Class><Methods><Method><Name>M</Name><SequencePoints>\n\
<SequencePoint vc=\"-1\" sl=\"1\" fileid=\"1\"/>\n\
<SequencePoint vc=\"1\" sl=\"0\" fileid=\"1\"/>\n\
<SequencePoint vc=\"1\" sl=\"3\" fileid=\"9\"/>\n\
<SequencePoint vc=\"1\" sl=\"4\"/>\n\
<SequencePoint sl=\"5\" fileid=\"1\"/>\n\
<SequencePoint vc=\"1\" sl=\"6\" el=\"100000\" fileid=\"1\"/>\n\
</SequencePoints><BranchPoints><BranchPoint vc=\"1\" sl=\"6\" fileid=\"1\"/></BranchPoints></Method></Methods></Class></Classes></Module></Modules></CoverageSession>\n";
    let l = load(xml.as_bytes());
    let d: Vec<_> = l
        .diagnostics
        .iter()
        .map(|d| (d.position, d.message.as_str()))
        .collect();
    assert_eq!(
        d,
        [
            (lc(1, 73), "<File> without uid or fullPath; skipped"),
            (lc(3, 1), "negative visit count `-1`; element skipped"),
            (
                lc(4, 1),
                "invalid start line `0` (expected a line number from 1); element skipped"
            ),
            (
                lc(5, 1),
                "<SequencePoint> refers to file id `9`, which the module does not list; skipped"
            ),
            (lc(6, 1), "<SequencePoint> without a file id; skipped"),
            (lc(7, 1), "<SequencePoint> without vc or sl; skipped"),
            (
                lc(8, 1),
                "sequence point spans lines 6 to 100000; counted on line 6 only"
            ),
            (
                lc(9, 32),
                "<BranchPoint> without vc, sl, path or offset; skipped"
            ),
        ]
    );
    let fc = &l.report.files["a.cs"];
    let lines: Vec<_> = fc.lines.iter().map(|l| (l.line.get(), l.hits)).collect();
    assert_eq!(lines, [(6, 1)]);
    assert_eq!(fc.functions[0].name, "M");
}

#[test]
fn errors() {
    let e = err_of(b"<CoverageSession><Modules>\n<Module><Files><File uid=\"1\" fullPath=\"a");
    assert_eq!(e.position, lc(2, 16));
    assert_eq!(
        e.render("opencover.xml"),
        "opencover.xml: failed to parse OpenCover XML at 2:16: syntax error: tag not closed: `>` not found before end of input"
    );
    let e = err_of(b"<CoverageSession><Modules>\n");
    assert_eq!(e.position, lc(2, 1));
    assert_eq!(
        e.message,
        "unexpected end of input (element `Modules` is not closed)"
    );
    let e = err_of(b"<coverage version=\"1\"/>");
    assert_eq!(e.position, lc(1, 1));
    assert_eq!(
        e.message,
        "root element is <coverage>, expected <CoverageSession>"
    );
    let e = err_of(b"<root><x/></root>");
    assert_eq!(e.message, "no <CoverageSession> element");
}
