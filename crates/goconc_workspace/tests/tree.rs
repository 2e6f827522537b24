//! Integration tests over temporary directory trees.

use std::fs;
use std::path::{Path, PathBuf};

use goconc_workspace::{
    load, ArgumentErrorKind, BuildContext, ExclusionReason, GoVersion, GoWorkMode, LoadError,
    LoadOptions, PackageKind, PathErrorKind, Workspace,
};

fn write(root: &Path, rel: &str, content: &str) {
    let path = root.join(rel);
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).unwrap();
    }
    fs::write(path, content).unwrap();
}

fn options() -> LoadOptions {
    LoadOptions {
        context: BuildContext::new("linux", "amd64").with_cgo(true),
        go_work: GoWorkMode::Off,
        ..LoadOptions::default()
    }
}

fn load_ok(base: &Path, args: &[&str], opts: &LoadOptions) -> Workspace {
    match load(base, args, opts) {
        Ok(ws) => ws,
        Err(e) => panic!("load failed: {e}"),
    }
}

/// `import_path name [files]` lines for compact assertions.
fn summary(ws: &Workspace) -> Vec<String> {
    ws.packages
        .iter()
        .map(|p| {
            let files: Vec<String> = p
                .files
                .iter()
                .map(|f| f.path.file_name().unwrap().to_string_lossy().into_owned())
                .collect();
            format!("{} {} [{}]", p.import_path, p.name, files.join(" "))
        })
        .collect()
}

fn rel_paths(base: &Path, paths: impl IntoIterator<Item = PathBuf>) -> Vec<String> {
    paths
        .into_iter()
        .map(|p| {
            p.strip_prefix(base)
                .unwrap_or(&p)
                .to_string_lossy()
                .into_owned()
        })
        .collect()
}

fn module_tree() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "go.mod", "module example.com/m\n\ngo 1.21\n");
    write(
        r,
        "main.go",
        "package main\n\nimport \"example.com/m/pkg\"\n\nfunc main() { pkg.F() }\n",
    );
    write(
        r,
        "pkg/pkg.go",
        "// Package pkg.\npackage pkg\n\nfunc F() {}\n",
    );
    write(
        r,
        "pkg/pkg_test.go",
        "package pkg\n\nimport \"testing\"\n\nfunc TestF(t *testing.T) {}\n",
    );
    write(
        r,
        "pkg/ext_test.go",
        "package pkg_test\n\nimport \"testing\"\n\nfunc TestX(t *testing.T) {}\n",
    );
    write(r, "pkg/sys_windows.go", "package pkg\n");
    write(r, "pkg/sys_linux.go", "package pkg\n");
    write(r, "pkg/linux.go", "package pkg\n");
    write(r, "pkg/foo_linux_test.go", "package pkg\n");
    write(r, "pkg/foo_darwin_test.go", "package pkg\n");
    write(
        r,
        "pkg/tagged.go",
        "//go:build integration\n\npackage pkg\n",
    );
    write(r, "pkg/old.go", "// +build windows\n\npackage pkg\n");
    write(r, "pkg/_hidden.go", "package pkg\n");
    write(r, "pkg/.dot.go", "package pkg\n");
    write(r, "pkg/doc.go", "package documentation\n");
    write(r, "pkg/notes.txt", "not go\n");
    write(r, "vendor/v/v.go", "package v\n");
    write(r, "pkg/testdata/t.go", "package t\n");
    write(r, "_tools/t.go", "package t\n");
    write(r, ".git/x.go", "package x\n");
    write(r, "nested/go.mod", "module example.com/nested\n\ngo 1.23\n");
    write(r, "nested/n.go", "package nested\n");
    write(r, "bom/bom.go", "\u{feff}// comment\npackage bom\n");
    tmp
}

