//! `analysistest`-style fixtures: real Go files under `testdata/<CODE>/`
//! whose expected findings are written as `// want "regexp"` comments on the
//! line that must be reported. A fixture run fails on any missing or
//! unexpected finding, so negative cases (lines without `want`) are checked
//! just as strictly as positive ones. `// related "regexp"` marks a line
//! that must appear as a related location (with a matching message) of some
//! finding, e.g. the other edges of a reported lock-order cycle.

use crate::{Finding, Rule, RuleContext};
use goconc_semantic::loader::Loader;
use goconc_semantic::package::PackageInput;
use goconc_semantic::program::PackageModel;
use goconc_semantic::{Modelled, Program};
use goconc_workspace::LoadOptions;
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
    /// `// related "re"`: a related location, not a finding.
    pub related: bool,
    matched: bool,
}

/// A fixture package loaded with the real pipeline: workspace loader,
/// parser, semantic model (dependencies from GOROOT and the module cache, or
/// the embedded stubs).
pub struct LoadedFixture {
    pub program: Program,
    /// Index of the fixture package in `program.packages`.
    pub package: u32,
}

/// Loads the package in `dir` (a directory of the fixture module under
/// `testdata/`) and builds its semantic model, the way `goconc check` does.
pub fn load_fixture(dir: &Path) -> Result<LoadedFixture, String> {
    load_fixture_with(dir, Modelled::Demanded)
}

/// [`load_fixture`] with a choice of which functions are modelled.
pub fn load_fixture_with(dir: &Path, modelled: Modelled) -> Result<LoadedFixture, String> {
    let workspace = goconc_workspace::load(dir, &["."], &LoadOptions::default())
        .map_err(|err| format!("{}: {err}", dir.display()))?;
    if let Some(error) = workspace.errors.first() {
        return Err(error.to_string());
    }
    let mut inputs = Vec::new();
    for package in &workspace.packages {
        let mut files = Vec::new();
        for source in &package.files {
            let bytes = std::fs::read(&source.path)
                .map_err(|err| format!("{}: {err}", source.path.display()))?;
            let file = goconc_syntax::parse_file(bytes);
            if let Some(error) = file.errors.first() {
                let at = file.line_index.line_col(error.span.start);
                return Err(format!(
                    "{}:{}:{}: fixture is not valid Go: {}",
                    source.path.display(),
                    at.line,
                    at.column,
                    error.message
                ));
            }
            files.push((source.path.clone(), Arc::new(file)));
        }
        inputs.push(PackageInput {
            import_path: package.import_path.clone(),
            dir: package.dir.clone(),
            name: package.name.clone(),
            files,
            go_version: (package.go_version.major, package.go_version.minor),
        });
    }
    let wanted = inputs
        .iter()
        .find(|input| input.dir == dir || input.dir.ends_with(dir))
        .map(|input| input.import_path.clone())
        .ok_or_else(|| format!("{}: no Go package found", dir.display()))?;
    let env = crate::driver::go_env_for(&workspace.modules);
    let program = Program::build_with(inputs, Arc::new(Loader::new(env)), modelled);
    let package = program
        .packages
        .iter()
        .position(|model| &*model.pkg.path == wanted.as_str())
        .ok_or_else(|| format!("package {wanted} missing from the program"))?;
    Ok(LoadedFixture {
        program,
        package: package as u32,
    })
}

/// Extracts the `// want "re" ...` expectations of a package.
pub fn parse_wants(model: &PackageModel) -> Result<Vec<Want>, String> {
    let mut wants = Vec::new();
    for source in &model.pkg.files {
        for (span, text) in source.ast.all_comments() {
            let Some(body) = text.strip_prefix("//") else {
                continue;
            };
            let body = body.trim_start();
            let (rest, related) = match body.strip_prefix("want ") {
                Some(rest) => (rest, false),
                None => match body.strip_prefix("related ") {
                    Some(rest) => (rest, true),
                    None => continue,
                },
            };
            let line = source.ast.line_index.line_col(span.start).line;
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
                    related,
                    matched: false,
                });
            }
        }
    }
    Ok(wants)
}

