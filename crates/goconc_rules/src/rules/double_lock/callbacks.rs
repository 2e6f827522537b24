//! Registered callbacks run under the registry's own lock: `Upsert` holds
//! `s.mu` and calls every handler in `s.handlers`, and a handler the
//! package registers (`store.AddHandler(c.onPodUpdate)`, a closure passed
//! to `OnUpdate`) calls back into a method that locks the same kind of
//! mutex (`c.store.ListByNode` locks a `PodStore`'s `mu`). When the handler
//! was registered on this very store, the update locks `s.mu` twice.
//!
//! Only handlers that lock the very object they are registered on count:
//! a closure capturing the registry (`reg.OnUpdate(func(e) { reg.Lookup(..) })`),
//! or a method value whose receiver was built holding it
//! (`c := &NodeLifecycle{store: store}; store.AddHandler(c.onPodUpdate)`).
//! A handler of one object that locks another of the same type (a child
//! balancer notifying its parent) is not reported.

use goconc_semantic::body::{FileInfo, FuncNode, Res};
use goconc_semantic::env::{Builtin, Selection};
use goconc_semantic::ops::{Callee, FuncId, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_syntax::ast::{ExprId, ExprKind, Span, StmtKind};
use goconc_syntax::File;

use crate::rules::lock_order_inversion::{lock_class, LockClass};
use crate::rules::waitgroup_misuse::flow;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let funcs: Vec<&Function> = ctx.functions().collect();
    let mut registrations: Option<Vec<Registration>> = None;
    for f in &funcs {
        let dynamic_calls = f.all_ops().any(|(_, _, op)| {
            op.mode == Mode::Now
                && matches!(
                    op.kind,
                    OpKind::Call {
                        callee: Callee::Dynamic | Callee::Interface { .. },
                        ..
                    }
                )
        });
        if !dynamic_calls {
            continue;
        }
        // Registrations are found once per package; without any, no call
        // needs a closer look.
        if registrations
            .get_or_insert_with(|| collect_registrations(ctx, &funcs))
            .is_empty()
        {
            return;
        }
        let Some((file, info)) = program.file_of(f) else {
            continue;
        };
        let mut held: Option<flow::HeldLocks> = None;
        for (block, index, op) in f.indexed_ops() {
            // A function value (`h(ev)`) or an interface method
            // (`c.Close()` on a registered implementation).
            let method: Option<&Sym> = match &op.kind {
                OpKind::Call {
                    callee: Callee::Dynamic,
                    ..
                } => None,
                OpKind::Call {
                    callee: Callee::Interface { method, .. },
                    ..
                } => Some(method),
                _ => continue,
            };
            if op.mode != Mode::Now {
                continue;
            }
            let Some(ExprKind::Call { fun, .. }) = op.expr.map(|e| &file.expr(e).kind) else {
                continue;
            };
            let value = match (method, &file.expr(file.unparen(*fun)).kind) {
                (None, _) => *fun,
                (Some(_), ExprKind::Selector { x, .. }) => *x,
                (Some(_), _) => continue,
            };
            let Some(field) = callback_field(file, info, value) else {
                continue;
            };
            // Most fields have no registration, and then the held locks
            // are not needed.
            let registered = registrations.as_ref().is_some_and(|regs| {
                regs.iter()
                    .any(|r| r.field == field && r.method.as_ref() == method)
            });
            if !registered {
                continue;
            }
            let held = held.get_or_insert_with(|| flow::HeldLocks::compute(program, f));
            let Some(locks) = held.before(program, f, block, index) else {
                continue;
            };
            let classes: Vec<(LockClass, String)> = locks
                .iter()
                .filter_map(|(p, _)| {
                    let class = lock_class(program, p)?;
                    (!matches!(class, LockClass::Local(_)))
                        .then(|| (class, program.describe_path(p)))
                })
                .collect();
            if classes.is_empty() {
                continue;
            }
            let Some(regs) = registrations.as_ref() else {
                continue;
            };
            // The held lock is the registry's own field `lock_field`.
            let found = regs.iter().filter(|r| r.field == field && r.method.as_ref() == method).find_map(|r| {
                let (_, name) = classes.iter().find(|(c, _)| {
                    matches!(c, LockClass::Field(owner, lock)
                        if owner.strip_pointer() == field.0.strip_pointer() && *lock == r.lock_field)
                })?;
                let span = program
                    .summary(r.handler)?
                    .acquires
                    .iter()
                    .find(|a| a.path.fields.last() == Some(&goconc_semantic::ops::PathElem::Field(r.lock_field.clone())))?
                    .span;
                Some((r.handler, r.at, span, name.clone()))
            });
            let Some((handler, registered_at, acquired_at, lock_name)) = found else {
                continue;
            };
            let Some(handler_fn) = program.function(handler) else {
                continue;
            };
            // A closure is named after the function that registers it.
            let handler_name = match handler_fn.def.parent.and_then(|_| ctx.parent(handler_fn)) {
                Some(parent) => {
                    format!("the closure in {}", crate::lockstate::short_name(parent))
                }
                None => format!("the callback {}", crate::lockstate::short_name(handler_fn)),
            };
            findings.push(
                Finding::new(
                    "GC201",
                    FileIdx(f.def.file as usize),
                    op.span,
                    format!(
                        "{lock_name} is already locked when this registered callback runs, and {handler_name} locks a mutex of the same kind: when it was registered on this object, {lock_name} is locked twice"
                    ),
                )
                .related(
                    FileIdx(handler_fn.def.file as usize),
                    registered_at,
                    format!("{handler_name} is registered here"),
                )
                .related(
                    FileIdx(handler_fn.def.file as usize),
                    acquired_at,
                    format!("{handler_name} acquires it here"),
                )
                .suggest(format!(
                    "copy the callbacks under {lock_name}, release it, then call them; or document that callbacks must not call back into the object"
                )),
            );
        }
    }
}

