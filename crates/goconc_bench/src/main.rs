//! goconc-bench: parse throughput of goconc against go/parser, and memory.
//!
//! For every `.go` file under the root (default `$(go env GOROOT)/src`):
//! * first, in a fresh process, reads and parses every file keeping all the
//!   ASTs alive and reports RSS (`VmRSS`, `VmHWM`) and the arena sizes;
//! * then reads all files into memory and times `goconc_syntax::parse_file`
//!   over them single-threaded and with a rayon pool of each requested size,
//!   alternating with `tools/astdump -parse-only` (go/parser, in two modes)
//!   on the same file list with the same GOMAXPROCS; the best of `--iters`
//!   passes of each is reported.
//!
//! Each measured phase is one row of the table (see [`PHASES`]); a phase
//! without a go/parser counterpart (such as a future whole-analysis row)
//! leaves the baseline columns empty.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod analysis;

use clap::Parser;
use rayon::prelude::*;

/// Target ratio goconc/go-parser for single-threaded parsing.
const TARGET_PARSE_RATIO: f64 = 3.0;
/// Target peak RSS with every AST of the tree in memory.
const TARGET_PEAK_RSS_BYTES: u64 = 1 << 30;

#[derive(Parser, Debug)]
#[command(
    name = "goconc-bench",
    about = "Parse throughput of goconc vs go/parser"
)]
struct Args {
    /// Directory to walk for .go files (default: $(go env GOROOT)/src).
    #[arg(long)]
    root: Option<PathBuf>,
    /// Timed passes per measurement; the best one is reported.
    #[arg(long, default_value_t = 3)]
    iters: usize,
    /// Thread counts to measure, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,2")]
    threads: Vec<usize>,
    /// A prebuilt tools/astdump binary (default: built with `go build`).
    #[arg(long)]
    astdump: Option<PathBuf>,
    /// Skip the go/parser baseline (no Go toolchain needed with --root).
    #[arg(long)]
    no_go: bool,
    /// Skip the whole-analysis comparison.
    #[arg(long)]
    no_analysis: bool,
}

/// Times the whole analysis (parse + semantic model + rules) of the packages
/// `goconc check` loads under `root` against parsing the same files, per
/// thread count, and prints the ratio against [`analysis::TARGET_ANALYSIS_RATIO`].
fn analysis_section(root: &Path, iters: usize, threads: &[usize]) -> Result<(), BenchError> {
    let corpus = match analysis::load(root) {
        Ok(corpus) => corpus,
        Err(message) => {
            println!("analysis: skipped ({message})");
            return Ok(());
        }
    };
    println!();
    println!(
        "analysis of the packages `goconc check` loads under the root: {} files, {:.1} MB",
        corpus.files,
        corpus.bytes as f64 / 1e6
    );
    println!("threads  parse s  analysis s  analysis/parse  findings");
    for &count in threads {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(count).build()?;
        let (mut parse, mut whole, mut findings) = (f64::INFINITY, f64::INFINITY, 0);
        for _ in 0..iters {
            parse = parse.min(pool.install(|| analysis::parse_pass(&corpus)));
            let (seconds, found) = pool.install(|| analysis::analysis_pass(&corpus));
            whole = whole.min(seconds);
            findings = found;
        }
        let ratio = whole / parse;
        println!("{count:>7}  {parse:>7.3}  {whole:>10.3}  {ratio:>13.2}x  {findings:>8}");
        if count == 1 {
            println!(
                "target analysis single-thread <= {:.1}x parse: {ratio:.2}x {}",
                analysis::TARGET_ANALYSIS_RATIO,
                if ratio <= analysis::TARGET_ANALYSIS_RATIO {
                    "PASS"
                } else {
                    "FAIL"
                }
            );
        }
    }
    Ok(())
}

