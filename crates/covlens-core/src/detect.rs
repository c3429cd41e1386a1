//! Format detection from content (never from file names): a sniff of the first bytes of an input.

/// The input formats covlens knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Lcov,
    Cobertura,
    Jacoco,
}

impl Format {
    /// Every format, in a fixed order.
    pub const ALL: [Format; 3] = [Format::Lcov, Format::Cobertura, Format::Jacoco];

    /// A short stable id, used on the command line (`--format lcov`) and in JSON.
    pub fn id(self) -> &'static str {
        match self {
            Format::Lcov => "lcov",
            Format::Cobertura => "cobertura",
            Format::Jacoco => "jacoco",
        }
    }

    /// The name people know it by, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            Format::Lcov => "LCOV",
            Format::Cobertura => "Cobertura XML",
            Format::Jacoco => "JaCoCo XML",
        }
    }

    /// The format with id `id`.
    pub fn from_id(id: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.id() == id)
    }
}

/// How much of an input [`detect`] needs to see; feeding it more changes nothing.
pub const SNIFF_LEN: usize = 8192;

fn strip_bom(b: &[u8]) -> &[u8] {
    b.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(b)
}

/// Guesses the format of an input from its first bytes (up to [`SNIFF_LEN`]).
pub fn detect(head: &[u8]) -> Option<Format> {
    let head = strip_bom(&head[..head.len().min(SNIFF_LEN)]);
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start();
    if trimmed.starts_with('<') {
        return detect_xml(trimmed);
    }
    detect_lcov(trimmed)
}

fn detect_xml(text: &str) -> Option<Format> {
    // The root element is the first start tag that is not a declaration, comment or doctype.
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            // Doctypes name the format too: JaCoCo's `<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" ...>`.
            if rest.starts_with("!DOCTYPE")
                && rest[..rest.find('>').unwrap_or(rest.len())].contains("JACOCO")
            {
                return Some(Format::Jacoco);
            }
            continue;
        }
        let name_end = rest
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
            .unwrap_or(rest.len());
        let name = &rest[..name_end];
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let tag = &rest[..tag_end];
        return match name {
            "coverage"
                if tag.contains("line-rate")
                    || tag.contains("lines-valid")
                    || text.contains("<packages")
                    || text.contains("<sources") =>
            {
                Some(Format::Cobertura)
            }
            "report"
                if text.contains("<sessioninfo")
                    || text.contains("<package")
                    || text.contains("<counter") =>
            {
                Some(Format::Jacoco)
            }
            _ => None,
        };
    }
}

fn detect_lcov(text: &str) -> Option<Format> {
    // Every record key of the lcov 2.x grammar (geninfo(1)), plus `KF` which some producers write for `SF`.
    const KEYS: [&str; 20] = [
        "TN:", "SF:", "KF:", "VER:", "FN:", "FNDA:", "FNF:", "FNH:", "FNL:", "FNA:", "BRDA:", "BRF:", "BRH:",
        "MCDC:", "MCF:", "MCH:", "DA:", "LF:", "LH:", "end_of_record",
    ];
    // The first line that is not blank or a comment decides.
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    KEYS.iter().any(|k| line.starts_with(k)).then_some(Format::Lcov)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_content() {
        assert_eq!(
            detect(b"TN:\nSF:/a.c\nDA:1,1\nend_of_record\n"),
            Some(Format::Lcov)
        );
        assert_eq!(
            detect(b"\xEF\xBB\xBF# comment\n\nSF:a\n"),
            Some(Format::Lcov)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\" ?>\n<!DOCTYPE coverage SYSTEM \"x.dtd\">\n<coverage line-rate=\"1\" version=\"1\">"),
            Some(Format::Cobertura)
        );
        assert_eq!(
            detect(b"<?xml version=\"1.0\"?><!DOCTYPE report PUBLIC \"-//JACOCO//DTD Report 1.1//EN\" \"report.dtd\"><report name=\"x\">"),
            Some(Format::Jacoco)
        );
        assert_eq!(
            detect(b"<report name=\"x\"><sessioninfo id=\"a\"/>"),
            Some(Format::Jacoco)
        );
        assert_eq!(detect(b"MCDC:3,2,t,1,0,a\n"), Some(Format::Lcov));
        assert_eq!(detect(b"FNA:0,1,main\n"), Some(Format::Lcov));
        assert_eq!(detect(b"{\"a\": 1}"), None);
        assert_eq!(detect(b""), None);
    }
}
