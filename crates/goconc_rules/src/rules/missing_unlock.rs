//! GC203 `missing-unlock`.

use std::collections::{BTreeMap, BTreeSet};

use goconc_semantic::body::Res;
use goconc_semantic::cfg::{BlockId, Node};
use goconc_semantic::ops::{AccessPath, Callee, LockKind, OpKind, PathElem};
use goconc_semantic::program::Function;
use goconc_semantic::Program;
use goconc_syntax::ast::{BranchKind, Span, StmtId, StmtKind};
use goconc_syntax::File;

use crate::lockstate::{
    base_reassigned, describe_lock, mask, node_span, short_name, ExitEvent, ExitKind, LockFact,
    LockFlow, LockState, LockVisitor, Origin, ReleaseEvent,
};
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a path that leaves a mutex locked: a `return`, a `panic`
    /// without a deferred unlock, or a `continue` that skips the `Unlock` at
    /// the end of the loop body, in a function that otherwise releases the
    /// lock. Also reports an `Unlock` of a mutex that is not locked at that
    /// point: unlocked twice on one path, unlocked after a conditional
    /// `Lock`, or a deferred `Unlock` that runs after an explicit one. An
    /// `Unlock` of a lock that a goroutine started earlier took (`go func()
    /// { f.mu.Lock(); close(locked) }()`, a test stalling a fake) releases
    /// it for that goroutine and is not reported.
    ///
    /// A release func a callee hands out and the function defers
    /// (`ch, cleanup, err := q.queueUnderRLock(id); defer cleanup()`, where
    /// the callee's returned closures unlock `q.mtx`) releases that lock
    /// on every return.
    ///
    /// Functions that return holding the lock on every path (lock helpers,
    /// `Acquire` functions returning the release func), `fooLocked` helpers
    /// that release a lock their caller holds, deferred unlocks (also in
    /// closures and helper methods) and the success branch of `TryLock` are
    /// understood. A function named as an acquirer (`acquireForkLock`,
    /// `lockShard`, `LockAll`) returns holding the locks it takes by
    /// contract: its returns are not reported, its unlocks still are. A
    /// helper that returns an object with its lock held (`v :=
    /// m.lockVolume(id)` ending in `v.mu.Lock(); return v`) hands that lock
    /// to the caller's variable, which must then release it on every path.
    /// An acquire function that returns the release func (`return
    /// p.mu.Unlock, nil`) is reported at a return that hands back `nil`
    /// for it while the lock is still held: the caller has nothing to
    /// unlock with.
    ///
    /// A buffered channel used as a semaphore is a lock too: a function that
    /// takes a token (`p.slots <- struct{}{}` on a field or package-level
    /// channel made with a capacity) and gives it back (`<-p.slots`) is
    /// reported at a `return` between the two that skips the receive. Only
    /// `chan struct{}`/`chan bool` channels whose plain receive runs after
    /// the send count; tokens given back in a defer or by a goroutine the
    /// function starts are understood, and a channel drained in a `select`
    /// is a signal, not a semaphore. Likewise a `semaphore.Weighted`: a
    /// return after a successful `Acquire`/`TryAcquire` that skips the
    /// `Release` the function does on its other paths.
    ///
    /// A recovered panic is a path too: a call of a function value (a
    /// handler, a callback) or of an interface method no type of the
    /// package implements (a plugin) between `Lock` and a plain `Unlock`
    /// is reported when the function itself or a caller in the package
    /// recovers panics (a deferred `recover()`), since it carries on with
    /// the mutex locked. The recovering `defer` must be registered before
    /// the call (in the function itself, or before the call of the
    /// function in the caller), and a deferred handler that panics again
    /// recovers nothing. A recovering test function counts only for code
    /// declared in test files.
    ///
    /// ## Why is this bad?
    /// A mutex left locked on an error path wedges the component: the next
    /// caller blocks in `Lock` forever, and so does everything queued behind
    /// it. The bug hides until the rare branch runs (a failed load, a
    /// cancelled context, a recovered panic). Unlocking an unlocked mutex is
    /// a fatal runtime error ("sync: unlock of unlocked mutex") that
    /// `recover` cannot catch.
    ///
    /// ## Example
    /// ```go
    /// func (c *Cache) Get(key string) ([]byte, error) {
    ///     c.mu.Lock()
    ///     v, err := c.load(key)
    ///     if err != nil {
    ///         return nil, err // c.mu is not unlocked on this path
    ///     }
    ///     c.items[key] = v
    ///     c.mu.Unlock()
    ///     return v, nil
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (c *Cache) Get(key string) ([]byte, error) {
    ///     c.mu.Lock()
    ///     defer c.mu.Unlock()
    ///     v, err := c.load(key)
    ///     if err != nil {
    ///         return nil, err
    ///     }
    ///     c.items[key] = v
    ///     return v, nil
    /// }
    /// ```
    ///
    /// ## Known limitations
    /// Locks reached through an index (`timers[i].mu`) are not checked for
    /// double unlocks, since the index is not tracked.
    /// The analysis is path-insensitive apart from `TryLock` results: an
    /// `Unlock` guarded by the same condition as its `Lock` is not reported
    /// unless it runs on every path after the `Lock`, and a return is
    /// reported only when the lock is held on every path reaching it.
    /// "Try to acquire" functions that return holding the lock with a
    /// success result (`return ..., true` / `return ..., nil`) and release it
    /// on the failure returns are treated as conditional lock helpers; a
    /// return right after a test failure report (`t.Errorf`) is not
    /// reported; locks handed to a goroutine, or released by a deferred
    /// function on some of its paths only, are not tracked further.
    pub struct MissingUnlock {
        code: "GC203",
        name: "missing-unlock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Mutex left locked on some path, or unlocked when not held",
    }
}

