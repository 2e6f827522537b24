//! Goroutines' channel protocols played against each other.
//!
//! The straight-line check in the parent module handles one function and
//! the goroutine it starts exchanging values in a fixed order. Real
//! protocols loop: a send loop and a receive loop started together, a
//! function streaming chunks to its goroutine and reading acks after, a
//! ring of pipeline stages. Here each side of a group of two or three
//! (goroutines one function starts, and that function itself) is unrolled
//! into a small graph of its channel operations (callees in the package
//! inlined, channel names translated into the spawning function's frame)
//! and every interleaving of the graphs is explored. A state where every
//! side waits on channels only the others can serve is a deadlock.
//!
//! Precision comes from three restrictions:
//! * only channel fields whose every `make` has the same constant capacity,
//!   that never escape, and whose other users in the package cannot
//!   complete the operation in question (a receive counts as served only
//!   by the group when nothing else sends or closes, a send when nothing
//!   else receives); every other channel operation may always proceed;
//! * a side never leaves a loop on a data-dependent branch (`for i < n`,
//!   `if err != nil { return }`): such exits are how counts and errors
//!   correlate between the sides, which the graphs do not know. Leaving on
//!   a channel event (a closed `range`, a select case) is followed;
//! * the sides are started once each by the same function, and every
//!   function of a side that touches a channel is called only from the
//!   group (or, for an instance the function creates and keeps to itself,
//!   only the code it hands the instance to can reach it).

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};
use std::rc::Rc;

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::FuncId;
use goconc_semantic::ops::{AccessPath, Callee, ChanOp, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_syntax::ast::Span;

use super::ChannelOrderDeadlock;
use crate::rules::unmatched_channel_op::{
    chan_key, literal_field_makes, reach_from, ChanKey, Escapes,
};
use crate::{FileIdx, Finding, RuleContext};

/// Depth of inlined calls below a side's root function.
const MAX_INLINE_DEPTH: usize = 4;
/// Graph nodes per side.
const MAX_NODES: usize = 4_000;
/// Explored states per group before giving up (no finding).
const MAX_STATES: usize = 60_000;
/// Distinct channels per group.
const MAX_CHANS: usize = 8;
/// Sides considered per spawning function (the function itself and the
/// goroutines it starts).
const MAX_SIDES: usize = 6;

/// What the package's code does with a channel field.
#[derive(Default)]
struct FieldFacts {
    /// `Some(cap)` while every creation seen has this constant capacity.
    cap: Option<i64>,
    inconsistent: bool,
    /// Functions operating on it: (sends or closes, receives).
    users: HashMap<FuncId, (bool, bool)>,
}

/// A side of a group: a goroutine (its root function, the spawn op, and how
/// the root's receiver and parameters are named in the spawning function),
/// or the spawning function itself from `start` on.
#[derive(Clone)]
struct Side<'a> {
    root: &'a Function,
    /// (block, op index) of the `go` in the spawning function; `None` for
    /// the spawning function itself (it continues after `start`).
    spawn: Option<(BlockId, usize, Span)>,
    start: Option<(BlockId, usize)>,
    recv: Option<AccessPath>,
    args: Vec<Option<AccessPath>>,
}

