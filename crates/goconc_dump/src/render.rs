//! Text, Markdown and JSON output for dumps and race logs.
//!
//! The JSON is a contract (`"version": 1`): fields may be added, never
//! renamed or removed.

use crate::analyze::thousands;
use crate::model::{Analysis, Frame, FrameView, Group, Origin};
use crate::race::{AccessKind, RaceAccess, RaceLog};
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// Output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Markdown,
}

/// Options for the human-readable formats.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Groups shown with their stacks; the rest only in the table.
    pub max_detailed_groups: usize,
    /// Rows in the group table.
    pub max_table_rows: usize,
}

impl Default for RenderOptions {
    fn default() -> Self {
        Self {
            max_detailed_groups: 20,
            max_table_rows: 50,
        }
    }
}

// ---------------------------------------------------------------- JSON

#[derive(Serialize)]
struct DumpJson<'a> {
    version: u32,
    goroutines: u64,
    groups: Vec<GroupJson<'a>>,
    input: &'a crate::model::DumpMeta,
    module: Option<&'a str>,
    deadlock: Option<&'a crate::model::DeadlockView>,
    baseline: Option<&'a crate::model::BaselineSummary>,
}

#[derive(Serialize)]
struct GroupJson<'a> {
    count: u64,
    state: &'a str,
    state_inferred: bool,
    wait_minutes: Option<crate::model::WaitStats>,
    frames: &'a [FrameView],
    created_by: Option<&'a FrameView>,
    suspect: bool,
    reason: Option<&'a str>,
    proven_leak: bool,
    idle_by_design: Option<&'a str>,
    labels: serde_json::Map<String, serde_json::Value>,
    goroutine_ids: &'a [u64],
    locked_to_thread: u64,
    elided: bool,
    ancestors: &'a [FrameView],
    findings: &'a [crate::model::StaticFinding],
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline_count: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    delta: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    new: Option<bool>,
}

fn group_json(g: &Group) -> GroupJson<'_> {
    GroupJson {
        count: g.count,
        state: &g.state,
        state_inferred: g.state_inferred,
        wait_minutes: g.wait_minutes,
        frames: &g.frames,
        created_by: g.created_by.as_ref(),
        suspect: g.suspect,
        reason: g.reason.as_deref(),
        proven_leak: g.proven_leak,
        idle_by_design: g.idle_by_design,
        labels: g
            .labels
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::from(*v)))
            .collect(),
        goroutine_ids: &g.goroutine_ids,
        locked_to_thread: g.locked_to_thread,
        elided: g.elided,
        ancestors: &g.ancestors,
        findings: &g.findings,
        baseline_count: g.baseline.map(|b| b.baseline_count),
        delta: g.baseline.map(|b| b.delta),
        new: g.baseline.map(|b| b.new),
    }
}

/// The dump as a JSON value (`{"version": 1, "goroutines": N, "groups": [...]}`).
pub fn dump_json(analysis: &Analysis) -> serde_json::Value {
    serde_json::to_value(dump_document(analysis)).unwrap_or(serde_json::Value::Null)
}

fn dump_document(analysis: &Analysis) -> DumpJson<'_> {
    DumpJson {
        version: 1,
        goroutines: analysis.goroutines,
        groups: analysis.groups.iter().map(group_json).collect(),
        input: &analysis.meta,
        module: analysis.module.as_deref(),
        deadlock: analysis.deadlock.as_ref(),
        baseline: analysis.baseline.as_ref(),
    }
}

#[derive(Serialize)]
struct RaceJson<'a> {
    version: u32,
    races: &'a [crate::race::Race],
    reports: u64,
    dropped: u64,
    truncated: bool,
}

/// The race log as JSON (`{"version": 1, "races": [...]}`).
pub fn race_json(log: &RaceLog) -> serde_json::Value {
    serde_json::to_value(race_document(log)).unwrap_or(serde_json::Value::Null)
}

fn race_document(log: &RaceLog) -> RaceJson<'_> {
    RaceJson {
        version: 1,
        races: &log.races,
        reports: log.reports,
        dropped: log.dropped,
        truncated: log.truncated,
    }
}

// ---------------------------------------------------------------- dump, text and markdown

/// Writes a dump analysis in the chosen format.
pub fn write_dump(
    out: &mut dyn Write,
    analysis: &Analysis,
    format: Format,
    options: &RenderOptions,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &dump_document(analysis))?;
            writeln!(out)
        }
        Format::Text => out.write_all(dump_text(analysis, options, false).as_bytes()),
        Format::Markdown => out.write_all(dump_text(analysis, options, true).as_bytes()),
    }
}

