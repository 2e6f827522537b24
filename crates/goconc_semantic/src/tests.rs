//! Unit tests on small realistic Go sources.

use goconc_syntax::ast::{ExprId, ExprKind, StmtKind};

use crate::body::{LocalKind, Res};
use crate::cfg::{BlockKind, Node};
use crate::env::Selection;
use crate::loader::GoEnv;
use crate::ops::{ChanOp, LockKind, LockOp, OpKind, WgOp};
use crate::program::{Function, Program};
use crate::summary::SpawnKind;
use crate::types::Type;

fn build(src: &str) -> Program {
    Program::from_sources(
        &[("example.com/app", &[("a.go", src)])],
        GoEnv::embedded_only(),
    )
}

fn build_real(src: &str) -> Program {
    Program::from_sources(&[("example.com/app", &[("a.go", src)])], GoEnv::detect())
}

/// The `nth` expression (in arena order) whose source text is exactly `text`.
fn find_expr(prog: &Program, text: &str, nth: usize) -> ExprId {
    let pm = &prog.packages[0];
    let file = pm.pkg.file(0).expect("file");
    let mut found: Vec<ExprId> = (0..file.exprs.len() as u32)
        .map(ExprId)
        .filter(|&e| file.text(file.expr(e).span) == text)
        .collect();
    found.sort_by_key(|e| file.expr(*e).span.start);
    found.dedup_by_key(|e| file.expr(*e).span.start);
    *found
        .get(nth)
        .unwrap_or_else(|| panic!("no expr {text:?} #{nth}"))
}

fn type_str(prog: &Program, text: &str, nth: usize) -> String {
    let e = find_expr(prog, text, nth);
    prog.packages[0].files[0].ty(e).to_string()
}

fn func<'p>(prog: &'p Program, name: &str) -> &'p Function {
    prog.find_function("example.com/app", name)
        .unwrap_or_else(|| panic!("no function {name}"))
}

const LOCKS: &str = r#"
package app

import (
	"context"
	"sync"
	"time"
)

type Cache struct {
	mu    sync.Mutex
	items map[string]int
}

type Server struct {
	sync.RWMutex
	cache *Cache
	wg    sync.WaitGroup
	jobs  chan Job
	done  chan struct{}
}

type Job struct{ ID int }

var globalMu sync.Mutex

func (c *Cache) Get(k string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.items[k]
	return v, ok
}

func (c *Cache) lock()   { c.mu.Lock() }
func (c *Cache) unlock() { c.mu.Unlock() }

func (s *Server) Lookup(k string) int {
	s.RLock()
	defer s.RUnlock()
	v, _ := s.cache.Get(k)
	return v
}

func (s *Server) leaky(k string) int {
	s.cache.lock()
	if k == "" {
		return 0
	}
	s.cache.unlock()
	return 1
}

func helper(c *Cache) { c.lock() }

func (s *Server) viaHelper() {
	helper(s.cache)
	s.cache.mu.Unlock()
}

func (s *Server) Start(ctx context.Context) {
	for i := 0; i < 4; i++ {
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			s.worker(ctx)
		}()
	}
}

func (s *Server) worker(ctx context.Context) {
	for {
		select {
		case j := <-s.jobs:
			_ = j.ID
		case <-ctx.Done():
			return
		}
	}
}

func produce(out chan<- int) {
	out <- 1
	time.Sleep(time.Second)
}

func withGlobal() {
	globalMu.Lock()
	globalMu.Unlock()
}
"#;

