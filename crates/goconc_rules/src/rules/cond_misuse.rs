//! GC206 `cond-misuse`.

use std::collections::BTreeMap;

use goconc_semantic::body::{FileInfo, Res};
use goconc_semantic::cfg::BlockId;
use goconc_semantic::env::Selection;
use goconc_semantic::ops::{
    AccessPath, Base, Callee, ChanOp, CondOp, FuncId, LocalKey, LockKind, LockOp, Mode, OpKind,
    PathElem,
};
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Op as AstOp, StmtKind};
use goconc_syntax::File;

use super::lock_order_inversion::in_test_file;
use super::waitgroup_misuse::flow;

mod wakeups;
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Checks the `sync.Cond` protocol: `Wait` is called with the Cond's
    /// lock `L` held, inside a `for` loop that re-checks the predicate, and
    /// every waiter can be woken by some `Signal`/`Broadcast` (and every
    /// `Signal`/`Broadcast` has a waiter). It reports:
    ///
    /// * `c.Wait()` that is not inside a loop, unless the function around it
    ///   is a wrapper that every caller in the package calls from a loop
    ///   (a wrapper waits on every path, or returns straight after the
    ///   `Wait`: `if p.blocked { p.cnd.Wait(); return 0, nil }` in a
    ///   `readOrBlock` that `Read` loops around; the package's own tests of the wrapper aside; a goroutine that
    ///   waits and then closes a channel, `go func() { c.Wait();
    ///   close(woken) }()`, is judged by the wrapper it is started in), or
    ///   the `if` around it tests a one-way flag (`if !p.isSet`, `if p.full
    ///   == nil`: every store in the package sets it, and every
    ///   Signal/Broadcast of the Cond is in a function that stores it). A
    ///   test double's bare gate (a `Wait` under no condition at all, in a
    ///   `_test.go` file) has no predicate to re-check;
    /// * `c.Wait()` right after taking the lock (`q.mu.Lock(); q.cond.Wait()`),
    ///   with no check of the condition under it: the check happened before
    ///   the lock, and a wake-up in between is lost;
    /// * `c.Wait()` without holding `c.L` (the mutex given to `sync.NewCond`,
    ///   or its read side for `NewCond(rw.RLocker())`), unless every caller
    ///   holds it (functions named `...Locked` document that the caller
    ///   holds the lock);
    /// * a `Wait` that can never wake: nothing in the package signals that
    ///   Cond, or the only signaller is a goroutine blocked on an unbuffered
    ///   channel that the waiter services only after its wait loop;
    /// * a `Wait` while holding a second lock that every `Signal`/`Broadcast`
    ///   of the Cond takes first: `Wait` releases only `L`, so the signallers
    ///   block on the second lock and the waiter sleeps forever;
    /// * a `Signal`/`Broadcast` that can never reach a waiter: nothing in the
    ///   package waits on that Cond (also through a local copy of the field,
    ///   `c := rl.c; c.Wait()`).
    /// * a change that can release the waiters of a `for <pred> { c.Wait() }`
    ///   loop (also a bail-out flag in its body, `if q.closed { return }`,
    ///   or a done channel checked before the Wait, `select { case
    ///   <-q.done: return; default: }`, which `close(q.done)` releases),
    ///   made without `Signal`/`Broadcast` of `c` in the function, its
    ///   callees or its callers (a caller that passes the value the waiters
    ///   wait on, `setPaused(true)` for `for w.paused`, needs none): setting the flag of `!q.closed`, appending
    ///   to the queue of `len(q.items) == 0`, freeing a slot for
    ///   `r.count == len(r.buf)` while signalling only the other Cond. A
    ///   `for { ...; c.Wait() }` loop whose exits are all in its body is
    ///   judged only on its bail-out flags, set on every path of the writer
    ///   (`Close` setting `p.closed`; not a flag set in some state only);
    /// * a wake-up the wait loop ignores: the waiter tests a flag only
    ///   before its loop (`if q.closed { return }` then `for q.avail == 0 {
    ///   q.cond.Wait() }`) or only after it, and a writer sets that flag and broadcasts
    ///   while changing nothing the loop re-checks: the woken waiters wait
    ///   again, forever;
    /// * a wait loop on a single unexported flag (`for !t.drained {
    ///   t.cond.Wait() }`) that no code in the package ever sets (no
    ///   assignment, address-of or literal names it): every wake-up finds
    ///   it still false;
    /// * such a change, with its `Signal`/`Broadcast`, made without holding
    ///   `L` (nor by any caller at the call, nor in a `...Locked` function):
    ///   a waiter that has checked the predicate under `L` but not yet
    ///   reached `Wait` misses the wake-up (lost wake-up);
    /// * `Signal` after a change that releases every waiter at once (a flag,
    ///   a new threshold for `x.applied < rev`) when several goroutines wait
    ///   there (started in a loop, or per call of an exported method) and
    ///   no waiter takes the condition for itself (a lock built on a Cond).
    ///
    /// A wait loop that bails out through a polling helper (`if
    /// s.stopping() { return }` over `select { case <-s.quit: return true;
    /// default: return false }`) needs the close of that channel to be
    /// followed by a Broadcast. A writer that waits, after its change and
    /// before its Broadcast, on a channel only the waiting goroutine signals
    /// (`<-q.stopped`) is reported at that wait. Lazy initialisation (`if
    /// p.m == nil { p.m = make(...) }`) releases nobody.
    ///
    /// ## Why is this bad?
    /// `Wait` atomically unlocks `L` and suspends: called without `L` it
    /// panics ("unlock of unlocked mutex") or races with the signaller and
    /// sleeps through the wake-up. `Wait` can return when the predicate is
    /// false again (another waiter consumed the item, a `Broadcast` woke
    /// everyone), so it must sit in a `for` loop. A waiter nobody signals is
    /// a goroutine blocked forever, and a `Signal` nobody waits for is dead
    /// code hiding a lost wake-up.
    ///
    /// ## Example
    /// ```go
    /// func (q *queue) Get() string {
    ///     q.mu.Lock()
    ///     defer q.mu.Unlock()
    ///     if len(q.items) == 0 {
    ///         q.cond.Wait() // may return with q.items still empty
    ///     }
    ///     s := q.items[0]
    ///     q.items = q.items[1:]
    ///     return s
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (q *queue) Get() string {
    ///     q.mu.Lock()
    ///     defer q.mu.Unlock()
    ///     for len(q.items) == 0 {
    ///         q.cond.Wait()
    ///     }
    ///     s := q.items[0]
    ///     q.items = q.items[1:]
    ///     return s
    /// }
    /// ```
    /// When waiters must also honour cancellation, prefer a channel (closed
    /// or sent on) in a `select` with `case <-ctx.Done():`.
    ///
    /// ## Known limitations
    /// `L` is found from `x.f = sync.NewCond(&x.mu)` / `c := sync.NewCond(&mu)`
    /// assignments in the package; Conds built elsewhere (struct literals,
    /// other packages) are only checked for the loop and wake-up rules.
    /// "Can never wake/reach" is only reported for unexported struct fields
    /// that never leave the package (a waiter's field must be filled, and
    /// only by `sync.NewCond`: one filled from a variable is signalled
    /// under that name, one never filled is nil and its Wait never runs); so are missing wake-ups, and only for
    /// predicate terms of the plain shapes above (other terms are ignored).
    /// Writes by test drivers and to values the function has just built are
    /// not wake-up points.
    pub struct CondMisuse {
        code: "GC206",
        name: "cond-misuse",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "sync.Cond waited on outside a loop, without its lock, or never signalled",
    }
}

