//! Returned streams abandoned by a consumer: `Watch` makes an unbuffered
//! channel, starts the one goroutine that feeds it with plain sends in a
//! loop, and returns it; a caller in the package receives from it in a loop
//! that can stop early (`case <-ctx.Done(): return`, a timeout). The
//! feeding goroutine, parked in its send, never sees the cancellation.
//!
//! And the stream that is never closed: the feeding goroutine can return
//! (on cancellation, an error) but closes the receive-only channel on no
//! path, so a consumer in the package ranging over it (directly, through a
//! local, or in the goroutine it hands the stream to) never finishes.

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
    // A fan-out (`for _, sh := range s.shards { go func() { out <- query(sh) }() }`)
    // feeds the stream from one goroutine per item, one value each.
    let Some(s) = super::returned_stream_feeder(program, f, chan, in_loop, true) else {
        return;
    };
    // The fan-out's goroutines are closed over by nobody: a close of the
    // stream elsewhere (a WaitGroup closer) is how ranges over it end.
    if s.in_loop && closed_elsewhere(program, f, chan) {
        return;
    }
    let g = s.target;
    // A send that can also take another case (its context, a stop channel)
    // is the producer's own way out.
    let looped_send = super::first_looped_plain_send(g, &s.path);
    // The goroutine may hand the channel to a callee that sends elsewhere.
    let hands_off = g
        .all_ops()
        .any(|(_, _, op)| super::passes_to_call(op, &s.path));
    if hands_off {
        return;
    }
    // A future: the goroutine computes one value and sends it once. Started
    // once per item, the goroutines together feed a stream.
    let (send_span, one_shot) = match looped_send {
        Some(span) => (span, false),
        None => match single_plain_send(g, &s.path) {
            Some(span) => (span, !s.in_loop),
            None => return,
        },
    };
    if s.in_loop && looped_send.is_some() {
        return;
    }
    for taker in ctx.functions() {
        let Some((stream, call_span)) = consumer_stream(ctx, taker, f) else {
            continue;
        };
        // The function that takes the stream may consume it itself or hand
        // it to the function that does (`p.write(filtered)`).
        let (consumer, stream) = match handed_to_consumer(ctx, taker, &stream) {
            Some((h, param)) => (h, param),
            None => (taker, stream),
        };
        let stop = stops_early(ctx, consumer, &stream).or_else(|| {
            one_shot
                .then(|| {
                    super::gives_up_waiting(ctx, consumer, receives_once(ctx, consumer, &stream)?)
                })
                .flatten()
        });
        let Some(stop) = stop else {
            continue;
        };
        if g.pkg != ctx.package || !reported.insert((g.def.file, send_span)) {
            return;
        }
        let Some((file, _)) = program.file_of(consumer) else {
            return;
        };
        let name = match &stream {
            Stream::Local(path) => program.describe_path(path),
            Stream::Ranged(_) => "the stream".to_string(),
        };
        let (stop_span, stop_msg) = describe_stop(file, consumer, stop, false, &name);
        let fed = program.describe_path(&s.path);
        let consumer_name = match ctx.parent(consumer) {
            Some(parent) if consumer.def.parent.is_some() => format!(
                "the goroutine {} starts",
                crate::lockstate::short_name(parent)
            ),
            _ => crate::lockstate::short_name(consumer).to_string(),
        };
        findings.push(
            Finding::new(
                AbandonedChannel::META.code,
                FileIdx(g.def.file as usize),
                send_span,
                if one_shot {
                    format!(
                        "goroutine blocks forever sending to {fed}: {} returns it, and {} can stop waiting before the value comes",
                        crate::lockstate::short_name(f),
                        consumer_name
                    )
                } else {
                    format!(
                        "goroutine blocks forever sending to {fed}: {} returns it, and {} can stop receiving while values are still coming",
                        crate::lockstate::short_name(f),
                        consumer_name
                    )
                },
            )
            .related(FileIdx(f.def.file as usize), s.span, "goroutine started here")
            .related(FileIdx(taker.def.file as usize), call_span, "the stream is taken here")
            .related(FileIdx(consumer.def.file as usize), stop_span, stop_msg)
            .suggest(if one_shot {
                format!("give {fed} one slot of buffer (make(chan T, 1)) so the goroutine's one send never waits for a reader")
            } else {
                "send in a select with `case <-ctx.Done(): return` (the consumer cancels the context it passed when it stops), or have the consumer drain the stream before it returns".to_string()
            }),
        );
        return;
    }
}

