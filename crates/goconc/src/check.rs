//! `goconc check`: discover packages, parse in parallel, run rules, report.

use crate::OutputFormat;
use clap::Args;
use goconc_report::{Diagnostic, FileError, Related, Report, Severity};
use goconc_rules::Finding;
use goconc_semantic::loader::Loader;
use goconc_semantic::package::PackageInput;
use goconc_semantic::Program;
use goconc_syntax::ast::Span;
use goconc_syntax::File;
use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Packages to check: `./...` patterns, directories (their whole tree) or .go files.
    pub paths: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Target operating system for build constraints (default: $GOOS, else linux).
    #[arg(long)]
    pub goos: Option<String>,
    /// Target architecture for build constraints (default: $GOARCH, else amd64).
    #[arg(long)]
    pub goarch: Option<String>,
    /// Extra build tags, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Rules to run instead of the default set, comma-separated: codes
    /// (GC201), code prefixes (GC2), rule names (double-lock) or ALL.
    #[arg(long, value_delimiter = ',')]
    pub select: Option<Vec<String>>,
    /// Rules to run in addition to the selected ones (e.g. the rules that
    /// are off by default: `--extend-select GC103`).
    #[arg(long, value_delimiter = ',')]
    pub extend_select: Vec<String>,
    /// Rules not to run, after `--select` and `--extend-select`.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
}

impl CheckArgs {
    /// `goconc check ./...` with default settings.
    pub fn for_tree() -> Self {
        CheckArgs {
            paths: Vec::new(),
            format: OutputFormat::Text,
            goos: None,
            goarch: None,
            tags: Vec::new(),
            threads: None,
            select: None,
            extend_select: Vec::new(),
            ignore: Vec::new(),
        }
    }
}

