//! GC201 `double-lock`.

use std::collections::BTreeSet;

use goconc_semantic::body::Res;
use goconc_semantic::cfg::{BlockId, BlockKind};
use goconc_semantic::ops::{AccessPath, Base, FuncId, LockKind, LockOp, Mode, OpKind, PathElem};
use goconc_semantic::program::Function;
use goconc_semantic::types::Type;
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprKind, Span, StmtKind};
use goconc_syntax::File;

use crate::lockstate::{
    base_reassigned, callee_locks_on_every_path, describe_lock, mask, short_name, AcquireEvent,
    LockState, LockVisitor, Origin,
};
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Reports a mutex that a goroutine locks again while it already holds
    /// it: a second `Lock` on the same path, a call to a function that locks
    /// it (directly or further down the call chain, including `once.Do(f)`
    /// and deferred calls that run before the deferred `Unlock`, also
    /// ones deferred only on some paths, such as inside a loop), a `Lock`
    /// of an `RWMutex` the goroutine has read-locked ("lock upgrade"), and a
    /// recursive `RLock`. A lock counts as held when it is held on every
    /// path to the second acquisition, or when a loop iteration comes back
    /// to the `Lock` still holding it (a `continue` that skips the `Unlock`).
    /// A callee that takes the lock only on some of its paths is reported
    /// too (`if r.lease.epoch != 0 { return ... r.currentEpoch() }`), unless
    /// a function on its chain takes a `bool` parameter: then the lock is
    /// taken by a caller-supplied flag (`if !hasLock { c.mu.Lock() }`) and
    /// callers holding it are expected.
    /// A lock reached back through a child of the locked object counts as
    /// the held one: with `h.mu` held, `s` taken from `h` (`for _, s :=
    /// range h.sessions`, `s := h.sessions[id]`) and `s.hub.mu` the same
    /// field of the same type as `h.mu`, children point back to their
    /// owner, so `s.detach()` locking `s.hub.mu` waits for itself (a child
    /// of the owner's own type, as in a tree, is not reported).
    /// It also reports a registered callback called under the registry's
    /// lock (`for _, h := range s.handlers { h(old, cur) }` with `s.mu`
    /// held, or `s.hook(k)`) when a handler the package registers through
    /// a registering method (`AddHandler(h)` storing `h` in that field)
    /// locks that same lock of the object it is registered on: a closure
    /// capturing the registry (`reg.OnUpdate(func(e) { reg.Lookup(e) })`)
    /// or a helper built holding it (`t := &Tracker{reg: reg};
    /// reg.OnChange(func() { t.refresh() })` with `refresh` calling
    /// `t.reg.Current()`), or a method value whose receiver was built
    /// holding it (`c :=
    /// &T{store: store}; store.AddHandler(c.onPod)`). Interface values
    /// count as handlers too: an implementation built holding the registry
    /// (`s.AddCloser(engineCloser{stopper: s})`, `cc.balancer =
    /// &pickFirst{cc: cc}`) whose called method locks it. A handler that
    /// locks another object of the same type (a child notifying its
    /// parent) is not reported.
    /// An interface call is also resolved to the package's types that
    /// implement the interface: when the implementation locks an object the
    /// call hands it (`db.Save(c)` with `c.mu` held, where `memDB.Save`
    /// calls `c.Snapshot()`), directly or a few calls down from the holder,
    /// that is a second acquisition. So is a lock the implementation takes
    /// on its own receiver when the interface value is a field that always
    /// holds the same object as the locked one (`&Reconciler{cache: c,
    /// lister: c}`); otherwise the receiver is taken to be another object.
    /// Locks the implementation releases before taking them again (a
    /// `...Locked` implementation) are not counted.
    /// It also reports `once.Do(f)` where `f` reaches `Do` on the same Once
    /// again (a lazy getter called from its own initializer), directly or
    /// in a goroutine `f` starts and then waits for (a plain receive or
    /// `wg.Wait` in `f`): the Once holds its mutex while `f` runs.
    ///
    /// ## Why is this bad?
    /// `sync.Mutex` and `sync.RWMutex` are not reentrant: the second `Lock`
    /// waits for the goroutine that is waiting, so it blocks forever, and
    /// every other goroutine that needs the mutex piles up behind it. `Lock`
    /// on a read-locked `RWMutex` waits for all readers, including the
    /// caller. A recursive `RLock` deadlocks as soon as a writer arrives
    /// between the two `RLock`s: the writer waits for the first reader, the
    /// second `RLock` waits behind the writer. The usual cause is a public,
    /// self-locking method called from inside the critical section.
    ///
    /// ## Example
    /// ```go
    /// func (s *Stopper) IsStopped() bool {
    ///     s.mu.Lock()
    ///     defer s.mu.Unlock()
    ///     return s.stopped
    /// }
    ///
    /// func (s *Stopper) Stop() {
    ///     s.mu.Lock()
    ///     defer s.mu.Unlock()
    ///     if s.IsStopped() { // s.mu is already locked: blocks forever
    ///         return
    ///     }
    ///     s.stopped = true
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// // isStoppedLocked must be called with s.mu held.
    /// func (s *Stopper) isStoppedLocked() bool { return s.stopped }
    ///
    /// func (s *Stopper) Stop() {
    ///     s.mu.Lock()
    ///     defer s.mu.Unlock()
    ///     if s.isStoppedLocked() {
    ///         return
    ///     }
    ///     s.stopped = true
    /// }
    /// ```
    ///
    /// ## Known limitations
    /// Locks are matched by access path (`s.mu`), so two different objects
    /// reached through the same path in a loop are treated as the same lock
    /// only when the loop comes back to the same `Lock`. Calls through
    /// interfaces and function values are not followed, except a callback
    /// field that its package assigns exactly one closure capturing the
    /// field's owner (`c.onChange = func(k string) { ... c.Get(k) ... }`):
    /// a call through that field runs the closure on the owner; and a
    /// function literal handed to a standard-library function that calls
    /// it before returning (`sort.Slice`, `slices.SortFunc`,
    /// `strings.FieldsFunc`, `filepath.WalkDir`...), which runs under the
    /// caller's locks. A lock held on only
    /// some paths to the second `Lock` is not reported. Element locks of
    /// striped tables (`s.locks[i]`) are not compared (the index is not
    /// tracked). A recursive `RLock` is reported only when the package also
    /// write-locks that mutex and the first read lock was taken directly
    /// (not held over from a "begin read transaction" helper); a mutex local
    /// to one goroutine, or handed between goroutines (one unlocks what the
    /// other locked), is not reported.
    pub struct DoubleLock {
        code: "GC201",
        name: "double-lock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Mutex locked again while already held",
    }
}