pub(super) fn check(
    ctx: &RuleContext<'_>,
    reported: &mut HashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let mut facts: HashMap<ChanKey, FieldFacts> = HashMap::default();
    let merge_cap = |facts: &mut HashMap<ChanKey, FieldFacts>, key: ChanKey, cap: Option<i64>| {
        let entry = facts.entry(key).or_default();
        match (entry.cap, cap) {
            (_, None) => entry.inconsistent = true,
            (None, Some(c)) => entry.cap = Some(c),
            (Some(a), Some(b)) if a != b => entry.inconsistent = true,
            _ => {}
        }
    };
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            match &op.kind {
                OpKind::MakeChan {
                    path: Some(p), cap, ..
                } if !p.fields.is_empty() => {
                    if let Some(key @ ChanKey::Field(..)) = chan_key(program, p) {
                        merge_cap(&mut facts, key, *cap);
                    }
                }
                OpKind::Chan {
                    path: Some(p),
                    op: chan_op,
                    ..
                } if !p.fields.is_empty() => {
                    if let Some(key @ ChanKey::Field(..)) = chan_key(program, p) {
                        let user = facts.entry(key).or_default().users.entry(f.id).or_default();
                        match chan_op {
                            ChanOp::Send | ChanOp::Close => user.0 = true,
                            ChanOp::Recv | ChanOp::Range => user.1 = true,
                        }
                    }
                }
                _ => {}
            }
        }
    }
    // Only fields some function operates on are worth the literal scan.
    if !facts.values().any(|f| !f.users.is_empty()) {
        return;
    }
    for (owner, name, cap) in literal_field_makes(ctx) {
        merge_cap(&mut facts, ChanKey::field(owner, name.clone()), *cap);
    }
    let candidates: HashSet<ChanKey> = facts
        .iter()
        .filter(|(_, f)| !f.inconsistent && f.cap.is_some() && !f.users.is_empty())
        .map(|(k, _)| k.clone())
        .collect();
    if candidates.is_empty() {
        return;
    }
    let escapes = Escapes::compute(ctx, &candidates);
    let tracked: HashMap<ChanKey, &FieldFacts> = facts
        .iter()
        .filter(|(k, _)| candidates.contains(*k) && !escapes.escapes(k))
        .map(|(k, f)| (k.clone(), f))
        .collect();
    if tracked.is_empty() {
        return;
    }
    let users: HashSet<FuncId> = tracked
        .values()
        .flat_map(|f| f.users.keys().copied())
        .collect();
    // Functions that operate on a tracked field or call (not spawn) one
    // that does: the users and their callers, transitively.
    let mut callers: HashMap<FuncId, Vec<FuncId>> = HashMap::default();
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            if let OpKind::Call {
                callee: Callee::Func(c),
                ..
            } = &op.kind
            {
                if op.mode != Mode::Spawned {
                    callers.entry(*c).or_default().push(f.id);
                }
            }
        }
    }
    let mut reaching: HashSet<FuncId> = users.clone();
    let mut stack: Vec<FuncId> = users.iter().copied().collect();
    while let Some(f) = stack.pop() {
        for &caller in callers.get(&f).map(Vec::as_slice).unwrap_or(&[]) {
            if reaching.insert(caller) {
                stack.push(caller);
            }
        }
    }
    // Call sites of each package function: (caller, mode).
    let mut call_sites: HashMap<FuncId, Vec<(FuncId, Mode)>> = HashMap::default();
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            if let OpKind::Call {
                callee: Callee::Func(c),
                ..
            } = &op.kind
            {
                if reaching.contains(c) {
                    call_sites.entry(*c).or_default().push((f.id, op.mode));
                }
            }
        }
    }
    let shared = Shared {
        tracked: &tracked,
        reaching: &reaching,
        call_sites: &call_sites,
    };
    for spawner in ctx.functions() {
        let sides = spawned_sides(ctx, spawner, &reaching);
        if sides.is_empty() {
            continue;
        }
        let sides = &sides[..sides.len().min(MAX_SIDES)];
        // The spawning function itself is a side too, from the first spawn
        // of the group's goroutines on.
        let parent_of = |group: &[&Side<'_>]| {
            let first = group
                .iter()
                .filter_map(|s| s.spawn)
                .min_by_key(|(_, _, span)| span.start)?;
            Some(Side {
                root: spawner,
                spawn: None,
                start: Some((first.0, first.1 + 1)),
                recv: None,
                args: Vec::new(),
            })
        };
        let with_parent = reaching.contains(&spawner.id);
        // Groups of two, then of three (a ring of stages) unless two of
        // the three already deadlock on their own. Indices into `sides`;
        // `None` is the spawning function.
        let mut groups: Vec<Vec<Option<usize>>> = Vec::new();
        let n = sides.len();
        for i in 0..n {
            if with_parent {
                groups.push(vec![None, Some(i)]);
            }
            for j in i + 1..n {
                groups.push(vec![Some(i), Some(j)]);
            }
        }
        for i in 0..n {
            for j in i + 1..n {
                if with_parent {
                    groups.push(vec![None, Some(i), Some(j)]);
                }
                for k in j + 1..n {
                    groups.push(vec![Some(i), Some(j), Some(k)]);
                }
            }
        }
        let mut deadlocked: Vec<Vec<Option<usize>>> = Vec::new();
        for group in groups {
            let covered = group.len() > 2
                && deadlocked
                    .iter()
                    .any(|pair| pair.iter().all(|member| group.contains(member)));
            if covered {
                continue;
            }
            let members: Vec<&Side<'_>> = group.iter().flatten().map(|&i| &sides[i]).collect();
            let parent = if group.contains(&None) {
                match parent_of(&members) {
                    Some(p) => Some(p),
                    None => continue,
                }
            } else {
                None
            };
            let mut all: Vec<&Side<'_>> = parent.iter().collect();
            all.extend(members);
            if let Some(finding) = analyse_group(ctx, &shared, spawner, &all, None) {
                deadlocked.push(group.clone());
                if reported.insert((finding.file.0 as u32, finding.span)) {
                    findings.push(finding);
                }
            }
        }
        actor_groups(ctx, &shared, spawner, sides, reported, findings);
    }
}

/// A goroutine a function starts on a method of a value (`go r.worker()`
/// in a constructor) is the value's actor; the value's methods that talk
/// to it are its clients. Each client that nothing in the package calls
/// (an entry point of the type's API, so it starts with the actor idle at
/// its loop) is played against the actor alone. A protocol that already
/// deadlocks with a single caller, such as submitting a whole batch of
/// requests on an unbuffered channel before reading any reply the actor
/// must hand over first, deadlocks in every program that calls it.
fn actor_groups<'a>(
    ctx: &RuleContext<'a>,
    shared: &Shared<'_>,
    spawner: &'a Function,
    sides: &[Side<'a>],
    reported: &mut HashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    for actor in sides {
        let (Some(_), Some(actor_type)) = (&actor.recv, actor.root.def.recv_type.as_ref()) else {
            continue;
        };
        let owner = actor_type.strip_pointer();
        for client in ctx.functions() {
            let same_type = client
                .def
                .recv_type
                .as_ref()
                .is_some_and(|t| t.strip_pointer() == owner);
            // Tests driving the API count as outside callers.
            let entry_point = shared.call_sites.get(&client.id).is_none_or(|sites| {
                sites.iter().all(|(caller, _)| {
                    ctx.program
                        .function(*caller)
                        .is_some_and(|c| ctx.is_test_driver(c))
                })
            });
            let Some(client_recv) = client.def.recv else {
                continue;
            };
            if !same_type
                || client.def.parent.is_some()
                || client.id == actor.root.id
                || client.id == spawner.id
                || !shared.reaching.contains(&client.id)
                || !entry_point
                || ctx.is_test_driver(client)
            {
                continue;
            }
            // The actor's receiver, named in the client's frame; its other
            // arguments are not known there.
            let recv_path = AccessPath {
                base: goconc_semantic::ops::Base::Local(goconc_semantic::ops::LocalKey {
                    pkg: client.pkg,
                    file: client.def.file,
                    local: client_recv,
                }),
                fields: Default::default(),
            };
            let client_side = Side {
                root: client,
                spawn: None,
                start: None,
                recv: None,
                args: Vec::new(),
            };
            let actor_side = Side {
                recv: Some(recv_path),
                args: vec![None; actor.args.len()],
                ..actor.clone()
            };
            let group = [&client_side, &actor_side];
            if let Some(finding) = analyse_group(ctx, shared, spawner, &group, Some(client.id)) {
                if reported.insert((finding.file.0 as u32, finding.span)) {
                    findings.push(finding);
                }
            }
        }
    }
}

