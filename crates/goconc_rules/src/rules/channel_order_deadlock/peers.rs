//! Symmetric peers that both send first: a type with an outgoing and an
//! incoming channel field (`p.out <- hello; h := <-p.in`), two values of
//! it wired crosswise with unbuffered channels (`a.out, b.in = ab, ab`;
//! `b.out, a.in = ba, ba`), and no code that receives on `in` before
//! sending on `out`. Each peer's send waits for the other's receive, which
//! comes only after the other's own send: the first exchange hangs both
//! sides, whoever starts it. Peers that both receive first (every send
//! after a receive, buffered or not) hang the same way. Small unexported
//! helpers (`c.send(h)`, `c.recv()`) count where they are called.

use rustc_hash::{FxHashMap, FxHashSet as HashSet};

use goconc_semantic::body::Res;
use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, FuncId, LocalKey, Mode, OpKind};
use goconc_semantic::types::{Sym, Type};
use goconc_syntax::ast::{ExprId, ExprKind, Span, StmtKind};

use super::super::unmatched_channel_op::{chan_key, ChanKey};
use super::super::waitgroup_misuse::flow;
use super::ChannelOrderDeadlock;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(
    ctx: &RuleContext<'_>,
    reported: &mut HashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let (ops, makes) = ctx.field_chan_ops();
    // Fields used only by plain sends, and fields used only by plain
    // receives; neither made directly in a field (the wiring stores
    // channels made elsewhere).
    let plain_only = |key: &ChanKey, wanted: ChanOp| {
        !makes.contains_key(key)
            && ops.get(key).is_some_and(|uses| {
                uses.iter()
                    .all(|u| u.op == wanted && u.select.is_none() && u.mode == Mode::Now)
            })
    };
    let mut pairs: Vec<(&ChanKey, &ChanKey)> = Vec::new();
    for out_key in ops.keys().filter(|k| plain_only(k, ChanOp::Send)) {
        for in_key in ops.keys().filter(|k| plain_only(k, ChanOp::Recv)) {
            if let (ChanKey::Field(out_owner, _), ChanKey::Field(in_owner, _)) = (out_key, in_key) {
                if out_owner == in_owner {
                    pairs.push((out_key, in_key));
                }
            }
        }
    }
    if pairs.is_empty() {
        return;
    }
    pairs.sort_by_key(|(out_key, in_key)| {
        (
            ops[*out_key].first().map(|o| (o.func, o.span.start)),
            ops[*in_key].first().map(|o| (o.func, o.span.start)),
        )
    });
    let stores = wiring_stores(ctx, &pairs);
    for (out_key, in_key) in pairs {
        let Some(events) = events(ctx, out_key, in_key) else {
            continue;
        };
        let Some((first, a, b)) = first_side(ctx, &events) else {
            continue;
        };
        let Some(wiring) = crosswise(ctx, &stores, out_key, in_key, first == First::Send) else {
            continue;
        };
        let (first_op, later_op) = (&events[a], &events[b]);
        let Some(f) = program.function(first_op.func) else {
            continue;
        };
        if !reported.insert((f.def.file, first_op.span)) {
            continue;
        }
        let (ChanKey::Field(_, out_name), ChanKey::Field(_, in_name)) = (out_key, in_key) else {
            continue;
        };
        let (message, later) = match first {
            First::Send => (
                format!(
                    "both peers send first: this send on the unbuffered `{out_name}` waits for the peer's receive on its `{in_name}`, which the peer reaches only after its own send on `{out_name}`, so the first exchange blocks both sides forever"
                ),
                format!("the receive on `{in_name}`, reached only after the send"),
            ),
            First::Receive => (
                format!(
                    "both peers receive first: this receive on `{in_name}` waits for the peer's send on its `{out_name}`, which the peer makes only after its own receive, so the first exchange blocks both sides forever"
                ),
                format!("the send on `{out_name}`, reached only after the receive"),
            ),
        };
        let mut finding = Finding::new(
            ChannelOrderDeadlock::META.code,
            FileIdx(f.def.file as usize),
            first_op.span,
            message,
        )
        .related(FileIdx(f.def.file as usize), later_op.span, later);
        for (file, span) in wiring {
            finding = finding.related(
                FileIdx(file as usize),
                span,
                match first {
                    First::Send => "the unbuffered channels are wired crosswise here",
                    First::Receive => "the channels are wired crosswise here",
                },
            );
        }
        findings.push(finding.suggest(match first {
            First::Send => "let one side receive first (for example the peer with the smaller id), or give each channel a slot (`make(chan T, 1)`) so both sends complete",
            First::Receive => "let one side send first (the dialer sends its hello, the acceptor answers)",
        }));
    }
}