impl Rule for DoubleLock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let package_funcs: Vec<&Function> = ctx.functions().collect();
        for func in ctx.functions() {
            let Some(flow) = ctx.lock_flow(func) else {
                continue;
            };
            let mut visitor = DoubleLockVisitor {
                program: ctx.program,
                package: ctx.package,
                package_funcs: &package_funcs,
                func,
                seen: BTreeSet::new(),
                findings: Vec::new(),
            };
            flow.replay(&mut visitor);
            findings.extend(visitor.findings);
        }
        for func in ctx.functions() {
            once_recursion(ctx.program, func, findings);
        }
        callbacks::check(ctx, findings);
        interfaces::check(ctx, findings);
    }
}

mod callbacks;
pub(crate) use callbacks::{callback_field, stored_assignments};
pub(crate) use interfaces::method_name;
mod interfaces;

/// Where a local's value comes from: the range expression it is the value
/// of (`for _, s := range h.sessions`), or its initialiser.
pub(crate) fn local_source(
    file: &File,
    local: &goconc_semantic::body::Local,
) -> Option<goconc_syntax::ast::ExprId> {
    // Only a variable declared without an initialiser can be a range value;
    // the others need no scan of the file.
    if local.init.is_some() || !matches!(local.kind, goconc_semantic::body::LocalKind::Var) {
        return local.init;
    }
    file.stmts.iter().find_map(|stmt| match &stmt.kind {
        StmtKind::Range {
            value: Some(v), x, ..
        } if file.expr(*v).span == local.span => Some(*x),
        _ => None,
    })
}

