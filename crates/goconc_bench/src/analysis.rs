//! The "analysis" comparison: the whole static analysis (parse, semantic
//! model, every rule) of the packages `goconc check` would load under the
//! root, against parsing the same files alone. Sources are read into memory
//! first so neither side pays for I/O; the workspace walk is not timed.
//! With `GOCONC_BENCH_PHASES=1` each analysis pass also prints the semantic
//! build phases, the share of functions modelled and the time of each rule
//! run on its own (that extra work is inside the timed pass, so use it for
//! breakdowns, not for the ratio).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use goconc_semantic::loader::Loader;
use goconc_semantic::package::PackageInput;
use goconc_semantic::Program;
use goconc_workspace::LoadOptions;

/// Target ratio whole-analysis / parse-alone.
pub const TARGET_ANALYSIS_RATIO: f64 = 3.0;

/// The packages of a tree with their sources in memory.
pub struct AnalysisCorpus {
    packages: Vec<(PackageInput, Vec<Vec<u8>>)>,
    modules: Vec<goconc_workspace::Module>,
    pub files: usize,
    pub bytes: u64,
}

pub fn load(root: &Path) -> Result<AnalysisCorpus, String> {
    let workspace = goconc_workspace::load(root, &["./..."], &LoadOptions::default())
        .map_err(|err| err.to_string())?;
    let mut packages = Vec::new();
    let (mut files, mut bytes) = (0, 0u64);
    for package in &workspace.packages {
        let mut sources = Vec::new();
        let mut paths = Vec::new();
        for file in &package.files {
            let Ok(source) = std::fs::read(&file.path) else {
                continue;
            };
            files += 1;
            bytes += source.len() as u64;
            sources.push(source);
            paths.push(file.path.clone());
        }
        let mut import_path = package.import_path.clone();
        if packages
            .iter()
            .any(|(input, _): &(PackageInput, _)| input.import_path == import_path)
        {
            import_path = format!("{import_path}#{}", package.name);
        }
        let input = PackageInput {
            import_path,
            dir: package.dir.clone(),
            name: package.name.clone(),
            files: Vec::new(),
            go_version: (package.go_version.major, package.go_version.minor),
        };
        // Paths are kept in `files` order; parsed files are attached per pass.
        packages.push((
            PackageInput {
                files: paths
                    .into_iter()
                    .map(|path| (path, Arc::new(goconc_syntax::File::default())))
                    .collect(),
                ..input
            },
            sources,
        ));
    }
    Ok(AnalysisCorpus {
        packages,
        modules: workspace.modules,
        files,
        bytes,
    })
}

/// Seconds to parse every file (in the pool of the caller).
pub fn parse_pass(corpus: &AnalysisCorpus) -> f64 {
    use rayon::prelude::*;
    let started = Instant::now();
    let parsed: Vec<goconc_syntax::File> = corpus
        .packages
        .par_iter()
        .flat_map_iter(|(_, sources)| sources.iter())
        .map(|source| goconc_syntax::parse_file(source.clone()))
        .collect();
    let seconds = started.elapsed().as_secs_f64();
    drop(parsed);
    seconds
}

/// Seconds for parse + semantic model + all rules, and the number of findings.
pub fn analysis_pass(corpus: &AnalysisCorpus) -> (f64, usize) {
    use rayon::prelude::*;
    let started = Instant::now();
    let inputs: Vec<PackageInput> = corpus
        .packages
        .par_iter()
        .map(|(input, sources)| PackageInput {
            files: input
                .files
                .iter()
                .zip(sources)
                .map(|((path, _), source)| {
                    (
                        path.clone(),
                        Arc::new(goconc_syntax::parse_file(source.clone())),
                    )
                })
                .collect(),
            ..input.clone()
        })
        .collect();
    let env = goconc_rules::driver::go_env_for(&corpus.modules);
    let program = Program::build(inputs, Arc::new(Loader::new(env)));
    if std::env::var_os("GOCONC_BENCH_PHASES").is_some() {
        eprintln!(
            "build done at {:.3}s: {:?}",
            started.elapsed().as_secs_f64(),
            program.stats.phase_times
        );
        eprintln!(
            "  modelled {} of {} functions ({:.1}%)",
            program.stats.modelled,
            program.stats.functions,
            100.0 * program.stats.modelled as f64 / program.stats.functions.max(1) as f64
        );
        for rule in goconc_rules::all_rules() {
            let rule_started = Instant::now();
            let found = goconc_rules::driver::run_rules(&program, &[rule]).len();
            eprintln!(
                "  {} {:.3}s ({found})",
                rule.meta().code,
                rule_started.elapsed().as_secs_f64()
            );
        }
    }
    let findings = goconc_rules::driver::run_rules(&program, &goconc_rules::all_rules()).len();
    (started.elapsed().as_secs_f64(), findings)
}