/// A chain of field names.
type Fields = Vec<Sym>;

/// Which Cond an op is about: a struct field (all instances of the type),
/// or a variable.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum CondKey {
    Field(String, Sym),
    Path(AccessPath),
}

/// The lock `L` of a Cond.
#[derive(Clone, PartialEq, Debug)]
enum LockOfCond {
    /// Relative to the struct holding the Cond field (`x.cond` → `x.mu`).
    Sibling { fields: Fields, kind: LockKind },
    /// A fixed location (a variable).
    Fixed { path: AccessPath, kind: LockKind },
    /// Several different locks were given to `NewCond` for this key.
    Ambiguous,
}

struct CondSite<'a> {
    func: &'a Function,
    block: BlockId,
    index: usize,
    path: &'a AccessPath,
    key: CondKey,
    op: CondOp,
    span: goconc_syntax::ast::Span,
}

/// Facts about the package's Conds.
struct CondFacts<'a> {
    sites: Vec<CondSite<'a>>,
    locks: BTreeMap<CondKey, LockOfCond>,
    /// Keys mentioned with `.Wait` (called or as a method value).
    waited: BTreeMap<CondKey, u32>,
    /// Keys mentioned with `.Signal`/`.Broadcast` (called or as a method value).
    signalled: BTreeMap<CondKey, u32>,
    /// Keys whose Cond is passed to a call (it may be used elsewhere).
    escapes: Vec<CondKey>,
}

impl Rule for CondMisuse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let has_cond = ctx.functions().any(|f| {
            f.ops
                .iter()
                .any(|(_, op)| matches!(op.kind, OpKind::Cond { .. }))
        });
        if !has_cond {
            return;
        }
        let facts = collect_facts(ctx);
        let spawned = flow::spawned_targets(ctx);
        let mut held_cache: BTreeMap<FuncId, flow::HeldLocks> = BTreeMap::new();
        let mut wrapper_callers: Option<CallerIndex<'_>> = None;
        for site in &facts.sites {
            let file = FileIdx(site.func.def.file as usize);
            let name = program.describe_path(site.path);
            let op_name = match site.op {
                CondOp::Wait => "Wait",
                CondOp::Signal => "Signal",
                CondOp::Broadcast => "Broadcast",
            };
            if site.op != CondOp::Wait {
                if is_private_field(ctx, &site.key)
                    && !facts.escapes.contains(&site.key)
                    && !facts.waited.contains_key(&site.key)
                {
                    findings.push(
                        Finding::new(
                            CondMisuse::META.code,
                            file,
                            site.span,
                            format!(
                                "{name}.{op_name} can never reach a waiter: nothing in the package waits on {name}"
                            ),
                        )
                        .suggest(format!(
                            "remove the dead {name}.{op_name} (and the Cond), or wait on it where the change must be observed"
                        )),
                    );
                }
                continue;
            }
            let in_loop = site.func.cfg.in_loop();
            // Local Conds are one-shot handshakes (often tests of Cond
            // itself); the loop discipline matters for shared fields.
            let shared = matches!(site.key, CondKey::Field(..));
            // `q.mu.Lock(); q.cond.Wait()`: nothing is checked between
            // taking the lock and waiting, so the condition was tested (if
            // at all) before the lock, and a Signal in between is lost.
            // (The calls of `sync` methods that sit next to their lock and
            // Cond ops are skipped.)
            let lock_just_before = site
                .func
                .block_ops(site.block)
                .get(..site.index)
                .and_then(|before| {
                    before.iter().rev().map(|(_, op)| op).find(|op| {
                        op.span != site.span
                            && !matches!(&op.kind, OpKind::Call { callee: Callee::External(r), .. } if &*r.pkg == "sync")
                    })
                })
                .filter(|op| {
                    op.mode == Mode::Now
                        && matches!(
                            op.kind,
                            OpKind::Lock {
                                op: LockOp::Lock | LockOp::RLock,
                                ..
                            }
                        )
                });
            if let (true, Some(lock)) = (shared, lock_just_before) {
                findings.push(
                    Finding::new(
                        CondMisuse::META.code,
                        file,
                        site.span,
                        format!(
                            "{name}.Wait right after taking the lock, with no check of the condition under it: a Signal or Broadcast between the unlocked check and the Lock is lost, and this Wait sleeps through it"
                        ),
                    )
                    .related(
                        file,
                        lock.span,
                        "the lock is taken here, after the condition was checked without it",
                    )
                    .suggest(format!(
                        "check the condition after locking, in the loop around the Wait: `for !ready() {{ {name}.Wait() }}`"
                    )),
                );
                continue;
            }
            if shared
                && !in_loop.get(site.block.index()).copied().unwrap_or(true)
                && !monotonic_guard(ctx, &facts, site)
                && (guarded_by_if(ctx, site) || !in_test_file(ctx, site.func))
            {
                // A wrapper (`func (q *queue) waitForSpace() { ...; q.cond.Wait() }`)
                // is fine when every caller re-checks the predicate around it.
                // So is a goroutine that bridges the wake-up to a channel
                // (`go func() { c.Wait(); close(woken) }()`) inside such a
                // wrapper: it is judged by the wrapper's callers.
                let index = wrapper_callers.get_or_insert_with(|| CallerIndex::new(ctx));
                let (subject, wrapper_shape) = match bridged_wait(ctx, site) {
                    Some(wrapper) => (wrapper, true),
                    None => (
                        site.func,
                        // Name the misusing caller only for a wrapper (it
                        // waits on every path to its return) that some
                        // caller does loop around; otherwise the function
                        // itself skips the loop.
                        flow::dominates(
                            site.func,
                            (site.block, site.index),
                            (site.func.cfg.exit, usize::MAX),
                        ) || returns_right_after(site.func, site.block, site.index),
                    ),
                };
                let mut callers = index.verdict(subject.id, 0);
                if !wrapper_shape || !index.has_looping_call(subject.id) {
                    callers = Callers::Unknown;
                }
                let finding = match callers {
                    Callers::Looping => None,
                    Callers::Outside(caller, wrapper, call) => {
                        Some(
                            Finding::new(
                                CondMisuse::META.code,
                                file,
                                site.span,
                                format!(
                                    "{name}.Wait is not in a loop, and {} calls {wrapper} outside a loop: the condition can be false again when Wait returns",
                                    short_name(caller)
                                ),
                            )
                            .related(
                                FileIdx(caller.def.file as usize),
                                call,
                                format!("{wrapper} called once, without re-checking the predicate"),
                            )
                            .suggest(format!(
                                "call {wrapper} in a loop that re-checks the predicate: for !condition {{ {wrapper}() }}"
                            )),
                        )
                    }
                    Callers::Unknown => Some(
                        Finding::new(
                            CondMisuse::META.code,
                            file,
                            site.span,
                            format!(
                                "{name}.Wait is not in a loop: the condition can be false again when Wait returns"
                            ),
                        )
                        .suggest(format!(
                            "re-check the predicate in a loop: for !condition {{ {name}.Wait() }}"
                        )),
                    ),
                };
                if let Some(finding) = finding {
                    findings.push(finding);
                    continue;
                }
            }
            if let Some(finding) = wait_without_lock(ctx, &facts, site, &name, &mut held_cache) {
                findings.push(finding);
                continue;
            }
            if is_private_field(ctx, &site.key)
                && !facts.escapes.contains(&site.key)
                && !facts.signalled.contains_key(&site.key)
                && filled_only_by_new_cond(ctx, &site.key)
            {
                findings.push(
                    Finding::new(
                        CondMisuse::META.code,
                        file,
                        site.span,
                        format!(
                            "{name}.Wait can never wake: nothing in the package calls Signal or Broadcast on {name}"
                        ),
                    )
                    .suggest(format!(
                        "call {name}.Signal()/Broadcast() where the predicate becomes true"
                    )),
                );
                continue;
            }
            if let Some(finding) = signaller_blocked(ctx, &facts, &spawned, site, &name) {
                findings.push(finding);
                continue;
            }
            if let Some(finding) =
                wait_holding_other_lock(ctx, &facts, site, &name, &mut held_cache)
            {
                findings.push(finding);
            }
        }
        wakeups::check(ctx, &facts, findings);
    }
}