/// The one-to-one assignments of a file, as (target, value): `x.f = v`, with
/// the indexes dropped from `x.f[k] = v` and `x.f[topic][id] = v` (a store
/// into the collection `x.f`).
pub(crate) fn stored_assignments(file: &File) -> impl Iterator<Item = (ExprId, ExprId)> + '_ {
    file.stmts
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::Assign { lhs, rhs, .. } if lhs.len() == rhs.len() => Some((lhs, rhs)),
            _ => None,
        })
        .flat_map(move |(lhs, rhs)| {
            lhs.iter().zip(rhs.iter()).map(move |(&target, &value)| {
                let mut target = file.unparen(target);
                for _ in 0..3 {
                    let ExprKind::Index { x, .. } = &file.expr(target).kind else {
                        break;
                    };
                    target = file.unparen(*x);
                }
                (target, value)
            })
        })
}

/// The callback field a called function value comes from: `x.onChange`,
/// the range value of `for _, h := range x.handlers`, or a local
/// initialised from either (`h := x.handlers[i]`), also through a few
/// such locals (`for _, hs := range x.byTopic { for _, h := range hs {`).
pub(crate) fn callback_field(file: &File, info: &FileInfo, fun: ExprId) -> Option<(Type, Sym)> {
    let mut source = file.unparen(fun);
    for _ in 0..3 {
        if let ExprKind::Index { x, .. } = &file.expr(source).kind {
            source = file.unparen(*x);
        }
        match &file.expr(source).kind {
            ExprKind::Selector { .. } => return field_of(file, info, source),
            ExprKind::Ident(_) => {
                let Res::Local(l) = info.res(source) else {
                    return None;
                };
                let local = info.local(*l).filter(|local| !local.reassigned)?;
                source = file.unparen(super::local_source(file, local)?);
            }
            _ => return None,
        }
    }
    None
}

fn field_of(file: &File, info: &FileInfo, e: ExprId) -> Option<(Type, Sym)> {
    let ExprKind::Selector { x, .. } = &file.expr(e).kind else {
        return None;
    };
    let Some(Selection::Field { embedded, name, .. }) = info.selection(e) else {
        return None;
    };
    embedded
        .is_empty()
        .then(|| (info.ty(*x).strip_pointer().clone(), name.clone()))
}

