//! GC101 `abandoned-channel`.

use goconc_semantic::body::FileInfo;
use goconc_semantic::cfg::{BlockId, BlockKind, Node};
use goconc_semantic::env::Selection;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, FuncArg, FuncId, Mode, Op, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Op as AstOp, Span, StmtKind};
use goconc_syntax::File;
use rustc_hash::{FxHashMap, FxHashSet};

use super::unmatched_channel_op::{chan_key, loop_blocks, param_key, ChanKey, Escapes};
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

mod producers;
mod registries;
mod streams;
mod waiters;

declare_rule! {
    /// ## What it does
    /// Finds goroutines that send to (or receive from) a channel whose only
    /// counterpart can stop listening: the function that started them
    /// returns on `ctx.Done()`, a timer, a `default` case or an error before
    /// it has received every value (or before it sends the value the
    /// goroutine waits for). The stuck goroutine blocks forever.
    ///
    /// A channel field counts as the function's own when the function is
    /// its only receiver, the goroutines it starts are its only senders,
    /// nothing else in the package touches it and every `make` of it has
    /// the same constant capacity (`return &pool{results: make(chan
    /// error)}` in a constructor).
    ///
    /// The classic shapes: a result channel made unbuffered, a worker
    /// goroutine that sends its result, and a caller that selects on the
    /// result or a timeout; and first-response-wins fan-out where N
    /// goroutines send on a channel with room for fewer than N values and
    /// only one is received. A fixed set of senders that the buffer and the
    /// receives every path makes absorb together (`make(chan error, 1)`, two
    /// copiers, one plain `<-errc`) is not reported.
    ///
    /// The mirror case is reported too: the function waits in a plain
    /// receive, a `range`, or a select loop that only one case leaves (no
    /// default, no timer or cancellation case) for the one goroutine it
    /// started, and that
    /// goroutine can return without sending or closing (`if err != nil {
    /// return }` before `close(done)`, a search that falls off the end
    /// without a result, a producer whose error path skips the close).
    /// Paths that panic, report a test failure, wait for something else
    /// first, or skip the send because the channel is `nil` do not count.
    ///
    /// So is a two-stage pipeline between goroutines the function starts
    /// (`go` or `errgroup.Go`): a producer sends in a loop on an unbuffered
    /// (or one-slot) channel and its single consumer ranges over it but can
    /// return early on an error. The producer blocks on its next send, and
    /// `wg.Wait()`/`g.Wait()` with it.
    ///
    /// So is a goroutine that sends in a loop (a pipeline stage, a
    /// generator) to a receiving loop that can stop early (`case
    /// <-ctx.Done(): return`, a timeout, an error return, or any exit at
    /// all when the sender never returns): a stage that watches `ctx` only
    /// while it waits for input still parks forever in its plain send.
    ///
    /// And a producer goroutine whose plain send on an unbuffered channel
    /// field feeds a consumer loop that leaves for good on a closed stop
    /// channel (`case <-w.stopCh: return` with `close(w.stopCh)` in
    /// `Stop`): after `Stop` nothing receives again, and the producer,
    /// which does not watch the stop channel, blocks on its next send.
    ///
    /// Likewise when that consumer is a goroutine's loop that leaves on
    /// cancellation (`case <-ctx.Done(): return`, a timer, `default`): a
    /// producer goroutine's plain send on the field, or the plain send of a
    /// call that looks at a context everywhere but there (`s.reqc <- r`
    /// after `if err := s.ctx.Err(); ...`, or before a `select` on the
    /// reply and `ctx.Done()`), blocks forever once the loop has left.
    ///
    /// And a `Stop` that closes a quit channel and then waits for the
    /// goroutine's done channel, while that goroutine can be parked in a
    /// plain send on an unbuffered channel field that only code outside
    /// the package receives (`t.lines` handed out by an accessor): once the
    /// consumer stops reading, the goroutine never sees the quit channel
    /// and `Stop` waits forever.
    ///
    /// And a stop request sent on an unbuffered channel field
    /// (`w.stopCh <- struct{}{}`) whose only receiver is a goroutine's
    /// select loop (started with `go`, or called by a goroutine's body) that
    /// returns on it, when that loop can also return
    /// another way (its input closed, an error, the context): a `Stop`
    /// after that waits forever.
    ///
    /// And an unbuffered reply channel handed to another goroutine
    /// (`a.requests <- request{reply: reply}`, or registered for a read
    /// loop with `c.pending[id] = reply`) while the function waits for
    /// the answer in a select that can give up: the answering goroutine
    /// blocks on its reply. Only reported when the package answers on
    /// channels of that element type with plain sends (never with a close
    /// or a non-blocking send).
    ///
    /// And a function that returns a channel fed by the one goroutine it
    /// starts, when that goroutine closes the channel on some paths but can
    /// return on another without closing it (a parse or read error) and
    /// without first waiting on a select, another channel or a context: a
    /// caller ranging over the returned channel waits forever. Leaving on
    /// cancellation is the caller's contract and is not reported.
    ///
    /// And a waiter list: callers register an unbuffered reply channel in
    /// a slice field (`call.waiters = append(call.waiters, ch)` or
    /// `&call{waiters: []chan T{ch}}`) and wait on it in a select that can
    /// give up (`case <-ctx.Done()`, a timer, `default`), while a producer
    /// answers every registered waiter with a plain send
    /// (`for _, w := range call.waiters { w <- res }`): the answer to a
    /// waiter that left blocks the producer forever.
    ///
    /// And a returned stream: a function returns an unbuffered channel fed
    /// by the one goroutine it starts with plain sends in a loop, and a
    /// caller in the package (`ch := w.Watch(ctx, rev)`, or `for ev :=
    /// range w.Watch(ctx, rev)`) receives from it in a loop that can stop
    /// early (`case <-ctx.Done(): return`, a timer, or a `return` inside a
    /// `range`), also in the function the caller hands the stream to
    /// (`p.write(p.filter(in))`, the last stage of a pipeline stopping at
    /// a limit) or in the goroutine that function starts to consume it
    /// (a middle stage returning on the first bad record). The feeder,
    /// parked in its send, never sees the
    /// cancellation it checks between values.
    ///
    /// And the stream nobody closes: a function returns a receive-only
    /// channel fed by the one goroutine it starts, that goroutine closes it
    /// on no path but can return, and a consumer in the package ranges over
    /// it (directly, or in the goroutine it hands the stream to: `go
    /// m.consume(events)`). Reported when the feeder can stop on its own (an
    /// error) or the range has no way out of its own; a generator that stops
    /// only when a consumer that broke out of its range cancels it is the
    /// documented pattern.
    ///
    /// Also reported: a watch registry nobody leaves (`Watch` adds an
    /// unbuffered channel to a field collection and returns it, a notifier
    /// sends to every registered channel with a plain send, nothing in the
    /// package ever removes one, and a consumer stops receiving); a future
    /// (a helper starts one goroutine that sends one value on the
    /// unbuffered channel it returns) whose caller gives up waiting, or a
    /// fan-out of such goroutines, one per item (`for _, r := range
    /// replicas { go func() { answers <- ask(r) }() }`), whose caller
    /// returns on the first good answer or a timeout; and a
    /// reply channel made inside the request literal (`req :=
    /// readReq{resp: make(chan T)}`) that the serving loop answers with a
    /// plain send after the caller left.
    ///
    /// Not reported: a local channel made once in code that runs once per
    /// process (`main`, `init`, and the unexported functions only those
    /// call, such as the `run()` behind `if err := run(); err != nil {
    /// log.Fatal(err) }`), outside a loop there: a goroutine left blocked
    /// on it is stuck only until the process exits.
    ///
    /// ## Why is this bad?
    /// An unbuffered send completes only when somebody receives. Once the
    /// caller has returned, nobody ever will: the goroutine, its stack and
    /// everything it references leak, one per request. Under load this is a
    /// steady climb of the goroutine count until the process runs out of
    /// memory. Every goroutine's lifecycle must be tied to something that
    /// ends it: a buffer with room for every value it sends, or a
    /// `case <-ctx.Done()` next to its send.
    ///
    /// ## Example
    /// ```go
    /// func (r *resolver) Lookup(ctx context.Context, host string) ([]string, error) {
    ///     resultCh := make(chan answer)
    ///     go func() {
    ///         resultCh <- r.query(host) // blocks forever once Lookup has returned
    ///     }()
    ///     select {
    ///     case a := <-resultCh:
    ///         return a.addrs, a.err
    ///     case <-ctx.Done():
    ///         return nil, ctx.Err()
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (r *resolver) Lookup(ctx context.Context, host string) ([]string, error) {
    ///     resultCh := make(chan answer, 1) // room for the only send
    ///     go func() {
    ///         resultCh <- r.query(host)
    ///     }()
    ///     select {
    ///     case a := <-resultCh:
    ///         return a.addrs, a.err
    ///     case <-ctx.Done():
    ///         return nil, ctx.Err()
    ///     }
    /// }
    /// ```
    ///
    /// For fan-out, size the buffer for every sender
    /// (`make(chan T, len(items))`) or let each sender select on a done
    /// channel or `ctx.Done()`.
    ///
    /// ## Known limitations
    /// Only channels created with `make` in the function that starts the
    /// goroutine, with a constant capacity, and not handed to any other code
    /// are considered. A capacity that is not constant (`len(items)`) is
    /// assumed to be large enough.
    pub struct AbandonedChannel {
        code: "GC101",
        name: "abandoned-channel",
        category: GoroutineLeak,
        default: true,
        fixable: false,
        summary: "Goroutine blocks forever on a channel its counterpart can stop serving",
    }
}

/// A goroutine started by the function under analysis that uses the channel.
pub(crate) struct Spawned<'a> {
    pub(crate) target: &'a Function,
    /// The channel in the goroutine's frame.
    pub(crate) path: AccessPath,
    pub(crate) block: BlockId,
    /// Index of the spawn op in `block`'s ops.
    pub(crate) op_index: usize,
    pub(crate) span: Span,
    pub(crate) in_loop: bool,
}