/// How far [`CallerIndex::verdict`] follows callers of callers.
const CALLER_DEPTH: u32 = 3;

/// Where the functions of a Cond wrapper are called from.
#[derive(Clone, Copy)]
enum Callers<'a> {
    /// Every in-package call (at least one) is inside a loop, directly or
    /// through callers that are themselves only called from loops.
    Looping,
    /// This call (caller, callee, call span) is not inside a loop, or is a
    /// `go`/`defer`: the callee is the wrapper or one of its callers.
    Outside(&'a Function, &'a str, goconc_syntax::ast::Span),
    /// No call site in the package (exported API, method values,
    /// recursion, or the walk was cut off): the Wait is judged on its own.
    Unknown,
}

/// The package's static call sites, by callee, for the wrapper check.
struct CallerIndex<'a> {
    program: &'a Program,
    callers: BTreeMap<FuncId, Vec<(&'a Function, BlockId, Mode, goconc_syntax::ast::Span)>>,
    in_loop: BTreeMap<FuncId, Vec<bool>>,
    memo: BTreeMap<FuncId, Callers<'a>>,
}

impl<'a> CallerIndex<'a> {
    fn new(ctx: &RuleContext<'a>) -> Self {
        let mut callers: BTreeMap<FuncId, Vec<_>> = BTreeMap::new();
        let mut test_callers: BTreeMap<FuncId, Vec<_>> = BTreeMap::new();
        for g in ctx.functions() {
            let test = in_test_file(ctx, g);
            for call in &g.calls {
                if let Callee::Func(c) = call.callee {
                    let site = (g, call.block, call.mode, call.span);
                    if test {
                        test_callers.entry(c).or_default().push(site);
                    } else {
                        callers.entry(c).or_default().push(site);
                    }
                }
            }
        }
        // The package's tests exercise a wrapper on its own (one Wait, then
        // a Broadcast); when the package itself calls it, its own calls
        // decide. Functions only tests call keep their test callers.
        for (callee, sites) in test_callers {
            callers.entry(callee).or_insert(sites);
        }
        CallerIndex {
            program: ctx.program,
            callers,
            in_loop: BTreeMap::new(),
            memo: BTreeMap::new(),
        }
    }

    /// Whether some call of `f` in the package is directly inside a loop.
    fn has_looping_call(&mut self, f: FuncId) -> bool {
        let Some(sites) = self.callers.get(&f) else {
            return false;
        };
        sites.iter().any(|&(g, block, mode, _)| {
            mode == Mode::Now
                && self
                    .in_loop
                    .entry(g.id)
                    .or_insert_with(|| g.cfg.in_loop())
                    .get(block.index())
                    .copied()
                    .unwrap_or(false)
        })
    }

    /// Whether every call of `f` in the package happens inside a loop. A
    /// call outside a loop still counts as looping when its caller is in
    /// turn only called from loops (up to [`CALLER_DEPTH`] levels).
    fn verdict(&mut self, f: FuncId, depth: u32) -> Callers<'a> {
        if let Some(v) = self.memo.get(&f) {
            return *v;
        }
        if depth > CALLER_DEPTH {
            return Callers::Unknown;
        }
        // Recursion through `f` is not evidence of a loop.
        self.memo.insert(f, Callers::Unknown);
        let sites = self.callers.get(&f).cloned().unwrap_or_default();
        let mut verdict = if sites.is_empty() {
            Callers::Unknown
        } else {
            Callers::Looping
        };
        let callee = self.program.function(f).map_or("", short_name);
        for (g, block, mode, span) in sites {
            if mode != Mode::Now {
                verdict = Callers::Outside(g, callee, span);
                break;
            }
            let looped = self
                .in_loop
                .entry(g.id)
                .or_insert_with(|| g.cfg.in_loop())
                .get(block.index())
                .copied()
                .unwrap_or(false);
            if looped {
                continue;
            }
            verdict = match self.verdict(g.id, depth + 1) {
                Callers::Looping => continue,
                // Name the caller that actually skips the loop.
                outside @ Callers::Outside(..) => outside,
                Callers::Unknown => Callers::Outside(g, callee, span),
            };
            break;
        }
        self.memo.insert(f, verdict);
        verdict
    }
}