impl Rule for MissingUnlock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let Some(model) = ctx.model() else {
            return;
        };
        let mut loop_index: BTreeMap<u32, LoopIndex> = BTreeMap::new();
        for func in ctx.functions() {
            let Some(flow) = ctx.lock_flow(func) else {
                continue;
            };
            let file_no = func.def.file;
            let Some(source) = model.pkg.files.get(file_no as usize) else {
                continue;
            };
            let index = loop_index
                .entry(file_no)
                .or_insert_with(|| LoopIndex::build(&source.ast));
            let continues = continue_points(ctx.program, func, flow, index);
            let mut visitor = MissingUnlockVisitor {
                program: ctx.program,
                released_by_defer: released_by_deferred_closure(ctx.program, func),
                func,
                continues,
                postdom: None,
                exits: Vec::new(),
                snapshots: BTreeMap::new(),
                releases: Vec::new(),
                seen: BTreeSet::new(),
                findings: Vec::new(),
            };
            flow.replay(&mut visitor);
            visitor.report_exits();
            visitor.report_continues();
            findings.extend(visitor.findings);
        }
        channel_tokens::check(ctx, findings);
        weighted_semaphores::check(ctx, findings);
        recovered_panics::check(ctx, findings);
        nil_releases::check(ctx, findings);
    }
}

mod nil_releases;
mod recovered_panics;

/// A block that returns, reachable from `starts` (themselves included)
/// without passing a block with an op that `releases`; panics do not
/// count. Shared by the semaphore checks.
fn exit_skipping(
    f: &Function,
    starts: &[BlockId],
    releases: &dyn Fn(&goconc_semantic::ops::Op) -> bool,
) -> Option<BlockId> {
    let mut seen = vec![false; f.cfg.blocks.len()];
    let mut stack: Vec<BlockId> = starts.to_vec();
    while let Some(b) = stack.pop() {
        if b == f.cfg.abort || b == f.cfg.exit || seen.get(b.index()).copied().unwrap_or(true) {
            continue;
        }
        seen[b.index()] = true;
        if f.block_ops(b).iter().any(|(_, op)| releases(op)) {
            continue;
        }
        let block = f.cfg.block(b);
        if block.succs.contains(&f.cfg.exit) {
            return Some(b);
        }
        stack.extend(block.succs.iter().copied());
    }
    None
}

/// `semaphore.Weighted` acquired and released in one function: a return
/// after a successful `Acquire`/`TryAcquire` that skips the `Release`.
mod weighted_semaphores {
    use goconc_semantic::cfg::{BlockId, Node};
    use goconc_semantic::ops::{AccessPath, Mode, Op, OpKind};
    use goconc_semantic::program::Function;
    use goconc_syntax::ast::ExprKind;

    use super::MissingUnlock;
    use crate::rules::waitgroup_misuse::flow::{dominates, same_location};
    use crate::{FileIdx, Finding, RuleContext};

    const WEIGHTED: (&str, &str) = ("golang.org/x/sync/semaphore", "Weighted");

    /// The method a call op invokes on a `*semaphore.Weighted`, with the
    /// semaphore's path.
    fn method<'a>(
        program: &goconc_semantic::Program,
        f: &Function,
        op: &'a Op,
    ) -> Option<(&'static str, &'a AccessPath)> {
        let OpKind::Call {
            recv: Some(recv), ..
        } = &op.kind
        else {
            return None;
        };
        let (file, info) = program.file_of(f)?;
        let ExprKind::Call { fun, .. } = &file.expr(file.unparen(op.expr?)).kind else {
            return None;
        };
        let ExprKind::Selector { x, sel } = &file.expr(file.unparen(*fun)).kind else {
            return None;
        };
        if !info.ty(*x).is_named(WEIGHTED.0, WEIGHTED.1) {
            return None;
        }
        let name = match file.name(*sel) {
            "Acquire" => "Acquire",
            "TryAcquire" => "TryAcquire",
            "Release" => "Release",
            _ => return None,
        };
        Some((name, recv))
    }

    pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        for f in ctx.functions() {
            let Some((file, _)) = program.file_of(f) else {
                continue;
            };
            let mut acquires = Vec::new();
            for bi in 0..f.cfg.blocks.len() {
                let b = BlockId(bi as u32);
                for (i, (_, op)) in f.block_ops(b).iter().enumerate() {
                    if op.mode != Mode::Now {
                        continue;
                    }
                    if let Some(("Acquire" | "TryAcquire", sem)) = method(program, f, op) {
                        acquires.push((b, i, sem, op));
                    }
                }
            }
            for (b, index, sem, acquire) in acquires {
                let is_release = |op: &Op| matches!(method(program, f, op), Some(("Release", p)) if same_location(program, p, sem));
                let mut released_at = None;
                let mut deferred = false;
                for (rb, ri, op) in (0..f.cfg.blocks.len()).flat_map(|x| {
                    let blk = BlockId(x as u32);
                    f.block_ops(blk)
                        .iter()
                        .enumerate()
                        .map(move |(i, (_, op))| (blk, i, op))
                }) {
                    if !is_release(op) {
                        continue;
                    }
                    match op.mode {
                        Mode::Deferred => deferred = true,
                        Mode::Now if dominates(f, (b, index), (rb, ri)) => {
                            released_at.get_or_insert(op.span);
                        }
                        _ => {}
                    }
                }
                let Some(released_at) = released_at else {
                    continue;
                };
                if deferred {
                    continue;
                }
                // The weight is handed on: a closure of `f` releases it
                // (`return func() { s.Release(1) }`), so the caller
                // releases when it is done.
                let released_by = |g: &Function| {
                    g.ops.iter().any(|(_, op)| {
                        matches!(method(program, g, op), Some(("Release", p)) if same_location(program, p, sem))
                    })
                };
                if f.closures
                    .iter()
                    .filter_map(|&c| program.function(c))
                    .any(released_by)
                {
                    continue;
                }
                // Or a callee on the path releases it (on its error paths,
                // or when the request it sends completes).
                let hands_on = |op: &Op| {
                    is_release(op)
                        || matches!(&op.kind, OpKind::Call { callee: goconc_semantic::ops::Callee::Func(c), .. }
                            if *c != f.id && program.function(*c).is_some_and(released_by))
                };
                // Where the function goes once the acquire succeeded: past
                // the `if err != nil` / `if !TryAcquire` right after it.
                let block = f.cfg.block(b);
                let releases_later = f
                    .block_ops(b)
                    .iter()
                    .skip(index + 1)
                    .any(|(_, op)| is_release(op));
                if releases_later {
                    continue;
                }
                let starts: Vec<BlockId> = match (block.nodes.last(), block.succs.as_slice()) {
                    (Some(Node::Cond(c)), [then, els]) => {
                        let text = file.text(file.expr(*c).span);
                        let failed_then =
                            text.contains("!= nil") || text.trim_start().starts_with('!');
                        vec![if failed_then { *els } else { *then }]
                    }
                    _ => block.succs.to_vec(),
                };
                let Some(exit_block) = super::exit_skipping(f, &starts, &hands_on) else {
                    continue;
                };
                let name = program.describe_path(sem);
                let here = FileIdx(f.def.file as usize);
                let at = crate::rules::abandoned_channel::return_span(file, f, exit_block);
                findings.push(
                    Finding::new(
                        MissingUnlock::META.code,
                        here,
                        at,
                        format!(
                            "{name} is not released on this path: the function returns after a successful Acquire without {name}.Release; the weight is lost for good and later Acquire calls block"
                        ),
                    )
                    .related(here, acquire.span, "acquired here")
                    .related(here, released_at, "released here on the other paths")
                    .suggest(format!(
                        "`defer {name}.Release(n)` right after the successful Acquire"
                    )),
                );
            }
        }
    }
}

