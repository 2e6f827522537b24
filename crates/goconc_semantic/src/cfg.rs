//! Control-flow graphs of function bodies and a forward dataflow solver.
//!
//! A [`Cfg`] has basic blocks of [`Node`]s. Compound statements are broken
//! into their parts: an `if` contributes its init statement and an
//! [`Node::Cond`] for the condition, a `for` its init, cond and post, and so
//! on. Blocks end with edges to their successors:
//!
//! * a block ending in a condition (`if`, `for`) has `succs == [then, else]`;
//! * a `select` block ends with [`Node::Select`] and has one successor per
//!   clause in source order, each starting with [`Node::SelectCase`];
//! * `return` goes to [`Cfg::exit`]; `panic(...)`, `os.Exit`, `log.Fatal*`,
//!   `runtime.Goexit`, `t.Fatal*`/`FailNow`/`Skip*` go to [`Cfg::abort`];
//! * `defer` statements are ordinary nodes ([`Node::Stmt`] of a `Defer`): a
//!   dataflow that cares records them in its state and applies them at
//!   `exit` (and at `abort`, where deferred calls also run on panics).

use goconc_syntax::ast::{BranchKind, ExprId, ExprKind, StmtId, StmtKind};
use goconc_syntax::File;
use rustc_hash::FxHashMap;
use smallvec::SmallVec;

/// Index of a block in [`Cfg::blocks`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct BlockId(pub u32);

impl BlockId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// One step of a basic block.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Node {
    /// A simple statement: expression, send, inc/dec, assignment, `go`,
    /// `defer`, `return` (its values), a local declaration, or the
    /// `x := y.(type)` of a type switch.
    Stmt(StmtId),
    /// A condition, switch tag or `case` expression being evaluated.
    Cond(ExprId),
    /// Evaluation of a `range` operand (once, before the loop).
    RangeInit(StmtId),
    /// One iteration step of a `range` loop (receives from a channel range).
    RangeNext(StmtId),
    /// Entry of a `select` statement; successors are its clauses.
    Select(StmtId),
    /// The communication of the chosen clause of a select (`clause` is the
    /// `CommClause`; its `comm` is `None` for `default`).
    SelectCase { select: StmtId, clause: StmtId },
}

/// What a block is for.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BlockKind {
    Entry,
    /// Normal return (deferred calls run here).
    Exit,
    /// Panics and non-returning calls.
    Abort,
    Body,
    /// Head of a `for`/`range` loop (target of back edges).
    LoopHead,
}

#[derive(Clone, Debug)]
pub struct BasicBlock {
    pub kind: BlockKind,
    pub nodes: SmallVec<[Node; 2]>,
    pub succs: SmallVec<[BlockId; 2]>,
    pub preds: SmallVec<[BlockId; 2]>,
}

/// A control-flow graph of one function or closure body.
#[derive(Clone, Debug)]
pub struct Cfg {
    pub blocks: Vec<BasicBlock>,
    pub entry: BlockId,
    pub exit: BlockId,
    pub abort: BlockId,
    /// Reachable blocks in reverse postorder (computed once at build time).
    rpo: Vec<BlockId>,
}

impl Cfg {
    pub fn block(&self, b: BlockId) -> &BasicBlock {
        &self.blocks[b.index()]
    }

    /// Blocks reachable from the entry in reverse postorder.
    pub fn reverse_postorder(&self) -> &[BlockId] {
        &self.rpo
    }

    fn compute_rpo(&self) -> Vec<BlockId> {
        let n = self.blocks.len();
        let mut visited = vec![false; n];
        let mut post = Vec::with_capacity(n);
        let mut stack: Vec<(BlockId, usize)> = vec![(self.entry, 0)];
        visited[self.entry.index()] = true;
        while let Some((b, i)) = stack.pop() {
            let succs = &self.blocks[b.index()].succs;
            if i < succs.len() {
                stack.push((b, i + 1));
                let s = succs[i];
                if !visited[s.index()] {
                    visited[s.index()] = true;
                    stack.push((s, 0));
                }
            } else {
                post.push(b);
            }
        }
        post.reverse();
        post
    }