#[test]
fn resolves_fields_embedded_and_promoted_methods() {
    let prog = build(LOCKS);
    let info = &prog.packages[0].files[0];
    // `s.RLock()` goes through the embedded sync.RWMutex.
    let e = find_expr(&prog, "s.RLock", 0);
    match info.selection(e) {
        Some(Selection::Method { embedded, recv, .. }) => {
            assert_eq!(embedded.len(), 1);
            assert_eq!(&*embedded[0], "RWMutex");
            assert!(recv.is_named("sync", "RWMutex"), "{recv}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(type_str(&prog, "s.cache", 0), "*example.com/app.Cache");
    assert_eq!(type_str(&prog, "c.items", 0), "map[string]int");
    assert_eq!(type_str(&prog, "c.items[k]", 0), "int");
    assert_eq!(type_str(&prog, "s.cache.Get(k)", 0), "(int, bool)");
    assert_eq!(type_str(&prog, "s.jobs", 0), "chan example.com/app.Job");
    assert_eq!(type_str(&prog, "<-s.jobs", 0), "example.com/app.Job");
    assert_eq!(type_str(&prog, "j.ID", 0), "int");
    assert_eq!(type_str(&prog, "ctx.Done()", 0), "<-chan struct{}");
}

#[test]
fn summaries_track_locks_through_calls() {
    let prog = build(LOCKS);
    let get = func(&prog, "Cache.Get");
    let s = prog.summary(get.id).expect("summary");
    assert!(s.unreleased.is_empty(), "{s:?}");
    assert_eq!(s.acquires.len(), 1);
    assert_eq!(prog.describe_path(&s.acquires[0].path), "c.mu");
    assert!(s.net_acquired.is_empty());

    let lock = prog.summary(func(&prog, "Cache.lock").id).expect("summary");
    assert_eq!(lock.net_acquired.len(), 1);
    let unlock = prog
        .summary(func(&prog, "Cache.unlock").id)
        .expect("summary");
    assert_eq!(unlock.net_released.len(), 1);

    // Lookup holds s.RWMutex (read) and acquires s.cache.mu through Get.
    let lookup = prog
        .summary(func(&prog, "Server.Lookup").id)
        .expect("summary");
    let described: Vec<String> = lookup
        .acquires
        .iter()
        .map(|a| format!("{}:{:?}", prog.describe_path(&a.path), a.kind))
        .collect();
    assert_eq!(described, vec!["s.RWMutex:Read", "s.cache.mu:Write"]);
    assert!(lookup.unreleased.is_empty());

    // leaky: the early return keeps s.cache.mu held.
    let leaky = prog
        .summary(func(&prog, "Server.leaky").id)
        .expect("summary");
    assert_eq!(leaky.unreleased.len(), 1, "{leaky:?}");
    assert_eq!(prog.describe_path(&leaky.unreleased[0].0), "s.cache.mu");
    assert!(leaky.net_acquired.is_empty());

    // Two levels of helpers: helper(c) → c.lock() → c.mu.Lock().
    let via = prog
        .summary(func(&prog, "Server.viaHelper").id)
        .expect("summary");
    assert!(via.unreleased.is_empty(), "{via:?}");
    assert_eq!(via.acquires.len(), 1);
    assert_eq!(prog.describe_path(&via.acquires[0].path), "s.cache.mu");

    let g = prog.summary(func(&prog, "withGlobal").id).expect("summary");
    assert_eq!(prog.describe_path(&g.acquires[0].path), "app.globalMu");
}

#[test]
fn summaries_track_goroutines_waitgroups_and_context() {
    let prog = build(LOCKS);
    let start = func(&prog, "Server.Start");
    let s = prog.summary(start.id).expect("summary");
    assert_eq!(s.spawns.len(), 1);
    assert_eq!(s.spawns[0].kind, SpawnKind::Go);
    let closure = s.spawns[0].target.expect("closure target");
    let cs = prog.summary(closure).expect("closure summary");
    assert_eq!(cs.wg_done_all_paths.len(), 1);
    assert_eq!(prog.describe_path(&cs.wg_done_all_paths[0]), "s.wg");
    assert!(cs.observes_ctx, "ctx observed through worker");
    assert!(s.wg.iter().any(|w| w.op == WgOp::Add(Some(1))));

    let worker = prog
        .summary(func(&prog, "Server.worker").id)
        .expect("summary");
    assert!(worker.observes_ctx);
    assert_eq!(worker.ctx_params, vec![0]);
    assert!(worker.may_block);
    assert!(worker
        .chans
        .iter()
        .any(|c| c.op == ChanOp::Recv && c.in_select && prog.describe_path(&c.path) == "s.jobs"));

    let jobs = worker
        .chans
        .iter()
        .find(|c| prog.describe_path(&c.path) == "s.jobs")
        .expect("jobs");
    assert_eq!(
        prog.path_type(&jobs.path).to_string(),
        "chan example.com/app.Job"
    );
    let (owner, field) = prog.field_owner(&jobs.path).expect("owner");
    assert_eq!(owner.to_string(), "example.com/app.Server");
    assert_eq!(&*field, "jobs");

    let produce = prog.summary(func(&prog, "produce").id).expect("summary");
    assert!(produce.may_block);
    assert_eq!(produce.chans.len(), 1);
    assert_eq!(produce.chans[0].op, ChanOp::Send);
    assert!(!produce.observes_ctx);
}

#[test]
fn shadowing_and_scopes() {
    let src = r#"
package app

var x = "global"

func f(x int) int {
	y := x
	{
		x := "inner"
		_ = x
	}
	if x := 2.5; x > 1 {
		_ = x
	}
	x, z := 3, 4
	return x + y + z
}
"#;
    let prog = build(src);
    let info = &prog.packages[0].files[0];
    let kind_of = |text: &str, nth: usize| {
        let e = find_expr(&prog, text, nth);
        match info.res(e) {
            Res::Local(l) => format!("{:?}:{}", info.local(*l).expect("local").kind, info.ty(e)),
            Res::Global(_) | Res::Foreign(_) => format!("global:{}", info.ty(e)),
            other => format!("{other:?}"),
        }
    };
    // `y := x` uses the parameter.
    assert_eq!(kind_of("x", 0), "Param(0):int");
    assert_eq!(kind_of("x", 2), "Var:string");
    assert_eq!(kind_of("x", 5), "Var:float64");
    // `x, z := 3, 4` reuses the parameter (same scope as the body).
    let e = find_expr(&prog, "x", 6);
    assert!(
        matches!(info.res(e), Res::Local(l) if info.local(*l).expect("l").kind == LocalKind::Param(0))
    );
}

#[test]
fn types_of_make_new_literals_and_generics() {
    let src = r#"
package app

import "sync"

type Pair[K comparable, V any] struct {
	Key K
	Val V
}

type List[T any] struct {
	mu    sync.Mutex
	items []T
}

func (l *List[T]) Push(v T) {
	l.mu.Lock()
	l.items = append(l.items, v)
	l.mu.Unlock()
}

func Map[T, U any](xs []T, f func(T) U) []U { return nil }

type Result struct{ Err error }

func g() {
	done := make(chan struct{})
	results := make(chan *Result, 10)
	var recvOnly <-chan int
	p := new(sync.WaitGroup)
	r := &Result{}
	rs := []*Result{{}, {Err: nil}}
	m := map[string][]int{"a": {1}}
	lst := &List[int]{}
	lst.Push(1)
	ys := Map[int, string]([]int{1}, func(i int) string { return "" })
	pr := Pair[string, int]{Key: "a"}
	_ = pr.Key
	f := float64(3)
	for i, v := range rs {
		_, _ = i, v
	}
	for k, v := range m {
		_, _ = k, v
	}
	for v := range results {
		_ = v
	}
	_, _, _, _, _, _, _, _, _ = done, recvOnly, p, r, ys, pr, f, lst, m
}
"#;
    let prog = build(src);
    assert_eq!(type_str(&prog, "make(chan struct{})", 0), "chan struct{}");
    assert_eq!(
        type_str(&prog, "make(chan *Result, 10)", 0),
        "chan *example.com/app.Result"
    );
    let cap = find_expr(&prog, "10", 0);
    let g = func(&prog, "g");
    assert_eq!(prog.const_int(g, cap), Some(10));
    assert_eq!(type_str(&prog, "recvOnly", 0), "<-chan int");
    assert_eq!(type_str(&prog, "new(sync.WaitGroup)", 0), "*sync.WaitGroup");
    assert_eq!(type_str(&prog, "&Result{}", 0), "*example.com/app.Result");
    assert_eq!(type_str(&prog, "{Err: nil}", 0), "*example.com/app.Result");
    assert_eq!(type_str(&prog, "lst", 1), "*example.com/app.List[int]");
    assert_eq!(type_str(&prog, "l.mu", 0), "sync.Mutex");
    assert_eq!(type_str(&prog, "ys", 1), "[]U");
    assert_eq!(type_str(&prog, "pr.Key", 0), "K");
    assert_eq!(type_str(&prog, "f", 1), "float64");
    assert_eq!(type_str(&prog, "v", 1), "*example.com/app.Result");
    assert_eq!(type_str(&prog, "k", 1), "string");
    assert_eq!(type_str(&prog, "v", 3), "[]int");
    assert_eq!(type_str(&prog, "v", 5), "*example.com/app.Result");
    // The generic method's lock is still found.
    let push = prog
        .find_function("example.com/app", "List.Push")
        .expect("push");
    let s = prog.summary(push.id).expect("summary");
    assert_eq!(s.acquires.len(), 1);
    assert!(s.unreleased.is_empty());
}

#[test]
fn cfg_shapes() {
    let src = r#"
package app

import "os"

func shapes(ch chan int, n int) int {
	defer println("bye")
outer:
	for i := 0; i < n; i++ {
		switch i {
		case 1:
			continue outer
		case 2:
			fallthrough
		case 3:
			break outer
		default:
		}
		select {
		case v := <-ch:
			if v == 0 {
				goto done
			}
		case ch <- i:
		default:
		}
	}
	if n < 0 {
		panic("negative")
	}
	if n > 100 {
		os.Exit(1)
	}
done:
	return n
}
"#;
    let prog = build(src);
    let f = func(&prog, "shapes");
    let cfg = &f.cfg;
    let exit = cfg.block(cfg.exit);
    let abort = cfg.block(cfg.abort);
    assert_eq!(exit.kind, BlockKind::Exit);
    // One return.
    assert_eq!(exit.preds.len(), 1);
    // panic and os.Exit.
    assert_eq!(abort.preds.len(), 2);
    // Select with three clauses, each starting with SelectCase.
    let sel = cfg
        .blocks
        .iter()
        .find(|b| b.nodes.iter().any(|n| matches!(n, Node::Select(_))))
        .expect("select block");
    assert_eq!(sel.succs.len(), 3);
    for s in &sel.succs {
        assert!(matches!(
            cfg.block(*s).nodes.first(),
            Some(Node::SelectCase { .. })
        ));
    }
    // The loop head has a back edge (from the post statement) and the entry edge.
    let heads: Vec<_> = cfg
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::LoopHead)
        .collect();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].preds.len() >= 2);
    // The select ops: receive and send in select.
    let mut sel_ops = Vec::new();
    for b in 0..cfg.blocks.len() {
        for (_, op) in f.block_ops(crate::cfg::BlockId(b as u32)) {
            if let OpKind::Chan {
                op: c,
                select: Some(_),
                ..
            } = op.kind
            {
                sel_ops.push(c);
            }
            if let OpKind::Select {
                has_default, cases, ..
            } = op.kind
            {
                assert!(has_default);
                assert_eq!(cases, 3);
            }
        }
    }
    assert_eq!(sel_ops, vec![ChanOp::Recv, ChanOp::Send]);
    // The label block of `done` is reached by goto and by fallthrough from the ifs.
    let done_block = cfg
        .blocks
        .iter()
        .find(|b| {
            b.nodes.iter().any(|n| match n {
                Node::Stmt(s) => {
                    let file = prog.packages[0].pkg.file(0).expect("file");
                    matches!(file.stmt(*s).kind, StmtKind::Return { .. })
                }
                _ => false,
            })
        })
        .expect("return block");
    assert!(done_block.preds.len() >= 2);
    let s = prog.summary(f.id).expect("summary");
    assert!(!s.never_returns);
    // The select is inside the loop; the final return is not.
    let in_loop = cfg.in_loop();
    let sel_idx = cfg
        .blocks
        .iter()
        .position(|b| b.nodes.iter().any(|n| matches!(n, Node::Select(_))))
        .expect("select");
    assert!(in_loop[sel_idx]);
    assert!(!in_loop[cfg.exit.index()]);
}

