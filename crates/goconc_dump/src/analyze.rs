//! Leak-suspect classification and ranking of groups.

use crate::model::{Analysis, DeadlockView, Group, GroupDelta};

/// Thresholds for calling a blocked group a leak suspect.
#[derive(Clone, Debug)]
pub struct AnalysisOptions {
    /// A blocked group whose longest wait reaches this many minutes is suspect.
    pub min_wait_minutes: u32,
    /// A blocked group with at least this many goroutines is suspect.
    pub min_count: u64,
    /// With a baseline: a blocked group that grew by at least this much is suspect.
    pub min_growth: u64,
}

impl Default for AnalysisOptions {
    fn default() -> Self {
        Self {
            min_wait_minutes: 10,
            min_count: 100,
            min_growth: 10,
        }
    }
}

/// Wait states in which a goroutine waits for another goroutine and can leak.
pub fn is_blocking_state(state: &str) -> bool {
    let base = state.strip_suffix(" (durable)").unwrap_or(state);
    matches!(
        base,
        "chan send"
            | "chan receive"
            | "select"
            | "sync.Mutex.Lock"
            | "sync.RWMutex.Lock"
            | "sync.RWMutex.RLock"
            | "sync.WaitGroup.Wait"
            | "sync.Cond.Wait"
            | "semacquire"
            | "chan send (nil chan)"
            | "chan receive (nil chan)"
            | "select (no cases)"
    )
}

/// States that can never end.
fn is_forever_state(state: &str) -> bool {
    matches!(
        state,
        "chan send (nil chan)" | "chan receive (nil chan)" | "select (no cases)"
    )
}

/// Functions whose goroutines wait by design (servers, runtime helpers,
/// signal handling, timers, test runners) and what they are.
const IDLE_BY_DESIGN: &[(&str, &str)] = &[
    ("net/http.(*Server).Serve", "net/http server accept loop"),
    (
        "net/http.(*Server).ListenAndServe",
        "net/http server accept loop",
    ),
    ("net.(*TCPListener).Accept", "network accept loop"),
    (
        "net/http.(*persistConn).readLoop",
        "idle HTTP client connection",
    ),
    (
        "net/http.(*persistConn).writeLoop",
        "idle HTTP client connection",
    ),
    (
        "net/http.(*conn).serve",
        "HTTP server connection waiting for a request",
    ),
    (
        "net/http.(*http2ClientConn).readLoop",
        "idle HTTP/2 client connection",
    ),
    (
        "net/http.(*http2serverConn).serve",
        "HTTP/2 server connection",
    ),
    ("os/signal.signal_recv", "signal handling"),
    ("os/signal.loop", "signal handling"),
    ("os/signal.Notify.func1", "signal handling"),
    ("runtime.ensureSigM", "signal handling"),
    ("runtime.runfinq", "runtime finalizer goroutine"),
    ("runtime.runCleanups", "runtime cleanup goroutine"),
    ("runtime.bgsweep", "runtime background sweeper"),
    ("runtime.bgscavenge", "runtime background scavenger"),
    ("runtime.forcegchelper", "runtime GC helper"),
    ("runtime.gcBgMarkWorker", "runtime GC worker"),
    ("runtime.timeSleep", "timer"),
    ("time.Sleep", "timer"),
    ("time.(*Ticker)", "timer"),
    ("runtime/pprof.profileWriter", "profiler"),
    (
        "database/sql.(*DB).connectionOpener",
        "database/sql connection opener",
    ),
    (
        "database/sql.(*DB).connectionCleaner",
        "database/sql connection cleaner",
    ),
    ("testing.(*T).Run", "test runner waiting for a subtest"),
    ("testing.runTests", "test runner"),
    ("testing.(*M).startAlarm", "test timeout alarm"),
    (
        "github.com/golang/glog.(*loggingT).flushDaemon",
        "glog flush daemon",
    ),
    ("k8s.io/klog/v2.(*flushDaemon).run", "klog flush daemon"),
    (
        "go.opencensus.io/stats/view.(*worker).start",
        "opencensus worker",
    ),
];