#[derive(Debug, thiserror::Error)]
enum BenchError {
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
    #[error("`go env GOROOT` failed; pass --root DIR")]
    NoGoroot,
    #[error("go build of tools/astdump failed")]
    AstdumpBuild,
    #[error("astdump -parse-only failed: {0}")]
    Astdump(String),
    #[error("no .go files under {0}")]
    NoFiles(PathBuf),
    #[error("cannot build a rayon pool: {0}")]
    Pool(#[from] rayon::ThreadPoolBuildError),
    #[error("thread counts must be at least 1")]
    BadThreads,
}

/// The sources of the benchmark, loaded once.
struct Corpus {
    paths: Vec<PathBuf>,
    sources: Vec<Vec<u8>>,
    bytes: u64,
}

/// One timed pass over the corpus.
#[derive(Clone, Copy)]
struct Timing {
    seconds: f64,
    /// Files with at least one syntax error (a sanity check that both
    /// parsers saw the same input).
    files_with_errors: usize,
}

impl Timing {
    fn mb_per_s(self, bytes: u64) -> f64 {
        bytes as f64 / self.seconds / 1e6
    }
}

/// The go/parser configurations measured as baselines: (astdump -mode
/// value, column name, description for the legend).
const GO_MODES: [(&str, &str, &str); 2] = [
    (
        "oracle",
        "go:oracle",
        "go/parser with ParseComments|SkipObjectResolution (what the oracle compares)",
    ),
    (
        "default",
        "go:mode0",
        "go/parser with mode 0 (object resolution, comments dropped)",
    ),
];

/// A timed goconc phase: one table row per thread count. A new phase (such
/// as whole analysis) is one more entry; it gets go/parser columns only if
/// go/parser does the same work.
struct Phase {
    name: &'static str,
    /// One pass over the corpus with the given number of threads.
    run: fn(&Corpus, usize) -> Result<Timing, BenchError>,
    /// Whether `astdump -parse-only` is the equivalent Go work.
    go_parser_baseline: bool,
}

const PHASES: &[Phase] = &[Phase {
    name: "parse",
    run: goconc_parse_pass,
    go_parser_baseline: true,
}];

/// One row of the result table.
struct Row {
    phase: &'static str,
    threads: usize,
    goconc: Timing,
    /// The same work done by go/parser in each of [`GO_MODES`], when there
    /// is an equivalent (a goconc-only phase leaves these `None`).
    baselines: [Option<Timing>; GO_MODES.len()],
}

impl Row {
    /// Keeps the fastest pass seen on each side.
    fn keep_best(&mut self, goconc: Timing, baselines: [Option<Timing>; GO_MODES.len()]) {
        if goconc.seconds < self.goconc.seconds {
            self.goconc = goconc;
        }
        for (slot, new) in self.baselines.iter_mut().zip(baselines) {
            if let Some(new) = new {
                match slot {
                    Some(best) if best.seconds <= new.seconds => {}
                    _ => *slot = Some(new),
                }
            }
        }
    }
}

// The analysis allocates many small, short-lived objects from rayon
// workers; glibc's per-thread arenas grow and trim in small steps (an
// mprotect and fresh zeroed pages each time). mimalloc keeps freed pages
// for reuse. It is built without transparent huge pages (`no_thp`): with
// THP in `madvise` mode (the common default) its 1 GiB arena asked for huge
// pages, and each fault could stall in the kernel's direct compaction;
// `goconc check` on GOROOT/src took 0.8-3.9 s instead of a steady 0.9-1.1 s.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args = Args::parse();
    if let Err(err) = run(&args) {
        eprintln!("goconc-bench: {err}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), BenchError> {
    if args.threads.contains(&0) {
        return Err(BenchError::BadThreads);
    }
    let iters = args.iters.max(1);
    let root = match &args.root {
        Some(root) => root.clone(),
        None => goroot()?.join("src"),
    };
    let paths = go_file_list(&root)?;
    let load_before = load_average();

    // Memory first, in a fresh process: read and parse every file keeping
    // all ASTs (and nothing else), so that the figures are goconc's alone and
    // not inflated by the benchmark's copy of the sources or by heap left
    // over from the timed passes.
    let held = parse_and_hold(&paths)?;
    let held_rss = proc_status_bytes("VmRSS:");
    let peak_rss = proc_status_bytes("VmHWM:");
    let held_files = held.len();
    let arenas = ArenaBytes::of(&held);
    drop(held);

    let corpus = load_corpus(paths)?;
    println!(
        "goconc-bench: {} files, {:.1} MB under {} (MB = 10^6 bytes), best of {iters} passes",
        corpus.paths.len(),
        corpus.bytes as f64 / 1e6,
        root.display()
    );

    let astdump = match (&args.astdump, args.no_go) {
        (_, true) => None,
        (Some(path), false) => Some(path.clone()),
        (None, false) if go_on_path() => Some(build_astdump()?),
        (None, false) => {
            println!("`go` not found: the go/parser baseline is skipped");
            None
        }
    };

    // Passes alternate between goconc and go/parser for each thread count so
    // that both see the same machine load; the best pass of each is kept.
    let mut rows: Vec<Row> = Vec::new();
    for _ in 0..iters {
        for phase in PHASES {
            for &threads in &args.threads {
                let mut baselines = [None; GO_MODES.len()];
                if let (Some(astdump), true) = (&astdump, phase.go_parser_baseline) {
                    for (slot, (mode, _, _)) in baselines.iter_mut().zip(GO_MODES) {
                        *slot = Some(go_parse_only(astdump, &corpus, threads, mode)?);
                    }
                }
                let goconc = (phase.run)(&corpus, threads)?;
                match rows
                    .iter_mut()
                    .find(|r| r.phase == phase.name && r.threads == threads)
                {
                    Some(row) => row.keep_best(goconc, baselines),
                    None => rows.push(Row {
                        phase: phase.name,
                        threads,
                        goconc,
                        baselines,
                    }),
                }
            }
        }
    }

    if args.astdump.is_none() {
        if let Some(dir) = astdump.as_deref().and_then(Path::parent) {
            // The binary was built into a private temporary directory.
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    print_table(&rows, corpus.bytes);
    println!();
    match (held_rss, peak_rss) {
        (Some(held), Some(peak)) => {
            println!(
                "RSS with all {held_files} ASTs held at once (VmRSS): {:.1} MiB; peak RSS until then (VmHWM): {:.1} MiB",
                mib(held),
                mib(peak)
            );
        }
        _ => println!("RSS: unavailable (no /proc/self/status)"),
    }
    println!(
        "AST arenas (capacity x element size, excluding nested Vecs): {:.1} MiB; exprs {:.1} MiB, stmts {:.1} MiB, sources {:.1} MiB",
        mib(arenas.total()),
        mib(arenas.exprs),
        mib(arenas.stmts),
        mib(arenas.sources)
    );
    print_targets(&rows, peak_rss, corpus.bytes);
    if args.no_analysis {
        // Nothing more to measure.
    } else {
        analysis_section(&root, iters, &args.threads)?;
    }
    if let (Some(before), Some(after)) = (load_before, load_average()) {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "load average before/after: {before:.2}/{after:.2} on {cores} cores{}",
            if before.max(after) > cores as f64 {
                " (busy machine: timings are pessimistic)"
            } else {
                ""
            }
        );
    }
    Ok(())
}

fn goroot() -> Result<PathBuf, BenchError> {
    let out = Command::new("go")
        .args(["env", "GOROOT"])
        .output()
        .map_err(|_| BenchError::NoGoroot)?;
    let root = String::from_utf8_lossy(&out.stdout).trim().to_string();
    if !out.status.success() || root.is_empty() {
        return Err(BenchError::NoGoroot);
    }
    Ok(PathBuf::from(root))
}

fn go_on_path() -> bool {
    Command::new("go")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn collect_go_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect_go_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "go") {
            let is_file = if kind.is_symlink() {
                std::fs::metadata(&path).is_ok_and(|m| m.is_file())
            } else {
                kind.is_file()
            };
            if is_file {
                out.push(path);
            }
        }
    }
}

fn go_file_list(root: &Path) -> Result<Vec<PathBuf>, BenchError> {
    let mut paths = Vec::new();
    collect_go_files(root, &mut paths);
    paths.sort();
    if paths.is_empty() {
        return Err(BenchError::NoFiles(root.to_path_buf()));
    }
    Ok(paths)
}

fn load_corpus(paths: Vec<PathBuf>) -> Result<Corpus, BenchError> {
    let mut sources = Vec::with_capacity(paths.len());
    for path in &paths {
        let source =
            std::fs::read(path).map_err(|e| BenchError::Io(path.display().to_string(), e))?;
        sources.push(source);
    }
    let bytes = sources.iter().map(|s| s.len() as u64).sum();
    Ok(Corpus {
        paths,
        sources,
        bytes,
    })
}

/// Parses every file once with `threads` threads. Each AST is dropped right
/// after parsing, as go/parser's garbage is in `astdump -parse-only`. The
/// inputs are copied before the clock starts since `parse_file` takes
/// ownership of its bytes.
fn goconc_parse_pass(corpus: &Corpus, threads: usize) -> Result<Timing, BenchError> {
    let inputs = corpus.sources.clone();
    let (elapsed, files_with_errors) = if threads == 1 {
        let start = Instant::now();
        let failed = inputs
            .into_iter()
            .map(goconc_syntax::parse_file)
            .filter(|file| !file.errors.is_empty())
            .count();
        (start.elapsed(), failed)
    } else {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let start = Instant::now();
        let failed = pool.install(|| {
            inputs
                .into_par_iter()
                .map(goconc_syntax::parse_file)
                .filter(|file| !file.errors.is_empty())
                .count()
        });
        (start.elapsed(), failed)
    };
    Ok(Timing {
        seconds: seconds(elapsed),
        files_with_errors,
    })
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64().max(1e-9)
}

/// Reads and parses every file, keeping all the ASTs, for the memory figures.
fn parse_and_hold(paths: &[PathBuf]) -> Result<Vec<goconc_syntax::File>, BenchError> {
    paths
        .iter()
        .map(|path| {
            std::fs::read(path)
                .map(goconc_syntax::parse_file)
                .map_err(|e| BenchError::Io(path.display().to_string(), e))
        })
        .collect()
}

/// A `kB` field of `/proc/self/status` (such as `VmHWM:`) in bytes; Linux
/// only.
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line
        .trim_start_matches(field)
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1u64 << 20) as f64
}