#[test]
fn dataflow_reaches_fixpoint_on_loops() {
    let src = r#"
package app

import "sync"

var mu sync.Mutex

func loop(n int) {
	for i := 0; i < n; i++ {
		mu.Lock()
		if i%2 == 0 {
			continue
		}
		mu.Unlock()
	}
}
"#;
    let prog = build(src);
    let s = prog.summary(func(&prog, "loop").id).expect("summary");
    assert_eq!(s.unreleased.len(), 1);
    assert_eq!(s.unreleased[0].1, LockKind::Write);
}

#[test]
fn closures_wrappers_and_errgroup() {
    let src = r#"
package app

import (
	"context"
	"sync"

	"golang.org/x/sync/errgroup"
)

func spawn(f func()) { go f() }

func runSafe(f func()) {
	defer func() { _ = recover() }()
	f()
}

// goSafe hands f to a goroutine that runs it through runSafe.
func goSafe(f func()) { go runSafe(f) }

func run(ctx context.Context, urls []string) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, u := range urls {
		g.Go(func() error {
			_ = u
			<-ctx.Done()
			return nil
		})
	}
	var wg sync.WaitGroup
	wg.Go(func() {})
	spawn(func() { println("x") })
	wg.Wait()
	return g.Wait()
}
"#;
    let prog = build(src);
    let sp = prog.summary(func(&prog, "spawn").id).expect("summary");
    assert_eq!(sp.spawns_params, vec![0]);
    let safe = prog.summary(func(&prog, "goSafe").id).expect("summary");
    assert_eq!(safe.spawns_params, vec![0]);
    let run = prog.summary(func(&prog, "run").id).expect("summary");
    let kinds: Vec<SpawnKind> = run.spawns.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        vec![SpawnKind::Library, SpawnKind::Library, SpawnKind::Wrapper]
    );
    assert!(run.spawns.iter().all(|s| s.target.is_some()));
    assert!(run.wg.iter().any(|w| w.op == WgOp::Wait));
    assert!(run.wg.iter().any(|w| w.op == WgOp::Go));
    assert!(run.observes_ctx);
    // `g, ctx := errgroup.WithContext(ctx)` reuses the parameter `ctx`.
    assert_eq!(run.ctx_params, vec![0]);
}