/// A call site: file index, span, and whether it starts a goroutine.
type CallAt = (u32, Span, bool);

/// How many calls deep [`once_recursion`] follows the function a `Do` runs.
const ONCE_DEPTH: u32 = 4;

/// `once.Do(f)` holds the Once's mutex while `f` runs: an `f` that reaches
/// `Do` on the same Once again (typically a lazy getter called from its own
/// initializer) waits for itself forever.
fn once_recursion(program: &Program, func: &Function, findings: &mut Vec<Finding>) {
    for (b, _, op) in func.all_ops() {
        let OpKind::OnceDo { path: Some(once) } = &op.kind else {
            continue;
        };
        if op.mode != Mode::Now {
            continue;
        }
        let Some(start) = super::waitgroup_misuse::flow::func_arg_at(func, b, op.span) else {
            continue;
        };
        let mut visited: BTreeSet<FuncId> = BTreeSet::new();
        // Each entry carries the call, in the function `Do` runs, that leads there.
        let mut stack: Vec<(FuncId, u32, Option<CallAt>)> = vec![(start, 0, None)];
        let mut inner: Option<(&Function, Span, Option<CallAt>)> = None;
        'walk: while let Some((id, depth, via)) = stack.pop() {
            if !visited.insert(id) {
                continue;
            }
            let Some(g) = program.function(id) else {
                continue;
            };
            // A function that waits (a plain receive, `wg.Wait`) may be
            // waiting for the goroutines it starts: follow those too.
            let waits = g.all_ops().any(|(_, _, w)| {
                w.mode == Mode::Now
                    && matches!(
                        &w.kind,
                        OpKind::Chan {
                            op: goconc_semantic::ops::ChanOp::Recv
                                | goconc_semantic::ops::ChanOp::Range,
                            select: None,
                            ..
                        } | OpKind::WaitGroup {
                            op: goconc_semantic::ops::WgOp::Wait,
                            ..
                        }
                    )
            });
            for (gb, _, gop) in g.all_ops() {
                match &gop.kind {
                    OpKind::OnceDo { path: Some(other) }
                        if gop.mode == Mode::Now
                            && super::waitgroup_misuse::flow::same_location(
                                program, other, once,
                            ) =>
                    {
                        inner = Some((g, gop.span, via));
                        break 'walk;
                    }
                    OpKind::Call {
                        callee: goconc_semantic::ops::Callee::Func(c),
                        ..
                    } if (gop.mode == Mode::Now || (gop.mode == Mode::Spawned && waits))
                        && depth < ONCE_DEPTH =>
                    {
                        stack.push((
                            *c,
                            depth + 1,
                            via.or(Some((g.def.file, gop.span, gop.mode == Mode::Spawned))),
                        ))
                    }
                    OpKind::OnceDo { .. } if depth < ONCE_DEPTH => {
                        // The function another Do runs, synchronously too.
                        if let Some(t) = super::waitgroup_misuse::flow::func_arg_at(g, gb, gop.span)
                        {
                            stack.push((t, depth + 1, via.or(Some((g.def.file, gop.span, false)))));
                        }
                    }
                    _ => {}
                }
            }
        }
        let Some((g, inner_span, via)) = inner else {
            continue;
        };
        let name = program.describe_path(once);
        let mut finding = Finding::new(
            DoubleLock::META.code,
            FileIdx(func.def.file as usize),
            op.span,
            format!(
                "{name}.Do never returns: the function it runs reaches {name}.Do again while the first call still holds the Once"
            ),
        );
        if let Some((file, span, spawned)) = via {
            finding = finding.related(
                FileIdx(file as usize),
                span,
                if spawned {
                    "the function run by Do starts this goroutine and waits for it"
                } else {
                    "the function run by Do makes this call"
                },
            );
        }
        findings.push(
            finding
            .related(
                FileIdx(g.def.file as usize),
                inner_span,
                format!("{name}.Do is called again here and waits for the first call"),
            )
            .suggest(format!(
                "do not call code that goes through {name}.Do from the function it runs: read the fields directly there, or split the lazy getter from the initialisation"
            )),
        );
    }
}