/// One handler registered through a registering method
/// (`store.AddHandler(h)` where `AddHandler` stores its parameter in
/// `s.handlers`), with the lock it takes on the object it was registered
/// on: `reg.Lookup` in a closure capturing `reg`, or `c.store.List` in a
/// method value `c.onPod` where `c := &T{store: store}`.
struct Registration {
    field: (Type, Sym),
    handler: FuncId,
    at: Span,
    /// Name of the lock field the handler takes on the registry object.
    lock_field: Sym,
    /// For a registered interface implementation, the method `handler` is.
    method: Option<Sym>,
}

/// Registrations whose handler locks the very object it is registered on.
fn collect_registrations(ctx: &RuleContext<'_>, funcs: &[&Function]) -> Vec<Registration> {
    let program = ctx.program;
    let Some(model) = ctx.model() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    // Registering methods: (method, parameter position, field).
    let mut registrars: Vec<(&Function, usize, (Type, Sym))> = Vec::new();
    // The method each parameter belongs to, by (file, local).
    let methods_by_param: rustc_hash::FxHashMap<(u32, goconc_semantic::body::LocalId), &Function> =
        funcs
            .iter()
            .filter(|f| f.def.recv.is_some())
            .flat_map(|f| f.def.params.iter().map(move |&p| ((f.def.file, p), *f)))
            .collect();
    for (fi, (source, info)) in model.pkg.files.iter().zip(&model.files).enumerate() {
        let file = &*source.ast;
        for (target, value) in stored_assignments(file) {
            let Some(field) = field_of(file, info, target) else {
                continue;
            };
            let value = file.unparen(value);
            let values: Vec<ExprId> = match &file.expr(value).kind {
                ExprKind::Call { fun, args, .. }
                    if matches!(info.res(file.unparen(*fun)), Res::Builtin(Builtin::Append)) =>
                {
                    args.iter().skip(1).copied().collect()
                }
                _ => vec![value],
            };
            // `cc.balancer = &pickFirst{cc: cc}`: an implementation
            // stored straight into the owner's field.
            if let ExprKind::Selector { x, .. } = &file.expr(target).kind {
                if let Res::Local(owner) = info.res(file.unparen(*x)) {
                    let owner = goconc_semantic::ops::LocalKey {
                        pkg: ctx.package,
                        file: fi as u32,
                        local: *owner,
                    };
                    for &v in &values {
                        for (handler, method, lock_field) in
                            implementation_locking_owner(ctx, funcs, file, info, v, &owner)
                        {
                            out.push(Registration {
                                field: field.clone(),
                                handler,
                                at: file.expr(v).span,
                                lock_field,
                                method: Some(method),
                            });
                        }
                        // A closure stored straight into the owner's field
                        // (`r.gauges["size"] = func() float64 { return
                        // float64(r.Len()) }`) that locks the owner.
                        if !matches!(file.expr(v).kind, ExprKind::FuncLit { .. }) {
                            continue;
                        }
                        // Looked up only for literals: a scan of every
                        // function per stored value is quadratic in big packages.
                        let at = file.expr(v).span;
                        let storer = funcs
                            .iter()
                            .filter(|f| {
                                f.def.file == fi as u32
                                    && f.def.span.start <= at.start
                                    && at.end <= f.def.span.end
                            })
                            .min_by_key(|f| f.def.span.end - f.def.span.start);
                        if let Some(storer) = storer {
                            if let Some((handler, lock_field)) =
                                handler_locking_owner(ctx, funcs, storer, file, info, v, &owner)
                            {
                                out.push(Registration {
                                    field: field.clone(),
                                    handler,
                                    at,
                                    lock_field,
                                    method: None,
                                });
                            }
                        }
                    }
                }
            }
            for v in values {
                let Res::Local(l) = info.res(file.unparen(v)) else {
                    continue;
                };
                let Some(method) = methods_by_param.get(&(fi as u32, *l)) else {
                    continue;
                };
                if let Some(position) = method.def.params.iter().position(|p| p == l) {
                    registrars.push((method, position, field.clone()));
                }
            }
        }
    }
    if registrars.is_empty() {
        return out;
    }
    // Calls of the registering methods, found in one pass.
    let registrar_ids: rustc_hash::FxHashSet<FuncId> =
        registrars.iter().map(|(r, ..)| r.id).collect();
    let mut calls_of: rustc_hash::FxHashMap<FuncId, Vec<(&Function, &goconc_semantic::ops::Op)>> =
        Default::default();
    for caller in funcs {
        for (_, _, op) in caller.all_ops() {
            if let OpKind::Call {
                callee: Callee::Func(c),
                ..
            } = &op.kind
            {
                if registrar_ids.contains(c) {
                    calls_of.entry(*c).or_default().push((*caller, op));
                }
            }
        }
    }
    for (registrar, position, field) in registrars {
        for &(caller, op) in calls_of
            .get(&registrar.id)
            .map(Vec::as_slice)
            .unwrap_or(&[])
        {
            let Some((file, info)) = program.file_of(caller) else {
                continue;
            };
            {
                let OpKind::Call {
                    recv: Some(recv), ..
                } = &op.kind
                else {
                    continue;
                };
                if !recv.fields.is_empty() {
                    continue;
                }
                let goconc_semantic::ops::Base::Local(owner) = &recv.base else {
                    continue;
                };
                let Some(ExprKind::Call { args, .. }) = op.expr.map(|x| &file.expr(x).kind) else {
                    continue;
                };
                let Some(&arg) = args.get(position) else {
                    continue;
                };
                let at = file.expr(arg).span;
                if let Some((handler, lock_field)) =
                    handler_locking_owner(ctx, funcs, caller, file, info, arg, owner)
                {
                    out.push(Registration {
                        field: field.clone(),
                        handler,
                        at,
                        lock_field,
                        method: None,
                    });
                }
                for (handler, method, lock_field) in
                    implementation_locking_owner(ctx, funcs, file, info, arg, owner)
                {
                    out.push(Registration {
                        field: field.clone(),
                        handler,
                        at,
                        lock_field,
                        method: Some(method),
                    });
                }
            }
        }
    }
    out
}

