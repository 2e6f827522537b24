//! Waiter lists: callers register a reply channel in a slice field
//! (`call.waiters = append(call.waiters, ch)`) and wait on it in a select
//! that can also give up (`case <-ctx.Done(): return`); a producer later
//! answers every registered waiter with a plain send. When the registered
//! channels are unbuffered, the answer to a waiter that gave up blocks the
//! producer forever (a request coalescer's leader, a watch hub's notifier).

use rustc_hash::{FxHashMap, FxHashSet};

use goconc_semantic::body::Res;
use goconc_semantic::cfg::BlockId;
use goconc_semantic::env::{Builtin, Selection};
use goconc_semantic::ops::{AccessPath, Base, ChanOp, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_syntax::ast::{ExprId, ExprKind, Span, StmtKind};

use super::{avoiding_path, AbandonedChannel};
use crate::rules::select_without_cancel::ranged_waiter_field;
use crate::rules::unmatched_channel_op::made_channel_capacity;
use crate::{FileIdx, Finding, RuleContext};

/// One channel registered in a waiter list.
struct Registration<'a> {
    func: &'a Function,
    /// The registered local channel, in `func`'s frame.
    chan: AccessPath,
    span: Span,
}

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let Some(model) = ctx.model() else {
        return;
    };
    // A waiter list holds channels the package makes.
    let makes_chans = ctx.functions().any(|f| {
        f.ops
            .iter()
            .any(|(_, op)| matches!(op.kind, OpKind::MakeChan { .. }))
    });
    if !makes_chans {
        return;
    }
    // (owner, field) -> registrations; None once a store is not an
    // unbuffered local channel.
    let mut lists: FxHashMap<(Type, Sym), Option<Vec<Registration<'_>>>> = FxHashMap::default();
    let funcs: Vec<&Function> = ctx.functions().collect();
    let innermost = |file: u32, span: Span| -> Option<&Function> {
        funcs
            .iter()
            .filter(|f| {
                f.def.file == file && f.def.span.start <= span.start && span.end <= f.def.span.end
            })
            .min_by_key(|f| f.def.span.end - f.def.span.start)
            .copied()
    };
    // Per named literal type (by the address of its shared node): whether
    // it is a struct, and which of its keyed fields are channel lists.
    let mut struct_types: FxHashMap<usize, bool> = FxHashMap::default();
    let mut list_fields: FxHashMap<(usize, &str), bool> = FxHashMap::default();
    for (fi, (source, info)) in model.pkg.files.iter().zip(&model.files).enumerate() {
        let file = &*source.ast;
        let fi = fi as u32;
        // The registered element: an unbuffered channel local to the
        // registering function.
        let element = |e: ExprId| -> Option<goconc_semantic::body::LocalId> {
            let e = file.unparen(e);
            let Res::Local(l) = info.res(e) else {
                return None;
            };
            let local = info.local(*l).filter(|local| !local.reassigned)?;
            (made_channel_capacity(program, file, info, local.init?) == Some(Some(0))).then_some(*l)
        };
        let mut record = |key: (Type, Sym),
                          elems: Option<Vec<goconc_semantic::body::LocalId>>,
                          span: Span| {
            let slot = lists.entry(key).or_insert_with(|| Some(Vec::new()));
            let (Some(regs), Some(elems), Some(func)) = (slot.as_mut(), elems, innermost(fi, span))
            else {
                *slot = None;
                return;
            };
            for l in elems {
                regs.push(Registration {
                    func,
                    chan: AccessPath {
                        base: Base::Local(goconc_semantic::ops::LocalKey {
                            pkg: ctx.package,
                            file: fi,
                            local: l,
                        }),
                        fields: Default::default(),
                    },
                    span,
                });
            }
        };
        for stmt in &file.stmts {
            let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
                continue;
            };
            for (i, &target) in lhs.iter().enumerate() {
                let target = file.unparen(target);
                let Some(key) = slice_chan_field(ctx, file, info, target) else {
                    continue;
                };
                let value = rhs.get(i).filter(|_| lhs.len() == rhs.len()).copied();
                let elems = value.and_then(|v| match &file.expr(file.unparen(v)).kind {
                    ExprKind::Call {
                        fun,
                        args,
                        ellipsis: None,
                    } if matches!(info.res(file.unparen(*fun)), Res::Builtin(Builtin::Append)) => {
                        args.iter().skip(1).map(|&a| element(a)).collect()
                    }
                    // Resetting the list registers nothing.
                    ExprKind::Ident(id) if file.name(*id) == "nil" => Some(Vec::new()),
                    _ => None,
                });
                record(key, elems, stmt.span);
            }
        }
        // `&call{waiters: []chan T{ch}}`.
        for (index, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            let Ok(raw) = u32::try_from(index) else {
                break;
            };
            let owner = info.ty(ExprId(raw)).strip_pointer();
            let node = match owner {
                Type::Named(n) => Some(std::sync::Arc::as_ptr(n) as usize),
                _ => None,
            };
            let is_struct = |owner: &Type| matches!(program.env.underlying(owner), Type::Struct(_));
            let is_struct = match node {
                Some(node) => *struct_types.entry(node).or_insert_with(|| is_struct(owner)),
                None => is_struct(owner),
            };
            if !is_struct {
                continue;
            }
            for &elt in elts {
                let ExprKind::KeyValue { key, value } = &file.expr(elt).kind else {
                    continue;
                };
                let ExprKind::Ident(k) = &file.expr(*key).kind else {
                    continue;
                };
                let name = file.name(*k);
                let is_list = |owner: &Type| match program.env.lookup_member(owner, name) {
                    Some(Selection::Field { ty, .. }) => is_chan_slice(ctx, &ty),
                    _ => false,
                };
                let is_list = match node {
                    Some(node) => *list_fields
                        .entry((node, name))
                        .or_insert_with(|| is_list(owner)),
                    None => is_list(owner),
                };
                if !is_list {
                    continue;
                }
                let owner = owner.clone();
                let field: Sym = name.into();
                let elems = match &file.expr(file.unparen(*value)).kind {
                    ExprKind::CompositeLit { elts, .. } => {
                        elts.iter().map(|&e| element(e)).collect()
                    }
                    _ => None,
                };
                record((owner.clone(), field), elems, file.expr(elt).span);
            }
        }
    }
    let mut keys: Vec<&(Type, Sym)> = lists.keys().collect();
    keys.sort_by_key(|(owner, field)| (format!("{owner:?}"), field.clone()));
    for key in keys {
        let Some(regs) = &lists[key] else { continue };
        let Some((giver, reg, give_up)) = regs.iter().find_map(|r| {
            let (b, span) = gives_up(ctx, r)?;
            Some((r.func, r, (b, span)))
        }) else {
            continue;
        };
        for f in &funcs {
            let Some((file, info)) = program.file_of(f) else {
                continue;
            };
            for (_, _, op) in f.all_ops() {
                let OpKind::Chan {
                    path: Some(path),
                    op: ChanOp::Send,
                    select: None,
                    ..
                } = &op.kind
                else {
                    continue;
                };
                let Base::Local(l) = &path.base else { continue };
                if op.mode != Mode::Now || !path.fields.is_empty() || l.file != f.def.file {
                    continue;
                }
                let Some(waiter) = info.local(l.local) else {
                    continue;
                };
                if waiter.reassigned
                    || ranged_waiter_field(file, info, waiter).as_ref() != Some(key)
                {
                    continue;
                }
                let name = file.text(waiter.span);
                let list = &key.1;
                findings.push(
                    Finding::new(
                        AbandonedChannel::META.code,
                        FileIdx(f.def.file as usize),
                        op.span,
                        format!(
                            "send to {name} blocks forever once that waiter has given up: {} registers an unbuffered channel in {list} and can return without receiving from it",
                            crate::lockstate::short_name(giver)
                        ),
                    )
                    .related(FileIdx(giver.def.file as usize), reg.span, "registered here, unbuffered")
                    .related(
                        FileIdx(giver.def.file as usize),
                        give_up.1,
                        "the waiter stops listening here",
                    )
                    .suggest(
                        "make each waiter's channel buffered (`make(chan T, 1)`): every waiter gets exactly one reply, and it can then never block the sender",
                    ),
                );
            }
        }
    }
}

