//! End-to-end tests on real dumps and race logs: small Go programs under
//! `testdata/` are built and run with the Go toolchain during the test, and
//! their output (net/http/pprof debug=0/1/2, goroutineleak, SIGQUIT, fatal
//! deadlock, race reports) is read back. Hand-made truncated, corrupted,
//! CRLF and log-embedded variants are derived from the real dumps.
//!
//! Without a `go` binary these tests print a message and pass, unless
//! `GOCONC_REQUIRE_GO=1`.

use goconc_dump::model::{Analysis, Group, InputFormat, Origin, WaitKind};
use goconc_dump::race::AccessKind;
use goconc_dump::{AnalysisOptions, ModuleInfo, StaticFinding};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const WORKERS: usize = 120;

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

/// The 1-based line of the first line of `file` containing `needle`.
fn line_of(file: &str, needle: &str) -> u32 {
    let text = std::fs::read_to_string(testdata().join(file)).expect("read source");
    let index = text
        .lines()
        .position(|l| l.contains(needle))
        .expect("needle in source");
    u32::try_from(index + 1).expect("line")
}

fn go_available() -> bool {
    let ok = Command::new("go")
        .arg("version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("GOCONC_REQUIRE_GO").as_deref() != Ok("1"),
            "GOCONC_REQUIRE_GO=1 but no working `go` in PATH"
        );
        eprintln!("skipping: no `go` toolchain in PATH (set GOCONC_REQUIRE_GO=1 to fail instead)");
    }
    ok
}

fn go(dir: &Path) -> Command {
    let mut cmd = Command::new("go");
    cmd.current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "");
    cmd
}

fn run_checked(mut cmd: Command, what: &str) -> std::process::Output {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Everything the Go programs produced, built and run once for all tests.
struct Fixtures {
    debug0: Vec<u8>,
    debug1: Vec<u8>,
    debug2: Vec<u8>,
    /// debug=2 before and after `/leak?n=50`.
    baseline: Vec<u8>,
    after_leak: Vec<u8>,
    sigquit: Vec<u8>,
    /// goroutineleak profile in debug=0/1/2 (None when the toolchain lacks the experiment).
    leak: Option<[Vec<u8>; 3]>,
    deadlock_mutex: Vec<u8>,
    deadlock_chan: Vec<u8>,
    /// SIGQUIT of the same deadlock with a signal handler installed (the
    /// runtime cannot detect it): every goroutine blocked, no fatal error.
    deadlock_sigquit: Vec<u8>,
    race_test_log: Vec<u8>,
    /// `go test -race -json`.
    race_test_json: Vec<u8>,
    race_binary_log: Vec<u8>,
}

static FIXTURES: OnceLock<Option<Fixtures>> = OnceLock::new();

fn fixtures() -> Option<&'static Fixtures> {
    FIXTURES
        .get_or_init(|| go_available().then(build_and_run))
        .as_ref()
}

