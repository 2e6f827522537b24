//! Builds the semantic model of every package under `$GOROOT/src` and
//! reports timings against parsing.
//!
//! `cargo run --release -p goconc_semantic --example goroot [-- GOROOT] [--threads N]`

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use goconc_semantic::loader::{GoEnv, Loader};
use goconc_semantic::package::PackageInput;
use goconc_semantic::Program;
use goconc_workspace::BuildContext;
use rayon::prelude::*;

/// Process CPU time (user + system) in seconds, from /proc (Linux), so that
/// figures mean something on a loaded machine.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // Fields after the command name (which is in parentheses).
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of the full line (11 and 12 here).
    (ticks(11) + ticks(12)) / 100.0
}

type ParsedFiles = Vec<(PathBuf, Arc<goconc_syntax::File>)>;

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().to_string();
        if p.is_dir() {
            if name == "testdata" || name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            collect(&p, out);
        } else if name.ends_with(".go")
            && !name.ends_with("_test.go")
            && BuildContext::new("linux", "amd64")
                .check_file_name(&name)
                .is_ok()
        {
            out.push(p);
        }
    }
}

fn import_path(src_root: &Path, dir: &Path) -> String {
    let rel = dir
        .strip_prefix(src_root)
        .unwrap_or(dir)
        .to_string_lossy()
        .to_string();
    match rel.rfind("vendor/") {
        Some(i) => rel[i + "vendor/".len()..].to_string(),
        None => rel,
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    let mut goroot = None;
    let mut threads = None;
    let mut parse_only = false;
    let mut digest = false;
    while let Some(a) = args.next() {
        if a == "--parse-only" {
            parse_only = true;
        } else if a == "--digest" {
            digest = true;
        } else if a == "--threads" {
            threads = args.next().and_then(|n| n.parse::<usize>().ok());
        } else {
            goroot = Some(PathBuf::from(a));
        }
    }
    if let Some(n) = threads {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global();
    }
    let env = GoEnv::detect();
    let goroot = goroot
        .or_else(|| env.goroot.clone())
        .unwrap_or_else(|| PathBuf::from("/usr/local/go"));
    let src_root = goroot.join("src");
    let mut files = Vec::new();
    collect(&src_root, &mut files);
    files.sort();

    let t_read = Instant::now();
    let sources: Vec<(PathBuf, Vec<u8>)> = files
        .into_par_iter()
        .filter_map(|p| std::fs::read(&p).ok().map(|s| (p, s)))
        .filter(|(_, s)| {
            BuildContext::new("linux", "amd64")
                .should_build(s)
                .unwrap_or(false)
        })
        .collect();
    let bytes: usize = sources.iter().map(|(_, s)| s.len()).sum();
    let read_time = t_read.elapsed();

    let cpu_parse0 = cpu_seconds();
    let t_parse = Instant::now();
    let parsed: Vec<(PathBuf, Arc<goconc_syntax::File>)> = sources
        .into_par_iter()
        .map(|(p, s)| (p, Arc::new(goconc_syntax::parse_file(s))))
        .collect();
    let parse_time = t_parse.elapsed();
    let cpu_parse = cpu_seconds() - cpu_parse0;

    // Group by directory and package name (skip `package documentation` and
    // `package main` commands with several mains mixed in are kept as one).
    let mut groups: BTreeMap<(PathBuf, String), ParsedFiles> = BTreeMap::new();
    for (p, f) in parsed {
        let dir = p.parent().map(Path::to_path_buf).unwrap_or_default();
        let name = f.package().to_string();
        if name.is_empty() || name == "documentation" {
            continue;
        }
        groups.entry((dir, name)).or_default().push((p, f));
    }
    // One package per directory: the largest group.
    let mut per_dir: BTreeMap<PathBuf, (String, ParsedFiles)> = BTreeMap::new();
    for ((dir, name), fs) in groups {
        let replace = per_dir
            .get(&dir)
            .is_none_or(|(_, existing)| existing.len() < fs.len());
        if replace {
            per_dir.insert(dir, (name, fs));
        }
    }
    let inputs: Vec<PackageInput> = per_dir
        .into_iter()
        .map(|(dir, (name, files))| PackageInput {
            import_path: import_path(&src_root, &dir),
            dir,
            name,
            files,
            go_version: (1, 26),
        })
        .collect();
    let npkgs = inputs.len();
    if parse_only {
        println!(
            "parsed {npkgs} packages in {:.3} s",
            parse_time.as_secs_f64()
        );
        std::mem::forget(inputs);
        return;
    }

    let cpu_build0 = cpu_seconds();
    let t_build = Instant::now();
    let program = Program::build(inputs, Arc::new(Loader::new(env)));
    let build_time = t_build.elapsed();
    let cpu_build = cpu_seconds() - cpu_build0;

    // Resolution quality: share of identifier expressions that resolved.
    let show_unresolved = std::env::var_os("GOCONC_SHOW_UNRESOLVED").is_some();
    let mut unresolved: BTreeMap<String, usize> = BTreeMap::new();
    let mut idents = 0usize;
    let mut resolved = 0usize;
    let mut typed = 0usize;
    let mut exprs = 0usize;
    for pm in &program.packages {
        for (fi, info) in pm.files.iter().enumerate() {
            let Some(file) = pm.pkg.file(fi as u32) else {
                continue;
            };
            for (i, e) in file.exprs.iter().enumerate() {
                exprs += 1;
                if !info.ty(goconc_syntax::ast::ExprId(i as u32)).is_unknown() {
                    typed += 1;
                }
                if let goconc_syntax::ast::ExprKind::Ident(id) = e.kind {
                    if file.name(id) == "_" {
                        continue;
                    }
                    idents += 1;
                    if info.res[i] != goconc_semantic::body::Res::None {
                        resolved += 1;
                    } else if show_unresolved {
                        *unresolved.entry(file.name(id).to_string()).or_default() += 1;
                    }
                }
            }
        }
    }
    if show_unresolved {
        let mut top: Vec<_> = unresolved.into_iter().collect();
        top.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
        println!("most common unresolved: {:?}", &top[..top.len().min(30)]);
    }
    let s = &program.stats;
    let mb = bytes as f64 / 1e6;
    println!("threads: {}", rayon::current_num_threads());
    println!("packages: {npkgs}, files: {}, {:.1} MB", s.files, mb);
    println!("read:  {:>8.3} s", read_time.as_secs_f64());
    println!(
        "parse: {:>8.3} s ({:.1} MB/s)",
        parse_time.as_secs_f64(),
        mb / parse_time.as_secs_f64()
    );
    println!(
        "model: {:>8.3} s ({:.1} MB/s) = {:.2}x parse time",
        build_time.as_secs_f64(),
        mb / build_time.as_secs_f64(),
        build_time.as_secs_f64() / parse_time.as_secs_f64()
    );
    println!(
        "cpu:   parse {cpu_parse:.2} s, model {cpu_build:.2} s = {:.2}x parse cpu time",
        cpu_build / cpu_parse.max(0.01)
    );
    for (name, d) in &s.phase_times {
        println!("  {name:<18} {:>8.3} s", d.as_secs_f64());
    }
    println!(
        "functions: {}, blocks: {}, ops: {}, SCCs: {}, capped SCCs: {}, deps loaded: {}",
        s.functions, s.blocks, s.ops, s.sccs, s.summary_rounds_capped, s.dependencies_loaded
    );
    println!(
        "identifiers resolved: {:.2}% of {idents}; expressions typed: {:.2}% of {exprs}",
        100.0 * resolved as f64 / idents.max(1) as f64,
        100.0 * typed as f64 / exprs.max(1) as f64
    );
    if digest {
        // A fingerprint of all summaries and ops, to check that results do
        // not depend on the number of threads.
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (f, s) in program.functions.iter().zip(&program.summaries) {
            f.def.name.hash(&mut h);
            format!("{s:?}").hash(&mut h);
            format!("{:?}", f.ops).hash(&mut h);
        }
        println!("digest: {:016x}", h.finish());
    }
    // Dropping the whole model is slow and irrelevant here.
    std::mem::forget(program);
}