/// Buffered channels used as semaphores (`sem <- struct{}{}` takes a token,
/// `<-sem` gives it back) in one function: a return between the two keeps
/// the token.
mod channel_tokens {
    use goconc_semantic::cfg::BlockId;
    use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, Mode, OpKind};
    use goconc_semantic::package::ObjNode;
    use goconc_semantic::program::Function;
    use goconc_syntax::ast::{ExprKind, SpecKind};

    use super::MissingUnlock;
    use crate::rules::waitgroup_misuse::flow::same_location;
    use crate::{FileIdx, Finding, RuleContext};

    pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        for f in ctx.functions() {
            for (b, index, send_span, chan) in plain_sends(f) {
                if (chan.fields.is_empty() && !matches!(chan.base, Base::Global(_)))
                    || chan.fields.contains(&goconc_semantic::ops::PathElem::Index)
                {
                    continue;
                }
                // A receive in a select (`select { case <-ch: default: }`)
                // drains a signal channel; a semaphore is given back with a
                // plain receive.
                let drained_in_select = f.all_ops().any(|(_, _, op)| {
                    matches!(&op.kind, OpKind::Chan { path: Some(p), op: ChanOp::Recv, select: Some(_), .. } if same_location(program, p, chan))
                });
                if drained_in_select {
                    continue;
                }
                let releases = |op: &goconc_semantic::ops::Op| match &op.kind {
                    OpKind::Chan {
                        path: Some(p),
                        op: ChanOp::Recv,
                        ..
                    } => same_location(program, p, chan),
                    OpKind::Call {
                        callee: Callee::Func(c),
                        recv,
                        args,
                        ..
                    } => program.summary(*c).is_some_and(|s| {
                        s.chans.iter().any(|u| {
                            u.op == ChanOp::Recv
                                && program
                                    .substitute(*c, &u.path, recv.as_ref(), args)
                                    .is_some_and(|p| same_location(program, &p, chan))
                        })
                    }),
                    _ => false,
                };
                let mut released_at = None;
                let mut deferred = false;
                for (_, _, op) in f.all_ops() {
                    if !releases(op) {
                        continue;
                    }
                    match op.mode {
                        Mode::Deferred => deferred = true,
                        Mode::Now => {
                            released_at.get_or_insert(op.span);
                        }
                        Mode::Spawned => {}
                    }
                }
                // Released elsewhere (a goroutine, a callback) or on every
                // path (deferred): nothing to report here.
                let Some(released_at) = released_at else {
                    continue;
                };
                if deferred || !token_type(program, chan) || !buffered(ctx, chan) {
                    continue;
                }
                // The token is given back after it is taken: a receive
                // before the send (draining an old value) is not a release.
                if !released_after(f, b, index, &|op| op.mode == Mode::Now && releases(op)) {
                    continue;
                }
                let given_back =
                    |op: &goconc_semantic::ops::Op| op.mode == Mode::Now && releases(op);
                // Given back later in the send's own block: no path skips it.
                if f.block_ops(b)
                    .iter()
                    .skip(index + 1)
                    .any(|(_, op)| given_back(op))
                {
                    continue;
                }
                let exit_block = if f.cfg.block(b).succs.contains(&f.cfg.exit) {
                    b
                } else {
                    let Some(exit_block) =
                        super::exit_skipping(f, &f.cfg.block(b).succs, &given_back)
                    else {
                        continue;
                    };
                    exit_block
                };
                let Some((file, _)) = program.file_of(f) else {
                    continue;
                };
                let name = program.describe_path(chan);
                let at = crate::rules::abandoned_channel::return_span(file, f, exit_block);
                let here = FileIdx(f.def.file as usize);
                findings.push(
                    Finding::new(
                        MissingUnlock::META.code,
                        here,
                        at,
                        format!(
                            "{name} token is not given back on this path: the function returns without receiving from {name}; once every token is lost, each send on {name} blocks forever"
                        ),
                    )
                    .related(here, send_span, "the token is taken here")
                    .related(here, released_at, "the token is given back here on the other paths")
                    .suggest(format!(
                        "give the token back on every path: `defer func() {{ <-{name} }}()` right after the send"
                    )),
                );
            }
        }
    }

    /// Semaphore tokens carry nothing: `chan struct{}` or `chan bool`.
    fn token_type(program: &goconc_semantic::Program, chan: &AccessPath) -> bool {
        let t = program.underlying(&program.path_type(chan));
        let Some((_, elem)) = t.as_chan() else {
            return false;
        };
        match program.underlying(elem) {
            goconc_semantic::types::Type::Struct(st) => st.fields.is_empty(),
            goconc_semantic::types::Type::Basic(goconc_semantic::types::Basic::Bool) => true,
            _ => false,
        }
    }

    /// Whether some op that `releases` runs only after op `index` of
    /// `start`: every path to it passes the send (take, then give back).
    fn released_after(
        f: &Function,
        start: BlockId,
        index: usize,
        releases: &dyn Fn(&goconc_semantic::ops::Op) -> bool,
    ) -> bool {
        (0..f.cfg.blocks.len()).any(|b| {
            let block = BlockId(b as u32);
            f.block_ops(block).iter().enumerate().any(|(i, (_, op))| {
                releases(op)
                    && crate::rules::waitgroup_misuse::flow::dominates(
                        f,
                        (start, index),
                        (block, i),
                    )
            })
        })
    }

    /// Plain (not select) sends of `f` on a channel path: block, op index,
    /// span, path.
    fn plain_sends(f: &Function) -> Vec<(BlockId, usize, goconc_syntax::ast::Span, &AccessPath)> {
        let mut out = Vec::new();
        for bi in 0..f.cfg.blocks.len() {
            let b = BlockId(bi as u32);
            for (i, (_, op)) in f.block_ops(b).iter().enumerate() {
                if let OpKind::Chan {
                    path: Some(p),
                    op: ChanOp::Send,
                    select: None,
                    ..
                } = &op.kind
                {
                    if op.mode == Mode::Now {
                        out.push((b, i, op.span, p));
                    }
                }
            }
        }
        out
    }

    /// Every channel stored in this location has room for a token: each
    /// `make` of it has a capacity other than 0 (a package-level variable's
    /// initialiser counts), and there is at least one.
    fn buffered(ctx: &RuleContext<'_>, chan: &AccessPath) -> bool {
        let program = ctx.program;
        let mut found = false;
        for g in ctx.functions() {
            for (_, op) in &g.ops {
                if let OpKind::MakeChan {
                    path: Some(p), cap, ..
                } = &op.kind
                {
                    if same_location(program, p, chan) {
                        if *cap == Some(0) {
                            return false;
                        }
                        found = true;
                    }
                }
            }
        }
        if found {
            return true;
        }
        // `&pool{slots: make(chan struct{}, n)}` returned or passed directly.
        if let (Some((owner, field)), Some(model)) = (program.field_owner(chan), ctx.model()) {
            let mut verdict = None;
            for (fi, info) in model.files.iter().enumerate() {
                let Some(source) = model.pkg.files.get(fi) else {
                    continue;
                };
                let file = &*source.ast;
                for (i, expr) in file.exprs.iter().enumerate() {
                    let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                        continue;
                    };
                    let lit = goconc_syntax::ast::ExprId(i as u32);
                    if info.ty(lit).strip_pointer() != &owner {
                        continue;
                    }
                    for &elt in elts.iter() {
                        let ExprKind::KeyValue { key, value } = &file.expr(elt).kind else {
                            continue;
                        };
                        if file.text(file.expr(*key).span) != &*field {
                            continue;
                        }
                        match make_capacity(file, *value) {
                            Some(true) if verdict.is_none() => verdict = Some(true),
                            Some(true) => {}
                            _ => return false,
                        }
                    }
                }
            }
            return verdict.unwrap_or(false);
        }
        // `var sem = make(chan struct{}, 4)`.
        let Base::Global(r) = &chan.base else {
            return false;
        };
        if !chan.fields.is_empty() {
            return false;
        }
        let Some(pkg) = program.env.package(&r.pkg) else {
            return false;
        };
        let Some(obj) = pkg.object(r.idx) else {
            return false;
        };
        let ObjNode::Spec { spec, index } = obj.node else {
            return false;
        };
        let Some(file) = pkg.file(obj.file) else {
            return false;
        };
        let SpecKind::Value { values, .. } = &file.spec(spec).kind else {
            return false;
        };
        let Some(&value) = values.get(index as usize) else {
            return false;
        };
        make_capacity(file, value).unwrap_or(false)
    }

    /// For `make(chan T, n)`: whether `n` is there and not a literal 0;
    /// `None` when the expression is not a `make`.
    fn make_capacity(
        file: &goconc_syntax::File,
        value: goconc_syntax::ast::ExprId,
    ) -> Option<bool> {
        match &file.expr(file.unparen(value)).kind {
            ExprKind::Call { fun, args, .. } if file.text(file.expr(*fun).span) == "make" => Some(
                args.get(1)
                    .is_some_and(|cap| file.text(file.expr(*cap).span) != "0"),
            ),
            _ => None,
        }
    }
}

