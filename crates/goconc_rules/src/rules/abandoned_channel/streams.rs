//! Returned streams abandoned by a consumer: `Watch` makes an unbuffered
//! channel, starts the one goroutine that feeds it with plain sends in a
//! loop, and returns it; a caller in the package receives from it in a loop
//! that can stop early (`case <-ctx.Done(): return`, a timeout). The
//! feeding goroutine, parked in its send, never sees the cancellation.

use rustc_hash::FxHashSet;

use goconc_semantic::body::Res;
use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, LocalKey, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_syntax::ast::{ExprId, Span, StmtKind};

use super::{chan_ops, describe_stop, early_loop_exit, AbandonedChannel};
use crate::{FileIdx, Finding, RuleContext};

/// `f` returns its unbuffered local channel `chan`, fed by one goroutine.
pub(super) fn check(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    in_loop: &[bool],
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let Some(s) = super::returned_stream_feeder(program, f, chan, in_loop) else {
        return;
    };
    let g = s.target;
    // A send that can also take another case (its context, a stop channel)
    // is the producer's own way out.
    let looped_send = super::first_looped_plain_send(g, &s.path);
    // The goroutine may hand the channel to a callee that sends elsewhere.
    let hands_off = g
        .all_ops()
        .any(|(_, _, op)| super::passes_to_call(op, &s.path));
    let Some(send_span) = looped_send.filter(|_| !hands_off) else {
        return;
    };
    for consumer in ctx.functions() {
        let Some((stream, call_span)) = consumer_stream(ctx, consumer, f) else {
            continue;
        };
        let Some(stop) = stops_early(ctx, consumer, &stream) else {
            continue;
        };
        if g.pkg != ctx.package || !reported.insert((g.def.file, send_span)) {
            return;
        }
        let Some((file, _)) = program.file_of(consumer) else {
            return;
        };
        let name = program.describe_path(&stream);
        let (stop_span, stop_msg) = describe_stop(file, consumer, stop, false, &name);
        let fed = program.describe_path(&s.path);
        findings.push(
            Finding::new(
                AbandonedChannel::META.code,
                FileIdx(g.def.file as usize),
                send_span,
                format!(
                    "goroutine blocks forever sending to {fed}: {} returns it, and {} can stop receiving while values are still coming",
                    crate::lockstate::short_name(f),
                    crate::lockstate::short_name(consumer)
                ),
            )
            .related(FileIdx(f.def.file as usize), s.span, "goroutine started here")
            .related(FileIdx(consumer.def.file as usize), call_span, "the stream is taken here")
            .related(FileIdx(consumer.def.file as usize), stop_span, stop_msg)
            .suggest(
                "send in a select with `case <-ctx.Done(): return` (the consumer cancels the context it passed when it stops), or have the consumer drain the stream before it returns",
            ),
        );
        return;
    }
}

/// The local of `consumer` that holds the channel a call of `producer`
/// returns (`ch := w.Watch(ctx, rev)`), with the call's span.
fn consumer_stream(
    ctx: &RuleContext<'_>,
    consumer: &Function,
    producer: &Function,
) -> Option<(AccessPath, Span)> {
    let (file, info) = ctx.program.file_of(consumer)?;
    let call = consumer.all_ops().find_map(|(_, _, op)| match &op.kind {
        OpKind::Call {
            callee: Callee::Func(c),
            ..
        } if *c == producer.id && op.mode == Mode::Now => op.expr,
        _ => None,
    })?;
    let local = file.stmts.iter().find_map(|stmt| {
        let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
            return None;
        };
        let ([l], [r]) = (lhs.as_slice(), rhs.as_slice()) else {
            return None;
        };
        if file.unparen(*r) != call {
            return None;
        }
        match info.res(file.unparen(*l)) {
            Res::Local(l) => Some(*l),
            _ => None,
        }
    })?;
    if info.local(local).is_none_or(|l| l.reassigned) {
        return None;
    }
    let path = AccessPath {
        base: Base::Local(LocalKey {
            pkg: consumer.pkg,
            file: consumer.def.file,
            local,
        }),
        fields: Default::default(),
    };
    Some((path, file.expr(ExprId(call.0)).span))
}

/// A block where `consumer` leaves its receiving loop for good, when it
/// only receives from `stream` (in loops) and never hands it on.
fn stops_early(ctx: &RuleContext<'_>, consumer: &Function, stream: &AccessPath) -> Option<BlockId> {
    let (file, info) = ctx.program.file_of(consumer)?;
    let ops: Vec<_> = chan_ops(consumer, stream).collect();
    if ops.is_empty()
        || ops.iter().any(|(_, op, _, mode, _)| {
            !matches!(op, ChanOp::Recv | ChanOp::Range) || *mode != Mode::Now
        })
    {
        return None;
    }
    let handed_on = consumer
        .all_ops()
        .any(|(_, _, op)| super::passes_to_call(op, stream));
    if handed_on {
        return None;
    }
    let in_loop = consumer.cfg.in_loop();
    let counter: FxHashSet<BlockId> = ops.iter().map(|(b, ..)| *b).collect();
    let mut recvs: Vec<BlockId> = counter
        .iter()
        .copied()
        .filter(|b| in_loop.get(b.index()).copied().unwrap_or(false))
        .collect();
    recvs.sort();
    if recvs.len() != counter.len() {
        return None;
    }
    let exit = early_loop_exit(consumer, file, info, &recvs, &counter)?;
    (!crate::rules::missing_unlock::reports_test_failure(ctx.program, consumer, exit))
        .then_some(exit)
}