/// Whether block `b` runs on every iteration of its loop: it is reached
/// from a loop head through blocks with a single predecessor and successor
/// (not guarded by a condition inside the body).
fn starts_loop_body(func: &Function, mut b: BlockId) -> bool {
    let cfg = &func.cfg;
    for _ in 0..cfg.blocks.len() {
        let block = cfg.block(b);
        let is_head = |p: BlockId| cfg.block(p).kind == BlockKind::LoopHead;
        if block.preds.iter().any(|&p| is_head(p)) {
            return true;
        }
        // A `for` condition block right after the head.
        if block.preds.len() == 1 {
            let p = block.preds[0];
            let pb = cfg.block(p);
            if pb.preds.iter().any(|&q| is_head(q)) && pb.nodes.len() <= 1 {
                return true;
            }
            if pb.succs.len() == 1 {
                b = p;
                continue;
            }
        }
        return false;
    }
    false
}

/// Whether `local`'s declaration lies inside a loop that also contains
/// `site`: a range or loop variable, or a variable declared in the body, is
/// a new variable on every iteration (Go 1.22), so `for _, mb := range blks
/// { mb.mu.Lock() }` locks a different mutex each time round.
fn declared_in_loop_around(file: &File, declaration: Span, site: Span) -> bool {
    let inside = |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end;
    file.stmts.iter().any(|stmt| {
        matches!(stmt.kind, StmtKind::For { .. } | StmtKind::Range { .. })
            && inside(stmt.span, site)
            && inside(stmt.span, declaration)
    })
}

struct DoubleLockVisitor<'a> {
    program: &'a Program,
    package: u32,
    /// The functions of the checked package (writers and hand-offs are
    /// looked up there).
    package_funcs: &'a [&'a Function],
    func: &'a Function,
    seen: BTreeSet<(Span, AccessPath)>,
    findings: Vec<Finding>,
}

