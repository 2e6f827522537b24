//! GC207 `channel-order-deadlock`.

use rustc_hash::FxHashSet as HashSet;
use std::collections::BTreeMap;

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, LocalKey, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::Program;
use goconc_syntax::ast::Span;

use super::abandoned_channel::{only_known_users, spawned_users, Spawned};
use super::unmatched_channel_op::{chan_key, param_key, ChanKey, Escapes};
use super::waitgroup_misuse::flow;

mod forwards;
mod peers;
mod protocols;
mod self_sends;
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Finds two sides of a channel protocol that wait for each other
    /// forever. Two shapes are checked:
    ///
    /// * a function and the one goroutine it starts exchanging values
    ///   over two or more channels the function created, in orders that
    ///   cannot be matched: the goroutine sends on `resp` first while the
    ///   function sends on `req` first, or both wait to receive first. The
    ///   two sequences are played against each other with the channels'
    ///   capacities; when the function ends up waiting for a goroutine
    ///   that is itself waiting, or that has finished, the function's
    ///   blocked operation is reported;
    /// * loops over channel fields of one struct, started together (two or
    ///   three goroutines, or a function and the goroutines it starts): a
    ///   send loop that hands each item to a receive loop while the
    ///   receive loop reports back on another channel; a function that
    ///   sends every chunk before it reads the first acknowledgement while
    ///   its goroutine acknowledges each chunk before taking the next; a
    ///   ring of three stages (scheduler → fetcher → parser → scheduler)
    ///   where each stage can be sending to the next at once. Each side's
    ///   loops, selects and calls in the package are unrolled and every
    ///   interleaving is explored; a state where every side waits on
    ///   channels only the others can serve is reported. The same
    ///   exploration pairs a value's actor (a goroutine its constructor
    ///   starts on one of its methods, `go r.worker()`) with each method of
    ///   the type that talks to it and that nothing in the package calls
    ///   (an entry point of its API): `ResolveAll` sending every query on
    ///   an unbuffered `queries` channel before it reads any answer, while
    ///   the worker must hand over each answer before it takes the next
    ///   query, deadlocks with a single caller.
    /// * an actor that sends to itself: the goroutine that is the only
    ///   receiver of an unbuffered request channel field calls, while
    ///   handling a request, a function that sends on that channel with a
    ///   plain send (`handle` → `m.Revoke(id)` → `m.reqs <- r`);
    /// * peers that both send first: two values of a type with an outgoing
    ///   and an incoming channel field, wired crosswise with unbuffered
    ///   channels (`a.out, b.in = ab, ab`), where no code receives on the
    ///   incoming field before sending on the outgoing one — or, wired with
    ///   any channels, where every send comes after a receive (both sides
    ///   wait for the other's hello). Small unexported helpers
    ///   (`c.send(h)`, `c.recv()`) count at their call sites;
    /// * actors that forward to each other: the goroutine that is the only
    ///   receiver of an unbuffered inbox field sends, from its receive
    ///   loop, with a plain send on the inbox of a peer of its own type
    ///   (`g.peer.inbox <- u`), and the peers point at each other
    ///   (`a.peer, b.peer = b, a`, or a ring `nodes[(i+1)%n]`).
    ///
    /// ## Why is this bad?
    /// An unbuffered send completes only when the other side receives, and
    /// a receive only when the other side sends. If each side insists on
    /// its own first step, neither gets past it: the function never
    /// returns, and the goroutine leaks with it. The hang does not depend
    /// on timing, so it shows up on the first call, often as a test that
    /// times out or a request that never answers.
    ///
    /// ## Example
    /// ```go
    /// func Exchange() int {
    ///     req := make(chan int)
    ///     resp := make(chan int)
    ///     go func() {
    ///         resp <- 1 // the goroutine sends on resp first ...
    ///         <-req
    ///     }()
    ///     req <- 2 // ... while the caller sends on req first: both block forever
    ///     return <-resp
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func Exchange() int {
    ///     req := make(chan int)
    ///     resp := make(chan int)
    ///     go func() {
    ///         resp <- 1
    ///         <-req
    ///     }()
    ///     v := <-resp // the same order on both sides
    ///     req <- 2
    ///     return v
    /// }
    /// ```
    ///
    /// Alternatively give the channel of the first send a buffer slot
    /// (`make(chan int, 1)`), so that send does not wait for the receiver.
    ///
    /// ## Known limitations
    /// The straight-line check needs channels created with `make` and a
    /// constant capacity in the function, shared with exactly one goroutine
    /// it starts once and not handed to any other code; an operation in a
    /// loop, a `select`, a deferred call or a `range` makes it give up.
    ///
    /// The loop check follows channel fields whose every `make` has the
    /// same constant capacity and which never escape the package's view.
    /// Operations other code could complete (another goroutine receiving
    /// from the same field, a context or timer case in a select) are
    /// assumed able to proceed. A side never leaves a loop on a
    /// data-dependent branch (`for i < n`, `if err != nil { return }`),
    /// because the two sides' counts and errors usually agree; a deadlock
    /// that needs such an exit is not found.
    pub struct ChannelOrderDeadlock {
        code: "GC207",
        name: "channel-order-deadlock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Function and its goroutine exchange on several channels in orders that cannot match",
    }
}