impl Rule for AbandonedChannel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let mut field_escapes: Option<Escapes> = None;
        let mut field_caps: Option<FxHashMap<ChanKey, Option<i64>>> = None;
        let mut reported: FxHashSet<(u32, Span)> = FxHashSet::default();
        for f in ctx.functions() {
            analyse_owned_fields(
                ctx,
                f,
                &mut field_escapes,
                &mut field_caps,
                &mut reported,
                findings,
            );
            let makes: Vec<(AccessPath, i64)> = f
                .all_ops()
                .filter_map(|(_, _, op)| match &op.kind {
                    OpKind::MakeChan {
                        path: Some(p),
                        cap: Some(c),
                        ..
                    } if p.fields.is_empty() && matches!(p.base, Base::Local(_)) => {
                        Some((p.clone(), *c))
                    }
                    _ => None,
                })
                .collect();
            // One creation per variable keeps the capacity unambiguous.
            let mut creations: FxHashMap<&AccessPath, usize> = Default::default();
            for (_, _, op) in f.all_ops() {
                if let OpKind::MakeChan { path: Some(p), .. } = &op.kind {
                    *creations.entry(p).or_default() += 1;
                }
            }
            // Reply channels made in a request literal (`readReq{resp:
            // make(chan uint64)}`), one field below a local.
            for (_, _, op) in f.all_ops() {
                if let OpKind::MakeChan {
                    path: Some(p),
                    cap: Some(0),
                    ..
                } = &op.kind
                {
                    if p.fields.len() == 1
                        && matches!(p.base, Base::Local(_))
                        && creations.get(p).copied() == Some(1)
                    {
                        analyse_handed_off_reply(ctx, f, p, findings);
                    }
                }
            }
            if makes.is_empty() {
                continue;
            }
            let in_loop = f.cfg.in_loop();
            // `main` and what only it runs (`if err := run(); err != nil {
            // log.Fatal(err) }`): a goroutine left blocked on a channel made
            // there once is stuck only until the process exits.
            let once_per_process =
                crate::rules::unmatched_channel_op::singletons::runs_once_per_process(ctx, f);
            for (chan, cap) in makes {
                if creations.get(&chan).copied() != Some(1) {
                    continue;
                }
                let made_once = once_per_process
                    && f.all_ops().any(|(b, _, op)| {
                        matches!(&op.kind, OpKind::MakeChan { path: Some(p), .. } if *p == chan)
                            && !in_loop.get(b.index()).copied().unwrap_or(true)
                    });
                if made_once {
                    continue;
                }
                let Some(key) = chan_key(program, &chan) else {
                    continue;
                };
                let esc = ctx.local_chan_escapes();
                if esc.escapes(&key) {
                    if cap == 0 {
                        analyse_handed_off_reply(ctx, f, &chan, findings);
                    }
                    analyse_returned_stream(ctx, f, &chan, &in_loop, &mut reported, findings);
                    if cap == 0 {
                        streams::check(ctx, f, &chan, &in_loop, &mut reported, findings);
                        registries::check(ctx, f, &chan, &mut reported, findings);
                    }
                    continue;
                }
                let make_block = f.all_ops().find_map(|(b, _, op)| match &op.kind {
                    OpKind::MakeChan { path: Some(p), .. } if *p == chan => Some(b),
                    _ => None,
                });
                let mut spawned = spawned_users(program, f, &chan, &in_loop);
                // A goroutine started in a loop that also creates the channel
                // gets a fresh channel per iteration: one sender each.
                for sp in &mut spawned {
                    if sp.in_loop {
                        if let Some(mb) = make_block {
                            sp.in_loop = cycles_without(f, sp.block, mb);
                        }
                    }
                }
                if spawned.is_empty() || !only_known_users(ctx, f, &chan, &spawned) {
                    continue;
                }
                analyse_channel(ctx, f, &chan, cap, &spawned, &mut reported, findings);
                analyse_waiting_parent(ctx, f, &chan, &spawned, &mut reported, findings);
                analyse_pipeline(ctx, f, &chan, cap, &spawned, &mut reported, findings);
                analyse_looping_sender(ctx, f, &chan, cap, &spawned, &mut reported, findings);
            }
        }
        check_stop_requests(ctx, findings);
        check_oblivious_producers(ctx, findings);
        producers::check(ctx, findings);
        check_stop_waits_for_sender(ctx, findings);
        waiters::check(ctx, findings);
    }
}

/// Channel fields that one function owns for the duration of a call: it
/// receives from `s.results`, the goroutines it starts are the senders, and
/// nothing else in the package touches the field (every `make` of it has
/// the same constant capacity, in a constructor). Such a field is analysed
/// like a local channel: a receiving loop that returns early strands the
/// remaining senders.
fn analyse_owned_fields(
    ctx: &RuleContext<'_>,
    f: &Function,
    field_escapes: &mut Option<Escapes>,
    field_caps: &mut Option<FxHashMap<ChanKey, Option<i64>>>,
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let mut received: Vec<&AccessPath> = f
        .all_ops()
        .filter_map(|(_, _, op)| match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Recv | ChanOp::Range,
                ..
            } if !p.fields.is_empty() && matches!(p.base, Base::Local(_)) => Some(p),
            _ => None,
        })
        .collect();
    if received.is_empty() {
        return;
    }
    received.sort_by_key(|p| format!("{p:?}"));
    received.dedup();
    let in_loop = f.cfg.in_loop();
    for chan in received {
        let Some(key @ ChanKey::Field(..)) = chan_key(program, chan) else {
            continue;
        };
        let caps = field_caps.get_or_insert_with(|| {
            // The capacity of every field make in the package (None when
            // they disagree or are not constant).
            let mut caps: FxHashMap<ChanKey, Option<i64>> = FxHashMap::default();
            let mut record = |k: ChanKey, cap: Option<i64>| {
                caps.entry(k)
                    .and_modify(|c| {
                        if *c != cap {
                            *c = None
                        }
                    })
                    .or_insert(cap);
            };
            for g in ctx.functions() {
                for (_, _, op) in g.all_ops() {
                    if let OpKind::MakeChan {
                        path: Some(p), cap, ..
                    } = &op.kind
                    {
                        if !p.fields.is_empty() {
                            if let Some(k) = chan_key(program, p) {
                                record(k, *cap);
                            }
                        }
                    }
                }
            }
            // Literals not stored through a path (`return &Pool{results:
            // make(chan error)}`) make no op.
            for (owner, field, cap) in super::unmatched_channel_op::literal_field_makes(ctx) {
                record(ChanKey::field(owner, field.clone()), *cap);
            }
            caps
        });
        let Some(&Some(cap)) = caps.get(&key) else {
            continue;
        };
        let spawned = spawned_users(program, f, chan, &in_loop);
        if spawned.is_empty() {
            continue;
        }
        // Nothing but `f` and the goroutines it starts uses the field.
        let spawned_ids: FxHashSet<FuncId> = spawned.iter().map(|s| s.target.id).collect();
        let foreign_use = ctx.functions().any(|g| {
            g.id != f.id
                && !spawned_ids.contains(&g.id)
                && g.all_ops().any(|(_, _, op)| match &op.kind {
                    OpKind::Chan { path: Some(p), .. } => {
                        chan_key(program, p).as_ref() == Some(&key)
                    }
                    OpKind::Call { args, recv, .. } => args
                        .iter()
                        .chain(std::iter::once(recv))
                        .flatten()
                        .any(|a| chan_key(program, a).as_ref() == Some(&key)),
                    _ => false,
                })
        });
        if foreign_use {
            continue;
        }
        let esc = field_escapes.get_or_insert_with(|| {
            let wanted = caps.keys().cloned().collect();
            Escapes::compute(ctx, &wanted)
        });
        if esc.escapes(&key) {
            continue;
        }
        analyse_channel(ctx, f, chan, cap, &spawned, reported, findings);
    }
}

/// A producer goroutine that sends on a channel field in a loop with plain
/// sends, while every receive of that field is a case of a select loop that
/// leaves for good on a stop channel (`case <-w.stopCh: return`, with
/// `close(w.stopCh)` in the package). Once the stop channel is closed
/// nothing receives again, and the producer blocks forever on its next
/// send: it never looks at the stop channel itself.
fn check_oblivious_producers(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let (ops, caps) = ctx.field_chan_ops();
    let closed: FxHashSet<&ChanKey> = ops
        .iter()
        .filter(|(_, v)| v.iter().any(|o| o.op == ChanOp::Close))
        .map(|(k, _)| k)
        .collect();
    if closed.is_empty() {
        return;
    }
    let mut keys: Vec<&ChanKey> = ops
        .keys()
        .filter(|k| {
            // Unbuffered: a buffer lets request/response producers (send,
            // then wait for the reply or their own stop) get away with it.
            caps.get(*k)
                .is_some_and(|c| !c.is_empty() && c.iter().all(|c| *c == Some(0)))
        })
        .collect();
    if keys.is_empty() {
        return;
    }
    keys.sort_by_key(|k| ops[*k].first().map(|o| (o.func, o.span.start)));
    let mut escapes: Option<Escapes> = None;
    let mut goroutines: Option<FxHashMap<FuncId, (Span, FuncId)>> = None;
    for key in keys {
        let key_ops = &ops[key];
        let receives: Vec<_> = key_ops
            .iter()
            .filter(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
            .collect();
        let sends: Vec<_> = key_ops
            .iter()
            .filter(|o| o.op == ChanOp::Send && o.select.is_none() && o.mode == Mode::Now)
            .collect();
        if receives.is_empty() || sends.is_empty() || closed.contains(key) {
            continue;
        }
        // Every receive: a case of a select loop whose stop case receives
        // from a closed channel field and leaves the loop.
        let mut stop: Option<(FuncId, Span)> = None;
        let all_stoppable = receives.iter().all(|r| {
            let Some(select) = r.select else { return false };
            let Some(rf) = program.function(r.func) else {
                return false;
            };
            let in_loop = rf.cfg.in_loop();
            let looped = |b: BlockId| in_loop.get(b.index()).copied().unwrap_or(false);
            if !looped(r.block) {
                return false;
            }
            let found = rf.all_ops().find_map(|(b, _, op)| match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: ChanOp::Recv,
                    select: Some(s),
                    ..
                } if *s == select
                    && b != r.block
                    && chan_key(program, p).is_some_and(|k| closed.contains(&k))
                    && !looped(b)
                    && path_to_exit(rf, b, &looped).is_some() =>
                {
                    Some(op.span)
                }
                _ => None,
            });
            if let Some(span) = found {
                stop.get_or_insert((rf.id, span));
                true
            } else {
                false
            }
        });
        let Some((stop_func, stop_span)) = stop else {
            continue;
        };
        if !all_stoppable {
            continue;
        }
        let esc = escapes.get_or_insert_with(|| {
            let wanted = ops.keys().cloned().collect();
            Escapes::compute(ctx, &wanted)
        });
        if esc.escapes(key) {
            continue;
        }
        let goroutines = goroutines
            .get_or_insert_with(|| super::unmatched_channel_op::goroutine_targets(ctx).clone());
        let mut reported: FxHashSet<FuncId> = FxHashSet::default();
        for send in sends {
            let Some(sf) = program.function(send.func) else {
                continue;
            };
            if sf.pkg != ctx.package
                || !goroutines.contains_key(&sf.id)
                || receives.iter().any(|r| r.func == sf.id)
                || !sf
                    .cfg
                    .in_loop()
                    .get(send.block.index())
                    .copied()
                    .unwrap_or(false)
                || !reported.insert(sf.id)
            {
                continue;
            }
            let Some(stopper) = program.function(stop_func) else {
                continue;
            };
            let name = chan_name_at(program, sf, send.span);
            let loop_name = short_name(&stopper.def.name);
            let stop_name = chan_name_at(program, stopper, stop_span);
            findings.push(
                Finding::new(
                    AbandonedChannel::META.code,
                    FileIdx(sf.def.file as usize),
                    send.span,
                    format!(
                        "send on {name} blocks forever once {loop_name} has stopped: its only receiver leaves for good when {stop_name} is closed, and this send does not watch {stop_name}"
                    ),
                )
                .related(
                    FileIdx(stopper.def.file as usize),
                    stop_span,
                    format!("{loop_name} stops receiving here, for good"),
                )
                .suggest(format!(
                    "send in a select that also returns when {stop_name} is closed (or on ctx.Done()): select {{ case {name} <- v: case <-{stop_name}: return }}"
                )),
            );
        }
    }
}