/// Package-wide facts every group reads.
struct Shared<'c> {
    tracked: &'c HashMap<ChanKey, &'c FieldFacts>,
    reaching: &'c HashSet<FuncId>,
    call_sites: &'c HashMap<FuncId, Vec<(FuncId, Mode)>>,
}

/// Goroutines `spawner` starts once (not in a loop) whose code reaches a
/// channel user.
fn spawned_sides<'a>(
    ctx: &RuleContext<'a>,
    spawner: &'a Function,
    reaching: &HashSet<FuncId>,
) -> Vec<Side<'a>> {
    let program = ctx.program;
    let mut out = Vec::new();
    let mut in_loop: Option<Vec<bool>> = None;
    for b in 0..spawner.cfg.blocks.len() {
        let block = BlockId(b as u32);
        for (i, (_, op)) in spawner.block_ops(block).iter().enumerate() {
            let OpKind::Call {
                callee: Callee::Func(target),
                recv,
                args,
                ..
            } = &op.kind
            else {
                continue;
            };
            if op.mode != Mode::Spawned || !reaching.contains(target) {
                continue;
            }
            let Some(root) = program.function(*target) else {
                continue;
            };
            if root.pkg != ctx.package || root.id == spawner.id {
                continue;
            }
            let looped = in_loop.get_or_insert_with(|| spawner.cfg.in_loop());
            if looped.get(b).copied().unwrap_or(true) {
                continue;
            }
            out.push(Side {
                root,
                spawn: Some((block, i, op.span)),
                start: None,
                recv: recv.clone(),
                args: args.clone(),
            });
        }
    }
    out
}

/// A node of a side's graph.
#[derive(Clone, Debug)]
enum NodeKind {
    /// No channel effect; moves to any successor not marked as a data exit.
    Step,
    /// A channel operation outside a select. `chan` is the group's index of
    /// a tracked channel; `None` when the operation may always proceed.
    /// For `Range`, `succs[0]` is the loop body and `succs[1]` the exit.
    Chan { op: ChanOp, chan: Option<u8> },
    /// A select: `cases[i]` leads to `succs[i]`; `None` is `default` or a
    /// case that may always proceed.
    Select {
        cases: Vec<Option<(ChanOp, Option<u8>)>>,
    },
    /// The side is finished (returned, panicked).
    Exit,
}

#[derive(Clone, Debug)]
struct Node {
    kind: NodeKind,
    /// Successor and whether taking it leaves a loop on a data-dependent
    /// branch.
    succs: Vec<(u32, bool)>,
    /// Where the operation is, for the report.
    func: FuncId,
    span: Span,
}

/// Frame translation: the callee, and its receiver and argument paths in
/// the caller's frame; the outermost frame last.
type Chain = Rc<Vec<(FuncId, Option<AccessPath>, Vec<Option<AccessPath>>)>>;

struct Builder<'c, 'a> {
    ctx: &'c RuleContext<'a>,
    tracked: &'c HashMap<ChanKey, &'c FieldFacts>,
    /// Package functions that operate on a tracked field or call one that does.
    reaching: &'c HashSet<FuncId>,
    /// Functions of this side (for the "called only from the group" test).
    funcs: HashSet<FuncId>,
    nodes: Vec<Node>,
    /// The group's channels, by path in the spawning function's frame.
    chans: &'c mut Vec<(AccessPath, ChanKey)>,
    reach: HashMap<(FuncId, BlockId), HashSet<BlockId>>,
    failed: bool,
}

impl<'c, 'a> Builder<'c, 'a> {
    fn push(&mut self, kind: NodeKind, func: FuncId, span: Span) -> u32 {
        if self.nodes.len() >= MAX_NODES {
            self.failed = true;
        }
        self.nodes.push(Node {
            kind,
            succs: Vec::new(),
            func,
            span,
        });
        (self.nodes.len() - 1) as u32
    }

    fn link(&mut self, from: u32, to: u32, data_exit: bool) {
        if let Some(n) = self.nodes.get_mut(from as usize) {
            n.succs.push((to, data_exit));
        }
    }