/// Longest sequence of channel operations played out per side.
const MAX_STEPS: usize = 64;
/// States explored by the simulation before it gives up.
const MAX_STATES: usize = 100_000;

/// A channel created by the function and shared with one goroutine.
struct SharedChan {
    in_parent: AccessPath,
    in_goroutine: AccessPath,
    cap: i64,
}

/// The goroutine started at one spawn site and the channels it shares
/// with the function that starts it.
struct Goroutine<'a> {
    spawn: &'a Spawned<'a>,
    shared: Vec<SharedChan>,
    /// Channels shared with the goroutine that the simulation cannot model
    /// (capacity unknown, several creations, other users): any operation on
    /// them makes the analysis give up. Paths in each frame.
    unmodelled_in_parent: Vec<AccessPath>,
    unmodelled_in_goroutine: Vec<AccessPath>,
}

impl<'a> Goroutine<'a> {
    fn started_at(spawn: &'a Spawned<'a>) -> Self {
        Goroutine {
            spawn,
            shared: Vec::new(),
            unmodelled_in_parent: Vec::new(),
            unmodelled_in_goroutine: Vec::new(),
        }
    }
}

/// One channel operation of a side of the exchange.
#[derive(Clone, Copy, Debug)]
struct Step {
    /// Index into the shared channels.
    chan: usize,
    op: ChanOp,
    span: Span,
    block: BlockId,
    index: usize,
}

impl Rule for ChannelOrderDeadlock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let mut escapes: Option<Escapes> = None;
        let mut reported: HashSet<(u32, Span)> = HashSet::default();
        for f in ctx.functions() {
            let made = channels_made_in(program, f);
            if made.len() < 2 {
                continue;
            }
            let in_loop = f.cfg.in_loop();
            let users: Vec<(&MadeChan, Vec<Spawned<'_>>)> = made
                .iter()
                .map(|chan| (chan, spawned_users(program, f, &chan.path, &in_loop)))
                .filter(|(_, spawned)| !spawned.is_empty())
                .collect();
            if users.len() < 2 {
                continue;
            }
            let esc = escapes.get_or_insert_with(|| Escapes::compute(ctx, &package_keys(ctx)));
            let mut goroutines: BTreeMap<(BlockId, usize), Goroutine<'_>> = BTreeMap::new();
            for (chan, spawned) in &users {
                let modelled = spawned.len() == 1
                    && chan.creations == 1
                    && !chan.reassigned
                    && !chan_key(program, &chan.path).is_some_and(|k| esc.escapes(&k))
                    && only_known_users(ctx, f, &chan.path, spawned)
                    && spawned
                        .iter()
                        .all(|s| goroutine_path_is_private(ctx, esc, s, &chan.path));
                for s in spawned {
                    let entry = goroutines
                        .entry((s.block, s.op_index))
                        .or_insert_with(|| Goroutine::started_at(s));
                    match chan.cap {
                        Some(cap) if modelled => entry.shared.push(SharedChan {
                            in_parent: chan.path.clone(),
                            in_goroutine: s.path.clone(),
                            cap,
                        }),
                        _ => {
                            entry.unmodelled_in_parent.push(chan.path.clone());
                            entry.unmodelled_in_goroutine.push(s.path.clone());
                        }
                    }
                }
            }
            for g in goroutines.values() {
                if let Some(finding) = analyse(ctx, f, g) {
                    if reported.insert((f.def.file, finding.span)) {
                        findings.push(finding);
                    }
                }
            }
        }
        protocols::check(ctx, &mut reported, findings);
        self_sends::check(ctx, &mut reported, findings);
        peers::check(ctx, &mut reported, findings);
        forwards::check(ctx, &mut reported, findings);
    }
}