fn wait_cell(g: &Group) -> String {
    match g.wait_minutes {
        Some(w) => format!("{}/{}/{} min", w.min, w.median, w.max),
        None => "-".to_string(),
    }
}

fn where_cell(g: &Group) -> String {
    let own = g.frames.iter().find(|f| f.origin == Origin::Own);
    match own.or_else(|| g.frames.first()) {
        Some(f) => format!(
            "{} ({})",
            short_function(&f.frame.function),
            f.frame.short_location()
        ),
        None => "(no frames)".to_string(),
    }
}

fn created_cell(g: &Group) -> String {
    g.created_by
        .as_ref()
        .map_or_else(|| "-".to_string(), |c| c.frame.short_location())
}

/// `example.com/svc/worker.(*Pool).run` → `worker.(*Pool).run`.
fn short_function(function: &str) -> &str {
    match function.rfind('/') {
        Some(i) => &function[i + 1..],
        None => function,
    }
}

fn mark(g: &Group) -> &'static str {
    if g.proven_leak {
        "!"
    } else if g.suspect {
        "*"
    } else {
        " "
    }
}

fn dump_text(a: &Analysis, options: &RenderOptions, md: bool) -> String {
    let mut s = String::new();
    let suspects: Vec<&Group> = a.suspects().collect();
    let suspect_goroutines: u64 = suspects.iter().map(|g| g.count).sum();
    let format = a.meta.format.map_or("empty input", |f| f.describe());
    let profile = a
        .meta
        .profile
        .as_deref()
        .map(|p| format!(", {p} profile"))
        .unwrap_or_default();
    if md {
        let _ = writeln!(
            s,
            "## Goroutine dump: {} goroutines in {} groups\n",
            thousands(a.goroutines),
            a.groups.len()
        );
        let _ = writeln!(s, "- Input: {format}{profile}");
    } else {
        let _ = writeln!(
            s,
            "goconc dump: {} goroutines in {} groups ({format}{profile})",
            thousands(a.goroutines),
            a.groups.len()
        );
    }
    let bullet = if md { "- " } else { "" };
    if let Some(module) = &a.module {
        let _ = writeln!(s, "{bullet}Go module: {module}");
    }
    if let Some(headline) = &a.meta.headline {
        if md {
            let _ = writeln!(s, "- Headline: `{headline}`");
        } else {
            let _ = writeln!(s, "{headline}");
        }
    }
    if a.meta.truncated {
        let _ = writeln!(s, "{bullet}note: the input is truncated (it ends inside a goroutine or short of the declared total); counts may be low");
    }
    let _ = writeln!(
        s,
        "{bullet}{} leak suspect group{} ({} goroutines)",
        suspects.len(),
        if suspects.len() == 1 { "" } else { "s" },
        thousands(suspect_goroutines)
    );
    s.push('\n');

    // Table.
    let rows: Vec<&Group> = a.groups.iter().take(options.max_table_rows).collect();
    let with_baseline = a.baseline.is_some();
    if md {
        let _ = writeln!(
            s,
            "| # | count | {}state | wait min/med/max | created at | where | suspect |",
            if with_baseline { "Δ | " } else { "" }
        );
        let _ = writeln!(
            s,
            "|---|---|{}---|---|---|---|---|",
            if with_baseline { "---|" } else { "" }
        );
        for (i, g) in rows.iter().enumerate() {
            let delta = if with_baseline {
                format!("{} | ", delta_cell(g))
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "| {} | {} | {delta}{} | {} | {} | `{}` | {} |",
                i + 1,
                thousands(g.count),
                g.state,
                wait_cell(g),
                created_cell(g),
                where_cell(g),
                if g.proven_leak {
                    "proven leak"
                } else if g.suspect {
                    "yes"
                } else {
                    ""
                }
            );
        }
    } else {
        let _ = writeln!(
            s,
            "   #  {:>7}  {}{:<22} {:<18} {:<22} WHERE",
            "COUNT",
            if with_baseline { "  DELTA  " } else { "" },
            "STATE",
            "WAIT min/med/max",
            "CREATED AT"
        );
        for (i, g) in rows.iter().enumerate() {
            let delta = if with_baseline {
                format!("{:>7}  ", delta_cell(g))
            } else {
                String::new()
            };
            let _ = writeln!(
                s,
                "{}{:>3}  {:>7}  {delta}{:<22} {:<18} {:<22} {}",
                mark(g),
                i + 1,
                thousands(g.count),
                g.state,
                wait_cell(g),
                created_cell(g),
                where_cell(g)
            );
        }
        let _ = writeln!(s, "  (* leak suspect, ! proven leak)");
    }
    if a.groups.len() > rows.len() {
        let _ = writeln!(
            s,
            "{bullet}… {} more groups (see --format json)",
            a.groups.len() - rows.len()
        );
    }
    s.push('\n');

    if let Some(baseline) = &a.baseline {
        baseline_section(&mut s, a, baseline, md);
    }
    if let Some(deadlock) = &a.deadlock {
        deadlock_section(&mut s, a, deadlock, md);
    }

    for (i, g) in a
        .groups
        .iter()
        .take(options.max_detailed_groups)
        .enumerate()
    {
        group_section(&mut s, i + 1, g, md);
    }
    if a.groups.len() > options.max_detailed_groups {
        let _ = writeln!(
            s,
            "{bullet}Stacks of {} further groups are omitted (raise --max-groups or use --format json).",
            a.groups.len() - options.max_detailed_groups
        );
    }
    s
}

