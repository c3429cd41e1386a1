//! Syntax highlighting for the source view: a small data-driven tokenizer (keywords, strings, comments,
//! numbers) for C/C++, Rust, Go, Java, C#, JS/TS, Python, Ruby and PHP, line by line with the state a
//! line starts in (inside a block comment or a multi-line string) computed once per file.
//!
//! Why not a crate: `syntect` ships Sublime grammars and a regex engine (megabytes of wasm); tree-sitter
//! grammars are C and do not build for wasm32-unknown-unknown without a C sysroot. Coverage reading
//! needs keywords, strings and comments told apart, not a parse, and this table-driven scanner is a
//! few kilobytes of wasm and tested natively.

/// A language the tokenizer knows, from a path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lang {
    C,
    Rust,
    Go,
    Java,
    CSharp,
    Js,
    Python,
    Ruby,
    Php,
    Plain,
}

/// What a span of a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tok {
    Plain,
    Keyword,
    Str,
    Comment,
    Number,
}

impl Tok {
    /// The CSS class of the span (`None`: no span needed).
    pub fn class(self) -> Option<&'static str> {
        match self {
            Tok::Plain => None,
            Tok::Keyword => Some("tok-kw"),
            Tok::Str => Some("tok-str"),
            Tok::Comment => Some("tok-com"),
            Tok::Number => Some("tok-num"),
        }
    }
}

/// The state a line starts in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Carry {
    #[default]
    Normal,
    /// Inside a block comment.
    Comment,
    /// Inside a string opened by `quote` (tripled when `triple`) that may span lines.
    Str { quote: u8, triple: bool },
}

struct Syntax {
    keywords: &'static [&'static str],
    line_comments: &'static [&'static str],
    block: Option<(&'static str, &'static str)>,
    /// Quote characters opening strings; those in `multiline` may run past the line's end.
    quotes: &'static [u8],
    multiline: &'static [u8],
    /// Python's `"""` / `'''`.
    triple: bool,
    /// `'` opens a character literal only when it closes soon (Rust lifetimes are not strings).
    char_quote: bool,
}

const C_KW: &[&str] = &[
    "auto",
    "bool",
    "break",
    "case",
    "catch",
    "char",
    "class",
    "const",
    "constexpr",
    "continue",
    "default",
    "define",
    "delete",
    "do",
    "double",
    "else",
    "endif",
    "enum",
    "extern",
    "false",
    "float",
    "for",
    "goto",
    "if",
    "ifdef",
    "ifndef",
    "include",
    "inline",
    "int",
    "long",
    "namespace",
    "new",
    "nullptr",
    "private",
    "protected",
    "public",
    "register",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "switch",
    "template",
    "this",
    "throw",
    "true",
    "try",
    "typedef",
    "typename",
    "union",
    "unsigned",
    "using",
    "virtual",
    "void",
    "volatile",
    "while",
    "NULL",
];
const RUST_KW: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub",
    "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while",
];
const GO_KW: &[&str] = &[
    "break",
    "case",
    "chan",
    "const",
    "continue",
    "default",
    "defer",
    "else",
    "fallthrough",
    "false",
    "for",
    "func",
    "go",
    "goto",
    "if",
    "import",
    "interface",
    "map",
    "nil",
    "package",
    "range",
    "return",
    "select",
    "struct",
    "switch",
    "true",
    "type",
    "var",
];
const JAVA_KW: &[&str] = &[
    "abstract",
    "boolean",
    "break",
    "byte",
    "case",
    "catch",
    "char",
    "class",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "extends",
    "false",
    "final",
    "finally",
    "float",
    "for",
    "if",
    "implements",
    "import",
    "instanceof",
    "int",
    "interface",
    "long",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "short",
    "static",
    "super",
    "switch",
    "synchronized",
    "this",
    "throw",
    "throws",
    "true",
    "try",
    "var",
    "void",
    "volatile",
    "while",
];
const CS_KW: &[&str] = &[
    "abstract",
    "as",
    "async",
    "await",
    "base",
    "bool",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "double",
    "else",
    "enum",
    "false",
    "finally",
    "float",
    "for",
    "foreach",
    "if",
    "in",
    "int",
    "interface",
    "internal",
    "is",
    "long",
    "namespace",
    "new",
    "null",
    "object",
    "out",
    "override",
    "private",
    "protected",
    "public",
    "readonly",
    "ref",
    "return",
    "sealed",
    "static",
    "string",
    "struct",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "using",
    "var",
    "virtual",
    "void",
    "while",
];
const JS_KW: &[&str] = &[
    "as",
    "async",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "from",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "of",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "type",
    "typeof",
    "undefined",
    "var",
    "void",
    "while",
    "yield",
];
const PY_KW: &[&str] = &[
    "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
    "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import",
    "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "self", "try",
    "while", "with", "yield",
];
const RUBY_KW: &[&str] = &[
    "alias", "and", "begin", "break", "case", "class", "def", "do", "else", "elsif", "end",
    "ensure", "false", "for", "if", "in", "module", "next", "nil", "not", "or", "raise", "redo",
    "require", "rescue", "retry", "return", "self", "super", "then", "true", "unless", "until",
    "when", "while", "yield",
];
const PHP_KW: &[&str] = &[
    "abstract",
    "array",
    "as",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "default",
    "do",
    "echo",
    "else",
    "elseif",
    "extends",
    "false",
    "final",
    "finally",
    "fn",
    "for",
    "foreach",
    "function",
    "if",
    "implements",
    "interface",
    "match",
    "namespace",
    "new",
    "null",
    "private",
    "protected",
    "public",
    "require",
    "return",
    "static",
    "switch",
    "throw",
    "true",
    "try",
    "use",
    "while",
];

