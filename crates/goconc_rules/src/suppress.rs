//! In-source suppression of findings, in the spirit of staticcheck's
//! `//lint:ignore`:
//!
//! * `//goconc:ignore GC201[,GC2,double-lock] reason` on the finding's line
//!   (trailing) or alone on the line above it;
//! * `//goconc:file-ignore GC103 reason` anywhere in the file, for the whole
//!   file.
//!
//! Selectors are those of `--select` (codes, code prefixes, names, `ALL`).
//! A directive whose selectors are all unknown suppresses nothing, so a typo
//! never hides more than was asked.

use goconc_syntax::File;

/// The suppression directives of one file.
#[derive(Debug, Default)]
pub struct Suppressions {
    /// (line the directive covers, codes) for `//goconc:ignore`; a
    /// directive alone on its line covers the next line, a trailing one its
    /// own line.
    by_line: Vec<(u32, Vec<&'static str>)>,
    whole_file: Vec<&'static str>,
}

impl Suppressions {
    pub fn of(file: &File) -> Suppressions {
        let mut found = Suppressions::default();
        for (span, text) in file.directives() {
            let Some(rest) = text.strip_prefix("//goconc:") else {
                continue;
            };
            let mut words = rest.split_whitespace();
            let (Some(kind), Some(selectors)) = (words.next(), words.next()) else {
                continue;
            };
            let codes: Vec<&'static str> = selectors
                .split(',')
                .filter_map(|selector| {
                    crate::registry::matching_codes(&[selector.to_string()]).ok()
                })
                .flatten()
                .collect();
            match kind {
                "ignore" => {
                    let at = file.line_index.line_col(span.start);
                    let line_start = span.start - (at.column - 1);
                    let alone = file
                        .source
                        .get(line_start as usize..span.start as usize)
                        .is_some_and(|before| before.iter().all(u8::is_ascii_whitespace));
                    let covered = if alone { at.line + 1 } else { at.line };
                    found.by_line.push((covered, codes));
                }
                "file-ignore" => found.whole_file.extend(codes),
                _ => {}
            }
        }
        found
    }

    pub fn is_empty(&self) -> bool {
        self.by_line.is_empty() && self.whole_file.is_empty()
    }

    /// Whether a finding of `code` starting on `line` is suppressed.
    pub fn covers(&self, code: &str, line: u32) -> bool {
        self.whole_file.contains(&code)
            || self
                .by_line
                .iter()
                .any(|(covered, codes)| *covered == line && codes.contains(&code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suppressions(source: &str) -> Suppressions {
        Suppressions::of(&goconc_syntax::parse_file(source.as_bytes().to_vec()))
    }

    #[test]
    fn line_directives_cover_their_own_line_or_the_next() {
        let found = suppressions(
            "package p\n\nfunc f() {\n\t//goconc:ignore GC201 the caller never holds mu here\n\tg()\n\th() //goconc:ignore GC2,missing-unlock\n}\n",
        );
        assert!(found.covers("GC201", 5));
        assert!(!found.covers("GC201", 4) && !found.covers("GC101", 6));
        assert!(!found.covers("GC101", 5));
        assert!(found.covers("GC202", 6) && found.covers("GC203", 6));
        assert!(!found.covers("GC202", 7));
    }

    #[test]
    fn file_directives_cover_the_file_and_unknown_selectors_nothing() {
        let found = suppressions(
            "package p\n\n//goconc:file-ignore GC103 generated pipeline\n//goconc:ignore GC999\nfunc f() {}\n// goconc:ignore GC101 (a plain comment, not a directive)\nvar x int\n",
        );
        assert!(found.covers("GC103", 1) && found.covers("GC103", 400));
        assert!(!found.covers("GC101", 7) && !found.covers("GC101", 5));
        assert!(!found.covers("GC999", 5));
        assert!(suppressions("package p\n//goconc:ignore\nvar y int\n").is_empty());
    }
}
