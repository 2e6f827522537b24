//! Held-lock dataflow shared by the lock rules (GC201 double-lock, GC203
//! missing-unlock; reusable by any rule that needs "which mutexes does this
//! goroutine hold here").
//!
//! For every access path naming a mutex, a [`LockFact`] records, as a bit
//! mask, what the incoming paths agree on: held for writing, held for
//! reading, released by this function, or untouched (this function has not
//! locked or unlocked it on that path). A lock is *must-held* when every
//! path holds it ([`LockFact::must_held`]) and *may-held* when some path
//! does. Facts come from direct lock ops, from the net effects of callees
//! (lock/unlock helpers, via their summaries, substituted to the call site)
//! and from `TryLock` conditions, which hold the lock only on the success
//! edge of the `if`/`for` that tests them. A `TryLock` whose result is not
//! tested directly marks the lock [`mask::TENTATIVE`]: rules stay silent
//! about it.
//!
//! Deferred unlocks and deferred calls are recorded in the state and run,
//! last-in first-out, on each edge to the function's exit or abort block.
//!
//! Use: [`LockFlow::analyze`] solves the dataflow for one function (it
//! returns `None` for functions without lock effects) and
//! [`LockFlow::replay`] walks the function once more with the fixpoint
//! states, calling a [`LockVisitor`] before every acquisition and release
//! (direct, through a callee, deferred) and at every exit with the state
//! after the deferred calls ran.

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::collections::BTreeMap;

use goconc_semantic::cfg::{BlockId, BlockKind, Node};
use goconc_semantic::env::{Builtin, Selection};
use goconc_semantic::ops::{
    AccessPath, Base, Callee, FuncArg, FuncId, LocalKey, LockKind, LockOp, Mode, Op, OpKind,
};
use goconc_semantic::program::Function;
use goconc_semantic::summary::Summary;
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Op as AstOp, Span, StmtKind};
use goconc_syntax::File;

/// Bits of [`LockFact::mask`].
pub mod mask {
    /// Held for writing (`Lock`) on some incoming path.
    pub const WRITE: u8 = 1;
    /// Held for reading (`RLock`) on some incoming path.
    pub const READ: u8 = 2;
    /// Released by this function on some incoming path.
    pub const RELEASED: u8 = 4;
    /// Neither locked nor unlocked by this function on some incoming path.
    pub const UNTOUCHED: u8 = 8;
    /// Acquired by a `TryLock` whose result is not tested directly: whether
    /// it is held is unknown.
    pub const TENTATIVE: u8 = 16;
    /// Read-locked more than once (a recursive `RLock`): one `RUnlock`
    /// leaves it read-locked.
    pub const NESTED: u8 = 32;
    /// Either kind of hold.
    pub const HELD: u8 = WRITE | READ;
}

/// What the incoming paths say about one lock.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct LockFact {
    pub mask: u8,
    /// Where the hold was acquired (the lock op, or the call of a lock
    /// helper); meaningful when the mask has a held bit.
    pub site: Span,
    /// The block of `site`.
    pub block: BlockId,
    /// The lock helper through which it was acquired, if any.
    pub via: Option<FuncId>,
}

impl LockFact {
    fn untouched() -> LockFact {
        LockFact {
            mask: mask::UNTOUCHED,
            site: Span::default(),
            block: BlockId(0),
            via: None,
        }
    }

    /// The kind of hold when the lock is held on every incoming path (and
    /// not tentatively). A lock held for reading on one path and writing on
    /// another counts as read-held.
    pub fn must_held(&self) -> Option<LockKind> {
        if self.mask & (mask::RELEASED | mask::UNTOUCHED | mask::TENTATIVE) != 0 {
            return None;
        }
        if self.mask & mask::READ != 0 {
            Some(LockKind::Read)
        } else if self.mask & mask::WRITE != 0 {
            Some(LockKind::Write)
        } else {
            None
        }
    }

    /// Held on at least one incoming path.
    pub fn may_held(&self) -> bool {
        self.mask & mask::HELD != 0
    }

    /// Whether a `TryLock` of unknown outcome is involved.
    pub fn tentative(&self) -> bool {
        self.mask & mask::TENTATIVE != 0
    }
}

/// Lock facts at one program point, plus the deferred calls registered so
/// far (indices into [`Function::ops`]).
#[derive(Clone, PartialEq, Debug, Default)]
pub struct LockState {
    pub locks: BTreeMap<AccessPath, LockFact>,
    /// Deferred calls registered on some path (sorted op indices).
    pub defers: Vec<u32>,
    /// Deferred calls registered on every path.
    pub defers_must: Vec<u32>,
}

impl LockState {
    /// The fact about `path` (untouched when absent).
    pub fn fact(&self, path: &AccessPath) -> LockFact {
        self.locks
            .get(path)
            .copied()
            .unwrap_or_else(LockFact::untouched)
    }

    /// The kind of hold of `path` when it is held on every path.
    pub fn must_held(&self, path: &AccessPath) -> Option<LockKind> {
        self.locks.get(path).and_then(LockFact::must_held)
    }

    /// Locks held on every path to this point, with their facts.
    pub fn held(&self) -> impl Iterator<Item = (&AccessPath, LockKind, &LockFact)> + '_ {
        self.locks
            .iter()
            .filter_map(|(p, f)| f.must_held().map(|k| (p, k, f)))
    }

    fn set_held(&mut self, path: AccessPath, kind: LockKind, site: Span, block: BlockId) {
        self.set_held_via(path, kind, site, block, None, false);
    }

    fn set_held_via(
        &mut self,
        path: AccessPath,
        kind: LockKind,
        site: Span,
        block: BlockId,
        via: Option<FuncId>,
        tentative: bool,
    ) {
        let bit = match kind {
            LockKind::Write => mask::WRITE,
            LockKind::Read => {
                let already = self.must_held(&path) == Some(LockKind::Read);
                mask::READ | if already { mask::NESTED } else { 0 }
            }
        };
        self.locks.insert(
            path,
            LockFact {
                mask: bit | if tentative { mask::TENTATIVE } else { 0 },
                site,
                block,
                via,
            },
        );
    }

    /// Records a release at `site`: a released-only fact keeps the release
    /// site (for "already unlocked here").
    fn set_released(&mut self, path: AccessPath, site: Span, block: BlockId) {
        let fact = self.locks.entry(path).or_insert_with(LockFact::untouched);
        if fact.mask & mask::NESTED != 0 && fact.mask & mask::READ != 0 {
            fact.mask &= !mask::NESTED;
            return;
        }
        if fact.mask & !mask::TENTATIVE == mask::UNTOUCHED {
            // Releasing a lock this function never took: the caller's, by
            // contract (or a lock handed over by another goroutine). Nothing
            // is known about it afterwards either.
            return;
        }
        fact.mask = mask::RELEASED | (fact.mask & mask::TENTATIVE);
        fact.site = site;
        fact.block = block;
        fact.via = None;
    }

    /// Joins `other` into `self`; true when `self` changed.
    pub fn join(&mut self, other: &LockState) -> bool {
        let mut changed = false;
        for (path, fact) in &mut self.locks {
            if !other.locks.contains_key(path) && fact.mask & mask::UNTOUCHED == 0 {
                fact.mask |= mask::UNTOUCHED;
                changed = true;
            }
        }
        for (path, theirs) in &other.locks {
            match self.locks.get_mut(path) {
                Some(ours) => {
                    if !ours.may_held() && theirs.may_held() {
                        ours.site = theirs.site;
                        ours.block = theirs.block;
                        ours.via = theirs.via;
                    }
                    let merged = ours.mask | theirs.mask;
                    if merged != ours.mask {
                        ours.mask = merged;
                        changed = true;
                    }
                }
                None => {
                    let mut fact = *theirs;
                    fact.mask |= mask::UNTOUCHED;
                    self.locks.insert(path.clone(), fact);
                    changed = true;
                }
            }
        }
        for d in &other.defers {
            if let Err(at) = self.defers.binary_search(d) {
                self.defers.insert(at, *d);
                changed = true;
            }
        }
        let before = self.defers_must.len();
        self.defers_must
            .retain(|d| other.defers_must.binary_search(d).is_ok());
        changed | (self.defers_must.len() != before)
    }
}