    /// The group's index of the channel at `path` (translated through
    /// `chain`), or `None` when it is not a tracked field.
    fn chan_index(&mut self, path: &AccessPath, chain: &Chain) -> Option<u8> {
        let program = self.ctx.program;
        let key = chan_key(program, path)?;
        if !self.tracked.contains_key(&key) {
            return None;
        }
        let mut current = path.clone();
        for (f, recv, args) in chain.iter() {
            current = program.substitute(*f, &current, recv.as_ref(), args)?;
        }
        if let Some(i) = self.chans.iter().position(|(p, _)| *p == current) {
            return u8::try_from(i).ok();
        }
        if self.chans.len() >= MAX_CHANS {
            return None;
        }
        self.chans.push((current, key));
        u8::try_from(self.chans.len() - 1).ok()
    }

    /// Expands `func` into the graph; returns its entry node and the node
    /// reached when it returns (a `Step` without successors yet), plus the
    /// node just after op `start` when given.
    fn expand(
        &mut self,
        func: &'a Function,
        chain: Chain,
        depth: usize,
        start: Option<(BlockId, usize)>,
    ) -> Option<(u32, u32, Option<u32>)> {
        self.funcs.insert(func.id);
        let cfg = &func.cfg;
        let in_loop = cfg.in_loop();
        let ret = self.push(NodeKind::Step, func.id, func.def.span);
        // Entry node of each block, and the last node of its op chain.
        let heads: Vec<u32> = (0..cfg.blocks.len())
            .map(|_| self.push(NodeKind::Step, func.id, func.def.span))
            .collect();
        let mut start_node = None;
        let mut deferred: Vec<&'a goconc_semantic::ops::Op> = Vec::new();
        for b in 0..cfg.blocks.len() {
            if self.failed {
                return None;
            }
            let block = BlockId(b as u32);
            let mut tail = *heads.get(b)?;
            let ops = func.block_ops(block);
            let mut ends_in: Option<u32> = None;
            for (i, (_, op)) in ops.iter().enumerate() {
                if start == Some((block, i)) {
                    start_node = Some(tail);
                }
                if op.mode == Mode::Deferred {
                    deferred.push(op);
                    continue;
                }
                if op.mode == Mode::Spawned {
                    continue;
                }
                match &op.kind {
                    OpKind::Chan {
                        path,
                        op: chan_op,
                        select: None,
                        ..
                    } => {
                        let chan = path.as_ref().and_then(|p| self.chan_index(p, &chain));
                        let node =
                            self.push(NodeKind::Chan { op: *chan_op, chan }, func.id, op.span);
                        self.link(tail, node, false);
                        if *chan_op == ChanOp::Range {
                            // The range step ends the loop head.
                            if i + 1 != ops.len() {
                                return None;
                            }
                            ends_in = Some(node);
                        }
                        tail = node;
                    }
                    OpKind::Chan {
                        select: Some(_), ..
                    } => {
                        // The communication of a clause: done by the select.
                    }
                    OpKind::Select { .. } => {
                        if i + 1 != ops.len() {
                            return None;
                        }
                        let mut cases = Vec::new();
                        for s in &cfg.block(block).succs {
                            let first = func.block_ops(*s).first().map(|(_, o)| o);
                            let case = match first.map(|o| &o.kind) {
                                Some(OpKind::Chan {
                                    path,
                                    op: chan_op,
                                    select: Some(_),
                                    ..
                                }) => {
                                    let chan =
                                        path.as_ref().and_then(|p| self.chan_index(p, &chain));
                                    Some((*chan_op, chan))
                                }
                                _ => None,
                            };
                            cases.push(case);
                        }
                        let node = self.push(NodeKind::Select { cases }, func.id, op.span);
                        self.link(tail, node, false);
                        ends_in = Some(node);
                        tail = node;
                    }
                    OpKind::Call {
                        callee: Callee::Func(c),
                        recv,
                        args,
                        ..
                    } => {
                        let Some(callee) = self.ctx.program.function(*c) else {
                            continue;
                        };
                        if callee.pkg != self.ctx.package || !self.wanted(callee.id) {
                            continue;
                        }
                        if depth >= MAX_INLINE_DEPTH || chain.iter().any(|(f, ..)| f == c) {
                            return None;
                        }
                        let mut inner = Vec::with_capacity(chain.len() + 1);
                        inner.push((*c, recv.clone(), args.clone()));
                        inner.extend(chain.iter().cloned());
                        let (entry, exit, _) =
                            self.expand(callee, Rc::new(inner), depth + 1, None)?;
                        self.link(tail, entry, false);
                        tail = exit;
                    }
                    _ => {}
                }
            }
            if start == Some((block, ops.len())) {
                start_node = Some(tail);
            }
            // A channel operation's node has one successor: the block's
            // branches hang off a step after it.
            if ends_in.is_none()
                && matches!(
                    self.nodes.get(tail as usize).map(|n| &n.kind),
                    Some(NodeKind::Chan { .. })
                )
            {
                let step = self.push(NodeKind::Step, func.id, func.def.span);
                self.link(tail, step, false);
                tail = step;
            }
            let succs = &cfg.block(block).succs;
            if block == cfg.exit {
                // Deferred operations run last-registered first.
                for op in deferred.clone().into_iter().rev() {
                    match &op.kind {
                        OpKind::Chan {
                            path,
                            op: ChanOp::Close,
                            ..
                        } => {
                            let chan = path.as_ref().and_then(|p| self.chan_index(p, &chain));
                            let node = self.push(
                                NodeKind::Chan {
                                    op: ChanOp::Close,
                                    chan,
                                },
                                func.id,
                                op.span,
                            );
                            self.link(tail, node, false);
                            tail = node;
                        }
                        // A deferred send or receive on a tracked channel
                        // is not modelled.
                        OpKind::Chan { path: Some(p), .. }
                            if self.chan_index(p, &chain).is_some() =>
                        {
                            return None;
                        }
                        OpKind::Call {
                            callee: Callee::Func(c),
                            ..
                        } if self.wanted(*c) => return None,
                        _ => {}
                    }
                }
                self.link(tail, ret, false);
                continue;
            }
            if block == cfg.abort {
                let end = self.push(NodeKind::Exit, func.id, func.def.span);
                self.link(tail, end, false);
                continue;
            }
            match ends_in.map(|n| &self.nodes[n as usize].kind) {
                Some(NodeKind::Select { .. }) | Some(NodeKind::Chan { .. }) => {
                    for s in succs.clone() {
                        let head = *heads.get(s.index())?;
                        self.link(tail, head, false);
                    }
                }
                _ => {
                    let branching = succs.len() > 1 && in_loop.get(b).copied().unwrap_or(false);
                    for s in succs.clone() {
                        let head = *heads.get(s.index())?;
                        let data_exit = branching && !self.reaches(func, s, block);
                        self.link(tail, head, data_exit);
                    }
                }
            }
        }
        if self.failed {
            return None;
        }
        Some((*heads.get(cfg.entry.index())?, ret, start_node))
    }