/// `ty` is a slice of channels.
fn is_chan_slice(ctx: &RuleContext<'_>, ty: &Type) -> bool {
    match ctx.program.env.underlying(ty) {
        Type::Slice(elem) => matches!(ctx.program.env.underlying(&elem), Type::Chan(_)),
        _ => false,
    }
}

/// `x.f` naming a slice-of-channels field: (declaring type, field).
fn slice_chan_field(
    ctx: &RuleContext<'_>,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    e: ExprId,
) -> Option<(Type, Sym)> {
    let ExprKind::Selector { x, .. } = &file.expr(e).kind else {
        return None;
    };
    let Some(Selection::Field { embedded, name, ty }) = info.selection(e) else {
        return None;
    };
    if !embedded.is_empty() || !is_chan_slice(ctx, ty) {
        return None;
    }
    Some((info.ty(*x).strip_pointer().clone(), name.clone()))
}

/// Where the registering function can stop listening: it receives from its
/// channel only in a select that has a cancellation, timer or `default`
/// case leading to a return without a receive.
fn gives_up(ctx: &RuleContext<'_>, reg: &Registration<'_>) -> Option<(BlockId, Span)> {
    let f = reg.func;
    let (file, info) = ctx.program.file_of(f)?;
    let mut selects = Vec::new();
    for (b, _, op) in f.all_ops() {
        if let OpKind::Chan {
            path: Some(p),
            op: ChanOp::Recv,
            select,
            ..
        } = &op.kind
        {
            if *p == reg.chan {
                match select {
                    Some(s) => selects.push((b, *s, op.span)),
                    // A plain receive waits for the reply: no giving up.
                    None => return None,
                }
            }
        }
    }
    let &(select_block, select, recv_span) = selects.first()?;
    // The other cases of the select are cancellation, timer or default
    // (`avoiding_path` does not follow a case waiting for anything else).
    let exit = avoiding_path(f, file, info, select_block, &FxHashSet::default())?;
    let other_case = f.all_ops().find_map(|(_, _, op)| match &op.kind {
        OpKind::Chan {
            path,
            select: Some(s),
            ..
        } if *s == select && path.as_ref() != Some(&reg.chan) => Some(op.span),
        _ => None,
    });
    Some((exit, other_case.unwrap_or(recv_span)))
}