impl DoubleLockVisitor<'_> {
    /// Whether the base of `path` is a local declared inside a loop around
    /// `site` (see [`declared_in_loop_around`]).
    fn fresh_each_iteration(&self, path: &AccessPath, site: Span) -> bool {
        let Base::Local(k) = &path.base else {
            return false;
        };
        let Some(local) = self.program.local(k) else {
            return false;
        };
        let Some((file, _)) = self.program.file_of(self.func) else {
            return false;
        };
        declared_in_loop_around(file, local.span, site)
    }

    /// The local variable at the base of a field-less path.
    fn plain_local(&self, path: &AccessPath) -> Option<&goconc_semantic::body::Local> {
        let Base::Local(k) = &path.base else {
            return None;
        };
        if !path.fields.is_empty() {
            return None;
        }
        self.program.local(k)
    }

    /// Whether another goroutine can write-lock `path` between two read
    /// locks: some function of the package write-locks the same mutex (the
    /// same field of the same type, the same global, or the same captured
    /// local). A local no closure captures belongs to one goroutine.
    fn writer_exists(&self, path: &AccessPath) -> bool {
        if let Base::Local(k) = &path.base {
            let local = self.program.local(k);
            // A mutex stored in a local (not behind a pointer) that no
            // closure captures is this goroutine's own.
            if local.is_some_and(|l| {
                !l.captured && !matches!(self.program.underlying(&l.ty), Type::Pointer(_))
            }) {
                return false;
            }
        }
        let owner = self.program.field_owner(path);
        self.package_funcs.iter().any(|f| {
            f.ops.iter().any(|(_, op)| match &op.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: LockOp::Lock | LockOp::TryLock,
                } => {
                    p == path
                        || owner
                            .as_ref()
                            .is_some_and(|o| self.program.field_owner(p).as_ref() == Some(o))
                }
                _ => false,
            })
        })
    }

    /// A captured local mutex that another function of the package unlocks
    /// before locking it: the lock is handed between goroutines.
    fn handed_between_goroutines(&self, path: &AccessPath) -> bool {
        if !self.plain_local(path).is_some_and(|l| l.captured) {
            return false;
        }
        self.package_funcs.iter().any(|f| {
            f.id != self.func.id
                && f.ops
                    .iter()
                    .filter_map(|(_, op)| match &op.kind {
                        // A goroutine's `defer keyWait.Unlock()` releases
                        // the lock it was handed when it is done.
                        OpKind::Lock {
                            path: Some(p),
                            op: lop,
                        } if p == path && matches!(op.mode, Mode::Now | Mode::Deferred) => {
                            Some((op.span.start, *lop))
                        }
                        _ => None,
                    })
                    .min_by_key(|(start, _)| *start)
                    .is_some_and(|(_, lop)| matches!(lop, LockOp::Unlock | LockOp::RUnlock))
        })
    }

    /// Whether the lock taken at `first` has its `Unlock` method value
    /// handed out before the lock at `second` (`srv.NotifyStarted =
    /// waitLock.Unlock`): someone else releases it, and the second Lock
    /// waits for that.
    fn unlock_handed_out(&self, first: Span, second: Span) -> bool {
        let Some((file, _)) = self.program.file_of(self.func) else {
            return false;
        };
        let lock_text = file.text(first);
        let Some(receiver) = lock_text
            .strip_suffix(".Lock()")
            .or_else(|| lock_text.strip_suffix(".RLock()"))
        else {
            return false;
        };
        if first.end > second.start {
            return false;
        }
        let called: Vec<goconc_syntax::ast::ExprId> = file
            .exprs
            .iter()
            .filter(|e| first.end <= e.span.start && e.span.end <= second.start)
            .filter_map(|e| match &e.kind {
                ExprKind::Call { fun, .. } => Some(file.unparen(*fun)),
                _ => None,
            })
            .collect();
        file.exprs.iter().enumerate().any(|(i, e)| {
            first.end <= e.span.start
                && e.span.end <= second.start
                && matches!(&e.kind, ExprKind::Selector { x, sel }
                    if matches!(file.name(*sel), "Unlock" | "RUnlock")
                        && file.text(file.expr(*x).span) == receiver)
                && !called.contains(&goconc_syntax::ast::ExprId(i as u32))
        })
    }

    fn file(&self) -> FileIdx {
        FileIdx(self.func.def.file as usize)
    }

    /// Whether the call at `site` passes arguments to a variadic tail of
    /// functional options (`opt ...Option`, `type Option func(*options)`).
    fn passes_options(&self, callee: FuncId, site: Span) -> bool {
        let Some(callee) = self.program.function(callee) else {
            return false;
        };
        let sig = &callee.def.sig;
        let options_tail = sig.variadic
            && sig.params.last().is_some_and(|t| match t {
                Type::Slice(elem) => matches!(self.program.underlying(elem), Type::Func(_)),
                _ => false,
            });
        options_tail && self.func.ops.iter().any(|(_, op)| {
            op.span == site
                && matches!(&op.kind, OpKind::Call { args, .. } if args.len() >= sig.params.len())
        })
    }

    /// Whether the local at the base of `path` is assigned between the
    /// lock at `first` and the one at `second` (in source order).
    fn base_assigned_between(&self, path: &AccessPath, first: Span, second: Span) -> bool {
        let Base::Local(k) = &path.base else {
            return false;
        };
        if !self.program.local(k).is_some_and(|l| l.reassigned) || first.end > second.start {
            return false;
        }
        let Some((file, info)) = self.program.file_of(self.func) else {
            return false;
        };
        file.stmts.iter().any(|st| {
            first.end <= st.span.start
                && st.span.end <= second.start
                && matches!(&st.kind, StmtKind::Assign { lhs, .. } if lhs.iter().any(|&l| {
                    matches!(info.res(file.unparen(l)), Res::Local(id) if *id == k.local)
                }))
        })
    }

    /// The call chain from a callee down to the lock op: (function, span in
    /// that function) pairs, following each summary's `via`.
    fn chain(&self, callee: FuncId, inner: Span, kind: LockKind) -> Vec<(FuncId, Span)> {
        let mut out = vec![(callee, inner)];
        let mut current = callee;
        let mut span = inner;
        for _ in 0..8 {
            let Some(summary) = self.program.summary(current) else {
                break;
            };
            let Some(acq) = summary
                .acquires
                .iter()
                .find(|a| a.span == span && a.kind == kind)
            else {
                break;
            };
            let Some(next) = acq.via else {
                break;
            };
            let Some(next_acq) = self
                .program
                .summary(next)
                .and_then(|s| s.acquires.iter().find(|a| a.kind == kind))
            else {
                break;
            };
            out.push((next, next_acq.span));
            current = next;
            span = next_acq.span;
        }
        out
    }

    /// Adds the call chain down to a callee's acquisition as related
    /// locations (within this package).
    fn with_chain(&self, mut finding: Finding, event: &AcquireEvent<'_>, name: &str) -> Finding {
        if let Origin::Callee { callee, inner } = event.origin {
            for (f, span) in self.chain(callee, inner, event.kind) {
                let Some(function) = self.program.function(f) else {
                    break;
                };
                if function.pkg != self.package {
                    break;
                }
                finding = finding.related(
                    FileIdx(function.def.file as usize),
                    span,
                    format!("{} acquires {name} here", short_name(function)),
                );
            }
        }
        finding
    }

    fn is_closure(&self, f: FuncId) -> bool {
        self.program
            .function(f)
            .is_some_and(|f| f.def.parent.is_some())
    }

    fn name_of(&self, f: FuncId) -> String {
        self.program
            .function(f)
            .map(|f| short_name(f).to_string())
            .unwrap_or_else(|| "callee".into())
    }
}