fn syntax(lang: Lang) -> Syntax {
    let c_like = |keywords| Syntax {
        keywords,
        line_comments: &["//"],
        block: Some(("/*", "*/")),
        quotes: b"\"'",
        multiline: b"",
        triple: false,
        char_quote: false,
    };
    match lang {
        Lang::C | Lang::Java | Lang::CSharp => c_like(match lang {
            Lang::C => C_KW,
            Lang::Java => JAVA_KW,
            _ => CS_KW,
        }),
        Lang::Rust => Syntax {
            multiline: b"\"",
            char_quote: true,
            ..c_like(RUST_KW)
        },
        Lang::Go => Syntax {
            quotes: b"\"'`",
            multiline: b"`",
            ..c_like(GO_KW)
        },
        Lang::Js => Syntax {
            quotes: b"\"'`",
            multiline: b"`",
            ..c_like(JS_KW)
        },
        Lang::Php => Syntax {
            line_comments: &["//", "#"],
            multiline: b"\"'",
            ..c_like(PHP_KW)
        },
        Lang::Python => Syntax {
            keywords: PY_KW,
            line_comments: &["#"],
            block: None,
            quotes: b"\"'",
            multiline: b"",
            triple: true,
            char_quote: false,
        },
        Lang::Ruby => Syntax {
            keywords: RUBY_KW,
            line_comments: &["#"],
            block: None,
            quotes: b"\"'",
            multiline: b"\"'",
            triple: false,
            char_quote: false,
        },
        Lang::Plain => Syntax {
            keywords: &[],
            line_comments: &[],
            block: None,
            quotes: b"",
            multiline: b"",
            triple: false,
            char_quote: false,
        },
    }
}