/// How an acquisition or release happens.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Origin {
    /// A lock op of this function.
    Direct,
    /// A callee acquires (somewhere in its body or its callees) or releases
    /// (as its net effect) the lock. `inner` is the span, in the callee, of
    /// the lock op or of the call leading to it.
    Callee { callee: FuncId, inner: Span },
}

/// A lock acquisition about to happen.
#[derive(Clone, Debug)]
pub struct AcquireEvent<'a> {
    pub path: &'a AccessPath,
    pub kind: LockKind,
    /// The lock op, the call, or the `defer` call that acquires.
    pub span: Span,
    pub block: BlockId,
    pub origin: Origin,
    pub deferred: bool,
    /// A `TryLock`: never blocks.
    pub try_lock: bool,
}

/// A lock release about to happen.
#[derive(Clone, Debug)]
pub struct ReleaseEvent<'a> {
    pub path: &'a AccessPath,
    pub kind: LockKind,
    pub span: Span,
    pub block: BlockId,
    pub origin: Origin,
    pub deferred: bool,
}

/// How a path leaves the function.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum ExitKind {
    /// A `return` statement (its span).
    Return(Span),
    /// The end of the body is reached without `return`.
    FallOff,
    /// `panic(...)` (the call's span).
    Panic(Span),
    /// `os.Exit`, `log.Fatal`, `t.Fatal`, ...: the goroutine or process ends.
    NoReturn,
}

/// A path leaving the function; the state is the one after deferred calls ran.
#[derive(Clone, Debug)]
pub struct ExitEvent {
    pub block: BlockId,
    pub kind: ExitKind,
    /// The `return` statement, for [`ExitKind::Return`].
    pub stmt: Option<goconc_syntax::ast::StmtId>,
}

/// Callbacks of [`LockFlow::replay`]; each receives the state just before
/// the event takes effect.
pub trait LockVisitor {
    fn acquire(&mut self, _event: &AcquireEvent<'_>, _state: &LockState) {}
    fn release(&mut self, _event: &ReleaseEvent<'_>, _state: &LockState) {}
    fn exit(&mut self, _event: &ExitEvent, _state: &LockState) {}
    /// After node `node` of `block` (all its ops applied).
    fn after_node(&mut self, _block: BlockId, _node: usize, _state: &LockState) {}
    /// Whether [`LockVisitor::acquire`] wants events for the locks callees
    /// take and give back (they do not change the state; solving skips them).
    fn wants_callee_acquires(&self) -> bool {
        true
    }
}

struct Silent;
impl LockVisitor for Silent {
    fn wants_callee_acquires(&self) -> bool {
        false
    }
}

/// Records the paths an op acquires or releases, passing its acquisitions
/// on to `acquires_to`.
struct Touched<'v> {
    paths: Vec<AccessPath>,
    acquires_to: Option<&'v mut dyn LockVisitor>,
}

impl LockVisitor for Touched<'_> {
    fn acquire(&mut self, event: &AcquireEvent<'_>, state: &LockState) {
        self.paths.push(event.path.clone());
        if let Some(visitor) = self.acquires_to.as_deref_mut() {
            visitor.acquire(event, state);
        }
    }
    fn release(&mut self, event: &ReleaseEvent<'_>, _state: &LockState) {
        self.paths.push(event.path.clone());
    }
}

/// Whether the base of `path` is a local variable assigned after its
/// declaration (the path may name different objects over time).
pub fn base_reassigned(program: &Program, path: &AccessPath) -> bool {
    match &path.base {
        Base::Local(k) => program.local(k).is_none_or(|l| l.reassigned),
        Base::Global(_) => false,
    }
}

/// Whether the first lock op of `func` on `path` (in source order) is a
/// release: the function drops a lock its caller holds (and may take it
/// again), so its acquisitions of `path` are not re-acquisitions.
fn releases_first(func: &Function, path: &AccessPath) -> bool {
    func.ops
        .iter()
        .filter_map(|(_, op)| match &op.kind {
            OpKind::Lock {
                path: Some(p),
                op: lop,
            } if p == path && op.mode == Mode::Now => Some((op.span.start, *lop)),
            _ => None,
        })
        .min_by_key(|(start, _)| *start)
        .is_some_and(|(_, lop)| matches!(lop, LockOp::Unlock | LockOp::RUnlock))
}

/// Memo of [`acquired_after_release`], keyed by callee and the index of the
/// acquisition in its summary. Chains share callees and large packages list
/// many acquisitions per summary, so without it the walk is exponential.
pub type ReleaseFirstMemo = RefCell<HashMap<(FuncId, usize), bool>>;

/// Whether the callee `func` (or a function further down the call chain
/// through which it acquires the lock) releases the lock before taking it:
/// such helpers expect the caller to hold it and drop it around slow work
/// (`flushOutbound`-style), so reaching them with the lock held is no
/// double lock. Follows `acquire.via` with the call site's receiver and
/// argument paths.
fn acquired_after_release(
    program: &Program,
    func: FuncId,
    acquire_index: usize,
    memo: &ReleaseFirstMemo,
) -> bool {
    if let Some(&known) = memo.borrow().get(&(func, acquire_index)) {
        return known;
    }
    // Provisional answer while the chain is being walked (recursion).
    memo.borrow_mut().insert((func, acquire_index), false);
    let answer = acquired_after_release_uncached(program, func, acquire_index, memo);
    memo.borrow_mut().insert((func, acquire_index), answer);
    answer
}

fn acquired_after_release_uncached(
    program: &Program,
    func: FuncId,
    acquire_index: usize,
    memo: &ReleaseFirstMemo,
) -> bool {
    let (Some(function), Some(acquire)) = (
        program.function(func),
        program
            .summary(func)
            .and_then(|summary| summary.acquires.get(acquire_index)),
    ) else {
        return false;
    };
    if releases_first(function, &acquire.path) {
        return true;
    }
    let Some(inner) = acquire.via else {
        return false;
    };
    let Some(inner_summary) = program.summary(inner) else {
        return false;
    };
    function.ops.iter().any(|(_, op)| {
        let OpKind::Call {
            callee: Callee::Func(called),
            recv,
            args,
            ..
        } = &op.kind
        else {
            return false;
        };
        *called == inner
            && inner_summary
                .acquires
                .iter()
                .enumerate()
                .any(|(deeper_index, deeper)| {
                    deeper.kind == acquire.kind
                        && program
                            .substitute(inner, &deeper.path, recv.as_ref(), args)
                            .is_some_and(|path| path == acquire.path)
                        && acquired_after_release(program, inner, deeper_index, memo)
                })
    })
}