fn build_and_run() -> Fixtures {
    let out = tempfile::tempdir().expect("tempdir");
    let bin = |name: &str| out.path().join(name);
    let td = testdata();

    // Builds run two at a time (CI has two cores).
    let (leakpool, leakpool_exp) = std::thread::scope(|s| {
        let plain = s.spawn(|| {
            let mut cmd = go(&td.join("leakpool"));
            cmd.args(["build", "-o"]).arg(bin("leakpool")).arg(".");
            run_checked(cmd, "go build leakpool");
            let mut cmd = go(&td.join("deadlock"));
            cmd.args(["build", "-o"]).arg(bin("deadlock")).arg(".");
            run_checked(cmd, "go build deadlock");
            bin("leakpool")
        });
        let experiment = s.spawn(|| {
            let mut cmd = go(&td.join("leakpool"));
            cmd.env("GOEXPERIMENT", "goroutineleakprofile")
                .args(["build", "-o"])
                .arg(bin("leakpool-exp"))
                .arg(".");
            match cmd.output() {
                Ok(o) if o.status.success() => Some(bin("leakpool-exp")),
                Ok(o) => {
                    eprintln!(
                        "note: GOEXPERIMENT=goroutineleakprofile unavailable: {}",
                        String::from_utf8_lossy(&o.stderr)
                    );
                    None
                }
                Err(e) => {
                    eprintln!("note: GOEXPERIMENT build failed: {e}");
                    None
                }
            }
        });
        (
            plain.join().expect("build thread"),
            experiment.join().expect("build thread"),
        )
    });

    let (race_test_log, race_test_json, race_binary_log) = std::thread::scope(|s| {
        let test = s.spawn(|| {
            let mut cmd = go(&td.join("racy"));
            cmd.args(["test", "-race", "-v", "-count=1", "."]);
            let out = cmd.output().expect("go test -race");
            let mut log = out.stdout;
            log.extend_from_slice(&out.stderr);
            let mut cmd = go(&td.join("racy"));
            cmd.args(["test", "-race", "-json", "-count=1", "."]);
            let json = cmd.output().expect("go test -race -json").stdout;
            (log, json)
        });
        let binary = s.spawn(|| {
            let mut cmd = go(&td.join("racy"));
            cmd.args(["build", "-race", "-o"]).arg(bin("racy")).arg(".");
            run_checked(cmd, "go build -race racy");
            // Four runs into one log, as a restarted service's log would
            // hold: the detector deduplicates within a process, not across.
            let mut log = Vec::new();
            for _ in 0..4 {
                let out = Command::new(bin("racy")).output().expect("run racy");
                log.extend_from_slice(&out.stdout);
                log.extend_from_slice(&out.stderr);
            }
            log
        });
        let (log, json) = test.join().expect("race test thread");
        (log, json, binary.join().expect("race binary thread"))
    });

    // The service: endpoints, the baseline diff, then SIGQUIT.
    let mut service = Service::start(&leakpool, &[]);
    let debug0 = service.get("/debug/pprof/goroutine?debug=0");
    let debug1 = service.get("/debug/pprof/goroutine?debug=1");
    let debug2 = service.get("/debug/pprof/goroutine?debug=2");
    let baseline = debug2.clone();
    let started = service.get("/leak?n=50");
    assert!(String::from_utf8_lossy(&started).contains("started 50"));
    let after_leak = wait_for_goroutines(&mut service, baseline.len());
    let sigquit = service.sigquit();

    let leak = leakpool_exp.map(|exe| {
        let mut exp = Service::start(&exe, &[]);
        let leak0 = exp.get("/debug/pprof/goroutineleak?debug=0");
        let leak1 = exp.get("/debug/pprof/goroutineleak?debug=1");
        let leak2 = exp.get("/debug/pprof/goroutineleak?debug=2");
        exp.stop();
        [leak0, leak1, leak2]
    });

    let deadlock = |arg: Option<&str>| {
        let mut cmd = Command::new(bin("deadlock"));
        cmd.args(arg).env("GODEBUG", "tracebackancestors=2");
        let out = cmd.output().expect("run deadlock");
        assert!(!out.status.success(), "the deadlock program must crash");
        out.stderr
    };
    let deadlock_mutex = deadlock(None);
    let deadlock_chan = deadlock(Some("chan"));
    let deadlock_sigquit = {
        let mut child = Command::new(bin("deadlock"))
            .arg("notify")
            .env("GOTRACEBACK", "all")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run deadlock notify");
        std::thread::sleep(Duration::from_millis(500));
        let status = Command::new("kill")
            .args(["-QUIT", &child.id().to_string()])
            .status();
        if !status.is_ok_and(|s| s.success()) {
            let _ = child.kill();
        }
        let out = child.wait_with_output().expect("deadlock notify output");
        out.stderr
    };

    Fixtures {
        debug0,
        debug1,
        debug2,
        baseline,
        after_leak,
        sigquit,
        leak,
        deadlock_mutex,
        deadlock_chan,
        deadlock_sigquit,
        race_test_log,
        race_test_json,
        race_binary_log,
    }
}