/// Why a group's goroutines are idle by design, if they are.
pub fn idle_by_design(group: &Group) -> Option<&'static str> {
    // The table is ordered most specific first (an HTTP server's accept
    // loop also has a TCP accept frame).
    for &(prefix, what) in IDLE_BY_DESIGN {
        if group
            .frames
            .iter()
            .any(|f| f.frame.function.starts_with(prefix))
        {
            return Some(what);
        }
    }
    if let Some(created) = &group.created_by {
        // Timer and signal goroutines started by the runtime itself.
        if created.frame.function.starts_with("os/signal.") {
            return Some("signal handling");
        }
    }
    // A program's main goroutine parked for its whole life (waiting for a
    // signal, a server, or `select {}`) is how services are written.
    let outermost = group.frames.last().map(|f| f.frame.function.as_str());
    if group.created_by.is_none() && group.count == 1 && outermost == Some("main.main") {
        return Some("main goroutine waiting for the program's lifetime");
    }
    None
}

/// `1204` → `1,204`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    // Digits left before the next separator.
    let mut until_separator = digits.len() % 3;
    if until_separator == 0 {
        until_separator = 3;
    }
    for c in digits.chars() {
        if until_separator == 0 {
            out.push(',');
            until_separator = 3;
        }
        out.push(c);
        until_separator -= 1;
    }
    out
}

/// "started at worker.go:88" or "at worker.go:88" (no creation site).
fn origin_phrase(group: &Group) -> String {
    if let Some(created) = &group.created_by {
        return format!("started at {}", created.frame.short_location());
    }
    let own = group
        .frames
        .iter()
        .find(|f| f.origin == crate::model::Origin::Own)
        .or_else(|| group.frames.first());
    match own {
        Some(frame) => format!("in {}", frame.frame.short_location()),
        None => "with an empty stack".to_string(),
    }
}

fn goroutines_word(n: u64) -> String {
    if n == 1 {
        "1 goroutine".to_string()
    } else {
        format!("{} goroutines", thousands(n))
    }
}

/// Marks suspects and writes their reasons.
pub fn classify(analysis: &mut Analysis, options: &AnalysisOptions) {
    for group in &mut analysis.groups {
        // Running goroutines are doing work, whatever their stack looks like.
        let parked = !matches!(group.state.as_str(), "running" | "runnable" | "unknown");
        group.idle_by_design = if parked { idle_by_design(group) } else { None };
    }
    let all_asleep = analysis.meta.all_asleep;
    let all_blocked = !all_asleep && everything_blocked(&analysis.groups);
    if all_blocked {
        analysis
            .deadlock
            .get_or_insert_with(DeadlockView::default)
            .all_blocked = true;
    }
    for group in &mut analysis.groups {
        let (suspect, reason) = judge(group, options, all_asleep, all_blocked);
        group.suspect = suspect;
        group.reason = reason;
    }
}

/// Goroutines the runtime runs for itself (GC, finalizers, the scheduler's
/// signal goroutine) and the goroutine that wrote the dump.
fn is_runtime_or_dump_writer(group: &Group) -> bool {
    const RUNTIME_STATES: &[&str] = &[
        "idle",
        "GC worker (idle)",
        "GC sweep wait",
        "GC scavenge wait",
        "finalizer wait",
        "force gc (idle)",
        "cleanup wait",
        "GOMAXPROCS updater (idle)",
        "trace reader (blocked)",
    ];
    if RUNTIME_STATES.contains(&group.state.as_str()) {
        return true;
    }
    if group
        .created_by
        .as_ref()
        .is_some_and(|c| c.frame.function.starts_with("runtime."))
    {
        return true;
    }
    group.frames.iter().any(|f| {
        matches!(
            f.frame.function.as_str(),
            "runtime/pprof.writeGoroutineStacks"
                | "runtime/pprof.writeRuntimeProfile"
                | "runtime.Stack"
        )
    })
}

