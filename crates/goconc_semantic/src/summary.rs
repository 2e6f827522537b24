//! Function summaries, computed bottom-up over the call graph.
//!
//! Strongly connected components are found with Tarjan's algorithm; SCCs
//! are processed by level (callees first) in parallel, and each recursive
//! SCC is iterated to a fixpoint with a cap of [`MAX_ROUNDS`] rounds. All
//! paths in a summary are in the function's own frame; translate them to a
//! caller's frame with [`crate::Program::substitute`].

use std::collections::{BTreeMap, BTreeSet};

use goconc_syntax::ast::Span;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::cfg::{forward, BlockId, Lattice};
use crate::ops::{
    AccessPath, Base, Callee, ChanOp, FuncArg, FuncId, LockKind, LockOp, Mode, OpKind, WgOp,
};
use crate::program::{Function, Program};

/// Rounds of iteration for a recursive SCC before giving up on a fixpoint.
pub const MAX_ROUNDS: usize = 6;
/// Cap on list lengths in a summary (keeps summaries of huge call trees small).
const MAX_ITEMS: usize = 64;

/// A lock acquired by a function or (transitively) its callees.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LockAcquire {
    pub path: AccessPath,
    pub kind: LockKind,
    /// The lock op, or the call through which the callee acquires it.
    pub span: Span,
    /// The callee that acquires it (None: acquired directly).
    pub via: Option<FuncId>,
    /// Only ever taken with `TryLock`/`TryRLock` (here or in the callee):
    /// the acquisition never waits (`AssertLocked`-style helpers probe a
    /// lock the caller must hold).
    pub try_only: bool,
}

/// A channel operation performed by a function or its callees.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChanUse {
    pub path: AccessPath,
    pub op: ChanOp,
    /// Part of a select statement.
    pub in_select: bool,
    pub span: Span,
    pub via: Option<FuncId>,
}

/// A WaitGroup operation performed by a function or its callees.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WgUse {
    pub path: AccessPath,
    pub op: WgOp,
    pub span: Span,
    pub via: Option<FuncId>,
}

/// How a goroutine is started.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SpawnKind {
    /// A `go` statement.
    Go,
    /// `errgroup.Group.Go` / `sync.WaitGroup.Go`.
    Library,
    /// A call of a function whose summary spawns the function argument.
    Wrapper,
}

/// A goroutine started by a function.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Spawn {
    pub kind: SpawnKind,
    pub span: Span,
    /// The function run, when known.
    pub target: Option<FuncId>,
}

/// What a function does, concurrency-wise, as seen by its callers.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Summary {
    /// Locks acquired here or in callees (deduplicated by path and kind).
    pub acquires: Vec<LockAcquire>,
    /// Held at every normal return (after deferred calls), not held at entry:
    /// "lock helpers".
    pub net_acquired: Vec<(AccessPath, LockKind)>,
    /// Released on every normal return without being acquired here: "unlock helpers".
    pub net_released: Vec<(AccessPath, LockKind)>,
    /// Acquired here (or by a callee's net effect) and still held at some
    /// normal return: not released on all paths.
    pub unreleased: Vec<(AccessPath, LockKind, Span)>,
    pub chans: Vec<ChanUse>,
    pub wg: Vec<WgUse>,
    /// WaitGroups whose `Done` runs on every normal return (directly, in a
    /// callee, or deferred).
    pub wg_done_all_paths: Vec<AccessPath>,
    /// May block (channel op outside a select with default, select without
    /// default, Lock, Wait, Sleep, or a callee that may block).
    pub may_block: bool,
    /// Where it may block first (direct op or call site).
    pub blocking_span: Option<Span>,
    /// Calls `ctx.Done()`/`ctx.Err()` or passes a context to a callee that does
    /// (library calls taking a context count as observing it).
    pub observes_ctx: bool,
    /// Parameter indices (receiver excluded) of contexts it observes.
    pub ctx_params: Vec<u32>,
    pub spawns: Vec<Spawn>,
    /// Parameter indices of functions it runs in a new goroutine (wrappers:
    /// `go f()`, or `go func() { ... f() ... }()` as a hand-written
    /// errgroup's `Go` does).
    pub spawns_params: Vec<u32>,
    /// Parameter indices of functions it calls synchronously.
    pub calls_params: Vec<u32>,
    /// Calls through interfaces or function values (effects unknown).
    pub unknown_calls: u32,
    /// The function cannot return normally (every path panics, exits or loops).
    pub never_returns: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Effect {
    Acquire,
    Release,
    WgDone,
}