/// A channel variable declared in the function and created there.
struct MadeChan {
    path: AccessPath,
    /// The constant capacity of the first creation.
    cap: Option<i64>,
    creations: usize,
    reassigned: bool,
}

/// The function's own channel variables created with `make`, in source order.
fn channels_made_in(program: &Program, f: &Function) -> Vec<MadeChan> {
    let mut out: Vec<MadeChan> = Vec::new();
    for (_, _, op) in f.all_ops() {
        let OpKind::MakeChan {
            path: Some(path),
            cap,
            ..
        } = &op.kind
        else {
            continue;
        };
        if !path.fields.is_empty() || !flow::is_own_local(program, f, path) {
            continue;
        }
        if let Some(known) = out.iter_mut().find(|c| c.path == *path) {
            known.creations += 1;
            continue;
        }
        let Base::Local(key) = &path.base else {
            continue;
        };
        out.push(MadeChan {
            path: path.clone(),
            cap: *cap,
            creations: 1,
            reassigned: local_reassigned(program, key),
        });
    }
    out
}

fn local_reassigned(program: &Program, key: &LocalKey) -> bool {
    program.local(key).is_none_or(|local| local.reassigned)
}

/// The channel keys whose escape matters here: local channels created in
/// the package and the parameters of its functions (a goroutine receives
/// a channel as a parameter when it is started with it as an argument).
fn package_keys(ctx: &RuleContext<'_>) -> HashSet<ChanKey> {
    let program = ctx.program;
    let mut keys = HashSet::default();
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            if let OpKind::MakeChan { path: Some(p), .. } = &op.kind {
                if p.fields.is_empty() {
                    keys.extend(chan_key(program, p));
                }
            }
        }
        for i in 0..f.def.params.len() {
            keys.extend(param_key(f, i).map(ChanKey::Local));
        }
    }
    keys
}

/// Whether the goroutine's name for the channel is as private as the
/// creator's: a captured variable, or a parameter of a function of this
/// package that does not hand it on.
fn goroutine_path_is_private(
    ctx: &RuleContext<'_>,
    esc: &Escapes,
    spawned: &Spawned<'_>,
    chan: &AccessPath,
) -> bool {
    if spawned.path == *chan {
        return true;
    }
    let Base::Local(key) = &spawned.path.base else {
        return false;
    };
    spawned.target.pkg == ctx.package
        && !local_reassigned(ctx.program, key)
        && !esc.escapes(&ChanKey::Local(*key))
}