fn delta_cell(g: &Group) -> String {
    match g.baseline {
        Some(b) if b.new => "new".to_string(),
        Some(b) if b.delta > 0 => format!("+{}", thousands(u64::try_from(b.delta).unwrap_or(0))),
        Some(b) if b.delta < 0 => format!("-{}", thousands(b.delta.unsigned_abs())),
        Some(_) => "0".to_string(),
        None => "".to_string(),
    }
}

fn baseline_section(s: &mut String, a: &Analysis, b: &crate::model::BaselineSummary, md: bool) {
    let groups = |n: usize| {
        if n == 1 {
            "1 group".to_string()
        } else {
            format!("{n} groups")
        }
    };
    let title = format!(
        "Compared with the baseline ({} → {} goroutines): {} grew, {} new, {} gone",
        thousands(b.goroutines),
        thousands(a.goroutines),
        groups(b.grown_groups),
        groups(b.new_groups),
        groups(b.gone.len())
    );
    if md {
        let _ = writeln!(s, "### Leak diff\n\n{title}\n");
    } else {
        let _ = writeln!(s, "{title}");
    }
    let mut grown: Vec<(usize, &Group)> = a
        .groups
        .iter()
        .enumerate()
        .filter(|(_, g)| g.baseline.is_some_and(|d| d.delta > 0))
        .collect();
    grown.sort_by(|x, y| {
        let d = |g: &Group| g.baseline.map_or(0, |b| b.delta);
        d(y.1).cmp(&d(x.1)).then(x.0.cmp(&y.0))
    });
    for (i, g) in grown.iter().take(20) {
        let b = g.baseline.unwrap_or(crate::model::GroupDelta {
            baseline_count: 0,
            delta: 0,
            new: false,
        });
        let _ = writeln!(
            s,
            "{}{:>8}  group #{:<3} {} → {}  {}  {}",
            if md { "- " } else { "  " },
            delta_cell(g),
            i + 1,
            thousands(b.baseline_count),
            thousands(g.count),
            g.state,
            where_cell(g)
        );
    }
    for (count, state, top) in b.gone.iter().take(5) {
        let top = top
            .as_ref()
            .map(|f| format!("{} ({})", short_function(&f.function), f.short_location()))
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{}    gone  {} goroutines  {state}  {top}",
            if md { "- " } else { "  " },
            thousands(*count)
        );
    }
    s.push('\n');
}

fn deadlock_section(s: &mut String, a: &Analysis, d: &crate::model::DeadlockView, md: bool) {
    let title = if d.all_asleep {
        "Deadlock: all goroutines are asleep — who waits on what"
    } else if d.all_blocked {
        "Likely deadlock: every goroutine is blocked — who waits on what"
    } else {
        "Who waits on what (addresses shown in the stacks)"
    };
    if md {
        let _ = writeln!(s, "### {title}\n");
    } else {
        let _ = writeln!(s, "{title}");
    }
    let prefix = if md { "- " } else { "  " };
    for w in d.by_address.iter().take(20) {
        let groups: Vec<String> = w.groups.iter().map(|g| format!("#{}", g + 1)).collect();
        let first_where = w
            .groups
            .first()
            .and_then(|&g| a.groups.get(g))
            .map(where_cell)
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{prefix}{} {}: {} waiting (group {}) at {}",
            w.kind.as_str(),
            w.address,
            goroutines_text(w.goroutines),
            groups.join(", "),
            first_where
        );
    }
    if d.by_address.len() > 20 {
        let _ = writeln!(s, "{prefix}… {} more addresses", d.by_address.len() - 20);
    }
    if d.by_address.is_empty() {
        let _ = writeln!(s, "{prefix}(the tracebacks show no channel or mutex addresses: the blocking calls were inlined)");
    }
    if !d.cycle.is_empty() {
        let _ = writeln!(s, "{prefix}Wait cycle (holders inferred from the addresses passed to each goroutine's frames):");
        for edge in &d.cycle {
            let at = edge
                .at
                .as_ref()
                .map(|f| {
                    format!(
                        " in {} ({})",
                        short_function(&f.function),
                        f.short_location()
                    )
                })
                .unwrap_or_default();
            let nested = if md { "  - " } else { "    " };
            let _ = writeln!(
                s,
                "{nested}goroutine {} waits for {} {}{at}, held by goroutine {}",
                edge.goroutine,
                edge.waits_on.as_str(),
                edge.address,
                edge.held_by
            );
        }
    }
    s.push('\n');
}