#[test]
fn noreturn_calls_and_testing() {
    let src = r#"
package app

import (
	"log"
	"testing"
)

func TestX(t *testing.T) {
	if t == nil {
		t.Fatal("nil")
	}
	log.Fatalf("x")
}
"#;
    let prog = build(src);
    let f = func(&prog, "TestX");
    assert_eq!(f.cfg.block(f.cfg.abort).preds.len(), 2);
    let s = prog.summary(f.id).expect("summary");
    assert!(s.never_returns);
}

#[test]
fn lock_ops_on_locals_params_and_aliases() {
    let src = r#"
package app

import "sync"

type T struct{ mu sync.RWMutex; cond *sync.Cond; ch chan int }

func f(t *T, m *sync.Mutex) {
	mu := &t.mu
	ch := t.ch
	copied := t.mu
	copied.Lock()
	close(ch)
	mu.RLock()
	m.Lock()
	t.cond.Wait()
	mu.RUnlock()
	m.Unlock()
}
"#;
    let prog = build(src);
    let f = func(&prog, "f");
    let mut seen = Vec::new();
    {
        for (_, op) in &f.ops {
            match &op.kind {
                OpKind::Lock { path: Some(p), op } => {
                    seen.push(format!("{op:?} {}", prog.describe_path(p)))
                }
                OpKind::Cond { path: Some(p), op } => {
                    seen.push(format!("{op:?} {}", prog.describe_path(p)))
                }
                _ => {}
            }
        }
    }
    assert_eq!(
        seen,
        vec![
            "Lock copied",
            "RLock t.mu",
            "Lock m",
            "Wait t.cond",
            "RUnlock t.mu",
            "Unlock m"
        ]
    );
    let closes: Vec<String> = f
        .ops
        .iter()
        .filter_map(|(_, op)| match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Close,
                ..
            } => Some(prog.describe_path(p)),
            _ => None,
        })
        .collect();
    assert_eq!(closes, vec!["t.ch"]);
    let s = prog.summary(f.id).expect("summary");
    assert_eq!(s.unreleased.len(), 1, "the copy stays locked: {s:?}");
    assert!(s.may_block);
    assert_eq!(LockOp::RLock.kind(), LockKind::Read);
}