/// Every goroutine is blocked on a channel or lock, apart from runtime
/// helpers, signal handling and the dump writer, and at least one of the
/// blocked ones is not idle by design.
fn everything_blocked(groups: &[Group]) -> bool {
    let ignorable =
        |g: &Group| is_runtime_or_dump_writer(g) || g.idle_by_design == Some("signal handling");
    groups
        .iter()
        .any(|g| is_blocking_state(&g.state) && g.idle_by_design.is_none())
        && groups
            .iter()
            .all(|g| is_blocking_state(&g.state) || ignorable(g))
}

fn judge(
    group: &Group,
    options: &AnalysisOptions,
    all_asleep: bool,
    all_blocked: bool,
) -> (bool, Option<String>) {
    let who = goroutines_word(group.count);
    let has = if group.count == 1 { "has" } else { "have" };
    let is = if group.count == 1 { "is" } else { "are" };
    let origin = origin_phrase(group);
    let state = &group.state;
    if group.proven_leak {
        let blocked = if state == "unknown" {
            "blocked".to_string()
        } else {
            format!("blocked on {state}")
        };
        let pronoun = if group.count == 1 {
            "it is"
        } else {
            "they are"
        };
        return (
            true,
            Some(format!(
                "{who} {origin} {is} proven leaked by the garbage collector: {pronoun} {blocked} and can never wake up"
            )),
        );
    }
    if !is_blocking_state(state) {
        return (false, None);
    }
    if all_asleep {
        return (
            true,
            Some(format!(
                "{who} {origin} {is} blocked on {state} in a program where all goroutines are asleep (deadlock)"
            )),
        );
    }
    if all_blocked && group.idle_by_design != Some("signal handling") {
        return (
            true,
            Some(format!(
                "{who} {origin} {is} blocked on {state} in a dump where every goroutine is blocked (likely deadlock)"
            )),
        );
    }
    if group.idle_by_design.is_some() {
        return (false, None);
    }
    let wait = group.wait_minutes;
    let long = wait.is_some_and(|w| w.max >= options.min_wait_minutes && w.max > 0);
    let many = group.count >= options.min_count;
    let forever = is_forever_state(state);
    let growth = group
        .baseline
        .filter(|d| d.delta > 0 && u64::try_from(d.delta).unwrap_or(0) >= options.min_growth);
    if !(long || many || forever || growth.is_some()) {
        return (false, None);
    }
    let mut reason = match wait {
        Some(w) if long && w.min >= options.min_wait_minutes => {
            format!(
                "{who} {origin} {has} been blocked on {state} for ≥ {} minutes",
                w.min
            )
        }
        Some(w) if long => format!(
            "{who} {origin} {is} blocked on {state}; the longest for {} minutes (median {})",
            w.max, w.median
        ),
        Some(w) if w.max > 0 => format!(
            "{who} {origin} {is} blocked on {state} (longest {} minutes)",
            w.max
        ),
        _ => format!("{who} {origin} {is} blocked on {state}"),
    };
    if forever {
        reason.push_str(", which can never proceed");
    }
    if let Some(GroupDelta {
        baseline_count,
        delta,
        new,
    }) = growth
    {
        if new {
            reason.push_str("; new since the baseline");
        } else {
            reason.push_str(&format!(
                "; grew from {} by +{} since the baseline",
                thousands(baseline_count),
                thousands(u64::try_from(delta).unwrap_or(0))
            ));
        }
    }
    (true, Some(reason))
}