#[test]
fn module_tree_default_walk() {
    let tmp = module_tree();
    let r = tmp.path();
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(
        summary(&ws),
        [
            "example.com/m main [main.go]",
            "example.com/m/bom bom [bom.go]",
            "example.com/m/pkg pkg [foo_linux_test.go linux.go pkg.go pkg_test.go sys_linux.go]",
            "example.com/m/pkg_test pkg_test [ext_test.go]",
        ]
    );
    assert_eq!(ws.modules.len(), 1);
    assert_eq!(ws.modules[0].path, "example.com/m");
    assert_eq!(ws.modules[0].go_version, GoVersion::new(1, 21, 0));
    assert!(ws
        .packages
        .iter()
        .all(|p| p.go_version == GoVersion::new(1, 21, 0)));
    assert!(!ws.packages[0].go_version.has_per_iteration_loop_vars());
    assert_eq!(rel_paths(r, ws.skipped_modules.clone()), ["nested"]);
    assert!(ws.errors.is_empty(), "{:?}", ws.errors);

    let pkg = &ws.packages[2];
    assert_eq!(pkg.kind, PackageKind::Regular);
    assert_eq!(pkg.go_files().count(), 3);
    assert_eq!(pkg.test_files().count(), 2);
    assert_eq!(ws.packages[3].kind, PackageKind::ExternalTest);
    assert_eq!(ws.packages[0].files[0].imports, ["example.com/m/pkg"]);

    let excluded: Vec<(String, String)> = ws
        .excluded
        .iter()
        .map(|e| {
            (
                e.path
                    .strip_prefix(r)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                e.reason.to_string(),
            )
        })
        .collect();
    let reason_of = |name: &str| {
        excluded
            .iter()
            .find(|(p, _)| p == name)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{name} not excluded: {excluded:?}"))
    };
    assert!(reason_of("pkg/sys_windows.go").contains("_windows"));
    assert!(reason_of("pkg/foo_darwin_test.go").contains("_darwin"));
    assert!(reason_of("pkg/tagged.go").contains("//go:build integration"));
    assert!(reason_of("pkg/old.go").contains("+build windows"));
    assert!(reason_of("pkg/_hidden.go").contains("'_'"));
    assert!(reason_of("pkg/.dot.go").contains("'_'"));
    assert_eq!(reason_of("pkg/doc.go"), "package documentation");
    // Skipped directories are not even scanned.
    assert!(!excluded.iter().any(|(p, _)| p.starts_with("vendor")
        || p.contains("testdata")
        || p.starts_with("_tools")
        || p.starts_with(".git")));

    // Tags switch files in.
    let mut tagged = options();
    tagged.context = tagged.context.with_tags(["integration"]);
    let ws = load_ok(r, &["./pkg"], &tagged);
    assert!(summary(&ws)[0].contains("tagged.go"));
    // Another target.
    let mut windows = options();
    windows.context = BuildContext::new("windows", "amd64");
    let ws = load_ok(r, &["./pkg/..."], &windows);
    assert_eq!(
        summary(&ws)[0],
        "example.com/m/pkg pkg [linux.go old.go pkg.go pkg_test.go sys_windows.go]"
    );
}

#[test]
fn explicit_directories_and_files() {
    let tmp = module_tree();
    let r = tmp.path();
    // Explicitly named skip-listed directories are used.
    let ws = load_ok(r, &["./pkg/testdata", "_tools/...", "vendor"], &options());
    assert_eq!(
        summary(&ws),
        [
            "example.com/m/_tools t [t.go]",
            "example.com/m/pkg/testdata t [t.go]",
            "example.com/m/vendor/v v [v.go]",
        ]
    );
    // A nested module named explicitly is its own module.
    let ws = load_ok(r, &["nested"], &options());
    assert_eq!(summary(&ws), ["example.com/nested nested [n.go]"]);
    assert_eq!(ws.packages[0].go_version, GoVersion::new(1, 23, 0));
    assert!(ws.packages[0].go_version.has_per_iteration_loop_vars());
    // Files named explicitly bypass constraints; duplicates collapse.
    let ws = load_ok(
        r,
        &[
            "pkg/tagged.go",
            "./pkg/tagged.go",
            "pkg/pkg.go",
            "pkg/sys_windows.go",
        ],
        &options(),
    );
    assert_eq!(
        summary(&ws),
        ["example.com/m/pkg pkg [pkg.go sys_windows.go tagged.go]"]
    );
    assert!(ws.packages[0].files.iter().all(|f| f.explicit));
    // A pattern plus a file in the same directory: one package.
    let ws = load_ok(r, &["./pkg/...", "pkg/tagged.go"], &options());
    let s = summary(&ws);
    assert_eq!(s.len(), 2);
    assert!(s[0].contains("tagged.go") && s[0].contains("sys_linux.go"));
    // Several arguments overlap: each directory appears once.
    let ws = load_ok(r, &["./...", ".", "./pkg", "pkg/..."], &options());
    assert_eq!(ws.packages.len(), 4);
    assert_eq!(ws.files().len(), 8);
}