    /// Blocks that lie on a cycle (inside a loop, including `goto` loops).
    pub fn in_loop(&self) -> Vec<bool> {
        let succ: Vec<Vec<u32>> = self
            .blocks
            .iter()
            .map(|b| b.succs.iter().map(|s| s.0).collect())
            .collect();
        let mut out = vec![false; self.blocks.len()];
        for comp in crate::summary::sccs(self.blocks.len(), &succ) {
            let cyclic =
                comp.len() > 1 || comp.first().is_some_and(|&b| succ[b as usize].contains(&b));
            if cyclic {
                for b in comp {
                    out[b as usize] = true;
                }
            }
        }
        out
    }

    /// Whether `b` is reachable from the entry.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.blocks.len()];
        for b in self.reverse_postorder() {
            seen[b.index()] = true;
        }
        seen
    }
}

/// A join-semilattice for [`forward`] dataflow.
pub trait Lattice: Clone + PartialEq {
    /// Joins `other` into `self`; returns true when `self` changed.
    fn join(&mut self, other: &Self) -> bool;
}

/// Result of a forward analysis: the state at entry of each block (`None`
/// for unreachable blocks) and whether the iteration cap was hit.
#[derive(Clone, Debug)]
pub struct Solution<S> {
    pub block_in: Vec<Option<S>>,
    pub capped: bool,
}

/// Generic forward worklist solver. `transfer(block, state_in)` returns the
/// state at the block's end, propagated to every successor. Iteration stops
/// after `blocks * 32 + 64` block visits (for lattices with tall chains);
/// [`Solution::capped`] then says the result is approximate.
pub fn forward<S: Lattice>(
    cfg: &Cfg,
    entry: S,
    mut transfer: impl FnMut(BlockId, &S) -> S,
) -> Solution<S> {
    let n = cfg.blocks.len();
    let rpo = cfg.reverse_postorder();
    let mut order = vec![u32::MAX; n];
    for (i, b) in rpo.iter().enumerate() {
        order[b.index()] = i as u32;
    }
    let mut block_in: Vec<Option<S>> = vec![None; n];
    block_in[cfg.entry.index()] = Some(entry);
    // Worklist ordered by reverse postorder position.
    let mut queued = vec![false; n];
    let mut work = std::collections::BTreeSet::new();
    work.insert((order[cfg.entry.index()], cfg.entry));
    queued[cfg.entry.index()] = true;
    let budget = n * 32 + 64;
    let mut visits = 0usize;
    let mut capped = false;
    while let Some((_, b)) = work.pop_first() {
        queued[b.index()] = false;
        visits += 1;
        if visits > budget {
            capped = true;
            break;
        }
        let Some(input) = block_in[b.index()].clone() else {
            continue;
        };
        let out = transfer(b, &input);
        for &s in &cfg.blocks[b.index()].succs {
            let changed = match &mut block_in[s.index()] {
                Some(existing) => existing.join(&out),
                slot @ None => {
                    *slot = Some(out.clone());
                    true
                }
            };
            if changed && !queued[s.index()] {
                queued[s.index()] = true;
                work.insert((order[s.index()], s));
            }
        }
    }
    Solution { block_in, capped }
}

struct Target<'f> {
    label: Option<&'f str>,
    brk: Option<BlockId>,
    cont: Option<BlockId>,
}

struct Builder<'f, 'p> {
    file: &'f File,
    blocks: Vec<BasicBlock>,
    cur: BlockId,
    exit: BlockId,
    abort: BlockId,
    targets: Vec<Target<'f>>,
    labels: FxHashMap<&'f str, BlockId>,
    fallthrough: Option<BlockId>,
    noreturn: &'p dyn Fn(ExprId) -> bool,
    ends_branch: &'p dyn Fn(ExprId) -> bool,
}

/// Builds the CFG of a function body. `noreturn(call)` says whether a call
/// expression never returns (`panic`, `os.Exit`, `t.Fatal`, ...).
pub fn build(file: &File, body: &[StmtId], noreturn: &dyn Fn(ExprId) -> bool) -> Cfg {
    build_with(file, body, noreturn, &|_| false)
}

