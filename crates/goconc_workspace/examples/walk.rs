//! Loads a tree and prints what was found plus the elapsed time.
//!
//! `cargo run --release -p goconc_workspace --example walk -- [--nested] /usr/local/go/src [patterns...]`
//!
//! `--nested` also descends into nested modules (GOROOT/src/cmd is one).

use std::path::PathBuf;
use std::time::Instant;

use goconc_workspace::{load, LoadOptions};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let nested = args.peek().is_some_and(|a| a == "--nested");
    if nested {
        args.next();
    }
    let base = PathBuf::from(args.next().unwrap_or_else(|| ".".to_string()));
    let patterns: Vec<String> = args.collect();
    let options = LoadOptions {
        include_nested_modules: nested,
        ..LoadOptions::default()
    };
    // Warm the page cache once, then time the best of several runs.
    let mut best = None;
    let mut last = None;
    for _ in 0..5 {
        let start = Instant::now();
        let result = load(&base, &patterns, &options);
        let elapsed = start.elapsed();
        best = Some(best.map_or(elapsed, |b: std::time::Duration| b.min(elapsed)));
        last = Some(result);
    }
    match last {
        Some(Ok(ws)) => {
            let files = ws.files().len();
            println!(
                "{} packages, {} files, {} excluded, {} errors, {} skipped modules",
                ws.packages.len(),
                files,
                ws.excluded.len(),
                ws.errors.len(),
                ws.skipped_modules.len()
            );
            for e in ws.errors.iter().take(10) {
                println!("error: {e}");
            }
        }
        Some(Err(e)) => {
            eprintln!("{e}");
            std::process::exit(2);
        }
        None => {}
    }
    if let Some(best) = best {
        println!("best of 5: {:.1} ms wall", best.as_secs_f64() * 1000.0);
    }
    if let Some(cpu) = cpu_time_ms() {
        println!("cpu (user+sys) for all 5 runs: {cpu:.0} ms");
    }
}

/// User+system CPU time of this process from /proc (Linux only; 10 ms ticks).
fn cpu_time_ms() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) * 10.0)
}