#[test]
fn patterns_with_inner_wildcards() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "go.mod", "module m\n");
    for d in ["a/x/c", "a/y/c", "a/y/cd", "a/c", "b/c"] {
        write(r, &format!("{d}/f.go"), "package p\n");
    }
    let ws = load_ok(r, &["./a/.../c"], &options());
    let paths: Vec<&str> = ws.packages.iter().map(|p| p.import_path.as_str()).collect();
    assert_eq!(paths, ["m/a/x/c", "m/a/y/c"]);
    let ws = load_ok(r, &["./a/..."], &options());
    assert_eq!(ws.packages.len(), 4);
    let ws = load_ok(r, &["a/x..."], &options());
    let paths: Vec<&str> = ws.packages.iter().map(|p| p.import_path.as_str()).collect();
    assert_eq!(paths, ["m/a/x/c"]);
    // Missing go directive: 1.16.
    assert_eq!(ws.packages[0].go_version, GoVersion::new(1, 16, 0));
}

#[test]
fn bad_arguments_are_typed_errors() {
    let tmp = module_tree();
    let r = tmp.path();
    let err = load(
        r,
        &[
            "./missing/...",
            "nope.go",
            "pkg/notes.txt",
            "main.go/...",
            "pkg",
        ],
        &options(),
    )
    .unwrap_err();
    let LoadError::Arguments(errors) = err else {
        panic!("wrong error: {err}");
    };
    let kinds: Vec<(&str, &ArgumentErrorKind)> = errors
        .iter()
        .map(|e| (e.argument.as_str(), &e.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("./missing/...", &ArgumentErrorKind::NotFound),
            ("nope.go", &ArgumentErrorKind::NotFound),
            ("pkg/notes.txt", &ArgumentErrorKind::NotGoFile),
            ("main.go/...", &ArgumentErrorKind::NotADirectory),
        ]
    );
}

#[test]
fn tree_without_go_mod() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "a.go", "package main\n");
    write(r, "lib/l.go", "package lib\n");
    write(r, "lib/l_test.go", "package lib_test\n");
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(
        summary(&ws),
        [
            ". main [a.go]",
            "lib lib [l.go]",
            "lib_test lib_test [l_test.go]"
        ]
    );
    assert!(ws.modules.is_empty());
    assert!(ws
        .packages
        .iter()
        .all(|p| p.module.is_none() && p.go_version == GoVersion::CURRENT));
}

#[test]
fn several_modules_without_go_work() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "one/go.mod", "module example.com/one\ngo 1.21\n");
    write(r, "one/o.go", "package one\n");
    write(r, "one/inner/go.mod", "module example.com/inner\ngo 1.24\n");
    write(r, "one/inner/i.go", "package inner\n");
    write(r, "two/go.mod", "module example.com/two\ngo 1.22\n");
    write(r, "two/sub/t.go", "package sub\n");
    write(r, "loose/l.go", "package loose\n");
    let ws = load_ok(r, &["./..."], &options());
    let got: Vec<String> = ws
        .packages
        .iter()
        .map(|p| format!("{} {}", p.import_path, p.go_version))
        .collect();
    assert_eq!(
        got,
        [
            "loose 1.26",
            "example.com/one 1.21",
            "example.com/inner 1.24",
            "example.com/two/sub 1.22",
        ]
    );
    assert_eq!(ws.modules.len(), 3);
    assert!(ws.skipped_modules.is_empty());
    // Starting inside module one, its nested module is skipped...
    let ws = load_ok(&r.join("one"), &[] as &[&str], &options());
    assert_eq!(summary(&ws), ["example.com/one one [o.go]"]);
    assert_eq!(ws.skipped_modules, [r.join("one/inner")]);
    // ...unless asked for.
    let mut opts = options();
    opts.include_nested_modules = true;
    let ws = load_ok(&r.join("one"), &[] as &[&str], &opts);
    assert_eq!(ws.packages.len(), 2);
}