/// Whether anything in `f` or the goroutines it starts closes `chan` (the
/// usual `go func() { wg.Wait(); close(out) }()` of a fan-out).
fn closed_elsewhere(program: &goconc_semantic::Program, f: &Function, chan: &AccessPath) -> bool {
    f.all_ops().any(|(_, _, op)| match &op.kind {
        OpKind::Chan {
            path: Some(p),
            op: ChanOp::Close,
            ..
        } => p == chan,
        OpKind::Call { .. } => program
            .call_chan_uses(op)
            .any(|(u, p)| u == ChanOp::Close && p == *chan),
        _ => false,
    })
}

/// The one operation of `g` on `chan` when it is a plain send outside any
/// loop and select.
fn single_plain_send(g: &Function, chan: &AccessPath) -> Option<Span> {
    let mut ops = super::chan_ops(g, chan);
    let (b, op, in_select, mode, span) = ops.next()?;
    let in_loop = g.cfg.in_loop();
    (ops.next().is_none()
        && op == ChanOp::Send
        && !in_select
        && mode == Mode::Now
        && !in_loop.get(b.index()).copied().unwrap_or(true))
    .then_some(span)
}

/// How a consumer holds a returned stream.
pub(super) enum Stream {
    /// A local holding it (`ch := w.Watch(ctx, rev)`).
    Local(AccessPath),
    /// The call itself, ranged over (`for ev := range h.Watch(ctx, p)`) or
    /// passed straight to another call.
    Ranged(ExprId),
}

/// How `consumer` holds the channel a call of `producer` returns, with the
/// call's span.
pub(super) fn consumer_stream(
    ctx: &RuleContext<'_>,
    consumer: &Function,
    producer: &Function,
) -> Option<(Stream, Span)> {
    let (file, info) = ctx.program.file_of(consumer)?;
    let call = consumer.all_ops().find_map(|(_, _, op)| match &op.kind {
        OpKind::Call {
            callee: Callee::Func(c),
            ..
        } if *c == producer.id && op.mode == Mode::Now => op.expr,
        _ => None,
    })?;
    let ranged = file
        .stmts
        .iter()
        .any(|stmt| matches!(&stmt.kind, StmtKind::Range { x, .. } if file.unparen(*x) == call));
    // Ranged over, or handed straight to another call (`p.write(p.filter(in))`,
    // see [`handed_to_consumer`]).
    let passed = || {
        file.exprs.iter().any(|e| {
            matches!(&e.kind, goconc_syntax::ast::ExprKind::Call { args, .. }
                if args.iter().any(|&a| file.unparen(a) == call))
        })
    };
    if ranged || passed() {
        return Some((Stream::Ranged(call), file.expr(call).span));
    }
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
    Some((Stream::Local(path), file.expr(ExprId(call.0)).span))
}

/// The analysed function `taker` hands its stream to, with the parameter
/// holding it there: the stream's only use in `taker` is as argument `i`
/// of one direct call (`p.write(filtered)`, `p.write(p.filter(in))`).
pub(super) fn handed_to_consumer<'p>(
    ctx: &RuleContext<'p>,
    taker: &'p Function,
    stream: &Stream,
) -> Option<(&'p Function, Stream)> {
    let program = ctx.program;
    let (file, _) = program.file_of(taker)?;
    let mut handed: Option<(goconc_semantic::ops::FuncId, usize)> = None;
    for (_, _, op) in taker.all_ops() {
        match (&op.kind, stream) {
            (OpKind::Chan { path: Some(p), .. }, Stream::Local(path)) if p == path => return None,
            (OpKind::Chan { .. }, Stream::Ranged(call)) if op.expr == Some(*call) => return None,
            (
                OpKind::Call {
                    callee, recv, args, ..
                },
                _,
            ) => {
                let index = match stream {
                    Stream::Local(path) => {
                        if recv.as_ref() == Some(path) {
                            return None;
                        }
                        args.iter().position(|a| a.as_ref() == Some(path))
                    }
                    Stream::Ranged(call) => {
                        let goconc_syntax::ast::ExprKind::Call {
                            args: call_args, ..
                        } = &file.expr(file.unparen(op.expr?)).kind
                        else {
                            continue;
                        };
                        call_args.iter().position(|&a| file.unparen(a) == *call)
                    }
                };
                let Some(index) = index else { continue };
                let Callee::Func(h) = callee else {
                    return None;
                };
                if handed.is_some() || op.mode != Mode::Now {
                    return None;
                }
                handed = Some((*h, index));
            }
            _ => {}
        }
    }
    let (h, index) = handed?;
    let consumer = program.function(h)?;
    // A variadic tail, a missing or a reassigned parameter: not followed.
    let param = super::param_key(consumer, index)?;
    if program.local(&param).is_none_or(|l| l.reassigned) {
        return None;
    }
    let path = AccessPath {
        base: Base::Local(param),
        fields: Default::default(),
    };
    // A stage function that consumes its input in the goroutine it starts
    // (`go func() { for r := range in { ... return ... } }()`): the
    // closure, which sees the captured parameter under the same key.
    if chan_ops(consumer, &path).next().is_none() {
        let mut users = consumer.closures.iter().filter_map(|&c| {
            let closure = program.function(c)?;
            chan_ops(closure, &path).next().is_some().then_some(closure)
        });
        if let (Some(only), None) = (users.next(), users.next()) {
            return Some((only, Stream::Local(path)));
        }
    }
    Some((consumer, Stream::Local(path)))
}

