//! The go/parser oracle: every `.go` file of the Go tree is parsed by both
//! `go/parser` (through `tools/astdump`) and goconc, and the canonical forms
//! (see `goconc_syntax::canonical`) must be identical.
//!
//! * Files go/parser accepts must dump byte-for-byte identically and give no
//!   goconc syntax error; parsed again with `skip_func_bodies`, they must
//!   give the same dump with the function declarations' bodies emptied.
//! * Files go/parser rejects must give at least one goconc syntax error.
//! * No file may make goconc panic or take over [`HANG_LIMIT`] to parse.
//!
//! Tests: `go_parser_oracle` (the tree), `go_parser_oracle_on_mutants`
//! (deterministic one- or two-edit mutants of a third of the tree),
//! `snippets_match_checked_in_go_parser_dumps` (tricky snippets with
//! checked-in dumps; runs without Go).
//!
//! Environment:
//! * `GOCONC_REQUIRE_GO=1` — fail instead of skipping when `go` is missing.
//! * `GOCONC_ORACLE_ROOT=dir` — walk `dir` instead of `$(go env GOROOT)/src`.
//! * `GOCONC_ORACLE_FILTER=substr` — only files whose path contains `substr`.
//! * `GOCONC_ORACLE_MUTANTS=n` — mutants per sampled file (default 2; 0 off).
//! * `GOCONC_BLESS=1` — rewrite the snippets' dumps from astdump.
//!
//! A full report is written to `$CARGO_TARGET_TMPDIR/oracle-report.txt`
//! (`oracle-mutants-report.txt` for mutants), and both dumps of the first
//! mismatching files to `$CARGO_TARGET_TMPDIR/oracle-mismatch/`. Run it in
//! release mode:
//! `cargo test --release -p goconc_syntax --test oracle -- --nocapture`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use goconc_syntax::canonical::canonical;
use goconc_syntax::{parse_file, parse_file_with, ParseOptions};

/// Files left out of the comparison, as (path suffix, reason). Keep empty
/// unless go/parser's verdict cannot be reproduced by design.
const EXCLUSIONS: &[(&str, &str)] = &[];

/// How many failing files are described on stdout (all are in the report).
const PRINTED_FAILURES: usize = 15;
/// Differing lines shown per mismatching file.
const DIFF_LINES: usize = 6;
/// How many mismatching files get both full dumps written out.
const SAVED_DUMPS: usize = 40;

enum Outcome {
    Identical,
    RejectedByBoth {
        /// When goconc's earliest error is not at go/parser's first error
        /// offset: both first errors (informational, not a failure).
        offset_difference: Option<String>,
    },
    Mismatch {
        diff: String,
        class: String,
        go_dump: String,
        goconc_dump: String,
    },
    /// go/parser accepted, goconc reported errors.
    RejectedOnlyByGoconc {
        errors: String,
    },
    /// go/parser rejected, goconc reported nothing.
    RejectedOnlyByGo {
        go_error: String,
    },
    /// Identical in full, but parsing with `skip_func_bodies` changes more
    /// than the function bodies.
    SkipBodiesMismatch {
        what: String,
    },
    /// A parser panic or an I/O problem.
    Broken {
        what: String,
    },
}

struct FileResult {
    path: PathBuf,
    outcome: Outcome,
    /// Time goconc took to parse the file.
    parse_time: Duration,
}

/// A single file taking this long to parse is reported as a hang and ends
/// the test run (goconc must never hang, whatever the input).
const HANG_LIMIT: Duration = Duration::from_secs(120);

/// What a worker is parsing and since when (`None` when idle).
type BusySlot = Option<(PathBuf, Instant)>;