#[test]
fn go_work_lists_modules() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(
        r,
        "go.work",
        "go 1.23\n\nuse (\n\t. // root\n\t./tools\n)\n",
    );
    write(r, "go.mod", "module example.com/root\ngo 1.22\n");
    write(r, "r.go", "package root\n");
    write(r, "tools/go.mod", "module example.com/tools\ngo 1.24\n");
    write(r, "tools/t.go", "package tools\n");
    write(r, "other/go.mod", "module example.com/other\n");
    write(r, "other/o.go", "package other\n");
    let mut opts = options();
    opts.go_work = GoWorkMode::Auto;
    let ws = load_ok(&r.join("tools"), &[".."], &opts);
    let work = ws.go_work.as_ref().expect("go.work found");
    assert_eq!(work.path, r.join("go.work"));
    assert_eq!(work.parsed.uses.len(), 2);
    assert_eq!(
        summary(&ws),
        [
            "example.com/root root [r.go]",
            "example.com/tools tools [t.go]"
        ]
    );
    assert_eq!(ws.skipped_modules, [r.join("other")]);
    let tools = ws.module_of(&ws.packages[1]).unwrap();
    assert!(tools.in_go_work);
    assert_eq!(tools.go_version, GoVersion::new(1, 24, 0));
    // GOWORK=off: back to module mode.
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(summary(&ws), ["example.com/root root [r.go]"]);
}

#[test]
fn broken_module_files_are_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "go.mod", "module a\nrequire (\n");
    write(r, "x/x.go", "package x\n");
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(summary(&ws), ["x x [x.go]"]);
    assert!(matches!(ws.errors[0].kind, PathErrorKind::BadGoMod(_)));
    assert_eq!(ws.packages[0].go_version, GoVersion::CURRENT);
}

#[test]
fn per_file_problems_do_not_stop_loading() {
    let tmp = module_tree();
    let r = tmp.path();
    write(r, "bad/nopkg.go", "// only a comment\nfunc main() {}\n");
    write(
        r,
        "bad/twobuild.go",
        "//go:build linux\n//go:build amd64\n\npackage bad\n",
    );
    write(r, "bad/badexpr.go", "//go:build linux &&\n\npackage bad\n");
    write(r, "bad/nul.go", "package bad\x00\n");
    write(r, "bad/ok.go", "package bad\n");
    write(r, "bad/other.go", "package other\n");
    write(
        r,
        "bad/big.go",
        &format!("package bad\n//{}\n", "x".repeat(200)),
    );
    let mut opts = options();
    opts.max_file_size = 100;
    let ws = load_ok(r, &["./bad"], &opts);
    assert_eq!(
        summary(&ws),
        [
            "example.com/m/bad bad [ok.go]",
            "example.com/m/bad other [other.go]"
        ]
    );
    let errors: Vec<String> = ws
        .errors
        .iter()
        .map(|e| format!("{} {}", e.path.strip_prefix(r).unwrap().display(), e.kind))
        .collect();
    assert_eq!(errors.len(), 6, "{errors:#?}");
    assert!(errors[0].starts_with("bad found packages bad, other"));
    assert!(errors[1].starts_with("bad/badexpr.go invalid build constraint"));
    assert!(errors[2].starts_with("bad/big.go file too large"));
    assert!(errors[3].starts_with("bad/nopkg.go cannot read package clause"));
    assert!(errors[4].contains("NUL"));
    assert!(errors[5].contains("multiple //go:build"));
}

#[test]
fn long_headers_are_read_fully() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    let license: String = (0..400).map(|i| format!("// license line {i}\n")).collect();
    write(
        r,
        "long.go",
        &format!("{license}\n//go:build windows\n\npackage p\n"),
    );
    let imports: String = (0..600)
        .map(|i| format!("\t\"example.com/p{i}\"\n"))
        .collect();
    write(
        r,
        "imports.go",
        &format!("package p\n\nimport (\n{imports}\t\"C\"\n)\n"),
    );
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(summary(&ws), [". p [imports.go]"]);
    assert!(matches!(
        ws.excluded[0].reason,
        ExclusionReason::BuildConstraint { .. }
    ));
    let f = &ws.packages[0].files[0];
    assert_eq!(f.imports.len(), 601);
    assert!(f.uses_cgo);
    let mut no_cgo = options();
    no_cgo.context = no_cgo.context.with_cgo(false);
    let ws = load_ok(r, &[] as &[&str], &no_cgo);
    assert!(ws.packages.is_empty());
    assert!(ws
        .excluded
        .iter()
        .any(|e| e.reason == ExclusionReason::CgoDisabled));
}

