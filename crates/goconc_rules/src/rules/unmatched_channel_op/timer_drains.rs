//! The timer drain idiom in a helper (`func (e *electionTimer) reset() {
//! if !e.t.Stop() { <-e.t.C }; e.t.Reset(d) }`), called right after the
//! caller received the timer's value (`case <-f.timer.t.C: f.campaign()`,
//! and `campaign` calls `reset`). `Stop` returns false because the timer
//! already fired, and the drain waits for a value that was already taken.
//! The drain in the same function as the receive is
//! [`super::check_timer_drains`].

use rustc_hash::FxHashMap;

use goconc_semantic::cfg::{BlockId, Node};
use goconc_semantic::ops::{AccessPath, Callee, ChanOp, FuncId, Mode, Op, OpKind, PathElem};
use goconc_semantic::program::Function;
use goconc_semantic::Program;
use goconc_syntax::ast::{Span, StmtKind};

use super::{receives_from_timer, stopped_timer, UnmatchedChannelOp};
use crate::{FileIdx, Finding, RuleContext};

/// How many calls deep a drain is looked for.
const DEPTH: usize = 3;

/// A drain its function can reach before re-arming the timer.
#[derive(Clone)]
struct EntryDrain {
    /// The timer, in the frame of the function the drain is reached from.
    timer: AccessPath,
    /// Where the drain is, and the `!t.Stop()` guarding it.
    func: FuncId,
    drain: Span,
    guard: Span,
}

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    // Only packages with the idiom somewhere pay for the search.
    let mut memo: FxHashMap<FuncId, Vec<EntryDrain>> = FxHashMap::default();
    let any_drain = ctx.functions().any(|f| !own_drains(program, f).is_empty());
    if !any_drain {
        return;
    }
    let mut reported: Vec<Span> = Vec::new();
    for f in ctx.functions() {
        for (b, block_ops) in (0..f.cfg.blocks.len()).map(|b| {
            let b = BlockId(b as u32);
            (b, f.block_ops(b))
        }) {
            for (i, (_, op)) in block_ops.iter().enumerate() {
                let Some(timer) = timer_received(program, op) else {
                    continue;
                };
                let Some((call, drain)) = drain_after(program, f, (b, i), &timer, &mut memo) else {
                    continue;
                };
                if reported.contains(&drain.drain) {
                    continue;
                }
                reported.push(drain.drain);
                let Some(drainer) = program.function(drain.func) else {
                    continue;
                };
                let timer_name = program.describe_path(&timer);
                let callee = match &call.kind {
                    OpKind::Call {
                        callee: Callee::Func(c),
                        ..
                    } => program.function(*c).map_or("the call".to_string(), |g| {
                        crate::lockstate::short_name(g).to_string()
                    }),
                    _ => "the call".to_string(),
                };
                findings.push(
                    Finding::new(
                        UnmatchedChannelOp::META.code,
                        FileIdx(drainer.def.file as usize),
                        drain.drain,
                        format!(
                            "this drain blocks forever when reached from {}: {timer_name}'s value was already received there, so Stop returns false and nothing will be sent again",
                            crate::lockstate::short_name(f)
                        ),
                    )
                    .related(
                        FileIdx(f.def.file as usize),
                        op.span,
                        format!("{timer_name}'s value is received here"),
                    )
                    .related(
                        FileIdx(f.def.file as usize),
                        call.span,
                        format!("then {callee} reaches the drain with no Reset in between"),
                    )
                    .related(
                        FileIdx(drainer.def.file as usize),
                        drain.guard,
                        "Stop returns false: the timer already fired",
                    )
                    .suggest(
                        "drain with a select with a default case, or let the caller that consumed the value skip the drain (a `fired` flag); since Go 1.23 Stop and Reset need no drain at all",
                    ),
                );
            }
        }
    }
}

/// `<-t.C` (plain or a select case) on a `time.Timer`: the timer's path.
fn timer_received(program: &Program, op: &Op) -> Option<AccessPath> {
    let OpKind::Chan {
        path: Some(p),
        op: ChanOp::Recv,
        ..
    } = &op.kind
    else {
        return None;
    };
    if op.mode != Mode::Now {
        return None;
    }
    timer_of_channel(program, p)
}

