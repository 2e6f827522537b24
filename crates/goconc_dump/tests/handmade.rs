//! Hand-written traceback variants that real programs rarely produce on
//! demand (long waits, elided frames, stacks of other threads, nil
//! channels), and regression tests on dumps captured from the
//! examples/leaky-service walk-through (real `[N minutes]` waits).

use goconc_dump::model::{Analysis, Origin};
use goconc_dump::AnalysisOptions;
use std::path::Path;

fn analyze(bytes: &[u8], baseline: Option<&[u8]>, options: &AnalysisOptions) -> Analysis {
    goconc_dump::analyze_dump(bytes, baseline, options, None, &[], 0).expect("analyze")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).expect("read fixture")
}

#[test]
fn panic_with_long_waits_elided_frames_and_other_threads() {
    let bytes = read("testdata/handmade/panic_variants.txt");
    let a = analyze(&bytes, None, &AnalysisOptions::default());
    assert_eq!(
        a.meta.headline.as_deref(),
        Some("panic: runtime error: invalid memory address or nil pointer dereference")
    );
    assert_eq!(a.goroutines, 8);
    assert!(!a.meta.truncated);

    let loops = a
        .groups
        .iter()
        .find(|g| {
            g.frames
                .first()
                .is_some_and(|f| f.frame.function == "example.com/svc/worker.loop")
        })
        .expect("worker loops");
    assert_eq!(loops.count, 3, "argument values do not split groups");
    assert!(loops.elided);
    let wait = loops.wait_minutes.expect("wait");
    assert_eq!((wait.min, wait.median, wait.max), (3, 12, 45));
    assert!(loops.suspect);
    assert_eq!(
        loops.reason.as_deref(),
        Some("3 goroutines started at start.go:9 are blocked on select; the longest for 45 minutes (median 12)")
    );

    let main = a
        .groups
        .iter()
        .find(|g| g.goroutine_ids == [1])
        .expect("main");
    assert_eq!(main.locked_to_thread, 1);
    assert!(!main.suspect, "the main goroutine waits by design");

    let nil = a
        .groups
        .iter()
        .find(|g| g.state == "chan receive (nil chan)")
        .expect("nil chan");
    assert!(nil.suspect);
    assert!(nil
        .reason
        .as_deref()
        .is_some_and(|r| r.ends_with("which can never proceed")));

    let rw = a
        .groups
        .iter()
        .find(|g| g.state == "sync.RWMutex.Lock")
        .expect("scan state folded");
    assert_eq!(rw.frames.last().map(|f| f.origin), Some(Origin::Dependency));

    let other_thread = a
        .groups
        .iter()
        .find(|g| g.goroutine_ids == [21])
        .expect("21");
    assert!(other_thread.frames.is_empty());
    assert_eq!(
        other_thread.created_by.as_ref().map(|c| c.frame.line),
        Some(31)
    );

    let panicking = a.groups.iter().find(|g| g.goroutine_ids == [7]).expect("7");
    assert_eq!(
        panicking.frames[1].frame.function,
        "example.com/svc/handler.Process[...]"
    );
    assert!(panicking.wait_minutes.is_none());
}

#[test]
fn captured_leaky_service_dump() {
    let after = read("../../examples/leaky-service/captured/after.txt");
    let baseline = read("../../examples/leaky-service/captured/baseline.txt");
    // Only the wait time makes it suspect here (count threshold out of reach).
    let options = AnalysisOptions {
        min_count: u64::MAX,
        ..AnalysisOptions::default()
    };
    let a = analyze(&after, None, &options);
    let leak = &a.groups[0];
    assert_eq!(leak.frames[0].frame.function, "main.fetchQuote.func1");
    assert_eq!(leak.state, "chan send");
    assert!(leak.suspect);
    let wait = leak.wait_minutes.expect("minutes");
    assert!(wait.max >= 10 && wait.median <= wait.max && wait.min <= wait.median);
    assert!(
        a.suspects().count() == 1,
        "timers, the accept loop and main are not flagged"
    );

    let diff = analyze(&after, Some(&baseline), &AnalysisOptions::default());
    let leak = &diff.groups[0];
    let delta = leak.baseline.expect("delta");
    assert!(delta.delta > 1000 && !delta.new);
    assert_eq!(
        u64::try_from(delta.delta).ok(),
        leak.count.checked_sub(delta.baseline_count)
    );
}