    fn wanted(&self, f: FuncId) -> bool {
        self.reaching.contains(&f)
    }

    fn reaches(&mut self, func: &Function, from: BlockId, to: BlockId) -> bool {
        self.reach
            .entry((func.id, from))
            .or_insert_with(|| reach_from(func, from))
            .contains(&to)
    }
}

/// One side's graph and where it starts.
struct Graph {
    nodes: Vec<Node>,
    start: u32,
    funcs: HashSet<FuncId>,
}

fn build_side<'a>(
    ctx: &RuleContext<'a>,
    shared: &Shared<'_>,
    side: &Side<'a>,
    chans: &mut Vec<(AccessPath, ChanKey)>,
) -> Option<Graph> {
    let chain: Chain = match side.spawn {
        Some(_) => Rc::new(vec![(side.root.id, side.recv.clone(), side.args.clone())]),
        None => Rc::new(Vec::new()),
    };
    let mut builder = Builder {
        ctx,
        tracked: shared.tracked,
        reaching: shared.reaching,
        funcs: HashSet::default(),
        nodes: Vec::new(),
        chans,
        reach: HashMap::default(),
        failed: false,
    };
    let (entry, ret, start) = builder.expand(side.root, chain, 0, side.start)?;
    let start = match side.start {
        Some(_) => start?,
        None => entry,
    };
    let mut nodes = std::mem::take(&mut builder.nodes);
    let funcs = std::mem::take(&mut builder.funcs);
    nodes.get_mut(ret as usize)?.kind = NodeKind::Exit;
    Some(Graph {
        nodes,
        start,
        funcs,
    })
}