/// `t` for the path `t.C` of a timer's channel.
fn timer_of_channel(program: &Program, p: &AccessPath) -> Option<AccessPath> {
    let (owner, name) = program.field_owner(p)?;
    if &*name != "C" || !owner.is_named("time", "Timer") {
        return None;
    }
    let mut timer = p.clone();
    timer.fields.pop();
    Some(timer)
}

/// Whether the op re-arms `timer` (or may make a new one).
fn rearms(program: &Program, op: &Op, timer: &AccessPath) -> bool {
    let OpKind::Call {
        callee: Callee::External(obj),
        recv,
        ..
    } = &op.kind
    else {
        return false;
    };
    if &*obj.pkg != "time" {
        return false;
    }
    let Some(time) = program.env.package(&obj.pkg) else {
        return true;
    };
    let Some(o) = time.object(obj.idx) else {
        return true;
    };
    match (&*o.name, o.recv_type.as_deref()) {
        ("Reset", Some("Timer")) => recv.as_ref().is_none_or(|r| r == timer),
        ("NewTimer" | "AfterFunc", None) => true,
        _ => false,
    }
}

/// The first call after `from` (without re-arming `timer` on the way)
/// whose callee reaches a drain of `timer` before re-arming it.
fn drain_after<'f>(
    program: &Program,
    f: &'f Function,
    from: (BlockId, usize),
    timer: &AccessPath,
    memo: &mut FxHashMap<FuncId, Vec<EntryDrain>>,
) -> Option<(&'f Op, EntryDrain)> {
    let n = f.cfg.blocks.len();
    let mut seen = vec![false; n];
    let mut stack: Vec<(BlockId, usize)> = vec![(from.0, from.1 + 1)];
    while let Some((b, start)) = stack.pop() {
        let mut stopped = false;
        for (_, op) in f.block_ops(b).iter().skip(start) {
            if op.mode != Mode::Now {
                continue;
            }
            if rearms(program, op, timer) || timer_received(program, op).as_ref() == Some(timer) {
                stopped = true;
                break;
            }
            if let Some(drain) = callee_drain(program, op, timer, memo, DEPTH) {
                return Some((op, drain));
            }
        }
        if stopped {
            continue;
        }
        for &s in &f.cfg.block(b).succs {
            if s.index() < n && !seen[s.index()] {
                seen[s.index()] = true;
                stack.push((s, 0));
            }
        }
    }
    None
}

/// The drain of `timer` (a path in the caller's frame) that the call `op`
/// reaches before re-arming it.
fn callee_drain(
    program: &Program,
    op: &Op,
    timer: &AccessPath,
    memo: &mut FxHashMap<FuncId, Vec<EntryDrain>>,
    depth: usize,
) -> Option<EntryDrain> {
    let OpKind::Call {
        callee: Callee::Func(c),
        recv,
        args,
        ..
    } = &op.kind
    else {
        return None;
    };
    entry_drains(program, *c, memo, depth)
        .into_iter()
        .find(|d| {
            program
                .substitute(*c, &d.timer, recv.as_ref(), args)
                .as_ref()
                == Some(timer)
        })
}