/// `Stop` closes a quit channel and then waits for the goroutine to close
/// its done channel, but the goroutine can be parked in a plain send on a
/// channel field that only code outside the package receives from (an
/// unbuffered `t.out` handed out by an accessor). Once the consumer stops
/// reading, the goroutine never gets back to its `case <-t.quit`, and Stop
/// waits forever.
fn check_stop_waits_for_sender(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let (field_ops, caps) = ctx.field_chan_ops();
    let closes = |k: &ChanKey, by: &dyn Fn(FuncId) -> bool| {
        field_ops
            .get(k)
            .is_some_and(|ops| ops.iter().any(|o| o.op == ChanOp::Close && by(o.func)))
    };
    let mut goroutines: Option<FxHashMap<FuncId, (Span, FuncId)>> = None;
    let mut keys: Vec<&ChanKey> = field_ops.keys().collect();
    keys.sort_by_key(|k| field_ops[*k].first().map(|o| (o.func, o.span.start)));
    for out in keys {
        let out_ops = &field_ops[out];
        // Unbuffered, sent here, never received in the package.
        let unbuffered = caps
            .get(out)
            .is_some_and(|c| !c.is_empty() && c.iter().all(|c| *c == Some(0)));
        if !unbuffered
            || out_ops
                .iter()
                .any(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range | ChanOp::Close))
        {
            continue;
        }
        for send in out_ops
            .iter()
            .filter(|o| o.op == ChanOp::Send && o.select.is_none() && o.mode == Mode::Now)
        {
            let Some(g) = program.function(send.func) else {
                continue;
            };
            if g.pkg != ctx.package
                || !g
                    .cfg
                    .in_loop()
                    .get(send.block.index())
                    .copied()
                    .unwrap_or(false)
                || !goroutines
                    .get_or_insert_with(|| {
                        super::unmatched_channel_op::goroutine_targets(ctx).clone()
                    })
                    .contains_key(&g.id)
            {
                continue;
            }
            // The stop channels the goroutine watches in a select, closed
            // by another function; and the channels it closes when done.
            let quit: Vec<(&ChanKey, Span)> = field_ops
                .iter()
                .filter(|(k, _)| *k != out)
                .filter_map(|(k, ops)| {
                    let watched = ops
                        .iter()
                        .find(|o| o.func == g.id && o.op == ChanOp::Recv && o.select.is_some())?;
                    closes(k, &|f| f != g.id).then_some((k, watched.span))
                })
                .collect();
            let done: Vec<&ChanKey> = field_ops
                .keys()
                .filter(|k| *k != out && closes(k, &|f| f == g.id))
                .collect();
            if quit.is_empty() || done.is_empty() {
                continue;
            }
            // A stopper: closes a quit channel, then waits on a done one.
            let stopper = quit.iter().find_map(|(q, watched)| {
                field_ops[*q]
                    .iter()
                    .filter(|c| c.op == ChanOp::Close && c.func != g.id && c.mode == Mode::Now)
                    .find_map(|c| {
                        let sf = program.function(c.func)?;
                        let index = op_index_in_block(sf, c.block, c.span)?;
                        done.iter().find_map(|d| {
                            field_ops[*d]
                                .iter()
                                .filter(|w| {
                                    w.func == c.func
                                        && w.op == ChanOp::Recv
                                        && w.select.is_none()
                                        && w.mode == Mode::Now
                                })
                                .find(|w| {
                                    op_index_in_block(sf, w.block, w.span).is_some_and(|wi| {
                                        super::waitgroup_misuse::flow::may_run_after(
                                            sf,
                                            (c.block, index),
                                            (w.block, wi),
                                        )
                                    })
                                })
                                .map(|w| (sf, c.span, w.span, *watched))
                        })
                    })
            });
            let Some((sf, close_span, wait_span, watched)) = stopper else {
                continue;
            };
            let name = chan_name_at(program, g, send.span);
            let quit_name = chan_name_at(program, g, watched);
            let stop_name = short_name(&sf.def.name);
            findings.push(
                Finding::new(
                    AbandonedChannel::META.code,
                    FileIdx(g.def.file as usize),
                    send.span,
                    format!(
                        "send on {name} can park this goroutine for good: only code outside the package receives it, and while parked it never sees {quit_name} closed, so {stop_name} waits forever for it"
                    ),
                )
                .related(FileIdx(g.def.file as usize), watched, format!("{quit_name} is watched only here"))
                .related(FileIdx(sf.def.file as usize), close_span, format!("{stop_name} closes {quit_name}"))
                .related(FileIdx(sf.def.file as usize), wait_span, "and then waits for the goroutine here")
                .suggest(format!(
                    "send in a select that also returns on {quit_name}: select {{ case {name} <- v: case <-{quit_name}: return }}"
                )),
            );
            break;
        }
    }
}

/// How the channel of `f`'s channel op at `span` is written (`w.events`).
pub(crate) fn chan_name_at(program: &Program, f: &Function, span: Span) -> String {
    f.all_ops()
        .find_map(|(_, _, op)| match &op.kind {
            OpKind::Chan { path: Some(p), .. } if op.span == span => Some(program.describe_path(p)),
            _ => None,
        })
        .unwrap_or_else(|| "the channel".to_string())
}

/// The index of the op at `span` among the ops of block `b`.
fn op_index_in_block(f: &Function, b: BlockId, span: Span) -> Option<usize> {
    f.block_ops(b).iter().position(|(_, op)| op.span == span)
}

/// Every op on a channel field in the package, by field, and the
/// capacities of every `make` of each field (through a path).
/// The channel fields whose every `make` is unbuffered, in the order of
/// their first op (deterministic).
pub(crate) fn unbuffered_field_keys<'k>(
    ops: &'k FxHashMap<ChanKey, Vec<SelectableOp>>,
    makes: &FxHashMap<ChanKey, Vec<Option<i64>>>,
) -> Vec<&'k ChanKey> {
    let mut keys: Vec<&ChanKey> = ops
        .keys()
        .filter(|k| {
            makes
                .get(*k)
                .is_some_and(|m| !m.is_empty() && m.iter().all(|c| *c == Some(0)))
        })
        .collect();
    keys.sort_by_key(|k| ops[*k].first().map(|o| (o.func, o.span.start)));
    keys
}

pub(crate) type FieldChanOps = (
    FxHashMap<ChanKey, Vec<SelectableOp>>,
    FxHashMap<ChanKey, Vec<Option<i64>>>,
);

pub(crate) fn field_chan_ops(ctx: &RuleContext<'_>) -> FieldChanOps {
    let program = ctx.program;
    let mut ops: FxHashMap<ChanKey, Vec<SelectableOp>> = FxHashMap::default();
    let mut makes: FxHashMap<ChanKey, Vec<Option<i64>>> = FxHashMap::default();
    for f in ctx.functions() {
        for (b, _, op) in f.all_ops() {
            match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: cop,
                    select,
                    ..
                } if !p.fields.is_empty() => {
                    if let Some(k @ ChanKey::Field(..)) = chan_key(program, p) {
                        ops.entry(k).or_default().push(SelectableOp {
                            func: f.id,
                            block: b,
                            op: *cop,
                            select: *select,
                            mode: op.mode,
                            span: op.span,
                        });
                    }
                }
                OpKind::MakeChan {
                    path: Some(p), cap, ..
                } if !p.fields.is_empty() => {
                    if let Some(k @ ChanKey::Field(..)) = chan_key(program, p) {
                        makes.entry(k).or_default().push(*cap);
                    }
                }
                _ => {}
            }
        }
    }
    // Fields made in composite literals (`&syncer{stopCh: make(chan
    // struct{})}`) have no make op with a path; scanned only when some
    // field used here has no make otherwise.
    if ops.keys().any(|k| !makes.contains_key(k)) {
        for (owner, name, cap) in super::unmatched_channel_op::literal_field_makes(ctx) {
            let key = ChanKey::field(owner, name.clone());
            if ops.contains_key(&key) {
                makes.entry(key).or_default().push(*cap);
            }
        }
    }
    (ops, makes)
}

/// A channel op on a field, with the select it belongs to.
pub(crate) struct SelectableOp {
    pub(crate) func: FuncId,
    pub(crate) block: BlockId,
    pub(crate) op: ChanOp,
    pub(crate) select: Option<goconc_syntax::ast::StmtId>,
    pub(crate) mode: Mode,
    pub(crate) span: Span,
}

/// Stop requests: `Stop` sends on an unbuffered channel field whose only
/// receiver is the select loop of a goroutine (`case <-w.stopCh: return`).
/// When that loop can also return another way (its input closed, an error,
/// the context), a later `Stop` blocks forever: nobody will ever receive.
fn check_stop_requests(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let (ops, makes) = ctx.field_chan_ops();
    let keys = unbuffered_field_keys(ops, makes);
    if keys.is_empty() {
        return;
    }
    let wanted: FxHashSet<ChanKey> = keys.iter().map(|k| (*k).clone()).collect();
    let escapes = Escapes::compute(ctx, &wanted);
    let goroutines = super::unmatched_channel_op::goroutine_targets(ctx);
    for key in keys {
        if escapes.escapes(key) {
            continue;
        }
        let key_ops = &ops[key];
        if key_ops
            .iter()
            .any(|o| o.op == ChanOp::Close || o.mode != Mode::Now)
        {
            continue;
        }
        let sends: Vec<&SelectableOp> = key_ops
            .iter()
            .filter(|o| o.op == ChanOp::Send && o.select.is_none())
            .collect();
        let receives: Vec<&SelectableOp> = key_ops
            .iter()
            .filter(|o| matches!(o.op, ChanOp::Recv | ChanOp::Range))
            .collect();
        if sends.is_empty()
            || sends.len() + receives.len() != key_ops.len()
            || receives.is_empty()
            || receives
                .iter()
                .any(|r| r.select.is_none() || r.func != receives[0].func)
        {
            continue;
        }
        let loop_id = receives[0].func;
        // The loop runs in a goroutine: started with `go`, or called by
        // a goroutine's body (`go func() { errc <- c.Run(ctx) }()`).
        let in_goroutine = goroutines.contains_key(&loop_id)
            || goroutines.keys().any(|&g| {
                program.function(g).is_some_and(|body| {
                    body.all_ops().any(|(_, _, op)| {
                        op.mode == Mode::Now
                            && matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == loop_id)
                    })
                })
            });
        if !in_goroutine || sends.iter().any(|s| s.func == loop_id) {
            continue;
        }
        let Some(lp) = program.function(loop_id) else {
            continue;
        };
        // Each receive is a stop case: a clause of a select inside the loop
        // that leaves the loop for good (`case <-w.stopCh: return`). A
        // request channel whose case loops again is not a stop request.
        let in_loop = lp.cfg.in_loop();
        let looped = |b: BlockId| in_loop.get(b.index()).copied().unwrap_or(false);
        let stop_case = |b: BlockId| {
            lp.cfg.block(b).preds.iter().any(|&p| looped(p))
                && !looped(b)
                && path_to_exit(lp, b, &looped).is_some()
        };
        if !receives.iter().all(|r| stop_case(r.block)) {
            continue;
        }
        // Another way out of the loop goroutine: a path to its return that
        // never takes the stop case (and does not fail a test).
        let avoid: FxHashSet<BlockId> = receives.iter().map(|r| r.block).collect();
        let Some(exit_span) = return_avoiding(program, lp, avoid, &|_| false) else {
            continue;
        };
        let mut reported_funcs: FxHashSet<FuncId> = FxHashSet::default();
        for send in sends {
            let Some(sf) = program.function(send.func) else {
                continue;
            };
            if sf.pkg != ctx.package || !reported_funcs.insert(send.func) {
                continue;
            }
            let name = chan_name_at(program, sf, send.span);
            findings.push(
                Finding::new(
                    AbandonedChannel::META.code,
                    FileIdx(sf.def.file as usize),
                    send.span,
                    format!(
                        "send on {name} blocks forever once the goroutine running {} has returned: {name} is unbuffered and its only receiver can return without receiving it",
                        short_name(&lp.def.name)
                    ),
                )
                .related(
                    FileIdx(lp.def.file as usize),
                    receives[0].span,
                    "the only receive, in the goroutine's select loop",
                )
                .related(
                    FileIdx(lp.def.file as usize),
                    exit_span,
                    "the goroutine can return here without receiving it",
                )
                .suggest(format!(
                    "close {name} instead of sending (once, e.g. with sync.Once), or select on a done channel that the goroutine closes when it returns"
                )),
            );
        }
    }
}

