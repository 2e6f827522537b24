//! `analysistest`-style fixtures: real Go files under `testdata/<CODE>/`
//! whose expected findings are written as `// want "regexp"` comments on the
//! line that must be reported. A fixture run fails on any missing or
//! unexpected finding, so negative cases (lines without `want`) are checked
//! just as strictly as positive ones.

use crate::{Finding, PackageView, Rule, SourceFile};
use regex::Regex;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One expectation: a regexp that must match a finding on `line` of `path`.
#[derive(Debug)]
pub struct Want {
    pub path: PathBuf,
    pub line: u32,
    pub pattern: Regex,
    matched: bool,
}

/// Loads every `.go` file of `dir` (sorted) as one package.
pub fn load_package(dir: &Path) -> Result<PackageView, String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|err| format!("{}: {err}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "go"))
        .collect();
    paths.sort();
    let mut files = Vec::new();
    for path in paths {
        let source = std::fs::read(&path).map_err(|err| format!("{}: {err}", path.display()))?;
        let file = goconc_syntax::parse_file(source);
        if let Some(error) = file.errors.first() {
            return Err(format!(
                "{}: fixture is not valid Go: {} at offset {}",
                path.display(),
                error.message,
                error.span.start
            ));
        }
        files.push(SourceFile {
            path,
            file: Arc::new(file),
        });
    }
    let import_path = dir
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(PackageView {
        import_path,
        files,
        go_version: (1, 26),
    })
}

/// Extracts the `// want "re" ...` expectations of a package.
pub fn parse_wants(package: &PackageView) -> Result<Vec<Want>, String> {
    let mut wants = Vec::new();
    for source in &package.files {
        for (span, text) in source.file.all_comments() {
            let Some(body) = text.strip_prefix("//") else {
                continue;
            };
            let body = body.trim_start();
            let Some(rest) = body.strip_prefix("want ") else {
                continue;
            };
            let line = source.file.line_index.line_col(span.start).line;
            for raw in split_quoted(rest)
                .map_err(|err| format!("{}:{line}: {err}", source.path.display()))?
            {
                let pattern = Regex::new(&raw).map_err(|err| {
                    format!("{}:{line}: bad want regexp: {err}", source.path.display())
                })?;
                wants.push(Want {
                    path: source.path.clone(),
                    line,
                    pattern,
                    matched: false,
                });
            }
        }
    }
    Ok(wants)
}

/// Splits `"a" "b\"c" `+"`raw`"+` into the unquoted strings.
fn split_quoted(mut rest: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(out);
        }
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, '`')) => {
                let end = rest[1..].find('`').ok_or("unterminated `want` raw string")?;
                out.push(rest[1..1 + end].to_string());
                rest = &rest[end + 2..];
            }
            Some((_, '"')) => {
                let mut value = String::new();
                let mut escaped = false;
                let mut end = None;
                for (index, ch) in chars {
                    if escaped {
                        match ch {
                            'n' => value.push('\n'),
                            't' => value.push('\t'),
                            other => value.push(other),
                        }
                        escaped = false;
                    } else if ch == '\\' {
                        escaped = true;
                    } else if ch == '"' {
                        end = Some(index);
                        break;
                    } else {
                        value.push(ch);
                    }
                }
                let end = end.ok_or("unterminated `want` string")?;
                out.push(value);
                rest = &rest[end + 1..];
            }
            _ => return Err(format!("`want` expects quoted regexps, found {rest:?}")),
        }
    }
}

/// Runs `rule` on the package in `dir` and compares its findings with the
/// `want` comments. Returns a readable list of every mismatch on failure.
pub fn check_fixture_dir(rule: &dyn Rule, dir: &Path) -> Result<FixtureStats, String> {
    let package = load_package(dir)?;
    let mut wants = parse_wants(&package)?;
    let mut findings: Vec<Finding> = Vec::new();
    rule.check(&package, &mut findings);
    let mut problems = String::new();
    for finding in &findings {
        let Some(source) = package.files.get(finding.file.0) else {
            let _ = writeln!(problems, "finding in unknown file: {finding:?}");
            continue;
        };
        let line = source.file.line_index.line_col(finding.span.start).line;
        let matched = wants.iter_mut().find(|want| {
            !want.matched
                && want.line == line
                && want.path == source.path
                && want.pattern.is_match(&finding.message)
        });
        match matched {
            Some(want) => want.matched = true,
            None => {
                let _ = writeln!(
                    problems,
                    "{}:{line}: unexpected {}: {}",
                    source.path.display(),
                    finding.code,
                    finding.message
                );
            }
        }
        if finding.code != rule.meta().code {
            let _ = writeln!(
                problems,
                "{}:{line}: finding has code {} but the rule is {}",
                source.path.display(),
                finding.code,
                rule.meta().code
            );
        }
    }
    for want in wants.iter().filter(|want| !want.matched) {
        let _ = writeln!(
            problems,
            "{}:{}: missing finding matching {:?}",
            want.path.display(),
            want.line,
            want.pattern.as_str()
        );
    }
    if problems.is_empty() {
        Ok(FixtureStats {
            files: package.files.len(),
            findings: findings.len(),
        })
    } else {
        Err(problems)
    }
}

/// What a successful fixture run covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixtureStats {
    pub files: usize,
    pub findings: usize,
}

/// The fixture directory of a rule: `crates/goconc_rules/testdata/<code>`.
pub fn fixture_dir(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_quoted_wants() {
        assert_eq!(
            split_quoted(r#""a b" `c\d` "e\"f""#).unwrap(),
            vec!["a b".to_string(), "c\\d".to_string(), "e\"f".to_string()]
        );
        assert!(split_quoted("nope").is_err());
        assert!(split_quoted("\"open").is_err());
    }
}
