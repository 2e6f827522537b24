//! GC202 `lock-order-inversion`.
//!
//! Also home of the small held-lock machinery shared with GC204
//! (`channel_under_lock`): lock classes that identify a mutex across
//! functions, and a must-held forward dataflow over a function's CFG.

use rustc_hash::{FxHashMap, FxHashSet};
use std::collections::{BTreeMap, VecDeque};

use goconc_semantic::cfg::{forward, BlockId, Lattice};
use goconc_semantic::ops::{
    AccessPath, Base, Callee, FuncArg, FuncId, LockKind, LockOp, Mode, Op, OpKind, PathElem,
};
use goconc_semantic::package::ObjRef;
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Span};

use crate::constflags::{Acquires, ConstFlags};
use callbacks::Callbacks;

mod callbacks;
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Builds the package's lock-order graph — an edge `A → B` whenever a
    /// goroutine acquires `B` (directly, or through a call whose summary
    /// acquires it) while it holds `A` — and reports every acquisition that
    /// lies on a cycle of that graph: `mu1 → mu2` in one method and
    /// `mu2 → mu1` in another (AB-BA), longer cycles through three or more
    /// locks, and helpers that lock two values of the same type in argument
    /// order (`transfer(from, to)` called both ways, or an exported
    /// `Transfer(fromID, toID)` locking `l.Account(fromID)` then
    /// `l.Account(toID)`), unless it sorts them
    /// first (`if b.id < a.id { a, b = b, a }`). Locks are identified by
    /// their declaring type and field (or package variable), so `s.mu` means
    /// the same lock in every method of the type.
    ///
    /// Acquisitions inside a `go` statement or an `errgroup`/`WaitGroup.Go`
    /// body start with nothing held; `TryLock` never waits and never closes a
    /// cycle; two read locks never wait for each other. A call that passes
    /// constant boolean flags (`o.ack(seq, false)`, or a parameter bound to
    /// a constant further up the chain) acquires only what the callee takes
    /// on the branches those flags leave open: a helper that locks only
    /// `if needLock` adds no edge where it is called with `false`. A cycle whose edges
    /// all run under a common outer ("gate") lock — held at the acquisition,
    /// or by every caller of the internal helper that acquires — cannot
    /// interleave and is not reported. Locking an object the function has
    /// just allocated and not yet handed out (`v = &val{}; v.Lock()` before
    /// publishing `v` in a map) cannot wait and adds no edge. Each edge is
    /// reported once, at its
    /// first site, with the edge's other sites and the opposite edges as
    /// related locations.
    ///
    /// Longer cycles through three or more locks are reported only when
    /// every edge is two explicit `Lock` calls in one function: they need
    /// as many goroutines inside their critical sections at once, and on
    /// real service code every one that ran through calls was serialised by
    /// something the lock graph does not see (a gate lock the callers take,
    /// a fixed call order).
    ///
    /// ## Why is this bad?
    /// Two goroutines that take the same locks in opposite orders can each
    /// get their first lock and then wait forever for the other's. The
    /// deadlock needs an unlucky interleaving, so it passes tests and then
    /// freezes a production service under load, usually with every request
    /// goroutine queued behind the two stuck ones. Lock ordering is a
    /// program-wide discipline: every path must nest the locks the same way.
    ///
    /// ## Example
    /// ```go
    /// func (m *SessionManager) Touch(id string) {
    ///     m.mu.Lock()
    ///     defer m.mu.Unlock()
    ///     m.statsMu.Lock() // mu -> statsMu
    ///     m.stats["touch"]++
    ///     m.statsMu.Unlock()
    /// }
    ///
    /// func (m *SessionManager) Report() int {
    ///     m.statsMu.Lock()
    ///     defer m.statsMu.Unlock()
    ///     m.mu.Lock() // statsMu -> mu: inverted
    ///     defer m.mu.Unlock()
    ///     return len(m.sessions) + m.stats["touch"]
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (m *SessionManager) Report() int {
    ///     m.mu.Lock()
    ///     live := len(m.sessions) // read what mu guards first...
    ///     m.mu.Unlock()
    ///
    ///     m.statsMu.Lock() // ...then take statsMu alone
    ///     defer m.statsMu.Unlock()
    ///     return live + m.stats["touch"]
    /// }
    /// ```
    /// Keep one documented order (`mu` before `statsMu`), release a lock
    /// before calling into another component that has its own lock, and lock
    /// two values of the same type in a fixed order (for example by id).
    ///
    /// ## Known limitations
    /// Locks are grouped by type and field, so two different instances of a
    /// type count as the same lock (the usual lock-class approximation); the
    /// only same-type nesting reported is a function locking two of its
    /// parameters (the receiver counts) in argument order, directly or
    /// through a method of the second value (`w.mu` held while
    /// `dst.credit(n)` locks `dst.mu`), and only when callers can swap them:
    /// it is exported from an importable package, or some call in the
    /// analysis passes two shared values (parameters, fields, or locals
    /// loaded from a map, a field or a call, not a value it has just built).
    /// Striped locks reached through an index
    /// (`shards[i].mu`) are left out, since the program orders them by index.
    /// Orders that a state flag makes impossible (e.g. "only after the
    /// handshake completed") are still reported; only flags passed as
    /// constant arguments are evaluated. Locks taken through interface
    /// calls and function values are followed only into the callbacks the
    /// package stores in a field (`m.onLeave = t.dropSessions`,
    /// `hub.Subscribe(key, func(..) {..})`, `NewBlockCache(n, reader)` for an
    /// interface-typed field): a call through that field, made while a lock
    /// is held, acquires what those callbacks acquire. Deferred calls and
    /// `sync.Once.Do` callbacks are not followed. Test drivers contribute no edges: in
    /// `_test.go` files only methods of types declared there (fakes, or a
    /// reproduction of a production type) count, not test functions, plain
    /// helpers or anything taking a `*testing.T`; and a test file's
    /// two-instance helper (`got.equal(want)`) is not reported.
    pub struct LockOrderInversion {
        code: "GC202",
        name: "lock-order-inversion",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Two locks acquired in opposite orders (AB-BA)",
    }
}

/// A function-independent identity for a lock: "the `mu` field of every
/// `Server`", a package-level mutex, or a local mutex (shared by the
/// closures that capture it).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum LockClass {
    Field(Type, Sym),
    Global(ObjRef),
    Local(goconc_semantic::ops::LocalKey),
}

/// The class of the lock (or channel) at `path`, if it can be named across
/// functions.
pub(crate) fn lock_class(program: &Program, path: &AccessPath) -> Option<LockClass> {
    if path.fields.is_empty() {
        return match &path.base {
            Base::Global(r) => Some(LockClass::Global(r.clone())),
            Base::Local(k) => Some(LockClass::Local(*k)),
        };
    }
    program
        .field_owner(path)
        .map(|(ty, field)| LockClass::Field(ty, field))
}

/// Locks that are certainly held at a program point: `(path, kind)` → the
/// span of the acquisition (the lock op, or the call of a lock helper).
#[derive(Clone, PartialEq, Debug, Default)]
pub(crate) struct HeldLocks {
    pub(crate) locks: BTreeMap<(AccessPath, LockKind), Span>,
}

