//! End-to-end tests of the `goconc` binary: exit codes, JSON schema, bad
//! input, determinism, and syntax errors on the Go tree against `gofmt -l`.

use serde_json::Value;
use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn goconc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_goconc"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    goconc()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("goconc runs")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "stdout is not JSON ({err}): {}\nstderr: {}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The Go toolchain's GOROOT, or `None` (test skipped) unless GOCONC_REQUIRE_GO=1.
fn goroot() -> Option<PathBuf> {
    let output = Command::new("go").args(["env", "GOROOT"]).output();
    match output {
        Ok(output) if output.status.success() => Some(PathBuf::from(
            String::from_utf8_lossy(&output.stdout).trim().to_string(),
        )),
        _ => {
            assert!(
                std::env::var("GOCONC_REQUIRE_GO").as_deref() != Ok("1"),
                "GOCONC_REQUIRE_GO=1 but the go toolchain is not available"
            );
            eprintln!("skipping: go toolchain not available");
            None
        }
    }
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, contents).unwrap();
}

#[test]
fn version_and_rules_commands() {
    let output = goconc().arg("version").output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("goconc "));

    let output = goconc()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let rules = json_of(&output);
    let first = &rules[0];
    for key in ["code", "name", "category", "default", "fixable", "summary"] {
        assert!(first.get(key).is_some(), "rules json lacks {key}");
    }
    let output = goconc().args(["rule", "GC000"]).output().unwrap();
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("## What it does"));
    let output = goconc().args(["rule", "GC999"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn example_service_is_clean_of_syntax_errors() {
    let output = run_in(
        &repo_root(),
        &["check", "examples/orderservice/...", "--format", "json"],
    );
    let report = json_of(&output);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"], "goconc");
    assert!(report["files"].as_u64().unwrap() >= 4);
    assert!(report["packages"].as_u64().unwrap() >= 4);
    let syntax: Vec<&Value> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "GC000")
        .collect();
    assert!(syntax.is_empty(), "{syntax:?}");
    assert!(matches!(output.status.code(), Some(0) | Some(1)));
}

fn codes_found(report: &Value) -> BTreeSet<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str().map(str::to_string))
        .collect()
}

/// The bundled example keeps one bug for every rule: each code that
/// `goconc rules` lists (except the syntax diagnostic) is found in it with
/// `--select ALL`, and the default run reports exactly the rules that are
/// on by default.
#[test]
fn example_service_has_a_bug_for_every_rule() {
    let rules = run_in(&repo_root(), &["rules", "--format", "json"]);
    let rules = json_of(&rules);
    let report = run_in(
        &repo_root(),
        &[
            "check",
            "examples/orderservice/...",
            "--format",
            "json",
            "--select",
            "ALL",
        ],
    );
    let found = codes_found(&json_of(&report));
    let missing: Vec<String> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["code"].as_str())
        .filter(|code| *code != "GC000" && !found.contains(*code))
        .map(str::to_string)
        .collect();
    assert!(missing.is_empty(), "no example bug for {missing:?}");

    let default_run = run_in(
        &repo_root(),
        &["check", "examples/orderservice/...", "--format", "json"],
    );
    let found_by_default = codes_found(&json_of(&default_run));
    let expected: BTreeSet<String> = rules
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["default"] == true && r["code"] != "GC000")
        .filter_map(|r| r["code"].as_str().map(str::to_string))
        .collect();
    assert_eq!(found_by_default, expected);
    assert!(
        expected.len() < found.len(),
        "some rule should be off by default"
    );
}

#[test]
fn ignore_directives_hide_the_findings_they_name() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "go.mod", "module example.com/store\n\ngo 1.22\n");
    write(
        dir,
        "store.go",
        "package store\n\nimport \"sync\"\n\ntype Store struct {\n\tmu   sync.Mutex\n\tdata map[string]int\n}\n\n\
func (s *Store) Get(k string) int {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\treturn s.data[k]\n}\n\n\
func (s *Store) Incr(k string) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\ts.data[k] = s.Get(k) + 1\n}\n\n\
func (s *Store) Decr(k string) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\t//goconc:ignore GC201 kept to check the directive\n\ts.data[k] = s.Get(k) - 1\n}\n\n\
func (s *Store) Reset(k string) {\n\ts.mu.Lock()\n\tdefer s.mu.Unlock()\n\ts.data[k] = s.Get(k) * 0 //goconc:ignore GC101 names another rule\n}\n",
    );
    let report = json_of(&run_in(dir, &["check", "--format", "json"]));
    let lines: Vec<u64> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "GC201")
        .filter_map(|d| d["line"].as_u64())
        .collect();
    assert_eq!(lines, vec![19, 32], "{report}");
}