impl DoubleLockVisitor<'_> {
    /// A lock reached back through a child of the object whose lock is
    /// held: `s.mu` is held, `c` is taken from `s` (`for _, c := range
    /// s.conns`, `c := s.conns[id]`) and `c.srv.mu` is the same field of
    /// the same type as `s.mu`. Children point back to the object that
    /// holds them, so `c.srv` is `s` and the Lock waits for itself.
    fn back_pointer(&mut self, event: &AcquireEvent<'_>, state: &LockState) {
        if event.kind != LockKind::Write || event.path.fields.len() < 2 {
            return;
        }
        let Base::Local(child) = &event.path.base else {
            return;
        };
        let program = self.program;
        let Some(owner) = program.field_owner(event.path) else {
            return;
        };
        // The child itself must be of another type: a tree node locking
        // its children (same type) takes different mutexes by design.
        let child_type = program.path_type(&AccessPath {
            base: event.path.base.clone(),
            fields: Default::default(),
        });
        if child_type.strip_pointer() == &owner.0 || child_type.is_unknown() {
            return;
        }
        let Some((file, info)) = program.file_of(self.func) else {
            return;
        };
        let Some(local) = program.local(child) else {
            return;
        };
        if local.reassigned || child.file != self.func.def.file {
            return;
        }
        let source = local_source(file, local);
        let Some(source) = source else {
            return;
        };
        // The root local of a selector/index chain (`s.conns`, `s.conns[id]`).
        let mut root = file.unparen(source);
        while let ExprKind::Selector { x, .. } | ExprKind::Index { x, .. } = &file.expr(root).kind {
            root = file.unparen(*x);
        }
        if root == file.unparen(source) {
            return;
        }
        let Res::Local(root_local) = info.res(root) else {
            return;
        };
        let held = state.held().find(|(path, kind, fact)| {
            *kind == LockKind::Write
                && fact.must_held() == Some(LockKind::Write)
                && !fact.tentative()
                && path.fields.len() == 1
                && matches!(&path.base, Base::Local(k) if k.local == *root_local && k.file == child.file && k.pkg == child.pkg)
                && program.field_owner(path).as_ref() == Some(&owner)
        });
        let Some((held_path, _, held_fact)) = held else {
            return;
        };
        if !self.seen.insert((event.span, event.path.clone())) {
            return;
        }
        let name = describe_lock(program, self.func, event.path);
        let held_name = describe_lock(program, self.func, held_path);
        let via = match event.origin {
            Origin::Callee { callee, .. } => format!("; {} acquires it", self.name_of(callee)),
            Origin::Direct => String::new(),
        };
        let file_idx = self.file();
        let mut finding = Finding::new(
            "GC201",
            file_idx,
            event.span,
            format!(
                "{name} is most likely {held_name}, which is already locked: {} is taken from {} and points back to it{via}",
                local.name(file),
                file.text(file.expr(source).span),
            ),
        )
        .related(file_idx, held_fact.site, format!("{held_name} locked here"));
        finding = self.with_chain(finding, event, &name);
        self.findings.push(finding.suggest(format!(
            "release {held_name} before calling into the children (copy them out under the lock), or give the child a variant that expects its owner's lock held"
        )));
    }
}