fn analyse_group<'a>(
    ctx: &RuleContext<'a>,
    shared: &Shared<'_>,
    spawner: &Function,
    sides: &[&Side<'a>],
    client: Option<FuncId>,
) -> Option<Finding> {
    let mut chans: Vec<(AccessPath, ChanKey)> = Vec::new();
    let mut graphs = Vec::with_capacity(sides.len());
    for side in sides {
        graphs.push(build_side(ctx, shared, side, &mut chans)?);
    }
    if chans.is_empty() {
        return None;
    }
    // Every side shares a channel with another.
    let used = |g: &Graph, i: u8| {
        g.nodes.iter().any(|n| match &n.kind {
            NodeKind::Chan { chan, .. } => *chan == Some(i),
            NodeKind::Select { cases } => cases.iter().flatten().any(|(_, c)| *c == Some(i)),
            _ => false,
        })
    };
    let connected = graphs.iter().enumerate().all(|(gi, g)| {
        (0..chans.len() as u8).any(|i| {
            used(g, i)
                && graphs
                    .iter()
                    .enumerate()
                    .any(|(hi, h)| hi != gi && used(h, i))
        })
    });
    if !connected {
        return None;
    }
    // A channel the spawning function creates itself (`st := &stream{ch:
    // make(chan T)}`) is a new instance per call: other functions using
    // the same field work on other instances unless the spawning function
    // hands them this one.
    let made_here = |path: &AccessPath| {
        spawner.all_ops().any(
            |(_, _, op)| matches!(&op.kind, OpKind::MakeChan { path: Some(p), .. } if p == path),
        )
    };
    let spawn_spans: Vec<Span> = sides
        .iter()
        .filter_map(|s| s.spawn.map(|(_, _, span)| span))
        .collect();
    let instance = client.is_none()
        && chans.iter().all(|(p, _)| {
            made_here(p)
                && match &p.base {
                    goconc_semantic::ops::Base::Local(k) => {
                        stays_in(ctx, spawner, k.local, &spawn_spans)
                    }
                    _ => false,
                }
        });
    // Functions of the group, and those also run by other code: the spawn
    // of a side's root is its only call; every other function of a side is
    // only called (not spawned) by functions of the group.
    let group: HashSet<FuncId> = graphs
        .iter()
        .flat_map(|g| g.funcs.iter().copied())
        .collect();
    let roots: Vec<FuncId> = sides
        .iter()
        .filter(|s| s.spawn.is_some())
        .map(|s| s.root.id)
        .collect();
    let also_outside = |f: &FuncId| -> bool {
        if client == Some(*f) {
            // An actor's client: an entry point nothing in the package calls.
            return false;
        }
        let sites = shared.call_sites.get(f).map(Vec::as_slice).unwrap_or(&[]);
        if roots.contains(f) {
            return sites.len() != 1;
        }
        sites
            .iter()
            .any(|(caller, mode)| *mode == Mode::Spawned || !group.contains(caller))
    };
    let outside: HashSet<FuncId> = if instance {
        HashSet::default()
    } else {
        group.iter().filter(|f| also_outside(f)).copied().collect()
    };
    // With fresh instances, only code the spawning function hands the
    // instance to can reach it: any call of a channel user outside the
    // group, or another goroutine it starts that reaches one, counts as
    // an unknown party on every channel.
    let spawner_is_side = sides.iter().any(|s| s.spawn.is_none());
    let unknown_party = instance
        && ((!spawner_is_side && shared.reaching.contains(&spawner.id))
            || spawner.all_ops().any(|(_, _, op)| {
                let OpKind::Call {
                    callee: Callee::Func(c),
                    ..
                } = &op.kind
                else {
                    return false;
                };
                let group_spawn = op.mode == Mode::Spawned && spawn_spans.contains(&op.span);
                shared.reaching.contains(c)
                    && (op.mode == Mode::Spawned || !group.contains(c))
                    && !group_spawn
            }));
    let mut send_free = Vec::with_capacity(chans.len());
    let mut recv_free = Vec::with_capacity(chans.len());
    let mut caps = Vec::with_capacity(chans.len());
    for (_, key) in &chans {
        let facts = shared.tracked.get(key)?;
        let by_others = |pick: fn(&(bool, bool)) -> bool| {
            if instance {
                return unknown_party;
            }
            facts
                .users
                .iter()
                .any(|(f, u)| pick(u) && (!group.contains(f) || outside.contains(f)))
        };
        // A send may complete with a receiver outside the group, a receive
        // with a sender or closer outside it.
        send_free.push(by_others(|u| u.1));
        recv_free.push(by_others(|u| u.0));
        caps.push(facts.cap?);
    }
    let world = World {
        graphs: graphs.iter().collect(),
        caps,
        send_free,
        recv_free,
    };
    let stuck = world.find_deadlock()?;
    describe(ctx, spawner, sides, &graphs, &stuck, &chans)
}

/// Whether the spawning function's local `local` is only assigned, used
/// as the base of a selector (`st.ch`) or handed to one of the group's
/// spawns: not returned, stored or passed on, so no other code can reach
/// the instance.
fn stays_in(
    ctx: &RuleContext<'_>,
    spawner: &Function,
    local: goconc_semantic::body::LocalId,
    spawn_spans: &[Span],
) -> bool {
    use goconc_semantic::body::Res;
    use goconc_syntax::ast::{ExprId, ExprKind, StmtKind};
    let Some((file, info)) = ctx.program.file_of(spawner) else {
        return false;
    };
    let body = spawner.def.span;
    let inside = |span: Span| span.start >= body.start && span.end <= body.end;
    let mut allowed: HashSet<ExprId> = HashSet::default();
    for expr in &file.exprs {
        if !inside(expr.span) {
            continue;
        }
        match &expr.kind {
            ExprKind::Selector { x, .. } => {
                allowed.insert(*x);
            }
            ExprKind::Call { args, .. }
                if spawn_spans
                    .iter()
                    .any(|s| s.start <= expr.span.start && expr.span.end <= s.end) =>
            {
                allowed.extend(args.iter().copied());
            }
            _ => {}
        }
    }
    for stmt in &file.stmts {
        if let StmtKind::Assign { lhs, .. } = &stmt.kind {
            if inside(stmt.span) {
                allowed.extend(lhs.iter().copied());
            }
        }
    }
    file.exprs.iter().enumerate().all(|(i, expr)| {
        let id = ExprId(i as u32);
        !inside(expr.span)
            || !matches!(expr.kind, ExprKind::Ident(_))
            || !matches!(info.res(id), Res::Local(l) if *l == local)
            || allowed.contains(&id)
    })
}

struct World<'g> {
    graphs: Vec<&'g Graph>,
    caps: Vec<i64>,
    send_free: Vec<bool>,
    recv_free: Vec<bool>,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct State {
    /// Node of each side.
    at: Vec<u32>,
    /// Buffered values and closed flag of each channel.
    chans: Vec<(i64, bool)>,
}

/// A channel's new (buffered values, closed) state after an operation.
type ChanUpdate = (u8, (i64, bool));

/// What a side can do at its node.
#[derive(Default)]
struct Options {
    /// Moves on its own: (next node, channel update).
    alone: Vec<(u32, Option<ChanUpdate>)>,
    /// Operations waiting for the other side: (op, channel, next node).
    waiting: Vec<(ChanOp, u8, u32)>,
    /// At a channel operation or select (so it can be blocked).
    communicating: bool,
}