/// Plays the exchange between `f` and the goroutine `g` and returns the
/// finding when `f` blocks forever whatever the interleaving.
fn analyse(ctx: &RuleContext<'_>, f: &Function, g: &Goroutine<'_>) -> Option<Finding> {
    let program = ctx.program;
    let spawn = g.spawn;
    let target = spawn.target;
    if spawn.in_loop || target.id == f.id || target.pkg != ctx.package || g.shared.len() < 2 {
        return None;
    }
    let in_parent: Vec<&AccessPath> = g.shared.iter().map(|c| &c.in_parent).collect();
    let in_goroutine: Vec<&AccessPath> = g.shared.iter().map(|c| &c.in_goroutine).collect();
    // The spawn hands each channel over at most once, and the goroutine is
    // not also run synchronously (that would add unseen operations).
    let spawn_op = &f.block_ops(spawn.block).get(spawn.op_index)?.1;
    if let OpKind::Call { args, .. } = &spawn_op.kind {
        for path in &in_parent {
            if args.iter().filter(|a| a.as_ref() == Some(*path)).count() > 1 {
                return None;
            }
        }
    }
    let runs_target_again = f.all_ops().any(|(b, _, op)| {
        matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == target.id)
            && !(b == spawn.block && std::ptr::eq(op, spawn_op))
    });
    if runs_target_again {
        return None;
    }
    let parent_other: Vec<&AccessPath> = g.unmodelled_in_parent.iter().collect();
    // In the goroutine, the creator's names of the channels are other
    // names for them when they were handed over as arguments.
    let goroutine_other: Vec<&AccessPath> = g
        .unmodelled_in_goroutine
        .iter()
        .chain(&g.unmodelled_in_parent)
        .chain(g.shared.iter().map(|c| &c.in_parent))
        .filter(|p| !in_goroutine.contains(p))
        .collect();
    let parent_steps = straight_line_steps(
        f,
        &in_parent,
        &parent_other,
        Some((spawn.block, spawn.op_index)),
    )?;
    let goroutine_steps = straight_line_steps(target, &in_goroutine, &goroutine_other, None)?;
    let first = parent_steps.first()?;
    if !flow::dominates(f, (spawn.block, spawn.op_index), (first.block, first.index)) {
        return None;
    }
    let used_by_both = (0..g.shared.len())
        .filter(|&c| {
            parent_steps.iter().any(|s| s.chan == c) && goroutine_steps.iter().any(|s| s.chan == c)
        })
        .count();
    if used_by_both < 2 {
        return None;
    }
    let caps: Vec<i64> = g.shared.iter().map(|c| c.cap).collect();
    let stuck = simulate(&caps, &parent_steps, &goroutine_steps)?;
    let blocked = parent_steps.get(stuck.parent_at)?;
    let goroutine_blocked = goroutine_steps.get(stuck.goroutine_at);
    Some(describe(
        program,
        f,
        g,
        &parent_steps,
        blocked,
        goroutine_blocked,
    ))
}

/// The operations of `func` on `chans`, in execution order, when they form
/// one straight line: each dominates the next, none in a loop, a select,
/// a `range` or a deferred call. `None` when that is not the case or when
/// `func` touches one of `unmodelled`, or hands one of the channels to a
/// call other than `allowed_call` (the spawn itself).
fn straight_line_steps(
    func: &Function,
    chans: &[&AccessPath],
    unmodelled: &[&AccessPath],
    allowed_call: Option<(BlockId, usize)>,
) -> Option<Vec<Step>> {
    let in_loop = func.cfg.in_loop();
    let reachable = func.cfg.reachable();
    let mut steps = Vec::new();
    for b in 0..func.cfg.blocks.len() {
        let block = BlockId(b as u32);
        for (index, (_, op)) in func.block_ops(block).iter().enumerate() {
            match &op.kind {
                OpKind::Chan {
                    path: Some(path),
                    op: chan_op,
                    select,
                    ..
                } => {
                    if unmodelled.contains(&path) {
                        return None;
                    }
                    let Some(chan) = chans.iter().position(|c| *c == path) else {
                        continue;
                    };
                    if !reachable.get(b).copied().unwrap_or(false) {
                        continue;
                    }
                    if op.mode != Mode::Now
                        || select.is_some()
                        || *chan_op == ChanOp::Range
                        || in_loop.get(b).copied().unwrap_or(true)
                    {
                        return None;
                    }
                    steps.push(Step {
                        chan,
                        op: *chan_op,
                        span: op.span,
                        block,
                        index,
                    });
                }
                OpKind::Call { args, .. } if allowed_call != Some((block, index)) => {
                    let hands_over = args
                        .iter()
                        .flatten()
                        .any(|a| chans.contains(&a) || unmodelled.contains(&a));
                    if hands_over {
                        return None;
                    }
                }
                _ => {}
            }
        }
    }
    if steps.len() > MAX_STEPS {
        return None;
    }
    let rpo = func.cfg.reverse_postorder();
    let mut order = vec![usize::MAX; func.cfg.blocks.len()];
    for (i, b) in rpo.iter().enumerate() {
        if let Some(slot) = order.get_mut(b.index()) {
            *slot = i;
        }
    }
    steps.sort_by_key(|s| (order.get(s.block.index()).copied(), s.index));
    let chained = steps.windows(2).all(|pair| {
        flow::dominates(
            func,
            (pair[0].block, pair[0].index),
            (pair[1].block, pair[1].index),
        )
    });
    chained.then_some(steps)
}

