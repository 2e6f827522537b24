//! `goconc dump` and `goconc race`: runtime triage of goroutine dumps and race reports.
//! Owned by the runtime-triage work (goconc_dump); this file adapts CLI flags to it.

use clap::Args;
use std::path::PathBuf;

#[derive(Args, Debug)]
pub struct DumpArgs {
    /// Goroutine dump to read (`-` for standard input).
    pub input: PathBuf,
}

#[derive(Args, Debug)]
pub struct RaceArgs {
    /// Race-detector log to read (`-` for standard input).
    pub input: PathBuf,
}

/// Runs `goconc dump`; returns the process exit code.
pub fn run_dump(_args: &DumpArgs) -> u8 {
    eprintln!("goconc dump: not built yet");
    2
}

/// Runs `goconc race`; returns the process exit code.
pub fn run_race(_args: &RaceArgs) -> u8 {
    eprintln!("goconc race: not built yet");
    2
}