#[test]
fn mismatched_test_package_names() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    // Only test files: "foo" tests plus external "foo_test".
    write(r, "t/a_test.go", "package foo\n");
    write(r, "t/b_test.go", "package foo_test\n");
    // A non-test file named like an xtest keeps its test files in-package.
    write(r, "u/u.go", "package u_test\n");
    write(r, "u/u_test.go", "package u_test\n");
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(
        summary(&ws),
        [
            "t foo [a_test.go]",
            "t_test foo_test [b_test.go]",
            "u u_test [u.go u_test.go]",
        ]
    );
    assert!(ws.errors.is_empty());
}

#[cfg(unix)]
#[test]
fn symlinks_are_not_followed_for_directories() {
    use std::os::unix::fs::symlink;
    let tmp = module_tree();
    let r = tmp.path();
    symlink(r, r.join("pkg/loop")).unwrap();
    symlink(r.join("pkg"), r.join("pkglink")).unwrap();
    symlink(r.join("main.go"), r.join("bom/linked.go")).unwrap();
    symlink(r.join("missing.go"), r.join("bom/dangling.go")).unwrap();
    let ws = load_ok(r, &[] as &[&str], &options());
    assert_eq!(
        summary(&ws),
        [
            "example.com/m main [main.go]",
            "example.com/m/bom bom [bom.go]",
            "example.com/m/bom main [linked.go]",
            "example.com/m/pkg pkg [foo_linux_test.go linux.go pkg.go pkg_test.go sys_linux.go]",
            "example.com/m/pkg_test pkg_test [ext_test.go]",
        ]
    );
    assert_eq!(
        rel_paths(r, ws.ignored_dir_symlinks.clone()),
        ["pkg/loop", "pkglink"]
    );
    let errors: Vec<String> = ws.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].contains("found packages bom, main"));
    assert!(errors[1].contains("dangling.go"));
    // A symlinked root is followed, and dedups with the real directory.
    let ws = load_ok(r, &["./pkglink", "./pkg"], &options());
    assert_eq!(ws.packages.len(), 2);
}