#[test]
fn real_goroot_dependencies_when_available() {
    let env = GoEnv::detect();
    let Some(goroot) = env.goroot.clone() else {
        return;
    };
    assert!(goroot.join("src/sync").is_dir());
    let prog = build_real(LOCKS);
    // sync.Mutex comes from GOROOT here, not from the stub.
    let sync_pkg = prog.env.package("sync").expect("sync");
    assert!(sync_pkg.dir.starts_with(&goroot), "{:?}", sync_pkg.dir);
    let lookup = prog
        .summary(func(&prog, "Server.Lookup").id)
        .expect("summary");
    assert_eq!(lookup.acquires.len(), 2);
    assert_eq!(type_str(&prog, "ctx.Done()", 0), "<-chan struct{}");
    let worker = prog
        .summary(func(&prog, "Server.worker").id)
        .expect("summary");
    assert!(worker.observes_ctx);
}

#[test]
fn embedded_model_without_go() {
    let prog = build(LOCKS);
    let sync_pkg = prog.env.package("sync").expect("sync stub");
    assert!(sync_pkg.dir.starts_with("<stub>"));
    for path in crate::loader::stub_paths() {
        let p = prog.env.package(path).expect("stub loads");
        for f in &p.files {
            assert!(f.ast.errors.is_empty(), "{path}: {:?}", f.ast.errors);
        }
    }
    assert_eq!(
        prog.env
            .underlying(&Type::named("time", "Duration"))
            .to_string(),
        "int64"
    );
}

#[test]
fn broken_input_does_not_panic() {
    let srcs = [
        "package app\nfunc f() { x := ; go }\n",
        "package app\nfunc (",
        "package app\ntype A B\ntype B A\nvar a = b\nvar b = a\nfunc f() { _ = a.x.y; var c A; c.m() }\n",
        "package app\ntype T struct { T }\nfunc f(t T) { t.x() }\n",
        "package app\nfunc f() { goto L; for { break L } }\n",
    ];
    for s in srcs {
        let _ = build(s);
    }
    // Deep nesting.
    let mut deep = String::from("package app\nfunc f(x int) int {\n");
    for _ in 0..3000 {
        deep.push_str("if x > 0 {\n");
    }
    for _ in 0..3000 {
        deep.push_str("}\n");
    }
    deep.push_str("return ((((((((((x))))))))))\n}\n");
    let prog = build(&deep);
    assert_eq!(prog.functions.len(), 1);
    let expr_chain = format!(
        "package app\nvar v = {}1{}\n",
        "(".repeat(5000),
        ")".repeat(5000)
    );
    let _ = build(&expr_chain);
}

#[test]
fn method_values_and_interfaces() {
    let src = r#"
package app

import "sync"

type Locker interface{ Lock(); Unlock() }

type S struct{ mu sync.Mutex }

func (s *S) do() { s.mu.Lock(); s.mu.Unlock() }

func use(l Locker, s *S) {
	l.Lock()
	f := s.do
	f()
	g := (*S).do
	g(s)
	l.Unlock()
}
"#;
    let prog = build(src);
    let f = func(&prog, "use");
    let callees: Vec<String> = f.calls.iter().map(|c| format!("{:?}", c.callee)).collect();
    assert!(callees[0].starts_with("Interface"), "{callees:?}");
    // `f := s.do; f()` calls (*S).do with receiver s.
    let do_id = func(&prog, "S.do").id;
    assert!(
        matches!(f.calls[1].callee, crate::ops::Callee::Func(id) if id == do_id),
        "{callees:?}"
    );
    let s = prog.summary(f.id).expect("summary");
    assert!(
        s.acquires
            .iter()
            .any(|a| prog.describe_path(&a.path) == "s.mu"),
        "{s:?}"
    );
    assert_eq!(type_str(&prog, "(*S).do", 0), "func(*example.com/app.S)");
    assert_eq!(type_str(&prog, "s.do", 0), "func()");
    let info = &prog.packages[0].files[0];
    let e = find_expr(&prog, "l.Lock", 0);
    assert!(matches!(
        info.selection(e),
        Some(Selection::Method {
            interface: true,
            ..
        })
    ));
    let _ = ExprKind::Bad;
}

