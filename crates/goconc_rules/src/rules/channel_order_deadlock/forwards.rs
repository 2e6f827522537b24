//! Actors that forward to each other: the goroutine that is the only
//! receiver of an unbuffered inbox field (`case u := <-g.inbox:`) hands
//! messages on to the inbox of a peer of its own type with a plain send
//! (`g.peer.inbox <- u`), and the peers point at each other
//! (`a.peer, b.peer = b, a`). When both have a message to forward at the
//! same moment, each waits for the other to come back to its receive,
//! and neither does.

use rustc_hash::FxHashSet as HashSet;

use goconc_semantic::body::Res;
use goconc_semantic::ops::{AccessPath, Callee, ChanOp, Mode, OpKind, PathElem};
use goconc_semantic::types::{Sym, Type};
use goconc_syntax::ast::{ExprKind, Span, StmtKind};

use super::super::abandoned_channel::unbuffered_field_keys;
use super::super::unmatched_channel_op::{goroutine_targets, ChanKey, Escapes};
use super::ChannelOrderDeadlock;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(
    ctx: &RuleContext<'_>,
    reported: &mut HashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let (ops, makes) = ctx.field_chan_ops();
    let keys = unbuffered_field_keys(ops, makes);
    // (inbox key, the actor's receive, the forwarding send, the peer field).
    let mut candidates = Vec::new();
    for key in keys {
        let ChanKey::Field(owner, _) = key else {
            continue;
        };
        let uses = &ops[key];
        let mut receives = uses.iter().filter(|u| u.op == ChanOp::Recv);
        let Some(first) = receives.next() else {
            continue;
        };
        if uses
            .iter()
            .any(|u| u.op == ChanOp::Range || u.op == ChanOp::Close)
            || !receives.all(|r| r.func == first.func)
        {
            continue;
        }
        let Some(actor) = program.function(first.func) else {
            continue;
        };
        let Some(recv_path) = actor.all_ops().find_map(|(_, _, op)| match &op.kind {
            OpKind::Chan { path: Some(p), .. } if op.span == first.span => Some(p.clone()),
            _ => None,
        }) else {
            continue;
        };
        // `g.inbox` received, `g.peer.inbox` sent: one more field, naming
        // another value of the actor's own type.
        // Plain sends in the actor itself, and in the calls it makes
        // (`n.step(m)` → `n.send(..)` → `n.peers[to].inbox <- m`).
        let mut sends: Vec<(Span, AccessPath)> = Vec::new();
        for (_, _, op) in actor.all_ops() {
            if op.mode != Mode::Now {
                continue;
            }
            match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: ChanOp::Send,
                    select: None,
                    ..
                } => sends.push((op.span, p.clone())),
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } => {
                    let Some(summary) = program.summary(*c) else {
                        continue;
                    };
                    for u in &summary.chans {
                        if u.op != ChanOp::Send || u.in_select {
                            continue;
                        }
                        if let Some(p) = program.substitute(*c, &u.path, recv.as_ref(), args) {
                            sends.push((op.span, p));
                        }
                    }
                }
                _ => {}
            }
        }
        for (send_span, send_path) in sends {
            // `g.inbox` received; `g.peer.inbox` or `g.peers[id].inbox` sent.
            let n = recv_path.fields.len();
            if n == 0
                || send_path.base != recv_path.base
                || send_path.fields.len() < n + 1
                || send_path.fields[..n - 1] != recv_path.fields[..n - 1]
                || send_path.fields.last() != recv_path.fields.last()
            {
                continue;
            }
            let middle = &send_path.fields[n - 1..send_path.fields.len() - 1];
            let peer_field = match middle {
                [PathElem::Field(f)] | [PathElem::Field(f), PathElem::Index] => f.clone(),
                _ => continue,
            };
            candidates.push((key, owner.clone(), first, send_span, peer_field));
        }
    }
    if candidates.is_empty() {
        return;
    }
    let wanted: HashSet<ChanKey> = candidates.iter().map(|(k, ..)| (*k).clone()).collect();
    let escapes = Escapes::compute(ctx, &wanted);
    let goroutines = goroutine_targets(ctx);
    for (key, owner, first, send_span, peer_field) in candidates {
        if (escapes.escapes(key) && !only_keyless_sends_unaccounted(ctx, key))
            || !goroutines.contains_key(&first.func)
        {
            continue;
        }
        let Some(actor) = program.function(first.func) else {
            continue;
        };
        let Some(wiring) = mutual_peers(ctx, &owner, &peer_field) else {
            continue;
        };
        if !reported.insert((actor.def.file, send_span)) {
            continue;
        }
        let ChanKey::Field(_, inbox) = key else {
            continue;
        };
        let actor_name = crate::lockstate::short_name(actor);
        let mut finding = Finding::new(
            ChannelOrderDeadlock::META.code,
            FileIdx(actor.def.file as usize),
            send_span,
            format!(
                "{actor_name} forwards to a peer's unbuffered `{inbox}` (through `{peer_field}`) from inside its receive loop, and the peers point at each other: when both forward at once, each waits for the other to come back to its receive, and neither does"
            ),
        )
        .related(
            FileIdx(actor.def.file as usize),
            first.span,
            format!("the only receive on `{inbox}`, in the same loop"),
        )
        .related(
            FileIdx(wiring.0 as usize),
            wiring.1,
            format!("the peers' `{peer_field}` fields point at each other"),
        );
        if let Some(&(spawn_span, spawner)) = goroutines.get(&actor.id) {
            if let Some(spawner) = program.function(spawner) {
                finding = finding.related(
                    FileIdx(spawner.def.file as usize),
                    spawn_span,
                    "the actor goroutine is started here",
                );
            }
        }
        findings.push(finding.suggest(
            "do not block the receive loop on a peer: hand the message on from a new goroutine or through a queue, or send in a select that also receives on the own inbox",
        ));
    }
}

