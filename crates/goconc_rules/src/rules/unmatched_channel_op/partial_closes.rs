//! Done channels closed on some exits only: a goroutine signals that it
//! finished with `close(s.done)` (or `s.stopped <- struct{}{}`) on one way
//! out but returns without it on another (an accept error, an early
//! `return` in a `select`, a retry loop that gives up), and the owner's
//! `<-s.done` then waits forever. `defer close(s.done)` is the fix.

use rustc_hash::{FxHashMap, FxHashSet};

use goconc_semantic::cfg::{BlockId, Node};
use goconc_semantic::ops::{Callee, ChanOp, FuncId, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::Type;
use goconc_syntax::ast::{Span, StmtKind};

use super::{chan_key, goroutine_targets, ChanKey, Escapes, UnmatchedChannelOp};
use crate::rules::cond_misuse::returns_right_after;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    // Only goroutines that close a channel (or send on one) themselves can
    // signal on some exits only.
    let signals = |f: &Function| {
        f.ops.iter().any(|(_, op)| match &op.kind {
            OpKind::Chan {
                op: ChanOp::Close | ChanOp::Send,
                ..
            } => true,
            // Through a completer helper (`fut.resolve(r)`).
            OpKind::Call {
                callee: Callee::Func(c),
                ..
            } => program.summary(*c).is_some_and(|s| {
                s.chans
                    .iter()
                    .any(|u| matches!(u.op, ChanOp::Close | ChanOp::Send))
            }),
            _ => false,
        })
    };
    if !ctx.functions().any(signals) {
        return;
    }
    let mut targets: Vec<(FuncId, (Span, FuncId))> = goroutine_targets(ctx)
        .iter()
        .map(|(k, v)| (*k, *v))
        .filter(|(t, _)| program.function(*t).is_some_and(signals))
        .collect();
    if targets.is_empty() {
        return;
    }
    targets.sort_by_key(|(t, _)| *t);
    // Who completes each channel (closes or sends), and who waits on it
    // with a plain receive or range, across the package.
    // Completers are (function with the op or call, callee for a call).
    let mut completers: FxHashMap<ChanKey, FxHashSet<(FuncId, Option<FuncId>)>> =
        FxHashMap::default();
    let mut waits: FxHashMap<ChanKey, Vec<(&Function, Span)>> = FxHashMap::default();
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: c,
                    select,
                    ..
                } => {
                    let Some(key) = chan_key(program, p) else {
                        continue;
                    };
                    match c {
                        ChanOp::Close | ChanOp::Send => {
                            completers.entry(key).or_default().insert((f.id, None));
                        }
                        ChanOp::Recv | ChanOp::Range
                            if select.is_none() && op.mode == Mode::Now =>
                        {
                            waits.entry(key).or_default().push((f, op.span));
                        }
                        _ => {}
                    }
                }
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } => {
                    let Some(summary) = program.summary(*c) else {
                        continue;
                    };
                    for u in summary
                        .chans
                        .iter()
                        .filter(|u| matches!(u.op, ChanOp::Close | ChanOp::Send))
                    {
                        if let Some(key) = program
                            .substitute(*c, &u.path, recv.as_ref(), args)
                            .and_then(|p| chan_key(program, &p))
                        {
                            completers.entry(key).or_default().insert((f.id, Some(*c)));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if waits.is_empty() {
        return;
    }
    // Element types of every channel the package closes: a range over a
    // channel of another element type, in an unexported function, never
    // runs out.
    let closed_elems: Vec<Type> = ctx
        .functions()
        .flat_map(|f| f.ops.iter())
        .filter_map(|(_, op)| match &op.kind {
            OpKind::Chan {
                op: ChanOp::Close,
                ty,
                ..
            } => match program.underlying(ty) {
                Type::Chan(c) => Some(c.1.clone()),
                _ => Some(Type::Unknown),
            },
            _ => None,
        })
        .collect();
    let wanted: FxHashSet<ChanKey> = waits.keys().cloned().collect();
    let escapes = Escapes::compute(ctx, &wanted);
    for (target, (spawn_span, spawner)) in targets {
        let Some(g) = program.function(target) else {
            continue;
        };
        if g.pkg != ctx.package || ctx.is_test_driver(g) {
            continue;
        }
        // Per channel: the blocks of `g` that complete it (close or send,
        // directly or through a callee; a deferred close runs on every
        // exit) and the first direct signal: a close, or a plain send of
        // `struct{}{}` on a signal channel (`ir.stopped <- struct{}{}`).
        let mut closes: FxHashMap<ChanKey, (Vec<BlockId>, Option<Signal>)> = FxHashMap::default();
        let mut signal_sites: FxHashMap<ChanKey, Vec<(BlockId, usize)>> = FxHashMap::default();
        let mut deferred: FxHashSet<ChanKey> = FxHashSet::default();
        for (b, i, op) in g.indexed_ops() {
            let (closed, signal): (Vec<ChanKey>, Option<Signal>) = match &op.kind {
                // A send on the path satisfies a waiting receive as well.
                OpKind::Chan {
                    path: Some(p),
                    op: c @ (ChanOp::Close | ChanOp::Send),
                    ty,
                    select,
                } => {
                    let close = *c == ChanOp::Close;
                    let signal_send = select.is_none()
                        && (carries_nothing(program, ty)
                            || exit_status(program, g, p, ty)
                            || (owner_handed_in(program, g, p)
                                && !p.fields.is_empty()
                                && returns_right_after(g, b, i)));
                    (
                        chan_key(program, p).into_iter().collect(),
                        (close || signal_send).then(|| Signal {
                            span: op.span,
                            close,
                            name: program.describe_path(p),
                        }),
                    )
                }
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } => {
                    let completed: Vec<goconc_semantic::ops::AccessPath> =
                        program.summary(*c).map_or_else(Vec::new, |s| {
                            s.chans
                                .iter()
                                .filter(|u| matches!(u.op, ChanOp::Close | ChanOp::Send))
                                .filter_map(|u| {
                                    program.substitute(*c, &u.path, recv.as_ref(), args)
                                })
                                .collect()
                        });
                    // A completer helper called as the goroutine's last act
                    // (`fut.complete(r); return`) delivers its one result.
                    let signal = match completed.as_slice() {
                        [p] if owner_handed_in(program, g, p)
                            && !p.fields.is_empty()
                            && returns_right_after(g, b, i) =>
                        {
                            Some(Signal {
                                span: op.span,
                                close: false,
                                name: program.describe_path(p),
                            })
                        }
                        _ => None,
                    };
                    (
                        completed
                            .iter()
                            .filter_map(|p| chan_key(program, p))
                            .collect(),
                        signal,
                    )
                }
                _ => continue,
            };
            for key in closed {
                match op.mode {
                    Mode::Deferred => {
                        deferred.insert(key);
                    }
                    Mode::Now => {
                        signal_sites.entry(key.clone()).or_default().push((b, i));
                        let entry = closes.entry(key).or_insert((Vec::new(), None));
                        entry.0.push(b);
                        if entry.1.is_none() {
                            entry.1 = signal.clone();
                        }
                    }
                    Mode::Spawned => {}
                }
            }
        }
        let mut keys: Vec<(&ChanKey, &Vec<BlockId>, &Signal)> = closes
            .iter()
            .filter_map(|(k, (blocks, signal))| Some((k, blocks, signal.as_ref()?)))
            .collect();
        keys.sort_by_key(|(_, _, signal)| signal.span.start);
        for (key, close_blocks, signal) in keys {
            let close_span = signal.span;
            if deferred.contains(key) || escapes.escapes(key) {
                continue;
            }
            // `g` must be the only function that completes the channel
            // (the call that starts it aside, and helpers only `g` calls).
            if completers.get(key).is_some_and(|set| {
                set.iter()
                    .any(|&(h, via)| h != g.id && via != Some(g.id) && !only_called_by(ctx, h, g))
            }) {
                continue;
            }
            let sites = signal_sites.get(key).map_or(&[][..], Vec::as_slice);
            let Some(wait) = waits.get(key).and_then(|w| {
                w.iter().find(|(f, _)| {
                    f.id != g.id
                        && !ctx.is_test_driver(f)
                        && !std::iter::successors(Some(*f), |w| super::enclosing(program, w))
                            .take_while(|w| w.id != g.id)
                            .any(|w| started_after_signal(program, g, w.id, sites))
                })
            }) else {
                continue;
            };
            // The close answers a request: it runs right after `g`
            // receives from a channel the waiter sends on before it waits
            // (`es.install <- sub; <-sub.installed`, answered by `case f :=
            // <-es.install: ...; close(f.installed)`). The waiter's send
            // completes only when `g` takes that branch.
            // The request may be taken a few blocks earlier in the same
            // iteration (`case f := <-es.install: if ... {} else {};
            // close(f.installed)`).
            let takes_request = |b: BlockId| {
                g.block_ops(b).iter().any(|(_, op)| match &op.kind {
                    OpKind::Chan {
                        path: Some(req),
                        op: ChanOp::Recv,
                        ..
                    } => chan_key(program, req).is_some_and(|req_key| {
                        wait.0.all_ops().any(|(_, _, w)| {
                            matches!(&w.kind, OpKind::Chan { path: Some(q), op: ChanOp::Send, .. }
                                if w.mode == Mode::Now && chan_key(program, q).as_ref() == Some(&req_key))
                        })
                    }),
                    _ => false,
                })
            };
            let answers_request = close_blocks.iter().all(|&b| {
                preceded_in_iteration(g, b, &takes_request).is_some_and(|requests| {
                    requests.iter().all(|&r| always_reaches(g, r, close_blocks))
                })
            });
            if answers_request {
                continue;
            }
            let Some((file, _)) = program.file_of(g) else {
                continue;
            };
            // `for _, ln := range mux.m { close(ln.c) }` closes every
            // listener's channel: leaving that loop is no exit without it.
            let mut completing = close_blocks.clone();
            completing.extend(every_element_loops(program, file, g, key, close_blocks));
            let Some((exit_span, gave_up)) = exit_without(file, g, &completing, &|b| {
                never_ending_range(ctx, g, b, &closed_elems)
            }) else {
                continue;
            };
            let (waiter, wait_span) = *wait;
            let chan = signal.name.as_str();
            let (verb, verbing, done) = if signal.close {
                ("closes", "closing", "closed")
            } else {
                ("signals", "signalling", "signalled")
            };
            let name = if g.def.parent.is_some() {
                "the goroutine"
            } else {
                crate::lockstate::short_name(g)
            };
            findings.push(
                Finding::new(
                    UnmatchedChannelOp::META.code,
                    FileIdx(waiter.def.file as usize),
                    wait_span,
                    format!(
                        "this waits forever when the goroutine returns without {verbing} {chan}: {name} {verb} it on some exits only"
                    ),
                )
                .related(
                    FileIdx(g.def.file as usize),
                    exit_span,
                    if gave_up {
                        format!("{name} can leave this loop and return without {verbing} {chan}")
                    } else {
                        format!("{name} returns here without {verbing} {chan}")
                    },
                )
                .related(
                    FileIdx(g.def.file as usize),
                    close_span,
                    format!("{chan} is {done} only on this path"),
                )
                .related(
                    FileIdx(program.function(spawner).map_or(g.def.file, |s| s.def.file) as usize),
                    spawn_span,
                    "goroutine started here",
                )
                .suggest(if signal.close {
                    format!(
                        "close {chan} with `defer close({chan})` at the top of {name}, so every exit signals it"
                    )
                } else {
                    format!(
                        "deliver a result on {chan} on every way out of {name} (an error when it gives up), or close it with `defer close({chan})` so every exit signals it"
                    )
                }),
            );
        }
    }
}

/// `waiter` is a goroutine that `g` itself starts, and every start comes
/// after `g` signalled the channel: a counting semaphore (`sem <- token;
/// go func() { defer func() { <-sem }() ... }()`). Each waiter takes the
/// token its own start put there; when `g` gives up early it starts no
/// waiter at all.
fn started_after_signal(
    program: &goconc_semantic::Program,
    g: &Function,
    waiter: FuncId,
    signals: &[(BlockId, usize)],
) -> bool {
    // `go f()`, `go func() {...}()`, `g.Go(f)`, or a spawning wrapper
    // (`threading.GoSafe(f)`).
    let wrapper_spawns = |op: &goconc_semantic::ops::Op| match &op.kind {
        OpKind::Call {
            callee: Callee::Func(c),
            func_arg: Some(fa),
            ..
        } => {
            fa.func == goconc_semantic::ops::FuncArg::Func(waiter)
                && program
                    .summary(*c)
                    .is_some_and(|s| s.spawns_params.contains(&fa.index))
        }
        _ => false,
    };
    // A closure `g` builds after the signal (`semaphore <- token;
    // doneFunc := func() { <-semaphore }`): whoever calls it later takes
    // the token this iteration put there.
    if g.closures.contains(&waiter) {
        if let (Some(w), Some((file, _))) = (program.function(waiter), program.file_of(g)) {
            let defined_in = g.cfg.blocks.iter().enumerate().find_map(|(bi, block)| {
                block
                    .nodes
                    .iter()
                    .any(|n| match n {
                        Node::Stmt(st) => {
                            let span = file.stmt(*st).span;
                            span.start <= w.def.span.start && w.def.span.end <= span.end
                        }
                        _ => false,
                    })
                    .then_some(BlockId(bi as u32))
            });
            if let Some(defined_in) = defined_in {
                return signals.iter().any(|&(sb, si)| {
                    if sb == defined_in {
                        g.block_ops(sb)
                            .get(si)
                            .is_some_and(|(_, op)| op.span.end <= w.def.span.start)
                    } else {
                        crate::rules::waitgroup_misuse::flow::dominates(
                            g,
                            (sb, si),
                            (defined_in, 0),
                        )
                    }
                });
            }
        }
    }
    let mut starts = g.indexed_ops().filter(|(_, _, op)| {
        crate::rules::waitgroup_misuse::starts(op, waiter) || wrapper_spawns(op)
    });
    let mut any = false;
    let all = starts.all(|(b, i, _)| {
        any = true;
        signals
            .iter()
            .any(|&site| crate::rules::waitgroup_misuse::flow::dominates(g, site, (b, i)))
    });
    any && all
}

/// How a goroutine tells its waiter it finished.
#[derive(Clone, Debug)]
struct Signal {
    span: Span,
    /// `close(ch)` rather than a send.
    close: bool,
    name: String,
}

/// Whether `ty` is a channel of `struct{}` (a pure signal).
fn carries_nothing(program: &goconc_semantic::Program, ty: &Type) -> bool {
    match program.underlying(ty) {
        Type::Chan(c) => matches!(program.underlying(&c.1), Type::Struct(s) if s.fields.is_empty()),
        _ => false,
    }
}

/// The channel lives in a value the goroutine was handed (its receiver,
/// a parameter, a captured variable), not one it made or received itself.
/// Callers also ask for a field (`fut.ch`, `h.stopped`): a bare local
/// shared with the spawner (`wait <- err`) is usually one of several
/// channels whose exchanges the spawner correlates (`started` first).
fn owner_handed_in(
    program: &goconc_semantic::Program,
    g: &Function,
    path: &goconc_semantic::ops::AccessPath,
) -> bool {
    let goconc_semantic::ops::Base::Local(key) = &path.base else {
        return false;
    };
    let own = crate::rules::waitgroup_misuse::flow::own_index(program, g);
    !program
        .local(key)
        .is_some_and(|l| Some(l.func) == own && l.kind == goconc_semantic::body::LocalKind::Var)
}

/// Every static call of `h` in the package is in `g` (a helper of `g`).
fn only_called_by(ctx: &RuleContext<'_>, h: FuncId, g: &Function) -> bool {
    let mut calls = 0;
    for f in ctx.functions() {
        for call in &f.calls {
            if call.callee == Callee::Func(h) {
                if f.id != g.id {
                    return false;
                }
                calls += 1;
            }
        }
    }
    calls > 0
}

/// A goroutine's exit status on a field of a value it does not create or
/// receive itself (`h.stopped <- nil` after a clean stop, on the
/// receiver's field): it signals the goroutine's end as well. A reply
/// field of a request the goroutine received (`req.errc <- err`) answers
/// one request instead.
fn exit_status(
    program: &goconc_semantic::Program,
    g: &Function,
    path: &goconc_semantic::ops::AccessPath,
    ty: &Type,
) -> bool {
    let is_error = match program.underlying(ty) {
        Type::Chan(c) => c.1.is_named("", "error"),
        _ => false,
    };
    is_error && !path.fields.is_empty() && owner_handed_in(program, g, path)
}

/// A `return` of `g` reached from the entry without passing any of
/// `closes`; `None` when every explicit return closes. Falling off the end
/// without closing counts only after a loop that closes inside it runs
/// out (see [`gives_up`]).
fn exit_without(
    file: &goconc_syntax::File,
    g: &Function,
    closes: &[BlockId],
    endless: &dyn Fn(BlockId) -> bool,
) -> Option<(Span, bool)> {
    let cfg = &g.cfg;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack = vec![cfg.entry];
    let mut falls_off = false;
    while let Some(b) = stack.pop() {
        if closes.contains(&b) || seen.get(b.index()).copied().unwrap_or(true) {
            continue;
        }
        seen[b.index()] = true;
        if b == cfg.exit {
            continue;
        }
        let block = cfg.block(b);
        // Only an explicit `return`: falling off the end without closing is
        // how "the last one out closes" counters look (`if n == 0 {
        // close(joined) }`).
        if block.succs.contains(&cfg.exit) {
            match block.nodes.last() {
                Some(Node::Stmt(s)) if matches!(file.stmt(*s).kind, StmtKind::Return { .. }) => {
                    return Some((file.stmt(*s).span, false));
                }
                _ => falls_off = true,
            }
        }
        stack.extend(block.succs.iter().rev().copied());
    }
    if falls_off {
        gives_up(file, g, closes, &seen, endless).map(|span| (span, true))
    } else {
        None
    }
}

/// The blocks satisfying `marks` that every path from the start of the
/// loop iteration (or of `g`) to block `b` passes, or `None` when some path
/// passes none.
fn preceded_in_iteration(
    g: &Function,
    b: BlockId,
    marks: &dyn Fn(BlockId) -> bool,
) -> Option<Vec<BlockId>> {
    let cfg = &g.cfg;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack = vec![b];
    let mut marked = Vec::new();
    while let Some(x) = stack.pop() {
        if seen.get(x.index()).copied().unwrap_or(true) {
            continue;
        }
        seen[x.index()] = true;
        if marks(x) {
            marked.push(x);
            continue;
        }
        let block = cfg.block(x);
        if x == cfg.entry || block.kind == goconc_semantic::cfg::BlockKind::LoopHead {
            return None;
        }
        stack.extend(block.preds.iter().copied());
    }
    Some(marked)
}

/// Every path from `from` reaches one of `targets` before the next loop
/// iteration or the end of `g`: the close answers every request.
fn always_reaches(g: &Function, from: BlockId, targets: &[BlockId]) -> bool {
    let cfg = &g.cfg;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack = vec![from];
    while let Some(x) = stack.pop() {
        if targets.contains(&x) || seen.get(x.index()).copied().unwrap_or(true) {
            continue;
        }
        seen[x.index()] = true;
        let block = cfg.block(x);
        if x == cfg.exit
            || x == cfg.abort
            || (x != from && block.kind == goconc_semantic::cfg::BlockKind::LoopHead)
        {
            return false;
        }
        stack.extend(block.succs.iter().copied());
    }
    true
}

/// Heads of the `range` loops over a collection (not a channel) that
/// close the channel of each element they visit: the close is on a path
/// rooted at the loop's value (or key) variable, inside the loop body.
fn every_element_loops(
    program: &goconc_semantic::Program,
    file: &goconc_syntax::File,
    g: &Function,
    key: &ChanKey,
    close_blocks: &[BlockId],
) -> Vec<BlockId> {
    let close_ops: Vec<(Span, &goconc_semantic::ops::AccessPath)> = close_blocks
        .iter()
        .flat_map(|&b| g.block_ops(b).iter())
        .filter_map(|(_, op)| match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Close,
                ..
            } if op.mode == Mode::Now && chan_key(program, p).as_ref() == Some(key) => {
                Some((op.span, p))
            }
            _ => None,
        })
        .collect();
    let mut heads = Vec::new();
    for (bi, block) in g.cfg.blocks.iter().enumerate() {
        let Some(Node::RangeNext(s)) = block.nodes.last() else {
            continue;
        };
        let stmt = file.stmt(*s);
        let StmtKind::Range {
            key: k, value, x, ..
        } = &stmt.kind
        else {
            continue;
        };
        if matches!(
            program.underlying(program.type_of(g.pkg, g.def.file, *x)),
            Type::Chan(_)
        ) {
            continue;
        }
        let vars: Vec<Span> = [k, value]
            .into_iter()
            .flatten()
            .map(|e| file.expr(*e).span)
            .collect();
        let closes_element = close_ops.iter().any(|(span, p)| {
            stmt.span.start <= span.start
                && span.end <= stmt.span.end
                && match &p.base {
                    goconc_semantic::ops::Base::Local(l) => program
                        .local(l)
                        .is_some_and(|local| vars.contains(&local.span)),
                    _ => false,
                }
        });
        if closes_element
            && every_iteration_passes(file, g, BlockId(bi as u32), stmt.span, close_blocks)
        {
            heads.push(BlockId(bi as u32));
        }
    }
    heads
}