/// `/leak` starts goroutines asynchronously; poll until the dump grew.
fn wait_for_goroutines(service: &mut Service, baseline_len: usize) -> Vec<u8> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let dump = service.get("/debug/pprof/goroutine?debug=2");
        let workers = count_occurrences(&dump, b"main.worker(");
        if workers >= WORKERS + 50 || Instant::now() > deadline {
            assert!(dump.len() > baseline_len);
            return dump;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn count_occurrences(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .filter(|w| w == &needle)
        .count()
}

/// A running leakpool process listening on 127.0.0.1; it exits by itself
/// after 60 s, when its stdin closes, or on SIGQUIT.
struct Service {
    child: Child,
    addr: String,
}

impl Service {
    fn start(exe: &Path, extra_args: &[&str]) -> Service {
        let workers = WORKERS.to_string();
        let mut child = Command::new(exe)
            .args(["-lifetime", "60s", "-workers", &workers])
            .args(extra_args)
            .env("GODEBUG", "tracebackancestors=3,tracebacklabels=1")
            .env("GOTRACEBACK", "all")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start leakpool");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read address");
        let addr = line
            .trim()
            .strip_prefix("listening http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_string();
        Service { child, addr }
    }

    fn get(&mut self, path: &str) -> Vec<u8> {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .expect("timeout");
        write!(stream, "GET {path} HTTP/1.0\r\nHost: localhost\r\n\r\n").expect("request");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("response");
        let split = response
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("headers");
        let head = String::from_utf8_lossy(&response[..split]).to_string();
        assert!(head.starts_with("HTTP/1.0 200"), "GET {path}: {head}");
        response[split + 4..].to_vec()
    }

    fn sigquit(mut self) -> Vec<u8> {
        let status = Command::new("kill")
            .args(["-QUIT", &self.child.id().to_string()])
            .status()
            .expect("kill -QUIT");
        assert!(status.success());
        let mut stderr = Vec::new();
        if let Some(mut err) = self.child.stderr.take() {
            err.read_to_end(&mut stderr).expect("stderr");
        }
        let _ = self.child.wait();
        stderr
    }

    fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn analyze(bytes: &[u8], options: &AnalysisOptions) -> Analysis {
    goconc_dump::analyze_dump(bytes, None::<&[u8]>, options, None, &[], 0).expect("analyze")
}

fn test_options() -> AnalysisOptions {
    AnalysisOptions::default()
}

fn group_at<'a>(a: &'a Analysis, function: &str) -> Option<&'a Group> {
    a.groups
        .iter()
        .find(|g| g.frames.iter().any(|f| f.frame.function == function))
}

fn total(a: &Analysis) -> u64 {
    a.groups.iter().map(|g| g.count).sum()
}

