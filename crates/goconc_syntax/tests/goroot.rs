//! Self-check: every `.go` file of the Go tree outside `testdata` directories
//! parses without a syntax error (go/parser accepts all of them). The
//! authoritative tree-for-tree comparison is `tests/oracle.rs`.
//!
//! Uses `$GOROOT/src` (default `/usr/local/go/src`); skipped when absent.

use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            if path.file_name().is_some_and(|n| n == "testdata") {
                continue;
            }
            collect(&path, out);
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "go") {
            out.push(path);
        }
    }
}

#[test]
fn every_goroot_file_parses_cleanly() {
    let goroot = std::env::var("GOROOT").unwrap_or_else(|_| "/usr/local/go".to_string());
    let src = Path::new(&goroot).join("src");
    if !src.is_dir() {
        eprintln!("skipping: {} not found", src.display());
        return;
    }
    let mut files = Vec::new();
    collect(&src, &mut files);
    assert!(
        files.len() > 1000,
        "only {} files under {}",
        files.len(),
        src.display()
    );
    let mut failures = Vec::new();
    for path in &files {
        let source = std::fs::read(path).expect("read Go file");
        let file = goconc_syntax::parse_file(source);
        if let Some(error) = file.errors.first() {
            let at = file.line_index.line_col(error.span.start);
            failures.push(format!(
                "{}:{}:{}: {}",
                path.display(),
                at.line,
                at.column,
                error.message
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files had errors:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