/// Whether the function returns straight after the op at `(block, index)`
/// (`if p.blocked { p.cnd.Wait(); return 0, nil }`): nothing but unlocks
/// runs between it and the return, so the Wait is the wrapper's last act
/// on that path and the caller's loop re-checks the predicate.
pub(crate) fn returns_right_after(func: &Function, block: BlockId, index: usize) -> bool {
    // The `sync` method calls that sit next to their lock and Cond ops
    // are part of those ops.
    let idle = |ops: &[(u32, goconc_semantic::ops::Op)]| {
        ops.iter().all(|(_, op)| {
            op.mode == Mode::Deferred
                || matches!(&op.kind, OpKind::Call { callee: Callee::External(r), .. } if &*r.pkg == "sync")
                || matches!(
                    op.kind,
                    OpKind::Lock {
                        op: LockOp::Unlock | LockOp::RUnlock,
                        ..
                    }
                )
        })
    };
    let after = func.block_ops(block).get(index + 1..).unwrap_or(&[]);
    if !idle(after) {
        return false;
    }
    // A few empty blocks (the `return` statement's own) lead to the exit.
    let mut frontier: Vec<BlockId> = func.cfg.block(block).succs.to_vec();
    for _ in 0..4 {
        let mut next = Vec::new();
        for b in frontier {
            if b == func.cfg.exit {
                continue;
            }
            if b == func.cfg.abort || !idle(func.block_ops(b)) {
                return false;
            }
            next.extend(func.cfg.block(b).succs.iter().copied());
        }
        if next.is_empty() {
            return true;
        }
        frontier = next;
    }
    false
}

/// A goroutine closure that waits and then signals a channel (`go func() {
/// c.Cond.Wait(); close(woken) }()`): it bridges the wake-up to the
/// function it is started in, which waits on the channel. That function
/// is the wrapper whose callers must loop.
fn bridged_wait<'a>(ctx: &RuleContext<'a>, site: &CondSite<'a>) -> Option<&'a Function> {
    let parent = site.func.def.parent?;
    let program = ctx.program;
    let first = program
        .packages
        .get(site.func.pkg as usize)
        .and_then(|p| p.funcs.first())
        .map_or(0, |id| id.0);
    let wrapper = program.function(FuncId(first + parent))?;
    let spawned = wrapper.ops.iter().any(|(_, op)| match &op.kind {
        OpKind::Call {
            callee: Callee::Func(t),
            ..
        } if op.mode == Mode::Spawned && *t == site.func.id => true,
        OpKind::Call {
            func_arg: Some(fa), ..
        } => {
            (fa.spawned || op.mode == Mode::Spawned)
                && matches!(fa.func, goconc_semantic::ops::FuncArg::Func(t) if t == site.func.id)
        }
        _ => false,
    });
    let signals_after = site.func.all_ops().any(|(b, i, op)| {
        matches!(
            &op.kind,
            OpKind::Chan {
                op: ChanOp::Close | ChanOp::Send,
                ..
            }
        ) && flow::dominates(site.func, (site.block, site.index), (b, i as usize))
    });
    (spawned && signals_after).then_some(wrapper)
}

/// Whether the Cond field is filled somewhere, and only by `sync.NewCond`
/// calls (`x.cond = sync.NewCond(&x.mu)`, `T{cond: sync.NewCond(mu)}`). A
/// field filled from a variable (`&stub{wait: gate}`) is signalled under
/// that variable's name; one never filled holds nil, and its Wait (behind
/// an `if x.cond != nil`) never runs.
fn filled_only_by_new_cond(ctx: &RuleContext<'_>, key: &CondKey) -> bool {
    let CondKey::Field(_, field) = key else {
        return true;
    };
    let Some(model) = ctx.model() else {
        return true;
    };
    let mut filled = false;
    for src in &model.pkg.files {
        let file = &*src.ast;
        let is_new_cond = |v: ExprId| match &file.expr(file.unparen(v)).kind {
            ExprKind::Call { fun, .. } => file
                .text(file.expr(file.unparen(*fun)).span)
                .ends_with("NewCond"),
            _ => false,
        };
        for e in &file.exprs {
            if let ExprKind::KeyValue { key, value } = &e.kind {
                if matches!(&file.expr(*key).kind, ExprKind::Ident(k) if file.name(*k) == &**field)
                {
                    if !is_new_cond(*value) {
                        return false;
                    }
                    filled = true;
                }
            }
        }
        for st in &file.stmts {
            let StmtKind::Assign { lhs, rhs, .. } = &st.kind else {
                continue;
            };
            for (i, &l) in lhs.iter().enumerate() {
                let stores = matches!(&file.expr(file.unparen(l)).kind,
                    ExprKind::Selector { sel, .. } if file.name(*sel) == &**field);
                if !stores {
                    continue;
                }
                match rhs.get(i) {
                    Some(&v) if lhs.len() == rhs.len() && is_new_cond(v) => filled = true,
                    _ => return false,
                }
            }
        }
    }
    filled
}

/// Whether some `if` of the function holds the Wait in its body and tests
/// a predicate (not just `c != nil` for the Cond itself).
fn guarded_by_if(ctx: &RuleContext<'_>, site: &CondSite<'_>) -> bool {
    let Some((file, _)) = ctx.program.file_of(site.func) else {
        return true;
    };
    let within = site.func.def.span;
    let call = file.text(site.span);
    let cond_exists = call
        .rsplit_once(".Wait")
        .map(|(recv, _)| format!("{recv} != nil"));
    file.stmts.iter().any(|st| match &st.kind {
        StmtKind::If { body, cond, .. } => {
            within.start <= st.span.start
                && body.span.start <= site.span.start
                && site.span.end <= body.span.end
                && cond_exists.as_deref() != Some(file.text(file.expr(*cond).span))
        }
        _ => false,
    })
}