impl World<'_> {
    fn options(&self, g: &Graph, at: u32, chans: &[(i64, bool)]) -> Option<Options> {
        let node = g.nodes.get(at as usize)?;
        let mut out = Options::default();
        let succ = |i: usize| node.succs.get(i).map(|(s, _)| *s);
        match &node.kind {
            NodeKind::Exit => {}
            NodeKind::Step => {
                for (s, data_exit) in &node.succs {
                    if !data_exit {
                        out.alone.push((*s, None));
                    }
                }
            }
            NodeKind::Chan { op, chan: None } => {
                out.alone.push((succ(0)?, None));
                if *op == ChanOp::Range {
                    out.alone.extend(succ(1).map(|s| (s, None)));
                }
            }
            NodeKind::Chan { op, chan: Some(c) } => {
                // A close never waits (a second close panics and ends the run).
                out.communicating = *op != ChanOp::Close;
                let next = succ(0)?;
                let exit = if *op == ChanOp::Range {
                    succ(1)
                } else {
                    Some(next)
                };
                self.one_op(*op, *c, chans, next, exit, &mut out)?;
            }
            NodeKind::Select { cases } => {
                out.communicating = true;
                for (i, case) in cases.iter().enumerate() {
                    let next = succ(i)?;
                    match case {
                        None | Some((_, None)) => out.alone.push((next, None)),
                        Some((op, Some(c))) => {
                            let op = if *op == ChanOp::Range {
                                ChanOp::Recv
                            } else {
                                *op
                            };
                            self.one_op(op, *c, chans, next, Some(next), &mut out)?;
                        }
                    }
                }
            }
        }
        Some(out)
    }

    /// Options of one operation on tracked channel `c`: `next` after it
    /// completes, `closed_exit` where a receive goes on a closed channel.
    fn one_op(
        &self,
        op: ChanOp,
        c: u8,
        chans: &[(i64, bool)],
        next: u32,
        closed_exit: Option<u32>,
        out: &mut Options,
    ) -> Option<()> {
        let ci = c as usize;
        let (buffered, closed) = *chans.get(ci)?;
        let cap = *self.caps.get(ci)?;
        match op {
            ChanOp::Close => {
                // Closing twice panics: that run ends here.
                if !closed {
                    out.alone.push((next, Some((c, (buffered, true)))));
                }
            }
            ChanOp::Send => {
                if closed {
                    return Some(());
                }
                if buffered < cap {
                    out.alone.push((next, Some((c, (buffered + 1, closed)))));
                } else if *self.send_free.get(ci)? {
                    out.alone.push((next, None));
                }
                if cap == 0 {
                    out.waiting.push((ChanOp::Send, c, next));
                }
            }
            ChanOp::Recv | ChanOp::Range => {
                if buffered > 0 {
                    out.alone.push((next, Some((c, (buffered - 1, closed)))));
                } else if closed {
                    out.alone.extend(closed_exit.map(|e| (e, None)));
                } else {
                    if *self.recv_free.get(ci)? {
                        out.alone.push((next, None));
                        if op == ChanOp::Range {
                            out.alone.extend(closed_exit.map(|e| (e, None)));
                        }
                    }
                    if cap == 0 {
                        out.waiting.push((ChanOp::Recv, c, next));
                    }
                }
            }
        }
        Some(())
    }

    /// The first state (depth-first, in a fixed order) where every side
    /// waits on a channel operation and no move is possible: the node of
    /// each side.
    fn find_deadlock(&self) -> Option<Vec<u32>> {
        let start = State {
            at: self.graphs.iter().map(|g| g.start).collect(),
            chans: self.caps.iter().map(|_| (0, false)).collect(),
        };
        let mut seen: HashSet<State> = HashSet::default();
        seen.insert(start.clone());
        let mut stack = vec![start];
        while let Some(state) = stack.pop() {
            if seen.len() > MAX_STATES {
                return None;
            }
            let mut options = Vec::with_capacity(self.graphs.len());
            for (g, &at) in self.graphs.iter().zip(&state.at) {
                options.push(self.options(g, at, &state.chans)?);
            }
            let mut next: Vec<State> = Vec::new();
            for (side, opts) in options.iter().enumerate() {
                for (to, update) in &opts.alone {
                    let mut moved = state.clone();
                    if let Some(slot) = moved.at.get_mut(side) {
                        *slot = *to;
                    }
                    if let Some((c, v)) = update {
                        if let Some(slot) = moved.chans.get_mut(*c as usize) {
                            *slot = *v;
                        }
                    }
                    next.push(moved);
                }
            }
            // An unbuffered send and a receive on the same channel, by two
            // different sides, complete together.
            for (i, first) in options.iter().enumerate() {
                for (j, second) in options.iter().enumerate().skip(i + 1) {
                    for (op_a, c_a, to_a) in &first.waiting {
                        for (op_b, c_b, to_b) in &second.waiting {
                            if c_a == c_b && op_a != op_b {
                                let mut moved = state.clone();
                                if let Some(slot) = moved.at.get_mut(i) {
                                    *slot = *to_a;
                                }
                                if let Some(slot) = moved.at.get_mut(j) {
                                    *slot = *to_b;
                                }
                                next.push(moved);
                            }
                        }
                    }
                }
            }
            if next.is_empty() && options.iter().all(|o| o.communicating) {
                return Some(state.at);
            }
            for n in next.into_iter().rev() {
                if seen.insert(n.clone()) {
                    stack.push(n);
                }
            }
        }
        None
    }
}