/// Whether `func` takes the lock it acquires at `site` (its own Lock op, or
/// the call through which a deeper callee takes it) on every path from its
/// entry to a normal return, and so does every function down that chain.
/// A lock taken only on some paths (`if !hasLock { c.mu.Lock() }`) tells
/// that callers may already hold it.
pub fn callee_locks_on_every_path(
    program: &Program,
    func: FuncId,
    site: Span,
    kind: LockKind,
) -> bool {
    let mut memo = HashMap::default();
    locks_on_every_path(program, func, site, kind, 0, &mut memo)
}

/// [`callee_locks_on_every_path`] with a memo: summaries of large packages
/// list many acquisitions, and chains share callees.
fn locks_on_every_path(
    program: &Program,
    func: FuncId,
    site: Span,
    kind: LockKind,
    depth: u32,
    memo: &mut HashMap<(FuncId, Span), bool>,
) -> bool {
    if let Some(&known) = memo.get(&(func, site)) {
        return known;
    }
    // Provisional answer while this function is on the stack (recursion).
    memo.insert((func, site), false);
    let answer = locks_on_every_path_uncached(program, func, site, kind, depth, memo);
    memo.insert((func, site), answer);
    answer
}

fn locks_on_every_path_uncached(
    program: &Program,
    func: FuncId,
    site: Span,
    kind: LockKind,
    depth: u32,
    memo: &mut HashMap<(FuncId, Span), bool>,
) -> bool {
    let (Some(function), Some(summary)) = (program.function(func), program.summary(func)) else {
        return false;
    };
    let Some(acquire) = summary
        .acquires
        .iter()
        .find(|acquire| acquire.span == site && acquire.kind == kind)
    else {
        return false;
    };
    if acquire.via.is_some() && depth >= 6 {
        return false;
    }
    let mut acquiring = vec![false; function.cfg.blocks.len()];
    for (index, slot) in acquiring.iter_mut().enumerate() {
        for (_, op) in function.block_ops(BlockId(index as u32)) {
            if op.mode != Mode::Now || op.span != site {
                continue;
            }
            let takes_it = match (&op.kind, acquire.via) {
                (
                    OpKind::Lock {
                        path: Some(path),
                        op: lock_op,
                    },
                    None,
                ) => *path == acquire.path && matches!(lock_op, LockOp::Lock | LockOp::RLock),
                (
                    OpKind::Call {
                        callee: Callee::Func(called),
                        recv,
                        args,
                        ..
                    },
                    Some(inner),
                ) if *called == inner => {
                    let deeper: Vec<Span> = program
                        .summary(inner)
                        .map(|deeper| {
                            deeper
                                .acquires
                                .iter()
                                .filter(|next| {
                                    next.kind == kind
                                        && program
                                            .substitute(inner, &next.path, recv.as_ref(), args)
                                            .is_some_and(|path| path == acquire.path)
                                })
                                .map(|next| next.span)
                                .collect()
                        })
                        .unwrap_or_default();
                    deeper.into_iter().any(|next| {
                        locks_on_every_path(program, inner, next, kind, depth + 1, memo)
                    })
                }
                _ => false,
            };
            if takes_it {
                *slot = true;
                break;
            }
        }
    }
    // Is the exit reachable from the entry without passing an acquiring block?
    let cfg = &function.cfg;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack = vec![cfg.entry];
    while let Some(block) = stack.pop() {
        let index = block.index();
        if seen.get(index).copied().unwrap_or(true) || acquiring.get(index).copied().unwrap_or(true)
        {
            continue;
        }
        seen[index] = true;
        if block == cfg.exit {
            return false;
        }
        stack.extend(cfg.block(block).succs.iter().copied());
    }
    true
}

/// Whether `func` belongs to the `sync` package (its bodies are analysed
/// when checking GOROOT; the primitives are modelled by ops instead).
fn in_sync_package(program: &Program, func: FuncId) -> bool {
    program
        .function(func)
        .and_then(|f| program.packages.get(f.pkg as usize))
        .is_some_and(|m| &*m.pkg.path == "sync")
}

/// Whether `path` reaches inside a sync primitive (`mu.w` of an RWMutex).
fn inside_sync_primitive(program: &Program, path: &AccessPath) -> bool {
    program.field_owner(path).is_some_and(|(owner, _)| {
        ["Mutex", "RWMutex", "Cond", "WaitGroup", "Once"]
            .iter()
            .any(|name| owner.is_named("sync", name))
    })
}

/// Whether a lock acquired by `callee` (entry `span`, `via`) comes from the
/// implementation of a sync primitive, following the chain of calls.
fn acquired_in_sync(program: &Program, mut via: Option<FuncId>, kind: LockKind) -> bool {
    for _ in 0..8 {
        let Some(f) = via else {
            return false;
        };
        if in_sync_package(program, f) {
            return true;
        }
        via = program
            .summary(f)
            .and_then(|s| s.acquires.iter().find(|a| a.kind == kind))
            .and_then(|a| a.via);
    }
    false
}

/// Whether `func` hands `path` (in its frame) to a goroutine it starts: the
/// goroutine's function releases it, or is a `fooLocked` function that
/// takes over the caller's lock.
pub fn hands_off(program: &Program, func: &Function, path: &AccessPath) -> bool {
    spawned_calls(program, func).any(|(target, recv, args)| {
        short_name(target).ends_with("Locked")
            || releases_somewhere(program, target)
                .iter()
                .filter_map(|p| program.substitute(target.id, p, recv, args))
                .any(|q| q == *path)
    })
}

/// The goroutines `func` starts with a known function: (the function, the
/// receiver and arguments of the `go` call).
fn spawned_calls<'p>(
    program: &'p Program,
    func: &'p Function,
) -> impl Iterator<
    Item = (
        &'p Function,
        Option<&'p AccessPath>,
        &'p [Option<AccessPath>],
    ),
> + 'p {
    func.ops
        .iter()
        .filter_map(move |(_, op)| match (op.mode, &op.kind) {
            (
                Mode::Spawned,
                OpKind::Call {
                    callee: Callee::Func(t),
                    recv,
                    args,
                    ..
                },
            ) => Some((program.function(*t)?, recv.as_ref(), args.as_slice())),
            _ => None,
        })
}

/// Paths (in `func`'s frame) that goroutines `func` starts release before
/// locking them: locks `func`'s caller holds and hands over.
fn handed_to_goroutines(program: &Program, func: &Function) -> Vec<AccessPath> {
    let mut out = Vec::new();
    for (target, recv, args) in spawned_calls(program, func) {
        if !releases_first_anything(target) {
            continue;
        }
        // The goroutine's first lock op on the path, deferred ones
        // included (`defer m.inputLk.Unlock()`), is a release.
        let first_is_release = |p: &AccessPath| {
            target
                .ops
                .iter()
                .filter_map(|(_, op)| match &op.kind {
                    OpKind::Lock {
                        path: Some(q),
                        op: lop,
                    } if q == p && op.mode != Mode::Spawned => Some((op.span.start, *lop)),
                    _ => None,
                })
                .min_by_key(|(start, _)| *start)
                .is_some_and(|(_, lop)| matches!(lop, LockOp::Unlock | LockOp::RUnlock))
        };
        out.extend(
            releases_somewhere(program, target)
                .iter()
                .filter(|p| first_is_release(p))
                .filter_map(|p| program.substitute(target.id, p, recv, args)),
        );
    }
    out
}

