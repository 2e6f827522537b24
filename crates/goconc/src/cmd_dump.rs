//! `goconc dump` and `goconc race`: runtime triage of goroutine dumps and race reports.
//! Owned by the runtime-triage work (goconc_dump); this file adapts CLI flags to it.
//!
//! Exit codes: 0 = nothing found, 1 = leak suspects (dump) / races (race),
//! 2 = usage or I/O error.

use clap::{Args, ValueEnum};
use goconc_dump::{AnalysisOptions, Format, ModuleInfo, RenderOptions, StaticFinding};
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
    Markdown,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Text => Format::Text,
            OutputFormat::Json => Format::Json,
            OutputFormat::Markdown => Format::Markdown,
        }
    }
}

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// Goroutine dump to read (`-` for standard input): a debug=2 dump, a
    /// panic/SIGQUIT traceback or a log containing one, a debug=1 profile, or
    /// a binary (debug=0) goroutine / goroutineleak profile.
    pub input: PathBuf,
    /// An earlier dump of the same process: show which groups grew and which are new.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
    /// Blocked groups whose longest wait reaches this many minutes are suspects.
    #[arg(long, default_value_t = 10, value_name = "MINUTES")]
    pub min_wait: u32,
    /// Blocked groups with at least this many goroutines are suspects.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub min_count: u64,
    /// With --baseline: blocked groups that grew by at least this many are suspects.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub min_growth: u64,
    /// Groups printed with full stacks (text and markdown).
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub max_groups: usize,
    /// Directory inside the Go module used for source mapping (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub module_dir: Option<PathBuf>,
    /// Do not run goconc's static rules on the module to cite findings beside groups.
    #[arg(long)]
    pub no_static: bool,
}

#[derive(Args, Debug)]
pub struct RaceArgs {
    /// Race-detector log to read (`-` for standard input): `go test -race`
    /// output or the stderr of a race-enabled binary.
    pub input: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    pub format: OutputFormat,
}

fn open(path: &Path) -> io::Result<Box<dyn Read>> {
    if path.as_os_str() == "-" {
        Ok(Box::new(io::stdin().lock()))
    } else {
        Ok(Box::new(File::open(path)?))
    }
}

/// Runs `goconc dump`; returns the process exit code.
pub fn run_dump(args: &DumpArgs) -> u8 {
    let findings = if args.no_static {
        Vec::new()
    } else {
        static_findings(args)
    };
    run_dump_with_findings(args, &findings)
}

/// Runs `goconc check` over the whole module the dump is read in, so that a
/// group stuck at a line a rule flags cites the finding. Paths are relative to
/// the module root, as `goconc_dump` expects.
fn static_findings(args: &DumpArgs) -> Vec<StaticFinding> {
    let start = match &args.module_dir {
        Some(dir) => Some(dir.clone()),
        None => std::env::current_dir().ok(),
    };
    let Some(module) = start.as_deref().and_then(ModuleInfo::discover) else {
        return Vec::new();
    };
    let check_args = crate::check::CheckArgs::for_tree();
    match crate::check::analyze(&check_args, &module.root) {
        Ok(report) => report
            .diagnostics
            .into_iter()
            .filter(|diagnostic| diagnostic.code != "GC000")
            .map(|diagnostic| StaticFinding {
                path: diagnostic.path,
                line: diagnostic.line,
                code: diagnostic.code,
                message: diagnostic.message,
            })
            .collect(),
        Err(message) => {
            eprintln!("goconc dump: static analysis skipped: {message}");
            Vec::new()
        }
    }
}

/// `goconc dump` with static findings to cite next to groups whose own
/// frames hit a finding's line.
pub fn run_dump_with_findings(args: &DumpArgs, findings: &[StaticFinding]) -> u8 {
    let input = match open(&args.input) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("goconc dump: {}: {e}", args.input.display());
            return 2;
        }
    };
    let baseline = match args.baseline.as_deref().map(open).transpose() {
        Ok(b) => b,
        Err(e) => {
            let path = args.baseline.as_deref().unwrap_or(Path::new("?"));
            eprintln!("goconc dump: {}: {e}", path.display());
            return 2;
        }
    };
    let module_start = match &args.module_dir {
        Some(dir) => Some(dir.clone()),
        None => std::env::current_dir().ok(),
    };
    let module = module_start.as_deref().and_then(ModuleInfo::discover);
    let options = AnalysisOptions {
        min_wait_minutes: args.min_wait,
        min_count: args.min_count,
        min_growth: args.min_growth,
    };
    let analysis = match goconc_dump::analyze_dump(
        input,
        baseline,
        &options,
        module.as_ref(),
        findings,
        args.max_groups,
    ) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("goconc dump: {}: {e}", args.input.display());
            return 2;
        }
    };
    if analysis.meta.format.is_none() {
        eprintln!(
            "goconc dump: {}: no goroutine dump, traceback or goroutine profile found",
            args.input.display()
        );
        return 2;
    }
    let render = RenderOptions {
        max_detailed_groups: args.max_groups,
        ..RenderOptions::default()
    };
    let mut out = io::stdout().lock();
    if let Err(e) =
        goconc_dump::render::write_dump(&mut out, &analysis, args.format.into(), &render)
            .and_then(|()| out.flush())
    {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("goconc dump: writing output: {e}");
            return 2;
        }
    }
    let has_suspects = analysis.suspects().next().is_some();
    u8::from(has_suspects)
}

/// Runs `goconc race`; returns the process exit code.
pub fn run_race(args: &RaceArgs) -> u8 {
    let input = match open(&args.input) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("goconc race: {}: {e}", args.input.display());
            return 2;
        }
    };
    let log = match goconc_dump::read_race_log(io::BufReader::with_capacity(1 << 20, input)) {
        Ok(log) => log,
        Err(e) => {
            eprintln!("goconc race: {}: {e}", args.input.display());
            return 2;
        }
    };
    let mut out = io::stdout().lock();
    if let Err(e) = goconc_dump::render::write_race(&mut out, &log, args.format.into())
        .and_then(|()| out.flush())
    {
        if e.kind() != io::ErrorKind::BrokenPipe {
            eprintln!("goconc race: writing output: {e}");
            return 2;
        }
    }
    u8::from(!log.races.is_empty())
}