/// Bytes reserved by the top-level arenas of the held files, to show where
/// the memory goes.
struct ArenaBytes {
    exprs: u64,
    stmts: u64,
    others: u64,
    sources: u64,
}

impl ArenaBytes {
    fn of(files: &[goconc_syntax::File]) -> Self {
        use goconc_syntax::ast::{CommentGroup, Decl, DeclId, Expr, Spec, SpecId, Stmt};
        fn bytes<T>(v: &Vec<T>) -> u64 {
            (v.capacity() * std::mem::size_of::<T>()) as u64
        }
        let mut out = ArenaBytes {
            exprs: 0,
            stmts: 0,
            others: 0,
            sources: 0,
        };
        for file in files {
            out.exprs += bytes::<Expr>(&file.exprs);
            out.stmts += bytes::<Stmt>(&file.stmts);
            out.others += bytes::<Decl>(&file.decl_nodes)
                + bytes::<Spec>(&file.specs)
                + bytes::<DeclId>(&file.decls)
                + bytes::<SpecId>(&file.imports)
                + bytes::<CommentGroup>(&file.comments);
            out.sources += file.source.len() as u64;
        }
        out
    }

    fn total(&self) -> u64 {
        self.exprs + self.stmts + self.others + self.sources
    }
}

fn build_astdump() -> Result<PathBuf, BenchError> {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/astdump");
    let out_dir = std::env::temp_dir().join(format!("goconc-bench-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir)
        .map_err(|e| BenchError::Io(out_dir.display().to_string(), e))?;
    let binary = out_dir.join("astdump");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "0")
        .status()
        .map_err(|e| BenchError::Io("go build".to_string(), e))?;
    if !status.success() {
        return Err(BenchError::AstdumpBuild);
    }
    Ok(binary)
}

/// Runs one `astdump -parse-only` pass over the corpus paths with `threads`
/// goroutines (GOMAXPROCS) in go/parser mode `mode` and returns its timing.
fn go_parse_only(
    astdump: &Path,
    corpus: &Corpus,
    threads: usize,
    mode: &str,
) -> Result<Timing, BenchError> {
    let mut child = Command::new(astdump)
        .args(["-parse-only", "-iters", "1", "-mode", mode, "-threads"])
        .arg(threads.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| BenchError::Io(astdump.display().to_string(), e))?;
    if let Some(mut stdin) = child.stdin.take() {
        let mut list = String::new();
        for path in &corpus.paths {
            list.push_str(&path.to_string_lossy());
            list.push('\n');
        }
        stdin
            .write_all(list.as_bytes())
            .map_err(|e| BenchError::Io("astdump stdin".to_string(), e))?;
    }
    let output = child
        .wait_with_output()
        .map_err(|e| BenchError::Io("astdump".to_string(), e))?;
    if !output.status.success() {
        return Err(BenchError::Astdump(format!(
            "exit status {}",
            output.status
        )));
    }
    parse_astdump_output(&String::from_utf8_lossy(&output.stdout), corpus.bytes)
}

/// Reads the `PARSE ... seconds=S ... errors=E` line of `astdump
/// -parse-only`, checking that go/parser saw `expected_bytes` bytes.
fn parse_astdump_output(text: &str, expected_bytes: u64) -> Result<Timing, BenchError> {
    let Some(line) = text.lines().find(|l| l.starts_with("PARSE ")) else {
        return Err(BenchError::Astdump(format!("unexpected output {text:?}")));
    };
    let field = |key: &str| {
        line.split_whitespace()
            .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
    };
    let seconds: Option<f64> = field("seconds").and_then(|v| v.parse().ok());
    let errors: Option<usize> = field("errors").and_then(|v| v.parse().ok());
    let bytes: Option<u64> = field("bytes").and_then(|v| v.parse().ok());
    let (Some(seconds), Some(errors), Some(bytes)) = (seconds, errors, bytes) else {
        return Err(BenchError::Astdump(format!("unreadable line {line:?}")));
    };
    if bytes != expected_bytes {
        return Err(BenchError::Astdump(format!(
            "go read {bytes} bytes, goconc {expected_bytes}"
        )));
    }
    Ok(Timing {
        seconds: seconds.max(1e-9),
        files_with_errors: errors,
    })
}

/// The 1-minute load average, to flag measurements taken on a busy machine.
fn load_average() -> Option<f64> {
    let text = std::fs::read_to_string("/proc/loadavg").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn print_table(rows: &[Row], bytes: u64) {
    println!();
    let mut header = format!("{:<8} {:>7} {:>12}", "phase", "threads", "goconc MB/s");
    for (_, column, _) in GO_MODES {
        let _ = write!(
            header,
            " {:>15} {:>10}",
            format!("{column} MB/s"),
            "goconc/go"
        );
    }
    let _ = write!(header, " {:>14}", "error files");
    println!("{header}");
    for row in rows {
        let mut line = format!(
            "{:<8} {:>7} {:>12.1}",
            row.phase,
            row.threads,
            row.goconc.mb_per_s(bytes)
        );
        let mut errors = row.goconc.files_with_errors.to_string();
        for baseline in row.baselines {
            match baseline {
                Some(go) => {
                    let _ = write!(
                        line,
                        " {:>15.1} {:>10}",
                        go.mb_per_s(bytes),
                        format!("{:.2}x", go.seconds / row.goconc.seconds)
                    );
                    let _ = write!(errors, "/{}", go.files_with_errors);
                }
                None => {
                    let _ = write!(line, " {:>15} {:>10}", "-", "-");
                }
            }
        }
        let _ = write!(line, " {errors:>14}");
        println!("{line}");
    }
    for (_, column, description) in GO_MODES {
        println!("  {column}: {description}");
    }
    println!("  error files: files with syntax errors (goconc, then each go/parser mode)");
}

fn print_targets(rows: &[Row], peak_rss: Option<u64>, bytes: u64) {
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    if let Some(row) = rows.iter().find(|r| r.phase == "parse" && r.threads == 1) {
        for ((_, column, _), baseline) in GO_MODES.iter().zip(row.baselines) {
            if let Some(go) = baseline {
                let ratio = go.seconds / row.goconc.seconds;
                println!(
                    "target parse single-thread >= {TARGET_PARSE_RATIO:.1}x {column}: {ratio:.2}x {} ({:.1} vs {:.1} MB/s)",
                    verdict(ratio >= TARGET_PARSE_RATIO),
                    row.goconc.mb_per_s(bytes),
                    go.mb_per_s(bytes),
                );
            }
        }
    }
    if let Some(rss) = peak_rss {
        println!(
            "target peak RSS < {} MiB: {:.1} MiB {}",
            TARGET_PEAK_RSS_BYTES >> 20,
            mib(rss),
            verdict(rss < TARGET_PEAK_RSS_BYTES)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(seconds: f64) -> Timing {
        Timing {
            seconds,
            files_with_errors: 0,
        }
    }

    #[test]
    fn astdump_line_is_read_and_checked() {
        let out = "PARSE mode=oracle threads=2 files=3 bytes=1000 iters=1 seconds=0.5 mbps=0.002 errors=1\n";
        let t = parse_astdump_output(out, 1000).expect("valid line");
        assert_eq!(t.seconds, 0.5);
        assert_eq!(t.files_with_errors, 1);
        assert!((t.mb_per_s(1000) - 0.002).abs() < 1e-12);
        assert!(matches!(
            parse_astdump_output(out, 999),
            Err(BenchError::Astdump(_))
        ));
        assert!(parse_astdump_output("PARSE threads=1\n", 1000).is_err());
        assert!(parse_astdump_output("", 1000).is_err());
    }

    #[test]
    fn rows_keep_the_fastest_pass_of_each_side() {
        let mut row = Row {
            phase: "parse",
            threads: 1,
            goconc: timing(2.0),
            baselines: [Some(timing(3.0)), None],
        };
        row.keep_best(timing(1.5), [Some(timing(4.0)), Some(timing(5.0))]);
        row.keep_best(timing(1.8), [Some(timing(2.5)), None]);
        assert_eq!(row.goconc.seconds, 1.5);
        assert_eq!(row.baselines[0].map(|t| t.seconds), Some(2.5));
        assert_eq!(row.baselines[1].map(|t| t.seconds), Some(5.0));
    }

    #[test]
    fn parse_pass_counts_files_with_errors() {
        let corpus = Corpus {
            paths: vec![PathBuf::from("a.go"), PathBuf::from("b.go")],
            sources: vec![b"package a\n".to_vec(), b"package\n".to_vec()],
            bytes: 18,
        };
        for threads in [1, 2] {
            let t = goconc_parse_pass(&corpus, threads).expect("pass");
            assert_eq!(t.files_with_errors, 1, "threads {threads}");
        }
    }
}