#[derive(Clone, PartialEq, Debug, Default)]
struct State {
    may: BTreeMap<(AccessPath, LockKind), Span>,
    must: BTreeSet<(AccessPath, LockKind)>,
    released: BTreeSet<(AccessPath, LockKind)>,
    wg_done: BTreeSet<AccessPath>,
    defer_may: BTreeSet<u32>,
    defer_must: BTreeSet<u32>,
}

fn intersect<T: Ord + Clone>(a: &mut BTreeSet<T>, b: &BTreeSet<T>) -> bool {
    let before = a.len();
    a.retain(|x| b.contains(x));
    a.len() != before
}

impl Lattice for State {
    fn join(&mut self, other: &Self) -> bool {
        let mut changed = false;
        for (k, v) in &other.may {
            match self.may.get(k) {
                Some(existing) if existing <= v => {}
                _ => {
                    self.may.insert(k.clone(), *v);
                    changed = true;
                }
            }
        }
        changed |= intersect(&mut self.must, &other.must);
        changed |= intersect(&mut self.released, &other.released);
        changed |= intersect(&mut self.wg_done, &other.wg_done);
        for d in &other.defer_may {
            changed |= self.defer_may.insert(*d);
        }
        changed |= intersect(&mut self.defer_must, &other.defer_must);
        changed
    }
}

impl State {
    fn acquire(&mut self, path: AccessPath, kind: LockKind, span: Span, must: bool) {
        if must {
            self.must.insert((path.clone(), kind));
        }
        self.may.entry((path, kind)).or_insert(span);
    }
    fn release(&mut self, path: AccessPath, kind: LockKind) {
        let key = (path, kind);
        if self.may.remove(&key).is_some() {
            self.must.remove(&key);
        } else {
            self.released.insert(key);
        }
    }
}

/// Adds an acquisition to a list of at most `cap` unless the path and kind
/// are already listed; a waiting acquisition replaces a listed `TryLock`
/// one. Shared with the rules' constant-flag specialisation.
pub fn add_acquire(acquires: &mut Vec<LockAcquire>, acq: LockAcquire, cap: usize) {
    let full = acquires.len() >= cap;
    match acquires
        .iter_mut()
        .find(|a| a.path == acq.path && a.kind == acq.kind)
    {
        Some(known) if known.try_only && !acq.try_only => *known = acq,
        Some(_) => {}
        None if !full => acquires.push(acq),
        None => {}
    }
}

type Effects = Vec<(Effect, AccessPath, LockKind)>;

/// Effects of a call on the caller's lock/WaitGroup state.
fn call_effects<'a>(
    prog: &Program,
    lookup: &dyn Fn(FuncId) -> Option<&'a Summary>,
    callee: FuncId,
    recv: Option<&AccessPath>,
    args: &[Option<AccessPath>],
) -> Effects {
    let Some(s) = lookup(callee) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (p, k) in &s.net_acquired {
        if let Some(q) = prog.substitute(callee, p, recv, args) {
            out.push((Effect::Acquire, q, *k));
        }
    }
    for (p, k) in &s.net_released {
        if let Some(q) = prog.substitute(callee, p, recv, args) {
            out.push((Effect::Release, q, *k));
        }
    }
    for p in &s.wg_done_all_paths {
        if let Some(q) = prog.substitute(callee, p, recv, args) {
            out.push((Effect::WgDone, q, LockKind::Write));
        }
    }
    out
}

fn apply(state: &mut State, effects: &Effects, span: Span, is_param: &dyn Fn(&AccessPath) -> bool) {
    for (e, p, k) in effects {
        match e {
            Effect::Acquire => state.acquire(p.clone(), *k, span, true),
            Effect::Release => {
                let released = guard_release(state, p, *k, is_param).unwrap_or_else(|| p.clone());
                state.release(released, *k)
            }
            Effect::WgDone => {
                state.wg_done.insert(p.clone());
            }
        }
    }
}

/// The lock a callee's release through a guard value releases.
/// `g := x.cache.Acquire()` locks `x.cache.mu` and returns a wrapper
/// embedding the cache (`&Instance{mc}`); `defer g.Release()` unlocks
/// `g.MarshalCache.mu`, the same mutex under another path. A release on a
/// path rooted at a local of this function (not a parameter) that holds no
/// lock is taken as the release of the one held lock of that kind whose
/// last field has the same name; with none or several such locks held,
/// nothing is guessed.
fn guard_release(
    state: &State,
    path: &AccessPath,
    kind: LockKind,
    is_param: &dyn Fn(&AccessPath) -> bool,
) -> Option<AccessPath> {
    if !matches!(path.base, Base::Local(_))
        || is_param(path)
        || state.may.contains_key(&(path.clone(), kind))
    {
        return None;
    }
    let last = path.fields.last()?;
    let mut held = state
        .may
        .keys()
        .filter(|(q, k)| *k == kind && q.fields.last() == Some(last));
    let only = held.next()?;
    match held.next() {
        Some(_) => None,
        None => Some(only.0.clone()),
    }
}

