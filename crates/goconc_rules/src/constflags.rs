//! Lock acquisitions of a callee specialised on the constant boolean flags
//! its call site passes.
//!
//! Summaries are context-insensitive: `processAck(seq, needLock bool)` that
//! takes `mset.mu` only `if needLock` "acquires mset.mu" even where every
//! caller in a locked region passes `false`. Rules that ask "what does this
//! call acquire" (GC202's "acquires X through this call", GC205's "the
//! worker acquires X") then see orders that cannot happen.
//!
//! [`ConstFlags`] recomputes a callee's acquisitions on its CFG with the
//! branches that the call's constant flags decide pruned: a call passing
//! `true`/`false` (or a parameter of the caller that is itself bound to a
//! constant) binds the callee's parameter; an `if`/`for` condition that
//! evaluates to a constant under the bindings follows only that edge.
//! Conditions are evaluated through literals, bound parameters, `!`, `&&`,
//! `||`, parentheses and locals with a single initialiser (`inPlace :=
//! o.node == nil && needLock`). Closures the callee declares and calls
//! (`lock := func() { if needLock { o.mu.Lock() } }`) inherit the bindings
//! of the parameters they capture. Callees are followed with the propagated
//! bindings, memoised on (callee, bindings).
//!
//! Cost: only calls that pass a constant to a parameter the callee (or a
//! function it passes the parameter on to) actually tests are specialised,
//! and only callees with acquisitions are looked at; everything else uses
//! the summary unchanged. Depth and the number of specialisations are
//! capped; past the caps the summary is used, which only ever reports more.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::cell::{Cell, RefCell};
use std::ops::Deref;
use std::rc::Rc;

use goconc_semantic::body::{FileInfo, LocalId, LocalKind, Res};
use goconc_semantic::cfg::{BlockId, Node};
use goconc_semantic::ops::{Callee, FuncId, LockOp, Mode, Op, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::summary::LockAcquire;
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Op as AstOp, StmtKind};
use goconc_syntax::File;

/// Constant values of boolean parameters, in the frame of the function they
/// belong to (sorted by local; closures share their parent's locals).
type Bindings = Vec<(LocalId, bool)>;

/// How deep specialisation follows calls.
const MAX_DEPTH: u32 = 8;
/// Specialisations computed per [`ConstFlags`] before falling back to
/// summaries.
const MAX_SPECIALISATIONS: u32 = 4096;
/// How deep a condition is evaluated through `!`, `&&`, `||` and
/// initialisers.
const MAX_EXPR_DEPTH: u32 = 16;
/// The summary's cap on listed acquisitions (kept so that an unpruned
/// recomputation lists the same ones).
const MAX_ACQUIRES: usize = 64;

/// Specialised acquisitions by function and bindings.
type SpecialisedMemo = RefCell<HashMap<(FuncId, Bindings), Rc<[LockAcquire]>>>;

/// `if`/`for` condition expressions by (package, file).
type BranchCondMemo = RefCell<HashMap<(u32, u32), Rc<HashSet<ExprId>>>>;

/// A callee's acquisitions: its summary's, or a specialised recomputation.
pub enum Acquires<'p> {
    Summary(&'p [LockAcquire]),
    Specialised(Rc<[LockAcquire]>),
}

impl Deref for Acquires<'_> {
    type Target = [LockAcquire];
    fn deref(&self) -> &[LockAcquire] {
        match self {
            Acquires::Summary(list) => list,
            Acquires::Specialised(list) => list,
        }
    }
}