/// [`build`], where additionally a call for which `ends_branch(call)` holds
/// does not return when it is the last statement of an `if` branch (test
/// assertion helpers: `if err != nil { require_NoError(t, err) }`).
pub fn build_with(
    file: &File,
    body: &[StmtId],
    noreturn: &dyn Fn(ExprId) -> bool,
    ends_branch: &dyn Fn(ExprId) -> bool,
) -> Cfg {
    let mut b = Builder {
        file,
        blocks: Vec::new(),
        cur: BlockId(0),
        exit: BlockId(0),
        abort: BlockId(0),
        targets: Vec::new(),
        labels: FxHashMap::default(),
        fallthrough: None,
        noreturn,
        ends_branch,
    };
    let entry = b.new_block(BlockKind::Entry);
    b.exit = b.new_block(BlockKind::Exit);
    b.abort = b.new_block(BlockKind::Abort);
    b.cur = entry;
    for &s in body {
        b.stmt(s, None);
    }
    let cur = b.cur;
    let exit = b.exit;
    b.edge(cur, exit);
    // Blocks after a jump that nothing reaches keep no edges, so that `preds`
    // only lists real predecessors.
    let mut cfg_tmp = Cfg {
        blocks: std::mem::take(&mut b.blocks),
        entry,
        exit: b.exit,
        abort: b.abort,
        rpo: Vec::new(),
    };
    cfg_tmp.rpo = cfg_tmp.compute_rpo();
    let reachable = cfg_tmp.reachable();
    for (i, blk) in cfg_tmp.blocks.iter_mut().enumerate() {
        if !reachable[i] {
            blk.succs.clear();
        }
    }
    let rpo = cfg_tmp.rpo;
    b.blocks = cfg_tmp.blocks;
    for i in 0..b.blocks.len() {
        let succs = b.blocks[i].succs.clone();
        for s in succs {
            b.blocks[s.index()].preds.push(BlockId(i as u32));
        }
    }
    Cfg {
        blocks: b.blocks,
        entry,
        exit: b.exit,
        abort: b.abort,
        rpo,
    }
}