pub fn run(args: &CheckArgs) -> u8 {
    if let Some(threads) = args.threads {
        // Only fails if a global pool already exists, which cannot happen here.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build_global();
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    // The process exits right after printing: freeing the ASTs and the model
    // piece by piece would cost about a tenth of the run.
    let report = match analyze_then(args, &cwd, std::mem::forget) {
        Ok(report) => report,
        Err(message) => {
            eprintln!("goconc: {message}");
            return 2;
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match args.format {
        OutputFormat::Json => report.write_json(&mut out),
        OutputFormat::Text => report.write_text(&mut out),
    };
    if let Err(err) = written.and_then(|()| out.flush()) {
        eprintln!("goconc: writing output: {err}");
        return 2;
    }
    if !report.diagnostics.is_empty() {
        1
    } else if !report.errors.is_empty() {
        2
    } else {
        0
    }
}

/// A parsed file of a package, with the path as reported.
struct LoadedFile {
    display_path: String,
    file: Arc<File>,
}

/// Runs the whole analysis and returns the sorted report.
pub fn analyze(args: &CheckArgs, cwd: &Path) -> Result<Report, String> {
    analyze_then(args, cwd, drop)
}

/// [`analyze`], handing the semantic model (and with it every AST) to
/// `dispose` once the findings are extracted.
fn analyze_then(
    args: &CheckArgs,
    cwd: &Path,
    dispose: impl FnOnce(Program),
) -> Result<Report, String> {
    let selection = goconc_rules::RuleSelection::resolve(
        args.select.as_deref(),
        &args.extend_select,
        &args.ignore,
    )
    .map_err(|err| err.to_string())?;
    let discovered = discover(args, cwd)?;
    let mut errors: Vec<FileError> = discovered
        .errors
        .iter()
        .map(|(path, message)| FileError {
            path: display_path(path, cwd),
            message: message.clone(),
        })
        .collect();

    // Parse every file of every package in parallel; a read error is recorded
    // and the file is left out of its package.
    let parsed: Vec<(usize, PathBuf, Result<LoadedFile, String>)> = discovered
        .packages
        .iter()
        .enumerate()
        .flat_map(|(index, package)| package.files.iter().map(move |path| (index, path)))
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(index, path)| {
            let loaded = std::fs::read(path)
                .map_err(|err| err.to_string())
                .map(|source| LoadedFile {
                    display_path: display_path(path, cwd),
                    file: Arc::new(goconc_syntax::parse_file(source)),
                });
            (index, path.clone(), loaded)
        })
        .collect();

    let mut package_files: Vec<Vec<LoadedFile>> =
        discovered.packages.iter().map(|_| Vec::new()).collect();
    let mut file_count = 0;
    for (index, path, loaded) in parsed {
        match loaded {
            Ok(loaded) => {
                file_count += 1;
                package_files[index].push(loaded);
            }
            Err(message) => errors.push(FileError {
                path: display_path(&path, cwd),
                message,
            }),
        }
    }

    let mut diagnostics: Vec<Diagnostic> =
        if selection.contains(goconc_rules::registry::SYNTAX_ERROR.code) {
            package_files
                .iter()
                .flatten()
                .flat_map(syntax_diagnostics)
                .collect()
        } else {
            Vec::new()
        };

    // The semantic model covers every package at once, so rules can follow
    // calls across packages; dependencies come from GOROOT / the module cache.
    let mut seen_paths = std::collections::HashSet::new();
    let inputs: Vec<PackageInput> = discovered
        .packages
        .iter()
        .zip(&package_files)
        .filter(|(_, files)| !files.is_empty())
        .map(|(package, files)| {
            let mut import_path = package.import_path.clone();
            if !seen_paths.insert(import_path.clone()) {
                // Two package clauses in one directory: keep both apart.
                import_path = format!("{import_path}#{}", package.name);
            }
            PackageInput {
                import_path,
                dir: package.dir.clone(),
                name: package.name.clone(),
                files: files
                    .iter()
                    .map(|loaded| {
                        (
                            PathBuf::from(&loaded.display_path),
                            Arc::clone(&loaded.file),
                        )
                    })
                    .collect(),
                go_version: package.go_version,
            }
        })
        .collect();
    let env = goconc_rules::driver::go_env_for(&discovered.modules);
    let program = Program::build(inputs, Arc::new(Loader::new(env)));
    let rules = selection.rules();
    let findings = goconc_rules::driver::run_rules(&program, &rules);
    diagnostics.extend(
        findings
            .into_iter()
            .filter_map(|(package, finding)| finding_to_diagnostic(&program, package, finding)),
    );
    dispose(program);

    let mut report = Report::new(file_count, discovered.packages.len());
    report.diagnostics = diagnostics;
    report.errors = errors;
    report.sort();
    Ok(report)
}

/// A package to analyse, as the CLI needs it.
struct PackageToCheck {
    import_path: String,
    name: String,
    dir: PathBuf,
    files: Vec<PathBuf>,
    go_version: (u32, u32),
}

struct Discovered {
    packages: Vec<PackageToCheck>,
    modules: Vec<goconc_workspace::Module>,
    errors: Vec<(PathBuf, String)>,
}

/// Expands the arguments into packages with goconc_workspace. Files whose
/// package clause cannot be read are still parsed (as a package of their own)
/// so that their syntax errors are reported as findings, not as I/O errors.
fn discover(args: &CheckArgs, cwd: &Path) -> Result<Discovered, String> {
    use goconc_workspace::{BuildContext, LoadOptions, PathErrorKind};
    // The go command's environment (GOOS, GOARCH, CGO_ENABLED, GOWORK) applies
    // first; explicit flags win over it.
    let mut options = LoadOptions::default().with_go_env(|key| std::env::var(key).ok());
    if args.goos.is_some() || args.goarch.is_some() {
        let goos = args
            .goos
            .clone()
            .unwrap_or_else(|| options.context.goos.clone());
        let goarch = args
            .goarch
            .clone()
            .unwrap_or_else(|| options.context.goarch.clone());
        options.context = BuildContext::new(&goos, &goarch);
    }
    options.context = options.context.with_tags(args.tags.iter().cloned());
    let workspace =
        goconc_workspace::load(cwd, &args.paths, &options).map_err(|err| err.to_string())?;
    for argument in &workspace.unmatched_arguments {
        eprintln!("goconc: warning: {argument:?} matched no packages");
    }
    let mut packages: Vec<PackageToCheck> = workspace
        .packages
        .iter()
        .map(|package| PackageToCheck {
            import_path: package.import_path.clone(),
            name: package.name.clone(),
            dir: package.dir.clone(),
            files: package.files.iter().map(|file| file.path.clone()).collect(),
            go_version: (package.go_version.major, package.go_version.minor),
        })
        .collect();
    let mut errors = Vec::new();
    for error in &workspace.errors {
        match &error.kind {
            PathErrorKind::BadHeader(_) => packages.push(PackageToCheck {
                import_path: error.path.to_string_lossy().into_owned(),
                name: String::new(),
                dir: error
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default(),
                files: vec![error.path.clone()],
                go_version: (1, 26),
            }),
            // Still analysed, each package clause as its own package.
            PathErrorKind::MultiplePackages { .. } => {}
            kind => errors.push((error.path.clone(), kind.to_string())),
        }
    }
    Ok(Discovered {
        packages,
        modules: workspace.modules.clone(),
        errors,
    })
}

fn syntax_diagnostics(loaded: &LoadedFile) -> Vec<Diagnostic> {
    let file = &loaded.file;
    file.errors
        .iter()
        .map(|error| {
            let (line, column, end_line, end_column) = span_lines(file, error.span);
            Diagnostic {
                code: goconc_rules::registry::SYNTAX_ERROR.code.to_string(),
                rule: goconc_rules::registry::SYNTAX_ERROR.name.to_string(),
                severity: Severity::Error,
                message: error.message.clone(),
                path: loaded.display_path.clone(),
                line,
                column,
                end_line,
                end_column,
                related: Vec::new(),
                fix: None,
            }
        })
        .collect()
}

fn finding_to_diagnostic(program: &Program, package: u32, finding: Finding) -> Option<Diagnostic> {
    let files = &program.packages.get(package as usize)?.pkg.files;
    let source = files.get(finding.file.0)?;
    let meta = goconc_rules::rule_by_code(finding.code)?;
    let (line, column, end_line, end_column) = span_lines(&source.ast, finding.span);
    let related = finding
        .related
        .iter()
        .filter_map(|related| {
            let other = files.get(related.file.0)?;
            let at = other.ast.line_index.line_col(related.span.start);
            Some(Related {
                path: other.path.to_string_lossy().into_owned(),
                line: at.line,
                column: at.column,
                message: related.message.clone(),
            })
        })
        .collect();
    let mut message = finding.message;
    if let Some(suggestion) = finding.suggestion {
        message.push_str("; ");
        message.push_str(&suggestion);
    }
    Some(Diagnostic {
        code: meta.code.to_string(),
        rule: meta.name.to_string(),
        severity: Severity::Error,
        message,
        path: source.path.to_string_lossy().into_owned(),
        line,
        column,
        end_line,
        end_column,
        related,
        fix: None,
    })
}

fn span_lines(file: &File, span: Span) -> (u32, u32, u32, u32) {
    let start = file.line_index.line_col(span.start);
    let end = file.line_index.line_col(span.end.max(span.start));
    (start.line, start.column, end.line, end.column)
}

/// `path` relative to `cwd` when it lies below it, otherwise as given.
fn display_path(path: &Path, cwd: &Path) -> String {
    let relative = path.strip_prefix(cwd).unwrap_or(path);
    let relative = relative.strip_prefix("./").unwrap_or(relative);
    relative.to_string_lossy().into_owned()
}