/// The handler `arg` names and the lock field it takes on `owner` (a local
/// of `caller`): a closure locking `owner.mu` (captured), or a method value
/// `c.m` where `c` was built as `&T{f: owner}` and `m` locks `c.f.mu`.
fn handler_locking_owner(
    ctx: &RuleContext<'_>,
    funcs: &[&Function],
    caller: &Function,
    file: &File,
    info: &FileInfo,
    arg: ExprId,
    owner: &goconc_semantic::ops::LocalKey,
) -> Option<(FuncId, Sym)> {
    let program = ctx.program;
    let arg = file.unparen(arg);
    match &file.expr(arg).kind {
        ExprKind::FuncLit { .. } => {
            let handler = funcs
                .iter()
                .find(|f| f.def.file == caller.def.file && f.def.node == FuncNode::Lit(arg))?;
            let summary = program.summary(handler.id)?;
            summary.acquires.iter().find_map(|a| {
                let goconc_semantic::ops::Base::Local(k) = &a.path.base else {
                    return None;
                };
                match a.path.fields.as_slice() {
                    [goconc_semantic::ops::PathElem::Field(lock)] if k == owner => {
                        Some((handler.id, lock.clone()))
                    }
                    // A captured helper built holding the owner:
                    // `t := &Tracker{reg: reg}; reg.OnChange(func() { t.refresh() })`
                    // with `refresh` locking `t.reg.mu`.
                    [goconc_semantic::ops::PathElem::Field(holder), goconc_semantic::ops::PathElem::Field(lock)]
                        if k.file == owner.file && k.local != owner.local =>
                    {
                        let init = info.local(k.local).filter(|l| !l.reassigned)?.init?;
                        let (_, stored_in) = literal_holding(file, info, init, owner)?;
                        (stored_in == *holder).then(|| (handler.id, lock.clone()))
                    }
                    _ => None,
                }
            })
        }
        ExprKind::Selector { x, .. } => {
            let Some(Selection::Method { func: Some(r), .. }) = info.selection(arg) else {
                return None;
            };
            let handler = funcs.iter().find(|f| {
                f.def.parent.is_none() && f.def.obj == Some(r.idx) && r.pkg == caller_pkg(ctx)
            })?;
            // `c` built from a literal that stores the owner in field `f`.
            let (_, holder) = literal_holding(file, info, *x, owner)?;
            locks_through_holder(ctx, handler, &holder).map(|lock| (handler.id, lock))
        }
        _ => None,
    }
}