/// Where the function is stuck: its blocked step, and the goroutine's
/// (`goroutine_at == len` when the goroutine has finished).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
struct Stuck {
    parent_at: usize,
    goroutine_at: usize,
}

#[derive(Clone, PartialEq, Eq, Hash)]
struct State {
    parent_at: usize,
    goroutine_at: usize,
    /// Buffered values and closed flag of each channel.
    chans: Vec<(i64, bool)>,
}

/// What one operation does on its own.
enum Alone {
    Proceeds((i64, bool)),
    Blocks,
    Panics,
}

fn alone(op: ChanOp, (buffered, closed): (i64, bool), cap: i64) -> Alone {
    match op {
        ChanOp::Send if closed => Alone::Panics,
        ChanOp::Send if buffered < cap => Alone::Proceeds((buffered + 1, closed)),
        ChanOp::Recv if buffered > 0 => Alone::Proceeds((buffered - 1, closed)),
        ChanOp::Recv if closed => Alone::Proceeds((buffered, closed)),
        ChanOp::Close if closed => Alone::Panics,
        ChanOp::Close => Alone::Proceeds((buffered, true)),
        _ => Alone::Blocks,
    }
}

/// Explores every interleaving of the two sequences. Returns where the
/// parent is stuck when every run ends with the parent blocked at the same
/// step; `None` when some run lets the parent finish, runs disagree, a
/// send or close would panic, or the state space is too large.
fn simulate(caps: &[i64], parent: &[Step], goroutine: &[Step]) -> Option<Stuck> {
    let start = State {
        parent_at: 0,
        goroutine_at: 0,
        chans: vec![(0, false); caps.len()],
    };
    let mut seen: HashSet<State> = HashSet::default();
    let mut stack = vec![start.clone()];
    seen.insert(start);
    let mut ends: Vec<Stuck> = Vec::new();
    while let Some(state) = stack.pop() {
        if seen.len() > MAX_STATES {
            return None;
        }
        let mut next: Vec<State> = Vec::new();
        let sides = [
            (parent.get(state.parent_at), true),
            (goroutine.get(state.goroutine_at), false),
        ];
        let mut blocked: Vec<&Step> = Vec::new();
        for (step, is_parent) in sides {
            let Some(step) = step else { continue };
            let chan = *state.chans.get(step.chan)?;
            match alone(step.op, chan, *caps.get(step.chan)?) {
                Alone::Panics => return None,
                Alone::Blocks => blocked.push(step),
                Alone::Proceeds(after) => {
                    let mut moved = state.clone();
                    *moved.chans.get_mut(step.chan)? = after;
                    if is_parent {
                        moved.parent_at += 1;
                    } else {
                        moved.goroutine_at += 1;
                    }
                    next.push(moved);
                }
            }
        }
        // An unbuffered send and a receive of the same channel complete
        // together.
        if let [a, b] = blocked.as_slice() {
            let pair = matches!(
                (a.op, b.op),
                (ChanOp::Send, ChanOp::Recv) | (ChanOp::Recv, ChanOp::Send)
            );
            if a.chan == b.chan && pair {
                let mut moved = state.clone();
                moved.parent_at += 1;
                moved.goroutine_at += 1;
                next.push(moved);
            }
        }
        if next.is_empty() {
            if state.parent_at >= parent.len() {
                return None;
            }
            ends.push(Stuck {
                parent_at: state.parent_at,
                goroutine_at: state.goroutine_at,
            });
        }
        for n in next {
            if seen.insert(n.clone()) {
                stack.push(n);
            }
        }
    }
    let first = *ends.iter().min_by_key(|e| (e.parent_at, e.goroutine_at))?;
    ends.iter()
        .all(|e| e.parent_at == first.parent_at)
        .then_some(first)
}