/// A store that makes two values of `owner` point at each other through
/// `field`: `a.peer, b.peer = b, a`, or `a.peer = b` and `b.peer = a` in one
/// function, a ring `nodes[i].next = nodes[(i+1)%n]`, or every node made a
/// peer of every other (`for _, a := range nodes { for _, b := range
/// nodes { a.peers[b.id] = b } }`). Returns the first store's file and
/// span.
fn mutual_peers(ctx: &RuleContext<'_>, owner: &Type, field: &Sym) -> Option<(u32, Span)> {
    let model = ctx.model()?;
    for (fi, info) in model.files.iter().enumerate() {
        let file = model.pkg.file(fi as u32)?;
        // (target local, stored local, store span, enclosing function start).
        let mut stores = Vec::new();
        for st in &file.stmts {
            let StmtKind::Assign { lhs, rhs, .. } = &st.kind else {
                continue;
            };
            if lhs.len() != rhs.len() {
                continue;
            }
            for (&l, &r) in lhs.iter().zip(rhs) {
                let mut target = file.unparen(l);
                // `a.peers[b.id] = b`: a store into a collection of peers.
                let keyed = match &file.expr(target).kind {
                    ExprKind::Index { x, .. } => {
                        target = file.unparen(*x);
                        true
                    }
                    _ => false,
                };
                let ExprKind::Selector { x, sel } = &file.expr(target).kind else {
                    continue;
                };
                if file.name(*sel) != &**field || info.ty(*x).strip_pointer() != owner {
                    continue;
                }
                let span = file.expr(target).span.to(file.expr(file.unparen(r)).span);
                // A ring over a slice wraps around with `%`.
                if let ExprKind::Index { index, .. } = &file.expr(file.unparen(r)).kind {
                    if matches!(
                        &file.expr(file.unparen(*index)).kind,
                        ExprKind::Binary {
                            op: goconc_syntax::ast::Op::Rem,
                            ..
                        }
                    ) {
                        return Some((fi as u32, span));
                    }
                }
                let local = |e| match info.res(file.unparen(e)) {
                    Res::Local(id) => Some(*id),
                    _ => None,
                };

                if let (Some(a), Some(b)) = (local(*x), local(r)) {
                    if a != b {
                        stores.push((a, b, span));
                    }
                    // All to all: `a` and `b` both range over the same nodes.
                    let ranged_over = |id| {
                        let l = info.local(id)?;
                        let over = crate::rules::double_lock::local_source(file, l)?;
                        (l.init.is_none()).then(|| file.text(file.expr(over).span))
                    };
                    if keyed {
                        if let (Some(ca), Some(cb)) = (ranged_over(a), ranged_over(b)) {
                            if ca == cb {
                                return Some((fi as u32, span));
                            }
                        }
                    }
                }
            }
        }
        for (a, b, span) in &stores {
            if stores.iter().any(|(c, d, _)| c == b && d == a) {
                return Some((fi as u32, *span));
            }
        }
    }
    None
}

/// Whether the only references of the field the model does not account for
/// are plain sends through a collection of peers (`n.peers[id].inbox <-
/// m`): their paths have no key, so they are not counted as operations.
fn only_keyless_sends_unaccounted(ctx: &RuleContext<'_>, key: &ChanKey) -> bool {
    let program = ctx.program;
    let mentions = ctx.chan_mentions();
    if mentions.exported(key) {
        return false;
    }
    let mut keyless_sends = 0u32;
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            let OpKind::Chan {
                path: Some(p),
                op: c,
                ..
            } = &op.kind
            else {
                continue;
            };
            if super::super::unmatched_channel_op::chan_key(program, p).is_some() {
                continue;
            }
            let Some((owner, name)) = program.field_owner(p) else {
                continue;
            };
            if ChanKey::field(&owner, name) != *key {
                continue;
            }
            if *c != ChanOp::Send {
                return false;
            }
            keyless_sends += 1;
        }
    }
    keyless_sends > 0 && mentions.unaccounted(key) == keyless_sends
}