#[test]
fn defers_closures_and_recursive_rlock() {
    let src = r#"
package app

import "sync"

type Store struct {
	mu   sync.RWMutex
	data map[string]string
}

func (s *Store) get(k string) string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.data[k]
}

func (s *Store) GetTwo(a, b string) (string, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.get(a), s.get(b)
}

func (s *Store) Set(k, v string) {
	s.mu.Lock()
	defer func() {
		s.mu.Unlock()
	}()
	s.data[k] = v
}

func (s *Store) doubleUnlock() {
	s.mu.Lock()
	s.mu.Unlock()
	s.mu.Unlock()
}

func worker(wg *sync.WaitGroup, fail bool) {
	go func() {
		if fail {
			return
		}
		wg.Done()
	}()
	go func() {
		defer wg.Done()
		if fail {
			return
		}
	}()
}

func order(a, b *Store) {
	a.mu.Lock()
	b.mu.Lock()
	b.mu.Unlock()
	a.mu.Unlock()
}
"#;
    let prog = build(src);
    // GetTwo holds s.mu (read) and calls get, which read-locks the same path.
    let two = func(&prog, "Store.GetTwo");
    let get = func(&prog, "Store.get");
    let gs = prog.summary(get.id).expect("summary");
    let mut found = false;
    {
        for (_, op) in &two.ops {
            if let OpKind::Call {
                callee: crate::ops::Callee::Func(c),
                recv,
                args,
                ..
            } = &op.kind
            {
                if *c == get.id {
                    let p = prog
                        .substitute(*c, &gs.acquires[0].path, recv.as_ref(), args)
                        .expect("substitutes");
                    assert_eq!(prog.describe_path(&p), "s.mu");
                    assert_eq!(gs.acquires[0].kind, LockKind::Read);
                    found = true;
                }
            }
        }
    }
    assert!(found);
    // Unlock in a deferred closure releases the captured receiver's mutex.
    let set = prog.summary(func(&prog, "Store.Set").id).expect("summary");
    assert!(set.unreleased.is_empty(), "{set:?}");
    assert!(set.net_released.is_empty());
    // A second Unlock releases a lock that is not held.
    let du = prog
        .summary(func(&prog, "Store.doubleUnlock").id)
        .expect("summary");
    assert_eq!(du.net_released.len(), 1);
    // Done on every path only in the second goroutine.
    let w = prog.summary(func(&prog, "worker").id).expect("summary");
    assert_eq!(w.spawns.len(), 2);
    let first = prog.summary(w.spawns[0].target.expect("t")).expect("s");
    let second = prog.summary(w.spawns[1].target.expect("t")).expect("s");
    assert!(first.wg_done_all_paths.is_empty());
    assert_eq!(second.wg_done_all_paths.len(), 1);
    assert_eq!(prog.describe_path(&second.wg_done_all_paths[0]), "wg");
    // Lock order is visible in acquisition order.
    let o = prog.summary(func(&prog, "order").id).expect("summary");
    let names: Vec<String> = o
        .acquires
        .iter()
        .map(|a| prog.describe_path(&a.path))
        .collect();
    assert_eq!(names, vec!["a.mu", "b.mu"]);
}

