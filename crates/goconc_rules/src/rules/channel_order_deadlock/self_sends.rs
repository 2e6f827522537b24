//! An actor that sends to itself: the goroutine that is the only receiver
//! of an unbuffered request channel field (`case r := <-m.reqs:`) calls,
//! while handling a request, a function that sends on that same channel
//! with a plain send (`m.Revoke(id)` → `m.reqs <- r`). Nobody else can
//! take the value, so the actor waits for itself, and every later caller
//! queues behind it.

use rustc_hash::FxHashSet as HashSet;

use goconc_semantic::ops::{Callee, ChanOp, Mode, OpKind};
use goconc_syntax::ast::Span;

use super::super::abandoned_channel::{chan_name_at, field_chan_ops};
use super::super::unmatched_channel_op::{chan_key, goroutine_targets, ChanKey, Escapes};
use super::ChannelOrderDeadlock;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(
    ctx: &RuleContext<'_>,
    reported: &mut HashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let (ops, makes) = field_chan_ops(ctx);
    let mut keys: Vec<&ChanKey> = ops
        .keys()
        .filter(|k| {
            makes
                .get(*k)
                .is_some_and(|m| !m.is_empty() && m.iter().all(|c| *c == Some(0)))
        })
        .collect();
    if keys.is_empty() {
        return;
    }
    keys.sort_by_key(|k| ops[*k].first().map(|o| (o.func, o.span.start)));
    let wanted: HashSet<ChanKey> = keys.iter().map(|k| (*k).clone()).collect();
    let escapes = Escapes::compute(ctx, &wanted);
    let goroutines = goroutine_targets(ctx);
    for key in keys {
        if escapes.escapes(key) {
            continue;
        }
        let receives: Vec<_> = ops[key]
            .iter()
            .filter(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
            .collect();
        let Some(first) = receives.first() else {
            continue;
        };
        let actor_id = first.func;
        if receives.iter().any(|r| r.func != actor_id) || !goroutines.contains_key(&actor_id) {
            continue;
        }
        let Some(actor) = program.function(actor_id) else {
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
            let Some(summary) = program.summary(*callee) else {
                continue;
            };
            let sends_to_self = summary.chans.iter().any(|u| {
                u.op == ChanOp::Send
                    && !u.in_select
                    && chan_key(program, &u.path).as_ref() == Some(key)
            });
            if !sends_to_self || !reported.insert((actor.def.file, op.span)) {
                continue;
            }
            // Named as the actor's receive names it (`m.reqs`).
            let name = chan_name_at(program, actor, first.span);
            let actor_name = crate::lockstate::short_name(actor);
            let mut finding = Finding::new(
                ChannelOrderDeadlock::META.code,
                FileIdx(actor.def.file as usize),
                op.span,
                format!(
                    "{} can send on {name}, and only this goroutine ({actor_name}) receives from it: the send waits for the goroutine that makes it, and every later request queues behind it",
                    program
                        .function(*callee)
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
}