fn push_capped<T: PartialEq>(v: &mut Vec<T>, item: T) {
    if v.len() < MAX_ITEMS && !v.contains(&item) {
        v.push(item);
    }
}

/// Computes the summary of one function given its callees' summaries.
fn summarize<'a>(
    prog: &Program,
    f: &Function,
    lookup: &dyn Fn(FuncId) -> Option<&'a Summary>,
) -> Summary {
    let mut sum = Summary::default();
    let param_index = |p: &AccessPath| -> Option<u32> {
        match &p.base {
            Base::Local(k) if k.pkg == f.pkg && k.file == f.def.file => f
                .def
                .params
                .iter()
                .position(|q| *q == k.local)
                .map(|i| i as u32),
            _ => None,
        }
    };

    let is_param = |p: &AccessPath| match &p.base {
        Base::Local(k) => {
            k.pkg == f.pkg
                && k.file == f.def.file
                && (f.def.recv == Some(k.local) || f.def.params.contains(&k.local))
        }
        Base::Global(_) => false,
    };

    // Deferred effects table and per-block-op effects of calls.
    let mut deferred: Vec<Effects> = Vec::new();
    let mut defer_index: FxHashMap<(u32, u32), u32> = FxHashMap::default();
    let mut call_fx: FxHashMap<(u32, u32), Effects> = FxHashMap::default();
    for bi in 0..f.cfg.blocks.len() {
        for (oi, (_, op)) in f.block_ops(BlockId(bi as u32)).iter().enumerate() {
            let key = (bi as u32, oi as u32);
            let fx: Effects = match &op.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: lop,
                } => match lop {
                    LockOp::Lock | LockOp::RLock => vec![(Effect::Acquire, p.clone(), lop.kind())],
                    LockOp::Unlock | LockOp::RUnlock => {
                        vec![(Effect::Release, p.clone(), lop.kind())]
                    }
                    _ => Vec::new(),
                },
                OpKind::WaitGroup {
                    path: Some(p),
                    op: WgOp::Done,
                } => vec![(Effect::WgDone, p.clone(), LockKind::Write)],
                OpKind::Call {
                    callee,
                    recv,
                    args,
                    func_arg,
                    ..
                } if op.mode != Mode::Spawned => {
                    let mut fx = match callee {
                        Callee::Func(c) => call_effects(prog, lookup, *c, recv.as_ref(), args),
                        _ => Vec::new(),
                    };
                    // A mutex method value the callee calls before it
                    // returns (`once.Do(a.mu.Unlock)`, with `sync.Once` or
                    // a hand-written one) is that lock operation here.
                    if let Some(crate::ops::FuncArgUse {
                        func: FuncArg::LockMethod(p, lop),
                        index,
                        spawned: false,
                    }) = func_arg.as_deref()
                    {
                        let called = runs_now(prog, callee)
                            || matches!(callee, Callee::Func(c)
                                if lookup(*c).is_some_and(|s| s.calls_params.contains(index)));
                        if called {
                            match lop {
                                LockOp::Lock | LockOp::RLock => {
                                    fx.push((Effect::Acquire, p.clone(), lop.kind()))
                                }
                                LockOp::Unlock | LockOp::RUnlock => {
                                    fx.push((Effect::Release, p.clone(), lop.kind()))
                                }
                                _ => {}
                            }
                        }
                    }
                    fx
                }
                _ => Vec::new(),
            };
            match op.mode {
                Mode::Deferred => {
                    defer_index.insert(key, deferred.len() as u32);
                    deferred.push(fx);
                }
                Mode::Now => {
                    if matches!(op.kind, OpKind::Call { .. }) && !fx.is_empty() {
                        call_fx.insert(key, fx);
                    }
                }
                Mode::Spawned => {}
            }
        }
    }

    // Lock/WaitGroup dataflow, only for functions with such effects.
    let reachable = f.cfg.reachable();
    let needs_flow = !deferred.is_empty()
        || !call_fx.is_empty()
        || f.ops.iter().any(|(_, op)| {
            matches!(
                op.kind,
                OpKind::Lock { path: Some(_), .. }
                    | OpKind::WaitGroup {
                        path: Some(_),
                        op: WgOp::Done
                    }
            )
        });
    let exit_state: Option<State> = if needs_flow {
        // Lock/WaitGroup dataflow.
        let solution = forward(&f.cfg, State::default(), |b: BlockId, input: &State| {
            let mut st = input.clone();
            for (oi, (_, op)) in f.block_ops(b).iter().enumerate() {
                let key = (b.0, oi as u32);
                match op.mode {
                    Mode::Deferred => {
                        if let Some(&d) = defer_index.get(&key) {
                            st.defer_may.insert(d);
                            st.defer_must.insert(d);
                        }
                    }
                    Mode::Spawned => {}
                    Mode::Now => match &op.kind {
                        OpKind::Lock {
                            path: Some(p),
                            op: lop,
                        } => match lop {
                            LockOp::Lock | LockOp::RLock => {
                                st.acquire(p.clone(), lop.kind(), op.span, true)
                            }
                            LockOp::TryLock | LockOp::TryRLock => {
                                st.acquire(p.clone(), lop.kind(), op.span, false)
                            }
                            LockOp::Unlock | LockOp::RUnlock => st.release(p.clone(), lop.kind()),
                        },
                        OpKind::WaitGroup {
                            path: Some(p),
                            op: WgOp::Done,
                        } => {
                            st.wg_done.insert(p.clone());
                        }
                        OpKind::Call { .. } => {
                            if let Some(fx) = call_fx.get(&key) {
                                apply(&mut st, fx, op.span, &is_param);
                            }
                        }
                        _ => {}
                    },
                }
            }
            // Deferred calls run when the function returns: apply them on the
            // edge to the exit so that the join at the exit does not lose
            // which defers go with which locks. Joins before the return may
            // merge paths with and without a defer; the deferred calls
            // registered on some path are applied (optimistic: fewer false
            // "not released" reports).
            if f.cfg.block(b).succs.contains(&f.cfg.exit) {
                let pending: Vec<u32> = st.defer_may.iter().rev().copied().collect();
                // Defers registered on different branches (`case a:
                // mu.Lock(); defer mu.Unlock()` in two cases) are all
                // pending after the join, but one path runs only one of
                // them: a second release of a lock one of them already
                // released is not an unlock of a lock never held.
                let mut released_here: Vec<(AccessPath, LockKind)> = Vec::new();
                for d in pending {
                    if let Some(fx) = deferred.get(d as usize) {
                        let fx: Effects = fx
                            .iter()
                            .filter(|(e, p, k)| {
                                *e != Effect::Release
                                    || !released_here.iter().any(|(q, j)| q == p && j == k)
                            })
                            .cloned()
                            .collect();
                        for (e, p, k) in &fx {
                            if *e == Effect::Release {
                                released_here.push((p.clone(), *k));
                            }
                        }
                        apply(&mut st, &fx, Span::default(), &is_param);
                    }
                }
                st.defer_may.clear();
                st.defer_must.clear();
            }
            st
        });

        solution.block_in.get(f.cfg.exit.index()).cloned().flatten()
    } else if reachable.get(f.cfg.exit.index()).copied().unwrap_or(false) {
        Some(State::default())
    } else {
        None
    };
    match exit_state {
        Some(exit) => {
            // Deferred calls already ran on the edges into the exit.
            let may_state = exit.clone();
            let must_state = exit;
            for ((p, k), span) in &may_state.may {
                if *span != Span::default() {
                    push_capped(&mut sum.unreleased, (p.clone(), *k, *span));
                }
            }
            // A lock whose release is handed out as a closure (a guard
            // `{release: func() { o.mu.Unlock() }}` returned to the caller)
            // is released by code the lock flow cannot follow: the caller
            // does not hold it as far as the model can tell.
            // A closure that takes the lock itself (`go func() {
            // mu.Lock(); defer mu.Unlock() }()`) releases its own hold, not
            // this one.
            let handed_out_release = |p: &AccessPath| {
                f.closures.iter().any(|&c| {
                    prog.function(c).is_some_and(|closure| {
                        let touches = |acquire: bool| {
                            closure.ops.iter().any(|(_, op)| {
                                matches!(&op.kind, OpKind::Lock { path: Some(q), op: lop }
                                    if q == p && lop.acquires() == acquire)
                            })
                        };
                        touches(false) && !touches(true)
                    })
                })
            };
            for (p, k) in &must_state.must {
                if may_state.may.contains_key(&(p.clone(), *k)) && !handed_out_release(p) {
                    push_capped(&mut sum.net_acquired, (p.clone(), *k));
                }
            }
            for (p, k) in &may_state.released {
                push_capped(&mut sum.net_released, (p.clone(), *k));
            }
            for p in &may_state.wg_done {
                push_capped(&mut sum.wg_done_all_paths, p.clone());
            }
        }
        None => sum.never_returns = true,
    }

    // Flow-insensitive facts.
    for bi in 0..f.cfg.blocks.len() {
        if !reachable.get(bi).copied().unwrap_or(false) {
            continue;
        }
        for (_, op) in f.block_ops(BlockId(bi as u32)) {
            if op.may_block() && !sum.may_block {
                sum.may_block = true;
                sum.blocking_span = Some(op.span);
            }
            match &op.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: lop,
                } if lop.acquires() && op.mode == Mode::Now => {
                    let acq = LockAcquire {
                        path: p.clone(),
                        kind: lop.kind(),
                        span: op.span,
                        via: None,
                        try_only: matches!(lop, LockOp::TryLock | LockOp::TryRLock),
                    };
                    add_acquire(&mut sum.acquires, acq, MAX_ITEMS);
                }
                OpKind::Chan {
                    path: Some(p),
                    op: cop,
                    select,
                    ..
                } if op.mode == Mode::Now => push_capped(
                    &mut sum.chans,
                    ChanUse {
                        path: p.clone(),
                        op: *cop,
                        in_select: select.is_some(),
                        span: op.span,
                        via: None,
                    },
                ),
                OpKind::WaitGroup {
                    path: Some(p),
                    op: wop,
                } => push_capped(
                    &mut sum.wg,
                    WgUse {
                        path: p.clone(),
                        op: *wop,
                        span: op.span,
                        via: None,
                    },
                ),
                OpKind::CtxObserve { path } => {
                    sum.observes_ctx = true;
                    if let Some(i) = path.as_ref().and_then(param_index) {
                        if !sum.ctx_params.contains(&i) {
                            sum.ctx_params.push(i);
                        }
                    }
                }
                OpKind::Call {
                    callee,
                    recv,
                    args,
                    func_arg,
                    ctx_args,
                } => {
                    summarize_call(
                        prog,
                        lookup,
                        &mut sum,
                        &param_index,
                        op.mode,
                        op.span,
                        callee,
                        recv.as_ref(),
                        args,
                        func_arg.as_deref(),
                        ctx_args,
                    );
                }
                _ => {}
            }
        }
    }
    spawned_param_calls(prog, f, &param_index, &mut sum);
    sum.ctx_params.sort_unstable();
    sum.spawns_params.sort_unstable();
    sum.calls_params.sort_unstable();
    sum
}