/// Goroutines started by `f` (go statements, library and wrapper spawns)
/// that receive `chan`, with the channel translated to their frame.
pub(crate) fn spawned_users<'a>(
    program: &'a Program,
    f: &Function,
    chan: &AccessPath,
    in_loop: &[bool],
) -> Vec<Spawned<'a>> {
    let mut out = Vec::new();
    for (b, oi, op) in f.indexed_ops() {
        let OpKind::Call {
            callee,
            args,
            func_arg,
            ..
        } = &op.kind
        else {
            continue;
        };
        let target = match (op.mode, callee, func_arg) {
            (Mode::Spawned, Callee::Func(t), _) => Some((*t, args.as_slice())),
            (_, _, Some(fa)) if fa.spawned || op.mode == Mode::Spawned => match fa.func {
                FuncArg::Func(t) => Some((t, &[][..])),
                _ => None,
            },
            (Mode::Now, Callee::Func(w), Some(fa)) => {
                let wraps = program
                    .summary(*w)
                    .is_some_and(|s| s.spawns_params.contains(&fa.index));
                match (wraps, &fa.func) {
                    (true, FuncArg::Func(t)) => Some((*t, &[][..])),
                    _ => None,
                }
            }
            _ => None,
        };
        let Some((t, call_args)) = target else {
            continue;
        };
        let Some(tf) = program.function(t) else {
            continue;
        };
        // The channel in the goroutine: a captured variable keeps its
        // path; an argument becomes the parameter.
        let path = match call_args.iter().position(|a| a.as_ref() == Some(chan)) {
            Some(i) => match param_key(tf, i) {
                Some(k) => AccessPath {
                    base: Base::Local(k),
                    fields: Default::default(),
                },
                None => continue,
            },
            None if tf.def.parent.is_some() => chan.clone(),
            None => continue,
        };
        out.push(Spawned {
            target: tf,
            path,
            block: b,
            op_index: oi,
            span: op.span,
            in_loop: in_loop.get(b.index()).copied().unwrap_or(false),
        });
    }
    out
}

/// Whether every function that touches `chan` is `f` or one of the
/// goroutines it starts (otherwise some unseen code may be the counterpart).
pub(crate) fn only_known_users(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    spawned: &[Spawned<'_>],
) -> bool {
    // A local variable is visible only in its function and the closures
    // nested in it (other code gets it through arguments, which the escape
    // analysis already accounts for).
    let mut stack: Vec<_> = f.closures.clone();
    let mut visited = 0usize;
    while let Some(id) = stack.pop() {
        visited += 1;
        if visited > 100_000 {
            return false;
        }
        let Some(g) = ctx.program.function(id) else {
            continue;
        };
        stack.extend(g.closures.iter().copied());
        let uses = g.all_ops().any(|(_, _, op)| match &op.kind {
            OpKind::Chan { path: Some(p), .. } => p == chan,
            OpKind::Call { args, .. } => args.iter().any(|a| a.as_ref() == Some(chan)),
            _ => false,
        });
        if uses && !spawned.iter().any(|s| s.target.id == g.id) {
            return false;
        }
    }
    true
}

/// The ops of `g` on `path`: (block, op, in select, mode).
fn chan_ops<'a>(
    g: &'a Function,
    path: &'a AccessPath,
) -> impl Iterator<Item = (BlockId, ChanOp, bool, Mode, Span)> + 'a {
    g.all_ops().filter_map(move |(b, _, op)| match &op.kind {
        OpKind::Chan {
            path: Some(p),
            op: cop,
            select,
            ..
        } if p == path => Some((b, *cop, select.is_some(), op.mode, op.span)),
        _ => None,
    })
}

fn analyse_channel(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    cap: i64,
    spawned: &[Spawned<'_>],
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    // Goroutines that close or range over the channel, or that use it in a
    // select, manage its lifecycle themselves: leave the channel alone.
    let mut stuck: Vec<(&Spawned<'_>, ChanOp, Span)> = Vec::new();
    for s in spawned {
        let t_in_loop = s.target.cfg.in_loop();
        let ops: Vec<_> = chan_ops(s.target, &s.path).collect();
        if ops
            .iter()
            .any(|(_, op, sel, _, _)| *sel || matches!(op, ChanOp::Close | ChanOp::Range))
        {
            return;
        }
        let blocking: Vec<_> = ops
            .iter()
            .filter(|(_, _, _, mode, _)| *mode == Mode::Now)
            .collect();
        if blocking.is_empty() {
            continue;
        }
        // Each goroutine must perform at most one of its operations per
        // run: several are fine when they are on exclusive paths
        // (`if err != nil { ch <- err; return }; ch <- v`).
        if blocking.len() > 8
            || blocking
                .iter()
                .any(|(b, ..)| t_in_loop.get(b.index()).copied().unwrap_or(true))
            || blocking.iter().any(|(_, o, ..)| *o != blocking[0].1)
        {
            return;
        }
        for (i, (a, ..)) in blocking.iter().enumerate() {
            let from_a = super::unmatched_channel_op::reach_from(s.target, *a);
            if blocking
                .iter()
                .enumerate()
                .any(|(j, (b, ..))| i != j && from_a.contains(b))
            {
                return;
            }
        }
        let Some(&&(_, op, _, _, span)) = blocking.iter().min_by_key(|(.., sp)| sp.start) else {
            continue;
        };
        stuck.push((s, op, span));
    }
    let Some(&(first, op, _)) = stuck.first() else {
        return;
    };
    if stuck.iter().any(|(_, o, _)| *o != op) {
        return;
    }
    // The counterpart ops in the spawning function.
    let parent_ops: Vec<_> = chan_ops(f, chan).collect();
    let counterpart = |o: ChanOp| match op {
        ChanOp::Send => matches!(o, ChanOp::Recv | ChanOp::Range),
        _ => matches!(o, ChanOp::Send | ChanOp::Close),
    };
    if parent_ops.iter().any(|(_, o, _, mode, _)| {
        *mode != Mode::Now || *o == ChanOp::Range || (op == ChanOp::Send && *o == ChanOp::Close)
    }) {
        return;
    }
    // A deferred helper that closes it (`defer xioutil.SafeClose(ch)`) is
    // a deferred close too.
    let closed_by_deferred_call = f.all_ops().any(|(_, _, o)| {
        o.mode == Mode::Deferred
            && program
                .call_chan_uses(o)
                .any(|(u, p)| u == ChanOp::Close && p == *chan)
    });
    if closed_by_deferred_call {
        return;
    }
    let counter_blocks: FxHashSet<BlockId> = parent_ops
        .iter()
        .filter(|(_, o, ..)| counterpart(*o))
        .map(|(b, ..)| *b)
        .collect();
    if counter_blocks.is_empty() {
        return;
    }
    // Every counterpart must come after the goroutine is started; one
    // that may run before it (a close before the `go`) completes the
    // exchange in ways this analysis does not follow.
    let before_spawn = f.block_ops(first.block).iter().take(first.op_index).any(|(_, o)| {
        matches!(&o.kind, OpKind::Chan { path: Some(p), op: c, .. } if p == chan && counterpart(*c))
    });
    if before_spawn {
        return;
    }
    let after_spawn = super::unmatched_channel_op::reach_from(f, first.block);
    if stuck.iter().any(|(s, ..)| s.block != first.block)
        || counter_blocks.iter().any(|b| !after_spawn.contains(b))
    {
        return;
    }
    let many = stuck.len() > 1 || stuck.iter().any(|(s, ..)| s.in_loop);
    if op == ChanOp::Send
        && !stuck.iter().any(|(s, ..)| s.in_loop)
        && usize::try_from(cap).is_ok_and(|c| c >= stuck.len())
    {
        // Room for every send.
        return;
    }
    let Some((file, info)) = program.file_of(f) else {
        return;
    };
    let name = program.describe_path(chan);
    let in_loop = f.cfg.in_loop();
    let exit_at: Option<BlockId> = if !many {
        if op == ChanOp::Send && cap > 0 {
            return;
        }
        // A path from the spawn to a return that never meets the counterpart.
        let spawn_block_has_counterpart = parent_ops.iter().any(|(b, o, ..)| {
            *b == first.block && counterpart(*o) && {
                // Counterpart after the spawn op in the same block.
                op_index_of(f, *b, chan) > first.op_index
            }
        });
        if spawn_block_has_counterpart {
            None
        } else {
            avoiding_path(f, file, info, first.block, &counter_blocks)
        }
    } else if op != ChanOp::Send || cap > 1 {
        // A buffer sized beyond one slot was most likely sized for the
        // senders (the count of a loop is not known here).
        None
    } else {
        let recvs_in_loop: Vec<BlockId> = counter_blocks
            .iter()
            .copied()
            .filter(|b| in_loop.get(b.index()).copied().unwrap_or(false))
            .collect();
        if recvs_in_loop.is_empty() {
            // First-response-wins: a fixed number of receives (one) for
            // a goroutine per loop iteration.
            let receives = parent_ops
                .iter()
                .filter(|(_, o, ..)| counterpart(*o))
                .count();
            // A fixed set of senders (no loop) that the receives and the
            // buffer absorb together: `errc := make(chan error, 1)`, two
            // copiers, one `<-errc`; the second sender fills the slot the
            // receive emptied. Only receives every path from the spawn
            // makes count: one in a select can lose to the timeout.
            let fixed_senders = !stuck.iter().any(|(s, ..)| s.in_loop);
            let plain_receives = parent_ops
                .iter()
                .filter(|(_, o, in_select, ..)| counterpart(*o) && !*in_select)
                .count();
            let received_on_every_path =
                parent_ops.iter().any(|(b, o, ..)| {
                    *b == first.block
                        && counterpart(*o)
                        && op_index_of(f, *b, chan) > first.op_index
                }) || avoiding_path(f, file, info, first.block, &counter_blocks).is_none();
            if fixed_senders && usize::try_from(cap).is_ok_and(|c| c + receives >= stuck.len()) {
                // Receives every path makes: all of them when they are plain
                // statements every path meets, at least one when some path
                // meets one, none when a path skips them all.
                let guaranteed = match (received_on_every_path, plain_receives == receives) {
                    (false, _) => 0,
                    (true, true) => receives,
                    (true, false) => 1,
                };
                if usize::try_from(cap).is_ok_and(|c| c + guaranteed >= stuck.len()) {
                    return;
                }
                // Enough room once the receives happen: a sender stays
                // blocked only on a path that skips them (the timeout case
                // of the select), like a single sender would.
                avoiding_path(f, file, info, first.block, &counter_blocks)
            } else if receives == 1 {
                counter_blocks.iter().next().copied()
            } else {
                None
            }
        } else if recvs_in_loop.len() != counter_blocks.len() {
            None
        } else {
            early_loop_exit(f, file, info, &recvs_in_loop, &counter_blocks)
        }
    };
    let Some(exit_block) = exit_at else {
        return;
    };
    let (stop_span, stop_msg) = describe_stop(
        file,
        f,
        exit_block,
        many && counter_blocks.contains(&exit_block),
        &name,
    );
    for (s, _, span) in &stuck {
        if s.target.pkg != ctx.package || !reported.insert((s.target.def.file, *span)) {
            continue;
        }
        let in_goroutine = program.describe_path(&s.path);
        let message = match op {
            ChanOp::Send => format!("goroutine blocks forever sending to {in_goroutine}"),
            _ => format!("goroutine blocks forever receiving from {in_goroutine}"),
        };
        let suggestion = match op {
            ChanOp::Send if many => format!(
                "give {name} room for every sender (make(chan T, n) with one slot per goroutine) or add a case <-ctx.Done() / done channel to the send"
            ),
            ChanOp::Send => format!(
                "make {name} buffered (capacity 1) or add a case <-ctx.Done() to the send"
            ),
            _ => format!(
                "close {name} on the early-return path (or select on ctx.Done() in the goroutine)"
            ),
        };
        findings.push(
            Finding::new(
                AbandonedChannel::META.code,
                FileIdx(s.target.def.file as usize),
                *span,
                message,
            )
            .related(
                FileIdx(f.def.file as usize),
                s.span,
                "goroutine started here",
            )
            .related(FileIdx(f.def.file as usize), stop_span, stop_msg.clone())
            .suggest(suggestion),
        );
    }
}

/// A function that returns a channel fed by the one goroutine it starts:
/// the goroutine closes the channel on some paths (so callers are meant to
/// range until it is closed) but can return on another path without
/// closing it, and without first waiting on anything (a select, another
/// channel, a context) that marks a cancellation the caller watches too.
/// Whether `op` hands `path` to a call, as receiver or argument (the callee
/// may close it, send on it or pass it further).
fn passes_to_call(op: &Op, path: &AccessPath) -> bool {
    matches!(&op.kind, OpKind::Call { recv, args, .. }
        if recv.as_ref() == Some(path) || args.iter().any(|a| a.as_ref() == Some(path)))
}

/// Whether `f` returns its local channel `chan` (`return out`).
fn returns_local(program: &Program, f: &Function, chan: &AccessPath) -> bool {
    let Some((file, info)) = program.file_of(f) else {
        return false;
    };
    let Base::Local(key) = &chan.base else {
        return false;
    };
    if !chan.fields.is_empty() || key.file != f.def.file {
        return false;
    }
    f.cfg.blocks.iter().flat_map(|b| &b.nodes).any(|n| {
        let Node::Stmt(stmt) = n else { return false };
        let StmtKind::Return { results } = &file.stmt(*stmt).kind else {
            return false;
        };
        results.iter().any(|r| {
            let r = file.unparen(*r);
            matches!(file.expr(r).kind, ExprKind::Ident(_))
                && *info.res(r) == goconc_semantic::body::Res::Local(key.local)
        })
    })
}

/// The one goroutine (started once, not in a loop) that feeds the local
/// channel `chan` that `f` returns without using it itself.
fn returned_stream_feeder<'a>(
    program: &'a Program,
    f: &Function,
    chan: &AccessPath,
    in_loop: &[bool],
    fan_out: bool,
) -> Option<Spawned<'a>> {
    if !returns_local(program, f, chan) || chan_ops(f, chan).next().is_some() {
        return None;
    }
    let mut spawned = spawned_users(program, f, chan, in_loop);
    if spawned.len() != 1 || (spawned[0].in_loop && !fan_out) {
        return None;
    }
    spawned.pop()
}

