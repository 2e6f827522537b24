//! Throughput benchmark: generates a `debug=2` goroutine dump (1 GiB by
//! default) in a temporary file, then reads and groups it on one thread and
//! prints MB/s and the peak RSS of the reading phase.
//!
//!     cargo bench -p goconc_dump --bench read_dump
//!     GOCONC_BENCH_MB=64 cargo bench -p goconc_dump --bench read_dump   # quick run
//!
//! Targets (from the issue): ≥ 200 MB/s, peak RSS < 200 MB.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::time::Instant;

/// A small deterministic generator (xorshift) so runs are comparable.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const STATES: &[&str] = &[
    "chan send",
    "chan receive",
    "select",
    "sync.Mutex.Lock",
    "sync.WaitGroup.Wait",
    "IO wait",
    "sleep",
    "runnable",
    "semacquire",
    "sync.Cond.Wait",
];

/// Writes goroutines that look like a real service's dump: a few hundred
/// distinct stacks of 3–30 frames from many packages, argument values and
/// wait times varying per goroutine, labels on some, creation sites.
fn generate(path: &std::path::Path, target_bytes: u64) -> std::io::Result<(u64, u64)> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let packages = [
        "example.com/shop/internal/orders",
        "example.com/shop/internal/payments",
        "github.com/acme/queue",
        "net/http",
        "database/sql",
        "google.golang.org/grpc/internal/transport",
    ];
    // Distinct stacks: (state, frames, creator).
    let mut stacks = Vec::new();
    for s in 0..400u64 {
        let depth = 3 + rng.below(28);
        let mut frames = Vec::new();
        for d in 0..depth {
            let pkg = packages[rng.below(packages.len() as u64) as usize];
            let generic = if rng.below(10) == 0 { "[...]" } else { "" };
            frames.push((
                format!("{pkg}.(*Worker{s}).step{d}{generic}"),
                format!("/build/src/{pkg}/file{}.go", d % 7),
                10 + rng.below(900),
            ));
        }
        let state = STATES[rng.below(STATES.len() as u64) as usize];
        let creator = format!("{}.(*Pool).Start", packages[(s % 3) as usize]);
        stacks.push((state, frames, creator, 20 + rng.below(400)));
    }
    let mut written = 0u64;
    let mut goroutines = 0u64;
    let mut id = 1u64;
    let mut line = Vec::with_capacity(256);
    while written < target_bytes {
        // Skewed: a few stacks dominate, like a real leak.
        let pick = (rng.below(400) * rng.below(400) / 400) as usize;
        let (state, frames, creator, creator_line) = &stacks[pick];
        line.clear();
        let minutes = rng.below(90);
        let _ = write!(line, "goroutine {id} [{state}");
        if minutes > 0 && *state != "runnable" {
            let _ = write!(line, ", {minutes} minutes");
        }
        if pick.is_multiple_of(17) {
            let _ = write!(line, " labels:{{\"tenant\": \"t{}\"}}", pick % 5);
        }
        line.extend_from_slice(b"]:\n");
        for (function, file, l) in frames {
            let _ = writeln!(
                line,
                "{function}(0xc{:09x}, {{0x{:x}, 0x{:x}}}, 0x{:x}?)",
                rng.below(1 << 36),
                rng.below(1 << 24),
                rng.below(64),
                rng.below(1 << 20)
            );
            let _ = writeln!(line, "\t{file}:{l} +0x{:x}", rng.below(0x400));
        }
        let _ = writeln!(
            line,
            "created by {creator} in goroutine {}",
            1 + rng.below(50)
        );
        let _ = writeln!(
            line,
            "\t/build/src/pool.go:{creator_line} +0x{:x}\n",
            rng.below(0x400)
        );
        out.write_all(&line)?;
        written += line.len() as u64;
        goroutines += 1;
        id += 1 + rng.below(3);
    }
    out.flush()?;
    Ok((written, goroutines))
}

fn status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() {
    // `cargo bench` passes `--bench`; any other argument filters nothing here.
    let megabytes: u64 = std::env::var("GOCONC_BENCH_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1024);
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("dump.txt");
    let started = Instant::now();
    let (bytes, goroutines) = generate(&path, megabytes << 20).expect("generate");
    println!(
        "generated {:.0} MB debug=2 dump, {goroutines} goroutines, in {:.1}s",
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );

    // Reset the peak-RSS watermark so it measures the reading phase only
    // (writing "5" to clear_refs resets VmHWM on Linux).
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let rss_before = status_kib("VmRSS:").unwrap_or(0);

    let started = Instant::now();
    let file = File::open(&path).expect("open dump");
    let analysis = goconc_dump::read_dump(file).expect("read dump");
    let mut analysis = analysis;
    goconc_dump::analyze::classify(&mut analysis, &goconc_dump::AnalysisOptions::default());
    goconc_dump::analyze::rank(&mut analysis);
    let seconds = started.elapsed().as_secs_f64();

    let peak = status_kib("VmHWM:").unwrap_or(0);
    let mb_per_s = bytes as f64 / 1e6 / seconds;
    assert_eq!(
        analysis.goroutines, goroutines,
        "every goroutine is counted"
    );
    println!(
        "read+group: {:.0} MB in {seconds:.2}s = {mb_per_s:.0} MB/s (one thread); {} goroutines in {} groups, {} suspects",
        bytes as f64 / 1e6,
        analysis.goroutines,
        analysis.groups.len(),
        analysis.suspects().count()
    );
    println!(
        "peak RSS while reading: {:.1} MB{} (RSS before reading {:.1} MB)",
        peak as f64 / 1024.0,
        if reset {
            ""
        } else {
            " (whole process: clear_refs unavailable)"
        },
        rss_before as f64 / 1024.0
    );
    println!(
        "targets: ≥ 200 MB/s {}, peak RSS < 200 MB {}",
        if mb_per_s >= 200.0 { "met" } else { "NOT met" },
        if peak < 200 * 1024 { "met" } else { "NOT met" }
    );
}