#[cfg(unix)]
#[test]
fn unreadable_and_special_files() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = module_tree();
    let r = tmp.path();
    write(r, "locked/l.go", "package locked\n");
    write(r, "locked/sub/s.go", "package sub\n");
    write(r, "secret/s.go", "package secret\n");
    fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(r.join("secret/s.go"), fs::Permissions::from_mode(0o000)).unwrap();
    // A FIFO named like a Go file must not be opened (it would block).
    let fifo = r.join("pkg/fifo.go");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    let have_fifo = status.is_ok_and(|s| s.success());
    // Root ignores permission bits: detect it by trying to read.
    let privileged = fs::read_dir(r.join("locked")).is_ok();

    let ws = load_ok(r, &[] as &[&str], &options());
    fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    let errors: Vec<String> = ws
        .errors
        .iter()
        .map(|e| {
            e.path
                .strip_prefix(r)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    let imports: Vec<&str> = ws.packages.iter().map(|p| p.import_path.as_str()).collect();
    if privileged {
        assert!(imports.contains(&"example.com/m/locked"));
        assert!(imports.contains(&"example.com/m/locked/sub"));
        assert!(imports.contains(&"example.com/m/secret"));
    } else {
        assert!(errors.contains(&"locked".to_string()), "{errors:?}");
        assert!(errors.contains(&"secret/s.go".to_string()), "{errors:?}");
        assert!(!imports.contains(&"example.com/m/locked"));
    }
    if have_fifo {
        assert!(errors.contains(&"pkg/fifo.go".to_string()), "{errors:?}");
        assert!(ws
            .errors
            .iter()
            .any(|e| e.kind == PathErrorKind::NotRegularFile));
    }
    // The rest still loads.
    assert!(imports.contains(&"example.com/m/pkg"));
}

/// Checks permission errors for real even when the suite runs as root (where
/// permission bits are not enforced): the test re-runs itself as `nobody` via
/// setpriv when possible.
#[cfg(unix)]
#[test]
fn permission_errors_unprivileged() {
    use std::os::unix::fs::PermissionsExt;
    const CHILD_ENV: &str = "GOCONC_WORKSPACE_UNPRIVILEGED_TREE";
    if let Ok(tree) = std::env::var(CHILD_ENV) {
        // Child: running unprivileged on the tree prepared by the parent.
        let r = Path::new(&tree);
        assert!(fs::read_dir(r.join("locked")).is_err(), "still privileged");
        let ws = load_ok(r, &[] as &[&str], &options());
        let errors: Vec<String> = ws
            .errors
            .iter()
            .map(|e| {
                e.path
                    .strip_prefix(r)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(errors, ["locked", "secret/s.go"]);
        assert!(matches!(ws.errors[0].kind, PathErrorKind::Io(_)));
        assert_eq!(summary(&ws), ["example.com/m/open open [o.go]"]);
        return;
    }
    let privileged = std::process::Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !privileged {
        // Not root: the permission checks apply directly.
        let tmp = tempfile::tempdir().unwrap();
        let r = tmp.path();
        write(r, "go.mod", "module example.com/m\n");
        write(r, "locked/l.go", "package locked\n");
        fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
        let ws = load_ok(r, &[] as &[&str], &options());
        fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(ws.errors.len(), 1);
        assert_eq!(ws.errors[0].path, r.join("locked"));
        return;
    }
    let setpriv_works = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !setpriv_works {
        eprintln!("skipping: running as root and setpriv is unavailable");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "go.mod", "module example.com/m\n");
    write(r, "open/o.go", "package open\n");
    write(r, "locked/l.go", "package locked\n");
    write(r, "secret/s.go", "package secret\n");
    for dir in [r, &r.join("open"), &r.join("secret")] {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
    }
    fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    fs::set_permissions(r.join("secret/s.go"), fs::Permissions::from_mode(0o000)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(&exe)
        .args(["--exact", "permission_errors_unprivileged", "--nocapture"])
        .env(CHILD_ENV, r)
        .output()
        .unwrap();
    fs::set_permissions(r.join("locked"), fs::Permissions::from_mode(0o755)).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "unprivileged child failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn output_is_deterministic() {
    let tmp = module_tree();
    let a = load_ok(tmp.path(), &["./..."], &options());
    let b = load_ok(tmp.path(), &["./pkg", "./bom", "."], &options());
    assert_eq!(summary(&a), summary(&b));
    assert_eq!(a.excluded, b.excluded);
}

#[test]
fn discovery_and_import_resolution() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(
        r,
        "go.work",
        "go 1.23\nuse ./app\nreplace example.com/w => ./wlib\n",
    );
    write(
        r,
        "app/go.mod",
        "module example.com/app\ngo 1.22\nrequire example.com/lib v1.0.0\nreplace example.com/lib => ../lib\n",
    );
    write(r, "app/cmd/main.go", "package main\n");
    write(r, "app/internal/x/x.go", "package x\n");
    write(r, "lib/sub/s.go", "package sub\n");
    write(r, "wlib/w.go", "package w\n");

    let d = goconc_workspace::discover(&r.join("app/cmd"));
    assert_eq!(d.go_work.as_deref(), Some(r.join("go.work").as_path()));
    assert_eq!(d.go_mod.as_deref(), Some(r.join("app/go.mod").as_path()));
    let none = goconc_workspace::discover(Path::new("/"));
    assert_eq!(none.go_mod, None);

    let mut opts = options();
    opts.go_work = GoWorkMode::Auto;
    let ws = load_ok(&r.join("app"), &[] as &[&str], &opts);
    assert_eq!(
        summary(&ws),
        [
            "example.com/app/cmd main [main.go]",
            "example.com/app/internal/x x [x.go]"
        ]
    );
    assert_eq!(
        ws.resolve_import("example.com/app/internal/x"),
        Some(r.join("app/internal/x"))
    );
    assert_eq!(ws.resolve_import("example.com/app"), Some(r.join("app")));
    assert_eq!(
        ws.resolve_import("example.com/lib/sub"),
        Some(r.join("lib/sub"))
    );
    assert_eq!(ws.resolve_import("example.com/w"), Some(r.join("wlib")));
    assert_eq!(ws.resolve_import("example.com/application"), None);
    assert_eq!(ws.resolve_import("example.com/app/missing"), None);
    assert_eq!(ws.resolve_import("fmt"), None);
}

/// Deterministic pseudo-random inputs built from fragments that matter to the
/// header scanner, the constraint parser and the go.mod lexer: none may panic.
#[test]
fn hostile_inputs_do_not_panic() {
    const FRAGMENTS: &[&str] = &[
        "package", " ", "p", "\n", "import", "(", ")", "\"", "`", "//", "/*", "*/", "go:build",
        "+build", "!", "&&", "||", ",", "\u{feff}", "\0", "ü", "\\", "module", "=>", "require",
        "_", "linux", ";", "\r", "\t", "go", "1.22", "use", "replace", "x/y", "v1.0.0",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let ctx = BuildContext::default();
    for _ in 0..20_000 {
        let len = (next() % 24) as usize;
        let text: String = (0..len)
            .map(|_| FRAGMENTS[(next() % FRAGMENTS.len() as u64) as usize])
            .collect();
        let bytes = text.as_bytes();
        let cut = (next() as usize) % (bytes.len() + 1);
        let _ = goconc_workspace::header::scan_header(bytes, true);
        let _ = goconc_workspace::header::scan_header(&bytes[..cut], false);
        let _ = ctx.should_build(bytes);
        let _ = goconc_workspace::constraint::parse(&format!("//go:build {text}"));
        let _ = goconc_workspace::constraint::parse(&format!("// +build {text}"));
        let _ = goconc_workspace::modfile::parse_go_mod(&text);
        let _ = goconc_workspace::modfile::parse_go_work(&text);
        let _ = GoVersion::parse(&text);
    }
}

#[test]
fn file_versions_follow_go_build_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let r = tmp.path();
    write(r, "old/go.mod", "module old\ngo 1.20\n");
    write(r, "old/plain.go", "package p\n");
    write(r, "old/up.go", "//go:build go1.22\n\npackage p\n");
    write(r, "old/plusbuild.go", "// +build go1.22\n\npackage p\n");
    write(r, "new/go.mod", "module new\ngo 1.22.1\n");
    write(r, "new/plain.go", "package p\n");
    write(
        r,
        "new/down.go",
        "//go:build go1.21 && linux\n\npackage p\n",
    );
    write(r, "new/ancient.go", "//go:build go1.18\n\npackage p\n");
    write(r, "new/notversion.go", "//go:build !go1.30\n\npackage p\n");
    let ws = load_ok(r, &[] as &[&str], &options());
    let versions: Vec<String> = ws
        .packages
        .iter()
        .flat_map(|p| &p.files)
        .map(|f| {
            format!(
                "{} {}",
                f.path.strip_prefix(r).unwrap().display(),
                f.go_version
            )
        })
        .collect();
    assert_eq!(
        versions,
        [
            "new/ancient.go 1.21",
            "new/down.go 1.21",
            "new/notversion.go 1.22.1",
            "new/plain.go 1.22.1",
            "old/plain.go 1.20",
            "old/plusbuild.go 1.20",
            "old/up.go 1.22",
        ]
    );
    let new_files = &ws.packages[0].files;
    assert!(!new_files[1].go_version.has_per_iteration_loop_vars());
    assert!(new_files[3].go_version.has_per_iteration_loop_vars());
}

#[test]
fn arguments_matching_nothing_are_reported() {
    let tmp = module_tree();
    let r = tmp.path();
    write(r, "empty/readme.md", "no go here\n");
    write(r, "onlyexcluded/x_windows.go", "package x\n");
    let ws = load_ok(
        r,
        &["./empty/...", "./pkg", "onlyexcluded", "pkg/pkg.go"],
        &options(),
    );
    assert_eq!(ws.unmatched_arguments, ["./empty/...", "onlyexcluded"]);
    let ws = load_ok(&r.join("empty"), &[] as &[&str], &options());
    assert_eq!(ws.unmatched_arguments, ["./..."]);
    assert!(ws.packages.is_empty());
}