/// The operations of `consumer` on `stream`, with their blocks and spans;
/// `None` when the consumer hands the stream on to a call.
fn stream_ops(consumer: &Function, stream: &Stream) -> Option<Vec<(BlockId, ChanOp, Mode, Span)>> {
    Some(match stream {
        Stream::Local(path) => {
            let handed_on = consumer
                .all_ops()
                .any(|(_, _, op)| super::passes_to_call(op, path));
            if handed_on {
                return None;
            }
            consumer
                .all_ops()
                .filter_map(|(b, _, op)| match &op.kind {
                    OpKind::Chan {
                        op: cop,
                        path: Some(p),
                        ..
                    } if p == path => Some((b, *cop, op.mode, op.span)),
                    _ => None,
                })
                .collect()
        }
        Stream::Ranged(call) => consumer
            .all_ops()
            .filter_map(|(b, _, op)| match &op.kind {
                OpKind::Chan { op: cop, .. } if op.expr == Some(*call) => {
                    Some((b, *cop, op.mode, op.span))
                }
                _ => None,
            })
            .collect(),
    })
}

/// The receiving blocks of a consumer that waits once for a value from
/// `stream` and never again: every operation on it is a plain receive
/// outside any loop.
pub(super) fn receives_once(
    ctx: &RuleContext<'_>,
    consumer: &Function,
    stream: &Stream,
) -> Option<Vec<BlockId>> {
    // A closure that captures the stream may drain it (`go func() {
    // <-next }()` after giving up).
    if let Stream::Local(AccessPath {
        base: Base::Local(key),
        ..
    }) = stream
    {
        if ctx.program.local(key).is_none_or(|l| l.captured) {
            return None;
        }
    }
    let ops = stream_ops(consumer, stream)?;
    let in_loop = consumer.cfg.in_loop();
    let once = !ops.is_empty()
        && ops.iter().all(|(b, op, mode, _)| {
            *op == ChanOp::Recv
                && *mode == Mode::Now
                && !in_loop.get(b.index()).copied().unwrap_or(true)
        });
    once.then(|| ops.iter().map(|(b, ..)| *b).collect())
}