impl Lattice for HeldLocks {
    fn join(&mut self, other: &Self) -> bool {
        // Must-held: a lock is held after a join only if held on every path.
        let before = self.locks.len();
        self.locks.retain(|k, _| other.locks.contains_key(k));
        let mut changed = self.locks.len() != before;
        for (k, span) in self.locks.iter_mut() {
            if let Some(o) = other.locks.get(k) {
                if o.start < span.start {
                    *span = *o;
                    changed = true;
                }
            }
        }
        changed
    }
}

impl HeldLocks {
    /// Applies the effect of `op` (performed now) on the held locks.
    pub(crate) fn step(&mut self, program: &Program, op: &Op) {
        if op.mode != Mode::Now {
            return;
        }
        match &op.kind {
            OpKind::Lock {
                path: Some(p),
                op: lop,
            } => match lop {
                LockOp::Lock | LockOp::RLock => {
                    self.locks.entry((p.clone(), lop.kind())).or_insert(op.span);
                }
                LockOp::Unlock | LockOp::RUnlock => {
                    self.locks.remove(&(p.clone(), lop.kind()));
                }
                // Whether a TryLock succeeded depends on a branch we do not
                // track; not counting it as held keeps findings precise.
                LockOp::TryLock | LockOp::TryRLock => {}
            },
            OpKind::Call { recv, args, .. } => {
                let Some(c) = modelled_callee(program, op) else {
                    return;
                };
                let Some(s) = program.summary(c) else { return };
                for (p, k) in &s.net_released {
                    if let Some(q) = program.substitute(c, p, recv.as_ref(), args) {
                        self.locks.remove(&(q, *k));
                    }
                }
                for (p, k) in &s.net_acquired {
                    if let Some(q) = program.substitute(c, p, recv.as_ref(), args) {
                        self.locks.entry((q, *k)).or_insert(op.span);
                    }
                }
            }
            _ => {}
        }
    }
}

/// The analysed function a call runs, unless it belongs to package `sync`:
/// those calls are modelled as lock ops of their own (when `sync` itself is
/// analysed, its bodies would otherwise show `RWMutex.Lock` acquiring its
/// internal `w`).
pub(crate) fn modelled_callee(program: &Program, op: &Op) -> Option<FuncId> {
    let OpKind::Call {
        callee: Callee::Func(c),
        ..
    } = &op.kind
    else {
        return None;
    };
    let f = program.function(*c)?;
    let path = &program.packages.get(f.pkg as usize)?.pkg.path;
    let primitive = &**path == "sync" || path.starts_with("internal/sync");
    (!primitive).then_some(*c)
}

/// Whether `f` can ever hold a lock (a direct Lock/RLock or a call of a
/// lock helper); functions that cannot are skipped without a dataflow.
pub(crate) fn may_hold_locks(program: &Program, f: &Function) -> bool {
    if program
        .summary(f.id)
        .is_some_and(|s| !s.net_released.is_empty())
    {
        return true;
    }
    f.ops.iter().any(|(_, op)| {
        op.mode == Mode::Now
            && match &op.kind {
                OpKind::Lock {
                    path: Some(_),
                    op: LockOp::Lock | LockOp::RLock,
                } => true,
                OpKind::Call { .. } => modelled_callee(program, op)
                    .and_then(|c| program.summary(c))
                    .is_some_and(|s| !s.net_acquired.is_empty()),
                _ => false,
            }
    })
}

/// Locks held when `f` starts: the ones it releases on every path without
/// acquiring them (`unlockAndNotify` helpers run with the caller's lock).
pub(crate) fn held_at_entry(program: &Program, f: &Function) -> HeldLocks {
    let mut held = HeldLocks::default();
    if let Some(s) = program.summary(f.id) {
        for (p, k) in &s.net_released {
            held.locks.insert((p.clone(), *k), Span::default());
        }
    }
    held
}

/// Held locks at the entry of each block (`None`: unreachable).
pub(crate) fn held_at_blocks(program: &Program, f: &Function) -> Vec<Option<HeldLocks>> {
    forward(
        &f.cfg,
        held_at_entry(program, f),
        |b: BlockId, input: &HeldLocks| {
            let mut st = input.clone();
            for (_, op) in f.block_ops(b) {
                st.step(program, op);
            }
            st
        },
    )
    .block_in
}

/// Calls `visit(block, op index, op, held-before-op)` for every op of every
/// reachable block of `f`, with the held locks just before the op.
pub(crate) fn for_each_op_with_held(
    program: &Program,
    f: &Function,
    mut visit: impl FnMut(BlockId, usize, &Op, &HeldLocks),
) {
    let block_in = held_at_blocks(program, f);
    for &b in f.cfg.reverse_postorder() {
        let Some(Some(start)) = block_in.get(b.index()) else {
            continue;
        };
        let mut st = start.clone();
        for (i, (_, op)) in f.block_ops(b).iter().enumerate() {
            visit(b, i, op, &st);
            st.step(program, op);
        }
    }
}

/// A lock acquired by an op performed now: the lock op itself, or every
/// lock a called function acquires (translated to the caller's frame).
pub(crate) fn acquisitions(program: &Program, op: &Op) -> Vec<(AccessPath, LockKind, bool)> {
    callee_acquisitions(program, None, op)
        .into_iter()
        .map(|(path, kind, via)| (path, kind, via.is_some()))
        .collect()
}

/// The locks a deferred call (`defer s.removeConn(id)`) acquires when it
/// runs at the function's exit, as [`acquisitions`] gives them for a call
/// made now.
pub(crate) fn deferred_acquisitions(program: &Program, op: &Op) -> Vec<(AccessPath, LockKind)> {
    if op.mode != Mode::Deferred || !matches!(op.kind, OpKind::Call { .. }) {
        return Vec::new();
    }
    let now = Op {
        mode: Mode::Now,
        ..op.clone()
    };
    acquisitions(program, &now)
        .into_iter()
        .map(|(path, kind, _)| (path, kind))
        .collect()
}

/// A path as written in the checked package: `s.mu`, and `mu` rather than
/// `pkg.mu` for the package's own variables.
pub(crate) fn display_path(ctx: &RuleContext<'_>, path: &AccessPath) -> String {
    let text = ctx.program.describe_path(path);
    if let (Base::Global(r), Some(model)) = (&path.base, ctx.model()) {
        if r.pkg == model.pkg.path {
            if let Some(rest) = text.strip_prefix(&format!("{}.", model.pkg.name)) {
                return rest.to_string();
            }
        }
    }
    text
}

/// Whether `f` is declared in a `_test.go` file.
pub(crate) fn in_test_file(ctx: &RuleContext<'_>, f: &Function) -> bool {
    crate::lockstate::in_test_file(ctx.program, f)
}

/// The package's functions that are not test drivers (see
/// [`RuleContext::is_test_driver`]): their nestings are neither findings nor
/// evidence.
pub(crate) fn production_functions<'c, 'a>(ctx: &'c RuleContext<'a>) -> &'c [&'a Function] {
    ctx.production_functions()
}

/// Short display name of a function (`(*Server).Stop`, `Serve.func1`).
pub(crate) fn short_func_name(f: &Function) -> &str {
    let name = f.def.name.as_str();
    // Strip the import path: everything up to the last '/' then the package name.
    let tail = name.rsplit('/').next().unwrap_or(name);
    match tail.split_once('.') {
        Some((_, rest)) => rest,
        None => tail,
    }
}