fn describe(
    ctx: &RuleContext<'_>,
    spawner: &Function,
    sides: &[&Side<'_>],
    graphs: &[Graph],
    stuck: &[u32],
    chans: &[(AccessPath, ChanKey)],
) -> Option<Finding> {
    let program = ctx.program;
    // (side, node, function the node is in) of every side.
    let mut blocked = Vec::with_capacity(sides.len());
    for ((side, graph), &at) in sides.iter().zip(graphs).zip(stuck) {
        let node = graph.nodes.get(at as usize)?;
        let func = program.function(node.func)?;
        if func.pkg != ctx.package {
            return None;
        }
        blocked.push((*side, node, func));
    }
    let text = |f: &Function, n: &Node| -> String {
        let source = program
            .file_of(f)
            .map(|(file, _)| file.text(n.span).to_string())
            .filter(|t| !t.contains('\n') && t.len() <= 60);
        let name = |c: &u8| {
            chans
                .get(*c as usize)
                .map(|(p, _)| program.describe_path(p))
                .unwrap_or_else(|| "a channel".to_string())
        };
        match (&n.kind, source) {
            (
                NodeKind::Chan {
                    op: ChanOp::Range,
                    chan: Some(c),
                },
                _,
            ) => format!("the range over {}", name(c)),
            (NodeKind::Chan { .. }, Some(t)) => format!("`{t}`"),
            (NodeKind::Chan { op, chan: Some(c) }, None) => {
                let verb = match op {
                    ChanOp::Send => "the send on",
                    ChanOp::Close => "the close of",
                    _ => "the receive from",
                };
                format!("{verb} {}", name(c))
            }
            (NodeKind::Select { cases }, _) => {
                let names: Vec<String> = cases
                    .iter()
                    .flatten()
                    .filter_map(|(_, c)| c.as_ref())
                    .map(name)
                    .collect();
                format!("the select on {}", names.join(", "))
            }
            _ => "a channel operation".to_string(),
        }
    };
    // Closures are named by the function the goroutine waits in.
    let who = |s: &Side<'_>, waits_in: &Function| match s.spawn {
        Some(_) => format!(
            "the goroutine running {}",
            crate::lockstate::short_name(waits_in)
        ),
        None => crate::lockstate::short_name(s.root).to_string(),
    };
    let (_, first_node, first_func) = blocked.first()?;
    let others: Vec<String> = blocked
        .iter()
        .skip(1)
        .map(|(side, node, func)| {
            format!("{} can be waiting at {}", who(side, func), text(func, node))
        })
        .collect();
    let (others, nobody) = if others.len() == 1 {
        (
            others.join(""),
            "neither can reach an operation that serves the other",
        )
    } else {
        (
            others.join(" and "),
            "none of them can reach an operation that serves another",
        )
    };
    let mut finding = Finding::new(
        ChannelOrderDeadlock::META.code,
        FileIdx(first_func.def.file as usize),
        first_node.span,
        format!(
            "{} can block forever: {others} at the same time, and {nobody} (channel protocol cycle)",
            text(first_func, first_node),
        ),
    );
    for (side, node, func) in blocked.iter().skip(1) {
        finding = finding.related(
            FileIdx(func.def.file as usize),
            node.span,
            format!("{} waits here", who(side, func)),
        );
    }
    let spawner_file = FileIdx(spawner.def.file as usize);
    for (side, _, waits_in) in &blocked {
        if let Some((_, _, span)) = side.spawn {
            finding = finding.related(
                spawner_file,
                span,
                format!("{} started here", who(side, waits_in)),
            );
        }
    }
    Some(finding.suggest(
        "let each side keep serving the others while it waits (add their channels as select cases), or buffer one channel for a whole round of the protocol",
    ))
}

#[cfg(test)]
mod tests {
    use super::ChannelOrderDeadlock;

    fn run(src: &str) -> Vec<crate::Finding> {
        crate::testing::check_source(&ChannelOrderDeadlock, src)
    }

    #[test]
    fn closes_never_wait() {
        // Both goroutines may close the same field: the second close panics,
        // neither waits.
        let src = "package app\n\ntype conn struct{ ch chan int }\n\nfunc (c *conn) shut() { close(c.ch) }\n\nfunc start() {\n\tc := &conn{ch: make(chan int)}\n\tgo c.shut()\n\tgo c.shut()\n}\n";
        assert!(run(src).is_empty());
    }

    #[test]
    fn crossed_loops_are_reported_once() {
        let src = "package app\n\ntype pair struct{ a, b chan int }\n\nfunc (p *pair) left() {\n\tfor {\n\t\tp.a <- 1\n\t\t<-p.b\n\t}\n}\n\nfunc (p *pair) right() {\n\tfor {\n\t\tp.b <- 1\n\t\t<-p.a\n\t}\n}\n\nfunc start() {\n\tp := &pair{a: make(chan int), b: make(chan int)}\n\tgo p.left()\n\tgo p.right()\n}\n";
        let findings = run(src);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(
            findings[0]
                .message
                .starts_with("`p.a <- 1` can block forever"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn broken_input_does_not_panic() {
        for src in [
            "package app\ntype s struct{ c chan int }\nfunc (x *s) f() { for { select { case x.c <- : } } }\nfunc g() { x := &s{c: make(chan int)}; go x.f(); go x.f() }",
            "package app\ntype s struct{ c chan int }\nfunc (x *s) f() { x.f(); for range x.c {} }\nfunc g() { x := &s{c: make(chan int)}; go x.f(); x.c <- 1",
        ] {
            let _ = run(src);
        }
    }
}