#[test]
fn loader_finds_module_cache_vendor_and_replace() {
    let tmp = std::env::temp_dir().join(format!("goconc-sem-loader-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let write = |rel: &str, src: &str| {
        let p = tmp.join(rel);
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, src).expect("write");
    };
    write(
        "mod/github.com/!acme/go-queue@v1.2.3/queue.go",
        "package queue\nimport \"sync\"\ntype Q struct{ mu sync.Mutex }\nfunc (q *Q) Push(x int) { q.mu.Lock() }\n",
    );
    write(
        "mod/github.com/!acme/go-queue@v1.2.3/queue_windows.go",
        "package queue\nfunc Windows() {}\n",
    );
    write(
        "vendor/example.org/vend/v.go",
        "package vend\nconst N = 3\n",
    );
    write("local/lib/l.go", "package lib\ntype L struct{}\n");
    let env = GoEnv {
        modcache: Some(tmp.join("mod")),
        modules: vec![("github.com/Acme/go-queue".into(), "v1.2.3".into())],
        replaces: vec![("example.net/lib".into(), tmp.join("local"))],
        vendor_dir: Some(tmp.join("vendor")),
        ..GoEnv::embedded_only()
    };
    let src = r#"
package app

import (
	"github.com/Acme/go-queue"
	"example.org/vend"
	"example.net/lib/lib"
)

func f(q *queue.Q) int {
	q.Push(1)
	var l lib.L
	_ = l
	return vend.N
}
"#;
    let prog = Program::from_sources(&[("example.com/app", &[("a.go", src)])], env);
    let q = prog
        .env
        .package("github.com/Acme/go-queue")
        .expect("module cache");
    assert_eq!(&*q.name, "queue");
    assert_eq!(q.files.len(), 1, "windows file filtered");
    assert!(prog.env.package("example.org/vend").is_some());
    assert!(prog.env.package("example.net/lib/lib").is_some());
    assert_eq!(type_str(&prog, "q", 0), "*github.com/Acme/go-queue.Q");
    assert_eq!(type_str(&prog, "l", 0), "example.net/lib/lib.L");
    let info = &prog.packages[0].files[0];
    let e = find_expr(&prog, "q.Push", 0);
    assert!(matches!(
        info.selection(e),
        Some(Selection::Method { func: Some(_), .. })
    ));
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn results_do_not_depend_on_thread_count() {
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            let prog = Program::from_sources(
                &[
                    ("example.com/a", &[("a.go", LOCKS)]),
                    (
                        "example.com/b",
                        &[(
                            "b.go",
                            "package b\nimport a \"example.com/a\"\nfunc F(s *a.Server) int { return s.Lookup(\"k\") }\n",
                        )],
                    ),
                ],
                GoEnv::embedded_only(),
            );
            prog.summaries
                .iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
        })
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(one, two);
    // Cross-package call: b.F acquires a's locks through Lookup.
    assert!(one.iter().any(|s| s.contains("Read")));
}

#[test]
fn channel_creation_sites() {
    let src = r#"
package app

type S struct {
	results chan int
	quit    chan struct{}
}

const N = 4

func f(n int) *S {
	ch := make(chan int)
	buf := make(chan string, N*2)
	var dyn = make(chan bool, n)
	s := &S{results: make(chan int), quit: make(chan struct{}, 1)}
	s.results = make(chan int, 0)
	_, _, _ = ch, buf, dyn
	return s
}
"#;
    let prog = build(src);
    let f = func(&prog, "f");
    let makes: Vec<String> = f
        .ops
        .iter()
        .filter_map(|(_, op)| match &op.kind {
            OpKind::MakeChan { path, cap, ty } => Some(format!(
                "{} {:?} {}",
                path.as_ref()
                    .map(|p| prog.describe_path(p))
                    .unwrap_or_default(),
                cap,
                ty
            )),
            _ => None,
        })
        .collect();
    assert_eq!(
        makes,
        vec![
            "ch Some(0) chan int",
            "buf Some(8) chan string",
            "dyn None chan bool",
            "s.results Some(0) chan int",
            "s.quit Some(1) chan struct{}",
            "s.results Some(0) chan int",
        ]
    );
}

#[test]
fn truncated_and_mutated_sources_do_not_panic() {
    // Every prefix (in steps) of a realistic file, and the file with each
    // brace removed in turn.
    let src = LOCKS.as_bytes();
    for end in (0..src.len()).step_by(37) {
        let text = String::from_utf8_lossy(&src[..end]).to_string();
        let _ = build(&text);
    }
    for (i, _) in LOCKS.match_indices(['{', '}', '(']).step_by(3) {
        let mut text = LOCKS.to_string();
        text.remove(i);
        let _ = build(&text);
    }
}

#[test]
fn huge_functions_stay_linear() {
    let mut src = String::from(
        "package app\nimport \"sync\"\nvar mu sync.Mutex\nfunc big(n int) int {\n\tsum := 0\n",
    );
    for i in 0..4000 {
        src.push_str(&format!("\tx{i} := n + {i}\n\tsum += x{i}\n"));
        src.push_str(&format!(
            "\tf{i} := func() {{ mu.Lock(); sum += x{i}; mu.Unlock() }}\n\tf{i}()\n"
        ));
    }
    src.push_str("\tswitch n {\n");
    for i in 0..2000 {
        src.push_str(&format!("\tcase {i}:\n\t\tsum++\n"));
    }
    src.push_str("\t}\n\treturn sum\n}\n");
    let start = std::time::Instant::now();
    let prog = build(&src);
    let f = func(&prog, "big");
    assert_eq!(f.closures.len(), 4000);
    let s = prog.summary(f.id).expect("summary");
    assert!(s.unreleased.is_empty());
    assert_eq!(s.acquires.len(), 1);
    // Generous bound (debug build): a quadratic walk would take far longer.
    assert!(start.elapsed().as_secs() < 60);
}