/// Loops and `continue` statements of a file, sorted by position.
struct LoopIndex {
    /// (span, body span, post statement) of every `for`/`range`.
    loops: Vec<(Span, Option<StmtId>)>,
    /// Unlabelled `continue` statements.
    continues: Vec<Span>,
}

impl LoopIndex {
    fn build(file: &File) -> LoopIndex {
        let mut loops = Vec::new();
        let mut continues = Vec::new();
        for stmt in &file.stmts {
            match &stmt.kind {
                StmtKind::For { post, .. } => loops.push((stmt.span, *post)),
                StmtKind::Range { .. } => loops.push((stmt.span, None)),
                StmtKind::Branch {
                    kind: BranchKind::Continue,
                    label: None,
                } => continues.push(stmt.span),
                _ => {}
            }
        }
        loops.sort_by_key(|(s, _)| (s.start, std::cmp::Reverse(s.end)));
        continues.sort_by_key(|s| s.start);
        LoopIndex { loops, continues }
    }

    /// The innermost loop containing `at`.
    fn innermost_loop(&self, at: Span) -> Option<Span> {
        let end = self.loops.partition_point(|(s, _)| s.start <= at.start);
        self.loops[..end]
            .iter()
            .rev()
            .find(|(s, _)| s.end >= at.end)
            .map(|(s, _)| *s)
    }
}

/// A `continue` of the function and the node right before it.
struct ContinuePoint {
    span: Span,
    loop_span: Span,
    block: BlockId,
    node: usize,
    /// The node right before the loop (None: the loop starts the function).
    before_loop: Option<(BlockId, usize)>,
}