/// One place where `to` is acquired while `from` is held.
#[derive(Clone, Debug)]
struct EdgeSite<'a> {
    file: FileIdx,
    span: Span,
    held_span: Span,
    held: PathName,
    acquired: PathName,
    func: &'a str,
    via_call: bool,
    /// Lock classes held here (and by every caller of an internal helper):
    /// two edges under a common gate lock cannot run concurrently.
    gates: FxHashSet<LockClass>,
    /// For an edge through a call of a stored callback: where the callback
    /// was stored, and its name.
    callback: Option<(FileIdx, Span, String)>,
}

/// A lock as the report names it ([`display_path`]), spelled only when a
/// finding or a comparison needs it: most edges are never reported.
#[derive(Clone, Debug)]
pub(crate) struct PathName {
    path: AccessPath,
    text: std::cell::OnceCell<String>,
}

impl PathName {
    pub(crate) fn new(path: &AccessPath) -> Self {
        PathName {
            path: path.clone(),
            text: std::cell::OnceCell::new(),
        }
    }

    pub(crate) fn get(&self, ctx: &RuleContext<'_>) -> &str {
        self.text.get_or_init(|| display_path(ctx, &self.path))
    }
}

impl Rule for LockOrderInversion {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let funcs = production_functions(ctx);
        // Pass 1: edges per function, and the lock classes held at each
        // call of a package function (for the callee's entry "gate" locks).
        let mut candidates: Vec<(usize, LockClass, LockClass, EdgeSite)> = Vec::new();
        let mut self_edges: Vec<(AccessPath, AccessPath, EdgeSite)> = Vec::new();
        let mut held_at_calls: FxHashMap<FuncId, Option<FxHashSet<LockClass>>> =
            FxHashMap::default();
        let mut escaping: FxHashSet<FuncId> = FxHashSet::default();
        let mut released_memo: ReleasedMemo = FxHashMap::default();
        let flags = ConstFlags::new(program);
        let mut callbacks: Option<Callbacks> = None;
        for (fi, f) in funcs.iter().enumerate() {
            for (_, op) in &f.ops {
                if let OpKind::Call {
                    callee, func_arg, ..
                } = &op.kind
                {
                    if let Some(FuncArg::Func(t)) = func_arg.as_ref().map(|a| &a.func) {
                        escaping.insert(*t);
                    }
                    if let (Callee::Func(c), Mode::Spawned) = (callee, op.mode) {
                        escaping.insert(*c);
                    }
                }
            }
            let mut note_call = |op: &Op, classes: FxHashSet<LockClass>| {
                if let (
                    OpKind::Call {
                        callee: Callee::Func(c),
                        ..
                    },
                    Mode::Now,
                ) = (&op.kind, op.mode)
                {
                    let slot = held_at_calls
                        .entry(*c)
                        .or_insert_with(|| Some(classes.clone()));
                    if let Some(set) = slot {
                        set.retain(|x| classes.contains(x));
                    }
                }
            };
            if !may_hold_locks(program, f) {
                for (_, op) in &f.ops {
                    note_call(op, FxHashSet::default());
                }
                continue;
            }
            let file = FileIdx(f.def.file as usize);
            let mut own_self_edges = Vec::new();
            let fresh = fresh_locals(program, f);
            for_each_op_with_held(program, f, |_, _, op, held| {
                let held_classes: FxHashSet<LockClass> = held
                    .locks
                    .keys()
                    .filter_map(|(h, _)| lock_class(program, h))
                    .collect();
                note_call(op, held_classes.clone());
                if held.locks.is_empty() {
                    return;
                }
                for (acq, kind, via) in callee_acquisitions(program, Some((&flags, f)), op) {
                    let via_call = via.is_some();
                    let Some(to) = lock_class(program, &acq) else {
                        continue;
                    };
                    // Locking an object this function has just allocated
                    // and not yet handed out (`v = &val{}; v.Lock()`, then
                    // publishing it) cannot wait for anyone.
                    if !via_call && allocated_just_before(program, f, &acq, op.span) {
                        continue;
                    }
                    for ((h, hkind), hspan) in &held.locks {
                        if *h == acq || (*hkind == LockKind::Read && kind == LockKind::Read) {
                            continue;
                        }
                        // A callee that drops the caller's lock before it
                        // acquires (`c.mu.Unlock(); ...; c.mu.Lock()` around
                        // a blocking step) does not nest the two.
                        if let Some(via) = &via {
                            if callee_releases_first(
                                program,
                                &flags,
                                &mut released_memo,
                                op,
                                via,
                                h,
                                *hkind,
                            ) {
                                continue;
                            }
                        }
                        // The lock of an object this function has just
                        // allocated (`c := &conn{}`) and not yet handed to
                        // anyone: no other goroutine can hold it or wait for it.
                        if fresh.contains(&h.base) && !h.fields.is_empty() {
                            continue;
                        }
                        let Some(from) = lock_class(program, h) else {
                            continue;
                        };
                        let site = EdgeSite {
                            file,
                            span: op.span,
                            held_span: *hspan,
                            held: PathName::new(h),
                            acquired: PathName::new(&acq),
                            func: short_func_name(f),
                            via_call,
                            gates: held_classes.clone(),
                            callback: None,
                        };
                        if from == to && !different_containers(program, h, &acq) {
                            // Test files call their comparison helpers
                            // (`a.equal(b)`) in one fixed order.
                            // Directly, or through a method of the other
                            // value itself (`dst.credit(n)` locking its own
                            // `dst.mu` while `w.mu` is held).
                            let on_other_value = via_call
                                && matches!(&op.kind, OpKind::Call { recv: Some(r), .. }
                                    if r.fields.is_empty() && r.base == acq.base);
                            if (!via_call || on_other_value)
                                && *hspan != Span::default()
                                && !in_test_file(ctx, f)
                                && ((distinct_params(program, f, h, &acq)
                                    && pair_may_be_swapped(program, f, h, &acq))
                                    || (lookups_of_params(program, f, h, &acq)
                                        && importable(program, f)
                                        && is_exported(f)))
                            {
                                own_self_edges.push((h.clone(), acq.clone(), site));
                            }
                            continue;
                        }
                        // Another lock of a class already held (a second
                        // instance, or a re-entry that GC201 reports), and
                        // striped locks (`locks[i]`) whose instances the
                        // program orders by index: a class-level order says
                        // nothing about them.
                        if held_classes.contains(&to) || has_index(h) || has_index(&acq) {
                            continue;
                        }
                        candidates.push((fi, from, to.clone(), site));
                    }
                }
                // A call of a stored callback acquires what the callbacks do.
                let Some((source, info)) = program.file_of(f) else {
                    return;
                };
                let Some(call) = callbacks::field_called(source, info, op) else {
                    return;
                };
                let callbacks = callbacks.get_or_insert_with(|| Callbacks::collect(ctx));
                for callback in callbacks.called_by(&call) {
                    let (Some(summary), Some(handler)) = (
                        program.summary(callback.func),
                        program.function(callback.func),
                    ) else {
                        continue;
                    };
                    if ctx.is_test_driver(handler) {
                        continue;
                    }
                    let handler_name = match handler.def.parent.and_then(|_| ctx.parent(handler)) {
                        Some(parent) => format!("the closure in {}", short_func_name(parent)),
                        None => format!("the callback {}", short_func_name(handler)),
                    };
                    for acquired in summary.acquires.iter().filter(|a| !a.try_only) {
                        let Some(to) = lock_class(program, &acquired.path) else {
                            continue;
                        };
                        if matches!(to, LockClass::Local(_))
                            || held_classes.contains(&to)
                            || has_index(&acquired.path)
                        {
                            continue;
                        }
                        for ((h, hkind), hspan) in &held.locks {
                            if *hkind == LockKind::Read && acquired.kind == LockKind::Read {
                                continue;
                            }
                            if (fresh.contains(&h.base) && !h.fields.is_empty()) || has_index(h) {
                                continue;
                            }
                            let Some(from) = lock_class(program, h) else {
                                continue;
                            };
                            if from == to {
                                continue;
                            }
                            let site = EdgeSite {
                                file,
                                span: op.span,
                                held_span: *hspan,
                                held: PathName::new(h),
                                acquired: PathName::new(&acquired.path),
                                func: short_func_name(f),
                                via_call: true,
                                gates: held_classes.clone(),
                                callback: Some((
                                    callback.file,
                                    callback.stored_at,
                                    handler_name.clone(),
                                )),
                            };
                            candidates.push((fi, from, to.clone(), site));
                        }
                    }
                }
            });
            self_edges.extend(own_self_edges);
        }
        report_self_edges(ctx, &self_edges, findings);