/// Memoised specialisations for one package's rules (single-threaded).
pub struct ConstFlags<'p> {
    program: &'p Program,
    /// Per function: the locals whose constant value can prune one of its
    /// lock acquisitions (tested by its conditions, by the closures it
    /// calls, or passed on to a callee that tests them).
    flag_locals: RefCell<HashMap<FuncId, Rc<[LocalId]>>>,
    /// Per function: whether some call inside it (transitively) passes a
    /// constant flag that prunes an acquisition, so that its unbound
    /// acquisitions may be fewer than its summary lists.
    refinable: RefCell<HashMap<FuncId, bool>>,
    specialised: SpecialisedMemo,
    /// Per (package, file): the expressions that are `if`/`for` conditions
    /// (a `Node::Cond` may also be a switch tag or `case` value).
    branch_conds: BranchCondMemo,
    specialisations: Cell<u32>,
}

impl<'p> ConstFlags<'p> {
    pub fn new(program: &'p Program) -> Self {
        ConstFlags {
            program,
            flag_locals: RefCell::default(),
            refinable: RefCell::default(),
            specialised: RefCell::default(),
            branch_conds: RefCell::default(),
            specialisations: Cell::new(0),
        }
    }

    /// What `callee` acquires (in its own frame) when called by `op` in
    /// `caller`, given nothing about the caller's own parameters.
    pub fn call_acquires(&self, caller: &Function, op: &Op, callee: FuncId) -> Acquires<'p> {
        let plain = self.summary_acquires(callee);
        if plain.is_empty() {
            return Acquires::Summary(plain);
        }
        match self.call_bindings(caller, &[], op, callee) {
            Some(bindings) => Acquires::Specialised(self.acquires_under(callee, bindings, 0)),
            None => Acquires::Summary(plain),
        }
    }

    /// What `func` acquires when nothing is known about its parameters,
    /// with the calls inside it that pass constant flags specialised.
    pub fn acquires(&self, func: FuncId) -> Acquires<'p> {
        let plain = self.summary_acquires(func);
        if plain.is_empty() || !self.is_refinable(func, 0) {
            return Acquires::Summary(plain);
        }
        Acquires::Specialised(self.acquires_under(func, Vec::new(), 0))
    }

    fn summary_acquires(&self, func: FuncId) -> &'p [LockAcquire] {
        self.program
            .summary(func)
            .map_or(&[][..], |summary| summary.acquires.as_slice())
    }

    /// The bindings `callee` runs with when `op` (in `caller`, whose own
    /// parameters are bound by `caller_bindings`) calls it; `None` when the
    /// call can use the callee's summary.
    fn call_bindings(
        &self,
        caller: &Function,
        caller_bindings: &[(LocalId, bool)],
        op: &Op,
        callee: FuncId,
    ) -> Option<Bindings> {
        let target = self.program.function(callee)?;
        let flags = self.flag_locals_of(callee, 0);
        let mut bindings: Bindings = Vec::new();
        if !flags.is_empty() {
            // A closure declared in the caller sees the caller's bound
            // parameters it captures.
            if is_nested_in(target, caller) {
                bindings.extend(
                    caller_bindings
                        .iter()
                        .filter(|(local, _)| flags.contains(local))
                        .copied(),
                );
            }
            if let Some(args) = self.call_args(caller, op) {
                let (caller_file, caller_info) = self.program.file_of(caller)?;
                let (_, target_info) = self.program.file_of(target)?;
                // `T.M(recv, x)` and spread calls do not map arguments to
                // parameters one to one: bind nothing.
                if args.len() == target.def.params.len() {
                    for (&arg, &param) in args.iter().zip(&target.def.params) {
                        if !flags.contains(&param)
                            || target_info.local(param).is_none_or(|l| l.reassigned)
                        {
                            continue;
                        }
                        if let Some(value) =
                            eval_bool(caller_file, caller_info, arg, caller_bindings, 0)
                        {
                            bindings.retain(|(local, _)| *local != param);
                            bindings.push((param, value));
                        }
                    }
                }
            }
        }
        if !bindings.is_empty() {
            bindings.sort_unstable();
            return Some(bindings);
        }
        self.is_refinable(callee, 0).then(Vec::new)
    }

    /// The argument expressions of the call performed by `op`.
    fn call_args(&self, caller: &Function, op: &Op) -> Option<Vec<ExprId>> {
        let (file, _) = self.program.file_of(caller)?;
        let call = op.expr?;
        match &file.exprs.get(call.index())?.kind {
            ExprKind::Call {
                args,
                ellipsis: None,
                ..
            } => Some(args.iter().copied().collect()),
            _ => None,
        }
    }

    /// Locals whose constant value can prune an acquisition of `func`.
    fn flag_locals_of(&self, func: FuncId, depth: u32) -> Rc<[LocalId]> {
        if let Some(known) = self.flag_locals.borrow().get(&func) {
            return known.clone();
        }
        if depth > MAX_DEPTH || self.summary_acquires(func).is_empty() {
            return Rc::from(Vec::new());
        }
        // Provisional answer while `func` is on the stack (recursion).
        self.flag_locals
            .borrow_mut()
            .insert(func, Rc::from(Vec::new()));
        let computed: Rc<[LocalId]> = self.compute_flag_locals(func, depth).into();
        self.flag_locals.borrow_mut().insert(func, computed.clone());
        computed
    }

    fn compute_flag_locals(&self, func: FuncId, depth: u32) -> Vec<LocalId> {
        let mut out = Vec::new();
        let Some(function) = self.program.function(func) else {
            return out;
        };
        let Some((file, info)) = self.program.file_of(function) else {
            return out;
        };
        let conds = self.branch_conds_of(function, file);
        for block in &function.cfg.blocks {
            if let (Some(Node::Cond(cond)), 2) = (block.nodes.last(), block.succs.len()) {
                if conds.contains(cond) {
                    collect_locals(file, info, *cond, &mut out, 0);
                }
            }
        }
        for (_, op) in &function.ops {
            let Some(callee) = direct_callee(op) else {
                continue;
            };
            let Some(target) = self.program.function(callee) else {
                continue;
            };
            let deeper = self.flag_locals_of(callee, depth + 1);
            if deeper.is_empty() {
                continue;
            }
            if is_nested_in(target, function) {
                out.extend(deeper.iter().copied());
            }
            let Some(args) = self.call_args(function, op) else {
                continue;
            };
            if args.len() != target.def.params.len() {
                continue;
            }
            for (&arg, param) in args.iter().zip(&target.def.params) {
                if deeper.contains(param) {
                    collect_locals(file, info, arg, &mut out, 0);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Whether a call inside `func` (or further down) passes a constant flag
    /// that its callee tests.
    fn is_refinable(&self, func: FuncId, depth: u32) -> bool {
        if let Some(&known) = self.refinable.borrow().get(&func) {
            return known;
        }
        if depth > MAX_DEPTH || self.summary_acquires(func).is_empty() {
            return false;
        }
        self.refinable.borrow_mut().insert(func, false);
        let answer = self.compute_refinable(func, depth);
        self.refinable.borrow_mut().insert(func, answer);
        answer
    }

    fn compute_refinable(&self, func: FuncId, depth: u32) -> bool {
        let Some(function) = self.program.function(func) else {
            return false;
        };
        let Some((file, info)) = self.program.file_of(function) else {
            return false;
        };
        function.ops.iter().any(|(_, op)| {
            let Some(callee) = direct_callee(op) else {
                return false;
            };
            let Some(target) = self.program.function(callee) else {
                return false;
            };
            if self.summary_acquires(callee).is_empty() {
                return false;
            }
            let flags = self.flag_locals_of(callee, depth + 1);
            let passes_constant = !flags.is_empty()
                && self.call_args(function, op).is_some_and(|args| {
                    args.len() == target.def.params.len()
                        && args.iter().zip(&target.def.params).any(|(&arg, param)| {
                            flags.contains(param) && eval_bool(file, info, arg, &[], 0).is_some()
                        })
                });
            passes_constant || self.is_refinable(callee, depth + 1)
        })
    }

    /// `func`'s acquisitions, recomputed as its summary does but over the
    /// blocks reachable under `bindings`, with calls specialised in turn.
    fn acquires_under(&self, func: FuncId, bindings: Bindings, depth: u32) -> Rc<[LockAcquire]> {
        let key = (func, bindings);
        if let Some(known) = self.specialised.borrow().get(&key) {
            return known.clone();
        }
        let plain: Rc<[LockAcquire]> = self.summary_acquires(func).into();
        if depth > MAX_DEPTH || self.specialisations.get() >= MAX_SPECIALISATIONS {
            return plain;
        }
        self.specialisations.set(self.specialisations.get() + 1);
        // Provisional answer while `func` is on the stack (recursion): the
        // summary, which lists at least as much.
        self.specialised
            .borrow_mut()
            .insert(key.clone(), plain.clone());
        let computed: Rc<[LockAcquire]> = self
            .compute_acquires(func, &key.1, depth)
            .map_or(plain, Rc::from);
        self.specialised.borrow_mut().insert(key, computed.clone());
        computed
    }

    fn compute_acquires(
        &self,
        func: FuncId,
        bindings: &[(LocalId, bool)],
        depth: u32,
    ) -> Option<Vec<LockAcquire>> {
        let function = self.program.function(func)?;
        let (file, info) = self.program.file_of(function)?;
        let reachable = self.reachable_under(function, file, info, bindings);
        let mut out: Vec<LockAcquire> = Vec::new();
        let push = |out: &mut Vec<LockAcquire>, acquire: LockAcquire| {
            goconc_semantic::summary::add_acquire(out, acquire, MAX_ACQUIRES)
        };
        // Same order as the summary: blocks by index, ops in block order.
        for (index, _) in reachable.iter().enumerate().filter(|(_, r)| **r) {
            for (_, op) in function.block_ops(BlockId(index as u32)) {
                match &op.kind {
                    OpKind::Lock {
                        path: Some(path),
                        op: lock_op,
                    } if lock_op.acquires() && op.mode == Mode::Now => push(
                        &mut out,
                        LockAcquire {
                            path: path.clone(),
                            kind: lock_op.kind(),
                            span: op.span,
                            via: None,
                            try_only: matches!(lock_op, LockOp::TryLock | LockOp::TryRLock),
                        },
                    ),
                    OpKind::Call {
                        callee: Callee::Func(callee),
                        recv,
                        args,
                        ..
                    } if op.mode != Mode::Spawned => {
                        if out.len() >= MAX_ACQUIRES {
                            continue;
                        }
                        let inner = match self.call_bindings(function, bindings, op, *callee) {
                            Some(inner_bindings) => Acquires::Specialised(self.acquires_under(
                                *callee,
                                inner_bindings,
                                depth + 1,
                            )),
                            None => Acquires::Summary(self.summary_acquires(*callee)),
                        };
                        for acquire in inner.iter() {
                            if out.len() >= MAX_ACQUIRES {
                                break;
                            }
                            let Some(path) = self.program.substitute(
                                *callee,
                                &acquire.path,
                                recv.as_ref(),
                                args,
                            ) else {
                                continue;
                            };
                            push(
                                &mut out,
                                LockAcquire {
                                    path,
                                    kind: acquire.kind,
                                    span: op.span,
                                    via: Some(*callee),
                                    try_only: acquire.try_only,
                                },
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(out)
    }

    /// Blocks of `function` reachable from its entry when the branch
    /// conditions that evaluate to a constant under `bindings` take only
    /// their constant edge.
    fn reachable_under(
        &self,
        function: &Function,
        file: &File,
        info: &FileInfo,
        bindings: &[(LocalId, bool)],
    ) -> Vec<bool> {
        let cfg = &function.cfg;
        let conds = if bindings.is_empty() {
            None
        } else {
            Some(self.branch_conds_of(function, file))
        };
        let mut seen = vec![false; cfg.blocks.len()];
        let mut stack = vec![cfg.entry];
        while let Some(block_id) = stack.pop() {
            let Some(slot) = seen.get_mut(block_id.index()) else {
                continue;
            };
            if *slot {
                continue;
            }
            *slot = true;
            let block = cfg.block(block_id);
            let decided = match (&conds, block.nodes.last(), block.succs.len()) {
                (Some(conds), Some(Node::Cond(cond)), 2) if conds.contains(cond) => {
                    eval_bool(file, info, *cond, bindings, 0)
                }
                _ => None,
            };
            match decided {
                // succs == [then, else].
                Some(value) => stack.extend(block.succs.get(usize::from(!value)).copied()),
                None => stack.extend(block.succs.iter().copied()),
            }
        }
        seen
    }

    fn branch_conds_of(&self, function: &Function, file: &File) -> Rc<HashSet<ExprId>> {
        let key = (function.pkg, function.def.file);
        if let Some(known) = self.branch_conds.borrow().get(&key) {
            return known.clone();
        }
        let conds: Rc<HashSet<ExprId>> = Rc::new(
            file.stmts
                .iter()
                .filter_map(|stmt| match &stmt.kind {
                    StmtKind::If { cond, .. } => Some(*cond),
                    StmtKind::For { cond, .. } => *cond,
                    _ => None,
                })
                .collect(),
        );
        self.branch_conds.borrow_mut().insert(key, conds.clone());
        conds
    }
}

/// The analysed function a call (run now or deferred) executes.
fn direct_callee(op: &Op) -> Option<FuncId> {
    match &op.kind {
        OpKind::Call {
            callee: Callee::Func(callee),
            ..
        } if op.mode != Mode::Spawned => Some(*callee),
        _ => None,
    }
}

/// Whether `inner` is a closure declared inside `outer` (same file, within
/// its body): it shares `outer`'s locals.
fn is_nested_in(inner: &Function, outer: &Function) -> bool {
    inner.def.parent.is_some()
        && inner.pkg == outer.pkg
        && inner.def.file == outer.def.file
        && inner.id != outer.id
        && outer.def.span.start <= inner.def.span.start
        && inner.def.span.end <= outer.def.span.end
}

/// The value of a boolean expression under `bindings`, when it is constant.
fn eval_bool(
    file: &File,
    info: &FileInfo,
    expr: ExprId,
    bindings: &[(LocalId, bool)],
    depth: u32,
) -> Option<bool> {
    if depth > MAX_EXPR_DEPTH {
        return None;
    }
    let expr = file.unparen(expr);
    match &file.exprs.get(expr.index())?.kind {
        ExprKind::Ident(ident) => match info.res(expr) {
            Res::Predeclared => match file.name(*ident) {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            Res::Local(local) => {
                if let Some((_, value)) = bindings.iter().find(|(bound, _)| bound == local) {
                    return Some(*value);
                }
                let init = single_init(info, *local)?;
                eval_bool(file, info, init, bindings, depth + 1)
            }
            _ => None,
        },
        ExprKind::Unary { op: AstOp::Not, x } => {
            eval_bool(file, info, *x, bindings, depth + 1).map(|value| !value)
        }
        ExprKind::Binary {
            x,
            op: op @ (AstOp::LAnd | AstOp::LOr),
            y,
            ..
        } => {
            // `&&` is false (`||` true) as soon as one side is, whatever
            // the other side's value.
            let absorbing = *op == AstOp::LOr;
            let left = eval_bool(file, info, *x, bindings, depth + 1);
            let right = eval_bool(file, info, *y, bindings, depth + 1);
            if left == Some(absorbing) || right == Some(absorbing) {
                Some(absorbing)
            } else if left.is_some() && right.is_some() {
                Some(!absorbing)
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The initialiser of a variable assigned only at its declaration.
fn single_init(info: &FileInfo, local: LocalId) -> Option<ExprId> {
    let local = info.local(local)?;
    if local.kind != LocalKind::Var || local.reassigned {
        return None;
    }
    local.init
}

/// Collects the locals (parameters, or variables without a single
/// initialiser) whose values decide `expr` through `!`, `&&`, `||` and
/// single initialisers.
fn collect_locals(file: &File, info: &FileInfo, expr: ExprId, out: &mut Vec<LocalId>, depth: u32) {
    if depth > MAX_EXPR_DEPTH {
        return;
    }
    let expr = file.unparen(expr);
    let Some(node) = file.exprs.get(expr.index()) else {
        return;
    };
    match &node.kind {
        ExprKind::Ident(_) => {
            if let Res::Local(local) = info.res(expr) {
                match single_init(info, *local) {
                    Some(init) => collect_locals(file, info, init, out, depth + 1),
                    None => out.push(*local),
                }
            }
        }
        ExprKind::Unary { op: AstOp::Not, x } => collect_locals(file, info, *x, out, depth + 1),
        ExprKind::Binary {
            x,
            op: AstOp::LAnd | AstOp::LOr,
            y,
            ..
        } => {
            collect_locals(file, info, *x, out, depth + 1);
            collect_locals(file, info, *y, out, depth + 1);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use goconc_semantic::loader::GoEnv;

    const SRC: &str = r#"package app

import "sync"

type S struct {
	mu   sync.Mutex
	aux  sync.Mutex
	n    int
	fast bool
}

func (s *S) helper(needLock bool) {
	inPlace := !s.fast && needLock
	if inPlace {
		s.aux.Lock()
		s.aux.Unlock()
	}
	lock := func() {
		if needLock || s.n > 3 {
			s.mu.Lock()
		}
	}
	lock()
	s.n++
}

func (s *S) pass(needLock bool) { s.helper(needLock) }

func (s *S) Off()     { s.pass(false) }
func (s *S) On()      { s.pass(true) }
func (s *S) Unknown() { s.pass(s.fast) }
"#;

    fn names(program: &Program, list: &[LockAcquire]) -> Vec<String> {
        list.iter()
            .map(|a| program.describe_path(&a.path))
            .collect()
    }

    #[test]
    fn constant_flags_prune_the_callee_acquisitions() {
        let program = Program::from_sources(
            &[("example.com/app", &[("a.go", SRC)])],
            GoEnv::embedded_only(),
        );
        let flags = ConstFlags::new(&program);
        let acquires = |name: &str| {
            let f = program
                .find_function("example.com/app", name)
                .expect("function exists");
            names(&program, &flags.acquires(f.id))
        };
        // `needLock || s.n > 3` is not decided by false: s.mu stays.
        assert_eq!(acquires("S.Off"), vec!["s.mu"]);
        assert_eq!(acquires("S.On"), vec!["s.aux", "s.mu"]);
        assert_eq!(acquires("S.Unknown"), vec!["s.aux", "s.mu"]);
    }

    #[test]
    fn recomputation_without_constant_flags_matches_the_summary() {
        let program = Program::from_sources(
            &[("example.com/app", &[("a.go", SRC)])],
            GoEnv::embedded_only(),
        );
        let flags = ConstFlags::new(&program);
        let mut compared = 0;
        for function in &program.functions {
            // Functions that pass constant flags are expected to differ.
            let Some(summary) = program.summary(function.id) else {
                continue;
            };
            if flags.is_refinable(function.id, 0) {
                continue;
            }
            compared += 1;
            let recomputed = flags
                .compute_acquires(function.id, &[], 0)
                .expect("function has a file");
            assert_eq!(recomputed, summary.acquires, "{}", function.def.name);
        }
        assert!(compared >= 4, "{compared}");
    }
}
