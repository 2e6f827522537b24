//! The `goconc` command-line tool.

mod cmd_dump;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(name = "goconc", about = "Find, explain and fix concurrency bugs in Go services")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Summarise a goroutine dump: stuck groups, leak suspects, deadlock cycles.
    Dump(cmd_dump::DumpArgs),
    /// Deduplicate and explain `go test -race` reports.
    Race(cmd_dump::RaceArgs),
    /// Print the version.
    Version,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Dump(args) => cmd_dump::run_dump(args),
        Command::Race(args) => cmd_dump::run_race(args),
        Command::Version => {
            println!("goconc {}", env!("CARGO_PKG_VERSION"));
            0
        }
    };
    ExitCode::from(code)
}