/// `go func() { ... f() ... }()` in `func (g *Group) Go(f func() error)`:
/// a goroutine started once per call (not in a loop, which would be a
/// per-item fan-out) that calls the function's parameter spawns it, as a
/// hand-written errgroup does.
fn spawned_param_calls(
    prog: &Program,
    f: &Function,
    param_index: &dyn Fn(&AccessPath) -> Option<u32>,
    sum: &mut Summary,
) {
    let spawns_closure = f.ops.iter().any(|(_, op)| {
        op.mode == Mode::Spawned
            && matches!(
                op.kind,
                OpKind::Call {
                    callee: Callee::Func(_),
                    ..
                }
            )
    });
    if !spawns_closure || f.def.params.is_empty() {
        return;
    }
    let in_loop = f.cfg.in_loop();
    for bi in 0..f.cfg.blocks.len() {
        if in_loop.get(bi).copied().unwrap_or(true) {
            continue;
        }
        for (_, op) in f.block_ops(BlockId(bi as u32)) {
            let (
                OpKind::Call {
                    callee: Callee::Func(t),
                    ..
                },
                Mode::Spawned,
            ) = (&op.kind, op.mode)
            else {
                continue;
            };
            let Some(closure) = prog.function(*t).filter(|c| c.def.parent.is_some()) else {
                continue;
            };
            let Some((file, info)) = prog.file_of(closure) else {
                continue;
            };
            for (_, call) in &closure.ops {
                let (
                    OpKind::Call {
                        callee: Callee::Dynamic,
                        ..
                    },
                    Mode::Now,
                    Some(e),
                ) = (&call.kind, call.mode, call.expr)
                else {
                    continue;
                };
                let goconc_syntax::ast::ExprKind::Call { fun, .. } = &file.expr(e).kind else {
                    continue;
                };
                let crate::body::Res::Local(l) = info.res(file.unparen(*fun)) else {
                    continue;
                };
                let called = AccessPath {
                    base: Base::Local(crate::ops::LocalKey {
                        pkg: closure.pkg,
                        file: closure.def.file,
                        local: *l,
                    }),
                    fields: Default::default(),
                };
                if let Some(i) = param_index(&called) {
                    if !sum.spawns_params.contains(&i) {
                        sum.spawns_params.push(i);
                    }
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn summarize_call<'a>(
    prog: &Program,
    lookup: &dyn Fn(FuncId) -> Option<&'a Summary>,
    sum: &mut Summary,
    param_index: &dyn Fn(&AccessPath) -> Option<u32>,
    mode: Mode,
    span: Span,
    callee: &Callee,
    recv: Option<&AccessPath>,
    args: &[Option<AccessPath>],
    func_arg: Option<&crate::ops::FuncArgUse>,
    ctx_args: &[u32],
) {
    let func_target = |fa: &crate::ops::FuncArgUse| match fa.func {
        FuncArg::Func(t) => Some(t),
        _ => None,
    };
    let param_of_func_arg = |fa: &crate::ops::FuncArgUse| match &fa.func {
        FuncArg::Param(k) => param_index(&AccessPath {
            base: Base::Local(*k),
            fields: Default::default(),
        }),
        _ => None,
    };
    if mode == Mode::Spawned {
        let target = match callee {
            Callee::Func(t) => Some(*t),
            _ => func_arg.and_then(func_target),
        };
        push_capped(
            &mut sum.spawns,
            Spawn {
                kind: SpawnKind::Go,
                span,
                target,
            },
        );
        // `go fn()`, or `go runSafe(fn)` where runSafe calls (or spawns)
        // its parameter: either way `fn` runs in the new goroutine.
        let runs_in_goroutine = |fa: &crate::ops::FuncArgUse| {
            fa.index == u32::MAX
                || matches!(callee, Callee::Func(c) if lookup(*c).is_some_and(|s| {
                    s.calls_params.contains(&fa.index) || s.spawns_params.contains(&fa.index)
                }))
        };
        if let Some(i) = func_arg
            .filter(|fa| runs_in_goroutine(fa))
            .and_then(param_of_func_arg)
        {
            if !sum.spawns_params.contains(&i) {
                sum.spawns_params.push(i);
            }
        }
        return;
    }
    let callee_sum = match callee {
        Callee::Func(c) => lookup(*c).map(|s| (*c, s)),
        _ => None,
    };
    // Function arguments: spawned by library calls or wrappers, or called.
    if let Some(fa) = func_arg {
        let wrapper_spawns = callee_sum
            .as_ref()
            .is_some_and(|(_, s)| s.spawns_params.contains(&fa.index));
        let wrapper_calls = callee_sum
            .as_ref()
            .is_some_and(|(_, s)| s.calls_params.contains(&fa.index));
        if fa.spawned || wrapper_spawns {
            push_capped(
                &mut sum.spawns,
                Spawn {
                    kind: if fa.spawned {
                        SpawnKind::Library
                    } else {
                        SpawnKind::Wrapper
                    },
                    span,
                    target: func_target(fa),
                },
            );
            if let Some(i) = param_of_func_arg(fa) {
                if !sum.spawns_params.contains(&i) {
                    sum.spawns_params.push(i);
                }
            }
        } else if wrapper_calls {
            if let Some(i) = param_of_func_arg(fa) {
                if !sum.calls_params.contains(&i) {
                    sum.calls_params.push(i);
                }
            }
        }
    }
    // `once.Do(f)` runs `f` before it returns: its effects are this call's.
    if mode == Mode::Now && runs_now(prog, callee) {
        if let Some(FuncArg::Func(t)) = func_arg.map(|fa| &fa.func) {
            summarize_call(
                prog,
                lookup,
                sum,
                param_index,
                mode,
                span,
                &Callee::Func(*t),
                None,
                &[],
                None,
                &[],
            );
        }
        return;
    }
    match callee {
        Callee::Func(c) => {
            let Some((_, cs)) = callee_sum else { return };
            if mode == Mode::Now && cs.may_block && !sum.may_block {
                sum.may_block = true;
                sum.blocking_span = Some(span);
            }
            // Lists stop growing at MAX_ITEMS: translating more paths into
            // this frame would be thrown away (large call trees hit the cap).
            for a in &cs.acquires {
                if sum.acquires.len() >= MAX_ITEMS {
                    break;
                }
                if let Some(p) = prog.substitute(*c, &a.path, recv, args) {
                    add_acquire(
                        &mut sum.acquires,
                        LockAcquire {
                            path: p,
                            kind: a.kind,
                            span,
                            via: Some(*c),
                            try_only: a.try_only,
                        },
                        MAX_ITEMS,
                    );
                }
            }
            for u in &cs.chans {
                if sum.chans.len() >= MAX_ITEMS {
                    break;
                }
                // A field of a callee's own local (`w.quit` for `for _, w
                // := range p.workers { w.stop() }`) has no name in this
                // frame, but its field is still the same field everywhere:
                // keep the callee's path so field-keyed matching sees it.
                if let Some(p) = prog.substitute_field(*c, &u.path, recv, args) {
                    push_capped(
                        &mut sum.chans,
                        ChanUse {
                            path: p,
                            op: u.op,
                            in_select: u.in_select,
                            span,
                            via: Some(*c),
                        },
                    );
                }
            }
            for w in &cs.wg {
                if sum.wg.len() >= MAX_ITEMS {
                    break;
                }
                if let Some(p) = prog.substitute(*c, &w.path, recv, args) {
                    push_capped(
                        &mut sum.wg,
                        WgUse {
                            path: p,
                            op: w.op,
                            span,
                            via: Some(*c),
                        },
                    );
                }
            }
            if cs.observes_ctx {
                sum.observes_ctx = true;
            }
            for &i in &cs.ctx_params {
                if let Some(j) = args
                    .get(i as usize)
                    .cloned()
                    .flatten()
                    .as_ref()
                    .and_then(param_index)
                {
                    if !sum.ctx_params.contains(&j) {
                        sum.ctx_params.push(j);
                    }
                }
            }
            for &i in &cs.calls_params {
                if let Some(fa) = func_arg.filter(|fa| fa.index == i) {
                    if let Some(j) = param_of_func_arg(fa) {
                        if !sum.calls_params.contains(&j) {
                            sum.calls_params.push(j);
                        }
                    }
                }
            }
            sum.unknown_calls = sum.unknown_calls.saturating_add(cs.unknown_calls.min(1));
        }
        Callee::External(_) | Callee::Interface { .. } | Callee::Dynamic => {
            if !matches!(callee, Callee::External(_)) {
                sum.unknown_calls = sum.unknown_calls.saturating_add(1);
            }
            // A library call taking a context observes it.
            for &i in ctx_args {
                sum.observes_ctx = true;
                if let Some(j) = args
                    .get(i as usize)
                    .cloned()
                    .flatten()
                    .as_ref()
                    .and_then(param_index)
                {
                    if !sum.ctx_params.contains(&j) {
                        sum.ctx_params.push(j);
                    }
                }
            }
            // `f()` where f is a parameter: the function calls its argument.
            if matches!(callee, Callee::Dynamic) {
                if let Some(fa) = func_arg.filter(|fa| fa.index == u32::MAX) {
                    if let Some(i) = param_of_func_arg(fa) {
                        if !sum.calls_params.contains(&i) {
                            sum.calls_params.push(i);
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// Tarjan's SCC algorithm (iterative). Returns SCCs in reverse topological
/// order (callees before callers).
pub(crate) fn sccs(n: usize, succ: &[Vec<u32>]) -> Vec<Vec<u32>> {
    let mut index = vec![u32::MAX; n];
    let mut low = vec![0u32; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut out = Vec::new();
    let mut next = 0u32;
    for root in 0..n {
        if index[root] != u32::MAX {
            continue;
        }
        let mut call: Vec<(u32, usize)> = vec![(root as u32, 0)];
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root as u32);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut i)) = call.last_mut() {
            let vs = v as usize;
            if *i < succ[vs].len() {
                let w = succ[vs][*i] as usize;
                *i += 1;
                if index[w] == u32::MAX {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w as u32);
                    on_stack[w] = true;
                    call.push((w as u32, 0));
                } else if on_stack[w] {
                    low[vs] = low[vs].min(index[w]);
                }
            } else {
                call.pop();
                if let Some(&(parent, _)) = call.last() {
                    let p = parent as usize;
                    low[p] = low[p].min(low[vs]);
                }
                if low[vs] == index[vs] {
                    let mut comp = Vec::new();
                    while let Some(w) = stack.pop() {
                        on_stack[w as usize] = false;
                        comp.push(w);
                        if w == v {
                            break;
                        }
                    }
                    comp.sort_unstable();
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// Whether a library call runs its function argument before returning
/// (`sync.Once.Do`).
fn runs_now(prog: &Program, callee: &Callee) -> bool {
    let Callee::External(obj) = callee else {
        return false;
    };
    &*obj.pkg == "sync"
        && prog.env.package_ref(&obj.pkg).is_some_and(|sync| {
            sync.object(obj.idx)
                .is_some_and(|o| &*o.name == "Do" && o.recv_type.as_deref() == Some("Once"))
        })
}

/// Computes all summaries. Returns (summaries, number of SCCs, SCCs whose
/// iteration hit the round cap).
pub(crate) fn compute_summaries(prog: &Program) -> (Vec<Summary>, usize, usize) {
    let n = prog.functions.len();
    let succ: Vec<Vec<u32>> = prog
        .functions
        .iter()
        .map(|f| {
            let mut s: Vec<u32> = f
                .calls
                .iter()
                .filter_map(|c| match c.callee {
                    Callee::Func(t) if (t.0 as usize) < n => Some(t.0),
                    _ => None,
                })
                .collect();
            // `once.Do(func() { ... })` runs the closure now.
            s.extend(f.ops.iter().filter_map(|(_, op)| match &op.kind {
                OpKind::Call {
                    callee,
                    func_arg: Some(fa),
                    ..
                } if op.mode == Mode::Now && runs_now(prog, callee) => match fa.func {
                    FuncArg::Func(t) if (t.0 as usize) < n => Some(t.0),
                    _ => None,
                },
                _ => None,
            }));
            s.sort_unstable();
            s.dedup();
            s
        })
        .collect();
    let comps = sccs(n, &succ);
    let mut comp_of = vec![0u32; n];
    for (ci, c) in comps.iter().enumerate() {
        for &f in c {
            comp_of[f as usize] = ci as u32;
        }
    }
    // Level: 0 for SCCs with no callees outside themselves.
    let mut level = vec![0u32; comps.len()];
    for (ci, c) in comps.iter().enumerate() {
        let mut l = 0;
        for &f in c {
            for &t in &succ[f as usize] {
                let tc = comp_of[t as usize] as usize;
                if tc != ci {
                    l = l.max(level[tc] + 1);
                }
            }
        }
        level[ci] = l;
    }
    let max_level = level.iter().copied().max().unwrap_or(0);
    let mut by_level: Vec<Vec<u32>> = vec![Vec::new(); max_level as usize + 1];
    for (ci, &l) in level.iter().enumerate() {
        by_level[l as usize].push(ci as u32);
    }
    let mut summaries: Vec<Option<Summary>> = vec![None; n];
    let mut capped = 0usize;
    for comps_at_level in &by_level {
        let done = &summaries;
        let results: Vec<(Vec<(u32, Summary)>, bool)> = comps_at_level
            .par_iter()
            .map(|&ci| {
                let members = &comps[ci as usize];
                let recursive =
                    members.len() > 1 || succ[members[0] as usize].contains(&members[0]);
                if !recursive {
                    // One pass over the single member against finished
                    // callees: most components, so no fixpoint bookkeeping.
                    let m = members[0];
                    let lookup = |id: FuncId| done.get(id.0 as usize).and_then(|s| s.as_ref());
                    let s = summarize(prog, &prog.functions[m as usize], &lookup);
                    return (vec![(m, s)], false);
                }
                let mut local: FxHashMap<u32, Summary> = FxHashMap::default();
                let mut converged = false;
                for _ in 0..MAX_ROUNDS {
                    let mut changed = false;
                    for &m in members {
                        let snapshot = &local;
                        let lookup = |id: FuncId| -> Option<&Summary> {
                            if let Some(s) = snapshot.get(&id.0) {
                                return Some(s);
                            }
                            done.get(id.0 as usize).and_then(|s| s.as_ref())
                        };
                        let s = summarize(prog, &prog.functions[m as usize], &lookup);
                        if local.get(&m) != Some(&s) {
                            changed = true;
                            local.insert(m, s);
                        }
                    }
                    if !changed {
                        converged = true;
                        break;
                    }
                }
                let mut out: Vec<(u32, Summary)> = local.into_iter().collect();
                out.sort_by_key(|(m, _)| *m);
                (out, !converged)
            })
            .collect();
        for (items, hit_cap) in results {
            if hit_cap {
                capped += 1;
            }
            for (m, s) in items {
                summaries[m as usize] = Some(s);
            }
        }
    }
    (
        summaries
            .into_iter()
            .map(|s| s.unwrap_or_default())
            .collect(),
        comps.len(),
        capped,
    )
}