        // Locks held by every caller of an internal helper serialise its
        // body as much as the helper's own locks do.
        let entry_gates: FxHashMap<FuncId, FxHashSet<LockClass>> = held_at_calls
            .into_iter()
            .filter(|(c, _)| !escaping.contains(c))
            .filter_map(|(c, set)| {
                let f = program.function(c)?;
                if f.pkg != ctx.package || is_exported(f) {
                    return None;
                }
                set.filter(|s| !s.is_empty()).map(|s| (c, s))
            })
            .collect();
        let mut class_ids: FxHashMap<LockClass, u32> = FxHashMap::default();
        let mut edges: BTreeMap<(u32, u32), Vec<EdgeSite>> = BTreeMap::new();
        for (fi, from, to, mut site) in candidates {
            if let Some(g) = funcs.get(fi).and_then(|f| entry_gates.get(&f.id)) {
                site.gates.extend(g.iter().cloned());
            }
            let n = class_ids.len() as u32;
            let a = *class_ids.entry(from.clone()).or_insert(n);
            let n = class_ids.len() as u32;
            let b = *class_ids.entry(to.clone()).or_insert(n);
            site.gates.remove(&from);
            site.gates.remove(&to);
            let sites = edges.entry((a, b)).or_default();
            if !sites
                .iter()
                .any(|s| s.span == site.span && s.held.get(ctx) == site.held.get(ctx))
            {
                sites.push(site);
            }
        }
        report_cycles(ctx, &edges, findings);
    }
}

/// An acquisition made through a call: the callee, and the lock and the
/// acquiring op (or deeper call) as the callee names them.
#[derive(Clone)]
struct ViaCall {
    callee: FuncId,
    path: AccessPath,
    span: Span,
}