/// `if !p.isSet { p.cond.Wait() }` or `if p.full == nil { p.cond.Wait() }`
/// where the flag only ever goes one way (every assignment to the field
/// in the package stores `true`, or a non-nil value) and every Signal or
/// Broadcast of the Cond sits in a function that makes that store: when
/// Wait returns the flag is set and stays set (Go's Cond has no spurious
/// wake-ups), so the `if` is as good as a loop.
fn monotonic_guard(ctx: &RuleContext<'_>, facts: &CondFacts<'_>, site: &CondSite<'_>) -> bool {
    let Some((file, _)) = ctx.program.file_of(site.func) else {
        return false;
    };
    // The innermost `if` whose body holds the Wait.
    let guard = file
        .stmts
        .iter()
        .filter_map(|st| match &st.kind {
            StmtKind::If { cond, body, .. }
                if body.span.start <= site.span.start && site.span.end <= body.span.end =>
            {
                Some((body.span.len(), *cond))
            }
            _ => None,
        })
        .min_by_key(|(len, _)| *len)
        .map(|(_, cond)| cond);
    let Some(cond) = guard else {
        return false;
    };
    // The field the condition tests, and whether the done state is `true`
    // (`!x.f`) or non-nil (`x.f == nil`).
    let field_of = |e: ExprId| match &file.expr(file.unparen(e)).kind {
        ExprKind::Selector { sel, .. } => Some(file.name(*sel).to_string()),
        _ => None,
    };
    let is_nil = |e: ExprId| matches!(&file.expr(file.unparen(e)).kind, ExprKind::Ident(id) if file.name(*id) == "nil");
    let (field, set_to_nil_breaks) = match &file.expr(file.unparen(cond)).kind {
        ExprKind::Unary { op: AstOp::Not, x } => match field_of(*x) {
            Some(f) => (f, false),
            None => return false,
        },
        ExprKind::Binary {
            x,
            op: AstOp::Eql,
            y,
            ..
        } if is_nil(*y) => match field_of(*x) {
            Some(f) => (f, true),
            None => return false,
        },
        _ => return false,
    };
    let Some(model) = ctx.model() else {
        return false;
    };
    // Every store to the field sets the done state; the functions that
    // store it.
    let mut setters: Vec<(usize, goconc_syntax::ast::Span)> = Vec::new();
    for (fi, src) in model.pkg.files.iter().enumerate() {
        let f = &*src.ast;
        for st in &f.stmts {
            let StmtKind::Assign { lhs, rhs, .. } = &st.kind else {
                continue;
            };
            for (i, &l) in lhs.iter().enumerate() {
                let stores = matches!(&f.expr(f.unparen(l)).kind,
                    ExprKind::Selector { sel, .. } if f.name(*sel) == field);
                if !stores {
                    continue;
                }
                let Some(&value) = rhs.get(i) else {
                    return false;
                };
                let value = f.expr(f.unparen(value));
                let done = if set_to_nil_breaks {
                    !matches!(&value.kind, ExprKind::Ident(id) if f.name(*id) == "nil")
                } else {
                    matches!(&value.kind, ExprKind::Ident(id) if f.name(*id) == "true")
                };
                if !done {
                    return false;
                }
                setters.push((fi, st.span));
            }
        }
    }
    if setters.is_empty() {
        return false;
    }
    let signallers: Vec<&CondSite<'_>> = facts
        .sites
        .iter()
        .filter(|s| s.op != CondOp::Wait && s.key == site.key)
        .collect();
    !signallers.is_empty()
        && signallers.iter().all(|s| {
            setters.iter().any(|&(fi, span)| {
                fi == s.func.def.file as usize
                    && s.func.def.span.start <= span.start
                    && span.end <= s.func.def.span.end
            })
        })
}

/// `Close` for a method, `Close.func1` for a closure inside it (a bare
/// `func1` says nothing to the reader).
fn short_name(f: &Function) -> &str {
    let name = f.def.name.as_str();
    let mut dots = name.rmatch_indices('.').map(|(i, _)| i);
    let Some(last) = dots.next() else {
        return name;
    };
    let tail = &name[last + 1..];
    let closure = tail.starts_with("func") && tail[4..].chars().all(|c| c.is_ascii_digit());
    match (closure, dots.next()) {
        (true, Some(previous)) => &name[previous + 1..],
        _ => tail,
    }
}

fn cond_key(program: &Program, path: &AccessPath) -> CondKey {
    if let Some(PathElem::Field(_)) = path.fields.last() {
        if let Some((owner, field)) = program.field_owner(path) {
            return CondKey::Field(type_key(&owner), field);
        }
    }
    CondKey::Path(path.clone())
}

fn type_key(t: &Type) -> String {
    format!("{:?}", t.strip_pointer())
}

/// An unexported field of a type declared in the checked package: only
/// this package can wait on it or signal it.
fn is_private_field(ctx: &RuleContext<'_>, key: &CondKey) -> bool {
    let CondKey::Field(_, field) = key else {
        return false;
    };
    field
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c == '_')
        && ctx.model().is_some()
}

fn collect_facts<'a>(ctx: &RuleContext<'a>) -> CondFacts<'a> {
    let program = ctx.program;
    let mut facts = CondFacts {
        sites: Vec::new(),
        locks: BTreeMap::new(),
        waited: BTreeMap::new(),
        signalled: BTreeMap::new(),
        escapes: Vec::new(),
    };
    for f in ctx.functions() {
        for (block, index, op) in f.indexed_ops() {
            match &op.kind {
                OpKind::Cond {
                    path: Some(path),
                    op: cond,
                } if op.mode == Mode::Now => facts.sites.push(CondSite {
                    func: f,
                    block,
                    index,
                    path,
                    key: cond_key(program, path),
                    op: *cond,
                    span: op.span,
                }),
                OpKind::Call { args, .. } => {
                    for arg in args.iter().flatten() {
                        if program.path_type(arg).is_named("sync", "Cond") {
                            facts.escapes.push(cond_key(program, arg));
                        }
                    }
                }
                _ => {}
            }
        }
        collect_new_cond(program, f, &mut facts.locks);
    }
    if let Some(model) = ctx.model() {
        for (index, info) in model.files.iter().enumerate() {
            if let Some(file) = ctx.file(FileIdx(index)) {
                collect_method_mentions(program, file, info, &mut facts);
            }
        }
    }
    facts
}

/// Every `x.cond.Wait` / `x.cond.Signal` / `x.cond.Broadcast` selector of a
/// file, called or used as a method value (`time.AfterFunc(d, c.Broadcast)`).
fn collect_method_mentions(
    program: &Program,
    file: &File,
    info: &FileInfo,
    facts: &mut CondFacts<'_>,
) {
    for (i, expr) in file.exprs.iter().enumerate() {
        let ExprKind::Selector { x, .. } = &expr.kind else {
            continue;
        };
        let Some(Selection::Method { name, recv, .. }) = info.selection(ExprId(i as u32)) else {
            continue;
        };
        if !recv.is_named("sync", "Cond") {
            continue;
        }
        // A local copy of the field (`c := rl.c; ...; c.Wait()`) names the
        // same Cond, as its ops' access paths already do.
        let target = match info.res(file.unparen(*x)) {
            Res::Local(l) => info
                .local(*l)
                .filter(|local| !local.reassigned)
                .and_then(|local| local.init)
                .unwrap_or(*x),
            _ => *x,
        };
        let Some(key) = field_key_of_expr(program, file, info, file.unparen(target)) else {
            continue;
        };
        let map = match &**name {
            "Wait" => &mut facts.waited,
            "Signal" | "Broadcast" => &mut facts.signalled,
            _ => continue,
        };
        *map.entry(key).or_insert(0) += 1;
    }
}