#[test]
fn debug2_dump_groups_leaks_and_ignores_idle_goroutines() {
    let Some(fx) = fixtures() else { return };
    let a = analyze(&fx.debug2, &test_options());
    assert_eq!(a.meta.format, Some(InputFormat::Traceback));
    assert_eq!(total(&a), a.goroutines);

    let workers = group_at(&a, "main.worker").expect("worker group");
    assert_eq!(workers.count, WORKERS as u64);
    assert_eq!(workers.state, "chan send");
    let send_line = line_of("leakpool/main.go", "results <- result{id: id}");
    let go_line = line_of("leakpool/main.go", "go worker(i, results)");
    assert_eq!(workers.frames[0].frame.line, send_line);
    assert!(workers.frames[0].frame.file.ends_with("leakpool/main.go"));
    let created = workers.created_by.as_ref().expect("created_by");
    assert_eq!(created.frame.function, "main.startWorkers");
    assert_eq!(created.frame.line, go_line);
    assert_eq!(
        workers.labels,
        vec![("pool=ingest".to_string(), WORKERS as u64)]
    );
    assert!(!workers.ancestors.is_empty(), "tracebackancestors frames");
    assert!(workers.suspect, "{workers:?}");
    assert_eq!(
        workers.reason.as_deref(),
        Some(
            format!("120 goroutines started at main.go:{go_line} are blocked on chan send")
                .as_str()
        )
    );
    // Suspects come first.
    assert!(a.groups[0].suspect);
    let first_plain = a
        .groups
        .iter()
        .position(|g| !g.suspect)
        .unwrap_or(a.groups.len());
    assert!(a.groups[first_plain..].iter().all(|g| !g.suspect));

    let mutex = group_at(&a, "main.(*lockedStore).put").expect("mutex group");
    assert_eq!((mutex.count, mutex.state.as_str()), (5, "sync.Mutex.Lock"));
    assert!(
        !mutex.suspect,
        "5 goroutines waiting < 1 minute are below the defaults"
    );
    let generic = group_at(&a, "main.leakGeneric[...]").expect("generic group");
    assert_eq!(generic.count, 2, "instantiations fold into one group");
    let accept = group_at(&a, "net/http.(*Server).Serve").expect("accept loop");
    assert_eq!(accept.idle_by_design, Some("net/http server accept loop"));
    assert!(!accept.suspect);
    let main = group_at(&a, "main.main")
        .filter(|g| g.created_by.is_none())
        .expect("main");
    assert!(main.idle_by_design.is_some() && !main.suspect);

    // Lower thresholds flag the smaller leaks too, and the mutex address is grouped.
    let strict = AnalysisOptions {
        min_count: 2,
        ..AnalysisOptions::default()
    };
    let a = analyze(&fx.debug2, &strict);
    for f in [
        "main.(*lockedStore).put",
        "main.waitForever",
        "main.selectLeak",
        "main.waitGroupLeak",
    ] {
        assert!(group_at(&a, f).is_some_and(|g| g.suspect), "{f}");
    }
    let view = a.deadlock.as_ref().expect("address view");
    let mutex_waiters = view
        .by_address
        .iter()
        .find(|w| w.kind == WaitKind::Mutex)
        .expect("mutex address");
    assert_eq!(mutex_waiters.goroutines, 5);
}

#[test]
fn debug1_and_debug0_profiles_agree_with_debug2() {
    let Some(fx) = fixtures() else { return };
    let d2 = analyze(&fx.debug2, &test_options());
    let d1 = analyze(&fx.debug1, &test_options());
    let d0 = analyze(&fx.debug0, &test_options());
    assert_eq!(d1.meta.format, Some(InputFormat::TextProfile));
    assert_eq!(d0.meta.format, Some(InputFormat::Protobuf));
    assert_eq!(d1.meta.profile.as_deref(), Some("goroutine"));
    assert_eq!(d0.meta.profile.as_deref(), Some("goroutine"));
    for a in [&d1, &d0] {
        assert_eq!(Some(a.goroutines), a.meta.declared_total);
        assert!(!a.meta.truncated);
        for f in ["main.worker", "main.(*lockedStore).put", "main.selectLeak"] {
            let count = |x: &Analysis| group_at(x, f).map(|g| g.count);
            assert_eq!(count(a), count(&d2), "{f}");
        }
        let workers = group_at(a, "main.worker").expect("workers");
        assert_eq!(
            workers.labels,
            vec![("pool=ingest".to_string(), WORKERS as u64)]
        );
        assert!(
            workers.wait_minutes.is_none(),
            "profiles carry no wait times"
        );
    }
    // The protobuf keeps runtime frames, so states are inferred exactly.
    let workers = group_at(&d0, "main.worker").expect("workers");
    assert_eq!(workers.state, "chan send");
    assert!(workers.state_inferred && workers.suspect);
    assert_eq!(
        group_at(&d0, "main.selectLeak").map(|g| g.state.as_str()),
        Some("select")
    );
    // Generic instantiations carry go.shape names in pprof; they fold too.
    assert_eq!(
        group_at(&d0, "main.leakGeneric[...]").map(|g| g.count),
        Some(2)
    );
}