/// A store of a local channel into a channel field: `x.f = ch` or `T{f: ch}`.
struct WiringStore {
    local: LocalKey,
    field: ChanKey,
    file: u32,
    span: Span,
    /// A store by assignment (a source mention of the field the model does
    /// not account for); a literal key is not a mention.
    assigned: bool,
}

/// The stores of local channels into the fields of `pairs`.
fn wiring_stores(ctx: &RuleContext<'_>, pairs: &[(&ChanKey, &ChanKey)]) -> Vec<WiringStore> {
    let mut out = Vec::new();
    let Some(model) = ctx.model() else {
        return out;
    };
    let wanted: HashSet<&ChanKey> = pairs.iter().flat_map(|(a, b)| [*a, *b]).collect();
    let field_key = |owner: &Type, name: &str| -> Option<ChanKey> {
        let key = ChanKey::field(owner, Sym::from(name));
        wanted.contains(&key).then_some(key)
    };
    for (fi, info) in model.files.iter().enumerate() {
        let Some(file) = model.pkg.file(fi as u32) else {
            continue;
        };
        let local_of = |value: ExprId| match info.res(file.unparen(value)) {
            Res::Local(l) => Some(LocalKey {
                pkg: ctx.package,
                file: fi as u32,
                local: *l,
            }),
            _ => None,
        };
        for (i, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            let owner = info.ty(ExprId(i as u32));
            for &elt in elts {
                let ExprKind::KeyValue { key, value } = &file.expr(elt).kind else {
                    continue;
                };
                let ExprKind::Ident(name) = &file.expr(*key).kind else {
                    continue;
                };
                if let (Some(field), Some(local)) =
                    (field_key(owner, file.name(*name)), local_of(*value))
                {
                    out.push(WiringStore {
                        local,
                        field,
                        file: fi as u32,
                        span: file.expr(elt).span,
                        assigned: false,
                    });
                }
            }
        }
        for st in &file.stmts {
            let StmtKind::Assign { lhs, rhs, .. } = &st.kind else {
                continue;
            };
            if lhs.len() != rhs.len() {
                continue;
            }
            for (&l, &r) in lhs.iter().zip(rhs) {
                let target = file.unparen(l);
                let ExprKind::Selector { x, sel } = &file.expr(target).kind else {
                    continue;
                };
                if let (Some(field), Some(local)) =
                    (field_key(info.ty(*x), file.name(*sel)), local_of(r))
                {
                    out.push(WiringStore {
                        local,
                        field,
                        file: fi as u32,
                        span: file.expr(target).span.to(file.expr(r).span),
                        assigned: true,
                    });
                }
            }
        }
    }
    out
}

/// Two local channels (made unbuffered, when `unbuffered`) each stored once
/// into `out_key` and once into `in_key`, and the fields mentioned nowhere
/// else than in their
/// channel operations and such stores. Returns the stores of the first
/// channel.
fn crosswise(
    ctx: &RuleContext<'_>,
    stores: &[WiringStore],
    out_key: &ChanKey,
    in_key: &ChanKey,
    unbuffered: bool,
) -> Option<Vec<(u32, Span)>> {
    let mentions = ctx.chan_mentions();
    let mut by_local: FxHashMap<LocalKey, Vec<&WiringStore>> = FxHashMap::default();
    for store in stores {
        if store.field == *out_key || store.field == *in_key {
            by_local.entry(store.local).or_default().push(store);
        }
    }
    // Every store of the fields is part of a crosswise pair.
    let crossed: Vec<&LocalKey> = by_local
        .iter()
        .filter(|(_, stored)| {
            stored.len() == 2
                && stored.iter().any(|s| s.field == *out_key)
                && stored.iter().any(|s| s.field == *in_key)
        })
        .map(|(local, _)| local)
        .collect();
    if crossed.len() < 2 || crossed.len() != by_local.len() {
        return None;
    }
    for key in [out_key, in_key] {
        let assigned = stores
            .iter()
            .filter(|s| s.field == *key && s.assigned)
            .count() as u32;
        if mentions.exported(key) || mentions.unaccounted(key) != assigned {
            return None;
        }
    }
    // Each wired channel is made unbuffered and used only by the stores.
    for local in &crossed {
        let chan = ChanKey::Local(**local);
        if mentions.accounted(&chan) != 0
            || mentions.unaccounted(&chan) != by_local[*local].len() as u32
            || (unbuffered && !made_unbuffered(ctx, local))
        {
            return None;
        }
    }
    let mut first: Vec<&&WiringStore> = crossed
        .iter()
        .flat_map(|local| by_local[*local].iter())
        .collect();
    first.sort_by_key(|s| (s.file, s.span.start));
    let first_local = first.first()?.local;
    Some(
        first
            .iter()
            .filter(|s| s.local == first_local)
            .map(|s| (s.file, s.span))
            .collect(),
    )
}