/// The field key of `x.f` (the type declaring `f`, field `f`). For a
/// promoted field the owner is the embedded type the field comes from, so
/// `r.cond` and `w.cond` of two types embedding one `*pipe` are one Cond.
fn field_key_of_expr(
    program: &Program,
    file: &File,
    info: &FileInfo,
    e: ExprId,
) -> Option<CondKey> {
    let (owner, name) = field_owner_of_expr(program, file, info, e)?;
    Some(CondKey::Field(type_key(&owner), name))
}

/// The type declaring the field `x.f` selects (through embedded fields for
/// a promoted one) and the field's name; `None` when unknown.
pub(crate) fn field_owner_of_expr(
    program: &Program,
    file: &File,
    info: &FileInfo,
    e: ExprId,
) -> Option<(Type, Sym)> {
    let e = file.unparen(e);
    let ExprKind::Selector { x, .. } = &file.exprs.get(e.index())?.kind else {
        return None;
    };
    let Some(Selection::Field { embedded, name, .. }) = info.selection(e) else {
        return None;
    };
    let mut owner = info.ty(*x).clone();
    for field in embedded {
        match program.env.lookup_member(&owner, field) {
            Some(Selection::Field { ty, .. }) => owner = ty,
            _ => return None,
        }
    }
    (!owner.is_unknown()).then(|| (owner, name.clone()))
}

/// Records `L` for each `lhs = sync.NewCond(L)` assignment of `f`.
fn collect_new_cond(program: &Program, f: &Function, locks: &mut BTreeMap<CondKey, LockOfCond>) {
    let Some((file, info)) = program.file_of(f) else {
        return;
    };
    for block in &f.cfg.blocks {
        for node in &block.nodes {
            let goconc_semantic::cfg::Node::Stmt(s) = node else {
                continue;
            };
            let Some(StmtKind::Assign { lhs, rhs, .. }) =
                file.stmts.get(s.index()).map(|s| &s.kind)
            else {
                continue;
            };
            if lhs.len() != rhs.len() {
                continue;
            }
            for (&l, &r) in lhs.iter().zip(rhs) {
                let Some(arg) = new_cond_arg(file, info, r) else {
                    continue;
                };
                let Some((key, lock)) = lock_of_new_cond(program, f, file, info, l, arg) else {
                    continue;
                };
                let entry = locks.entry(key).or_insert_with(|| lock.clone());
                if *entry != lock {
                    *entry = LockOfCond::Ambiguous;
                }
            }
        }
    }
}

/// The argument of a `sync.NewCond(arg)` call.
fn new_cond_arg(file: &File, info: &FileInfo, e: ExprId) -> Option<ExprId> {
    let e = file.unparen(e);
    let ExprKind::Call { fun, args, .. } = &file.exprs.get(e.index())?.kind else {
        return None;
    };
    let fun = file.unparen(*fun);
    let ExprKind::Selector { sel, .. } = &file.expr(fun).kind else {
        return None;
    };
    let is_new_cond = file.name(*sel) == "NewCond"
        && matches!(info.selection(fun), Some(Selection::Qualified(_)))
        && info.ty(e).is_named("sync", "Cond");
    match (is_new_cond, &args[..]) {
        (true, &[arg]) => Some(arg),
        _ => None,
    }
}

/// A variable or a chain of fields on it: `x.a.b` → (`x`, [a, b]).
fn field_chain(file: &File, info: &FileInfo, e: ExprId) -> Option<(Res, Fields)> {
    let mut fields = Vec::new();
    let mut cur = file.unparen(e);
    for _ in 0..16 {
        match &file.exprs.get(cur.index())?.kind {
            ExprKind::Ident(_) => {
                fields.reverse();
                return Some((info.res(cur).clone(), fields));
            }
            ExprKind::Selector { x, .. } => {
                let Some(Selection::Field { embedded, name, .. }) = info.selection(cur) else {
                    return None;
                };
                fields.push(name.clone());
                fields.extend(embedded.iter().rev().cloned());
                cur = file.unparen(*x);
            }
            _ => return None,
        }
    }
    None
}

fn lock_of_new_cond(
    program: &Program,
    f: &Function,
    file: &File,
    info: &FileInfo,
    lhs: ExprId,
    arg: ExprId,
) -> Option<(CondKey, LockOfCond)> {
    // `&x.mu` (write side) or `x.rw.RLocker()` (read side).
    let arg = file.unparen(arg);
    let (target, kind) = match &file.exprs.get(arg.index())?.kind {
        ExprKind::Unary { op: AstOp::And, x } => (*x, LockKind::Write),
        ExprKind::Call { fun, args, .. } if args.is_empty() => {
            let fun = file.unparen(*fun);
            match &file.expr(fun).kind {
                ExprKind::Selector { x, sel } if file.name(*sel) == "RLocker" => {
                    (*x, LockKind::Read)
                }
                _ => return None,
            }
        }
        // A `*sync.Mutex` field or variable.
        _ => (arg, LockKind::Write),
    };
    let (lock_base, lock_fields) = field_chain(file, info, target)?;
    let (cond_base, cond_fields) = field_chain(file, info, lhs)?;
    let local_path = |res: &Res, fields: &Fields| -> Option<AccessPath> {
        let base = match res {
            Res::Local(l) => Base::Local(LocalKey {
                pkg: f.pkg,
                file: f.def.file,
                local: *l,
            }),
            res @ (Res::Global(_) | Res::Foreign(_)) => Base::Global(info.object(res)?),
            _ => return None,
        };
        Some(AccessPath {
            base,
            fields: fields.iter().cloned().map(PathElem::Field).collect(),
        })
    };
    let cond_path = local_path(&cond_base, &cond_fields)?;
    let key = cond_key(program, &cond_path);
    let lock = match key {
        CondKey::Field(..) if cond_base == lock_base && lock_fields.len() >= cond_fields.len() => {
            // Same struct value: L is a sibling path of the Cond field.
            let prefix = cond_fields.len().saturating_sub(1);
            if lock_fields[..prefix] != cond_fields[..prefix] {
                return None;
            }
            LockOfCond::Sibling {
                fields: lock_fields[prefix..].to_vec(),
                kind,
            }
        }
        CondKey::Field(..) => return None,
        CondKey::Path(_) => LockOfCond::Fixed {
            path: local_path(&lock_base, &lock_fields)?,
            kind,
        },
    };
    Some((key, lock))
}