/// Like [`acquisitions`], with the callee-side view of each acquisition
/// made through a call. With `specialise` (the cache and the function
/// performing `op`), a call passing constant flags lists only what the
/// callee acquires on the branches those flags leave open
/// ([`ConstFlags`]): `getNext()` whose `processAck(seq, false)` takes
/// `mset.mu` only `if needLock` does not acquire it.
fn callee_acquisitions(
    program: &Program,
    specialise: Option<(&ConstFlags<'_>, &Function)>,
    op: &Op,
) -> Vec<(AccessPath, LockKind, Option<ViaCall>)> {
    if op.mode != Mode::Now {
        return Vec::new();
    }
    match &op.kind {
        OpKind::Lock {
            path: Some(p),
            op: lop @ (LockOp::Lock | LockOp::RLock),
        } => vec![(p.clone(), lop.kind(), None)],
        OpKind::Call { recv, args, .. } => modelled_callee(program, op)
            .map(|c| {
                let listed = match specialise {
                    Some((flags, caller)) => flags.call_acquires(caller, op, c),
                    None => Acquires::Summary(
                        program
                            .summary(c)
                            .map_or(&[][..], |summary| summary.acquires.as_slice()),
                    ),
                };
                // A callee's TryLock never waits, so it closes no cycle.
                listed
                    .iter()
                    .filter(|a| !a.try_only)
                    .filter_map(|a| {
                        program
                            .substitute(c, &a.path, recv.as_ref(), args)
                            .map(|q| {
                                let via = ViaCall {
                                    callee: c,
                                    path: a.path.clone(),
                                    span: a.span,
                                };
                                (q, a.kind, Some(via))
                            })
                    })
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Held locks at the entry of each block of a callee that starts with one
/// extra lock held (its caller's), keyed by callee and lock.
type ReleasedMemo = FxHashMap<(FuncId, AccessPath, LockKind), Vec<Option<HeldLocks>>>;

/// How deep [`releases_first`] follows a chain of calls.
const RELEASE_DEPTH: u32 = 6;

/// The path, in callee `c`'s frame, of the caller's lock `held`, when `c`
/// touches it itself: re-acquires it (after releasing it) or releases it
/// for good.
fn callee_view_of(
    program: &Program,
    c: FuncId,
    recv: Option<&AccessPath>,
    args: &[Option<AccessPath>],
    held: &AccessPath,
    kind: LockKind,
) -> Option<AccessPath> {
    let summary = program.summary(c)?;
    let maps_to_held = |p: &AccessPath| program.substitute(c, p, recv, args).as_ref() == Some(held);
    summary
        .acquires
        .iter()
        .filter(|a| a.kind == kind)
        .map(|a| &a.path)
        .chain(
            summary
                .net_released
                .iter()
                .filter(|(_, k)| *k == kind)
                .map(|(p, _)| p),
        )
        .find(|p| maps_to_held(p))
        .cloned()
}

/// Whether a call that runs while the caller holds `held` drops it before
/// the callee's acquisition `via` (following deeper calls that acquire it).
fn callee_releases_first(
    program: &Program,
    flags: &ConstFlags<'_>,
    memo: &mut ReleasedMemo,
    op: &Op,
    via: &ViaCall,
    held: &AccessPath,
    kind: LockKind,
) -> bool {
    let OpKind::Call { recv, args, .. } = &op.kind else {
        return false;
    };
    let Some(inner) = callee_view_of(program, via.callee, recv.as_ref(), args, held, kind) else {
        return false;
    };
    releases_first(program, flags, memo, via, &inner, kind, 0)
}

/// Whether callee `via.callee`, entered with `held` (its own name for the
/// caller's lock) held, has released it at every op at `via.span` that
/// acquires `via.path`: directly, or in a deeper callee that drops it first.
fn releases_first(
    program: &Program,
    flags: &ConstFlags<'_>,
    memo: &mut ReleasedMemo,
    via: &ViaCall,
    held: &AccessPath,
    kind: LockKind,
    depth: u32,
) -> bool {
    let c = via.callee;
    let Some(callee) = program.function(c) else {
        return false;
    };
    let block_in = memo
        .entry((c, held.clone(), kind))
        .or_insert_with(|| {
            let mut entry = held_at_entry(program, callee);
            entry.locks.insert((held.clone(), kind), Span::default());
            forward(&callee.cfg, entry, |b: BlockId, input: &HeldLocks| {
                let mut st = input.clone();
                for (_, op) in callee.block_ops(b) {
                    st.step(program, op);
                }
                st
            })
            .block_in
        })
        .clone();
    let key = (held.clone(), kind);
    let mut seen = false;
    for (b, start) in block_in.iter().enumerate() {
        let Some(start) = start else {
            continue;
        };
        let mut st = start.clone();
        for (_, inner_op) in callee.block_ops(BlockId(b as u32)) {
            if inner_op.span == via.span && inner_op.mode == Mode::Now {
                if st.locks.contains_key(&key) {
                    // Still held here: only a deeper callee that drops it
                    // first keeps the two apart.
                    if depth >= RELEASE_DEPTH {
                        return false;
                    }
                    let deeper = callee_acquisitions(program, Some((flags, callee)), inner_op)
                        .into_iter()
                        .find(|(p, _, v)| *p == via.path && v.is_some());
                    let Some((_, _, Some(next))) = deeper else {
                        return false;
                    };
                    let OpKind::Call { recv, args, .. } = &inner_op.kind else {
                        return false;
                    };
                    let Some(next_held) =
                        callee_view_of(program, next.callee, recv.as_ref(), args, held, kind)
                    else {
                        return false;
                    };
                    if !releases_first(program, flags, memo, &next, &next_held, kind, depth + 1) {
                        return false;
                    }
                }
                seen = true;
            }
            st.step(program, inner_op);
        }
    }
    seen
}

/// Local variables of `f` that hold an object `f` allocated itself
/// (`x := &T{...}`, `x := new(T)`) and has not handed out before its
/// first lock: no other goroutine can reach their locks yet. Only
/// variables assigned once are considered.
fn fresh_locals(program: &Program, f: &Function) -> FxHashSet<Base> {
    use goconc_semantic::body::Res;
    use goconc_syntax::ast::{AssignOp, Op as AstOp, StmtKind};
    let mut out = FxHashSet::default();
    let Some((ast, info)) = program.file_of(f) else {
        return out;
    };
    let span = f.def.span;
    // Local id -> (assignments, all of them fresh allocations).
    let mut seen: FxHashMap<goconc_semantic::body::LocalId, (u32, bool)> = FxHashMap::default();
    let is_alloc = |e: goconc_syntax::ast::ExprId| allocates(ast, info, e);
    for stmt in &ast.stmts {
        if stmt.span.start < span.start || stmt.span.end > span.end {
            continue;
        }
        let StmtKind::Assign { lhs, op, rhs, .. } = &stmt.kind else {
            continue;
        };
        for (i, &l) in lhs.iter().enumerate() {
            let Res::Local(id) = info.res(ast.unparen(l)) else {
                continue;
            };
            let fresh = *op != AssignOp::Compound(AstOp::Add)
                && lhs.len() == rhs.len()
                && rhs.get(i).is_some_and(|&r| is_alloc(r));
            let entry = seen.entry(*id).or_insert((0, true));
            entry.0 += 1;
            entry.1 &= fresh;
        }
    }
    for (id, (count, fresh)) in seen {
        if count == 1 && fresh {
            out.insert(Base::Local(goconc_semantic::ops::LocalKey {
                pkg: f.pkg,
                file: f.def.file,
                local: id,
            }));
        }
    }
    out
}

/// Whether the object `path` is rooted in was allocated (`v = &T{}`,
/// `v = new(T)`) by the last assignment to that local before `at`, in the
/// same block as `at` or one enclosing it, and the local was not handed
/// anywhere in between (every mention is a selector, `v.f` or `v.m()`).
fn allocated_just_before(program: &Program, f: &Function, path: &AccessPath, at: Span) -> bool {
    use goconc_semantic::body::Res;
    use goconc_syntax::ast::StmtKind;
    let Base::Local(key) = &path.base else {
        return false;
    };
    if path.fields.is_empty() || key.file != f.def.file {
        return false;
    }
    let Some((ast, info)) = program.file_of(f) else {
        return false;
    };
    let is_alloc = |e: goconc_syntax::ast::ExprId| allocates(ast, info, e);
    // The last assignment to the local before `at`.
    let mut last: Option<(Span, bool)> = None;
    for stmt in &ast.stmts {
        if stmt.span.start < f.def.span.start || stmt.span.end > at.start {
            continue;
        }
        let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
            continue;
        };
        for (i, &l) in lhs.iter().enumerate() {
            if !matches!(info.res(ast.unparen(l)), Res::Local(id) if *id == key.local) {
                continue;
            }
            let fresh = lhs.len() == rhs.len() && rhs.get(i).is_some_and(|&r| is_alloc(r));
            if last.is_none_or(|(s, _)| s.start < stmt.span.start) {
                last = Some((stmt.span, fresh));
            }
        }
    }
    let Some((alloc, true)) = last else {
        return false;
    };
    let between = ast.text(Span::new(alloc.end, at.start));
    // `at` is in the allocation's block (or a nested one): the text between
    // never closes a brace it did not open.
    let mut depth = 0i32;
    for c in between.chars() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    let Some(name) = info.local(key.local).map(|l| ast.text(l.span)) else {
        return false;
    };
    if name.is_empty() {
        return false;
    }
    let bytes = between.as_bytes();
    between.match_indices(name).all(|(i, _)| {
        let before = i.checked_sub(1).map(|j| bytes[j] as char);
        let after = bytes.get(i + name.len()).map(|&b| b as char);
        let word = !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
            && !after.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word || after == Some('.')
    })
}

/// `&T{...}` or `new(T)`: a fresh allocation.
fn allocates(
    ast: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    e: goconc_syntax::ast::ExprId,
) -> bool {
    use goconc_semantic::body::Res;
    use goconc_syntax::ast::{ExprKind, Op as AstOp};
    match &ast.expr(ast.unparen(e)).kind {
        ExprKind::Unary { op: AstOp::And, x } => {
            matches!(
                ast.expr(ast.unparen(*x)).kind,
                ExprKind::CompositeLit { .. }
            )
        }
        ExprKind::Call { fun, args, .. } => {
            args.len() == 1
                && matches!(
                    info.res(ast.unparen(*fun)),
                    Res::Builtin(goconc_semantic::env::Builtin::New)
                )
        }
        _ => false,
    }
}

fn has_index(p: &AccessPath) -> bool {
    p.fields.iter().any(|e| matches!(e, PathElem::Index))
}

/// Whether a function can be called from outside its package: an exported
/// function, or an exported method of an exported type (closures are only
/// reachable through their parent).
fn is_exported(f: &Function) -> bool {
    if f.def.parent.is_some() {
        return false;
    }
    let name = short_func_name(f);
    let exported = |s: &str| {
        s.trim_start_matches("(*")
            .chars()
            .next()
            .is_some_and(char::is_uppercase)
    };
    // `F`, `T.M` or `(*T).M`.
    match name.rsplit_once('.') {
        Some((recv, method)) => exported(recv) && exported(method),
        None => exported(name),
    }
}

/// Whether `held` and `acquired` are the same field chain on two different
/// parameters (or the receiver and a parameter) of `f`: `from.mu` and
/// `to.mu` in `transfer(from, to *Account)`. Callers decide which value
/// comes first, so two calls with swapped arguments deadlock.
fn distinct_params(
    program: &Program,
    f: &Function,
    held: &AccessPath,
    acquired: &AccessPath,
) -> bool {
    let (Base::Local(a), Base::Local(b)) = (&held.base, &acquired.base) else {
        return false;
    };
    if a == b || held.fields != acquired.fields {
        return false;
    }
    let (recv, params) = f.param_keys();
    let is_param = |k| recv == Some(k) || params.contains(&k);
    // A parameter the function reassigns is not the caller's argument any
    // more: `if a.id > b.id { a, b = b, a }` orders the pair itself.
    let reassigned =
        |k: &goconc_semantic::ops::LocalKey| program.local(k).is_none_or(|local| local.reassigned);
    is_param(*a) && is_param(*b) && !reassigned(a) && !reassigned(b)
}

/// Two locals looked up the same way from two parameters of `f`
/// (`from, to := l.Account(fromID), l.Account(toID)`, or
/// `l.accounts[fromID]` and `l.accounts[toID]`): the caller decides the
/// order of the pair, as with two parameters.
fn lookups_of_params(
    program: &Program,
    f: &Function,
    held: &AccessPath,
    acquired: &AccessPath,
) -> bool {
    use goconc_syntax::ast::ExprKind;
    let (Base::Local(a), Base::Local(b)) = (&held.base, &acquired.base) else {
        return false;
    };
    if a == b || held.fields != acquired.fields || a.file != b.file {
        return false;
    }
    let Some((file, info)) = program.file_of(f) else {
        return false;
    };
    let (_, params) = f.param_keys();
    let param_of = |e: goconc_syntax::ast::ExprId| match info.res(file.unparen(e)) {
        goconc_semantic::body::Res::Local(l) => params
            .iter()
            .copied()
            .find(|k| k.local == *l && program.local(k).is_some_and(|local| !local.reassigned)),
        _ => None,
    };
    let source = |k: &goconc_semantic::ops::LocalKey| -> Option<goconc_syntax::ast::ExprId> {
        let local = program.local(k).filter(|l| !l.reassigned)?;
        if let Some(init) = local.init {
            return Some(init);
        }
        // `from, to := l.Account(fromID), l.Account(toID)`.
        file.stmts.iter().find_map(|st| match &st.kind {
            goconc_syntax::ast::StmtKind::Assign { lhs, rhs, .. } if lhs.len() == rhs.len() => lhs
                .iter()
                .position(|&l| file.expr(l).span == local.span)
                .map(|i| rhs[i]),
            _ => None,
        })
    };
    let (Some(sa), Some(sb)) = (source(a), source(b)) else {
        return false;
    };
    // The one argument (or index) that differs: two distinct parameters.
    let keyed_by_params = |x: goconc_syntax::ast::ExprId, y: goconc_syntax::ast::ExprId| matches!((param_of(x), param_of(y)), (Some(p), Some(q)) if p != q);
    match (
        &file.expr(file.unparen(sa)).kind,
        &file.expr(file.unparen(sb)).kind,
    ) {
        (
            ExprKind::Call {
                fun: fa, args: xa, ..
            },
            ExprKind::Call {
                fun: fb, args: xb, ..
            },
        ) => {
            if file.text(file.expr(*fa).span) != file.text(file.expr(*fb).span)
                || xa.len() != xb.len()
            {
                return false;
            }
            let differing: Vec<(goconc_syntax::ast::ExprId, goconc_syntax::ast::ExprId)> = xa
                .iter()
                .zip(xb)
                .filter(|(x, y)| file.text(file.expr(**x).span) != file.text(file.expr(**y).span))
                .map(|(x, y)| (*x, *y))
                .collect();
            matches!(differing.as_slice(), [(x, y)] if keyed_by_params(*x, *y))
        }
        (ExprKind::Index { x: ca, index: ia }, ExprKind::Index { x: cb, index: ib }) => {
            file.text(file.expr(*ca).span) == file.text(file.expr(*cb).span)
                && keyed_by_params(*ia, *ib)
        }
        _ => false,
    }
}

/// Whether other packages can import the function's package (not under
/// `internal/`, not `main`).
fn importable(program: &Program, f: &Function) -> bool {
    program.packages.get(f.pkg as usize).is_some_and(|p| {
        !p.pkg.path.split('/').any(|seg| seg == "internal") && &*p.pkg.name != "main"
    })
}

/// Whether two calls of `f` may pass the values behind `held` and
/// `acquired` the other way round. Callers outside the analysis can when
/// `f` is exported from a package others import (not `internal/`, not
/// `main`). Inside it, some call must hand over two values other goroutines
/// can reach too (receiver, parameters, globals, fields): a call that merges
/// into a local it just built (`merged.Merge(shared)`) cannot meet its mirror
/// image.
fn pair_may_be_swapped(
    program: &Program,
    f: &Function,
    held: &AccessPath,
    acquired: &AccessPath,
) -> bool {
    let pkg_path = program
        .packages
        .get(f.pkg as usize)
        .map(|p| p.pkg.path.to_string())
        .unwrap_or_default();
    let importable = !pkg_path.split('/').any(|seg| seg == "internal")
        && program
            .packages
            .get(f.pkg as usize)
            .is_some_and(|p| &*p.pkg.name != "main");
    if importable && is_exported(f) {
        return true;
    }
    let shared = |caller: &Function, p: &AccessPath| match &p.base {
        Base::Global(_) => true,
        // A value the caller has just built, or got from a constructor
        // that builds it (`sum := NewStats(ctx)`), fields included: no
        // other goroutine can be locking it the other way round yet.
        Base::Local(key) if fresh_local(program, key) => false,
        Base::Local(key) => {
            !p.fields.is_empty() || {
                let (recv, params) = caller.param_keys();
                recv == Some(*key) || params.contains(key) || loaded_from_shared(program, key)
            }
        }
    };
    // The values handed over (the receiver or argument itself, not the lock
    // field inside it).
    let value = |p: &AccessPath| AccessPath {
        base: p.base.clone(),
        fields: Default::default(),
    };
    let (held, acquired) = (value(held), value(acquired));
    super::waitgroup_misuse::flow::calls_of(program.functions.iter(), f.id).any(
        |(caller, recv, args)| {
            let at_call = |p: &AccessPath| program.substitute(f.id, p, recv, args);
            match (at_call(&held), at_call(&acquired)) {
                (Some(a), Some(b)) => shared(caller, &a) && shared(caller, &b),
                // A value the model cannot follow: assume it may be shared.
                _ => true,
            }
        },
    )
}

/// The file of local `key`, the local, and the one value it is initialised
/// with when it is never assigned again.
fn single_init<'p>(
    program: &'p Program,
    key: &goconc_semantic::ops::LocalKey,
) -> Option<(
    &'p goconc_syntax::File,
    &'p goconc_semantic::body::Local,
    ExprId,
)> {
    let model = program.packages.get(key.pkg as usize)?;
    let info = model.files.get(key.file as usize)?;
    let source = model.pkg.files.get(key.file as usize)?;
    let local = info.local(key.local)?;
    let init = local.init.filter(|_| !local.reassigned)?;
    Some((&*source.ast, local, init))
}

/// Whether `e` builds a new value: `T{...}`, `&T{...}` or `new(T)`.
fn builds_value(file: &goconc_syntax::File, e: ExprId) -> bool {
    let mut e = file.unparen(e);
    if let ExprKind::Unary {
        op: goconc_syntax::ast::Op::And,
        x,
    } = &file.expr(e).kind
    {
        e = file.unparen(*x);
    }
    match &file.expr(e).kind {
        ExprKind::CompositeLit { .. } => true,
        ExprKind::Call { fun, .. } => {
            matches!(&file.expr(file.unparen(*fun)).kind, ExprKind::Ident(id) if file.name(*id) == "new")
        }
        _ => false,
    }
}

/// A local initialised once with a value built on the spot, or with the
/// result of an analysed constructor whose every `return` hands back a
/// value it built (`s := &StatsInfo{...}; return s`).
fn fresh_local(program: &Program, key: &goconc_semantic::ops::LocalKey) -> bool {
    let Some((file, local, init)) = single_init(program, key) else {
        return false;
    };
    let Some(model) = program.packages.get(key.pkg as usize) else {
        return false;
    };
    if builds_value(file, init) {
        return true;
    }
    let Some(declarer) = model
        .funcs
        .get(local.func as usize)
        .and_then(|&id| program.function(id))
    else {
        return false;
    };
    let init = file.unparen(init);
    let Some(ctor) = declarer.all_ops().find_map(|(_, _, op)| match &op.kind {
        OpKind::Call {
            callee: Callee::Func(c),
            ..
        } if op.expr == Some(init) => program.function(*c),
        _ => None,
    }) else {
        return false;
    };
    let Some((cfile, cinfo)) = program.file_of(ctor) else {
        return false;
    };
    let span = ctor.def.span;
    let mut returns = 0;
    for stmt in &cfile.stmts {
        if stmt.span.start < span.start || stmt.span.end > span.end {
            continue;
        }
        let goconc_syntax::ast::StmtKind::Return { results } = &stmt.kind else {
            continue;
        };
        let Some(&first) = results.first() else {
            return false;
        };
        let first = cfile.unparen(first);
        let fresh = builds_value(cfile, first)
            || matches!(cfile.expr(first).kind, ExprKind::Ident(_))
                && match cinfo.res(first) {
                    goconc_semantic::body::Res::Local(l) => cinfo
                        .local(*l)
                        .filter(|l| !l.reassigned)
                        .and_then(|l| l.init)
                        .is_some_and(|i| builds_value(cfile, i)),
                    _ => false,
                };
        if !fresh {
            return false;
        }
        returns += 1;
    }
    returns > 0
}

/// A local initialised once from something other callers can reach too: a
/// map or slice element, a field, a call result (`from := l.accounts[id]`),
/// rather than a value built on the spot (`&Account{}`, `new(T)`).
fn loaded_from_shared(program: &Program, key: &goconc_semantic::ops::LocalKey) -> bool {
    let Some((file, _, init)) = single_init(program, key) else {
        return false;
    };
    let Some(info) = program
        .packages
        .get(key.pkg as usize)
        .and_then(|m| m.files.get(key.file as usize))
    else {
        return false;
    };
    let mut e = file.unparen(init);
    if let goconc_syntax::ast::ExprKind::Unary {
        op: goconc_syntax::ast::Op::And,
        x,
    } = &file.expr(e).kind
    {
        e = file.unparen(*x);
    }
    match &file.expr(e).kind {
        goconc_syntax::ast::ExprKind::Index { .. }
        | goconc_syntax::ast::ExprKind::Selector { .. } => true,
        goconc_syntax::ast::ExprKind::Call { fun, .. } => {
            // `new(T)`, `make(...)` and conversions build a fresh value.
            !matches!(
                &file.expr(file.unparen(*fun)).kind,
                goconc_syntax::ast::ExprKind::Ident(id) if matches!(file.name(*id), "new" | "make")
            ) && !info.is_type(file.unparen(*fun))
        }
        _ => false,
    }
}

/// Two locks of one class held in fields of different types (`l.mtx` of
/// a list and `e.mtx` of one of its elements, both a wrapper embedding
/// `sync.RWMutex`): locks of two kinds of objects, not two values of one
/// kind that callers may pass in either order.
fn different_containers(program: &Program, a: &AccessPath, b: &AccessPath) -> bool {
    let container = |p: &AccessPath| {
        let (_, init) = p.fields.split_last()?;
        if init.is_empty() {
            return None;
        }
        let parent = AccessPath {
            base: p.base.clone(),
            fields: init.iter().cloned().collect(),
        };
        program.field_owner(&parent).map(|(ty, _)| ty)
    };
    match (container(a), container(b)) {
        (Some(x), Some(y)) => x.strip_pointer() != y.strip_pointer(),
        _ => false,
    }
}

fn report_self_edges(
    ctx: &RuleContext<'_>,
    self_edges: &[(AccessPath, AccessPath, EdgeSite)],
    out: &mut Vec<Finding>,
) {
    for (held, acquired, site) in self_edges {
        // `if a.id < b.id { lock a, b } else { lock b, a }` orders the locks:
        // the function nests them both ways on purpose.
        let reversed = self_edges
            .iter()
            .any(|(h, a, _)| h == acquired && a == held);
        if reversed {
            continue;
        }
        out.push(
            Finding::new(
                "GC202",
                site.file,
                site.span,
                format!(
                    "lock order inversion: acquires {} while holding {}",
                    site.acquired.get(ctx),
                    site.held.get(ctx)
                ),
            )
            .related(
                site.file,
                site.held_span,
                format!(
                    "{} is acquired first here; a caller that passes the two values in the \
                     other order acquires them the other way round",
                    site.held.get(ctx)
                ),
            )
            .suggest(format!(
                "lock the two values in a fixed global order (e.g. by id or address) \
                 whatever the argument order, or never hold {} while acquiring {}",
                site.held.get(ctx),
                site.acquired.get(ctx)
            )),
        );
    }
}

/// Reports every edge that lies on a cycle of the lock-order graph, with
/// the other edges of one such cycle as related locations.
fn report_cycles(
    ctx: &RuleContext<'_>,
    edges: &BTreeMap<(u32, u32), Vec<EdgeSite>>,
    out: &mut Vec<Finding>,
) {
    let mut succ: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
    for &(a, b) in edges.keys() {
        succ.entry(a).or_default().push(b);
    }
    // One finding per cycle (the set of lock classes on it): every edge of
    // a cycle is the same deadlock, shown from the edge that comes first in
    // the source, with the other edges as related locations.
    let mut per_cycle: BTreeMap<Vec<u32>, Finding> = BTreeMap::new();
    for (&(a, b), sites) in edges {
        // Shortest path b -> ... -> a closes a cycle through a -> b.
        let Some(path) = shortest_path(&succ, b, a) else {
            continue;
        };
        let mut cycle: Vec<u32> = path.clone();
        cycle.push(a);
        cycle.sort_unstable();
        cycle.dedup();
        // A cycle through three or more locks needs as many goroutines
        // inside their critical sections at the same moment; one that
        // goes through calls (a lock a callee takes) was, on real code,
        // always serialised by something the lock graph does not see (a
        // gate taken further up, a fixed call order). Only long cycles
        // whose every edge is two explicit Locks in one function remain.
        let long = cycle.len() > 2;
        let other_edges: Vec<&Vec<EdgeSite>> = path
            .windows(2)
            .filter_map(|w| edges.get(&(w[0], w[1])))
            .collect();
        // One finding per edge of the cycle, at its first site whose cycle
        // is not serialised by a gate lock; the edge's other sites are listed.
        for site in sites {
            // Pick, for every other edge of the cycle, a site that does not
            // share a gate lock with this one; none means the cycle is
            // serialised by a lock held around all of it.
            let others: Option<Vec<&EdgeSite>> = other_edges
                .iter()
                .map(|sites| sites.iter().find(|o| o.gates.is_disjoint(&site.gates)))
                .collect();
            let Some(others) = others else {
                continue;
            };
            if long && (site.via_call || others.iter().any(|o| o.via_call)) {
                continue;
            }
            let mut finding = Finding::new(
                "GC202",
                site.file,
                site.span,
                match &site.callback {
                    Some((_, _, handler)) => format!(
                        "lock order inversion: this call runs {handler}, which acquires {} while {} is held",
                        site.acquired.get(ctx), site.held.get(ctx)
                    ),
                    None => format!(
                        "lock order inversion: acquires {} while holding {}",
                        site.acquired.get(ctx), site.held.get(ctx)
                    ),
                },
            );
            if site.held_span != Span::default() {
                finding = finding.related(
                    site.file,
                    site.held_span,
                    format!("{} is acquired here", site.held.get(ctx)),
                );
            }
            if let Some((file, span, handler)) = &site.callback {
                finding = finding.related(
                    *file,
                    *span,
                    format!("{handler} is stored as a callback here"),
                );
            }
            for other in &others {
                finding = finding.related(
                    other.file,
                    other.span,
                    format!(
                        "{} acquires {} while holding {}{}: the opposite order",
                        other.func,
                        other.acquired.get(ctx),
                        other.held.get(ctx),
                        match &other.callback {
                            Some((_, _, handler)) => format!(" (in {handler}, run by this call)"),
                            None if other.via_call => " (through this call)".to_string(),
                            None => String::new(),
                        }
                    ),
                );
                if let Some((file, span, handler)) = &other.callback {
                    finding = finding.related(
                        *file,
                        *span,
                        format!("{handler} is stored as a callback here"),
                    );
                }
            }
            for same in sites.iter().filter(|x| x.span != site.span).take(4) {
                finding = finding.related(
                    same.file,
                    same.span,
                    format!(
                        "{} also acquires {} while holding {}",
                        same.func,
                        same.acquired.get(ctx),
                        same.held.get(ctx)
                    ),
                );
            }
            let finding = finding.suggest(format!(
                "use one order for these locks everywhere: release {} before acquiring {}, \
                 or always acquire {} before {}",
                site.held.get(ctx),
                site.acquired.get(ctx),
                site.acquired.get(ctx),
                site.held.get(ctx)
            ));
            let first = |f: &Finding| (f.file.0, f.span.start, f.span.end);
            match per_cycle.get(&cycle) {
                Some(kept) if first(kept) <= first(&finding) => {}
                _ => {
                    per_cycle.insert(cycle, finding);
                }
            }
            break;
        }
    }
    out.extend(per_cycle.into_values());
}

fn shortest_path(succ: &FxHashMap<u32, Vec<u32>>, from: u32, to: u32) -> Option<Vec<u32>> {
    let mut prev: FxHashMap<u32, u32> = FxHashMap::default();
    let mut queue = VecDeque::from([from]);
    prev.insert(from, from);
    while let Some(n) = queue.pop_front() {
        if n == to {
            let mut path = vec![to];
            let mut cur = to;
            while cur != from {
                cur = *prev.get(&cur)?;
                path.push(cur);
            }
            path.reverse();
            return Some(path);
        }
        for &m in succ.get(&n).map(Vec::as_slice).unwrap_or(&[]) {
            if let std::collections::hash_map::Entry::Vacant(e) = prev.entry(m) {
                e.insert(n);
                queue.push_back(m);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&LockOrderInversion);
    }

    #[test]
    fn long_cycles_are_reported_only_through_explicit_locks() {
        // cache -> index (through a helper), index -> wal (through a
        // helper), wal -> cache (direct): three goroutines and two calls.
        let through_calls = "package store\n\nimport \"sync\"\n\ntype Engine struct {\n\tcacheMu sync.Mutex\n\tindexMu sync.Mutex\n\twalMu   sync.Mutex\n\tn       int\n}\n\nfunc (e *Engine) bumpIndex() {\n\te.indexMu.Lock()\n\te.n++\n\te.indexMu.Unlock()\n}\n\nfunc (e *Engine) appendWAL() {\n\te.walMu.Lock()\n\te.n++\n\te.walMu.Unlock()\n}\n\nfunc (e *Engine) Put() {\n\te.cacheMu.Lock()\n\tdefer e.cacheMu.Unlock()\n\te.bumpIndex()\n}\n\nfunc (e *Engine) Reindex() {\n\te.indexMu.Lock()\n\tdefer e.indexMu.Unlock()\n\te.appendWAL()\n}\n\nfunc (e *Engine) Checkpoint() {\n\te.walMu.Lock()\n\tdefer e.walMu.Unlock()\n\te.cacheMu.Lock()\n\te.cacheMu.Unlock()\n}\n";
        let found = crate::testing::check_source(&LockOrderInversion, through_calls);
        assert!(found.is_empty(), "{found:?}");
        // The same cycle with every lock explicit is reported.
        let explicit = through_calls
            .replace(
                "\te.bumpIndex()\n",
                "\te.indexMu.Lock()\n\te.indexMu.Unlock()\n",
            )
            .replace(
                "\te.appendWAL()\n",
                "\te.walMu.Lock()\n\te.walMu.Unlock()\n",
            );
        let found = crate::testing::check_source(&LockOrderInversion, &explicit);
        assert_eq!(found.len(), 1, "{found:?}");
        // A two-lock cycle through a call is reported as before.
        let two = through_calls.replace(
            "\te.walMu.Lock()\n\tdefer e.walMu.Unlock()\n\te.cacheMu.Lock()",
            "\te.indexMu.Lock()\n\tdefer e.indexMu.Unlock()\n\te.cacheMu.Lock()",
        );
        let found = crate::testing::check_source(&LockOrderInversion, &two);
        assert!(!found.is_empty(), "{found:?}");
    }

    #[test]
    fn shortest_path_closes_the_cycle_through_the_fewest_edges() {
        let mut succ: FxHashMap<u32, Vec<u32>> = FxHashMap::default();
        succ.insert(0, vec![1]);
        succ.insert(1, vec![2, 3]);
        succ.insert(2, vec![3]);
        succ.insert(3, vec![0]);
        assert_eq!(shortest_path(&succ, 1, 0), Some(vec![1, 3, 0]));
        assert_eq!(shortest_path(&succ, 2, 2), Some(vec![2]));
        succ.insert(3, vec![]);
        assert_eq!(shortest_path(&succ, 1, 0), None);
    }
}