fn goroutines_text(n: u64) -> String {
    if n == 1 {
        "1 goroutine".into()
    } else {
        format!("{} goroutines", thousands(n))
    }
}

fn frame_line(f: &FrameView, md: bool) -> String {
    let location = if f.frame.line == 0 {
        f.frame.file.clone()
    } else {
        format!("{}:{}", f.frame.file, f.frame.line)
    };
    let source = f
        .source
        .as_ref()
        .map(|src| {
            if md {
                format!("  // {src}")
            } else {
                format!("\n          │ {src}")
            }
        })
        .unwrap_or_default();
    format!("{}\n        {location}{source}", f.frame.function)
}

fn group_section(s: &mut String, number: usize, g: &Group, md: bool) {
    let status = if g.proven_leak {
        " · PROVEN LEAK"
    } else if g.suspect {
        " · LEAK SUSPECT"
    } else if let Some(idle) = g.idle_by_design {
        if md {
            ""
        } else {
            let _ = idle;
            " · idle by design"
        }
    } else {
        ""
    };
    let header = format!(
        "#{number} · {} · {}{status}",
        goroutines_text(g.count),
        g.state
    );
    if md {
        let _ = writeln!(s, "### {header}\n");
    } else {
        let _ = writeln!(s, "── {header} ──");
    }
    let p = if md { "- " } else { "  " };
    if let Some(reason) = &g.reason {
        let _ = writeln!(s, "{p}why: {reason}");
    }
    if let Some(idle) = g.idle_by_design {
        let _ = writeln!(s, "{p}idle by design: {idle}");
    }
    if let Some(w) = g.wait_minutes {
        let _ = writeln!(
            s,
            "{p}waiting: min {} / median {} / max {} minutes",
            w.min, w.median, w.max
        );
    }
    if let Some(b) = g.baseline {
        let _ = writeln!(
            s,
            "{p}baseline: {} → {} ({})",
            thousands(b.baseline_count),
            thousands(g.count),
            delta_cell(g)
        );
    }
    if !g.labels.is_empty() {
        let labels: Vec<String> = g
            .labels
            .iter()
            .map(|(k, v)| format!("{k} ×{}", thousands(*v)))
            .collect();
        let _ = writeln!(s, "{p}labels: {}", labels.join("; "));
    }
    if g.locked_to_thread > 0 {
        let _ = writeln!(s, "{p}locked to thread: {}", thousands(g.locked_to_thread));
    }
    if !g.goroutine_ids.is_empty() {
        let ids: Vec<String> = g.goroutine_ids.iter().map(u64::to_string).collect();
        let more = if g.count > g.goroutine_ids.len() as u64 {
            ", …"
        } else {
            ""
        };
        let _ = writeln!(s, "{p}goroutines: {}{more}", ids.join(", "));
    }
    for f in &g.findings {
        let _ = writeln!(
            s,
            "{p}static finding {} at {}:{}: {}",
            f.code, f.path, f.line, f.message
        );
    }
    let (own, other): (Vec<&FrameView>, Vec<&FrameView>) =
        g.frames.iter().partition(|f| f.origin == Origin::Own);
    if md {
        s.push_str("\n```\n");
    }
    if !own.is_empty() {
        let _ = writeln!(s, "  own code:");
        for f in &own {
            let _ = writeln!(s, "      {}", frame_line(f, md));
        }
    }
    if !other.is_empty() {
        let _ = writeln!(s, "  standard library and dependencies:");
        for f in &other {
            let tag = if f.origin == Origin::Dependency {
                " [dependency]"
            } else {
                ""
            };
            let _ = writeln!(s, "      {}{tag}", frame_line(f, md));
        }
    }
    if g.elided {
        let _ = writeln!(s, "      ...additional frames elided...");
    }
    if let Some(c) = &g.created_by {
        let _ = writeln!(s, "  created by {}", frame_line(c, md));
    }
    if !g.ancestors.is_empty() {
        let _ = writeln!(s, "  originating from:");
        for f in g.ancestors.iter().take(10) {
            let _ = writeln!(s, "      {}", frame_line(f, md));
        }
    }
    if md {
        s.push_str("```\n");
    }
    s.push('\n');
}