/// `L` of the Cond waited on at `site`, in the waiter's frame.
fn lock_for(facts: &CondFacts<'_>, site: &CondSite<'_>) -> Option<(AccessPath, LockKind)> {
    match facts.locks.get(&site.key)? {
        LockOfCond::Sibling { fields, kind } => {
            let mut path = site.path.clone();
            path.fields.pop();
            path.fields
                .extend(fields.iter().cloned().map(PathElem::Field));
            Some((path, *kind))
        }
        LockOfCond::Fixed { path, kind } => Some((path.clone(), *kind)),
        LockOfCond::Ambiguous => None,
    }
}

/// The locks held on every path to the Cond op at `site` (cached per function).
fn held_at(
    program: &Program,
    site: &CondSite<'_>,
    cache: &mut BTreeMap<FuncId, flow::HeldLocks>,
) -> Option<flow::HeldSet> {
    let f = site.func;
    cache
        .entry(f.id)
        .or_insert_with(|| flow::HeldLocks::compute(program, f))
        .before(program, f, site.block, site.index)
}

fn wait_without_lock(
    ctx: &RuleContext<'_>,
    facts: &CondFacts<'_>,
    site: &CondSite<'_>,
    name: &str,
    cache: &mut BTreeMap<FuncId, flow::HeldLocks>,
) -> Option<Finding> {
    let program = ctx.program;
    let (lock, kind) = lock_for(facts, site)?;
    let f = site.func;
    let via_l = site.path.clone().with_field(Sym::from("L"));
    let holds = |held: &flow::HeldSet, lock: &AccessPath, via_l: Option<&AccessPath>| {
        held.contains(&(lock.clone(), kind))
            || via_l.is_some_and(|p| {
                held.contains(&(p.clone(), LockKind::Write))
                    || held.contains(&(p.clone(), LockKind::Read))
            })
    };
    let held = held_at(program, site, cache)?;
    if holds(&held, &lock, Some(&via_l)) {
        return None;
    }
    // Locks taken by the callers (the `...Locked` convention, or every
    // call site in the package holding L).
    let short_name = f.def.name.rsplit('.').next().unwrap_or("");
    if short_name.ends_with("Locked")
        || f.def.parent.is_some()
        || crate::lockstate::documented_as_called_locked(program, f)
    {
        return None;
    }
    match callers_holding(ctx, f, &lock, &via_l, kind, cache, 3) {
        CallersHold::All => return None,
        CallersHold::Unknown => return None,
        CallersHold::NoCallers => {}
        CallersHold::Missing(g, call_span) => {
            let lock_name = program.describe_path(&lock);
            return Some(
                Finding::new(
                    CondMisuse::META.code,
                    FileIdx(f.def.file as usize),
                    site.span,
                    format!(
                        "{name}.Wait without holding {lock_name} (its L), here or at this caller"
                    ),
                )
                .related(
                    FileIdx(g.def.file as usize),
                    call_span,
                    "called without holding the lock",
                )
                .suggest(format!("lock {lock_name} around the wait loop")),
            );
        }
    }
    let lock_name = program.describe_path(&lock);
    let side = if kind == LockKind::Read {
        " (read side)"
    } else {
        ""
    };
    Some(
        Finding::new(
            CondMisuse::META.code,
            FileIdx(f.def.file as usize),
            site.span,
            format!(
                "{name}.Wait without holding {lock_name}{side}, its L: Wait unlocks L first (panic) and can miss the wake-up"
            ),
        )
        .suggest(format!(
            "call {lock_name}.Lock() before the wait loop and unlock after it"
        )),
    )
}

/// What the callers of a function that waits on a Cond hold.
enum CallersHold<'a> {
    /// Every static call holds the lock (here or further up).
    All,
    /// The package never calls the function.
    NoCallers,
    /// A call (in the function shown) that holds nothing, and whose own
    /// callers do not hold the lock either.
    Missing(&'a Function, goconc_syntax::ast::Span),
    /// A deferred or spawned call, or a lock path the call cannot map.
    Unknown,
}

/// Whether every call of `f` holds `lock` (or the Cond's `L`, `via_l`),
/// directly or because all of the caller's own callers do (a helper
/// documented "callers must hold nbs.mu", called by one that doesn't but
/// whose every caller does).
fn callers_holding<'a>(
    ctx: &RuleContext<'a>,
    f: &Function,
    lock: &AccessPath,
    via_l: &AccessPath,
    kind: LockKind,
    cache: &mut BTreeMap<FuncId, flow::HeldLocks>,
    depth: u32,
) -> CallersHold<'a> {
    let program = ctx.program;
    let mut callers = 0;
    for g in ctx.functions() {
        for b in 0..g.cfg.blocks.len() {
            let block = BlockId(b as u32);
            for (index, (_, op)) in g.block_ops(block).iter().enumerate() {
                let OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } = &op.kind
                else {
                    continue;
                };
                if *c != f.id {
                    continue;
                }
                // A test calling the helper from its one goroutine says
                // nothing about the locking contract.
                if crate::lockstate::in_test_file(program, g)
                    && !crate::lockstate::in_test_file(program, f)
                {
                    continue;
                }
                if op.mode != Mode::Now {
                    return CallersHold::Unknown;
                }
                let Some(at_call) = program.substitute(f.id, lock, recv.as_ref(), args) else {
                    return CallersHold::Unknown;
                };
                let via_l_at_call = program.substitute(f.id, via_l, recv.as_ref(), args);
                let Some(held) = cache
                    .entry(g.id)
                    .or_insert_with(|| flow::HeldLocks::compute(program, g))
                    .before(program, g, block, index)
                else {
                    return CallersHold::Unknown;
                };
                let holds = held.contains(&(at_call.clone(), kind))
                    || via_l_at_call.as_ref().is_some_and(|p| {
                        held.contains(&(p.clone(), LockKind::Write))
                            || held.contains(&(p.clone(), LockKind::Read))
                    });
                if !holds {
                    let further_up = if depth > 1 && g.def.parent.is_none() {
                        match via_l_at_call {
                            Some(v) => {
                                callers_holding(ctx, g, &at_call, &v, kind, cache, depth - 1)
                            }
                            None => CallersHold::NoCallers,
                        }
                    } else {
                        CallersHold::NoCallers
                    };
                    match further_up {
                        CallersHold::All => {}
                        CallersHold::Unknown => return CallersHold::Unknown,
                        _ => return CallersHold::Missing(g, op.span),
                    }
                }
                callers += 1;
            }
        }
    }
    if callers > 0 {
        CallersHold::All
    } else {
        CallersHold::NoCallers
    }
}