/// The language of a path, from its extension (case-insensitive).
pub fn lang_of(path: &str) -> Lang {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let ext = match name.rsplit_once('.') {
        Some((_, e)) => e.to_ascii_lowercase(),
        None => return Lang::Plain,
    };
    match ext.as_str() {
        "c" | "h" | "cc" | "cpp" | "cxx" | "hpp" | "hh" | "hxx" | "m" | "mm" | "ino" => Lang::C,
        "rs" => Lang::Rust,
        "go" => Lang::Go,
        "java" | "kt" | "kts" | "scala" | "groovy" => Lang::Java,
        "cs" => Lang::CSharp,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" | "mts" | "cts" | "vue" | "svelte" => Lang::Js,
        "py" | "pyw" | "pyi" => Lang::Python,
        "rb" | "rake" | "gemspec" => Lang::Ruby,
        "php" => Lang::Php,
        _ => Lang::Plain,
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// Where a string opened at `open` (the byte after its opening quote(s)) closes: the byte after the
/// closing quote(s), or `None` when it runs past the line.
fn string_end(line: &[u8], mut i: usize, quote: u8, triple: bool) -> Option<usize> {
    while i < line.len() {
        match line[i] {
            b'\\' => i += 2,
            q if q == quote => {
                if !triple {
                    return Some(i + 1);
                }
                if line[i..].starts_with(&[quote, quote, quote]) {
                    return Some(i + 3);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// Splits one line into spans (byte ranges, adjacent spans of one kind joined), starting in `carry`;
/// returns the spans and the state the next line starts in.
pub fn highlight_line(line: &str, lang: Lang, carry: Carry) -> (Vec<(Tok, usize, usize)>, Carry) {
    let syn = syntax(lang);
    let b = line.as_bytes();
    let mut out: Vec<(Tok, usize, usize)> = Vec::new();
    let mut push = |tok: Tok, s: usize, e: usize| {
        if s >= e {
            return;
        }
        match out.last_mut() {
            Some(last) if last.0 == tok && last.2 == s => last.2 = e,
            _ => out.push((tok, s, e)),
        }
    };
    let mut i = 0;
    // Finish what the previous line left open.
    match carry {
        Carry::Normal => {}
        Carry::Comment => {
            let close = syn.block.map(|(_, c)| c).unwrap_or("*/");
            match line.find(close) {
                Some(at) => {
                    i = at + close.len();
                    push(Tok::Comment, 0, i);
                }
                None => {
                    push(Tok::Comment, 0, b.len());
                    return (out, Carry::Comment);
                }
            }
        }
        Carry::Str { quote, triple } => match string_end(b, 0, quote, triple) {
            Some(end) => {
                push(Tok::Str, 0, end);
                i = end;
            }
            None => {
                push(Tok::Str, 0, b.len());
                return (out, carry);
            }
        },
    }
    while i < b.len() {
        let rest = &line[i..];
        if syn.line_comments.iter().any(|c| rest.starts_with(c)) {
            push(Tok::Comment, i, b.len());
            return (out, Carry::Normal);
        }
        if let Some((open, close)) = syn.block {
            if let Some(after) = rest.strip_prefix(open) {
                match after.find(close) {
                    Some(at) => {
                        let end = i + open.len() + at + close.len();
                        push(Tok::Comment, i, end);
                        i = end;
                        continue;
                    }
                    None => {
                        push(Tok::Comment, i, b.len());
                        return (out, Carry::Comment);
                    }
                }
            }
        }
        let c = b[i];
        if syn.quotes.contains(&c) {
            let triple = syn.triple && rest.as_bytes().starts_with(&[c, c, c]);
            let body = i + if triple { 3 } else { 1 };
            if syn.char_quote && c == b'\'' && !triple {
                // `'x'` and `'\n'` are characters; `'a` (a lifetime) is not a string.
                let is_char = match b.get(i + 1) {
                    Some(b'\\') => true,
                    Some(_) => {
                        let ch_len = rest[1..].chars().next().map_or(1, char::len_utf8);
                        b.get(i + 1 + ch_len) == Some(&b'\'')
                    }
                    None => false,
                };
                if !is_char {
                    push(Tok::Plain, i, i + 1);
                    i += 1;
                    continue;
                }
            }
            match string_end(b, body, c, triple) {
                Some(end) => {
                    let end = end.min(b.len());
                    push(Tok::Str, i, end);
                    i = end;
                }
                None => {
                    push(Tok::Str, i, b.len());
                    let open = triple || syn.multiline.contains(&c) || b.last() == Some(&b'\\');
                    let next = if open {
                        Carry::Str { quote: c, triple }
                    } else {
                        Carry::Normal
                    };
                    return (out, next);
                }
            }
            continue;
        }
        if c.is_ascii_digit() && (i == 0 || !is_ident(b[i - 1])) {
            let mut e = i + 1;
            while e < b.len() && (is_ident(b[e]) || b[e] == b'.') && b[e] != b'$' {
                e += 1;
            }
            push(Tok::Number, i, e);
            i = e;
            continue;
        }
        if is_ident(c) {
            let mut e = i + 1;
            while e < b.len() && is_ident(b[e]) {
                e += 1;
            }
            let word = &line[i..e];
            let tok = if syn.keywords.contains(&word) {
                Tok::Keyword
            } else {
                Tok::Plain
            };
            push(tok, i, e);
            i = e;
            continue;
        }
        // One character (whole, not one byte) of punctuation or space.
        let len = rest.chars().next().map_or(1, char::len_utf8);
        push(Tok::Plain, i, i + len);
        i += len;
    }
    (out, Carry::Normal)
}

/// The state each line of `text` starts in (`starts` from [`crate::source::line_starts`]); one pass.
pub fn carries(text: &str, starts: &[u32], lang: Lang) -> Vec<Carry> {
    let mut out = Vec::with_capacity(starts.len());
    let mut carry = Carry::Normal;
    for n in 1..=starts.len() as u32 {
        out.push(carry);
        let line = crate::source::line_text(text, starts, n);
        carry = highlight_line(line, lang, carry).1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spans(line: &str, lang: Lang, carry: Carry) -> (Vec<(Tok, &str)>, Carry) {
        let (v, c) = highlight_line(line, lang, carry);
        (
            v.into_iter()
                .filter(|t| t.0 != Tok::Plain)
                .map(|(t, s, e)| (t, &line[s..e]))
                .collect(),
            c,
        )
    }

    #[test]
    fn languages_come_from_extensions() {
        assert_eq!(lang_of("/tmp/ci/c/calc.c"), Lang::C);
        assert_eq!(lang_of("src\\Main.CS"), Lang::CSharp);
        assert_eq!(lang_of("a/b.test.tsx"), Lang::Js);
        assert_eq!(lang_of("lib/x.rb"), Lang::Ruby);
        assert_eq!(lang_of("Makefile"), Lang::Plain);
        assert_eq!(lang_of("pkg.v1/README"), Lang::Plain);
    }

    #[test]
    fn c_keywords_strings_numbers_and_comments() {
        use Tok::*;
        let (v, c) = spans(
            r#"  if (n > 10) return "a\"b"; // done"#,
            Lang::C,
            Carry::Normal,
        );
        assert_eq!(
            v,
            [
                (Keyword, "if"),
                (Number, "10"),
                (Keyword, "return"),
                (Str, r#""a\"b""#),
                (Comment, "// done")
            ]
        );
        assert_eq!(c, Carry::Normal);
        let (v, c) = spans("x = 0x1F; /* open", Lang::C, Carry::Normal);
        assert_eq!(v, [(Number, "0x1F"), (Comment, "/* open")]);
        assert_eq!(c, Carry::Comment);
        let (v, c) = spans("still */ int y2 = 3;", Lang::C, Carry::Comment);
        assert_eq!(v, [(Comment, "still */"), (Keyword, "int"), (Number, "3")]);
        assert_eq!(c, Carry::Normal);
        // An identifier with digits is not a number.
        assert_eq!(spans("y2", Lang::C, Carry::Normal).0, []);
    }

    #[test]
    fn multi_line_strings_carry_over_per_language() {
        use Tok::*;
        let (v, c) = spans("s = \"\"\"doc", Lang::Python, Carry::Normal);
        assert_eq!(v, [(Str, "\"\"\"doc")]);
        assert_eq!(
            c,
            Carry::Str {
                quote: b'"',
                triple: true
            }
        );
        let (v, c) = spans("end\"\"\" # x", Lang::Python, c);
        assert_eq!(v, [(Str, "end\"\"\""), (Comment, "# x")]);
        assert_eq!(c, Carry::Normal);
        let (_, c) = spans("const t = `a", Lang::Js, Carry::Normal);
        assert_eq!(
            c,
            Carry::Str {
                quote: b'`',
                triple: false
            }
        );
        // A C string left open does not run on (the compiler would reject it).
        assert_eq!(spans("\"abc", Lang::C, Carry::Normal).1, Carry::Normal);
    }

    #[test]
    fn rust_lifetimes_are_not_strings() {
        use Tok::*;
        let (v, _) = spans(
            "fn f<'a>(x: &'a str) -> char { 'x' }",
            Lang::Rust,
            Carry::Normal,
        );
        assert_eq!(v, [(Keyword, "fn"), (Str, "'x'")]);
        let (v, _) = spans(r"let c = '\n';", Lang::Rust, Carry::Normal);
        assert_eq!(v, [(Keyword, "let"), (Str, r"'\n'")]);
    }

    #[test]
    fn carries_follow_the_file() {
        let text = "a /* b\nc\nd */ e\n\"x\n";
        let starts = crate::source::line_starts(text);
        assert_eq!(
            carries(text, &starts, Lang::C),
            [Carry::Normal, Carry::Comment, Carry::Comment, Carry::Normal]
        );
        // Spans cover the whole line, in order, with no gap.
        let line = "int café = 1; // é";
        let (v, _) = highlight_line(line, Lang::C, Carry::Normal);
        assert_eq!(v.first().map(|t| t.1), Some(0));
        assert_eq!(v.last().map(|t| t.2), Some(line.len()));
        assert!(v.windows(2).all(|w| w[0].2 == w[1].1));
    }
}