/// Finds the `continue` statements of `func` (not of its closures) and, for
/// each, the last CFG node before it in source order: the state after that
/// node is the state at the `continue`.
fn continue_points(
    program: &Program,
    func: &Function,
    flow: &LockFlow<'_>,
    index: &LoopIndex,
) -> Vec<ContinuePoint> {
    let body = func.def.span;
    let lo = index.continues.partition_point(|s| s.start < body.start);
    let hi = index.continues.partition_point(|s| s.start < body.end);
    let Some(candidates) = index.continues.get(lo..hi) else {
        return Vec::new();
    };
    if candidates.is_empty() {
        return Vec::new();
    }
    let closures: Vec<Span> = func
        .closures
        .iter()
        .filter_map(|c| program.function(*c).map(|f| f.def.span))
        .collect();
    let posts: BTreeSet<StmtId> = index.loops.iter().filter_map(|(_, p)| *p).collect();
    let file = flow.file();
    // Nodes by end offset.
    let mut nodes: Vec<(u32, u32, BlockId, usize)> = Vec::new();
    for &b in func.cfg.reverse_postorder() {
        for (i, node) in func.cfg.block(b).nodes.iter().enumerate() {
            if let Node::Stmt(s) = node {
                if posts.contains(s) {
                    continue;
                }
            }
            if let Some(span) = node_span(file, node) {
                nodes.push((span.end, span.start, b, i));
            }
        }
    }
    nodes.sort_unstable();
    let mut out = Vec::new();
    for &span in candidates {
        if closures
            .iter()
            .any(|c| c.start <= span.start && span.end <= c.end)
        {
            continue;
        }
        let Some(loop_span) = index.innermost_loop(span) else {
            continue;
        };
        let at = nodes.partition_point(|n| n.0 <= span.start);
        let Some(&(_, start, block, node)) = at.checked_sub(1).and_then(|i| nodes.get(i)) else {
            continue;
        };
        // The node must be inside the loop (not its header before the body).
        if start < loop_span.start {
            continue;
        }
        let before = nodes.partition_point(|n| n.0 <= loop_span.start);
        let before_loop = before
            .checked_sub(1)
            .and_then(|i| nodes.get(i))
            .map(|&(_, _, b, n)| (b, n));
        out.push(ContinuePoint {
            span,
            loop_span,
            block,
            node,
            before_loop,
        });
    }
    out
}

struct ExitRecord {
    kind: ExitKind,
    block: BlockId,
    stmt: Option<StmtId>,
    locks: Vec<(AccessPath, LockFact)>,
}

/// `queue, cleanup, err := q.getQueue(id); defer cleanup()`: a release
/// func a callee hands out (a closure of the callee that unlocks a lock,
/// `cleanup = func() { q.mtx.Unlock() }`, whichever kind it holds by
/// then) and the function defers. The names of the lock fields such
/// closures release.
fn released_by_deferred_closure(program: &Program, func: &Function) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let deferred_dynamic = func.all_ops().any(|(_, _, op)| {
        op.mode == goconc_semantic::ops::Mode::Deferred
            && matches!(
                op.kind,
                OpKind::Call {
                    callee: Callee::Dynamic,
                    ..
                }
            )
    });
    if !deferred_dynamic {
        return out;
    }
    for (_, callee) in program.static_calls(func) {
        // Only callees that return a function value.
        if !callee
            .def
            .sig
            .results
            .iter()
            .any(|t| matches!(program.underlying(t), goconc_semantic::types::Type::Func(_)))
        {
            continue;
        }
        for closure in &callee.closures {
            let Some(summary) = program.summary(*closure) else {
                continue;
            };
            for (path, _) in &summary.net_released {
                if let Some(PathElem::Field(lock)) = path.fields.last() {
                    out.insert(lock.to_string());
                }
            }
        }
    }
    out
}

struct MissingUnlockVisitor<'a> {
    program: &'a Program,
    /// Lock fields a deferred release func handed out by a callee unlocks.
    released_by_defer: BTreeSet<String>,
    func: &'a Function,
    continues: Vec<ContinuePoint>,
    /// Post-dominator sets, computed on first use.
    postdom: Option<Option<PostDom>>,
    exits: Vec<ExitRecord>,
    /// States after the nodes the continue points need.
    snapshots: BTreeMap<(BlockId, usize), LockState>,
    /// Every release the replay saw (path, span of the unlock or call).
    releases: Vec<(AccessPath, Span)>,
    seen: BTreeSet<(Span, AccessPath)>,
    findings: Vec<Finding>,
}

