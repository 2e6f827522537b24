//! Senders on a channel field whose only receiver is one goroutine's loop
//! that can leave on cancellation (`case <-ctx.Done(): return`, a timer, a
//! `default`): a producer goroutine that sends with plain sends
//! (`u.batches <- batch`), or a call that looks at a context everywhere
//! but at the send (`m.reqc <- r` before `select { case <-r.resp: case
//! <-ctx.Done(): }`, or after checking `s.ctx.Err()`). Once the loop has left, nothing receives again
//! and the sender blocks forever. Closing the field from the producer
//! itself does not help: the receiver is gone.

use rustc_hash::FxHashSet;

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{Callee, ChanOp, FuncId, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_syntax::ast::Span;

use super::{
    chan_name_at, describe_stop, early_loop_exit, short_name, unbuffered_field_keys,
    AbandonedChannel, SelectableOp,
};
use crate::rules::unmatched_channel_op::{goroutine_targets, ChanKey, Escapes};
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let (ops, makes) = ctx.field_chan_ops();
    let keys = unbuffered_field_keys(ops, makes);
    let mut candidates: Vec<(&ChanKey, FuncId, Vec<&SelectableOp>)> = Vec::new();
    for key in keys {
        let key_ops = &ops[key];
        let receives: Vec<&SelectableOp> = key_ops
            .iter()
            .filter(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
            .collect();
        let Some(first) = receives.first() else {
            continue;
        };
        let loop_id = first.func;
        if receives
            .iter()
            .any(|r| r.func != loop_id || r.mode != Mode::Now)
        {
            continue;
        }
        let plain_sends: Vec<&SelectableOp> = key_ops
            .iter()
            .filter(|o| o.op == ChanOp::Send && o.select.is_none() && o.mode == Mode::Now)
            .collect();
        // Closes only by a sender: they end the stream, they do not bring
        // a receiver back.
        let senders: FxHashSet<FuncId> = key_ops
            .iter()
            .filter(|o| o.op == ChanOp::Send)
            .map(|o| o.func)
            .collect();
        let closed_elsewhere = key_ops
            .iter()
            .any(|o| o.op == ChanOp::Close && !senders.contains(&o.func));
        if plain_sends.is_empty() || closed_elsewhere || senders.contains(&loop_id) {
            continue;
        }
        candidates.push((key, loop_id, plain_sends));
    }
    if candidates.is_empty() {
        return;
    }
    let wanted: FxHashSet<ChanKey> = candidates.iter().map(|(k, ..)| (*k).clone()).collect();
    let escapes = Escapes::compute(ctx, &wanted);
    let goroutines = goroutine_targets(ctx);
    let mut reported: FxHashSet<(u32, Span)> =
        findings.iter().map(|f| (f.file.0 as u32, f.span)).collect();
    for (key, loop_id, plain_sends) in candidates {
        if escapes.escapes(key) {
            continue;
        }
        let Some(lp) = program.function(loop_id) else {
            continue;
        };
        if !runs_in_goroutine(ctx, goroutines, loop_id) {
            continue;
        }
        let Some((file, info)) = program.file_of(lp) else {
            continue;
        };
        let receive_blocks: Vec<BlockId> = ops[key]
            .iter()
            .filter(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
            .map(|o| o.block)
            .collect();
        let in_loop = lp.cfg.in_loop();
        if !receive_blocks
            .iter()
            .all(|b| in_loop.get(b.index()).copied().unwrap_or(false))
        {
            continue;
        }
        let counter: FxHashSet<BlockId> = receive_blocks.iter().copied().collect();
        let Some(exit_block) = early_loop_exit(lp, file, info, &receive_blocks, &counter) else {
            continue;
        };
        if crate::rules::missing_unlock::reports_test_failure(program, lp, exit_block) {
            continue;
        }
        let mut reported_funcs: FxHashSet<FuncId> = FxHashSet::default();
        for send in plain_sends {
            let Some(sf) = program.function(send.func) else {
                continue;
            };
            if sf.pkg != ctx.package || reported_funcs.contains(&sf.id) {
                continue;
            }
            let producer = goroutines.contains_key(&sf.id);
            let watches_ctx = !producer && watches_own_context(sf);
            if !producer && !watches_ctx {
                continue;
            }
            if !reported.insert((sf.def.file, send.span)) {
                continue;
            }
            reported_funcs.insert(sf.id);
            let name = chan_name_at(program, sf, send.span);
            let loop_name = short_name(&lp.def.name);
            let (stop_span, stop_msg) = describe_stop(file, lp, exit_block, false, &name);
            let message = if producer {
                format!(
                    "goroutine blocks forever sending on {name} once {loop_name} has stopped: {name} is unbuffered, its only receiver can leave its loop for good, and this send does not watch for that"
                )
            } else {
                format!(
                    "send on {name} blocks forever once {loop_name} has stopped: {name} is unbuffered and its only receiver can leave its loop for good; this call watches its context everywhere but here"
                )
            };
            let mut finding = Finding::new(
                AbandonedChannel::META.code,
                FileIdx(sf.def.file as usize),
                send.span,
                message,
            )
            .related(FileIdx(lp.def.file as usize), stop_span, stop_msg);
            if let Some(&(spawn_span, spawner)) = goroutines.get(&loop_id) {
                if let Some(spawner) = program.function(spawner) {
                    finding = finding.related(
                        FileIdx(spawner.def.file as usize),
                        spawn_span,
                        format!("{loop_name} is started here"),
                    );
                }
            }
            findings.push(finding.suggest(format!(
                "send in a select that also gives up when the receiver has gone: select {{ case {name} <- v: case <-ctx.Done(): return }} (or a done channel the receiver closes when it returns)"
            )));
        }
    }
}

/// Whether the function runs as a goroutine: started with `go` (or a
/// spawning call), or called by the body of one.
fn runs_in_goroutine(
    ctx: &RuleContext<'_>,
    goroutines: &rustc_hash::FxHashMap<FuncId, (Span, FuncId)>,
    id: FuncId,
) -> bool {
    goroutines.contains_key(&id)
        || goroutines.keys().any(|&g| {
            ctx.program.function(g).is_some_and(|body| {
                body.all_ops().any(|(_, _, op)| {
                op.mode == Mode::Now
                    && matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == id)
            })
            })
        })
}

/// Whether the function looks at a context itself (`case <-ctx.Done():`
/// in a select, or `if err := ctx.Err(); err != nil` before the send): it
/// knows the other side can go away, yet sends without watching for it.
fn watches_own_context(f: &Function) -> bool {
    f.all_ops()
        .any(|(_, _, op)| op.mode == Mode::Now && matches!(op.kind, OpKind::CtxObserve { .. }))
}