fn analyse_returned_stream(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    in_loop: &[bool],
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let Some(s) = returned_stream_feeder(program, f, chan, in_loop, false) else {
        return;
    };
    let g = s.target;
    let mut closes: FxHashSet<BlockId> = FxHashSet::default();
    let mut close_span = None;
    for (b, _, op) in g.all_ops() {
        match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Close,
                ..
            } if *p == s.path => {
                if op.mode != Mode::Now {
                    return;
                }
                closes.insert(b);
                close_span.get_or_insert(op.span);
            }
            // A callee handed the channel may close it.
            OpKind::Call { .. } if passes_to_call(op, &s.path) => return,
            _ => {}
        }
    }
    let Some(close_span) = close_span else {
        streams::check_never_closed(ctx, f, &s, reported, findings);
        return;
    };
    let waits = |op: &Op| {
        matches!(
            &op.kind,
            // A path that sends on the channel hands its caller a value (an
            // error, a result) before it stops.
            OpKind::Chan { .. }
                | OpKind::Select { .. }
                | OpKind::WaitGroup { .. }
                | OpKind::Cond { .. }
                | OpKind::CtxObserve { .. }
        )
    };
    let Some(exit_span) = return_avoiding(program, g, closes, &waits) else {
        return;
    };
    if g.pkg != ctx.package || !reported.insert((g.def.file, exit_span)) {
        return;
    }
    let name = program.describe_path(chan);
    let g_name = program.describe_path(&s.path);
    findings.push(
        Finding::new(
            AbandonedChannel::META.code,
            FileIdx(g.def.file as usize),
            exit_span,
            format!(
                "the goroutine feeding {g_name} returns here without closing it: {} returns {name} to its callers, and a range over it never ends",
                crate::lockstate::short_name(f)
            ),
        )
        .related(
            FileIdx(g.def.file as usize),
            close_span,
            format!("{g_name} is closed only on the other paths"),
        )
        .related(FileIdx(f.def.file as usize), s.span, "goroutine started here")
        .suggest(format!(
            "close {g_name} on every path of the goroutine (`defer close({g_name})` at its top), and send the error on a separate channel if callers need it"
        )),
    );
}

/// The mirror case: `f` waits in a plain receive for the one goroutine it
/// started, and that goroutine has a path back to its caller that neither
/// sends on nor closes the channel (`if err != nil { return }` before
/// `close(done)`). On that path `f` blocks forever.
fn analyse_waiting_parent(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    spawned: &[Spawned<'_>],
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let [s] = spawned else { return };
    if s.in_loop {
        return;
    }
    let parent_ops: Vec<_> = chan_ops(f, chan).collect();
    // One plain receive, one `range` that only a close ends, or one case
    // of a select loop that only this case leaves.
    let (recv_block, ranging, recv_span) = match parent_ops.as_slice() {
        [(b, ChanOp::Recv, false, Mode::Now, span)] => (b, false, span),
        [(b, ChanOp::Range, false, Mode::Now, span)] => (b, true, span),
        [(b, ChanOp::Recv, true, Mode::Now, span)] => (b, false, span),
        _ => return,
    };
    // For a select: the channels its other cases receive from. The
    // goroutine's sends on them are taken by the loop, not waits.
    let select_feeds = match parent_ops.as_slice() {
        [(b, _, true, _, _)] => match only_exit_of_select_loop(ctx, f, *b) {
            Some(feeds) => feeds,
            None => return,
        },
        _ => Vec::new(),
    };
    if ranging && super::unmatched_channel_op::loop_has_other_exit(f, *recv_block) {
        return;
    }
    // The receive must come after the goroutine is started.
    let after_spawn = super::unmatched_channel_op::reach_from(f, s.block);
    let same_block_before =
        *recv_block == s.block && op_index_of(f, *recv_block, chan) < s.op_index;
    if !after_spawn.contains(recv_block) || same_block_before {
        return;
    }
    // The goroutine's side: plain sends or closes, none deferred, in a
    // select or in a loop; a call it hands the channel to may send too.
    let g = s.target;
    let g_in_loop = g.cfg.in_loop();
    let mut counterpart_blocks: FxHashSet<BlockId> = FxHashSet::default();
    for (b, _, op) in g.all_ops() {
        match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: cop,
                select,
                ..
            } if *p == s.path => {
                if select.is_some()
                    || op.mode != Mode::Now
                    || !matches!(cop, ChanOp::Send | ChanOp::Close)
                {
                    return;
                }
                // A range ends only at the close; the values before it may
                // come from a loop.
                if ranging {
                    if *cop == ChanOp::Close {
                        counterpart_blocks.insert(b);
                    }
                    continue;
                }
                if g_in_loop.get(b.index()).copied().unwrap_or(true) {
                    return;
                }
                counterpart_blocks.insert(b);
            }
            OpKind::Call { .. } if passes_to_call(op, &s.path) => {
                if op.mode != Mode::Now {
                    return;
                }
                counterpart_blocks.insert(b);
            }
            _ => {}
        }
    }
    if counterpart_blocks.is_empty() {
        return;
    }
    let program = ctx.program;
    let Some((g_file, _)) = program.file_of(g) else {
        return;
    };
    // `if done != nil { done <- struct{}{} }`: the skipping path is for
    // callers that pass no channel, not this one.
    let name_in_goroutine = program.describe_path(&s.path);
    let nil_guarded = g.cfg.blocks.iter().flat_map(|b| &b.nodes).any(|n| match n {
        Node::Cond(e) => {
            let text = g_file.text(g_file.expr(*e).span);
            text.contains(&format!("{name_in_goroutine} != nil"))
                || text.contains(&format!("{name_in_goroutine} == nil"))
        }
        _ => false,
    });
    if nil_guarded {
        return;
    }
    // A path that first waits for something else (a select, another
    // channel, a WaitGroup) is usually released by the caller later; a
    // path that reports a test failure fails the test anyway.
    let waits = |op: &Op| match &op.kind {
        // The goroutine's own sends to the ranging caller.
        OpKind::Chan { path: Some(p), .. } if ranging && *p == s.path => false,
        // Sends the caller's select loop takes.
        OpKind::Chan {
            path: Some(p),
            op: ChanOp::Send,
            select: None,
            ..
        } if s.path == *chan && select_feeds.contains(p) => false,
        OpKind::Chan { .. }
        | OpKind::Select { .. }
        | OpKind::WaitGroup { .. }
        | OpKind::Cond { .. } => true,
        _ => false,
    };
    let Some(exit_span) = return_avoiding(program, g, counterpart_blocks, &waits) else {
        return;
    };
    if f.pkg != ctx.package || !reported.insert((f.def.file, *recv_span)) {
        return;
    }
    let name = program.describe_path(chan);
    let message = if ranging {
        format!(
            "range over {name} never ends: the goroutine that sends on it can return without closing it"
        )
    } else if !select_feeds.is_empty() || parent_ops.iter().any(|(_, _, sel, _, _)| *sel) {
        format!(
            "this select loop ends only when {name} is closed or sent to, and the goroutine that does it can return without it: the loop then blocks forever"
        )
    } else {
        format!(
            "blocks forever receiving from {name}: the goroutine that sends on it can return without sending or closing it"
        )
    };
    findings.push(
        Finding::new(
            AbandonedChannel::META.code,
            FileIdx(f.def.file as usize),
            *recv_span,
            message,
        )
        .related(FileIdx(f.def.file as usize), s.span, "goroutine started here")
        .related(
            FileIdx(g.def.file as usize),
            exit_span,
            format!("the goroutine returns here without completing the exchange on {name}"),
        )
        .suggest(format!(
            "close {name} on every path of the goroutine (defer close({name})) or send the error too; or select on ctx.Done() next to the receive"
        )),
    );
}