fn go_available() -> Option<PathBuf> {
    let out = Command::new("go").args(["env", "GOROOT"]).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let root = String::from_utf8(out.stdout).ok()?;
    let root = root.trim();
    (!root.is_empty()).then(|| PathBuf::from(root))
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
            // A symlink counts when it leads to a regular file; symlinked
            // directories are not followed (no cycles).
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

/// The astdump binary, built once per test binary (the tests run in
/// parallel and share it).
fn astdump_binary() -> PathBuf {
    static ASTDUMP: OnceLock<PathBuf> = OnceLock::new();
    ASTDUMP
        .get_or_init(|| build_astdump(Path::new(env!("CARGO_TARGET_TMPDIR"))))
        .clone()
}

fn build_astdump(out_dir: &Path) -> PathBuf {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/astdump");
    let binary = out_dir.join("astdump");
    let status = Command::new("go")
        .args(["build", "-o"])
        .arg(&binary)
        .arg(".")
        .current_dir(&source)
        .env("GOWORK", "off")
        .env("CGO_ENABLED", "0")
        .status()
        .expect("run go build");
    assert!(status.success(), "go build of tools/astdump failed");
    binary
}

/// Reads one `FILE <nbytes> <path>` record of `astdump -batch`.
fn read_record(reader: &mut impl BufRead) -> Option<(String, String)> {
    let mut header = String::new();
    if reader.read_line(&mut header).ok()? == 0 {
        return None;
    }
    let rest = header.trim_end_matches('\n').strip_prefix("FILE ")?;
    let (len, path) = rest.split_once(' ')?;
    let len: usize = len.parse().ok()?;
    let mut dump = vec![0; len];
    reader.read_exact(&mut dump).ok()?;
    Some((path.to_string(), String::from_utf8(dump).ok()?))
}

/// A short name for the kind of the first difference, to group mismatches:
/// `Fun CallExpr: end` when the same node differs in one field,
/// `Else: nil vs IfStmt` when different things are printed.
fn classify(go_line: &str, goconc_line: &str) -> String {
    /// Splits a dump line into (label, kind, the remaining tokens). The root
    /// `File` line has no label; list headers have the kind `[n]`.
    fn parts(line: &str) -> (&str, &str, Vec<&str>) {
        let tokens: Vec<&str> = line.split_whitespace().collect();
        match tokens.as_slice() {
            [] => ("<end of dump>", "", Vec::new()),
            [kind, start, ..] if *kind == "File" && start.parse::<u64>().is_ok() => {
                ("", kind, tokens[1..].to_vec())
            }
            [label] => (label, "", Vec::new()),
            [label, kind, rest @ ..] => (label, kind, rest.to_vec()),
        }
    }
    let (go_label, go_kind, go_rest) = parts(go_line);
    let (rs_label, rs_kind, rs_rest) = parts(goconc_line);
    if go_label != rs_label {
        return format!("{go_label} {go_kind} vs {rs_label} {rs_kind}");
    }
    if go_kind.starts_with('[') && rs_kind.starts_with('[') {
        return format!("{go_label}: list length");
    }
    if go_kind != rs_kind {
        return format!("{go_label}: {go_kind} vs {rs_kind}");
    }
    let position = go_rest
        .iter()
        .zip(&rs_rest)
        .position(|(a, b)| a != b)
        .unwrap_or(go_rest.len().min(rs_rest.len()));
    let what = match position {
        0 => "start".to_string(),
        1 => "end".to_string(),
        _ => go_rest
            .get(position)
            .or(rs_rest.get(position))
            .map(|t| t.split('=').next().unwrap_or(t).to_string())
            .unwrap_or_else(|| "line length".to_string()),
    };
    format!("{go_label} {go_kind}: {what}").trim().to_string()
}

/// The first differing lines with a little context, and the mismatch class.
fn first_difference(go_dump: &str, goconc_dump: &str) -> (String, String) {
    let go_lines: Vec<&str> = go_dump.lines().collect();
    let rs_lines: Vec<&str> = goconc_dump.lines().collect();
    let first = go_lines
        .iter()
        .zip(&rs_lines)
        .position(|(a, b)| a != b)
        .unwrap_or(go_lines.len().min(rs_lines.len()));
    let go_line = go_lines.get(first).copied().unwrap_or("<end of dump>");
    let rs_line = rs_lines.get(first).copied().unwrap_or("<end of dump>");
    let class = classify(go_line, rs_line);
    let mut diff = String::new();
    let context_start = first.saturating_sub(2);
    for line in &go_lines[context_start..first] {
        let _ = writeln!(diff, "    {line}");
    }
    for (i, line) in go_lines.iter().skip(first).take(DIFF_LINES).enumerate() {
        let _ = writeln!(diff, "  go:{:>6} {line}", first + i + 1);
    }
    for (i, line) in rs_lines.iter().skip(first).take(DIFF_LINES).enumerate() {
        let _ = writeln!(diff, "  rs:{:>6} {line}", first + i + 1);
    }
    (diff, class)
}

fn judge(path: &Path, go_dump: String, parse_time: &mut Duration) -> Outcome {
    let source = match std::fs::read(path) {
        Ok(source) => source,
        Err(err) => {
            return Outcome::Broken {
                what: format!("read: {err}"),
            }
        }
    };
    if go_dump.starts_with("IOERROR") {
        return Outcome::Broken {
            what: format!("astdump: {}", go_dump.trim_end()),
        };
    }
    let source_copy = source.clone();
    let parsed = match catch_unwind(AssertUnwindSafe(|| {
        let started = Instant::now();
        let file = parse_file(source);
        *parse_time = started.elapsed();
        let dump = canonical(&file);
        (file.errors, dump)
    })) {
        Ok(parsed) => parsed,
        Err(_) => {
            return Outcome::Broken {
                what: "goconc panicked".to_string(),
            }
        }
    };
    let (errors, goconc_dump) = parsed;
    let go_rejects = go_dump.starts_with("ERROR ");
    match (go_rejects, errors.is_empty()) {
        (true, false) => {
            let go_offset: Option<u32> = go_dump
                .split_whitespace()
                .nth(1)
                .and_then(|offset| offset.parse().ok());
            let first = errors.iter().min_by_key(|e| e.span.start);
            let same = go_offset.is_some() && go_offset == first.map(|e| e.span.start);
            Outcome::RejectedByBoth {
                offset_difference: (!same).then(|| {
                    format!(
                        "go/parser {} / goconc {}",
                        go_dump.trim_end(),
                        first.map_or("none".to_string(), |e| format!(
                            "{}: {:?}",
                            e.span.start, e.message
                        ))
                    )
                }),
            }
        }
        (true, true) => Outcome::RejectedOnlyByGo {
            go_error: go_dump.trim_end().to_string(),
        },
        (false, false) => {
            let mut text = String::new();
            for err in errors.iter().take(3) {
                let _ = write!(
                    text,
                    "{}..{}: {}; ",
                    err.span.start, err.span.end, err.message
                );
            }
            if errors.len() > 3 {
                let _ = write!(text, "({} errors in all)", errors.len());
            }
            Outcome::RejectedOnlyByGoconc { errors: text }
        }
        (false, true) if go_dump == goconc_dump => {
            match skip_bodies_difference(source_copy, &go_dump) {
                None => Outcome::Identical,
                Some(what) => Outcome::SkipBodiesMismatch { what },
            }
        }
        (false, true) => {
            let (diff, class) = first_difference(&go_dump, &goconc_dump);
            Outcome::Mismatch {
                diff,
                class,
                go_dump,
                goconc_dump,
            }
        }
    }
}

/// go/parser's dump with the statements of every function declaration's
/// body removed: what goconc must print for the file parsed with
/// `ParseOptions { skip_func_bodies: true }` (bodies become empty blocks with
/// the same braces; function literals outside bodies stay, comments stay).
fn without_func_bodies(dump: &str) -> String {
    let mut out = String::with_capacity(dump.len());
    let mut in_func_decl = false;
    let mut after_body_line = false;
    let mut skipping_body = false;
    for line in dump.lines() {
        let depth = line.len() - line.trim_start_matches(' ').len();
        let text = &line[depth..];
        if skipping_body {
            if depth >= 5 {
                continue;
            }
            skipping_body = false;
        }
        if depth == 2 {
            in_func_decl = text.starts_with("- FuncDecl ");
        }
        if after_body_line && depth == 4 && text.starts_with("List [") {
            out.push_str("    List [0]\n");
            skipping_body = true;
            after_body_line = false;
            continue;
        }
        after_body_line = in_func_decl && depth == 3 && text.starts_with("Body BlockStmt ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Parses `source` with `skip_func_bodies` and compares it with the full
/// dump minus the bodies; returns the first difference, if any.
fn skip_bodies_difference(source: Vec<u8>, go_dump: &str) -> Option<String> {
    let file = parse_file_with(
        source,
        ParseOptions {
            skip_func_bodies: true,
        },
    );
    if !file.errors.is_empty() {
        return Some(format!(
            "skip_func_bodies reports errors: {:?}",
            file.errors.iter().take(3).collect::<Vec<_>>()
        ));
    }
    let expected = without_func_bodies(go_dump);
    let actual = canonical(&file);
    (expected != actual).then(|| {
        let (diff, class) = first_difference(&expected, &actual);
        format!("[{class}]\n{diff}")
    })
}

fn sanitize(path: &Path) -> String {
    path.to_string_lossy()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// What the two oracle tests share: the file list and the built astdump.
struct Setup {
    root: PathBuf,
    filter: Option<String>,
    paths: Vec<PathBuf>,
    excluded: Vec<String>,
    tmp: PathBuf,
    astdump: PathBuf,
}

/// Finds the files and builds astdump, or returns `None` (after saying so)
/// when Go is missing and not required.
fn setup() -> Option<Setup> {
    let require_go = std::env::var("GOCONC_REQUIRE_GO").is_ok_and(|v| v == "1");
    let Some(goroot) = go_available() else {
        assert!(
            !require_go,
            "GOCONC_REQUIRE_GO=1 but `go env GOROOT` did not work"
        );
        eprintln!("skipping the go/parser oracle: `go` is not installed");
        return None;
    };
    let root = std::env::var_os("GOCONC_ORACLE_ROOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| goroot.join("src"));
    let filter = std::env::var("GOCONC_ORACLE_FILTER").ok();
    let mut paths = Vec::new();
    collect_go_files(&root, &mut paths);
    paths.sort();
    if let Some(filter) = &filter {
        paths.retain(|p| p.to_string_lossy().contains(filter.as_str()));
    }
    let mut excluded = Vec::new();
    paths.retain(|p| {
        let shown = p.to_string_lossy();
        match EXCLUSIONS
            .iter()
            .find(|(suffix, _)| shown.ends_with(suffix))
        {
            Some((_, reason)) => {
                excluded.push(format!("{shown}: {reason}"));
                false
            }
            None => true,
        }
    });
    assert!(!paths.is_empty(), "no .go files under {}", root.display());
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    let astdump = astdump_binary();
    Some(Setup {
        root,
        filter,
        paths,
        excluded,
        tmp,
        astdump,
    })
}

/// Dumps `paths` with one `astdump -batch` process and judges each file on
/// a pool of worker threads; returns the results in input order.
fn compare_all(astdump: &Path, paths: &[PathBuf]) -> Vec<FileResult> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut child = Command::new(astdump)
        .arg("-batch")
        .arg("-j")
        .arg(workers.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn astdump");
    let mut stdin = child.stdin.take().expect("astdump stdin");
    let stdout = child.stdout.take().expect("astdump stdout");
    let path_list: Vec<String> = paths
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let writer = std::thread::spawn(move || {
        for path in &path_list {
            if writeln!(stdin, "{path}").is_err() {
                break;
            }
        }
    });

    // The reader feeds (index, path, go dump) to the workers through a
    // bounded channel so that astdump never runs far ahead in memory.
    let (work_tx, work_rx) = mpsc::sync_channel::<(usize, PathBuf, String)>(64);
    let work_rx = Arc::new(Mutex::new(work_rx));
    let (result_tx, result_rx) = mpsc::channel::<(usize, FileResult)>();
    // One slot per worker: the file it is parsing and since when, for the
    // hang watchdog.
    let busy: Arc<Mutex<Vec<BusySlot>>> = Arc::new(Mutex::new(vec![None; workers]));
    let mut handles = Vec::new();
    for worker in 0..workers {
        let work_rx = Arc::clone(&work_rx);
        let result_tx = result_tx.clone();
        let busy = Arc::clone(&busy);
        handles.push(std::thread::spawn(move || loop {
            let job = work_rx.lock().expect("work queue").recv();
            let Ok((index, path, go_dump)) = job else {
                break;
            };
            busy.lock().expect("busy slots")[worker] = Some((path.clone(), Instant::now()));
            let mut parse_time = Duration::ZERO;
            let outcome = judge(&path, go_dump, &mut parse_time);
            busy.lock().expect("busy slots")[worker] = None;
            let result = FileResult {
                path,
                outcome,
                parse_time,
            };
            if result_tx.send((index, result)).is_err() {
                break;
            }
        }));
    }
    let finished = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let busy = Arc::clone(&busy);
        let finished = Arc::clone(&finished);
        std::thread::spawn(move || {
            while !finished.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let slots = busy.lock().expect("busy slots");
                for (path, since) in slots.iter().flatten() {
                    if since.elapsed() > HANG_LIMIT {
                        eprintln!(
                            "goconc has been parsing {} for over {}s: treating it as a hang",
                            path.display(),
                            HANG_LIMIT.as_secs()
                        );
                        std::process::exit(1);
                    }
                }
            }
        })
    };
    drop(result_tx);

    let mut reader = BufReader::with_capacity(1 << 20, stdout);
    for (index, path) in paths.iter().enumerate() {
        let Some((dumped_path, dump)) = read_record(&mut reader) else {
            panic!("astdump output ended early at {}", path.display());
        };
        assert_eq!(
            dumped_path,
            path.to_string_lossy(),
            "astdump answered out of order"
        );
        work_tx
            .send((index, path.clone(), dump))
            .expect("workers alive");
    }
    drop(work_tx);
    writer.join().expect("path writer");
    let status = child.wait().expect("wait for astdump");
    assert!(status.success(), "astdump -batch failed");
    let mut results: Vec<(usize, FileResult)> = result_rx.iter().collect();
    for handle in handles {
        handle.join().expect("oracle worker panicked");
    }
    finished.store(true, Ordering::Relaxed);
    watchdog.join().expect("watchdog");
    results.sort_by_key(|(index, _)| *index);
    assert_eq!(results.len(), paths.len(), "a file was lost");
    results.into_iter().map(|(_, result)| result).collect()
}

/// Prints the summary, the mismatch classes and the first failures, writes
/// the full report to `<tmp>/<name>-report.txt` and the dumps of the first
/// mismatching files to `<tmp>/<name>-mismatch/`, and fails the test if any
/// file disagrees.
fn report_and_assert(
    name: &str,
    title: &str,
    setup: &Setup,
    results: &[FileResult],
    started: Instant,
) {
    let mut identical = 0usize;
    let mut rejected_by_both = 0usize;
    let mut same_first_error = 0usize;
    let mut offset_differences = Vec::new();
    let mut mismatched = Vec::new();
    let mut only_goconc = Vec::new();
    let mut only_go = Vec::new();
    let mut broken = Vec::new();
    let mut skip_bodies = Vec::new();
    for result in results {
        match &result.outcome {
            Outcome::Identical => identical += 1,
            Outcome::RejectedByBoth { offset_difference } => {
                rejected_by_both += 1;
                match offset_difference {
                    None => same_first_error += 1,
                    Some(detail) => offset_differences.push((&result.path, detail)),
                }
            }
            Outcome::Mismatch { .. } => mismatched.push(result),
            Outcome::RejectedOnlyByGoconc { .. } => only_goconc.push(result),
            Outcome::RejectedOnlyByGo { .. } => only_go.push(result),
            Outcome::Broken { .. } => broken.push(result),
            Outcome::SkipBodiesMismatch { .. } => skip_bodies.push(result),
        }
    }

    // Mismatch classes, most frequent first, with an example file each.
    let mut classes: BTreeMap<&str, (usize, &Path)> = BTreeMap::new();
    for result in &mismatched {
        if let Outcome::Mismatch { class, .. } = &result.outcome {
            let entry = classes.entry(class).or_insert((0, &result.path));
            entry.0 += 1;
        }
    }
    let mut classes: Vec<(&str, usize, &Path)> =
        classes.into_iter().map(|(c, (n, p))| (c, n, p)).collect();
    classes.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));

    let mut report = String::new();
    let _ = writeln!(report, "{title} (files under {})", setup.root.display());
    if let Some(filter) = &setup.filter {
        let _ = writeln!(report, "filter: {filter}");
    }
    let _ = writeln!(report, "files compared:          {}", results.len());
    let _ = writeln!(report, "identical:               {identical}");
    let _ = writeln!(report, "mismatched:              {}", mismatched.len());
    let _ = writeln!(
        report,
        "rejected by both:        {rejected_by_both} (first error at go/parser's offset: {same_first_error})"
    );
    let _ = writeln!(report, "rejected only by goconc: {}", only_goconc.len());
    let _ = writeln!(report, "rejected only by go:     {}", only_go.len());
    let _ = writeln!(report, "panics / I/O errors:     {}", broken.len());
    let _ = writeln!(
        report,
        "skip_func_bodies wrong:  {} (identical files re-parsed without bodies)",
        skip_bodies.len()
    );
    let _ = writeln!(report, "excluded:                {}", setup.excluded.len());
    for line in &setup.excluded {
        let _ = writeln!(report, "  excluded {line}");
    }
    let _ = writeln!(
        report,
        "elapsed:                 {:.1}s",
        started.elapsed().as_secs_f64()
    );
    if let Some(slowest) = results.iter().max_by_key(|r| r.parse_time) {
        let total: Duration = results.iter().map(|r| r.parse_time).sum();
        let _ = writeln!(
            report,
            "goconc parse time:       {:.2}s in all, slowest {:.1}ms ({})",
            total.as_secs_f64(),
            slowest.parse_time.as_secs_f64() * 1e3,
            slowest.path.display()
        );
    }
    let summary_end = report.len();
    if !classes.is_empty() {
        let _ = writeln!(report, "\nmismatch classes (first difference per file):");
        for (class, count, example) in &classes {
            let _ = writeln!(
                report,
                "  {count:>6}  {class}  (e.g. {})",
                example.display()
            );
        }
    }
    let classes_end = report.len();
    if !offset_differences.is_empty() {
        let _ = writeln!(
            report,
            "\nrejected by both, first error elsewhere (informational):"
        );
        for (path, detail) in &offset_differences {
            let _ = writeln!(report, "  {}: {detail}", path.display());
        }
    }

    let failures: Vec<&&FileResult> = broken
        .iter()
        .chain(&only_go)
        .chain(&only_goconc)
        .chain(&mismatched)
        .chain(&skip_bodies)
        .collect();
    let mut printed_failures = String::new();
    let mismatch_dir = setup.tmp.join(format!("{name}-mismatch"));
    let _ = std::fs::remove_dir_all(&mismatch_dir);
    let mut saved = 0;
    for (n, result) in failures.iter().enumerate() {
        let mut entry = String::new();
        let path = result.path.display();
        match &result.outcome {
            Outcome::Broken { what } => {
                let _ = writeln!(entry, "BROKEN {path}: {what}");
            }
            Outcome::SkipBodiesMismatch { what } => {
                let _ = writeln!(entry, "SKIP_FUNC_BODIES MISMATCH {path} {what}");
            }
            Outcome::RejectedOnlyByGo { go_error } => {
                let _ = writeln!(
                    entry,
                    "ACCEPTED BY GOCONC ONLY {path}: go/parser says {go_error}"
                );
            }
            Outcome::RejectedOnlyByGoconc { errors } => {
                let _ = writeln!(entry, "REJECTED BY GOCONC ONLY {path}: {errors}");
            }
            Outcome::Mismatch {
                diff,
                class,
                go_dump,
                goconc_dump,
            } => {
                let _ = writeln!(entry, "MISMATCH {path} [{class}]");
                entry.push_str(diff);
                if saved < SAVED_DUMPS {
                    saved += 1;
                    let _ = std::fs::create_dir_all(&mismatch_dir);
                    let stem = sanitize(&result.path);
                    let _ = std::fs::write(mismatch_dir.join(format!("{stem}.go.txt")), go_dump);
                    let _ = std::fs::write(
                        mismatch_dir.join(format!("{stem}.goconc.txt")),
                        goconc_dump,
                    );
                }
            }
            Outcome::Identical | Outcome::RejectedByBoth { .. } => {}
        }
        if n < PRINTED_FAILURES {
            printed_failures.push_str(&entry);
        }
        report.push('\n');
        report.push_str(&entry);
    }

    let report_path = setup.tmp.join(format!("{name}-report.txt"));
    let _ = std::fs::write(&report_path, &report);
    println!("{}", &report[..summary_end]);
    if !classes.is_empty() {
        let class_text = &report[summary_end..classes_end];
        let shown: Vec<&str> = class_text.lines().take(26).collect();
        println!("{}", shown.join("\n"));
    }
    if !failures.is_empty() {
        println!("\nfirst failures:\n{printed_failures}");
        if saved > 0 {
            println!(
                "full dumps of {saved} mismatching files in {}",
                mismatch_dir.display()
            );
        }
    }
    println!("full report: {}", report_path.display());
    assert!(
        failures.is_empty(),
        "{} of {} files disagree with go/parser (see {})",
        failures.len(),
        results.len(),
        report_path.display()
    );
}

#[test]
fn go_parser_oracle() {
    let Some(setup) = setup() else {
        return;
    };
    let started = Instant::now();
    let results = compare_all(&setup.astdump, &setup.paths);
    report_and_assert("oracle", "go/parser oracle", &setup, &results, started);
}

/// A small deterministic generator (xorshift64*) so that mutants are the
/// same on every run and a failure can be reproduced from its file name.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Fragments inserted by the mutator: tokens whose misplacement exercises
/// the parser's error paths, bytes the scanner must reject, and comments and
/// blank space that usually keep the file valid but move comment-group
/// boundaries and automatic semicolons.
const FRAGMENTS: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b";",
    b"\n",
    b":",
    b".",
    b"...",
    b"=",
    b":=",
    b"<-",
    b"*",
    b"&",
    b"~",
    b"|",
    b"!",
    b"func",
    b"func()",
    b"chan",
    b"chan<-",
    b"map[",
    b"interface{",
    b"struct{",
    b"go",
    b"defer",
    b"select",
    b"case",
    b"default:",
    b"else",
    b"if",
    b"for",
    b"range",
    b"return",
    b"type",
    b"var",
    b"const",
    b"import",
    b"package",
    b"break",
    b"goto",
    b"fallthrough",
    b"_",
    b"x",
    b"0x",
    b"1e",
    b"0b2",
    b"1.5i",
    b"'",
    b"'a'",
    b"\"",
    b"`",
    b"/*",
    b"*/",
    b"//",
    b"\r",
    b"\0",
    b"\xef\xbb\xbf",
    b"\xff",
    b"\xc3\xa9",
    b"[]int{",
    b"T[int]",
    b"x.(type)",
    b"@",
    b"#",
    b"$",
    b"?",
    b"\\",
    b" /* c */ ",
    b"/*\n*/",
    b"// c\n",
    b"\n// c\n\n",
    b"/* a */ /* b */",
    b"\t",
    b"\n\n",
];

/// Applies one random edit to `source`; returns the mutant and a short name
/// for the edit (used in the mutant's file name).
fn mutate(source: &[u8], rng: &mut Rng) -> (Vec<u8>, String) {
    let len = source.len();
    let at = rng.below(len + 1);
    match rng.below(6) {
        0 => (source[..at].to_vec(), format!("cut{at}")),
        1 => {
            let end = (at + 1 + rng.below(8)).min(len);
            let mut out = source[..at].to_vec();
            out.extend_from_slice(&source[end..]);
            (out, format!("del{at}-{end}"))
        }
        2 | 3 => {
            let fragment = FRAGMENTS[rng.below(FRAGMENTS.len())];
            let mut out = source[..at].to_vec();
            out.extend_from_slice(fragment);
            out.extend_from_slice(&source[at..]);
            (out, format!("ins{at}"))
        }
        4 => {
            let end = (at + 1 + rng.below(16)).min(len);
            let mut out = source[..end].to_vec();
            out.extend_from_slice(&source[at..]);
            (out, format!("dup{at}-{end}"))
        }
        _ => {
            // Swap the line containing `at` with the next one.
            let start = source[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let Some(mid) = source[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map(|i| at + i + 1)
            else {
                return (source.to_vec(), "same".to_string());
            };
            let end = source[mid..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(len, |i| mid + i + 1);
            let mut out = source[..start].to_vec();
            out.extend_from_slice(&source[mid..end]);
            if !out.ends_with(b"\n") {
                out.push(b'\n');
            }
            out.extend_from_slice(&source[start..mid]);
            out.extend_from_slice(&source[end..]);
            (out, format!("swap{start}"))
        }
    }
}

/// The same judgement on deterministic mutants of every third file (one or
/// two random edits each: truncation, deletion, insertion of a token, a
/// comment or bad bytes, duplication, swapped lines), which exercise the
/// syntax-error paths and odd-but-valid inputs the Go tree lacks.
/// `GOCONC_ORACLE_MUTANTS=n` sets the mutants per sampled file (default 2,
/// 0 disables).
#[test]
fn go_parser_oracle_on_mutants() {
    let per_file: usize = std::env::var("GOCONC_ORACLE_MUTANTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2);
    if per_file == 0 {
        return;
    }
    let Some(setup) = setup() else {
        return;
    };
    let started = Instant::now();
    let dir = setup.tmp.join("oracle-mutants");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create mutant dir");
    let mut mutants = Vec::new();
    for (index, path) in setup.paths.iter().enumerate().step_by(3) {
        let Ok(source) = std::fs::read(path) else {
            continue;
        };
        let stem = path
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned());
        for n in 0..per_file {
            let mut rng = Rng::new((index * 1000 + n) as u64);
            // Every other mutant gets a second edit, so that edits interact
            // (an opened comment closed later, a deleted brace re-added).
            let (mut mutant, mut edit) = mutate(&source, &mut rng);
            if n % 2 == 1 {
                let (twice, second) = mutate(&mutant, &mut rng);
                mutant = twice;
                edit = format!("{edit}+{second}");
            }
            let mutant_path = dir.join(format!("{index:05}-{n}-{edit}-{stem}.go"));
            std::fs::write(&mutant_path, mutant).expect("write mutant");
            mutants.push(mutant_path);
        }
    }
    let results = compare_all(&setup.astdump, &mutants);
    report_and_assert(
        "oracle-mutants",
        "go/parser oracle on mutants",
        &setup,
        &results,
        started,
    );
}

/// Hand-written snippets of tricky syntax with their go/parser dumps checked
/// in (`tests/oracle_snippets/*.go` and `*.dump`), so that the comparison
/// also runs where Go is not installed. Where Go is installed the dumps are
/// regenerated and must be current; `GOCONC_BLESS=1` rewrites them.
#[test]
fn snippets_match_checked_in_go_parser_dumps() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle_snippets");
    let mut sources: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read oracle_snippets")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|ext| ext == "go"))
        .collect();
    sources.sort();
    assert!(!sources.is_empty());
    let bless = std::env::var("GOCONC_BLESS").is_ok_and(|v| v == "1");
    let astdump = go_available().map(|_| astdump_binary());
    let mut failures = Vec::new();
    for source_path in &sources {
        let dump_path = source_path.with_extension("dump");
        if let Some(astdump) = &astdump {
            let out = Command::new(astdump)
                .arg(source_path)
                .output()
                .expect("run astdump");
            assert!(out.status.success(), "astdump {}", source_path.display());
            let fresh = String::from_utf8(out.stdout).expect("ASCII dump");
            if bless {
                std::fs::write(&dump_path, &fresh).expect("write dump");
            } else {
                let stored = std::fs::read_to_string(&dump_path).unwrap_or_default();
                assert_eq!(
                    stored,
                    fresh,
                    "{} is stale; rerun with GOCONC_BLESS=1",
                    dump_path.display()
                );
            }
        }
        let expected = std::fs::read_to_string(&dump_path)
            .unwrap_or_else(|_| panic!("missing {}", dump_path.display()));
        let file = parse_file(std::fs::read(source_path).expect("read snippet"));
        if expected.starts_with("ERROR ") {
            if file.errors.is_empty() {
                failures.push(format!(
                    "{}: go/parser says {} but goconc reports no error",
                    source_path.display(),
                    expected.trim_end()
                ));
            }
            continue;
        }
        if !file.errors.is_empty() {
            failures.push(format!(
                "{}: unexpected goconc errors {:?}",
                source_path.display(),
                file.errors
            ));
            continue;
        }
        let actual = canonical(&file);
        if actual != expected {
            let (diff, class) = first_difference(&expected, &actual);
            failures.push(format!("{} [{class}]\n{diff}", source_path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn without_func_bodies_empties_only_declared_function_bodies() {
    let source = "package p\n\nvar f = func() { g() }\n\nfunc h() {\n\tg()\n\t// c\n}\n";
    let full = canonical(&parse_file(source.as_bytes().to_vec()));
    let skipped = canonical(&parse_file_with(
        source.as_bytes().to_vec(),
        ParseOptions {
            skip_func_bodies: true,
        },
    ));
    let expected = without_func_bodies(&full);
    assert_ne!(full, expected, "h's body must be emptied");
    assert!(
        expected.contains("   Body BlockStmt 44 58\n    List [0]\n"),
        "{expected}"
    );
    // The function literal of the package-level var keeps its body.
    assert!(expected.contains("CallExpr 28 31"), "{expected}");
    assert!(!expected.contains("CallExpr 47 50"), "{expected}");
    assert!(expected.contains("Comment 52 56"), "{expected}");
    assert_eq!(skipped, expected);
}