/// "Lock with Cond": `Wait` releases only its own `L`. A waiter that also
/// holds another lock keeps it while asleep; when every `Signal`/
/// `Broadcast` of the Cond needs that lock first, nobody can ever wake it.
fn wait_holding_other_lock(
    ctx: &RuleContext<'_>,
    facts: &CondFacts<'_>,
    site: &CondSite<'_>,
    name: &str,
    cache: &mut BTreeMap<FuncId, flow::HeldLocks>,
) -> Option<Finding> {
    let program = ctx.program;
    // Every wake-up must be a call the analysis sees.
    if !is_private_field(ctx, &site.key) || facts.escapes.contains(&site.key) {
        return None;
    }
    let (lock, _) = lock_for(facts, site)?;
    let f = site.func;
    let via_l = site.path.clone().with_field(Sym::from("L"));
    let held = held_at(program, site, cache)?;
    let others: Vec<(AccessPath, LockKind)> = held
        .into_iter()
        .filter(|(p, _)| !flow::same_location(program, p, &lock) && *p != via_l)
        .collect();
    if others.is_empty() {
        return None;
    }
    let wakers: Vec<&CondSite<'_>> = facts
        .sites
        .iter()
        .filter(|s| s.op != CondOp::Wait && s.key == site.key)
        .collect();
    let mentioned = facts.signalled.get(&site.key).copied().unwrap_or(0);
    if wakers.is_empty() || wakers.len() as u32 != mentioned {
        return None;
    }
    for (other, kind) in others {
        // Where each waker takes `other` before it signals (None: it may
        // signal without it).
        let mut needs: Vec<(&CondSite<'_>, goconc_syntax::ast::Span)> = Vec::new();
        for waker in &wakers {
            let g = waker.func;
            let takes = |op: &goconc_semantic::ops::Op| match &op.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: lock_op,
                } => {
                    op.mode == Mode::Now
                        && matches!(lock_op, LockOp::Lock | LockOp::RLock)
                        && flow::same_location(program, p, &other)
                        && (kind == LockKind::Write || lock_op.kind() == LockKind::Write)
                }
                _ => false,
            };
            let acquire = (0..g.cfg.blocks.len()).find_map(|b| {
                let block = BlockId(b as u32);
                g.block_ops(block)
                    .iter()
                    .enumerate()
                    .find(|(index, (_, op))| {
                        takes(op) && flow::dominates(g, (block, *index), (waker.block, waker.index))
                    })
                    .map(|(_, (_, op))| op.span)
            });
            match acquire {
                Some(span) => needs.push((waker, span)),
                None => break,
            }
        }
        if needs.len() != wakers.len() {
            continue;
        }
        let other_name = program.describe_path(&other);
        let lock_name = program.describe_path(&lock);
        let (waker, acquire_span) = needs[0];
        return Some(
            Finding::new(
                CondMisuse::META.code,
                FileIdx(f.def.file as usize),
                site.span,
                format!(
                    "{name}.Wait while holding {other_name}: Wait releases only {lock_name}, and every Signal/Broadcast of {name} takes {other_name} first, so nothing can wake this waiter"
                ),
            )
            .related(
                FileIdx(waker.func.def.file as usize),
                acquire_span,
                format!("the signaller needs {other_name} here"),
            )
            .related(
                FileIdx(waker.func.def.file as usize),
                waker.span,
                "before it can signal here",
            )
            .suggest(format!(
                "release {other_name} before waiting (Wait releases only {lock_name}), or signal without taking {other_name}"
            )),
        );
    }
    None
}

/// "Channel with Cond": the only signaller is a goroutine spawned here
/// that first blocks on an unbuffered channel this function services only
/// after the wait loop.
fn signaller_blocked(
    ctx: &RuleContext<'_>,
    facts: &CondFacts<'_>,
    spawned: &std::collections::BTreeSet<FuncId>,
    site: &CondSite<'_>,
    name: &str,
) -> Option<Finding> {
    let program = ctx.program;
    let f = site.func;
    let signals: Vec<&CondSite<'_>> = facts
        .sites
        .iter()
        .filter(|s| s.op != CondOp::Wait && s.key == site.key)
        .collect();
    let first = signals.first()?;
    let g = first.func;
    if g.id == f.id
        || !spawned.contains(&g.id)
        || !flow::is_ancestor(program, f, g)
        || signals.iter().any(|s| s.func.id != g.id)
        || facts.signalled.get(&site.key).copied().unwrap_or(0) as usize != signals.len()
    {
        return None;
    }
    let started_here = f.ops.iter().any(|(_, op)| {
        op.mode == Mode::Spawned
            && matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == g.id)
    });
    if !started_here {
        return None;
    }
    for b in 0..g.cfg.blocks.len() {
        let block = BlockId(b as u32);
        for (index, (_, op)) in g.block_ops(block).iter().enumerate() {
            let OpKind::Chan {
                path: Some(chan),
                op: chan_op,
                select: None,
                ..
            } = &op.kind
            else {
                continue;
            };
            if op.mode != Mode::Now || !matches!(chan_op, ChanOp::Send | ChanOp::Recv) {
                continue;
            }
            let blocks_all = signals
                .iter()
                .all(|s| flow::dominates(g, (block, index), (s.block, s.index)));
            if !blocks_all
                || !flow::is_own_local(program, f, chan)
                || !flow::is_unbuffered(ctx, f, chan)
            {
                continue;
            }
            let (wanted, doing): (fn(ChanOp) -> bool, &str) = if *chan_op == ChanOp::Send {
                (flow::is_receive, "sending to")
            } else {
                (is_send_or_close, "receiving from")
            };
            if !flow::counterpart_only_after(
                ctx,
                f,
                chan,
                (site.block, site.index),
                wanted,
                Some(g.id),
            ) {
                continue;
            }
            let chan_name = program.describe_path(chan);
            let g_file = FileIdx(g.def.file as usize);
            let signal_name = match first.op {
                CondOp::Broadcast => "Broadcast",
                _ => "Signal",
            };
            return Some(
                Finding::new(
                    CondMisuse::META.code,
                    FileIdx(f.def.file as usize),
                    site.span,
                    format!(
                        "{name}.Wait can never wake: the only {signal_name} is in a goroutine blocked {doing} {chan_name}, which this function services only after the wait"
                    ),
                )
                .related(g_file, op.span, format!("the signaller blocks here on unbuffered {chan_name}"))
                .related(g_file, first.span, format!("the only {signal_name}, never reached"))
                .suggest(format!(
                    "service {chan_name} before waiting (or make it buffered) so the goroutine reaches {signal_name}"
                )),
            );
        }
    }
    None
}

fn is_send_or_close(op: ChanOp) -> bool {
    matches!(op, ChanOp::Send | ChanOp::Close)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&CondMisuse);
    }
}