/// The composite literal `e` is (`T{f: owner}`, `&T{...}`, or a local
/// initialised from one and never reassigned): its type and the field
/// that stores `owner`.
fn literal_holding(
    file: &File,
    info: &FileInfo,
    e: ExprId,
    owner: &goconc_semantic::ops::LocalKey,
) -> Option<(Type, Sym)> {
    let mut lit = file.unparen(e);
    if let Res::Local(c) = info.res(lit) {
        lit = file.unparen(info.local(*c).filter(|l| !l.reassigned)?.init?);
    }
    if let ExprKind::Unary { x, .. } = &file.expr(lit).kind {
        lit = file.unparen(*x);
    }
    let ExprKind::CompositeLit { elts, .. } = &file.expr(lit).kind else {
        return None;
    };
    let holder = elts.iter().find_map(|&e| {
        let ExprKind::KeyValue { key, value } = &file.expr(e).kind else {
            return None;
        };
        let ExprKind::Ident(k) = &file.expr(*key).kind else {
            return None;
        };
        matches!(info.res(file.unparen(*value)), Res::Local(v) if v == &owner.local)
            .then(|| Sym::from(file.name(*k)))
    })?;
    Some((info.ty(lit).strip_pointer().clone(), holder))
}

/// The lock field `method` takes on the object its receiver's `holder`
/// field points to (`c.stopper.mu` for holder `stopper`).
fn locks_through_holder(ctx: &RuleContext<'_>, method: &Function, holder: &Sym) -> Option<Sym> {
    let recv = method.def.recv?;
    let summary = ctx.program.summary(method.id)?;
    summary.acquires.iter().find_map(|a| {
        let goconc_semantic::ops::Base::Local(k) = &a.path.base else {
            return None;
        };
        match a.path.fields.as_slice() {
            [goconc_semantic::ops::PathElem::Field(f), goconc_semantic::ops::PathElem::Field(lock)]
                if k.local == recv && k.file == method.def.file && f == holder =>
            {
                Some(lock.clone())
            }
            _ => None,
        }
    })
}

/// An interface implementation registered as `reg.Add(T{f: reg})`: each
/// method of `T` (in this package) that locks the registry through `f`,
/// with its name and the lock field.
fn implementation_locking_owner(
    ctx: &RuleContext<'_>,
    funcs: &[&Function],
    file: &File,
    info: &FileInfo,
    arg: ExprId,
    owner: &goconc_semantic::ops::LocalKey,
) -> Vec<(FuncId, Sym, Sym)> {
    let Some((concrete, holder)) = literal_holding(file, info, arg, owner) else {
        return Vec::new();
    };
    funcs
        .iter()
        .filter(|f| {
            f.def.parent.is_none()
                && f.def
                    .recv_type
                    .as_ref()
                    .is_some_and(|t| *t.strip_pointer() == concrete)
        })
        .filter_map(|f| {
            let lock = locks_through_holder(ctx, f, &holder)?;
            Some((f.id, Sym::from(super::interfaces::method_name(f)), lock))
        })
        .collect()
}

fn caller_pkg(ctx: &RuleContext<'_>) -> Sym {
    ctx.model().map(|m| m.pkg.path.clone()).unwrap_or_default()
}