impl MissingUnlockVisitor<'_> {
    fn file(&self) -> FileIdx {
        FileIdx(self.func.def.file as usize)
    }

    fn name(&self, path: &AccessPath) -> String {
        describe_lock(self.program, self.func, path)
    }

    /// A "try to acquire" function: this return keeps `path` and reports
    /// success (`return ..., true` / `return ..., nil`), while the returns
    /// that released it report something else.
    fn conditional_acquire(&self, stmt: Option<StmtId>, path: &AccessPath) -> bool {
        let Some((file, info)) = self.program.file_of(self.func) else {
            return false;
        };
        let last_result = |st: StmtId| -> Option<String> {
            match &file.stmts.get(st.index())?.kind {
                StmtKind::Return { results } => {
                    let e = file.unparen(*results.last()?);
                    Some(file.text(file.expr(e).span).to_string())
                }
                _ => None,
            }
        };
        let is_success = |st: StmtId| -> bool {
            let Some(StmtKind::Return { results }) = file.stmts.get(st.index()).map(|s| &s.kind)
            else {
                return false;
            };
            let Some(&e) = results.last() else {
                return false;
            };
            let e = file.unparen(e);
            matches!(info.res(e), Res::Predeclared)
                && matches!(file.text(file.expr(e).span), "true" | "nil")
        };
        let Some(held_stmt) = stmt else {
            return false;
        };
        if !is_success(held_stmt) {
            return false;
        }
        let Some(success) = last_result(held_stmt) else {
            return false;
        };
        let mut released_returns = self
            .exits
            .iter()
            .filter(|e| {
                !e.locks
                    .iter()
                    .any(|(p, f)| p == path && f.mask & mask::HELD != 0)
            })
            .filter_map(|e| e.stmt)
            .peekable();
        released_returns.peek().is_some()
            && released_returns.all(|st| last_result(st).is_some_and(|r| r != success))
    }

    fn post_dominates(&mut self, later: BlockId, earlier: BlockId) -> bool {
        let func = self.func;
        let postdom = self.postdom.get_or_insert_with(|| PostDom::compute(func));
        postdom
            .as_ref()
            .is_some_and(|pd| pd.post_dominates(later, earlier))
    }

    fn not_unlocked(&mut self, at: Span, path: &AccessPath, fact: &LockFact, why: &str) {
        let handed_release = matches!(path.fields.last(),
            Some(PathElem::Field(lock)) if self.released_by_defer.contains(&**lock));
        if handed_release || !self.seen.insert((at, path.clone())) {
            return;
        }
        let name = self.name(path);
        let file = self.file();
        let kind = if fact.mask & mask::WRITE != 0 {
            "locked"
        } else {
            "read-locked"
        };
        let unlock = if fact.mask & mask::WRITE != 0 {
            "Unlock"
        } else {
            "RUnlock"
        };
        self.findings.push(
            Finding::new(
                "GC203",
                file,
                at,
                format!("{name} is not unlocked on this path{why}"),
            )
            .related(file, fact.site, format!("{name} {kind} here"))
            .suggest(format!(
                "call {name}.{unlock}() before leaving, or `defer {name}.{unlock}()` right after the lock"
            )),
        );
    }

    /// Reports `continue`s that keep a lock taken in this loop iteration
    /// (not held before the loop, on a path naming the same object on every
    /// iteration or a per-iteration variable).
    fn report_continues(&mut self) {
        let mut reports = Vec::new();
        for point in &self.continues {
            let Some(state) = self.snapshots.get(&(point.block, point.node)) else {
                continue;
            };
            let before = point.before_loop.and_then(|k| self.snapshots.get(&k));
            for (path, _, fact) in state.held() {
                let site = fact.site;
                let in_loop =
                    point.loop_span.start <= site.start && site.end <= point.loop_span.end;
                let held_before = before.is_some_and(|b| b.fact(path).may_held());
                // Dropping the lock earlier in the body and taking it back
                // before `continue` ("lock held on entry", released around
                // slow work): the next iteration starts by unlocking it.
                let released_first = self.releases.iter().any(|(released, at)| {
                    released == path && point.loop_span.start <= at.start && at.start < site.start
                });
                if in_loop
                    && !held_before
                    && !released_first
                    && !base_reassigned(self.program, path)
                {
                    reports.push((point.span, path.clone(), *fact));
                }
            }
        }
        for (at, path, fact) in reports {
            self.not_unlocked(
                at,
                &path,
                &fact,
                ": the next iteration runs with it still held",
            );
        }
    }

    /// Whether the panic at `span` is an invariant check that takes the
    /// process down rather than an error a caller may recover from: an
    /// assertion failure (`errors.AssertionFailedf`, ...), a constant message
    /// (`panic("unknown stream id")`), or the `default:` of a switch that
    /// covers every expected case. A `panic(err)` or formatted error outside
    /// such a default (e.g. in a handler net/http recovers) is still
    /// reported.
    fn is_assertion_panic(&self, span: goconc_syntax::ast::Span) -> bool {
        let Some((ast, _)) = self.program.file_of(self.func) else {
            return false;
        };
        let text = ast.text(span);
        if text.to_ascii_lowercase().contains("assertionfailed") {
            return true;
        }
        // A panic in test code ends the test binary (testing re-panics
        // after reporting): nobody carries on with the lock held.
        if self.in_test_file() {
            return true;
        }
        let constant_message = text
            .strip_prefix("panic(")
            .and_then(|rest| rest.strip_suffix(')'))
            .map(str::trim)
            .is_some_and(|arg| {
                let quoted = |q: char| {
                    arg.len() >= 2
                        && arg.starts_with(q)
                        && arg.ends_with(q)
                        && !arg[1..arg.len() - 1]
                            .replace("\\\\", "")
                            .replace("\\\"", "")
                            .contains(q)
                };
                quoted('"') || quoted('`')
            });
        constant_message
            || ast.stmts.iter().any(|stmt| {
                matches!(&stmt.kind, StmtKind::CaseClause { list: None, .. })
                    && stmt.span.start <= span.start
                    && span.end <= stmt.span.end
            })
            || ((text.starts_with("panic(fmt.Sprintf(")
                || text.starts_with("panic(fmt.Errorf(")
                || text.starts_with("panic(errors.New("))
                && !self.panics_may_be_recovered())
    }

    /// Whether the function is in a `_test.go` file.
    fn in_test_file(&self) -> bool {
        crate::lockstate::in_test_file(self.program, self.func)
    }

    /// Whether a panic in this package may be recovered and the program
    /// carry on: some function of the package calls `recover()`, or the
    /// package serves HTTP (net/http recovers handler panics).
    fn panics_may_be_recovered(&self) -> bool {
        let Some(model) = self.program.packages.get(self.func.pkg as usize) else {
            return true;
        };
        let recovers = model.funcs.iter().any(|&id| {
            self.program.function(id).is_some_and(|g| {
                g.ops.iter().any(|(_, op)| {
                    matches!(
                        &op.kind,
                        OpKind::Call {
                            callee: goconc_semantic::ops::Callee::Builtin(
                                goconc_semantic::env::Builtin::Recover
                            ),
                            ..
                        }
                    )
                })
            })
        });
        recovers
            || model.files.iter().any(|info| {
                info.imports
                    .named
                    .iter()
                    .any(|(_, path)| &**path == "net/http")
            })
    }

    /// Reports returns and panics that keep a lock the function releases on
    /// some other normal return.
    fn report_exits(&mut self) {
        let mut released_somewhere: BTreeSet<AccessPath> = BTreeSet::new();
        for exit in &self.exits {
            if matches!(exit.kind, ExitKind::Return(_) | ExitKind::FallOff) {
                for (p, f) in &exit.locks {
                    if f.mask & mask::RELEASED != 0 {
                        released_somewhere.insert(p.clone());
                    }
                }
            }
        }
        // `acquireForkLock`, `lockShard`: returning with the lock held is
        // the function's contract (its partner releases it), on whichever
        // returns it takes the lock. Panics are still reported: the caller's
        // deferred release is not registered yet when the acquirer panics.
        let returns_holding_by_name = says_it_acquires_a_lock(short_name(self.func));
        let mut reports = Vec::new();
        for exit in &self.exits {
            // A test that reports its failure and returns: the lock dies
            // with the failed test.
            if reports_test_failure(self.program, self.func, exit.block) {
                continue;
            }
            let at = match exit.kind {
                ExitKind::Return(_) if returns_holding_by_name => continue,
                ExitKind::Return(span) => span,
                // `panic(errors.AssertionFailedf(...))`: a broken invariant
                // that is meant to take the process down, not an error path
                // that a recover turns into a wedged lock.
                ExitKind::Panic(span) if self.is_assertion_panic(span) => continue,
                ExitKind::Panic(span) => span,
                _ => continue,
            };
            for (p, f) in &exit.locks {
                if f.must_held().is_some()
                    && released_somewhere.contains(p)
                    && !self.conditional_acquire(exit.stmt, p)
                {
                    reports.push((at, p.clone(), *f));
                }
            }
        }
        for (at, p, f) in reports {
            self.not_unlocked(at, &p, &f, "");
        }
    }
}

