//! Compares package loading over GOROOT/src with `go list std`.
//!
//! Skipped when `go` is not installed, unless GOCONC_REQUIRE_GO=1.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use goconc_workspace::{load, BuildContext, GoWorkMode, LoadOptions, PackageKind};

/// dir -> (GoFiles+CgoFiles, TestGoFiles, XTestGoFiles), file names sorted.
type Listing = BTreeMap<PathBuf, [Vec<String>; 3]>;

fn go_available() -> bool {
    let available = Command::new("go")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !available {
        if std::env::var("GOCONC_REQUIRE_GO").as_deref() == Ok("1") {
            panic!("go is not installed but GOCONC_REQUIRE_GO=1");
        }
        eprintln!("skipping: go not found");
    }
    available
}

fn go_command(goos: &str, goarch: &str, cgo: bool) -> Command {
    let mut cmd = Command::new("go");
    cmd.env("GOOS", goos)
        .env("GOARCH", goarch)
        .env("CGO_ENABLED", if cgo { "1" } else { "0" })
        .env("GOFLAGS", "")
        .env("GOEXPERIMENT", "")
        .env("GOWORK", "off");
    for var in [
        "GOAMD64",
        "GOARM",
        "GOARM64",
        "GO386",
        "GOMIPS",
        "GOMIPS64",
        "GOPPC64",
        "GORISCV64",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn sorted_words(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    v.sort();
    v
}

fn goroot() -> PathBuf {
    let out = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .unwrap_or_else(|e| panic!("go env GOROOT: {e}"));
    assert!(out.status.success());
    PathBuf::from(String::from_utf8_lossy(&out.stdout).trim())
}

/// `go list` of `pattern` run in `dir`.
fn go_list(mut cmd: Command, dir: &Path, pattern: &str) -> Listing {
    let out = cmd
        .current_dir(dir)
        .args([
            "list",
            "-e",
            "-f",
            "{{.Dir}}|{{join .GoFiles \" \"}} {{join .CgoFiles \" \"}}|{{join .TestGoFiles \" \"}}|{{join .XTestGoFiles \" \"}}",
            pattern,
        ])
        .output()
        .unwrap_or_else(|e| panic!("go list: {e}"));
    assert!(
        out.status.success(),
        "go list failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut listing = Listing::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let parts: Vec<&str> = line.split('|').collect();
        assert_eq!(parts.len(), 4, "{line}");
        listing.insert(
            PathBuf::from(parts[0]),
            [
                sorted_words(parts[1]),
                sorted_words(parts[2]),
                sorted_words(parts[3]),
            ],
        );
    }
    listing
}

/// Loads `module_root/...` for the target and compares with `go list pattern`
/// (GoFiles+CgoFiles, TestGoFiles, XTestGoFiles of every package).
fn compare(module_root: &Path, pattern: &str, goos: &str, goarch: &str, cgo: bool) -> usize {
    let expected = go_list(go_command(goos, goarch, cgo), module_root, pattern);
    let options = LoadOptions {
        context: BuildContext::new(goos, goarch).with_cgo(cgo),
        go_work: GoWorkMode::Off,
        ..LoadOptions::default()
    };
    let ws = load(module_root, &["./..."], &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        ws.errors.is_empty(),
        "{:?}",
        &ws.errors[..ws.errors.len().min(5)]
    );
    let module_path = &ws.modules[0].path;
    let mut actual = Listing::new();
    for pkg in &ws.packages {
        let entry = actual.entry(pkg.dir.clone()).or_default();
        for f in &pkg.files {
            let name = f.path.file_name().unwrap().to_string_lossy().into_owned();
            let slot = match (pkg.kind, f.is_test) {
                (PackageKind::ExternalTest, _) => 2,
                (PackageKind::Regular, true) => 1,
                (PackageKind::Regular, false) => 0,
            };
            entry[slot].push(name);
        }
        if pkg.kind == PackageKind::Regular {
            let rel = pkg
                .dir
                .strip_prefix(module_root)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            let want = match module_path.as_str() {
                "std" => rel,
                path if rel.is_empty() => path.to_string(),
                path => format!("{path}/{rel}"),
            };
            assert_eq!(pkg.import_path, want);
        }
    }
    // `go list std`/`cmd` also list the module's vendor/ packages, which `./...` skips.
    let vendor = module_root.join("vendor");
    let expected: Listing = expected
        .into_iter()
        .filter(|(dir, _)| !dir.starts_with(&vendor))
        .collect();
    if pattern == "std" && !cgo {
        // The `std` pattern (unlike `./...`) omits runtime/cgo when cgo is off.
        actual.remove(&module_root.join("runtime/cgo"));
    }
    let mut mismatches = Vec::new();
    for (dir, want) in &expected {
        match actual.get(dir) {
            Some(got) if got == want => {}
            Some(got) => mismatches.push(format!("{}: got {got:?}, want {want:?}", dir.display())),
            None => mismatches.push(format!("{}: missing", dir.display())),
        }
    }
    for dir in actual.keys() {
        if !expected.contains_key(dir) {
            mismatches.push(format!("{}: not listed by go", dir.display()));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{goos}/{goarch} cgo={cgo}: {} of {} packages differ:\n{}",
        mismatches.len(),
        expected.len(),
        mismatches.join("\n")
    );
    eprintln!(
        "{pattern} {goos}/{goarch} cgo={cgo}: {} packages match go list",
        expected.len()
    );
    expected.len()
}

#[test]
fn std_matches_go_list_linux_amd64_cgo() {
    if !go_available() {
        return;
    }
    let src = goroot().join("src");
    assert!(compare(&src, "std", "linux", "amd64", true) > 300);
}

#[test]
fn std_matches_go_list_other_targets() {
    if !go_available() {
        return;
    }
    let src = goroot().join("src");
    compare(&src, "std", "linux", "amd64", false);
    compare(&src, "std", "windows", "arm64", false);
    compare(&src, "std", "darwin", "arm64", false);
    compare(&src, "std", "js", "wasm", false);
}

#[test]
fn cmd_matches_go_list() {
    if !go_available() {
        return;
    }
    let cmd = goroot().join("src/cmd");
    assert!(compare(&cmd, "cmd", "linux", "amd64", true) > 100);
}

#[test]
fn cmd_is_a_skipped_nested_module_of_std() {
    if !go_available() {
        return;
    }
    let src = goroot().join("src");
    let ws = load(&src, &["./..."], &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ws.skipped_modules, [src.join("cmd")]);
    assert_eq!(ws.modules.len(), 1);
    assert_eq!(ws.modules[0].path, "std");
    // builtin is never matched by patterns, as in the go command.
    assert!(!ws.packages.iter().any(|p| p.import_path == "builtin"));
    let ws = load(&src, &["./builtin"], &LoadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ws.packages.len(), 1);
}
