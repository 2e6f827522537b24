//! Rendering of goconc's findings: the stable JSON schema and human text.
//!
//! The JSON schema (`version: 1`) is a contract: fields are only ever added,
//! never renamed or removed. Everything here is deterministic: callers hand
//! in findings in any order and [`Report::sort`] fixes one.

use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// A secondary location that explains a finding (the lock already held, the
/// spawn site of the stuck goroutine, ...).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Related {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// One text replacement of a fix, in 1-based line/column coordinates and byte offsets.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edit {
    pub path: String,
    pub start_offset: u32,
    pub end_offset: u32,
    pub replacement: String,
}

/// A suggested fix.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Fix {
    pub message: String,
    pub edits: Vec<Edit>,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Diagnostic {
    pub code: String,
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub related: Vec<Related>,
    pub fix: Option<Fix>,
}

/// A file or directory that could not be analysed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct FileError {
    pub path: String,
    pub message: String,
}

/// The result of one `goconc check` run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Report {
    pub version: u32,
    pub tool: String,
    pub files: usize,
    pub packages: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<FileError>,
}

impl Report {
    pub fn new(files: usize, packages: usize) -> Self {
        Report {
            version: 1,
            tool: "goconc".to_string(),
            files,
            packages,
            diagnostics: Vec::new(),
            errors: Vec::new(),
        }
    }

    /// Orders findings by path, position, code and message, and drops exact duplicates.
    pub fn sort(&mut self) {
        self.diagnostics.sort_by(|a, b| {
            (
                &a.path,
                a.line,
                a.column,
                &a.code,
                &a.message,
                a.end_line,
                a.end_column,
            )
                .cmp(&(
                    &b.path,
                    b.line,
                    b.column,
                    &b.code,
                    &b.message,
                    b.end_line,
                    b.end_column,
                ))
        });
        self.diagnostics.dedup();
        self.errors.sort();
        self.errors.dedup();
    }

    /// 0 when clean, 1 when there are findings. I/O errors alone do not make
    /// the run fail with 1: they are reported and the CLI decides.
    pub fn exit_code(&self) -> u8 {
        u8::from(!self.diagnostics.is_empty())
    }

    pub fn write_json(&self, out: &mut dyn Write) -> io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self).map_err(io::Error::other)?;
        writeln!(out)
    }

    /// Human-readable output: one header line per finding (`path:line:col: CODE
    /// message`), its related locations indented under it, then a summary.
    pub fn write_text(&self, out: &mut dyn Write) -> io::Result<()> {
        for diagnostic in &self.diagnostics {
            writeln!(
                out,
                "{}:{}:{}: {} [{}] {}",
                diagnostic.path,
                diagnostic.line,
                diagnostic.column,
                diagnostic.code,
                diagnostic.rule,
                diagnostic.message
            )?;
            for related in &diagnostic.related {
                writeln!(
                    out,
                    "    {}:{}:{}: {}",
                    related.path, related.line, related.column, related.message
                )?;
            }
            if let Some(fix) = &diagnostic.fix {
                writeln!(out, "    fix: {}", fix.message)?;
            }
        }
        for error in &self.errors {
            writeln!(out, "{}: error: {}", error.path, error.message)?;
        }
        writeln!(out, "{}", self.summary())
    }

    pub fn summary(&self) -> String {
        let findings = self.diagnostics.len();
        let mut line = format!(
            "{} {} in {} {} ({} {})",
            findings,
            plural(findings, "finding", "findings"),
            self.files,
            plural(self.files, "file", "files"),
            self.packages,
            plural(self.packages, "package", "packages"),
        );
        if !self.errors.is_empty() {
            line.push_str(&format!(
                "; {} {} could not be read",
                self.errors.len(),
                plural(self.errors.len(), "path", "paths")
            ));
        }
        line
    }
}

fn plural<'a>(count: usize, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 {
        one
    } else {
        many
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, line: u32) -> Diagnostic {
        Diagnostic {
            code: "GC000".into(),
            rule: "syntax-error".into(),
            severity: Severity::Error,
            message: "expected ';', found 'EOF'".into(),
            path: path.into(),
            line,
            column: 7,
            end_line: line,
            end_column: 8,
            related: vec![Related {
                path: path.into(),
                line: 1,
                column: 1,
                message: "here".into(),
            }],
            fix: None,
        }
    }

    #[test]
    fn json_schema_is_stable() {
        let mut report = Report::new(2, 1);
        report.diagnostics.push(finding("b.go", 3));
        report.errors.push(FileError {
            path: "x.go".into(),
            message: "permission denied".into(),
        });
        let value = serde_json::to_value(&report).unwrap();
        let keys: Vec<_> = value.as_object().unwrap().keys().cloned().collect();
        assert_eq!(
            keys,
            [
                "diagnostics",
                "errors",
                "files",
                "packages",
                "tool",
                "version"
            ]
        );
        let diagnostic = &value["diagnostics"][0];
        for key in [
            "code",
            "rule",
            "severity",
            "message",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "related",
            "fix",
        ] {
            assert!(diagnostic.get(key).is_some(), "missing {key}");
        }
        assert_eq!(diagnostic["severity"], "error");
        assert!(diagnostic["fix"].is_null());
        assert_eq!(value["version"], 1);
        assert_eq!(value["tool"], "goconc");
    }

    #[test]
    fn sorting_is_by_position_and_dedups() {
        let mut report = Report::new(2, 1);
        report.diagnostics.push(finding("b.go", 3));
        report.diagnostics.push(finding("a.go", 9));
        report.diagnostics.push(finding("a.go", 2));
        report.diagnostics.push(finding("a.go", 2));
        report.sort();
        let order: Vec<_> = report
            .diagnostics
            .iter()
            .map(|d| (d.path.as_str(), d.line))
            .collect();
        assert_eq!(order, [("a.go", 2), ("a.go", 9), ("b.go", 3)]);
        assert_eq!(report.exit_code(), 1);
    }

    #[test]
    fn text_shows_related_under_finding_and_summary() {
        let mut report = Report::new(1, 1);
        report.diagnostics.push(finding("a.go", 2));
        let mut out = Vec::new();
        report.write_text(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "a.go:2:7: GC000 [syntax-error] expected ';', found 'EOF'\n    a.go:1:1: here\n1 finding in 1 file (1 package)\n"
        );
    }
}