/// Every `make` of the local is unbuffered (and there is one).
fn made_unbuffered(ctx: &RuleContext<'_>, local: &LocalKey) -> bool {
    let mut caps = ctx
        .functions()
        .flat_map(|f| f.all_ops())
        .filter_map(|(_, _, op)| match &op.kind {
            OpKind::MakeChan {
                path:
                    Some(AccessPath {
                        base: Base::Local(k),
                        fields,
                    }),
                cap,
                ..
            } if k == local && fields.is_empty() => Some(*cap),
            _ => None,
        });
    let mut any = false;
    for cap in &mut caps {
        if cap != Some(0) {
            return false;
        }
        any = true;
    }
    any
}

/// Which side every peer takes first.
#[derive(Clone, Copy, PartialEq, Eq)]
enum First {
    Send,
    Receive,
}

/// A send on the outgoing field or a receive on the incoming one, made in
/// `func` directly or through a call (`c.send(h)` → `c.out <- h`).
struct Event {
    func: FuncId,
    at: (BlockId, usize),
    send: bool,
    /// The value owning the field (`p` for `p.out`).
    owner: AccessPath,
    span: Span,
}

/// The events on the pair in the package, without the ones inside small
/// unexported helpers called from the package (their calls stand for
/// them). `None` when a helper uses a field in a select.
fn events(ctx: &RuleContext<'_>, out_key: &ChanKey, in_key: &ChanKey) -> Option<Vec<Event>> {
    let program = ctx.program;
    let mut out = Vec::new();
    let mut helpers: HashSet<FuncId> = HashSet::default();
    for f in ctx.functions() {
        for (block, i, op) in f.indexed_ops() {
            if op.mode != Mode::Now {
                continue;
            }
            match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: cop,
                    ..
                } => {
                    let key = chan_key(program, p);
                    let send = match key.as_ref() {
                        Some(k) if k == out_key && *cop == ChanOp::Send => true,
                        Some(k) if k == in_key && *cop == ChanOp::Recv => false,
                        _ => continue,
                    };
                    let mut owner = p.clone();
                    owner.fields.pop();
                    out.push(Event {
                        func: f.id,
                        at: (block, i),
                        send,
                        owner,
                        span: op.span,
                    });
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
                    // Only one-sided helpers stand in for their
                    // operations; a callee doing both is checked on its
                    // own.
                    let is_helper = program.function(*c).is_some_and(|h| {
                        h.pkg == ctx.package
                            && !crate::lockstate::short_name(h)
                                .rsplit('.')
                                .next()
                                .unwrap_or("")
                                .starts_with(|ch: char| ch.is_uppercase())
                    });
                    if !is_helper {
                        continue;
                    }
                    let mut kinds = summary.chans.iter().filter_map(|u| {
                        let p = program.substitute(*c, &u.path, recv.as_ref(), args)?;
                        let key = chan_key(program, &p)?;
                        (key == *out_key || key == *in_key).then_some(u.op)
                    });
                    let Some(kind) = kinds.next() else {
                        continue;
                    };
                    if !kinds.all(|k| k == kind) {
                        continue;
                    }
                    helpers.insert(*c);
                    for u in &summary.chans {
                        let Some(p) = program.substitute(*c, &u.path, recv.as_ref(), args) else {
                            continue;
                        };
                        let key = chan_key(program, &p);
                        let send = match key.as_ref() {
                            Some(k) if k == out_key && u.op == ChanOp::Send => true,
                            Some(k) if k == in_key && u.op == ChanOp::Recv => false,
                            _ => continue,
                        };
                        if u.in_select {
                            return None;
                        }
                        let mut owner = p;
                        owner.fields.pop();
                        out.push(Event {
                            func: f.id,
                            at: (block, i),
                            send,
                            owner,
                            span: op.span,
                        });
                    }
                }
                _ => {}
            }
        }
    }
    // A helper's own operations are stood for by its calls; a helper that
    // calls another helper keeps those calls as its events only if it is
    // not itself a helper.
    out.retain(|e| !helpers.contains(&e.func));
    Some(out)
}

/// The side every function takes first, with an example pair (the first
/// operation and the opposite one it precedes).
fn first_side(ctx: &RuleContext<'_>, events: &[Event]) -> Option<(First, usize, usize)> {
    let program = ctx.program;
    let precedes = |want_first_send: bool| -> Option<(usize, usize)> {
        let mut example = None;
        for (j, later) in events.iter().enumerate() {
            if later.send == want_first_send {
                continue;
            }
            let f = program.function(later.func)?;
            let first = events.iter().position(|e| {
                e.func == later.func
                    && e.send == want_first_send
                    && e.owner == later.owner
                    && flow::dominates(f, e.at, later.at)
            })?;
            example.get_or_insert((first, j));
        }
        example
    };
    if let Some((a, b)) = precedes(true) {
        return Some((First::Send, a, b));
    }
    precedes(false).map(|(a, b)| (First::Receive, a, b))
}