fn verb(op: ChanOp) -> &'static str {
    match op {
        ChanOp::Send => "sending on",
        ChanOp::Recv | ChanOp::Range => "receiving from",
        ChanOp::Close => "closing",
    }
}

/// What the other side must do to complete `op`: (present tense, imperative).
fn counterpart(op: ChanOp) -> (&'static str, &'static str) {
    match op {
        ChanOp::Send => ("receives from", "receive from"),
        _ => ("sends on", "send on"),
    }
}

fn completes(op: ChanOp, other: ChanOp) -> bool {
    match op {
        ChanOp::Send => matches!(other, ChanOp::Recv | ChanOp::Range),
        _ => matches!(other, ChanOp::Send | ChanOp::Close),
    }
}

fn describe(
    program: &Program,
    f: &Function,
    g: &Goroutine<'_>,
    parent_steps: &[Step],
    blocked: &Step,
    goroutine_blocked: Option<&Step>,
) -> Finding {
    let name = |chan: usize| {
        g.shared
            .get(chan)
            .map(|c| program.describe_path(&c.in_parent))
            .unwrap_or_else(|| "the channel".to_string())
    };
    let blocked_name = name(blocked.chan);
    let source = program
        .file_of(f)
        .map(|(file, _)| file.text(blocked.span))
        .filter(|text| !text.contains('\n') && text.len() <= 60);
    let what = match source {
        Some(text) => format!("`{text}`"),
        None => format!("{} {blocked_name}", verb(blocked.op)),
    };
    let file = FileIdx(f.def.file as usize);
    let target = g.spawn.target;
    let Some(theirs) = goroutine_blocked else {
        let (_, needed) = counterpart(blocked.op);
        return Finding::new(
            ChannelOrderDeadlock::META.code,
            file,
            blocked.span,
            format!(
                "{what} blocks forever: the goroutine started here finishes its exchanges without a matching {} on {blocked_name}",
                match blocked.op {
                    ChanOp::Send => "receive",
                    _ => "send or close",
                }
            ),
        )
        .related(file, g.spawn.span, "goroutine started here")
        .suggest(format!(
            "make the goroutine {needed} {blocked_name} once more, or drop this {} of {blocked_name}",
            match blocked.op {
                ChanOp::Send => "send",
                ChanOp::Close => "close",
                _ => "receive",
            }
        ));
    };
    let their_name = name(theirs.chan);
    let (does, to_do) = counterpart(theirs.op);
    let later = parent_steps
        .iter()
        .skip_while(|s| (s.block, s.index) != (blocked.block, blocked.index))
        .skip(1)
        .any(|s| s.chan == theirs.chan && completes(theirs.op, s.op));
    let order = if later {
        format!("and this function {does} {their_name} only after it")
    } else {
        format!("and this function never {does} {their_name} after it")
    };
    let buffer = match (theirs.op, blocked.op) {
        (ChanOp::Send, _) => format!(", or give {their_name} a buffer slot"),
        (_, ChanOp::Send) => format!(", or give {blocked_name} a buffer slot"),
        _ => String::new(),
    };
    Finding::new(
        ChannelOrderDeadlock::META.code,
        file,
        blocked.span,
        format!(
            "{what} blocks forever: the goroutine started here is blocked {} {their_name} first, {order}",
            verb(theirs.op)
        ),
    )
    .related(
        FileIdx(target.def.file as usize),
        theirs.span,
        "the goroutine blocks here first",
    )
    .related(file, g.spawn.span, "goroutine started here")
    .suggest(format!(
        "perform the exchanges in the same order on both sides ({to_do} {their_name} before {} {blocked_name}){buffer}",
        verb(blocked.op)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&ChannelOrderDeadlock);
    }

    fn run(src: &str) -> Vec<Finding> {
        crate::testing::check_source(&ChannelOrderDeadlock, src)
    }

    #[test]
    fn reports_the_crossed_sends_with_related_spans() {
        let src = "package app\n\nfunc Exchange() int {\n\treq := make(chan int)\n\tresp := make(chan int)\n\tgo func() {\n\t\tresp <- 1\n\t\t<-req\n\t}()\n\treq <- 2\n\treturn <-resp\n}\n";
        let findings = run(src);
        assert_eq!(findings.len(), 1, "{findings:?}");
        let finding = &findings[0];
        assert_eq!(
            finding.message,
            "`req <- 2` blocks forever: the goroutine started here is blocked sending on resp first, and this function receives from resp only after it"
        );
        assert_eq!(finding.related.len(), 2);
        assert_eq!(
            finding.related[0].message,
            "the goroutine blocks here first"
        );
        assert_eq!(
            finding.suggestion.as_deref(),
            Some("perform the exchanges in the same order on both sides (receive from resp before sending on req), or give resp a buffer slot")
        );
    }

    #[test]
    fn matching_order_is_not_reported() {
        let src = "package app\n\nfunc Exchange() int {\n\treq := make(chan int)\n\tresp := make(chan int)\n\tgo func() {\n\t\t<-req\n\t\tresp <- 1\n\t}()\n\treq <- 2\n\treturn <-resp\n}\n";
        assert!(run(src).is_empty());
    }

    #[test]
    fn simulation_needs_every_interleaving_to_block() {
        let step = |chan, op| Step {
            chan,
            op,
            span: Span { start: 0, end: 0 },
            block: BlockId(0),
            index: 0,
        };
        // Crossed unbuffered sends block; with a slot on the first they pass.
        let parent = [step(0, ChanOp::Send), step(1, ChanOp::Recv)];
        let goroutine = [step(1, ChanOp::Send), step(0, ChanOp::Recv)];
        assert_eq!(
            simulate(&[0, 0], &parent, &goroutine),
            Some(Stuck {
                parent_at: 0,
                goroutine_at: 0
            })
        );
        assert_eq!(simulate(&[0, 1], &parent, &goroutine), None);
        assert_eq!(simulate(&[1, 0], &parent, &goroutine), None);
        // A close releases every receive; a second close panics: no finding.
        let closing = [step(0, ChanOp::Close), step(0, ChanOp::Close)];
        assert_eq!(simulate(&[0], &[step(0, ChanOp::Recv)], &closing), None);
    }

    #[test]
    fn broken_input_does_not_panic() {
        for src in [
            "package app\nfunc F() { a := make(chan int; b := make(chan int) go func() { b <- }() a <-",
            "package app\nfunc F() { a, b := make(chan int), make(chan int); go func() { close(a); close(a); <-b }(); <-a; b <- 1 }",
            "package app\nfunc F() { a := make(chan int); b := make(chan int); go F(); go func(x, y chan int) { x <- 1; <-y }(a, a); <-b; for range a {} }",
        ] {
            let _ = run(src);
        }
    }
}