/// Whether some lock op of `func` is a release (cheap pre-check).
fn releases_first_anything(func: &Function) -> bool {
    func.ops.iter().any(|(_, op)| {
        matches!(
            op.kind,
            OpKind::Lock {
                op: LockOp::Unlock | LockOp::RUnlock,
                ..
            }
        )
    })
}

/// Paths (in `func`'s frame) that `func` releases directly or, on every
/// path, through its callees.
fn releases_somewhere(program: &Program, func: &Function) -> Vec<AccessPath> {
    let mut out: Vec<AccessPath> = func
        .ops
        .iter()
        .filter_map(|(_, op)| match &op.kind {
            OpKind::Lock {
                path: Some(p),
                op: LockOp::Unlock | LockOp::RUnlock,
            } if op.mode != Mode::Spawned => Some(p.clone()),
            _ => None,
        })
        .collect();
    if let Some(s) = program.summary(func.id) {
        out.extend(s.net_released.iter().map(|(p, _)| p.clone()));
    }
    out
}

/// A `TryLock` tested by the condition ending a block.
struct TryCond {
    path: AccessPath,
    kind: LockKind,
    span: Span,
    /// Index of the op in the block.
    op: usize,
    /// The successor taken when the lock was acquired.
    success_edge: usize,
}

/// The solved held-lock dataflow of one function.
pub struct LockFlow<'p> {
    program: &'p Program,
    func: &'p Function,
    file: &'p File,
    /// State at the entry of each block (`None`: unreachable).
    pub block_in: Vec<Option<LockState>>,
    /// The iteration cap was hit: states are approximate.
    pub capped: bool,
    caches: std::rc::Rc<LockCaches>,
}

/// The acquisitions of a callee's summary a call reports: index into
/// `acquires` and whether it is a TryLock.
type ReportedAcquires = std::rc::Rc<[(usize, bool)]>;

/// Facts about callees that every flow of a package asks for again:
/// shared by the flows of one [`crate::RuleContext`].
#[derive(Default)]
pub struct LockCaches {
    release_first: ReleaseFirstMemo,
    callee_acquires: RefCell<HashMap<FuncId, ReportedAcquires>>,
}

/// Whether a function has anything for the lock dataflow to track: a lock
/// op of its own, or a call that leaves a lock held or released (a lock or
/// unlock helper). A function that only calls functions which take and give
/// back their locks never holds one, so no visitor event can find anything
/// there (most of the call graph above any mutex in a large program).
fn has_lock_effects(program: &Program, func: &Function) -> bool {
    func.ops.iter().any(|(_, op)| match &op.kind {
        OpKind::Lock { path: Some(_), .. } => op.mode != Mode::Spawned,
        OpKind::Call {
            callee: Callee::Func(c),
            ..
        } if op.mode != Mode::Spawned => program
            .summary(*c)
            .is_some_and(|s| !s.net_acquired.is_empty() || !s.net_released.is_empty()),
        OpKind::OnceDo { .. } => true,
        _ => false,
    })
}

/// Whether `func` is declared in a `_test.go` file.
pub fn in_test_file(program: &Program, func: &Function) -> bool {
    program
        .packages
        .get(func.pkg as usize)
        .and_then(|m| m.pkg.files.get(func.def.file as usize))
        .is_some_and(|src| crate::is_test_path(&src.path))
}

/// Whether the doc comment of `func` (or of the declared function a
/// closure is in) states that its callers hold a lock: "call with
/// lvs.gcMu locked", "must be called with s.mu held", "caller holds mu".
pub fn documented_as_called_locked(program: &Program, func: &Function) -> bool {
    let Some((file, _)) = program.file_of(func) else {
        return false;
    };
    // The outermost declared function around `func` in its file.
    let decl_start = program
        .packages
        .get(func.pkg as usize)
        .into_iter()
        .flat_map(|m| m.funcs.iter())
        .filter_map(|&id| program.function(id))
        .filter(|g| {
            g.def.parent.is_none()
                && g.def.file == func.def.file
                && g.def.span.start <= func.def.span.start
                && func.def.span.end <= g.def.span.end
        })
        .map(|g| g.def.span.start)
        .min()
        .unwrap_or(func.def.span.start);
    let Some(group) = file
        .comments
        .iter()
        .filter(|g| g.span.end <= decl_start)
        .max_by_key(|g| g.span.end)
    else {
        return false;
    };
    // Only the comment right above the declaration is its doc.
    let gap = file.text(Span {
        start: group.span.end,
        end: decl_start,
    });
    if gap.chars().filter(|&c| c == '\n').count() > 1 || !gap.trim().is_empty() {
        return false;
    }
    let doc = file.text(group.span).to_ascii_lowercase();
    let states_held = ["locked", " held", "holding", "hold "]
        .iter()
        .any(|w| doc.contains(w));
    let about_callers = ["call", "must", "require", "expect", "assume"]
        .iter()
        .any(|w| doc.contains(w));
    states_held && about_callers
}

/// The short name of a function (`Stop` for `example.com/app.(*Server).Stop`).
pub fn short_name(func: &Function) -> &str {
    let name = func.def.name.as_str();
    name.rsplit('.').next().unwrap_or(name)
}