impl LockVisitor for DoubleLockVisitor<'_> {
    fn acquire(&mut self, event: &AcquireEvent<'_>, state: &LockState) {
        // Striped locks (`s.locks[i]`): the index is not tracked.
        if event.try_lock
            || event
                .path
                .fields
                .iter()
                .any(|e| matches!(e, PathElem::Index))
        {
            return;
        }
        let fact = state.fact(event.path);
        if fact.tentative() {
            return;
        }
        // Held on every path, or still held when a loop comes back to this
        // very Lock (the previous iteration skipped its Unlock).
        let around_loop = matches!(event.origin, Origin::Direct)
            && fact.may_held()
            && !base_reassigned(self.program, event.path)
            && starts_loop_body(self.func, event.block)
            && fact.site == event.span
            && fact.block == event.block
            && !self.fresh_each_iteration(event.path, event.span);
        let held = match fact.must_held() {
            Some(kind) => kind,
            None if around_loop => {
                if fact.mask & mask::WRITE != 0 {
                    LockKind::Write
                } else {
                    LockKind::Read
                }
            }
            None => {
                self.back_pointer(event, state);
                return;
            }
        };
        // A callee that takes the lock only on some of its paths (`if
        // !hasLock { mu.Lock() }`) is called with the lock held by design.
        // (Checked after the cheap held test: the walk is the costly part.)
        // That design shows in a flag the callee takes (`hasLock bool`);
        // a branch on other state (`if r.lease.epoch != 0 { ...
        // r.currentEpoch() }`) just makes the second acquisition conditional.
        // Functional options carry the same flag (`UnwrapKey(ctx, w,
        // withAlreadyLocked(true))`), when the call passes any.
        if let Origin::Callee { callee, inner } = event.origin {
            if !callee_locks_on_every_path(self.program, callee, inner, event.kind)
                && (chain_takes_flag(self.program, callee, inner, 0)
                    || self.passes_options(callee, event.span))
            {
                return;
            }
        }
        // `env = newEnvironment(t)` between the two locks: the second one
        // locks the new value's mutex.
        if fact.site != event.span && self.base_assigned_between(event.path, fact.site, event.span)
        {
            return;
        }
        // Recursive read locks deadlock only when a writer queues in
        // between; a read hold taken through a "begin read transaction"
        // helper (returned still held) is long-lived by design.
        if held == LockKind::Read
            && event.kind == LockKind::Read
            && (fact.via.is_some() || !self.writer_exists(event.path))
        {
            return;
        }
        if self.handed_between_goroutines(event.path)
            || (matches!(event.origin, Origin::Direct)
                && fact.site != event.span
                && self.unlock_handed_out(fact.site, event.span))
        {
            return;
        }
        if !self.seen.insert((event.span, event.path.clone())) {
            return;
        }
        let name = describe_lock(self.program, self.func, event.path);
        let message = match (held, event.kind) {
            (LockKind::Write, _) => format!("{name} is already locked"),
            (LockKind::Read, LockKind::Write) => {
                format!("Lock of {name} while it is read-locked")
            }
            (LockKind::Read, LockKind::Read) => {
                format!("recursive RLock of {name}: a writer arriving in between blocks both")
            }
        };
        let message = match event.origin {
            Origin::Direct if event.deferred => format!("{message} when this deferred call runs"),
            Origin::Direct => message,
            Origin::Callee { callee, .. } if self.is_closure(callee) => format!(
                "{message}{}: the function literal it runs acquires it",
                if event.deferred {
                    " when this deferred call runs"
                } else {
                    ""
                },
            ),
            Origin::Callee { callee, .. } => format!(
                "{message}{}: {} acquires it",
                if event.deferred {
                    " when this deferred call runs"
                } else {
                    ""
                },
                self.name_of(callee)
            ),
        };
        let file = self.file();
        let held_msg = if around_loop && fact.must_held().is_none() {
            format!("{name} locked here is still held when the loop comes back (a path skips the Unlock)")
        } else {
            match held {
                LockKind::Write => format!("{name} locked here"),
                LockKind::Read => format!("{name} read-locked here"),
            }
        };
        let mut finding = Finding::new("GC201", file, event.span, message);
        if fact.site != event.span {
            finding = finding.related(file, fact.site, held_msg);
        } else {
            finding = finding.related(file, event.span, held_msg);
        }
        finding = self.with_chain(finding, event, &name);
        let suggestion = match (held, event.kind, event.origin) {
            (LockKind::Read, LockKind::Write, _) => format!(
                "release the read lock before taking {name} for writing, then re-check the state under the write lock"
            ),
            (_, _, Origin::Callee { callee, .. }) if self.is_closure(callee) => format!(
                "release {name} before calling the function literal (copy what it needs under the lock), or let it expect {name} held instead of locking it"
            ),
            (_, _, Origin::Callee { callee, .. }) if event.deferred => format!(
                "defer {}() before `defer Unlock` so it runs after {name} is released, or call a variant that expects the lock held",
                self.name_of(callee)
            ),
            (_, _, Origin::Callee { callee, .. }) => format!(
                "call a `{}Locked` variant that expects the caller to hold {name}, or release {name} before the call",
                self.name_of(callee)
            ),
            _ => format!("release {name} before locking it again, or restructure so it is locked once"),
        };
        finding = finding.suggest(suggestion);
        self.findings.push(finding);
    }
}

/// Whether a function on the chain through which `func` acquires the lock
/// at `site` takes a `bool` parameter (a "caller already holds it" flag).
fn chain_takes_flag(program: &Program, func: FuncId, site: Span, depth: u32) -> bool {
    let Some(function) = program.function(func) else {
        return true;
    };
    let takes_bool = function.def.sig.params.iter().any(|t| {
        matches!(
            program.env.underlying(t),
            goconc_semantic::types::Type::Basic(goconc_semantic::types::Basic::Bool)
        )
    });
    if takes_bool {
        return true;
    }
    if depth >= 6 {
        return true;
    }
    let Some(summary) = program.summary(func) else {
        return true;
    };
    summary
        .acquires
        .iter()
        .filter(|a| a.span == site)
        .filter_map(|a| a.via)
        .any(|next| {
            program.summary(next).is_none_or(|s| {
                s.acquires
                    .iter()
                    .any(|deeper| chain_takes_flag(program, next, deeper.span, depth + 1))
            })
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&DoubleLock);
    }
}