/// Orders groups: suspects first (proven leaks, then growth against a
/// baseline, then size, then wait), the rest by size and wait. Deadlock-view
/// group indexes are remapped to the new order.
pub fn rank(analysis: &mut Analysis) {
    let mut order: Vec<usize> = (0..analysis.groups.len()).collect();
    let groups = &analysis.groups;
    order.sort_by(|&a, &b| {
        let (ga, gb) = (&groups[a], &groups[b]);
        let max_wait = |g: &Group| g.wait_minutes.map_or(0, |w| w.max);
        let delta = |g: &Group| g.baseline.map_or(0, |d| d.delta);
        gb.suspect
            .cmp(&ga.suspect)
            .then_with(|| gb.proven_leak.cmp(&ga.proven_leak))
            .then_with(|| delta(gb).cmp(&delta(ga)))
            .then_with(|| gb.count.cmp(&ga.count))
            .then_with(|| max_wait(gb).cmp(&max_wait(ga)))
            .then_with(|| ga.state.cmp(&gb.state))
            .then_with(|| {
                let top = |g: &Group| g.frames.first().map(|f| f.frame.clone());
                top(ga).cmp(&top(gb))
            })
    });
    let mut new_index = vec![0usize; order.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut slots: Vec<Option<Group>> = analysis.groups.drain(..).map(Some).collect();
    analysis.groups = order.iter().filter_map(|&old| slots[old].take()).collect();
    if let Some(deadlock) = &mut analysis.deadlock {
        for waiters in &mut deadlock.by_address {
            for g in &mut waiters.groups {
                *g = new_index.get(*g).copied().unwrap_or(*g);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::model::{Frame, FrameView, Origin, WaitStats};

    fn group(count: u64, state: &str, wait: Option<WaitStats>) -> Group {
        let view = |function: &str, line| FrameView {
            frame: Frame {
                function: function.into(),
                file: "/src/svc/worker.go".into(),
                line,
            },
            origin: Origin::Own,
            source: None,
        };
        Group {
            count,
            state: state.into(),
            state_inferred: false,
            wait_minutes: wait,
            frames: vec![view("svc.worker", 91)],
            created_by: Some(view("svc.start", 88)),
            labels: Vec::new(),
            proven_leak: false,
            locked_to_thread: 0,
            goroutine_ids: Vec::new(),
            elided: false,
            ancestors: Vec::new(),
            idle_by_design: None,
            suspect: false,
            reason: None,
            findings: Vec::new(),
            baseline: None,
        }
    }

    #[test]
    fn reasons_in_words() {
        let options = AnalysisOptions::default();
        let wait = |min, median, max| Some(WaitStats { min, median, max });
        let g = group(1204, "chan send", wait(30, 41, 58));
        assert_eq!(
            judge(&g, &options, false, false).1.as_deref(),
            Some("1,204 goroutines started at worker.go:88 have been blocked on chan send for ≥ 30 minutes")
        );
        let g = group(3, "select", wait(0, 2, 12));
        assert_eq!(
            judge(&g, &options, false, false).1.as_deref(),
            Some("3 goroutines started at worker.go:88 are blocked on select; the longest for 12 minutes (median 2)")
        );
        // Short waits and few goroutines: not a suspect.
        let g = group(3, "select", wait(0, 0, 2));
        assert_eq!(judge(&g, &options, false, false), (false, None));
        // Not a blocking state.
        let g = group(5000, "IO wait", wait(50, 50, 50));
        assert!(!judge(&g, &options, false, false).0);
        let mut g = group(1, "unknown", None);
        g.proven_leak = true;
        g.state_inferred = true;
        assert_eq!(
            judge(&g, &options, false, false).1.as_deref(),
            Some("1 goroutine started at worker.go:88 is proven leaked by the garbage collector: it is blocked and can never wake up")
        );
        let mut g = group(12, "sync.Mutex.Lock", wait(0, 0, 0));
        g.baseline = Some(GroupDelta {
            baseline_count: 2,
            delta: 10,
            new: false,
        });
        assert_eq!(
            judge(&g, &options, false, false).1.as_deref(),
            Some("12 goroutines started at worker.go:88 are blocked on sync.Mutex.Lock; grew from 2 by +10 since the baseline")
        );
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