/// A block where `consumer` leaves its receiving loop for good, when it
/// only receives from `stream` (in loops) and never hands it on.
pub(super) fn stops_early(
    ctx: &RuleContext<'_>,
    consumer: &Function,
    stream: &Stream,
) -> Option<BlockId> {
    let (file, info) = ctx.program.file_of(consumer)?;
    let ops: Vec<(BlockId, ChanOp, Mode)> = stream_ops(consumer, stream)?
        .into_iter()
        .map(|(b, op, mode, _)| (b, op, mode))
        .collect();
    if ops.is_empty()
        || ops
            .iter()
            .any(|(_, op, mode)| !matches!(op, ChanOp::Recv | ChanOp::Range) || *mode != Mode::Now)
    {
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

/// `f` returns its local channel as a receive-only channel (callers
/// cannot close it), fed by the goroutine `feeder` that never closes it but
/// can return. Reports every range over the stream in the package.
pub(super) fn check_never_closed(
    ctx: &RuleContext<'_>,
    f: &Function,
    feeder: &super::Spawned<'_>,
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let g = feeder.target;
    let receive_only = f.def.sig.results.iter().any(|t| {
        matches!(program.underlying(t), goconc_semantic::types::Type::Chan(c)
            if c.0 == goconc_syntax::ast::ChanDir::Recv)
    });
    if !receive_only {
        return;
    }
    // The feeder hands the channel to nobody who could close it, and it
    // can stop: a generator that loops forever is an endless stream by
    // design.
    let hands_off = g
        .all_ops()
        .any(|(_, _, op)| super::passes_to_call(op, &feeder.path));
    let Some(any_exit) = super::return_avoiding(program, g, FxHashSet::default(), &|_| false)
    else {
        return;
    };
    if hands_off {
        return;
    }
    // A way out that is not the consumer's own cancellation (a read
    // error): the stream can end under a consumer that is still ranging.
    // A feeder that only stops when its context is cancelled leaves the
    // consumer stuck only when the consumer's range has no way out of its
    // own (the consumer that breaks and then cancels is the documented
    // generator pattern).
    let on_its_own = super::return_avoiding(program, g, FxHashSet::default(), &|op| {
        matches!(op.kind, OpKind::Select { .. } | OpKind::CtxObserve { .. })
    });
    let exit_span = on_its_own.unwrap_or(any_exit);
    for consumer in ctx.functions() {
        let Some((stream, call_span)) = consumer_stream(ctx, consumer, f) else {
            continue;
        };
        for (ranger, range_block, range_span) in ranges_over(ctx, consumer, &stream) {
            if on_its_own.is_none()
                && crate::rules::unmatched_channel_op::loop_has_other_exit(ranger, range_block)
            {
                continue;
            }
            if ranger.pkg != ctx.package || !reported.insert((ranger.def.file, range_span)) {
                continue;
            }
            findings.push(
                Finding::new(
                    AbandonedChannel::META.code,
                    FileIdx(ranger.def.file as usize),
                    range_span,
                    format!(
                        "range over the stream of {} never ends: the goroutine feeding it can return without closing it, and callers cannot close a receive-only channel",
                        crate::lockstate::short_name(f)
                    ),
                )
                .related(FileIdx(consumer.def.file as usize), call_span, "the stream is taken here")
                .related(
                    FileIdx(g.def.file as usize),
                    exit_span,
                    "the feeding goroutine returns here without closing it",
                )
                .related(FileIdx(f.def.file as usize), feeder.span, "goroutine started here")
                .suggest(
                    "`defer close(out)` at the top of the feeding goroutine, so every way it stops ends the consumers' range",
                ),
            );
        }
    }
}

/// The ranges over a stream `consumer` took: its own, or those of a
/// function it hands the local to (`go m.consume(events)`), through a
/// parameter that is never reassigned.
fn ranges_over<'p>(
    ctx: &RuleContext<'p>,
    consumer: &'p Function,
    stream: &Stream,
) -> Vec<(&'p Function, BlockId, Span)> {
    let program = ctx.program;
    let ranges_of = |g: &'p Function, path: Option<&AccessPath>, call: Option<ExprId>| {
        g.all_ops()
            .filter_map(|(b, _, op)| match &op.kind {
                OpKind::Chan {
                    op: ChanOp::Range,
                    path: p,
                    ..
                } if op.mode == Mode::Now
                    && ((path.is_some() && p.as_ref() == path)
                        || (call.is_some() && op.expr == call)) =>
                {
                    Some((g, b, op.span))
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    match stream {
        Stream::Ranged(call) => ranges_of(consumer, None, Some(*call)),
        Stream::Local(path) => {
            let mut out = ranges_of(consumer, Some(path), None);
            for (_, _, op) in consumer.all_ops() {
                let OpKind::Call {
                    callee: Callee::Func(c),
                    args,
                    ..
                } = &op.kind
                else {
                    continue;
                };
                let Some(index) = args.iter().position(|a| a.as_ref() == Some(path)) else {
                    continue;
                };
                let Some(callee) = program.function(*c) else {
                    continue;
                };
                let Some(param) = super::param_key(callee, index) else {
                    continue;
                };
                let reassigned = program.local(&param).is_none_or(|l| l.reassigned);
                if reassigned {
                    continue;
                }
                let param_path = AccessPath {
                    base: Base::Local(param),
                    fields: Default::default(),
                };
                out.extend(ranges_of(callee, Some(&param_path), None));
            }
            out
        }
    }
}
