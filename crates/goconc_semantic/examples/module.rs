//! Builds the semantic model of a Go module (all packages, tests included)
//! with dependencies from GOROOT / the module cache / vendor / stubs, and
//! prints statistics and the functions whose summaries leave a lock held.
//!
//! `cargo run --release -p goconc_semantic --example module -- DIR [--no-go]`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use goconc_semantic::body::Res;
use goconc_semantic::loader::{GoEnv, Loader};
use goconc_semantic::package::PackageInput;
use goconc_semantic::Program;
use goconc_workspace::BuildContext;
use rayon::prelude::*;

type ParsedFiles = Vec<(PathBuf, Arc<goconc_syntax::File>)>;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if matches!(name.as_str(), "testdata" | "vendor")
                || name.starts_with('.')
                || name.starts_with('_')
                || p.join("go.mod").exists()
            {
                continue;
            }
            collect(&p, out);
        } else if name.ends_with(".go")
            && BuildContext::new("linux", "amd64")
                .check_file_name(&name)
                .is_ok()
        {
            out.push(p);
        }
    }
}

/// What the example needs from go.mod.
struct GoMod {
    module: String,
    requires: Vec<(String, String)>,
    replaces: Vec<(String, PathBuf)>,
}

/// Module path, requirements and local replacements from go.mod.
fn read_go_mod(dir: &Path) -> GoMod {
    let text = std::fs::read_to_string(dir.join("go.mod")).unwrap_or_default();
    let mut module = String::new();
    let mut requires = Vec::new();
    let mut replaces = Vec::new();
    let mut block = "";
    for line in text.lines() {
        let line = line.split("//").next().unwrap_or("").trim();
        if line == ")" {
            block = "";
            continue;
        }
        let (kind, rest) = if !block.is_empty() {
            (block, line)
        } else if let Some(r) = line.strip_prefix("module ") {
            module = r.trim().trim_matches('"').to_string();
            continue;
        } else if let Some(r) = line.strip_prefix("require ") {
            if r.trim() == "(" {
                block = "require";
                continue;
            }
            ("require", r)
        } else if let Some(r) = line.strip_prefix("replace ") {
            if r.trim() == "(" {
                block = "replace";
                continue;
            }
            ("replace", r)
        } else {
            continue;
        };
        let words: Vec<&str> = rest.split_whitespace().collect();
        match kind {
            "require" if words.len() >= 2 => requires.push((words[0].into(), words[1].into())),
            "replace" => {
                if let Some(pos) = words.iter().position(|w| *w == "=>") {
                    if let (Some(from), Some(to)) = (words.first(), words.get(pos + 1)) {
                        if to.starts_with('.') || to.starts_with('/') {
                            replaces.push((from.to_string(), dir.join(to)));
                        } else if let Some(v) = words.get(pos + 2) {
                            requires.retain(|(m, _)| m != from);
                            requires.push((to.to_string(), v.to_string()));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    GoMod {
        module,
        requires,
        replaces,
    }
}

fn main() {
    let mut dir = None;
    let mut no_go = false;
    for a in std::env::args().skip(1) {
        if a == "--no-go" {
            no_go = true;
        } else {
            dir = Some(PathBuf::from(a));
        }
    }
    let Some(dir) = dir else {
        eprintln!("usage: module DIR [--no-go]");
        return;
    };
    let GoMod {
        module,
        requires,
        replaces,
    } = read_go_mod(&dir);
    let mut env = if no_go {
        GoEnv::embedded_only()
    } else {
        GoEnv::detect()
    };
    env.modules = requires;
    env.replaces = replaces;
    if dir.join("vendor").is_dir() {
        env.vendor_dir = Some(dir.join("vendor"));
    }
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let t = Instant::now();
    let parsed: Vec<(PathBuf, Arc<goconc_syntax::File>)> = files
        .into_par_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|s| (p, s)))
        .filter(|(_, s)| {
            BuildContext::new("linux", "amd64")
                .should_build(s)
                .unwrap_or(false)
        })
        .map(|(p, s)| (p, Arc::new(goconc_syntax::parse_file(s))))
        .collect();
    let parse_time = t.elapsed();
    let mut groups: BTreeMap<(PathBuf, String), ParsedFiles> = BTreeMap::new();
    for (p, f) in parsed {
        let d = p.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = f.package().to_string();
        if !name.is_empty() {
            groups.entry((d, name)).or_default().push((p, f));
        }
    }
    let inputs: Vec<PackageInput> = groups
        .into_iter()
        .map(|((d, name), files)| {
            let rel = d
                .strip_prefix(&dir)
                .unwrap_or(&d)
                .to_string_lossy()
                .to_string();
            let mut path = if rel.is_empty() {
                module.clone()
            } else {
                format!("{module}/{rel}")
            };
            if name.ends_with("_test") {
                path.push_str("_test");
            }
            PackageInput {
                import_path: path,
                dir: d,
                name,
                files,
                go_version: (1, 25),
            }
        })
        .collect();
    let t = Instant::now();
    let program = Program::build(inputs, Arc::new(Loader::new(env)));
    let build_time = t.elapsed();
    let mut idents = 0usize;
    let mut resolved = 0usize;
    for pm in &program.packages {
        for (fi, info) in pm.files.iter().enumerate() {
            let Some(file) = pm.pkg.file(fi as u32) else {
                continue;
            };
            for (i, e) in file.exprs.iter().enumerate() {
                if let goconc_syntax::ast::ExprKind::Ident(id) = e.kind {
                    if file.name(id) != "_" {
                        idents += 1;
                        if info.res[i] != Res::None {
                            resolved += 1;
                        }
                    }
                }
            }
        }
    }
    let s = &program.stats;
    println!(
        "{module}: {} packages, {} files, {} functions; parse {:.2}s, model {:.2}s; deps loaded {}",
        s.packages,
        s.files,
        s.functions,
        parse_time.as_secs_f64(),
        build_time.as_secs_f64(),
        s.dependencies_loaded
    );
    println!(
        "identifiers resolved: {:.2}% of {idents}",
        100.0 * resolved as f64 / idents.max(1) as f64
    );
    let mut shown = 0;
    for f in &program.functions {
        let Some(sum) = program.summary(f.id) else {
            continue;
        };
        for (p, _, span) in &sum.unreleased {
            if shown < 15 {
                let (line, _) = program.line_col(f, span.start);
                println!(
                    "  lock held at return: {} in {} (line {line})",
                    program.describe_path(p),
                    f.def.name
                );
            }
            shown += 1;
        }
    }
    println!("functions returning with a lock held on some path: {shown}");
    std::mem::forget(program);
}