/// `block` is the case of a select on one channel. The select has no
/// default and no cancellation or timer case, it sits in a loop, and every
/// path from it to the normal exit of `f` goes through this case: the loop
/// ends only when this channel delivers. Returns the channels the other
/// cases receive from (None when the select does not qualify).
fn only_exit_of_select_loop(
    ctx: &RuleContext<'_>,
    f: &Function,
    block: BlockId,
) -> Option<Vec<AccessPath>> {
    let program = ctx.program;
    let (file, info) = program.file_of(f)?;
    let Some(Node::SelectCase { select, .. }) = f.cfg.blocks.get(block.index())?.nodes.first()
    else {
        return None;
    };
    let select = *select;
    let entry = f.all_ops().find_map(|(b, _, op)| match &op.kind {
        OpKind::Select {
            stmt, has_default, ..
        } if *stmt == select => Some((b, *has_default)),
        _ => None,
    });
    let (entry, false) = entry? else {
        return None;
    };
    if !f.cfg.in_loop().get(entry.index()).copied().unwrap_or(false) {
        return None;
    }
    let mut feeds = Vec::new();
    for (b, data) in f.cfg.blocks.iter().enumerate() {
        let b = BlockId(b as u32);
        let Some(Node::SelectCase { select: s, .. }) = data.nodes.first() else {
            continue;
        };
        if *s != select || b == block {
            continue;
        }
        if clause_kind(f, file, info, b) != Some(ClauseKind::Other) {
            return None;
        }
        for (_, op) in f.block_ops(b) {
            if let OpKind::Chan {
                path: Some(p),
                op: ChanOp::Recv,
                select: Some(s),
                ..
            } = &op.kind
            {
                if *s == select {
                    feeds.push(p.clone());
                }
            }
        }
    }
    // Every way from the select to the exit passes through `block`.
    if path_to_exit(f, entry, &|x| x == block).is_some() {
        return None;
    }
    Some(feeds)
}