#[test]
fn goroutineleak_profile_marks_proven_leaks_in_all_formats() {
    let Some(fx) = fixtures() else { return };
    let Some([leak0, leak1, leak2]) = &fx.leak else {
        eprintln!("skipping: toolchain without GOEXPERIMENT=goroutineleakprofile");
        return;
    };
    for (bytes, format) in [
        (leak0, InputFormat::Protobuf),
        (leak1, InputFormat::TextProfile),
        (leak2, InputFormat::Traceback),
    ] {
        let a = analyze(bytes, &test_options());
        assert_eq!(a.meta.format, Some(format));
        // The workers' channel stays reachable from the /leak handler, so
        // the GC cannot prove them leaked; these goroutines are unreachable.
        for function in ["main.waitForever", "main.selectLeak", "main.waitGroupLeak"] {
            let group = group_at(&a, function).expect("leaked group");
            assert!(group.proven_leak && group.suspect, "{function} {format:?}");
            assert!(
                group
                    .reason
                    .as_deref()
                    .is_some_and(|r| r.contains("proven leaked")),
                "{:?}",
                group.reason
            );
        }
        if let Some(workers) = group_at(&a, "main.worker") {
            assert!(
                !workers.proven_leak,
                "reachable channel: not provably leaked"
            );
        }
        assert!(a.groups[0].proven_leak, "proven leaks rank first");
        // The accept loop is never in the leak profile / never marked leaked.
        assert!(group_at(&a, "net/http.(*Server).Serve").is_none_or(|g| !g.proven_leak));
        if format != InputFormat::Traceback {
            assert_eq!(a.meta.profile.as_deref(), Some("goroutineleak"));
            assert!(a.groups.iter().all(|g| g.proven_leak));
        }
    }
}

#[test]
fn sigquit_traceback_is_read() {
    let Some(fx) = fixtures() else { return };
    let a = analyze(&fx.sigquit, &test_options());
    assert_eq!(a.meta.headline.as_deref(), Some("SIGQUIT: quit"));
    let workers = group_at(&a, "main.worker").expect("workers");
    assert_eq!(workers.count, WORKERS as u64 + 50);
    // GOTRACEBACK=all shows no runtime frames; `fp=` suffixes (crash mode) are parsed away.
    for g in &a.groups {
        for f in &g.frames {
            assert!(!f.frame.file.contains(" fp="), "{f:?}");
        }
    }
}

#[test]
fn baseline_diff_shows_growth() {
    let Some(fx) = fixtures() else { return };
    let analysis = goconc_dump::analyze_dump(
        &fx.after_leak[..],
        Some(&fx.baseline[..]),
        &AnalysisOptions {
            min_count: 1000,
            ..AnalysisOptions::default()
        },
        None,
        &[],
        0,
    )
    .expect("analyze");
    let workers = group_at(&analysis, "main.worker").expect("workers");
    let delta = workers.baseline.expect("baseline delta");
    assert_eq!(delta.baseline_count, WORKERS as u64);
    assert_eq!(delta.delta, 50);
    assert!(!delta.new);
    assert!(workers.suspect, "growth alone makes it suspect");
    assert!(workers
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("grew from 120 by +50")));
    assert_eq!(analysis.groups[0].frames[0].frame.function, "main.worker");
    let summary = analysis.baseline.as_ref().expect("summary");
    assert!(summary.grown_groups >= 1);
    let json = goconc_dump::render::dump_json(&analysis);
    assert_eq!(json["groups"][0]["delta"], 50);
}

#[test]
fn fatal_deadlock_shows_the_wait_cycle() {
    let Some(fx) = fixtures() else { return };
    let a = analyze(&fx.deadlock_mutex, &test_options());
    assert!(a.meta.all_asleep);
    assert_eq!(
        a.meta.headline.as_deref(),
        Some("fatal error: all goroutines are asleep - deadlock!")
    );
    assert!(a.groups.iter().all(|g| g.suspect));
    let view = a.deadlock.as_ref().expect("deadlock view");
    let mutexes: Vec<_> = view
        .by_address
        .iter()
        .filter(|w| w.kind == WaitKind::Mutex)
        .collect();
    assert_eq!(mutexes.len(), 2);
    assert_eq!(view.cycle.len(), 2, "{view:?}");
    let (x, y) = (&view.cycle[0], &view.cycle[1]);
    assert_eq!(x.held_by, y.goroutine);
    assert_eq!(y.held_by, x.goroutine);
    assert_ne!(x.address, y.address);
    assert_eq!(
        x.at.as_ref().map(|f| f.function.as_str()),
        Some("main.transfer")
    );

    let a = analyze(&fx.deadlock_chan, &test_options());
    assert!(a.meta.all_asleep);
    let main = &a.groups[0];
    assert_eq!(main.state, "chan send");
    assert!(main.suspect);
    assert!(main
        .reason
        .as_deref()
        .is_some_and(|r| r.contains("deadlock")));
}