/// Number of `// ok: ...` markers (documented negative cases) in a package.
pub fn count_ok_markers(model: &PackageModel) -> usize {
    model
        .pkg
        .files
        .iter()
        .flat_map(|source| {
            source
                .ast
                .all_comments()
                .map(|(_, text)| text.to_string())
                .collect::<Vec<_>>()
        })
        .filter(|text| {
            text.strip_prefix("//")
                .is_some_and(|t| t.trim_start().starts_with("ok:"))
        })
        .count()
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
                let end = rest[1..]
                    .find('`')
                    .ok_or("unterminated `want` raw string")?;
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
    let fixture = load_fixture(dir)?;
    let model = fixture
        .program
        .packages
        .get(fixture.package as usize)
        .ok_or("fixture package missing")?;
    let mut wants = parse_wants(model)?;
    let mut findings: Vec<Finding> = Vec::new();
    rule.check(
        &RuleContext::new(&fixture.program, fixture.package),
        &mut findings,
    );
    let mut problems = String::new();
    // The demand-driven model must not change what a rule finds.
    let full = load_fixture_with(dir, Modelled::All)?;
    let mut full_findings: Vec<Finding> = Vec::new();
    rule.check(
        &RuleContext::new(&full.program, full.package),
        &mut full_findings,
    );
    if full_findings != findings {
        let _ = writeln!(
            problems,
            "findings differ between the demand-driven model and the full model:\n  demand: {findings:#?}\n  full: {full_findings:#?}"
        );
    }
    for finding in &findings {
        let Some(source) = model.pkg.files.get(finding.file.0) else {
            let _ = writeln!(problems, "finding in unknown file: {finding:?}");
            continue;
        };
        let line = source.ast.line_index.line_col(finding.span.start).line;
        let matched = wants.iter_mut().find(|want| {
            !want.matched
                && !want.related
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
        for related in &finding.related {
            let Some(related_source) = model.pkg.files.get(related.file.0) else {
                let _ = writeln!(
                    problems,
                    "{}:{line}: related location in unknown file",
                    source.path.display()
                );
                continue;
            };
            let related_line = related_source
                .ast
                .line_index
                .line_col(related.span.start)
                .line;
            for want in wants.iter_mut().filter(|want| {
                want.related
                    && want.line == related_line
                    && want.path == related_source.path
                    && want.pattern.is_match(&related.message)
            }) {
                want.matched = true;
            }
        }
    }
    for want in wants.iter().filter(|want| !want.matched) {
        let _ = writeln!(
            problems,
            "{}:{}: missing {} matching {:?}",
            want.path.display(),
            want.line,
            if want.related {
                "related location"
            } else {
                "finding"
            },
            want.pattern.as_str()
        );
    }
    if problems.is_empty() {
        Ok(FixtureStats {
            files: model.pkg.files.len(),
            findings: findings.len(),
            negatives: count_ok_markers(model),
        })
    } else {
        Err(problems)
    }
}

/// What a successful fixture run covered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FixtureStats {
    pub files: usize,
    /// Positive cases: findings, each matched by a `want`.
    pub findings: usize,
    /// Negative cases: `// ok:` markers, none of which was reported.
    pub negatives: usize,
}

/// Runs `rule` alone on one in-memory Go file of package
/// `example.com/app` (embedded dependency stubs only): for unit tests that
/// look at a finding's exact message and related locations.
pub fn check_source(rule: &dyn Rule, src: &str) -> Vec<Finding> {
    let program = goconc_semantic::Program::from_sources(
        &[("example.com/app", &[("a.go", src)])],
        goconc_semantic::loader::GoEnv::embedded_only(),
    );
    let mut findings = Vec::new();
    rule.check(&RuleContext::new(&program, 0), &mut findings);
    findings
}

/// Checks a rule against its fixtures and the acceptance minimum of positive
/// and negative cases; panics with the full mismatch list otherwise. Every
/// rule file's tests call this. Without a Go installation the semantic
/// model falls back to its embedded stubs of `sync`, `context`, ... so the
/// fixtures run either way.
pub fn assert_rule_fixtures(rule: &dyn Rule) {
    let code = rule.meta().code;
    match check_fixture_dir(rule, &fixture_dir(code)) {
        Ok(stats) => {
            assert!(
                stats.findings >= 6,
                "{code}: only {} positive cases",
                stats.findings
            );
            assert!(
                stats.negatives >= 6,
                "{code}: only {} negative cases",
                stats.negatives
            );
        }
        Err(problems) => panic!("{code} fixtures failed:\n{problems}"),
    }
}

/// The fixture directory of a rule: `crates/goconc_rules/testdata/<code>`.
pub fn fixture_dir(code: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(code)
}

#[cfg(test)]
mod tests {
    /// The fixtures are real Go: the whole fixture module type-checks with
    /// `go build` (skipped without a Go toolchain unless GOCONC_REQUIRE_GO=1).
    #[test]
    fn fixtures_are_valid_go() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
        let output = std::process::Command::new("go")
            .args(["build", "./..."])
            .current_dir(&dir)
            .env("GOFLAGS", "-mod=mod")
            .output();
        match output {
            Ok(output) => assert!(
                output.status.success(),
                "go build ./... in {} failed:\n{}",
                dir.display(),
                String::from_utf8_lossy(&output.stderr)
            ),
            Err(err) => {
                assert!(
                    std::env::var("GOCONC_REQUIRE_GO").as_deref() != Ok("1"),
                    "GOCONC_REQUIRE_GO=1 but go could not run: {err}"
                );
                eprintln!("skipping: go toolchain not available ({err})");
            }
        }
    }

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