/// No iteration of the loop at `head` (spanning `span`) gets back to the
/// head without passing one of `closes`: the close is not skipped by an
/// `if` or a `continue`.
fn every_iteration_passes(
    file: &goconc_syntax::File,
    g: &Function,
    head: BlockId,
    span: Span,
    closes: &[BlockId],
) -> bool {
    let inside = |n: &Node| {
        let s = match *n {
            Node::Stmt(s) | Node::RangeInit(s) | Node::RangeNext(s) | Node::Select(s) => {
                file.stmt(s).span
            }
            Node::SelectCase { clause, .. } => file.stmt(clause).span,
            Node::Cond(e) => file.expr(e).span,
        };
        span.start <= s.start && s.end <= span.end
    };
    let cfg = &g.cfg;
    let mut seen = vec![false; cfg.blocks.len()];
    let mut stack: Vec<BlockId> = cfg.block(head).succs.to_vec();
    while let Some(b) = stack.pop() {
        if b == head {
            return false;
        }
        if closes.contains(&b) || seen.get(b.index()).copied().unwrap_or(true) {
            continue;
        }
        seen[b.index()] = true;
        let block = cfg.block(b);
        if !block.nodes.iter().all(inside) {
            continue;
        }
        stack.extend(block.succs.iter().copied());
    }
    true
}