#[test]
fn dump_with_every_goroutine_blocked_is_a_likely_deadlock() {
    let Some(fx) = fixtures() else { return };
    let a = analyze(&fx.deadlock_sigquit, &test_options());
    assert!(!a.meta.all_asleep);
    assert_eq!(a.meta.headline.as_deref(), Some("SIGQUIT: quit"));
    let view = a.deadlock.as_ref().expect("deadlock view");
    assert!(view.all_blocked);
    assert_eq!(view.cycle.len(), 2, "{view:?}");
    let transfers: Vec<&Group> = a
        .groups
        .iter()
        .filter(|g| g.frames.iter().any(|f| f.frame.function == "main.transfer"))
        .collect();
    assert_eq!(transfers.len(), 2);
    for g in transfers {
        assert!(g.suspect);
        assert!(g
            .reason
            .as_deref()
            .is_some_and(|r| r.contains("every goroutine is blocked")));
    }
    // Runtime helpers and the signal goroutine are not suspects.
    assert!(a.groups.iter().filter(|g| g.suspect).all(|g| g
        .frames
        .iter()
        .any(|f| f.frame.function.starts_with("main."))));

    // A live service (accept loop in IO wait) is not "everything blocked".
    let live = analyze(&fx.sigquit, &test_options());
    assert!(live.deadlock.as_ref().is_none_or(|d| !d.all_blocked));
}

#[test]
fn source_mapping_and_static_findings() {
    let Some(fx) = fixtures() else { return };
    let module = ModuleInfo::discover(&testdata().join("leakpool")).expect("go.mod");
    assert_eq!(module.path, "example.com/leakpool");
    let findings = vec![StaticFinding {
        path: "main.go".into(),
        line: line_of("leakpool/main.go", "results <- result{id: id}"),
        code: "GC001".into(),
        message: "send on a channel nobody receives from".into(),
    }];
    let a = goconc_dump::analyze_dump(
        &fx.debug2[..],
        None::<&[u8]>,
        &test_options(),
        Some(&module),
        &findings,
        100,
    )
    .expect("analyze");
    let workers = group_at(&a, "main.worker").expect("workers");
    assert_eq!(workers.frames[0].origin, Origin::Own);
    assert_eq!(
        workers.frames[0].source.as_deref(),
        Some("results <- result{id: id}")
    );
    assert_eq!(workers.findings, findings);
    let mutex = group_at(&a, "main.(*lockedStore).put").expect("mutex");
    assert!(mutex.findings.is_empty());
    assert!(mutex.frames.iter().any(|f| f.origin == Origin::Std));
    let text = render(&a, goconc_dump::Format::Text);
    assert!(text.contains("static finding GC001 at main.go:"));
    assert!(text.contains("own code:"));
}

fn render(a: &Analysis, format: goconc_dump::Format) -> String {
    let mut out = Vec::new();
    goconc_dump::render::write_dump(&mut out, a, format, &goconc_dump::RenderOptions::default())
        .expect("render");
    String::from_utf8(out).expect("utf8")
}