impl<'p> LockFlow<'p> {
    /// Solves the dataflow; `None` when the function has no lock effects or
    /// its file is missing.
    pub fn analyze(program: &'p Program, func: &'p Function) -> Option<LockFlow<'p>> {
        Self::analyze_shared(program, func, std::rc::Rc::default())
    }

    /// [`LockFlow::analyze`] reusing the callee facts of `caches`.
    pub fn analyze_shared(
        program: &'p Program,
        func: &'p Function,
        caches: std::rc::Rc<LockCaches>,
    ) -> Option<LockFlow<'p>> {
        if !has_lock_effects(program, func) {
            return None;
        }
        let (file, _) = program.file_of(func)?;
        let mut flow = LockFlow {
            program,
            func,
            file,
            block_in: vec![None; func.cfg.blocks.len()],
            capped: false,
            caches,
        };
        flow.solve();
        Some(flow)
    }

    pub fn function(&self) -> &'p Function {
        self.func
    }

    pub fn file(&self) -> &'p File {
        self.file
    }

    fn solve(&mut self) {
        let cfg = &self.func.cfg;
        let n = cfg.blocks.len();
        let mut order = vec![u32::MAX; n];
        for (i, b) in cfg.reverse_postorder().iter().enumerate() {
            order[b.index()] = i as u32;
        }
        let mut work = std::collections::BTreeSet::new();
        let mut queued = vec![false; n];
        if cfg.entry.index() >= n {
            return;
        }
        self.block_in[cfg.entry.index()] = Some(LockState::default());
        work.insert((order[cfg.entry.index()], cfg.entry));
        queued[cfg.entry.index()] = true;
        let budget = n * 32 + 64;
        let mut visits = 0usize;
        while let Some((_, b)) = work.pop_first() {
            queued[b.index()] = false;
            visits += 1;
            if visits > budget {
                self.capped = true;
                break;
            }
            let Some(input) = self.block_in[b.index()].clone() else {
                continue;
            };
            let outs = self.transfer(b, input, &mut Silent, false);
            for (s, out) in outs {
                let Some(slot) = self.block_in.get_mut(s.index()) else {
                    continue;
                };
                let changed = match slot {
                    Some(existing) => existing.join(&out),
                    None => {
                        *slot = Some(out);
                        true
                    }
                };
                if changed && !queued[s.index()] {
                    queued[s.index()] = true;
                    work.insert((order[s.index()], s));
                }
            }
        }
    }

    /// Walks every reachable block once with the solved entry states.
    pub fn replay(&self, visitor: &mut dyn LockVisitor) {
        for &b in self.func.cfg.reverse_postorder() {
            if let Some(Some(input)) = self.block_in.get(b.index()) {
                self.transfer(b, input.clone(), visitor, true);
            }
        }
    }

    /// Finds a `TryLock` call tested directly by the condition ending `b`.
    fn try_cond(&self, b: BlockId) -> Option<TryCond> {
        let block = self.func.cfg.block(b);
        let Some(Node::Cond(cond)) = block.nodes.last() else {
            return None;
        };
        if block.succs.len() != 2 {
            return None;
        }
        let mut e = self.file.unparen(*cond);
        let mut negated = false;
        for _ in 0..8 {
            match &self.file.exprs.get(e.index())?.kind {
                ExprKind::Unary { op: AstOp::Not, x } => {
                    negated = !negated;
                    e = self.file.unparen(*x);
                }
                _ => break,
            }
        }
        let ops = self.func.block_ops(b);
        let (op, path, lop, span) =
            ops.iter()
                .enumerate()
                .find_map(|(i, (_, op))| match &op.kind {
                    OpKind::Lock {
                        path: Some(p),
                        op: lop @ (LockOp::TryLock | LockOp::TryRLock),
                    } if op.expr == Some(e) && op.mode == Mode::Now => {
                        Some((i, p.clone(), *lop, op.span))
                    }
                    _ => None,
                })?;
        Some(TryCond {
            path,
            kind: lop.kind(),
            span,
            op,
            success_edge: usize::from(negated),
        })
    }

    /// Runs block `b` from `state`; returns the state on each outgoing edge.
    fn transfer(
        &self,
        b: BlockId,
        mut state: LockState,
        visitor: &mut dyn LockVisitor,
        report: bool,
    ) -> Vec<(BlockId, LockState)> {
        let cfg = &self.func.cfg;
        let block = cfg.block(b);
        let try_cond = self.try_cond(b);
        let ops = self.func.block_ops(b);
        let mut next_op = 0usize;
        for node_index in 0..block.nodes.len() {
            while let Some((n, op)) = ops.get(next_op) {
                if *n as usize > node_index {
                    break;
                }
                let op_index = next_op;
                next_op += 1;
                if try_cond.as_ref().is_some_and(|t| t.op == op_index) {
                    continue;
                }
                let global = self.global_op_index(b, op_index);
                self.apply_op(b, op, global, ops, &mut state, visitor);
            }
            if report {
                visitor.after_node(b, node_index, &state);
            }
        }
        // Ops attached past the last node (defensive: none expected).
        while let Some((_, op)) = ops.get(next_op) {
            let global = self.global_op_index(b, next_op);
            next_op += 1;
            self.apply_op(b, op, global, ops, &mut state, visitor);
        }
        if report {
            self.report_exits(b, &state, visitor);
        }
        let mut outs = Vec::with_capacity(block.succs.len());
        for (i, &s) in block.succs.iter().enumerate() {
            if s == cfg.exit || s == cfg.abort {
                // Deferred calls run here; what happens after the exit is
                // reported through `exit` events, not propagated.
                continue;
            }
            let mut out = state.clone();
            if let Some(t) = &try_cond {
                if i == t.success_edge {
                    out.set_held(t.path.clone(), t.kind, t.span, b);
                }
            }
            outs.push((s, out));
        }
        outs
    }

    fn global_op_index(&self, b: BlockId, i: usize) -> u32 {
        self.func
            .op_start
            .get(b.index())
            .map_or(u32::MAX, |start| start.saturating_add(i as u32))
    }

    fn apply_op(
        &self,
        b: BlockId,
        op: &Op,
        global_index: u32,
        block_ops: &[(u32, Op)],
        state: &mut LockState,
        visitor: &mut dyn LockVisitor,
    ) {
        match op.mode {
            Mode::Spawned => {
                // A goroutine that unlocks a lock held here hands it off:
                // whether it is still held afterwards is unknown.
                if let OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } = &op.kind
                {
                    let Some(target) = self.program.function(*c) else {
                        return;
                    };
                    let takes_over = short_name(target).ends_with("Locked");
                    let released: Vec<AccessPath> = releases_somewhere(self.program, target)
                        .iter()
                        .filter_map(|p| self.program.substitute(*c, p, recv.as_ref(), args))
                        .collect();
                    for (p, f) in state.locks.iter_mut() {
                        if f.may_held() && (takes_over || released.contains(p)) {
                            f.mask |= mask::TENTATIVE;
                        }
                    }
                }
            }
            Mode::Deferred => {
                let relevant = match &op.kind {
                    OpKind::Lock { path: Some(_), .. } => true,
                    OpKind::Call {
                        callee: Callee::Func(c),
                        ..
                    } => {
                        self.program.summary(*c).is_some_and(|s| {
                            !s.acquires.is_empty()
                                || !s.net_released.is_empty()
                                || !s.net_acquired.is_empty()
                        }) || self
                            .program
                            .function(*c)
                            .is_some_and(|f| !releases_somewhere(self.program, f).is_empty())
                    }
                    _ => false,
                };
                if relevant {
                    if let Err(at) = state.defers.binary_search(&global_index) {
                        state.defers.insert(at, global_index);
                    }
                    if let Err(at) = state.defers_must.binary_search(&global_index) {
                        state.defers_must.insert(at, global_index);
                    }
                }
            }
            Mode::Now => self.apply_now(b, op, block_ops, state, visitor, false),
        }
    }

    /// Applies an op that runs now (or a deferred op at exit, `deferred`).
    fn apply_now(
        &self,
        b: BlockId,
        op: &Op,
        block_ops: &[(u32, Op)],
        state: &mut LockState,
        visitor: &mut dyn LockVisitor,
        deferred: bool,
    ) {
        match &op.kind {
            OpKind::Lock {
                path: Some(p),
                op: lop,
            } => match lop {
                LockOp::Lock | LockOp::RLock | LockOp::TryLock | LockOp::TryRLock => {
                    let try_lock = matches!(lop, LockOp::TryLock | LockOp::TryRLock);
                    visitor.acquire(
                        &AcquireEvent {
                            path: p,
                            kind: lop.kind(),
                            span: op.span,
                            block: b,
                            origin: Origin::Direct,
                            deferred,
                            try_lock,
                        },
                        state,
                    );
                    state.set_held_via(p.clone(), lop.kind(), op.span, b, None, try_lock);
                }
                LockOp::Unlock | LockOp::RUnlock => {
                    visitor.release(
                        &ReleaseEvent {
                            path: p,
                            kind: lop.kind(),
                            span: op.span,
                            block: b,
                            origin: Origin::Direct,
                            deferred,
                        },
                        state,
                    );
                    state.set_released(p.clone(), op.span, b);
                }
            },
            OpKind::Call {
                callee: Callee::Func(c),
                recv,
                args,
                ..
            } => {
                // The implementation of a primitive (sync.Mutex.Lock when the
                // sync package itself is analysed) is modelled by its op.
                let primitive = block_ops.iter().any(|(_, o)| {
                    o.span == op.span
                        && matches!(
                            o.kind,
                            OpKind::Lock { .. }
                                | OpKind::Cond { .. }
                                | OpKind::WaitGroup { .. }
                                | OpKind::OnceDo { .. }
                        )
                });
                if primitive {
                    return;
                }
                if let Some(summary) = self.program.summary(*c) {
                    self.apply_call(
                        b,
                        op.span,
                        *c,
                        summary,
                        recv.as_ref(),
                        args,
                        state,
                        visitor,
                        deferred,
                    );
                    if op.mode == Mode::Now {
                        self.apply_returned_locks(b, op, *c, summary, state);
                    }
                }
            }
            // A held mutex handed to code the model cannot see (an
            // interface method, a function value: `db.Stmts.New(ctx, key,
            // conn, db.Mux)` unlocking it once the statement is cached):
            // whether it is still held afterwards is unknown.
            OpKind::Call {
                callee: Callee::Interface { .. } | Callee::Dynamic,
                args,
                ..
            } if !state.locks.is_empty() => {
                for arg in args.iter().flatten() {
                    if let Some(f) = state.locks.get_mut(arg) {
                        if f.may_held() {
                            f.mask |= mask::TENTATIVE;
                        }
                    }
                }
            }
            OpKind::Call {
                callee: Callee::External(_),
                func_arg: Some(fa),
                ..
            } if !fa.spawned => {
                // `once.Do(f)` runs f synchronously in the calling goroutine.
                let is_once = block_ops
                    .iter()
                    .any(|(_, o)| o.span == op.span && matches!(o.kind, OpKind::OnceDo { .. }));
                if let (true, FuncArg::Func(target)) = (is_once, &fa.func) {
                    if let Some(summary) = self.program.summary(*target) {
                        let recv = op
                            .expr
                            .and_then(|call| self.func_arg_receiver(call, fa.index));
                        self.check_callee_acquires(
                            b,
                            op.span,
                            *target,
                            summary,
                            recv.as_ref(),
                            &[],
                            state,
                            visitor,
                            deferred,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn check_callee_acquires(
        &self,
        b: BlockId,
        span: Span,
        callee: FuncId,
        summary: &Summary,
        recv: Option<&AccessPath>,
        args: &[Option<AccessPath>],
        state: &LockState,
        visitor: &mut dyn LockVisitor,
        deferred: bool,
    ) {
        if !visitor.wants_callee_acquires() {
            return;
        }
        let reported = self.reported_acquires(callee, summary);
        for &(acquire_index, try_lock) in reported.iter() {
            let Some(acq) = summary.acquires.get(acquire_index) else {
                continue;
            };
            let Some(path) = self.program.substitute(callee, &acq.path, recv, args) else {
                continue;
            };
            visitor.acquire(
                &AcquireEvent {
                    path: &path,
                    kind: acq.kind,
                    span,
                    block: b,
                    origin: Origin::Callee {
                        callee,
                        inner: acq.span,
                    },
                    deferred,
                    try_lock,
                },
                state,
            );
        }
    }

    /// The acquisitions of `callee`'s summary that a call re-acquires in the
    /// caller's eyes (index into `summary.acquires`, whether it is a
    /// TryLock); independent of the call site, so computed once per callee.
    fn reported_acquires(&self, callee: FuncId, summary: &Summary) -> ReportedAcquires {
        if let Some(known) = self.caches.callee_acquires.borrow().get(&callee) {
            return known.clone();
        }
        let mut reported = Vec::new();
        for (acquire_index, acq) in summary.acquires.iter().enumerate() {
            // A callee that releases the lock before taking it again
            // (`fooLocked` helpers that drop the lock around slow work)
            // expects it held: that is no re-acquisition.
            if summary
                .net_released
                .iter()
                .any(|(p, k)| *p == acq.path && *k == acq.kind)
            {
                continue;
            }
            // Likewise a callee that unlocks it itself (drops the caller's
            // lock around slow work), or whose receiver/parameter is
            // reassigned (hand-over-hand locking walks other objects).
            if base_reassigned(self.program, &acq.path)
                || acquired_in_sync(self.program, acq.via, acq.kind)
                || inside_sync_primitive(self.program, &acq.path)
                || acquired_after_release(
                    self.program,
                    callee,
                    acquire_index,
                    &self.caches.release_first,
                )
            {
                continue;
            }
            reported.push((acquire_index, acq.try_only));
        }
        let reported: ReportedAcquires = reported.into();
        self.caches
            .callee_acquires
            .borrow_mut()
            .insert(callee, reported.clone());
        reported
    }

    /// A helper that returns an object with its lock held (`v :=
    /// m.lockVolume(id)` where `lockVolume` ends in `v.mu.Lock(); return
    /// v`): the lock is held on the caller's variable.
    fn apply_returned_locks(
        &self,
        b: BlockId,
        op: &goconc_semantic::ops::Op,
        callee: FuncId,
        summary: &Summary,
        state: &mut LockState,
    ) {
        if summary.net_acquired.is_empty() {
            return;
        }
        let Some(call) = op.expr else { return };
        let Some(f) = self.program.function(callee) else {
            return;
        };
        let Some((returned, index)) = returned_local(self.program, f) else {
            return;
        };
        let Some(target) = self.assigned_local(call, index) else {
            return;
        };
        for (p, k) in &summary.net_acquired {
            let Base::Local(key) = &p.base else { continue };
            if key.local != returned
                || key.file != f.def.file
                || key.pkg != f.pkg
                || summary.net_released.iter().any(|(q, j)| q == p && j == k)
                || inside_sync_primitive(self.program, p)
            {
                continue;
            }
            state.set_held_via(p.rebase(&target), *k, op.span, b, Some(callee), false);
        }
    }

    /// The caller's local that result `index` of the call `call` is
    /// assigned to (`v := m.lockVolume(id)`, `v, err := ...`).
    fn assigned_local(&self, call: ExprId, index: usize) -> Option<AccessPath> {
        let (_, info) = self.program.file_of(self.func)?;
        self.file.stmts.iter().find_map(|stmt| {
            let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
                return None;
            };
            let [r] = rhs.as_slice() else { return None };
            if self.file.unparen(*r) != call {
                return None;
            }
            let l = self.file.unparen(*lhs.get(index)?);
            let goconc_semantic::body::Res::Local(local) = info.res(l) else {
                return None;
            };
            Some(AccessPath {
                base: Base::Local(goconc_semantic::ops::LocalKey {
                    pkg: self.func.pkg,
                    file: self.func.def.file,
                    local: *local,
                }),
                fields: Default::default(),
            })
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_call(
        &self,
        b: BlockId,
        span: Span,
        callee: FuncId,
        summary: &Summary,
        recv: Option<&AccessPath>,
        args: &[Option<AccessPath>],
        state: &mut LockState,
        visitor: &mut dyn LockVisitor,
        deferred: bool,
    ) {
        self.check_callee_acquires(
            b, span, callee, summary, recv, args, state, visitor, deferred,
        );
        for (p, k) in &summary.net_released {
            if inside_sync_primitive(self.program, p) {
                continue;
            }
            let Some(path) = self.program.substitute(callee, p, recv, args) else {
                continue;
            };
            // A helper that unlocks and locks again leaves the lock held.
            if summary.net_acquired.iter().any(|(q, j)| q == p && j == k) {
                continue;
            }
            visitor.release(
                &ReleaseEvent {
                    path: &path,
                    kind: *k,
                    span,
                    block: b,
                    origin: Origin::Callee {
                        callee,
                        inner: span,
                    },
                    deferred,
                },
                state,
            );
            state.set_released(path, span, b);
        }
        // A callee "called with m.inputLk" that starts a goroutine which
        // releases it (`defer m.inputLk.Unlock()`): the caller's lock is
        // taken over, not leaked.
        // (Asked only while a lock may be held: the walk of the callee's
        // goroutines is on every call of the lock flow.)
        if !deferred && state.locks.values().any(|f| f.may_held()) {
            if let Some(f) = self.program.function(callee) {
                for p in handed_to_goroutines(self.program, f) {
                    let Some(path) = self.program.substitute(callee, &p, recv, args) else {
                        continue;
                    };
                    if state.fact(&path).may_held() {
                        state.set_released(path, span, b);
                    }
                }
            }
        }
        for (p, k) in &summary.net_acquired {
            if summary.net_released.iter().any(|(q, j)| q == p && j == k) {
                continue;
            }
            if inside_sync_primitive(self.program, p)
                || self
                    .program
                    .function(callee)
                    .is_some_and(|f| hands_off(self.program, f, p))
            {
                continue;
            }
            let Some(path) = self.program.substitute(callee, p, recv, args) else {
                continue;
            };
            state.set_held_via(path, *k, span, b, Some(callee), false);
        }
    }

    /// The receiver path of a method value passed as argument `index` of
    /// the call `call` (`c.dial` in `once.Do(c.dial)`).
    fn func_arg_receiver(&self, call: ExprId, index: u32) -> Option<AccessPath> {
        let (_, info) = self.program.file_of(self.func)?;
        let ExprKind::Call { args, .. } = &self.file.exprs.get(call.index())?.kind else {
            return None;
        };
        let arg = self.file.unparen(*args.get(index as usize)?);
        let ExprKind::Selector { x, .. } = &self.file.expr(arg).kind else {
            return None;
        };
        let Some(Selection::Method { embedded, .. }) = info.selection(arg) else {
            return None;
        };
        let mut path = self.simple_path(*x, 0)?;
        for emb in embedded {
            path = path.with_field(emb.clone());
        }
        Some(path)
    }

    /// The access path of a local or a field chain on a local.
    fn simple_path(&self, e: ExprId, depth: u32) -> Option<AccessPath> {
        if depth > 16 {
            return None;
        }
        let (_, info) = self.program.file_of(self.func)?;
        let e = self.file.unparen(e);
        match &self.file.exprs.get(e.index())?.kind {
            ExprKind::Ident(_) => match info.res(e) {
                goconc_semantic::body::Res::Local(l) => Some(AccessPath {
                    base: Base::Local(LocalKey {
                        pkg: self.func.pkg,
                        file: self.func.def.file,
                        local: *l,
                    }),
                    fields: Default::default(),
                }),
                _ => None,
            },
            ExprKind::Selector { x, .. } => match info.selection(e)? {
                Selection::Field { embedded, name, .. } => {
                    let mut p = self.simple_path(*x, depth + 1)?;
                    for emb in embedded {
                        p = p.with_field(emb.clone());
                    }
                    Some(p.with_field(name.clone()))
                }
                _ => None,
            },
            ExprKind::Star { x } | ExprKind::Unary { op: AstOp::And, x } => {
                self.simple_path(*x, depth + 1)
            }
            _ => None,
        }
    }

    /// At the end of a block that leaves the function, runs the deferred
    /// calls (last registered first) and reports the exit.
    fn report_exits(&self, b: BlockId, state: &LockState, visitor: &mut dyn LockVisitor) {
        let cfg = &self.func.cfg;
        let block = cfg.block(b);
        for &s in &block.succs {
            let mut stmt = None;
            let kind = if s == cfg.exit {
                match block.nodes.last() {
                    Some(Node::Stmt(st))
                        if matches!(
                            self.file.stmts.get(st.index()).map(|x| &x.kind),
                            Some(StmtKind::Return { .. })
                        ) =>
                    {
                        stmt = Some(*st);
                        ExitKind::Return(self.file.stmt(*st).span)
                    }
                    _ => ExitKind::FallOff,
                }
            } else if s == cfg.abort && cfg.block(s).kind == BlockKind::Abort {
                match self.panic_call(b) {
                    Some(span) => ExitKind::Panic(span),
                    None => ExitKind::NoReturn,
                }
            } else {
                continue;
            };
            let mut at_exit = state.clone();
            let defers = std::mem::take(&mut at_exit.defers);
            let must = std::mem::take(&mut at_exit.defers_must);
            for &d in defers.iter().rev() {
                let Some((_, op)) = self.func.ops.get(d as usize) else {
                    continue;
                };
                let db = self.block_of_op(d);
                let ops = self.func.block_ops(db);
                if must.binary_search(&d).is_ok() && kind != ExitKind::NoReturn {
                    self.apply_now(db, op, ops, &mut at_exit, visitor, true);
                } else {
                    // Registered on some paths only: whatever it touches is
                    // unknown afterwards. Where it runs on a normal return,
                    // though, the locks still held are held: an acquisition
                    // of one is a second acquisition whenever the defer was
                    // registered (`defer p.discard(c)` in a loop, after
                    // `defer p.mu.Unlock()`).
                    let normal_exit = matches!(kind, ExitKind::Return(_) | ExitKind::FallOff);
                    let mut touched = Touched {
                        paths: Vec::new(),
                        acquires_to: normal_exit.then_some(&mut *visitor),
                    };
                    self.apply_now(db, op, ops, &mut at_exit, &mut touched, true);
                    for p in touched.paths {
                        if let Some(f) = at_exit.locks.get_mut(&p) {
                            f.mask |= mask::TENTATIVE;
                        }
                    }
                }
                // A deferred function that unlocks on some of its paths only
                // (`if unlockOnExit { mu.Unlock() }`): unknown.
                if let OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } = &op.kind
                {
                    if let Some(target) = self.program.function(*c) {
                        for p in releases_somewhere(self.program, target) {
                            if let Some(q) = self.program.substitute(*c, &p, recv.as_ref(), args) {
                                if let Some(f) = at_exit.locks.get_mut(&q) {
                                    if f.may_held() {
                                        f.mask |= mask::TENTATIVE;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            visitor.exit(
                &ExitEvent {
                    block: b,
                    kind,
                    stmt,
                },
                &at_exit,
            );
        }
    }

    fn block_of_op(&self, global: u32) -> BlockId {
        let starts = &self.func.op_start;
        // op_start is non-decreasing: the block is the last start <= global.
        let i = starts.partition_point(|&s| s <= global);
        BlockId(i.saturating_sub(1) as u32)
    }

    /// The span of a `panic(...)` call ending block `b`.
    fn panic_call(&self, b: BlockId) -> Option<Span> {
        self.func
            .block_ops(b)
            .iter()
            .rev()
            .find_map(|(_, op)| match op.kind {
                OpKind::Call {
                    callee: Callee::Builtin(Builtin::Panic),
                    ..
                } if op.mode == Mode::Now => Some(op.span),
                _ => None,
            })
    }
}

/// A lock's name as shown in messages: [`Program::describe_path`], without
/// the package qualifier for package-level mutexes of `func`'s own package
/// (`codecsMu`, not `app.codecsMu`).
pub fn describe_lock(program: &Program, func: &Function, path: &AccessPath) -> String {
    let text = program.describe_path(path);
    if let Base::Global(_) = path.base {
        if let Some(model) = program.packages.get(func.pkg as usize) {
            let prefix = format!("{}.", model.pkg.name);
            if let Some(rest) = text.strip_prefix(&prefix) {
                return rest.to_string();
            }
        }
    }
    text
}

/// The source text span of a CFG node, for locating statements between nodes.
pub fn node_span(file: &File, node: &Node) -> Option<Span> {
    Some(match node {
        Node::Stmt(s) => file.stmts.get(s.index())?.span,
        Node::Cond(e) => file.exprs.get(e.index())?.span,
        Node::RangeInit(s) | Node::RangeNext(s) => match &file.stmts.get(s.index())?.kind {
            StmtKind::Range { x, .. } => file.exprs.get(x.index())?.span,
            _ => return None,
        },
        Node::Select(s) => {
            let sp = file.stmts.get(s.index())?.span;
            Span {
                start: sp.start,
                end: sp.start.saturating_add(1).min(sp.end),
            }
        }
        Node::SelectCase { clause, .. } => match &file.stmts.get(clause.index())?.kind {
            StmtKind::CommClause { colon, .. } => {
                let sp = file.stmt(*clause).span;
                Span {
                    start: sp.start,
                    end: colon.saturating_add(1),
                }
            }
            _ => return None,
        },
    })
}

/// The local `f` returns as result `index` on every `return` of its own
/// body (`return v`, `return v, nil`).
fn returned_local(
    program: &Program,
    f: &Function,
) -> Option<(goconc_semantic::body::LocalId, usize)> {
    let (file, info) = program.file_of(f)?;
    let mut found: Option<(goconc_semantic::body::LocalId, usize)> = None;
    let mut any = false;
    for block in &f.cfg.blocks {
        for n in &block.nodes {
            let Node::Stmt(stmt) = n else { continue };
            let StmtKind::Return { results } = &file.stmt(*stmt).kind else {
                continue;
            };
            any = true;
            let this = results.iter().enumerate().find_map(|(i, r)| {
                let r = file.unparen(*r);
                match (&file.expr(r).kind, info.res(r)) {
                    (ExprKind::Ident(_), goconc_semantic::body::Res::Local(l))
                        if found.is_none_or(|(fl, fi)| fl == *l && fi == i) =>
                    {
                        Some((*l, i))
                    }
                    _ => None,
                }
            })?;
            found = Some(this);
        }
    }
    found.filter(|_| any)
}

#[cfg(test)]
mod tests {
    use super::*;
    use goconc_semantic::loader::GoEnv;

    struct Recorder {
        acquires: Vec<(String, Option<LockKind>)>,
        exits: Vec<Vec<String>>,
    }

    impl LockVisitor for Recorder {
        fn acquire(&mut self, event: &AcquireEvent<'_>, state: &LockState) {
            self.acquires
                .push((format!("{:?}", event.kind), state.must_held(event.path)));
        }
        fn exit(&mut self, _event: &ExitEvent, state: &LockState) {
            self.exits.push(
                state
                    .locks
                    .values()
                    .filter(|f| f.may_held())
                    .map(|f| format!("{:#x}", f.mask))
                    .collect(),
            );
        }
    }

    fn run(src: &str, func: &str) -> Recorder {
        let program = Program::from_sources(
            &[("example.com/app", &[("a.go", src)])],
            GoEnv::embedded_only(),
        );
        let f = program
            .find_function("example.com/app", func)
            .expect("function exists");
        let flow = LockFlow::analyze(&program, f).expect("has lock effects");
        let mut rec = Recorder {
            acquires: Vec::new(),
            exits: Vec::new(),
        };
        flow.replay(&mut rec);
        rec
    }

    const HEADER: &str = "package app\nimport \"sync\"\ntype S struct { mu sync.Mutex; n int }\n";

    #[test]
    fn second_lock_sees_the_first_as_must_held() {
        let src = format!("{HEADER}func (s *S) F() {{ s.mu.Lock(); s.mu.Lock() }}\n");
        let rec = run(&src, "S.F");
        assert_eq!(rec.acquires.len(), 2);
        assert_eq!(rec.acquires[0].1, None);
        assert_eq!(rec.acquires[1].1, Some(LockKind::Write));
    }

    #[test]
    fn deferred_unlock_releases_at_every_return() {
        let src = format!(
            "{HEADER}func (s *S) F(x bool) int {{ s.mu.Lock(); defer s.mu.Unlock(); if x {{ return 1 }}; return 2 }}\n"
        );
        let rec = run(&src, "S.F");
        assert_eq!(rec.exits.len(), 2);
        assert!(
            rec.exits.iter().all(|held| held.is_empty()),
            "{:?}",
            rec.exits
        );
    }

    #[test]
    fn trylock_holds_only_on_success_edge() {
        let src = format!(
            "{HEADER}func (s *S) F() bool {{ if !s.mu.TryLock() {{ return false }}; s.n++; return true }}\n"
        );
        let rec = run(&src, "S.F");
        assert_eq!(rec.exits.len(), 2);
        assert_eq!(
            rec.exits[0].len() + rec.exits[1].len(),
            1,
            "{:?}",
            rec.exits
        );
    }

    struct Releases(Vec<u8>);
    impl LockVisitor for Releases {
        fn release(&mut self, event: &ReleaseEvent<'_>, state: &LockState) {
            self.0.push(state.fact(event.path).mask);
        }
    }

    fn release_masks(src: &str, func: &str) -> Vec<u8> {
        let program = Program::from_sources(
            &[("example.com/app", &[("a.go", src)])],
            GoEnv::embedded_only(),
        );
        let f = program
            .find_function("example.com/app", func)
            .expect("function exists");
        let flow = LockFlow::analyze(&program, f).expect("has lock effects");
        let mut rec = Releases(Vec::new());
        flow.replay(&mut rec);
        rec.0
    }

    #[test]
    fn nested_read_lock_survives_one_runlock() {
        let src = "package app\nimport \"sync\"\ntype R struct { mu sync.RWMutex }\nfunc (r *R) F() { r.mu.RLock(); r.mu.RLock(); r.mu.RUnlock(); r.mu.RUnlock() }\n";
        let masks = release_masks(src, "R.F");
        assert_eq!(masks.len(), 2);
        assert!(masks.iter().all(|m| m & mask::READ != 0), "{masks:?}");
    }

    #[test]
    fn releasing_the_callers_lock_keeps_it_unknown() {
        let src = format!("{HEADER}func (s *S) F() {{ s.mu.Unlock(); s.mu.Unlock() }}\n");
        let masks = release_masks(&src, "S.F");
        assert_eq!(masks, vec![mask::UNTOUCHED, mask::UNTOUCHED]);
    }

    #[test]
    fn join_of_held_and_released_is_not_must_held() {
        let src = format!(
            "{HEADER}func (s *S) F(x bool) {{ s.mu.Lock(); if x {{ s.mu.Unlock() }}; s.mu.Lock() }}\n"
        );
        let rec = run(&src, "S.F");
        assert_eq!(rec.acquires[1].1, None);
    }
}