impl<'f> Builder<'f, '_> {
    fn new_block(&mut self, kind: BlockKind) -> BlockId {
        self.blocks.push(BasicBlock {
            kind,
            nodes: SmallVec::new(),
            succs: SmallVec::new(),
            preds: SmallVec::new(),
        });
        BlockId(self.blocks.len() as u32 - 1)
    }

    fn edge(&mut self, from: BlockId, to: BlockId) {
        let succs = &mut self.blocks[from.index()].succs;
        if !succs.contains(&to) {
            succs.push(to);
        }
    }

    fn push(&mut self, n: Node) {
        let cur = self.cur;
        self.blocks[cur.index()].nodes.push(n);
    }

    /// Continue in a fresh block that nothing jumps to (after a jump).
    fn dead(&mut self) {
        self.cur = self.new_block(BlockKind::Body);
    }

    fn label_block(&mut self, name: &'f str) -> BlockId {
        if let Some(&b) = self.labels.get(name) {
            return b;
        }
        let b = self.new_block(BlockKind::Body);
        self.labels.insert(name, b);
        b
    }

    fn stmt(&mut self, s: StmtId, label: Option<&'f str>) {
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || self.stmt_inner(s, label))
    }

    /// After the last statement `last` of an `if` branch: a call that ends
    /// the branch (see [`build_with`]) goes to `abort`.
    fn end_branch_after(&mut self, last: StmtId) {
        let file = self.file;
        let Some(StmtKind::Expr(e)) = file.stmts.get(last.index()).map(|s| &s.kind) else {
            return;
        };
        let call = file.unparen(*e);
        if matches!(file.expr(call).kind, ExprKind::Call { .. }) && (self.ends_branch)(call) {
            let (cur, abort) = (self.cur, self.abort);
            self.edge(cur, abort);
            self.dead();
        }
    }

    fn simple(&mut self, s: StmtId) {
        self.push(Node::Stmt(s));
    }

    fn stmt_inner(&mut self, s: StmtId, label: Option<&'f str>) {
        let file = self.file;
        let Some(stmt) = file.stmts.get(s.index()) else {
            return;
        };
        match &stmt.kind {
            StmtKind::Bad | StmtKind::Empty { .. } => {}
            StmtKind::Decl(_)
            | StmtKind::Send { .. }
            | StmtKind::IncDec { .. }
            | StmtKind::Assign { .. }
            | StmtKind::Go { .. }
            | StmtKind::Defer { .. } => self.simple(s),
            StmtKind::Expr(e) => {
                self.simple(s);
                let call = file.unparen(*e);
                if matches!(file.expr(call).kind, ExprKind::Call { .. }) && (self.noreturn)(call) {
                    let (cur, abort) = (self.cur, self.abort);
                    self.edge(cur, abort);
                    self.dead();
                }
            }
            StmtKind::Return { .. } => {
                self.simple(s);
                let (cur, exit) = (self.cur, self.exit);
                self.edge(cur, exit);
                self.dead();
            }
            StmtKind::Labeled { label: l, stmt } => {
                let name = file.name(*l);
                let target = self.label_block(name);
                let cur = self.cur;
                self.edge(cur, target);
                self.cur = target;
                self.stmt(*stmt, Some(name));
            }
            StmtKind::Block(b) => {
                for &x in &b.stmts {
                    self.stmt(x, None);
                }
            }
            StmtKind::If {
                init,
                cond,
                body,
                els,
            } => {
                if let Some(i) = init {
                    self.stmt(*i, None);
                }
                // `if false { ... }` (code kept for linters or debugging)
                // never runs: its body is built in a block nothing reaches,
                // and the else branch (if any) runs unconditionally.
                let never = matches!(&file.expr(file.unparen(*cond)).kind,
                    ExprKind::Ident(id) if file.name(*id) == "false");
                if never {
                    let after = self.cur;
                    self.dead();
                    for &x in &body.stmts {
                        self.stmt(x, None);
                    }
                    self.cur = after;
                    if let Some(e) = els {
                        self.stmt(*e, None);
                    }
                    return;
                }
                self.push(Node::Cond(*cond));
                let head = self.cur;
                let then_b = self.new_block(BlockKind::Body);
                let join = self.new_block(BlockKind::Body);
                self.edge(head, then_b);
                self.cur = then_b;
                for &x in &body.stmts {
                    self.stmt(x, None);
                }
                if let Some(&last) = body.stmts.last() {
                    self.end_branch_after(last);
                }
                let then_end = self.cur;
                self.edge(then_end, join);
                match els {
                    Some(e) => {
                        let else_b = self.new_block(BlockKind::Body);
                        self.edge(head, else_b);
                        self.cur = else_b;
                        self.stmt(*e, None);
                        let else_end = self.cur;
                        self.edge(else_end, join);
                    }
                    None => self.edge(head, join),
                }
                self.cur = join;
            }
            StmtKind::For {
                init,
                cond,
                post,
                body,
            } => {
                if let Some(i) = init {
                    self.stmt(*i, None);
                }
                let head = self.new_block(BlockKind::LoopHead);
                let cur = self.cur;
                self.edge(cur, head);
                self.cur = head;
                let body_b = self.new_block(BlockKind::Body);
                let after = self.new_block(BlockKind::Body);
                if let Some(c) = cond {
                    self.push(Node::Cond(*c));
                }
                let head_end = self.cur;
                self.edge(head_end, body_b);
                if cond.is_some() {
                    self.edge(head_end, after);
                }
                let post_b = post.map(|_| self.new_block(BlockKind::Body));
                self.targets.push(Target {
                    label,
                    brk: Some(after),
                    cont: Some(post_b.unwrap_or(head)),
                });
                self.cur = body_b;
                for &x in &body.stmts {
                    self.stmt(x, None);
                }
                self.targets.pop();
                let body_end = self.cur;
                match (post, post_b) {
                    (Some(p), Some(pb)) => {
                        self.edge(body_end, pb);
                        self.cur = pb;
                        self.stmt(*p, None);
                        let pe = self.cur;
                        self.edge(pe, head);
                    }
                    _ => self.edge(body_end, head),
                }
                self.cur = after;
            }
            StmtKind::Range { body, .. } => {
                self.push(Node::RangeInit(s));
                let head = self.new_block(BlockKind::LoopHead);
                let cur = self.cur;
                self.edge(cur, head);
                self.cur = head;
                self.push(Node::RangeNext(s));
                let body_b = self.new_block(BlockKind::Body);
                let after = self.new_block(BlockKind::Body);
                self.edge(head, body_b);
                self.edge(head, after);
                self.targets.push(Target {
                    label,
                    brk: Some(after),
                    cont: Some(head),
                });
                self.cur = body_b;
                for &x in &body.stmts {
                    self.stmt(x, None);
                }
                self.targets.pop();
                let end = self.cur;
                self.edge(end, head);
                self.cur = after;
            }
            StmtKind::Switch { init, tag, body } => {
                if let Some(i) = init {
                    self.stmt(*i, None);
                }
                if let Some(t) = tag {
                    self.push(Node::Cond(*t));
                }
                self.switch_clauses(&body.stmts, label, false);
            }
            StmtKind::TypeSwitch { init, assign, body } => {
                if let Some(i) = init {
                    self.stmt(*i, None);
                }
                self.simple(*assign);
                self.switch_clauses(&body.stmts, label, true);
            }
            StmtKind::Select { body } => {
                self.push(Node::Select(s));
                let head = self.cur;
                let after = self.new_block(BlockKind::Body);
                self.targets.push(Target {
                    label,
                    brk: Some(after),
                    cont: None,
                });
                for &c in &body.stmts {
                    let StmtKind::CommClause { body: cbody, .. } = &file.stmt(c).kind else {
                        continue;
                    };
                    let cb = self.new_block(BlockKind::Body);
                    self.edge(head, cb);
                    self.cur = cb;
                    self.push(Node::SelectCase {
                        select: s,
                        clause: c,
                    });
                    for &x in cbody {
                        self.stmt(x, None);
                    }
                    let end = self.cur;
                    self.edge(end, after);
                }
                self.targets.pop();
                // `select {}` blocks forever: `after` is only reachable via clauses.
                self.cur = after;
            }
            StmtKind::Branch { kind, label: l } => {
                let lname = l.map(|l| file.name(l));
                let cur = self.cur;
                let target = match kind {
                    BranchKind::Break => self
                        .targets
                        .iter()
                        .rev()
                        .find(|t| t.brk.is_some() && (lname.is_none() || t.label == lname))
                        .and_then(|t| t.brk),
                    BranchKind::Continue => self
                        .targets
                        .iter()
                        .rev()
                        .find(|t| t.cont.is_some() && (lname.is_none() || t.label == lname))
                        .and_then(|t| t.cont),
                    BranchKind::Goto => lname.map(|n| self.label_block(n)),
                    BranchKind::Fallthrough => self.fallthrough,
                };
                if let Some(t) = target {
                    self.edge(cur, t);
                }
                self.dead();
            }
            StmtKind::CaseClause { body, .. } | StmtKind::CommClause { body, .. } => {
                // Only reachable with a malformed tree: treat as a block.
                for &x in body {
                    self.stmt(x, None);
                }
            }
        }
    }

    fn switch_clauses(&mut self, clauses: &[StmtId], label: Option<&'f str>, type_switch: bool) {
        let file = self.file;
        let after = self.new_block(BlockKind::Body);
        self.targets.push(Target {
            label,
            brk: Some(after),
            cont: None,
        });
        let bodies: Vec<BlockId> = clauses
            .iter()
            .map(|_| self.new_block(BlockKind::Body))
            .collect();
        let mut default_body = None;
        // Tests evaluated in order; the last failing test goes to default or after.
        for (i, &c) in clauses.iter().enumerate() {
            let StmtKind::CaseClause { list, .. } = &file.stmt(c).kind else {
                continue;
            };
            match list {
                None => default_body = Some(bodies[i]),
                Some(exprs) => {
                    if !type_switch {
                        for &e in exprs {
                            self.push(Node::Cond(e));
                        }
                    }
                    let test = self.cur;
                    self.edge(test, bodies[i]);
                    let next = self.new_block(BlockKind::Body);
                    self.edge(test, next);
                    self.cur = next;
                }
            }
        }
        let last = self.cur;
        self.edge(last, default_body.unwrap_or(after));
        let saved_ft = self.fallthrough;
        for (i, &c) in clauses.iter().enumerate() {
            let StmtKind::CaseClause { body, .. } = &file.stmt(c).kind else {
                continue;
            };
            self.fallthrough = bodies.get(i + 1).copied();
            self.cur = bodies[i];
            for &x in body {
                self.stmt(x, None);
            }
            let end = self.cur;
            self.edge(end, after);
        }
        self.fallthrough = saved_ft;
        self.targets.pop();
        self.cur = after;
    }
}