#[test]
fn rule_selection_flags() {
    let dir = repo_root();
    let run = |extra: &[&str]| {
        let mut args = vec!["check", "examples/orderservice/...", "--format", "json"];
        args.extend_from_slice(extra);
        run_in(&dir, &args)
    };
    let only_leaks = codes_found(&json_of(&run(&["--select", "GC1"])));
    assert!(!only_leaks.is_empty());
    assert!(
        only_leaks.iter().all(|code| code.starts_with("GC1")),
        "{only_leaks:?}"
    );
    let by_name = codes_found(&json_of(&run(&["--select", "double-lock,missing-unlock"])));
    assert_eq!(
        by_name,
        BTreeSet::from(["GC201".to_string(), "GC203".to_string()])
    );
    let extended = codes_found(&json_of(&run(&[
        "--extend-select",
        "GC202",
        "--ignore",
        "GC201",
    ])));
    assert!(
        extended.contains("GC202") && !extended.contains("GC201"),
        "{extended:?}"
    );

    let output = run(&["--select", "GC9"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown rule selector \"GC9\""));

    // Ignoring every rule that fires leaves a clean run.
    let output = run(&["--select", "GC000"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        json_of(&output)["diagnostics"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn bad_inputs_are_reported_and_the_rest_is_analysed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write(dir, "go.mod", "module example.com/bad\n\ngo 1.22\n");
    write(
        dir,
        "good/good.go",
        "package good\n\nfunc OK() int { return 1 }\n",
    );
    write(
        dir,
        "broken/broken.go",
        "package broken\n\nfunc F( {\n}\n\nfunc G() {}\n",
    );
    write(
        dir,
        "latin1/latin1.go",
        b"package latin1\n\nvar s = \"caf\xe9\"\n",
    );
    write(dir, "bom/bom.go", b"\xef\xbb\xbfpackage bom\n\nvar X = 1\n");
    write(dir, "nul/nul.go", b"package nul\n\nvar X = 1\x00\n");
    let depth = 10_000;
    let nested = format!(
        "package deep\n\nvar X = {}1{}\n",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    write(dir, "deep/deep.go", nested);
    fs::create_dir_all(dir.join("loop")).unwrap();
    write(dir, "loop/loop.go", "package loop\n");
    symlink(dir.join("loop"), dir.join("loop/again")).unwrap();
    symlink(dir.join("missing.go"), dir.join("good/dangling.go")).unwrap();
    write(dir, "locked/locked.go", "package locked\n");
    fs::set_permissions(dir.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    let running_as_root = fs::read_dir(dir.join("locked")).is_ok();

    let output = run_in(dir, &["check", "--format", "json"]);
    fs::set_permissions(dir.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    let report = json_of(&output);
    assert_eq!(output.status.code(), Some(1), "{report:#}");

    let diagnostics = report["diagnostics"].as_array().unwrap();
    let paths_with_syntax_errors: BTreeSet<&str> = diagnostics
        .iter()
        .filter(|d| d["code"] == "GC000")
        .map(|d| d["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths_with_syntax_errors,
        BTreeSet::from(["broken/broken.go", "latin1/latin1.go", "nul/nul.go"]),
        "{report:#}"
    );
    let broken = diagnostics
        .iter()
        .find(|d| d["path"] == "broken/broken.go")
        .unwrap();
    assert_eq!(broken["line"], 3);
    for key in [
        "end_line",
        "end_column",
        "related",
        "fix",
        "severity",
        "rule",
    ] {
        assert!(broken.get(key).is_some(), "diagnostic lacks {key}");
    }

    let errors: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(
        errors.iter().any(|p| p.contains("dangling.go")),
        "dangling symlink must be an error: {errors:?}"
    );
    if !running_as_root {
        assert!(errors.iter().any(|p| p.contains("locked")), "{errors:?}");
    }
    // good, bom, deep, latin1, nul, broken, loop (+ locked when readable) were all analysed.
    assert!(report["files"].as_u64().unwrap() >= 7, "{report:#}");
}

#[test]
fn huge_generated_file_is_parsed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut source = String::from("package huge\n\nvar table = []int{\n");
    while source.len() < 50 * 1024 * 1024 {
        source.push_str("\t1234567, 2345678, 3456789, 4567890, 5678901, 6789012,\n");
    }
    source.push_str("}\n\nfunc Len() int { return len(table) }\n");
    write(dir, "huge.go", &source);
    let output = run_in(dir, &["check", "--format", "json", "huge.go"]);
    let report = json_of(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert_eq!(report["files"], 1);
}

#[test]
fn usage_errors_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let output = run_in(tmp.path(), &["check", "does/not/exist/..."]);
    assert_eq!(output.status.code(), Some(2));
    let output = run_in(tmp.path(), &["check", "--format", "yaml"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn output_is_identical_across_thread_counts() {
    let Some(goroot) = goroot() else { return };
    let target = goroot.join("src/net");
    let target = target.to_str().unwrap();
    let one = run_in(
        &goroot,
        &["check", "--format", "json", "--threads", "1", target],
    );
    let two = run_in(
        &goroot,
        &["check", "--format", "json", "--threads", "2", target],
    );
    assert!(!one.stdout.is_empty());
    assert_eq!(one.stdout, two.stdout);
}

/// `goconc check $(go env GOROOT)/src` must not crash, and the files it
/// reports syntax errors for must be exactly those `gofmt -l` cannot parse.
/// The default walk skips testdata (where all of the Go tree's broken files
/// live), so the directories holding `gofmt` failures are also named
/// explicitly, which makes goconc analyse them.
#[test]
fn syntax_errors_on_goroot_match_gofmt() {
    let Some(goroot) = goroot() else { return };
    let src = goroot.join("src");
    let output = run_in(&src, &["check", "--format", "json"]);
    assert!(
        matches!(output.status.code(), Some(0) | Some(1)),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json_of(&output);
    assert!(report["files"].as_u64().unwrap() > 2_000);
    let whole_tree = syntax_error_paths(&report);

    let gofmt = Command::new(goroot.join("bin/gofmt"))
        .arg("-l")
        .arg(".")
        .current_dir(&src)
        .output()
        .expect("gofmt runs");
    let gofmt_rejects: BTreeSet<String> = String::from_utf8_lossy(&gofmt.stderr)
        .lines()
        .filter_map(|line| line.split(':').next())
        .map(|path| path.trim_start_matches("./").to_string())
        .collect();
    assert!(!gofmt_rejects.is_empty());
    let outside_testdata: BTreeSet<String> = gofmt_rejects
        .iter()
        .filter(|path| !path.split('/').any(|part| part == "testdata"))
        .cloned()
        .collect();
    assert_eq!(whole_tree, outside_testdata);

    let files: Vec<&str> = gofmt_rejects.iter().map(String::as_str).collect();
    let mut args = vec!["check", "--format", "json"];
    args.extend(files.iter().copied());
    let output = run_in(&src, &args);
    let report = json_of(&output);
    assert_eq!(syntax_error_paths(&report), gofmt_rejects);
}

fn syntax_error_paths(report: &Value) -> BTreeSet<String> {
    report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "GC000")
        .map(|d| d["path"].as_str().unwrap().to_string())
        .collect()
}

/// The leaky example service: its real captured dump and the static rule
/// meet — `goconc dump`, run inside the module, cites GC101 beside the group
/// of goroutines stuck on the line the rule flags.
#[test]
fn dump_cites_static_finding_beside_leaking_group() {
    let service = repo_root().join("examples/leaky-service");
    let output = run_in(&service, &["dump", "captured/after.txt"]);
    assert_eq!(output.status.code(), Some(1), "a leak suspect is expected");
    let text = String::from_utf8_lossy(&output.stdout);
    let suspect = text
        .split("── #")
        .find(|section| section.contains("LEAK SUSPECT"))
        .expect("a leak-suspect section");
    assert!(suspect.contains("chan send"), "{suspect}");
    assert!(
        suspect.contains("static finding GC101 at main.go:33"),
        "{suspect}"
    );

    let output = run_in(&service, &["dump", "--no-static", "captured/after.txt"]);
    assert!(!String::from_utf8_lossy(&output.stdout).contains("static finding"));
}