/// The drains a function reaches from its entry before re-arming the timer
/// they drain, directly or through calls (timers in its own frame).
fn entry_drains(
    program: &Program,
    id: FuncId,
    memo: &mut FxHashMap<FuncId, Vec<EntryDrain>>,
    depth: usize,
) -> Vec<EntryDrain> {
    if let Some(known) = memo.get(&id) {
        return known.clone();
    }
    // Recursion through the call graph ends here (cycles see nothing).
    memo.insert(id, Vec::new());
    let Some(f) = program.function(id) else {
        return Vec::new();
    };
    let mut out: Vec<EntryDrain> = Vec::new();
    for (guard_block, drain) in own_drains(program, f) {
        if reached_unarmed(program, f, guard_block, &drain.timer) {
            out.push(drain);
        }
    }
    if depth > 1 {
        // Calls on the way from the entry, each timer checked for re-arming.
        let mut seen = vec![false; f.cfg.blocks.len()];
        let mut stack = vec![f.cfg.entry];
        let mut calls: Vec<(BlockId, usize)> = Vec::new();
        while let Some(b) = stack.pop() {
            if b.index() >= seen.len() || seen[b.index()] {
                continue;
            }
            seen[b.index()] = true;
            for (i, (_, op)) in f.block_ops(b).iter().enumerate() {
                if op.mode == Mode::Now
                    && matches!(
                        op.kind,
                        OpKind::Call {
                            callee: Callee::Func(_),
                            ..
                        }
                    )
                {
                    calls.push((b, i));
                }
            }
            stack.extend(f.cfg.block(b).succs.iter().copied());
        }
        for (b, i) in calls {
            let Some((_, op)) = f.block_ops(b).get(i) else {
                continue;
            };
            let OpKind::Call {
                callee: Callee::Func(c),
                recv,
                args,
                ..
            } = &op.kind
            else {
                continue;
            };
            for d in entry_drains(program, *c, memo, depth - 1) {
                let Some(timer) = program.substitute(*c, &d.timer, recv.as_ref(), args) else {
                    continue;
                };
                if reached_unarmed(program, f, b, &timer)
                    && !f
                        .block_ops(b)
                        .iter()
                        .take(i)
                        .any(|(_, o)| rearms(program, o, &timer))
                {
                    out.push(EntryDrain { timer, ..d });
                }
            }
        }
    }
    memo.insert(id, out.clone());
    out
}

/// Whether `to` is reachable from the entry without re-arming or
/// receiving from `timer` (ops of `to` itself not counted).
fn reached_unarmed(program: &Program, f: &Function, to: BlockId, timer: &AccessPath) -> bool {
    let touches = |b: BlockId| {
        f.block_ops(b).iter().any(|(_, op)| {
            op.mode == Mode::Now
                && (rearms(program, op, timer)
                    || timer_received(program, op).as_ref() == Some(timer))
        })
    };
    let n = f.cfg.blocks.len();
    let mut seen = vec![false; n];
    let mut stack = vec![f.cfg.entry];
    while let Some(b) = stack.pop() {
        if b.index() >= n || seen[b.index()] {
            continue;
        }
        seen[b.index()] = true;
        if b == to {
            return true;
        }
        if touches(b) {
            continue;
        }
        stack.extend(f.cfg.block(b).succs.iter().copied());
    }
    false
}

/// The drain idiom in the function itself: `if !t.Stop() { <-t.C }`, as
/// (guard block, drain).
fn own_drains(program: &Program, f: &Function) -> Vec<(BlockId, EntryDrain)> {
    let mut out = Vec::new();
    let Some((file, info)) = program.file_of(f) else {
        return out;
    };
    for (bi, block) in f.cfg.blocks.iter().enumerate() {
        let [pred] = block.preds.as_slice() else {
            continue;
        };
        let Some((timer_text, guard)) = (match f.cfg.block(*pred).nodes.last() {
            Some(Node::Cond(c)) => stopped_timer(file, info, *c),
            _ => None,
        }) else {
            continue;
        };
        let drain_span = block.nodes.iter().find_map(|node| {
            let Node::Stmt(s) = node else { return None };
            let StmtKind::Expr(e) = &file.stmt(*s).kind else {
                return None;
            };
            receives_from_timer(file, *e, &timer_text).then(|| file.stmt(*s).span)
        });
        let Some(drain_span) = drain_span else {
            continue;
        };
        let b = BlockId(bi as u32);
        let timer = f.block_ops(b).iter().find_map(|(_, op)| match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Recv,
                select: None,
                ..
            } if op.mode == Mode::Now
                && drain_span.start <= op.span.start
                && op.span.end <= drain_span.end =>
            {
                timer_of_channel(program, p)
            }
            _ => None,
        });
        let Some(timer) = timer else { continue };
        if !matches!(timer.fields.last(), Some(PathElem::Field(_)) | None) {
            continue;
        }
        out.push((
            *pred,
            EntryDrain {
                timer,
                func: f.id,
                drain: drain_span,
                guard,
            },
        ));
    }
    out
}