// ---------------------------------------------------------------- race, text and markdown

/// Writes a race log in the chosen format.
pub fn write_race(out: &mut dyn Write, log: &RaceLog, format: Format) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, &race_document(log))?;
            writeln!(out)
        }
        Format::Text => out.write_all(race_text(log, false).as_bytes()),
        Format::Markdown => out.write_all(race_text(log, true).as_bytes()),
    }
}

fn access_word(a: &RaceAccess) -> String {
    let kind = match a.kind {
        AccessKind::Read => "read",
        AccessKind::Write => "write",
    };
    let atomic = if a.atomic { "atomic " } else { "" };
    if a.previous {
        format!("previous {atomic}{kind}")
    } else {
        format!("{atomic}{kind}")
    }
}

fn frame_short(f: &Frame) -> String {
    format!("{} ({})", short_function(&f.function), f.short_location())
}

fn race_text(log: &RaceLog, md: bool) -> String {
    let mut s = String::new();
    let mut tests: Vec<&str> = log
        .races
        .iter()
        .flat_map(|r| r.tests.iter().map(String::as_str))
        .collect();
    tests.sort_unstable();
    tests.dedup();
    let title = format!(
        "{} distinct data race{} in {} report{}",
        log.races.len(),
        if log.races.len() == 1 { "" } else { "s" },
        thousands(log.reports),
        if log.reports == 1 { "" } else { "s" }
    );
    if md {
        let _ = writeln!(s, "## Data races: {title}\n");
    } else {
        let _ = writeln!(s, "goconc race: {title}");
    }
    let p = if md { "- " } else { "" };
    if !tests.is_empty() {
        let _ = writeln!(s, "{p}tests: {}", tests.join(", "));
    }
    if log.truncated {
        let _ = writeln!(s, "{p}note: the log ends inside a race report");
    }
    if log.dropped > 0 {
        let _ = writeln!(
            s,
            "{p}note: {} further distinct races were counted but not kept",
            log.dropped
        );
    }
    s.push('\n');
    for (i, race) in log.races.iter().enumerate() {
        let sites: Vec<String> = race
            .accesses
            .iter()
            .map(|a| {
                format!(
                    "{} at {}",
                    access_word(a),
                    a.frames
                        .first()
                        .map(frame_short)
                        .unwrap_or_else(|| "?".into())
                )
            })
            .collect();
        let header = format!(
            "Race {} — {} occurrence{}: {}",
            i + 1,
            thousands(race.occurrences),
            if race.occurrences == 1 { "" } else { "s" },
            sites.join(" vs ")
        );
        if md {
            let _ = writeln!(s, "### {header}\n");
        } else {
            let _ = writeln!(s, "── {header} ──");
        }
        if let Some(location) = &race.location {
            let _ = writeln!(s, "{}location: {location}", if md { "- " } else { "  " });
        }
        if !race.tests.is_empty() {
            let _ = writeln!(
                s,
                "{}tests: {}",
                if md { "- " } else { "  " },
                race.tests.join(", ")
            );
        }
        if md {
            s.push_str("\n```\n");
        }
        let mut creations_shown: Vec<&Vec<Frame>> = Vec::new();
        for a in &race.accesses {
            let _ = writeln!(s, "  {}:", access_word(a));
            for f in &a.frames {
                let _ = writeln!(s, "      {}\n          {}:{}", f.function, f.file, f.line);
            }
            match &a.goroutine_created_by {
                Some(c) if creations_shown.contains(&&a.created_at) => {
                    let _ = writeln!(
                        s,
                        "    by a goroutine created at {} (same creation stack as above)",
                        frame_short(c)
                    );
                }
                Some(c) => {
                    let _ = writeln!(s, "    by a goroutine created at {}:", frame_short(c));
                    for f in &a.created_at {
                        let _ =
                            writeln!(s, "      {}\n          {}:{}", f.function, f.file, f.line);
                    }
                    creations_shown.push(&a.created_at);
                }
                None => {
                    let _ = writeln!(s, "    by the main goroutine (or an unreported creator)");
                }
            }
        }
        if md {
            s.push_str("```\n");
        }
        s.push('\n');
    }
    s
}