impl MissingUnlockVisitor<'_> {
    /// Whether a goroutine this function starts before `before` leaves
    /// `path` locked (its summary's net acquisitions).
    fn handed_to_goroutine(&self, path: &AccessPath, before: Span) -> bool {
        self.func.ops.iter().any(|(_, op)| {
            let OpKind::Call {
                callee: goconc_semantic::ops::Callee::Func(target),
                recv,
                args,
                ..
            } = &op.kind
            else {
                return false;
            };
            op.mode == goconc_semantic::ops::Mode::Spawned
                && op.span.end <= before.start
                && self.program.summary(*target).is_some_and(|summary| {
                    summary.net_acquired.iter().any(|(p, _)| {
                        self.program
                            .substitute(*target, p, recv.as_ref(), args)
                            .is_some_and(|p| &p == path)
                    })
                })
        })
    }
}

impl LockVisitor for MissingUnlockVisitor<'_> {
    fn release(&mut self, event: &ReleaseEvent<'_>, state: &LockState) {
        self.releases.push((event.path.clone(), event.span));
        let fact = state.fact(event.path);
        // Striped locks (`s.locks[i]`, `timers[j].mu`): the index is not
        // tracked, so two elements look like one lock unlocked twice.
        let striped = event
            .path
            .fields
            .iter()
            .any(|e| matches!(e, PathElem::Index));
        if fact.tentative() || striped {
            return;
        }
        let held = fact.mask & mask::HELD != 0;
        let released = fact.mask & mask::RELEASED != 0;
        let untouched = fact.mask & mask::UNTOUCHED != 0;
        let report = if !held {
            // Released on every path that touched it; untouched paths may
            // hold it by the caller's contract.
            released && !untouched
        } else if released || untouched {
            // Held on some paths only: report when this unlock runs on every
            // path after the lock (not guarded by a condition of its own),
            // and, for paths that never touched it, when the lock comes first
            // (an Unlock-then-Lock loop hands the lock between goroutines).
            !event.deferred
                && (released || fact.site.start < event.span.start)
                && self.post_dominates(event.block, fact.block)
        } else {
            false
        };
        if !report || !self.seen.insert((event.span, event.path.clone())) {
            return;
        }
        // A test's own local mutex unlocked twice is a deliberate misuse
        // case (`sync`'s fatal-error tests): nobody else can hold it, and
        // running the test shows the fatal error at once.
        if !held
            && event.path.fields.is_empty()
            && matches!(event.path.base, goconc_semantic::ops::Base::Local(_))
            && self.in_test_file()
        {
            return;
        }
        // `go func() { mu.Lock(); ... }()` started before this Unlock: the
        // goroutine took the lock and this goroutine releases it for it (a
        // test holding a fake's lock to stall the code under test).
        if !held && self.handed_to_goroutine(event.path, event.span) {
            return;
        }
        // `defer env.ctx.Lock.Unlock()` binds the mutex when the defer runs:
        // after `env = newEnv()` a second such defer releases another one.
        if event.deferred && crate::lockstate::base_reassigned(self.program, event.path) {
            return;
        }
        let name = self.name(event.path);
        let file = self.file();
        let unlock = match event.kind {
            LockKind::Write => "Unlock",
            LockKind::Read => "RUnlock",
        };
        let mut finding = Finding::new(
            "GC203",
            file,
            event.span,
            if held {
                format!("{unlock} of {name} which is not locked on every path here")
            } else {
                format!("{unlock} of {name} which is not locked: it was already unlocked")
            },
        );
        if held {
            finding = finding.related(
                file,
                fact.site,
                format!("{name} is locked here only on some paths"),
            );
        } else {
            finding = finding.related(file, fact.site, format!("{name} already unlocked here"));
        }
        let extra = if event.deferred {
            " (this deferred unlock runs after the explicit one)"
        } else {
            ""
        };
        if !extra.is_empty() {
            finding.message.push_str(extra);
        }
        if let Origin::Callee { .. } = event.origin {
            finding.message.push_str(" (released by the called helper)");
        }
        finding = finding.suggest(format!(
            "unlock {name} exactly once on each path: drop the extra {unlock}, or lock it on every path that reaches this {unlock}"
        ));
        self.findings.push(finding);
    }

    fn exit(&mut self, event: &ExitEvent, state: &LockState) {
        let locks = state
            .locks
            .iter()
            .filter(|(_, f)| f.mask & (mask::HELD | mask::RELEASED) != 0)
            .map(|(p, f)| (p.clone(), *f))
            .collect();
        self.exits.push(ExitRecord {
            kind: event.kind,
            block: event.block,
            stmt: event.stmt,
            locks,
        });
    }

    fn after_node(&mut self, block: BlockId, node: usize, state: &LockState) {
        let wanted = self
            .continues
            .iter()
            .any(|p| (p.block, p.node) == (block, node) || p.before_loop == Some((block, node)));
        if wanted {
            self.snapshots.insert((block, node), state.clone());
        }
    }
}

/// Whether a function's name says it returns holding a lock, like the
/// `fooLocked` convention says the caller holds one: `lock`/`rlock` followed
/// by an upper-case letter or the end (`lockShard`, `LockAll`, `RLock`), or
/// `acquire`/`take`/`grab` followed by the end or a name mentioning a lock
/// (`acquireForkLock`, `takeMu`, `Acquire`). `locker`, `lockout`, `clock`,
/// `blockUntil` and `takeSnapshot` say nothing about a lock left held.
fn says_it_acquires_a_lock(name: &str) -> bool {
    // `RLock` keeps its upper-case `L` once its first letter is lowered.
    const LOCK_VERBS: [&str; 3] = ["rLock", "rlock", "lock"];
    const ACQUIRE_VERBS: [&str; 3] = ["acquire", "take", "grab"];
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    // Only the first letter is case-insensitive (exported or not); the rest
    // must be spelt in camel case for the word boundary to be seen.
    let name = format!("{}{}", first.to_ascii_lowercase(), chars.as_str());
    let next_word = |verb: &str| -> Option<String> {
        let rest = name.strip_prefix(verb)?;
        match rest.chars().next() {
            None => Some(String::new()),
            Some(c) if c.is_ascii_uppercase() => Some(rest.to_string()),
            Some(_) => None,
        }
    };
    if LOCK_VERBS.iter().any(|verb| next_word(verb).is_some()) {
        return true;
    }
    ACQUIRE_VERBS
        .iter()
        .any(|verb| next_word(verb).is_some_and(|rest| rest.is_empty() || names_a_lock(&rest)))
}