/// Loads a few real GOROOT packages (full bodies) when Go is installed and
/// checks resolution coverage and a few well-known facts.
#[test]
fn goroot_packages_resolve() {
    let env = GoEnv::detect();
    let Some(goroot) = env.goroot.clone() else {
        return;
    };
    let mut inputs = Vec::new();
    let context = env.build_context();
    for path in ["sync", "context", "net/http/httptest", "os/signal"] {
        let dir = goroot.join("src").join(path);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return;
        };
        let mut names: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    n.ends_with(".go")
                        && !n.ends_with("_test.go")
                        && context.check_file_name(n).is_ok()
                })
            })
            .collect();
        names.sort();
        let mut files = Vec::new();
        for p in names {
            let src = std::fs::read(&p).expect("read");
            if !context.should_build(&src).unwrap_or(false) {
                continue;
            }
            files.push((p, std::sync::Arc::new(goconc_syntax::parse_file(src))));
        }
        let name = files
            .first()
            .map(|(_, f)| f.package().to_string())
            .unwrap_or_default();
        inputs.push(crate::package::PackageInput {
            import_path: path.into(),
            dir,
            name,
            files,
            go_version: (1, 26),
        });
    }
    let prog = Program::build(inputs, std::sync::Arc::new(crate::loader::Loader::new(env)));
    let mut idents = 0;
    let mut resolved = 0;
    for pm in &prog.packages {
        for (fi, info) in pm.files.iter().enumerate() {
            let file = pm.pkg.file(fi as u32).expect("file");
            for (i, e) in file.exprs.iter().enumerate() {
                if let ExprKind::Ident(id) = e.kind {
                    if file.name(id) != "_" {
                        idents += 1;
                        if info.res[i] != Res::None {
                            resolved += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(idents > 2_000, "{idents}");
    // The arena also holds a few identifiers the parser does not link into
    // the tree (interface method names parsed as expressions first).
    assert!(resolved * 1000 >= idents * 995, "{resolved}/{idents}");
    // (*Once).doSlow locks o.m and unlocks it with a defer.
    let slow = prog.find_function("sync", "Once.doSlow").expect("doSlow");
    let s = prog.summary(slow.id).expect("summary");
    assert!(
        s.acquires
            .iter()
            .any(|a| prog.describe_path(&a.path) == "o.m"),
        "{s:?}"
    );
    assert!(s.unreleased.is_empty(), "{s:?}");
    // context.(*cancelCtx).cancel observes nothing but closes its done channel.
    let cancel = prog
        .find_function("context", "cancelCtx.cancel")
        .expect("cancel");
    let cs = prog.summary(cancel.id).expect("summary");
    assert!(cs
        .acquires
        .iter()
        .any(|a| prog.describe_path(&a.path) == "c.mu"));
}

const CALLBACKS: &str = r#"
package app

import "sync"

type Store struct {
	mu       sync.Mutex
	n        int
	onChange func()
	hook     func()
	twice    func()
}

func (s *Store) Touch() {
	s.onChange()
	s.hook()
	s.twice()
}

func (s *Store) SetHook(h func()) { s.hook = h }

func wire(s *Store) {
	s.onChange = func() {
		s.mu.Lock()
		s.n++
		s.mu.Unlock()
	}
	s.twice = func() { s.mu.Lock(); s.mu.Unlock() }
	s.twice = func() {}
}
"#;

#[test]
fn field_bound_closures_are_static_calls_on_the_owner() {
    let prog = build(CALLBACKS);
    let touch = prog
        .summary(func(&prog, "Store.Touch").id)
        .expect("summary");
    // Only onChange has a single closure capturing its owner; the hook
    // comes from a parameter and twice has two closures.
    let described: Vec<String> = touch
        .acquires
        .iter()
        .map(|a| prog.describe_path(&a.path))
        .collect();
    assert_eq!(described, vec!["s.mu"]);
    assert_eq!(touch.unknown_calls, 2, "{touch:?}");
}

const VAR_FUNCS: &str = r#"
package app

import "sync"

var mu sync.Mutex

func walkOnce() {
	var walk func(n int)
	walk = func(n int) {
		if n == 0 {
			mu.Lock()
			mu.Unlock()
			return
		}
		walk(n - 1)
	}
	walk(3)
}

func walkTwice() {
	var step func()
	step = func() { mu.Lock(); mu.Unlock() }
	step = func() {}
	step()
}
"#;

#[test]
fn variables_assigned_one_function_literal_resolve_to_it() {
    let prog = build(VAR_FUNCS);
    let once = prog.summary(func(&prog, "walkOnce").id).expect("summary");
    assert_eq!(once.acquires.len(), 1, "{once:?}");
    assert_eq!(prog.describe_path(&once.acquires[0].path), "app.mu");
    // Assigned twice: the call stays dynamic.
    let twice = prog.summary(func(&prog, "walkTwice").id).expect("summary");
    assert!(twice.acquires.is_empty(), "{twice:?}");
    assert_eq!(twice.unknown_calls, 1);
}