#[test]
fn json_contract_and_markdown() {
    let Some(fx) = fixtures() else { return };
    let a = analyze(&fx.debug2, &test_options());
    let json = goconc_dump::render::dump_json(&a);
    assert_eq!(json["version"], 1);
    assert_eq!(json["goroutines"], a.goroutines);
    let groups = json["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), a.groups.len());
    let first = &groups[0];
    for key in [
        "count",
        "state",
        "wait_minutes",
        "frames",
        "created_by",
        "suspect",
        "reason",
    ] {
        assert!(first.get(key).is_some(), "missing {key}");
    }
    assert_eq!(first["state"], "chan send");
    assert_eq!(first["suspect"], true);
    assert_eq!(first["frames"][0]["function"], "main.worker");
    assert_eq!(
        first["frames"][0]["line"],
        line_of("leakpool/main.go", "results <- result{id: id}")
    );
    assert_eq!(first["created_by"]["function"], "main.startWorkers");
    assert_eq!(first["wait_minutes"]["max"], 0);
    let running = groups
        .iter()
        .find(|g| g["state"] == "running")
        .expect("running");
    assert!(running["wait_minutes"].is_null());
    assert!(running["reason"].is_null());
    let md = render(&a, goconc_dump::Format::Markdown);
    assert!(md.starts_with("## Goroutine dump:"));
    assert!(md.contains("| # | count |"));
}

#[test]
fn race_logs_are_deduplicated() {
    let Some(fx) = fixtures() else { return };
    for log_bytes in [&fx.race_test_log, &fx.race_test_json, &fx.race_binary_log] {
        let log = goconc_dump::read_race_log(&log_bytes[..]).expect("race log");
        let reports = count_occurrences(log_bytes, b"WARNING: DATA RACE") as u64;
        assert_eq!(log.reports, reports);
        assert!(!log.races.is_empty());
        assert!(!log.truncated);
        assert_eq!(
            log.races.iter().map(|r| r.occurrences).sum::<u64>(),
            reports
        );
        let mut keys = Vec::new();
        for race in &log.races {
            assert_eq!(race.accesses.len(), 2);
            assert!(race.accesses.iter().any(|a| a.kind == AccessKind::Write));
            assert!(race.accesses[1].previous);
            for access in &race.accesses {
                let creator = access.goroutine_created_by.as_ref().expect("creator");
                assert!(
                    creator.function.ends_with("countHits")
                        || creator.function.ends_with("recordAll")
                );
                assert!(!access.frames.is_empty());
            }
            let mut key: Vec<_> = race
                .accesses
                .iter()
                .map(|a| (a.kind, a.frames[0].clone()))
                .collect();
            key.sort();
            assert!(!keys.contains(&key), "duplicate race {key:?}");
            keys.push(key);
        }
        let hits = log
            .races
            .iter()
            .find(|r| r.accesses[0].frames[0].line == 31)
            .expect("race on hits");
        assert!(
            hits.location
                .as_deref()
                .is_some_and(|l| l.contains("'hits'"))
                || hits.location.is_none()
        );
        let json = goconc_dump::render::race_json(&log);
        assert_eq!(json["version"], 1);
        let first = &json["races"][0];
        assert!(first["occurrences"].as_u64().is_some_and(|n| n >= 1));
        assert!(first["accesses"][0]["kind"] == "read" || first["accesses"][0]["kind"] == "write");
        assert!(first["accesses"][0]["goroutine_created_by"]["function"].is_string());
        assert!(first["accesses"][1]["frames"][0]["file"].is_string());
    }
    // Six access-site pairs are possible; four runs report at least eight races.
    let log = goconc_dump::read_race_log(&fx.race_binary_log[..]).expect("race log");
    assert!(log.reports >= 8, "{}", log.reports);
    assert!(log.races.len() <= 6 && log.races.iter().any(|r| r.occurrences >= 2));
    let log = goconc_dump::read_race_log(&fx.race_test_log[..]).expect("race log");
    let tests: Vec<&str> = log
        .races
        .iter()
        .flat_map(|r| r.tests.iter().map(String::as_str))
        .collect();
    assert!(tests.contains(&"TestCountHits") && tests.contains(&"TestRecordAll"));
    assert!(!tests.contains(&"TestNoRace"));
    let log = goconc_dump::read_race_log(&fx.race_test_json[..]).expect("json log");
    assert!(fx.race_test_json.starts_with(b"{"), "go test -json output");
    let tests: Vec<&str> = log
        .races
        .iter()
        .flat_map(|r| r.tests.iter().map(String::as_str))
        .collect();
    assert!(tests.contains(&"TestCountHits") && tests.contains(&"TestRecordAll"));
}

// ------------------------------------------------------------------ variants

#[test]
fn crlf_and_log_embedded_dumps_read_the_same() {
    let Some(fx) = fixtures() else { return };
    let plain = analyze(&fx.debug2, &test_options());
    let text = String::from_utf8_lossy(&fx.debug2).to_string();

    let crlf = text.replace('\n', "\r\n");
    let a = analyze(crlf.as_bytes(), &test_options());
    assert_eq!(summary(&a), summary(&plain));

    // Among other log lines, with a timestamp prefix on every line.
    let mut embedded = String::from("2026-11-29T05:00:00Z starting\nINFO ready\n");
    for line in text.lines() {
        embedded.push_str("2026-11-29T05:00:01Z ");
        embedded.push_str(line);
        embedded.push('\n');
    }
    embedded.push_str("2026-11-29T05:00:02Z shutting down\n");
    let a = analyze(embedded.as_bytes(), &test_options());
    assert_eq!(summary(&a), summary(&plain));
    assert!(a.meta.skipped_lines >= 3);

    // Unprefixed dump between log lines.
    let surrounded = format!("log line one\nlevel=info msg=\"x\"\n{text}\nafter the dump\n");
    let a = analyze(surrounded.as_bytes(), &test_options());
    assert_eq!(summary(&a), summary(&plain));
}

fn summary(a: &Analysis) -> Vec<(u64, String, String)> {
    let mut s: Vec<_> = a
        .groups
        .iter()
        .map(|g| {
            (
                g.count,
                g.state.clone(),
                g.frames
                    .first()
                    .map(|f| f.frame.function.clone())
                    .unwrap_or_default(),
            )
        })
        .collect();
    s.sort();
    s
}

#[test]
fn truncated_dumps_keep_what_they_have() {
    let Some(fx) = fixtures() else { return };
    let full = analyze(&fx.debug2, &test_options());
    let step = (fx.debug2.len() / 60).max(1);
    for cut in (1..fx.debug2.len()).step_by(step) {
        let a = analyze(&fx.debug2[..cut], &test_options());
        assert!(a.goroutines <= full.goroutines);
        let ends_cleanly = fx.debug2[..cut].ends_with(b"\n\n");
        if !ends_cleanly && a.goroutines > 0 && !fx.debug2[..cut].ends_with(b"\n") {
            assert!(a.meta.truncated, "cut at {cut}");
        }
    }
    // A profile cut short of its declared total is flagged too.
    let cut = fx.debug1.len() / 2;
    let a = analyze(&fx.debug1[..cut], &test_options());
    assert!(a.meta.truncated);
    assert!(a.goroutines < a.meta.declared_total.unwrap_or(0));
    // A truncated gzip profile is an error, not a panic.
    let cut = fx.debug0.len() / 2;
    assert!(goconc_dump::read_dump(&fx.debug0[..cut]).is_err());
}

#[test]
fn corrupted_inputs_do_not_panic() {
    let Some(fx) = fixtures() else { return };
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for source in [
        &fx.debug2,
        &fx.debug1,
        &fx.debug0,
        &fx.sigquit,
        &fx.race_test_log,
    ] {
        for _ in 0..40 {
            let mut bytes = source.clone();
            for _ in 0..1 + next() % 16 {
                let i = (next() % bytes.len() as u64) as usize;
                bytes[i] = next() as u8;
            }
            let _ = goconc_dump::read_dump(&bytes[..]);
            let _ = goconc_dump::read_race_log(&bytes[..]);
        }
    }
    // Decompressed but corrupted protobuf.
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(&fx.debug0[..])
        .read_to_end(&mut raw)
        .expect("gunzip");
    for _ in 0..200 {
        let mut bytes = raw.clone();
        let i = (next() % bytes.len() as u64) as usize;
        bytes[i] = next() as u8;
        bytes.truncate((next() % bytes.len() as u64) as usize + 1);
        let _ = goconc_dump::read_dump(&bytes[..]);
    }
    let a = goconc_dump::read_dump(&raw[..]).expect("raw protobuf");
    assert_eq!(a.meta.format, Some(InputFormat::Protobuf));
}
