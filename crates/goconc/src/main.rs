//! The `goconc` command-line tool.

mod check;
mod cmd_dump;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "goconc",
    version,
    about = "Find, explain and fix concurrency bugs in Go services"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Analyse Go packages (default `./...`) and report findings.
    Check(check::CheckArgs),
    /// List all rules.
    Rules {
        #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
        format: OutputFormat,
    },
    /// Show the documentation of one rule (by code or name, e.g. GC201).
    Rule { code: String },
    /// Summarise a goroutine dump: stuck groups, leak suspects, deadlock cycles.
    Dump(cmd_dump::DumpArgs),
    /// Deduplicate and explain `go test -race` reports.
    Race(cmd_dump::RaceArgs),
    /// Developer tool: print a file's AST in canonical form and its syntax errors.
    Ast { file: PathBuf },
    /// Print the version.
    Version,
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

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match &cli.command {
        Command::Check(args) => check::run(args),
        Command::Rules { format } => list_rules(*format),
        Command::Rule { code } => show_rule(code),
        Command::Dump(args) => cmd_dump::run_dump(args),
        Command::Race(args) => cmd_dump::run_race(args),
        Command::Ast { file } => print_ast(file),
        Command::Version => {
            println!("goconc {}", env!("CARGO_PKG_VERSION"));
            0
        }
    };
    ExitCode::from(code)
}

fn list_rules(format: OutputFormat) -> u8 {
    let metas = goconc_rules::registry::all_metas();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let written = match format {
        OutputFormat::Json => serde_json::to_writer_pretty(&mut out, &metas)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
        OutputFormat::Text => metas.iter().try_for_each(|meta| {
            writeln!(
                out,
                "{:<6} {:<28} {:<15} {}{}",
                meta.code,
                meta.name,
                meta.category.as_str(),
                meta.summary,
                if meta.default {
                    ""
                } else {
                    " (off by default)"
                }
            )
        }),
    };
    match written {
        Ok(()) => 0,
        Err(err) => {
            eprintln!("goconc: {err}");
            2
        }
    }
}

fn show_rule(code: &str) -> u8 {
    match goconc_rules::rule_by_code(code) {
        Some(meta) => {
            print!("{}", meta.markdown());
            0
        }
        None => {
            eprintln!("goconc: unknown rule {code:?}; `goconc rules` lists them");
            2
        }
    }
}

fn print_ast(path: &PathBuf) -> u8 {
    let source = match std::fs::read(path) {
        Ok(source) => source,
        Err(err) => {
            eprintln!("goconc: {}: {err}", path.display());
            return 2;
        }
    };
    let file = goconc_syntax::parse_file(source);
    print!("{}", goconc_syntax::canonical::canonical(&file));
    for error in &file.errors {
        let at = file.line_index.line_col(error.span.start);
        eprintln!(
            "{}:{}:{}: {}",
            path.display(),
            at.line,
            at.column,
            error.message
        );
    }
    u8::from(!file.errors.is_empty())
}
