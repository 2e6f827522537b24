//! An actor that sends to itself: the goroutine that is the only receiver
//! of an unbuffered request channel field (`case r := <-m.reqs:`) calls,
//! while handling a request, a function that sends on that same channel
//! with a plain send (`m.Revoke(id)` → `m.reqs <- r`). Nobody else can
//! take the value, so the actor waits for itself, and every later caller
//! queues behind it.

use rustc_hash::FxHashSet as HashSet;

use goconc_semantic::ops::{Callee, ChanOp, Mode, OpKind};
use goconc_syntax::ast::Span;

use super::super::abandoned_channel::{chan_name_at, unbuffered_field_keys};
use super::super::unmatched_channel_op::{chan_key, goroutine_targets, ChanKey, Escapes};
use super::ChannelOrderDeadlock;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(
    ctx: &RuleContext<'_>,
    reported: &mut HashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let (ops, makes) = ctx.field_chan_ops();
    let mut keys = unbuffered_field_keys(ops, makes);
    // Channels received in one function only; the costlier facts (escapes,
    // goroutine targets) are computed only for calls that send on one.
    keys.retain(|key| {
        let mut receivers = ops[*key]
            .iter()
            .filter(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
            .map(|o| o.func);
        receivers
            .next()
            .is_some_and(|first| receivers.all(|other| other == first))
    });
    if keys.is_empty() {
        return;
    }
    // Calls made by a channel's only receiver whose callee sends on it.
    let mut candidates = Vec::new();
    for key in keys {
        let Some(first) = ops[key]
            .iter()
            .find(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
        else {
            continue;
        };
        let Some(actor) = program.function(first.func) else {
            continue;
        };
        for (_, _, op) in actor.all_ops() {
            let (
                OpKind::Call {
                    callee: Callee::Func(callee),
                    ..
                },
                Mode::Now,
            ) = (&op.kind, op.mode)
            else {
                continue;
            };
            let sends_to_self = program.summary(*callee).is_some_and(|summary| {
                summary.chans.iter().any(|u| {
                    u.op == ChanOp::Send
                        && !u.in_select
                        && chan_key(program, &u.path).as_ref() == Some(key)
                })
            });
            if sends_to_self {
                candidates.push((key, first, actor, op, *callee));
            }
        }
    }
    if candidates.is_empty() {
        return;
    }
    let wanted: HashSet<ChanKey> = candidates.iter().map(|(k, ..)| (*k).clone()).collect();
    let escapes = Escapes::compute(ctx, &wanted);
    let goroutines = goroutine_targets(ctx);
    for (key, first, actor, op, callee) in candidates {
        let actor_id = actor.id;
        if escapes.escapes(key)
            || !goroutines.contains_key(&actor_id)
            || !reported.insert((actor.def.file, op.span))
        {
            continue;
        }
        let name = chan_name_at(program, actor, first.span);
        let actor_name = crate::lockstate::short_name(actor);
        let mut finding = Finding::new(
            ChannelOrderDeadlock::META.code,
            FileIdx(actor.def.file as usize),
            op.span,
            format!(
                "{} can send on {name}, and only this goroutine ({actor_name}) receives from it: the send waits for the goroutine that makes it, and every later request queues behind it",
                program
                    .function(callee)
                    .map_or("this call", crate::lockstate::short_name)
            ),
        )
        .related(
            FileIdx(actor.def.file as usize),
            first.span,
            "the only receive, in this goroutine",
        );
        if let Some(&(spawn_span, spawner)) = goroutines.get(&actor_id) {
            if let Some(spawner) = program.function(spawner) {
                finding = finding.related(
                    FileIdx(spawner.def.file as usize),
                    spawn_span,
                    "the goroutine is started here",
                );
            }
        }
        findings.push(finding.suggest(
            "handle the nested request inline in the actor (call the handler, not the public method that sends to it), or send it from a new goroutine",
        ));
    }
}