/// A reply channel handed off: `f` creates an unbuffered channel, sends
/// it to another goroutine (`s.requests <- request{reply: reply}`) or
/// registers it for a reader goroutine (`c.pending[id] = ch`), and
/// waits for the answer in a select that can give up (a timeout, the
/// context, `default`). Once it has given up nobody receives, and the
/// goroutine that answers blocks forever on its send, and with it every
/// request queued behind.
fn analyse_handed_off_reply(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    if f.pkg != ctx.package {
        return;
    }
    let own_ops: Vec<_> = chan_ops(f, chan).collect();
    if own_ops.is_empty()
        || own_ops.iter().any(|(_, op, in_select, mode, _)| {
            *op != ChanOp::Recv || !*in_select || *mode != Mode::Now
        })
    {
        return;
    }
    let Some((file, _)) = program.file_of(f) else {
        return;
    };
    let name = program.describe_path(chan);
    // The hand-off: a send on another channel whose value mentions it.
    let mentions = |text: &str| {
        text.match_indices(name.as_str()).any(|(i, _)| {
            let before = text[..i].chars().next_back();
            let after = text[i + name.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        })
    };
    // A reply channel made in a request literal (`j := job{reply:
    // make(chan Response)}`) is handed off with the request (`m.queue <- j`).
    let carrier =
        (!chan.fields.is_empty()).then(|| name.split('.').next().unwrap_or_default().to_string());
    let handed_in_select = carrier.as_ref().and_then(|carrier| {
        file.stmts.iter().find_map(|stmt| match &stmt.kind {
            StmtKind::Send {
                chan: target,
                value,
                ..
            } if f.def.span.start <= stmt.span.start
                && stmt.span.end <= f.def.span.end
                && file.text(file.expr(*target).span) != name
                && file.text(file.expr(file.unparen(*value)).span) == carrier =>
            {
                Some(stmt.span)
            }
            _ => None,
        })
    });
    let handoff = handed_in_select.or_else(|| {
        f
        .cfg
        .blocks
        .iter()
        .flat_map(|b| &b.nodes)
        .find_map(|n| match n {
            Node::Stmt(s) => match &file.stmt(*s).kind {
                StmtKind::Send {
                    chan: target,
                    value,
                    ..
                } => {
                    let target_text = file.text(file.expr(*target).span);
                    (target_text != name && mentions(file.text(file.expr(*value).span)))
                        .then(|| file.stmt(*s).span)
                }
                // Registered for a reader goroutine: `c.pending[id] = ch`.
                StmtKind::Assign { lhs, rhs, .. } if lhs.len() == 1 && rhs.len() == 1 => {
                    let registered = matches!(
                        &file.expr(file.unparen(lhs[0])).kind,
                        ExprKind::Index { x, .. }
                            if matches!(file.expr(file.unparen(*x)).kind, ExprKind::Selector { .. })
                    ) && file.text(file.expr(file.unparen(rhs[0])).span) == name;
                    registered.then(|| file.stmt(*s).span)
                }
                _ => None,
            },
            _ => None,
        })
    });
    let Some(handoff) = handoff else {
        return;
    };
    // Every receive is in a select that can stop waiting.
    let Some(give_up) = gives_up_waiting(ctx, f, own_ops.iter().map(|(b, ..)| *b).collect())
        .and_then(|stop| f.cfg.block(stop).nodes.first().map(|n| node_span(file, *n)))
    else {
        return;
    };
    let Some((make_span, make_ty)) = f.all_ops().find_map(|(_, _, op)| match &op.kind {
        OpKind::MakeChan {
            path: Some(p), ty, ..
        } if p == chan => Some((op.span, ty.clone())),
        _ => None,
    }) else {
        return;
    };
    // The answering side, found by the element type: it must answer with
    // a plain send (a close, or a send in a select, never blocks on a
    // reader that left). No visible answer: nothing to say.
    let element = |t: &goconc_semantic::types::Type| match t {
        goconc_semantic::types::Type::Chan(c) => Some(c.1.clone()),
        _ => None,
    };
    let Some(reply_elem) = element(&make_ty).filter(|t| !t.is_unknown()) else {
        return;
    };
    let mut plain_answer = false;
    for g in ctx.functions() {
        for (_, _, op) in g.all_ops() {
            let OpKind::Chan {
                path,
                op: cop,
                ty,
                select,
            } = &op.kind
            else {
                continue;
            };
            if g.id == f.id && path.as_ref() == Some(chan) {
                continue;
            }
            if element(ty).as_ref() != Some(&reply_elem) {
                continue;
            }
            match cop {
                ChanOp::Close => return,
                ChanOp::Send if select.is_some() || op.mode != Mode::Now => return,
                ChanOp::Send => plain_answer = true,
                _ => {}
            }
        }
    }
    if !plain_answer {
        return;
    }
    findings.push(
        Finding::new(
            AbandonedChannel::META.code,
            FileIdx(f.def.file as usize),
            make_span,
            format!(
                "{name} is unbuffered and handed to another goroutine: once this function stops waiting for the reply, that goroutine's send on {name} blocks forever"
            ),
        )
        .related(FileIdx(f.def.file as usize), handoff, format!("{name} is handed off here"))
        .related(
            FileIdx(f.def.file as usize),
            give_up,
            "the function can stop waiting here",
        )
        .suggest(format!(
            "give {name} one slot of buffer (make(chan T, 1)) so the reply never waits for a reader"
        )),
    );
}

/// For a function waiting in selects (the receives in `receives`): the
/// first clause that stops waiting instead (`case <-ctx.Done()`, a timeout,
/// `default`), when every receive has one.
pub(super) fn gives_up_waiting(
    ctx: &RuleContext<'_>,
    f: &Function,
    receives: Vec<BlockId>,
) -> Option<BlockId> {
    let (file, info) = ctx.program.file_of(f)?;
    let mut stop = None;
    for b in receives {
        let select_block = f
            .cfg
            .block(b)
            .preds
            .iter()
            .copied()
            .find(|p| matches!(f.cfg.block(*p).nodes.last(), Some(Node::Select(_))))?;
        let gives_up = f.cfg.block(select_block).succs.iter().copied().find(|c| {
            matches!(
                clause_kind(f, file, info, *c),
                Some(ClauseKind::Cancel | ClauseKind::Default)
            )
        })?;
        stop.get_or_insert(gives_up);
    }
    stop
}

/// A goroutine that sends in a loop (a pipeline stage, a generator) to a
/// receiving loop in `f` that can stop early: a `case <-ctx.Done():
/// return`, a timeout, an error return. The goroutine's next plain send
/// then has no reader; watching the context in its own select on the
/// input does not help while it is parked in the send.
fn analyse_looping_sender(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    cap: i64,
    spawned: &[Spawned<'_>],
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    // Spawned closures are listed whether or not they touch the channel.
    let users: Vec<&Spawned<'_>> = spawned
        .iter()
        .filter(|s| {
            s.target.all_ops().any(|(_, _, op)| match &op.kind {
                OpKind::Chan { path: Some(p), .. } => *p == s.path,
                _ => passes_to_call(op, &s.path),
            })
        })
        .collect();
    let [s] = users.as_slice() else { return };
    if s.in_loop || cap > 1 {
        return;
    }
    let program = ctx.program;
    let g = s.target;
    let Some(send_span) = first_looped_plain_send(g, &s.path) else {
        return;
    };
    let parent_ops: Vec<_> = chan_ops(f, chan).collect();
    if parent_ops.is_empty()
        || parent_ops.iter().any(|(_, op, _, mode, _)| {
            !matches!(op, ChanOp::Recv | ChanOp::Range) || *mode != Mode::Now
        })
    {
        return;
    }
    let after_spawn = super::unmatched_channel_op::reach_from(f, s.block);
    let counter_blocks: FxHashSet<BlockId> = parent_ops.iter().map(|(b, ..)| *b).collect();
    if counter_blocks.iter().any(|b| !after_spawn.contains(b)) {
        return;
    }
    let in_loop = f.cfg.in_loop();
    let mut recvs_in_loop: Vec<BlockId> = counter_blocks
        .iter()
        .copied()
        .filter(|b| in_loop.get(b.index()).copied().unwrap_or(false))
        .collect();
    recvs_in_loop.sort();
    if recvs_in_loop.len() != counter_blocks.len() {
        return;
    }
    // A channel made inside the receiving loop is a new one each time
    // round: the loop does not keep receiving from one sender.
    let make_block = f.all_ops().find_map(|(b, _, op)| match &op.kind {
        OpKind::MakeChan { path: Some(p), .. } if p == chan => Some(b),
        _ => None,
    });
    if make_block.is_some_and(|m| {
        recvs_in_loop
            .iter()
            .any(|&r| loop_blocks(f, r).contains(&m))
    }) {
        return;
    }
    let Some((file, info)) = program.file_of(f) else {
        return;
    };
    // A sender that never returns (`for { ch <- poll() }`) is abandoned by
    // any way out of the receiving loop, even its designed ones.
    let endless_sender = path_to_exit(g, g.cfg.entry, &|_| false).is_none();
    let exit_block = match early_loop_exit(f, file, info, &recvs_in_loop, &counter_blocks) {
        Some(b) => b,
        None if endless_sender => match leaves_loop(f, &recvs_in_loop) {
            Some(b) => b,
            None => return,
        },
        None => return,
    };
    if super::missing_unlock::reports_test_failure(program, f, exit_block) {
        return;
    }
    if g.pkg != ctx.package || !reported.insert((g.def.file, send_span)) {
        return;
    }
    let name = program.describe_path(chan);
    let (stop_span, stop_msg) = describe_stop(file, f, exit_block, false, &name);
    let in_goroutine = program.describe_path(&s.path);
    findings.push(
        Finding::new(
            AbandonedChannel::META.code,
            FileIdx(g.def.file as usize),
            send_span,
            format!(
                "goroutine blocks forever sending to {in_goroutine}: the loop receiving it can stop early while values are still coming"
            ),
        )
        .related(FileIdx(f.def.file as usize), s.span, "goroutine started here")
        .related(FileIdx(f.def.file as usize), stop_span, stop_msg)
        .suggest(format!(
            "send in a select with `case <-ctx.Done(): return` (the receiver's cancellation) or drain {name} before the receiver returns"
        )),
    );
}

/// The first plain send on `chan` inside a loop of producer `g`, when `g`
/// only sends on it plainly or closes it (a send in a select, or a receive,
/// is a producer managing its own way out: `None`).
pub(super) fn first_looped_plain_send(g: &Function, chan: &AccessPath) -> Option<Span> {
    let g_in_loop = g.cfg.in_loop();
    let mut looped_send: Option<Span> = None;
    for (b, op, in_select, mode, span) in chan_ops(g, chan) {
        match op {
            ChanOp::Close => {}
            ChanOp::Send if !in_select && mode == Mode::Now => {
                if g_in_loop.get(b.index()).copied().unwrap_or(false)
                    && looped_send.is_none_or(|l| span.start < l.start)
                {
                    looped_send = Some(span);
                }
            }
            _ => return None,
        }
    }
    looped_send
}

/// A block of the loop around `recvs` with a way out of it that reaches
/// the normal exit of `f` (not a panic).
fn leaves_loop(f: &Function, recvs: &[BlockId]) -> Option<BlockId> {
    for &r in recvs {
        let scc = loop_blocks(f, r);
        let mut blocks: Vec<BlockId> = scc.iter().copied().collect();
        blocks.sort();
        for b in blocks {
            for &next in &f.cfg.block(b).succs {
                if scc.contains(&next) || next == f.cfg.abort {
                    continue;
                }
                if next == f.cfg.exit || path_to_exit(f, next, &|x| scc.contains(&x)).is_some() {
                    return Some(b);
                }
            }
        }
    }
    None
}

/// A pipeline between two goroutines that `f` starts: a producer sends on
/// the channel in a loop and a single consumer ranges over it, but the
/// consumer can return early (on an error) without draining. Nothing
/// receives after that, and the producer blocks forever on its next send
/// (and whoever waits for it, `wg.Wait()` or `g.Wait()`, hangs too).
fn analyse_pipeline(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    cap: i64,
    spawned: &[Spawned<'_>],
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    // A buffer larger than one slot was probably sized for the items.
    if cap > 1 || spawned.len() < 2 {
        return;
    }
    if chan_ops(f, chan).any(|(_, op, ..)| op != ChanOp::Close) {
        return;
    }
    let program = ctx.program;
    let mut producers: Vec<(&Spawned<'_>, Span)> = Vec::new();
    let mut consumers: Vec<&Spawned<'_>> = Vec::new();
    for s in spawned {
        let ops: Vec<_> = chan_ops(s.target, &s.path).collect();
        if ops
            .iter()
            .any(|(_, _, sel, mode, _)| *sel || *mode == Mode::Spawned)
        {
            return;
        }
        let sends: Vec<_> = ops
            .iter()
            .filter(|(_, op, ..)| *op == ChanOp::Send)
            .collect();
        let receives = ops
            .iter()
            .any(|(_, op, ..)| matches!(op, ChanOp::Recv | ChanOp::Range));
        match (sends.is_empty(), receives) {
            (false, false) => {
                let in_loop = s.target.cfg.in_loop();
                let looped = sends
                    .iter()
                    .filter(|(b, ..)| in_loop.get(b.index()).copied().unwrap_or(false))
                    .map(|(.., span)| *span)
                    .min_by_key(|sp| sp.start);
                match looped {
                    Some(span) if sends.iter().all(|(_, _, _, m, _)| *m == Mode::Now) => {
                        producers.push((s, span))
                    }
                    _ => return,
                }
            }
            (true, true) => consumers.push(s),
            (true, false) => {}
            (false, true) => return,
        }
    }
    let ([consumer], false) = (consumers.as_slice(), producers.is_empty()) else {
        return;
    };
    if consumer.in_loop {
        return;
    }
    let c = consumer.target;
    let Some((c_file, c_info)) = program.file_of(c) else {
        return;
    };
    let recv_blocks: FxHashSet<BlockId> = chan_ops(c, &consumer.path).map(|(b, ..)| b).collect();
    let c_in_loop = c.cfg.in_loop();
    let mut looped: Vec<BlockId> = recv_blocks
        .iter()
        .copied()
        .filter(|b| c_in_loop.get(b.index()).copied().unwrap_or(false))
        .collect();
    looped.sort();
    if looped.len() != recv_blocks.len() {
        return;
    }
    let Some(exit_block) = early_loop_exit(c, c_file, c_info, &looped, &recv_blocks) else {
        return;
    };
    if super::missing_unlock::reports_test_failure(program, c, exit_block)
        || c.cfg
            .block(exit_block)
            .preds
            .iter()
            .any(|&p| super::missing_unlock::reports_test_failure(program, c, p))
    {
        return;
    }
    let name = program.describe_path(chan);
    let exit_span = return_span(c_file, c, exit_block);
    for (producer, send_span) in producers {
        let p = producer.target;
        if p.pkg != ctx.package || !reported.insert((p.def.file, send_span)) {
            continue;
        }
        let in_producer = program.describe_path(&producer.path);
        findings.push(
            Finding::new(
                AbandonedChannel::META.code,
                FileIdx(p.def.file as usize),
                send_span,
                format!(
                    "goroutine blocks forever sending to {in_producer}: its only consumer can return before draining it"
                ),
            )
            .related(FileIdx(f.def.file as usize), producer.span, "producer started here")
            .related(
                FileIdx(c.def.file as usize),
                exit_span,
                format!("the consumer stops receiving from {name} here"),
            )
            .related(FileIdx(f.def.file as usize), consumer.span, "consumer started here")
            .suggest(format!(
                "let the producer select on ctx.Done() next to its send (errgroup.WithContext cancels it when the consumer fails), or drain {name} before the consumer returns"
            )),
        );
    }
}

/// The `return` of `g` (or the end of its body) reached from its entry
/// without passing `avoid`, a block with an op that `waits` (done now), or
/// a block that reports a test failure (the test fails anyway).
fn return_avoiding(
    program: &Program,
    g: &Function,
    mut avoid: FxHashSet<BlockId>,
    waits: &dyn Fn(&Op) -> bool,
) -> Option<Span> {
    for b in 0..g.cfg.blocks.len() {
        let b = BlockId(b as u32);
        let waits_here = g
            .block_ops(b)
            .iter()
            .any(|(_, op)| op.mode == Mode::Now && waits(op));
        if waits_here || super::missing_unlock::reports_test_failure(program, g, b) {
            avoid.insert(b);
        }
    }
    let exit_block = plain_path_to_exit(g, &avoid)?;
    let (file, _) = program.file_of(g)?;
    Some(return_span(file, g, exit_block))
}

/// A path from the entry of `g` to its normal exit that meets none of
/// `avoid`; returns the block that returns. Panics and `runtime.Goexit`
/// go to the abort block and do not count.
fn plain_path_to_exit(g: &Function, avoid: &FxHashSet<BlockId>) -> Option<BlockId> {
    if avoid.contains(&g.cfg.entry) {
        return None;
    }
    path_to_exit(g, g.cfg.entry, &|b| avoid.contains(&b))
}

/// `(*Worker).loop` for `example.com/pkg.(*Worker).loop`.
fn short_name(qualified: &str) -> &str {
    let after_slash = qualified.rsplit('/').next().unwrap_or(qualified);
    match after_slash.split_once('.') {
        Some((_, rest)) if !rest.is_empty() => rest,
        _ => after_slash,
    }
}

/// A path from `start` to the normal exit of `g` through blocks that are
/// not `excluded` (`start` itself is taken); returns the block that
/// returns. The abort block (panics, `runtime.Goexit`) is not an exit.
pub(crate) fn path_to_exit(
    g: &Function,
    start: BlockId,
    excluded: &dyn Fn(BlockId) -> bool,
) -> Option<BlockId> {
    let mut seen: FxHashSet<BlockId> = FxHashSet::default();
    let mut stack = vec![start];
    seen.insert(start);
    while let Some(b) = stack.pop() {
        for &n in &g.cfg.block(b).succs {
            if n == g.cfg.exit {
                return Some(b);
            }
            if n != g.cfg.abort && !excluded(n) && seen.insert(n) {
                stack.push(n);
            }
        }
    }
    None
}

/// The `return` statement ending block `b` of `g`, or the end of the body.
pub(crate) fn return_span(file: &File, g: &Function, b: BlockId) -> Span {
    let blk = g.cfg.block(b);
    blk.nodes
        .iter()
        .rev()
        .find_map(|n| match n {
            Node::Stmt(s) if matches!(file.stmt(*s).kind, StmtKind::Return { .. }) => {
                Some(file.stmt(*s).span)
            }
            _ => None,
        })
        // Falling off the end: the closing brace of the body.
        .unwrap_or(Span {
            start: g.def.span.end.saturating_sub(1),
            end: g.def.span.end,
        })
}

/// Whether `b` lies on a cycle that does not pass through `avoid`.
fn cycles_without(f: &Function, b: BlockId, avoid: BlockId) -> bool {
    if b == avoid {
        return false;
    }
    let mut seen: FxHashSet<BlockId> = FxHashSet::default();
    let mut stack = vec![b];
    while let Some(x) = stack.pop() {
        for &n in &f.cfg.block(x).succs {
            if n == b {
                return true;
            }
            if n != avoid && seen.insert(n) {
                stack.push(n);
            }
        }
    }
    false
}

/// Index (in the block's ops) of the first op on `chan` in block `b`.
fn op_index_of(f: &Function, b: BlockId, chan: &AccessPath) -> usize {
    f.block_ops(b)
        .iter()
        .position(|(_, op)| matches!(&op.kind, OpKind::Chan { path: Some(p), .. } if p == chan))
        .unwrap_or(0)
}

/// A path from `start` to the function exit that avoids `avoid`; returns
/// the block that returns and the last select clause taken on the way.
fn avoiding_path(
    f: &Function,
    file: &File,
    info: &FileInfo,
    start: BlockId,
    avoid: &FxHashSet<BlockId>,
) -> Option<BlockId> {
    let mut seen: FxHashSet<BlockId> = FxHashSet::default();
    let mut stack = vec![start];
    seen.insert(start);
    while let Some(b) = stack.pop() {
        // Leaving a loop that receives through its head means the loop
        // ran zero times (or to completion), not that the caller gave up.
        let head_loop = (f.cfg.block(b).kind == BlockKind::LoopHead)
            .then(|| loop_blocks(f, b))
            .filter(|l| l.iter().any(|x| avoid.contains(x)));
        for &s in &f.cfg.block(b).succs {
            if head_loop.as_ref().is_some_and(|l| !l.contains(&s)) {
                continue;
            }
            if s == f.cfg.exit {
                return Some(b);
            }
            // Waiting for another event is not giving up: only a
            // cancellation, a timer or `default` stops the listening.
            if s == f.cfg.abort
                || avoid.contains(&s)
                || clause_kind(f, file, info, s) == Some(ClauseKind::Other)
                || !seen.insert(s)
            {
                continue;
            }
            stack.push(s);
        }
    }
    None
}

/// For receives inside loops: a block of the receive loop that leaves it
/// other than through the loop head, after which no receive happens before
/// the function returns.
fn early_loop_exit(
    f: &Function,
    file: &File,
    info: &FileInfo,
    recvs: &[BlockId],
    counter: &FxHashSet<BlockId>,
) -> Option<BlockId> {
    for &r in recvs {
        let scc = loop_blocks(f, r);
        // A loop without a condition (`for {}`) ends only through its
        // returns: they are its designed exits (e.g. counting workers
        // down), unless they leave through a cancellation or timer case.
        let natural_exit = scc.iter().any(|&b| {
            f.cfg.block(b).kind == BlockKind::LoopHead
                && f.cfg.block(b).succs.iter().any(|s| !scc.contains(s))
        });
        let mut blocks: Vec<_> = scc.iter().copied().collect();
        blocks.sort();
        for b in blocks {
            if f.cfg.block(b).kind == BlockKind::LoopHead {
                continue;
            }
            for &s in &f.cfg.block(b).succs {
                if scc.contains(&s) || s == f.cfg.abort {
                    continue;
                }
                let cancels = matches!(
                    clause_kind(f, file, info, s),
                    Some(ClauseKind::Cancel | ClauseKind::Default)
                );
                if !natural_exit && !cancels {
                    continue;
                }
                if s == f.cfg.exit {
                    return Some(b);
                }
                // Everything reachable from `s` until the exit.
                let mut seen: FxHashSet<BlockId> = FxHashSet::default();
                let mut stack = vec![s];
                seen.insert(s);
                let mut drains = false;
                let mut returns = false;
                while let Some(x) = stack.pop() {
                    if counter.contains(&x) {
                        drains = true;
                        break;
                    }
                    for &n in &f.cfg.block(x).succs {
                        if n == f.cfg.exit {
                            returns = true;
                        } else if n != f.cfg.abort && seen.insert(n) {
                            stack.push(n);
                        }
                    }
                }
                if returns && !drains {
                    return Some(s);
                }
            }
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum ClauseKind {
    /// `<-ctx.Done()`, `<-time.After(d)`, `<-timer.C`.
    Cancel,
    Default,
    /// Any other communication.
    Other,
}

/// What the select clause starting block `b` waits for (None: not a clause).
fn clause_kind(f: &Function, file: &File, info: &FileInfo, b: BlockId) -> Option<ClauseKind> {
    let Some(Node::SelectCase { clause, .. }) = f.cfg.blocks.get(b.index())?.nodes.first() else {
        return None;
    };
    let StmtKind::CommClause { comm, .. } = &file.stmt(*clause).kind else {
        return None;
    };
    let Some(comm) = comm else {
        return Some(ClauseKind::Default);
    };
    let operand = match &file.stmt(*comm).kind {
        StmtKind::Expr(e) => Some(*e),
        StmtKind::Assign { rhs, .. } => rhs.first().copied(),
        _ => None,
    };
    let chan = operand.and_then(|e| match &file.expr(file.unparen(e)).kind {
        ExprKind::Unary {
            op: AstOp::Arrow,
            x,
        } => Some(file.unparen(*x)),
        _ => None,
    });
    let Some(chan) = chan else {
        return Some(ClauseKind::Other);
    };
    let cancel = is_cancel_chan(file, info, chan, 0);
    Some(if cancel {
        ClauseKind::Cancel
    } else {
        ClauseKind::Other
    })
}

/// `t.Context()` of a `*testing.T`/`B`/`F` (directly, or a local set to it
/// once): it is cancelled only after the test function returns, so while
/// the test body waits, its Done never fires.
fn is_test_context(file: &File, info: &FileInfo, e: ExprId) -> bool {
    let e = file.unparen(e);
    let call = match &file.expr(e).kind {
        ExprKind::Call { .. } => e,
        ExprKind::Ident(_) => match info.res(e) {
            goconc_semantic::body::Res::Local(l) => match info.local(*l) {
                Some(local) if !local.reassigned => match local.init {
                    Some(init) => file.unparen(init),
                    None => return false,
                },
                _ => return false,
            },
            _ => return false,
        },
        _ => return false,
    };
    let ExprKind::Call { fun, args, .. } = &file.expr(call).kind else {
        return false;
    };
    let ExprKind::Selector { x, sel } = &file.expr(file.unparen(*fun)).kind else {
        return false;
    };
    args.is_empty()
        && file.name(*sel) == "Context"
        && ["T", "B", "F"]
            .iter()
            .any(|t| info.ty(*x).is_named("testing", t))
}

/// Whether `chan` is `ctx.Done()`, `time.After(d)`, `time.Tick(d)` or a
/// timer's `C`, directly or through a local initialised with one and
/// never reassigned (`deadline := time.After(limit)`).
fn is_cancel_chan(file: &File, info: &FileInfo, chan: ExprId, depth: u32) -> bool {
    let chan = file.unparen(chan);
    match &file.expr(chan).kind {
        ExprKind::Call { fun, .. } => {
            let fun = file.unparen(*fun);
            match info.selection(fun) {
                Some(Selection::Method { recv, name, .. }) => {
                    recv.is_named("context", "Context")
                        && &**name == "Done"
                        && !matches!(&file.expr(fun).kind, ExprKind::Selector { x, .. }
                            if is_test_context(file, info, *x))
                }
                Some(Selection::Qualified(_)) => match &file.expr(fun).kind {
                    ExprKind::Selector { x, sel } => {
                        info.import_path(info.res(*x))
                            .is_some_and(|p| &**p == "time")
                            && matches!(file.name(*sel), "After" | "Tick")
                    }
                    _ => false,
                },
                _ => false,
            }
        }
        ExprKind::Selector { x, sel } => {
            let t = info.ty(*x).strip_pointer();
            file.name(*sel) == "C" && (t.is_named("time", "Timer") || t.is_named("time", "Ticker"))
        }
        ExprKind::Ident(_) if depth == 0 => match info.res(chan) {
            goconc_semantic::body::Res::Local(l) => info
                .local(*l)
                .filter(|l| !l.reassigned)
                .and_then(|l| l.init)
                .is_some_and(|init| is_cancel_chan(file, info, init, depth + 1)),
            _ => false,
        },
        _ => false,
    }
}

/// The related location where the spawning function stops listening.
fn describe_stop(
    file: &goconc_syntax::File,
    f: &Function,
    block: BlockId,
    single_receive: bool,
    name: &str,
) -> (Span, String) {
    if single_receive {
        // First-response-wins: the one receive of a fan-out.
        let span = f
            .block_ops(block)
            .iter()
            .find_map(|(_, op)| match &op.kind {
                OpKind::Chan {
                    path: Some(_),
                    op: ChanOp::Recv,
                    ..
                } => Some(op.span),
                _ => None,
            })
            .unwrap_or(f.def.span);
        return (
            span,
            format!("only one value is received from {name}; the other senders stay blocked"),
        );
    }
    // A select clause other than the channel's own: ctx.Done, a timer, default.
    let mut b = block;
    for _ in 0..8 {
        let blk = f.cfg.block(b);
        if let Some(Node::SelectCase { clause, .. }) = blk.nodes.first() {
            let st = file.stmt(*clause);
            let what = match &st.kind {
                StmtKind::CommClause { comm: Some(c), .. } => {
                    file.text(file.stmt(*c).span).to_string()
                }
                _ => "default".to_string(),
            };
            return (st.span, format!("the caller stops listening here ({what})"));
        }
        match blk.preds.first() {
            Some(&p) if blk.preds.len() == 1 => b = p,
            _ => break,
        }
    }
    // Otherwise the return statement (or the last node) of the block.
    let blk = f.cfg.block(block);
    for n in blk.nodes.iter().rev() {
        if let Node::Stmt(s) = n {
            if matches!(file.stmt(*s).kind, StmtKind::Return { .. }) {
                return (
                    file.stmt(*s).span,
                    format!("the caller returns here without completing the exchange on {name}"),
                );
            }
        }
    }
    let span = blk
        .nodes
        .last()
        .map(|n| node_span(file, *n))
        .unwrap_or(f.def.span);
    (
        span,
        format!("the caller stops listening to {name} after this"),
    )
}

fn node_span(file: &goconc_syntax::File, n: Node) -> Span {
    match n {
        Node::Cond(e) => file.expr(e).span,
        Node::Stmt(s) | Node::RangeInit(s) | Node::RangeNext(s) | Node::Select(s) => {
            file.stmt(s).span
        }
        Node::SelectCase { clause, .. } => file.stmt(clause).span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&AbandonedChannel);
    }

    fn run(src: &str) -> Vec<Finding> {
        crate::testing::check_source(&AbandonedChannel, src)
    }

    #[test]
    fn channels_made_once_per_process_leak_only_until_exit() {
        // main's run loop stops listening only when run returns, and main
        // then exits: the blocked watcher dies with the process.
        let program = "package main\n\nimport (\n\t\"context\"\n\t\"log\"\n\t\"os/signal\"\n\t\"syscall\"\n)\n\nfunc watch(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }\n\nfunc main() {\n\tif err := run(); err != nil {\n\t\tlog.Fatal(err)\n\t}\n}\n\nfunc run() error {\n\tctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)\n\tdefer stop()\n\twatchErr := make(chan error)\n\tgo func() {\n\t\twatchErr <- watch(ctx)\n\t}()\n\tselect {\n\tcase err := <-watchErr:\n\t\treturn err\n\tcase <-ctx.Done():\n\t\treturn nil\n\t}\n}\n";
        assert!(run(program).is_empty(), "{:?}", run(program));
        // The same function in a library runs once per caller: each call
        // that returns on ctx.Done leaves a goroutine behind.
        let library = program
            .replacen("package main", "package agent", 1)
            .replacen("func run() error", "func Run() error", 1)
            .replacen("err := run()", "err := Run()", 1);
        assert_eq!(run(&library).len(), 1, "{:?}", run(&library));
    }

    #[test]
    fn a_commands_app_run_by_main_runs_once_per_process() {
        // Nothing imports a package main: its methods' callers are all in
        // view, and app.Run() at the end of main runs once.
        let program = "package main\n\nimport \"context\"\n\ntype app struct{ serve func(ctx context.Context) error }\n\nfunc (a *app) Run() {\n\tctx, cancel := context.WithCancel(context.Background())\n\tdefer cancel()\n\terrCh := make(chan error)\n\tgo func() {\n\t\terrCh <- a.serve(ctx)\n\t}()\n\tselect {\n\tcase err := <-errCh:\n\t\tpanic(err)\n\tcase <-ctx.Done():\n\t\treturn\n\t}\n}\n\nfunc main() {\n\ta := &app{}\n\ta.Run()\n}\n";
        assert!(run(program).is_empty(), "{:?}", run(program));
        // In a library the same method runs once per caller.
        let library = program.replacen("package main", "package handler", 1);
        assert_eq!(run(&library).len(), 1, "{:?}", run(&library));
    }

    #[test]
    fn reports_timeout_leak_with_related_spans() {
        let src = "package app\n\nimport \"time\"\n\nfunc work() int { return 1 }\n\nfunc Get() int {\n\tch := make(chan int)\n\tgo func() { ch <- work() }()\n\tselect {\n\tcase v := <-ch:\n\t\treturn v\n\tcase <-time.After(time.Second):\n\t\treturn 0\n\t}\n}\n";
        let findings = run(src);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let f = &findings[0];
        assert_eq!(f.message, "goroutine blocks forever sending to ch");
        assert_eq!(f.related.len(), 2);
        assert!(
            f.related[1].message.contains("time.After"),
            "{:?}",
            f.related
        );
        assert!(f
            .suggestion
            .as_deref()
            .is_some_and(|s| s.contains("capacity 1")));
    }

    #[test]
    fn escaping_channel_is_not_reported() {
        // The channel is returned: the caller may keep receiving.
        let src = "package app\n\nimport \"time\"\n\nfunc Get() (int, chan int) {\n\tch := make(chan int)\n\tgo func() { ch <- 1 }()\n\tselect {\n\tcase v := <-ch:\n\t\treturn v, nil\n\tcase <-time.After(time.Second):\n\t\treturn 0, ch\n\t}\n}\n";
        assert!(run(src).is_empty());
    }

    #[test]
    fn broken_input_does_not_panic() {
        for src in [
            "package app\nfunc F() { ch := make(chan int; go func() { ch <- }() select { case",
            "package app\nfunc F() { for { select {} } ; go F() ; var c chan int; c <- 1; <-c }",
            "package app\nfunc F(c chan int) { go F(c); F(<-c); close(c); for range c {} }",
        ] {
            let _ = run(src);
        }
    }
}
