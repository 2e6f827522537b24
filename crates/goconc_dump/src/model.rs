//! The result of reading and grouping a goroutine dump.

use serde::Serialize;

/// Which kind of input a dump was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InputFormat {
    /// `debug=2`, a panic or `SIGQUIT` traceback: one stack per goroutine.
    Traceback,
    /// `debug=1`: stacks aggregated by the runtime, with counts.
    TextProfile,
    /// `debug=0`: gzipped (or raw) pprof protobuf.
    Protobuf,
}

impl InputFormat {
    pub fn describe(self) -> &'static str {
        match self {
            InputFormat::Traceback => "traceback (debug=2 / panic / SIGQUIT)",
            InputFormat::TextProfile => "text profile (debug=1)",
            InputFormat::Protobuf => "pprof protobuf (debug=0)",
        }
    }
}

/// Facts about the input as a whole.
#[derive(Clone, Debug, Default, Serialize)]
pub struct DumpMeta {
    pub format: Option<InputFormat>,
    /// `goroutine` or `goroutineleak` for profiles.
    pub profile: Option<String>,
    /// First `fatal error:` / `panic:` / `SIGQUIT:` line, if any.
    pub headline: Option<String>,
    /// `fatal error: all goroutines are asleep - deadlock!` was seen.
    pub all_asleep: bool,
    /// The input ended inside a goroutine (a cut-off log or file).
    pub truncated: bool,
    /// The total the profile header announced (`goroutine profile: total N`).
    pub declared_total: Option<u64>,
    /// Lines that were not part of any dump (surrounding log output).
    pub skipped_lines: u64,
    pub bytes_read: u64,
}

/// One stack frame.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Frame {
    pub function: String,
    pub file: String,
    pub line: u32,
}

impl Frame {
    /// `worker.go:88`.
    pub fn short_location(&self) -> String {
        let base = self.file.rsplit(['/', '\\']).next().unwrap_or(&self.file);
        if self.line == 0 {
            base.to_string()
        } else {
            format!("{base}:{}", self.line)
        }
    }
}

/// Where a frame's code comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The Go module goconc runs in (or package `main`).
    Own,
    /// The Go standard library and runtime.
    Std,
    /// Everything else: third-party modules.
    Dependency,
}

/// A frame with source-mapping details filled in by [`crate::source`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FrameView {
    #[serde(flatten)]
    pub frame: Frame,
    pub origin: Origin,
    /// The source line text, when the file exists locally.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// min / median / max of the `[N minutes]` wait times in a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct WaitStats {
    pub min: u32,
    pub median: u32,
    pub max: u32,
}

/// The kind of object a goroutine waits on, when the traceback shows its address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitKind {
    Mutex,
    RWMutex,
    WaitGroup,
    Cond,
    Chan,
}

impl WaitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitKind::Mutex => "mutex",
            WaitKind::RWMutex => "rwmutex",
            WaitKind::WaitGroup => "waitgroup",
            WaitKind::Cond => "cond",
            WaitKind::Chan => "chan",
        }
    }
}

/// A static-analysis finding to cite next to groups whose frames hit its line.
/// `path` may be absolute or relative to the module root.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StaticFinding {
    pub path: String,
    pub line: u32,
    pub code: String,
    pub message: String,
}

/// How a group changed against a baseline dump.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct GroupDelta {
    pub baseline_count: u64,
    pub delta: i64,
    pub new: bool,
}

/// Goroutines with the same wait state, normalised stack and creation site.
#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub count: u64,
    pub state: String,
    /// The state was inferred from the stack (profiles carry no wait state).
    pub state_inferred: bool,
    pub wait_minutes: Option<WaitStats>,
    /// Innermost first.
    pub frames: Vec<FrameView>,
    pub created_by: Option<FrameView>,
    /// `key=value` label sets and how many goroutines carry each.
    pub labels: Vec<(String, u64)>,
    /// Goroutines the garbage collector proved can never wake up
    /// (the `goroutineleak` profile or a `(leaked)` status).
    pub proven_leak: bool,
    pub locked_to_thread: u64,
    /// A few goroutine ids, for finding them in the raw dump.
    pub goroutine_ids: Vec<u64>,
    /// Stacks were cut by `...additional frames elided...`.
    pub elided: bool,
    /// The creating goroutine's stack (`GODEBUG=tracebackancestors`).
    pub ancestors: Vec<FrameView>,
    /// Why this group is known to be idle by design, if it is.
    pub idle_by_design: Option<&'static str>,
    pub suspect: bool,
    pub reason: Option<String>,
    pub findings: Vec<StaticFinding>,
    pub baseline: Option<GroupDelta>,
}

/// Waiters on one channel / mutex address.
#[derive(Clone, Debug, Serialize)]
pub struct AddressWaiters {
    pub kind: WaitKind,
    pub address: String,
    pub goroutines: u64,
    /// Indexes into [`Analysis::groups`].
    pub groups: Vec<usize>,
}

/// One step of an inferred wait cycle.
#[derive(Clone, Debug, Serialize)]
pub struct CycleEdge {
    pub goroutine: u64,
    pub waits_on: WaitKind,
    pub address: String,
    /// The goroutine inferred to hold (or be the counterpart of) the object.
    pub held_by: u64,
    /// Frame of `goroutine` where it blocks.
    pub at: Option<Frame>,
}

/// Who waits on what, for deadlocks.
#[derive(Clone, Debug, Serialize, Default)]
pub struct DeadlockView {
    pub all_asleep: bool,
    /// No fatal error, but every goroutine (runtime helpers, signal handling
    /// and the dump writer aside) is blocked on a channel or lock.
    pub all_blocked: bool,
    pub by_address: Vec<AddressWaiters>,
    pub cycle: Vec<CycleEdge>,
}

/// Baseline comparison totals.
#[derive(Clone, Debug, Serialize)]
pub struct BaselineSummary {
    pub goroutines: u64,
    pub grown_groups: usize,
    pub new_groups: usize,
    /// Groups present in the baseline but gone now: (count, state, top frame).
    pub gone: Vec<(u64, String, Option<Frame>)>,
}

/// Everything goconc knows about a dump.
#[derive(Clone, Debug, Serialize)]
pub struct Analysis {
    pub meta: DumpMeta,
    pub goroutines: u64,
    pub groups: Vec<Group>,
    pub deadlock: Option<DeadlockView>,
    pub baseline: Option<BaselineSummary>,
    /// The Go module used for source mapping.
    pub module: Option<String>,
}

impl Analysis {
    pub fn suspects(&self) -> impl Iterator<Item = &Group> {
        self.groups.iter().filter(|g| g.suspect)
    }
}