/// The loop at `head` ranges over a channel that nothing can close: no
/// channel of its element type is closed in the package, and `g` is not
/// exported (a caller elsewhere could close what it passes). Such a range
/// never runs out, so leaving it is no way out of `g`.
fn never_ending_range(
    ctx: &RuleContext<'_>,
    g: &Function,
    head: BlockId,
    closed_elems: &[Type],
) -> bool {
    let exported = crate::lockstate::short_name(g).starts_with(|c: char| c.is_uppercase());
    if exported || g.def.parent.is_some() {
        return false;
    }
    g.block_ops(head).iter().any(|(_, op)| match &op.kind {
        OpKind::Chan {
            op: ChanOp::Range,
            ty,
            ..
        } => match ctx.program.underlying(ty) {
            Type::Chan(c) => {
                !matches!(c.1, Type::Unknown)
                    && !closed_elems
                        .iter()
                        .any(|e| matches!(e, Type::Unknown) || *e == c.1)
            }
            _ => false,
        },
        _ => false,
    })
}

/// A loop that closes inside (on success) and whose head the path that
/// falls off the end without closing passes: a retry loop that gives up
/// after its attempts, a search that finds nothing. Returns the loop's
/// condition (or range clause).
fn gives_up(
    file: &goconc_syntax::File,
    g: &Function,
    closes: &[BlockId],
    reached: &[bool],
    endless: &dyn Fn(BlockId) -> bool,
) -> Option<Span> {
    let close_spans: Vec<Span> = closes
        .iter()
        .flat_map(|&b| g.block_ops(b).iter().map(|(_, op)| op.span))
        .collect();
    for (bi, block) in g.cfg.blocks.iter().enumerate() {
        if block.kind != goconc_semantic::cfg::BlockKind::LoopHead
            || !reached.get(bi).copied().unwrap_or(false)
            || endless(BlockId(bi as u32))
        {
            continue;
        }
        let (loop_span, shown) = match block.nodes.last() {
            Some(Node::Cond(cond)) => {
                let Some(stmt) = file.stmts.iter().find(
                    |st| matches!(&st.kind, StmtKind::For { cond: Some(c), .. } if c == cond),
                ) else {
                    continue;
                };
                (stmt.span, file.expr(*cond).span)
            }
            Some(Node::RangeNext(s)) => (file.stmt(*s).span, file.stmt(*s).span),
            _ => continue,
        };
        if close_spans
            .iter()
            .any(|c| loop_span.start <= c.start && c.end <= loop_span.end)
        {
            return Some(shown);
        }
    }
    None
}