/// Whether a camel-case name has a word naming a lock (`ForkLock`,
/// `ShardLocks`, `StateMu`, `Mutex`, `RLock`).
fn names_a_lock(name: &str) -> bool {
    let mut words: Vec<&str> = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices() {
        if i > start && c.is_ascii_uppercase() {
            words.push(&name[start..i]);
            start = i;
        }
    }
    words.push(&name[start..]);
    words
        .iter()
        .any(|w| matches!(*w, "Lock" | "Locks" | "Mu" | "Mutex" | "Mutexes"))
}

/// Whether block `b` calls into package `testing` (`t.Errorf(...)`).
pub(crate) fn reports_test_failure(program: &Program, func: &Function, b: BlockId) -> bool {
    func.block_ops(b).iter().any(|(_, op)| match &op.kind {
        OpKind::Call {
            callee: Callee::External(obj),
            ..
        } => &*obj.pkg == "testing",
        OpKind::Call {
            callee: Callee::Func(f),
            ..
        } => program
            .function(*f)
            .and_then(|f| program.packages.get(f.pkg as usize))
            .is_some_and(|m| &*m.pkg.path == "testing"),
        OpKind::Call {
            callee: Callee::Interface { recv, .. },
            ..
        } => program.underlying(recv).is_named("testing", "TB") || recv.is_named("testing", "TB"),
        _ => false,
    })
}

/// Post-dominator sets as bitsets (one row per block), relative to a
/// virtual sink after the exit and abort blocks.
struct PostDom {
    words: usize,
    rows: Vec<u64>,
}

impl PostDom {
    /// Above this many blocks the sets are not computed (no report).
    const MAX_BLOCKS: usize = 4096;

    fn compute(func: &Function) -> Option<PostDom> {
        let cfg = &func.cfg;
        let n = cfg.blocks.len();
        if n == 0 || n > Self::MAX_BLOCKS {
            return None;
        }
        let words = n.div_ceil(64);
        let mut rows = vec![u64::MAX; n * words];
        let is_sink = |b: usize| b == cfg.exit.index() || b == cfg.abort.index();
        for b in 0..n {
            if is_sink(b) || cfg.blocks[b].succs.is_empty() {
                let row = &mut rows[b * words..(b + 1) * words];
                row.iter_mut().for_each(|w| *w = 0);
                row[b / 64] |= 1 << (b % 64);
            }
        }
        // Iterate in postorder (reverse of RPO) until stable.
        let order: Vec<usize> = cfg
            .reverse_postorder()
            .iter()
            .rev()
            .map(|b| b.index())
            .collect();
        let mut scratch = vec![0u64; words];
        for _round in 0..64 {
            let mut changed = false;
            for &b in &order {
                if is_sink(b) || cfg.blocks[b].succs.is_empty() {
                    continue;
                }
                scratch.iter_mut().for_each(|w| *w = u64::MAX);
                for s in &cfg.blocks[b].succs {
                    let s = s.index();
                    for (w, x) in scratch.iter_mut().zip(&rows[s * words..(s + 1) * words]) {
                        *w &= *x;
                    }
                }
                scratch[b / 64] |= 1 << (b % 64);
                let row = &mut rows[b * words..(b + 1) * words];
                if row != scratch.as_slice() {
                    row.copy_from_slice(&scratch);
                    changed = true;
                }
            }
            if !changed {
                return Some(PostDom { words, rows });
            }
        }
        None
    }

    /// Whether every path from `earlier` to the end passes through `later`.
    fn post_dominates(&self, later: BlockId, earlier: BlockId) -> bool {
        let (l, e) = (later.index(), earlier.index());
        self.rows
            .get(e * self.words + l / 64)
            .is_some_and(|w| w & (1 << (l % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&MissingUnlock);
    }

    #[test]
    fn formatted_invariant_panics_count_only_where_panics_are_recovered() {
        let body = "type table struct {\n\tmu   sync.Mutex\n\trows map[string]int\n}\n\nfunc (t *table) remove(k string) {\n\tt.mu.Lock()\n\tif _, ok := t.rows[k]; !ok {\n\t\tpanic(fmt.Sprintf(\"removing missing row %q\", k))\n\t}\n\tdelete(t.rows, k)\n\tt.mu.Unlock()\n}\n";
        let alone = format!("package app\n\nimport (\n\t\"fmt\"\n\t\"sync\"\n)\n\n{body}");
        let findings = crate::testing::check_source(&MissingUnlock, &alone);
        assert!(findings.is_empty(), "{findings:?}");
        // A package that recovers panics carries on with the lock held.
        let recovering = format!(
            "{alone}\nfunc safely(f func()) {{\n\tdefer func() {{ _ = recover() }}()\n\tf()\n}}\n"
        );
        let findings = crate::testing::check_source(&MissingUnlock, &recovering);
        assert_eq!(findings.len(), 1, "{findings:?}");
        // A formatted error value is the same assertion.
        let errorf = alone.replace("panic(fmt.Sprintf(", "panic(fmt.Errorf(");
        let findings = crate::testing::check_source(&MissingUnlock, &errorf);
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn acquirer_names() {
        for name in [
            "acquireForkLock",
            "AcquireForkLock",
            "lockShard",
            "LockAll",
            "Lock",
            "rlockTable",
            "RLockAll",
            "acquire",
            "Acquire",
            "takeMu",
            "grabShardLocks",
        ] {
            assert!(says_it_acquires_a_lock(name), "{name}");
        }
        for name in [
            "locker",
            "Locker",
            "lockout",
            "blockUntil",
            "clock",
            "unlockShard",
            "takeSnapshot",
            "acquireConn",
            "grabber",
            "acquired",
            "",
        ] {
            assert!(!says_it_acquires_a_lock(name), "{name}");
        }
    }
}
