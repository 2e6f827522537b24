//! Callbacks stored in fields, for the lock-order graph.
//!
//! A component that runs its subscribers while holding its own lock
//! (`g.mu` held, `for _, fn := range g.callbacks[prefix] { fn(k, v) }`)
//! acquires, at that call, every lock its registered callbacks take. When
//! a subscriber's owner calls back into the component under its own lock
//! (`s.mu` held, `s.gossip.AddInfo(..)`), the two orders form a cycle
//! that no static call edge shows: gossip and store callbacks, a raft log
//! whose `onCompact` hook locks the node, a watcher notifying a cache.
//!
//! The callbacks of a field are the functions the package stores in it:
//! `x.onCompact = n.recordSnapshot`, `&raftLog{onCompact: ..}`,
//! `x.hooks = append(x.hooks, h)`, `x.byKey[k] = h`, and arguments of a
//! registering method or constructor that stores its parameter that way
//! (`g.RegisterCallback("cfg", s.configUpdated)`, `NewLRU(n, ix)`). A stored value counts
//! when it names a function of the package (a method value, a function,
//! or a function literal), or, in a field of interface type, when it is a
//! value of one of the package's types (`tr.Register(id, node)`, then
//! `h.Step(m)` runs `(*Node).Step`). Anything else (a parameter of a
//! closure, a value returned by a call, a type of another package) adds
//! no callback.

use rustc_hash::FxHashMap;

use goconc_semantic::body::{FileInfo, FuncNode, LocalId, Res};
use goconc_semantic::env::{Builtin, Selection};
use goconc_semantic::ops::{Callee, FuncId, Mode, Op, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_syntax::ast::{ExprId, ExprKind, Span};
use goconc_syntax::File;

use crate::rules::double_lock::{callback_field, method_name, stored_assignments};
use crate::{FileIdx, RuleContext};

/// A function stored in a callback field, and where.
#[derive(Clone, Debug)]
pub(super) struct Callback {
    pub(super) func: FuncId,
    pub(super) file: FileIdx,
    pub(super) stored_at: Span,
}

/// A value stored in a callback field: a function, or a value of one of
/// the package's types stored in an interface-typed field.
#[derive(Clone, Debug)]
struct Stored {
    value: StoredValue,
    file: FileIdx,
    at: Span,
}

#[derive(Clone, Debug, PartialEq)]
enum StoredValue {
    Func(FuncId),
    Implementation(Type),
}

/// The callbacks of each function- or interface-typed field of the
/// package, keyed by the field's owner type and name.
#[derive(Default)]
pub(super) struct Callbacks {
    by_field: FxHashMap<(Type, Sym), Vec<Stored>>,
    /// The package's methods by receiver type (pointer stripped) and name.
    methods: FxHashMap<(Type, Sym), FuncId>,
}

impl Callbacks {
    /// Collects the package's stored callbacks (see the module docs).
    pub(super) fn collect(ctx: &RuleContext<'_>) -> Callbacks {
        let mut out = Callbacks::default();
        let Some(model) = ctx.model() else {
            return out;
        };
        let funcs: Vec<&Function> = ctx.functions().collect();
        let by_literal: FxHashMap<(u32, ExprId), FuncId> = funcs
            .iter()
            .filter_map(|f| match f.def.node {
                FuncNode::Lit(e) => Some(((f.def.file, e), f.id)),
                FuncNode::Decl(_) => None,
            })
            .collect();
        let by_object: FxHashMap<u32, FuncId> = funcs
            .iter()
            .filter(|f| f.def.parent.is_none())
            .filter_map(|f| f.def.obj.map(|o| (o, f.id)))
            .collect();
        let methods_by_param: FxHashMap<(u32, LocalId), (FuncId, usize)> = funcs
            .iter()
            .filter(|f| f.def.parent.is_none())
            .flat_map(|f| {
                f.def
                    .params
                    .iter()
                    .enumerate()
                    .map(move |(i, &p)| ((f.def.file, p), (f.id, i)))
            })
            .collect();
        out.methods = funcs
            .iter()
            .filter(|f| f.def.parent.is_none())
            .filter_map(|f| {
                let recv = f.def.recv_type.as_ref()?.strip_pointer().clone();
                Some(((recv, Sym::from(method_name(f).as_str())), f.id))
            })
            .collect();
        let resolver = Resolver {
            program: ctx.program,
            pkg: &model.pkg.path,
            by_literal: &by_literal,
            by_object: &by_object,
        };
        // Registering functions: (function, parameter position) -> field.
        let mut registrars: FxHashMap<(FuncId, usize), Vec<CallbackField>> = FxHashMap::default();
        for (fi, (source, info)) in model.pkg.files.iter().zip(&model.files).enumerate() {
            let file = &*source.ast;
            let fi = fi as u32;
            let mut store = |field: CallbackField, value: ExprId| {
                if let Res::Local(l) = info.res(value) {
                    if let Some(&at) = methods_by_param.get(&(fi, *l)) {
                        registrars.entry(at).or_default().push(field);
                    }
                    return;
                }
                if let Some(value) = resolver.value(fi, info, file, value, &field.2) {
                    out.by_field
                        .entry((field.0, field.1))
                        .or_default()
                        .push(Stored {
                            value: value.0,
                            file: FileIdx(fi as usize),
                            at: value.1,
                        });
                }
            };
            for (target, value) in stored_assignments(file) {
                let Some(field) = stored_field(ctx.program, file, info, target) else {
                    continue;
                };
                for value in stored_values(file, info, value) {
                    store(field.clone(), value);
                }
            }
            // `&raftLog{onCompact: n.recordSnapshot}`.
            for (index, expr) in file.exprs.iter().enumerate() {
                let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                    continue;
                };
                let keyed_func = elts.iter().any(|&e| {
                    matches!(&file.expr(e).kind, ExprKind::KeyValue { value, .. }
                        if matches!(file.expr(file.unparen(*value)).kind,
                            ExprKind::Ident(_) | ExprKind::Selector { .. } | ExprKind::FuncLit { .. }))
                });
                if !keyed_func {
                    continue;
                }
                let owner = info.ty(ExprId(index as u32)).strip_pointer().clone();
                if owner.as_named().is_none() {
                    continue;
                }
                let Type::Struct(fields) = ctx.program.underlying(&owner) else {
                    continue;
                };
                for &elt in elts {
                    let ExprKind::KeyValue { key, value } = &file.expr(elt).kind else {
                        continue;
                    };
                    let ExprKind::Ident(name) = &file.expr(*key).kind else {
                        continue;
                    };
                    let name = file.name(*name);
                    let held = fields
                        .fields
                        .iter()
                        .find(|f| &*f.name == name)
                        .and_then(|f| held_callback(ctx.program, &f.ty));
                    if let Some(held) = held {
                        store((owner.clone(), Sym::from(name), held), file.unparen(*value));
                    }
                }
            }
        }
        if registrars.is_empty() {
            return out;
        }
        // Arguments of the registering functions, read from the syntax: the
        // registering call often sits in a constructor that has no
        // concurrency of its own and so no ops.
        // Names first: resolving every call of the package costs more.
        let registrar_ids: rustc_hash::FxHashSet<FuncId> =
            registrars.keys().map(|(id, _)| *id).collect();
        let registrar_names: rustc_hash::FxHashSet<String> = funcs
            .iter()
            .filter(|f| registrar_ids.contains(&f.id))
            .map(|f| method_name(f))
            .collect();
        for (fi, (source, info)) in model.pkg.files.iter().zip(&model.files).enumerate() {
            let file = &*source.ast;
            for expr in &file.exprs {
                let ExprKind::Call { fun, args, .. } = &expr.kind else {
                    continue;
                };
                let name = match &file.expr(file.unparen(*fun)).kind {
                    ExprKind::Ident(name) => *name,
                    ExprKind::Selector { sel, .. } => *sel,
                    _ => continue,
                };
                if !registrar_names.contains(file.name(name)) {
                    continue;
                }
                let Some(callee) = resolver.function(fi as u32, info, file, *fun) else {
                    continue;
                };
                for (position, &arg) in args.iter().enumerate() {
                    let Some(fields) = registrars.get(&(callee, position)) else {
                        continue;
                    };
                    for (owner, name, held) in fields {
                        let Some((value, at)) = resolver.value(fi as u32, info, file, arg, held)
                        else {
                            continue;
                        };
                        out.by_field
                            .entry((owner.clone(), name.clone()))
                            .or_default()
                            .push(Stored {
                                value,
                                file: FileIdx(fi),
                                at,
                            });
                    }
                }
            }
        }
        for stored in out.by_field.values_mut() {
            stored.sort_by_key(|c| (c.file.0, c.at.start));
            let mut seen = Vec::new();
            stored.retain(|c| {
                let first = !seen.contains(&c.value);
                if first {
                    seen.push(c.value.clone());
                }
                first
            });
        }
        out
    }

    /// The callbacks a call through a field can run (see [`field_called`]).
    pub(super) fn called_by(&self, call: &FieldCall<'_>) -> Vec<Callback> {
        let method = call.method;
        let Some(stored) = self.by_field.get(&call.field) else {
            return Vec::new();
        };
        stored
            .iter()
            .filter_map(|s| {
                let func = match (&s.value, method) {
                    (StoredValue::Func(func), None) => *func,
                    (StoredValue::Implementation(ty), Some(method)) => {
                        *self.methods.get(&(ty.clone(), method.clone()))?
                    }
                    _ => return None,
                };
                Some(Callback {
                    func,
                    file: s.file,
                    stored_at: s.at,
                })
            })
            .collect()
    }
}

/// A call through a value taken from a callback field.
pub(super) struct FieldCall<'a> {
    field: (Type, Sym),
    /// The interface method called, for a call through an interface.
    method: Option<&'a Sym>,
}

/// The field a call runs a stored value from: `fn(k, v)` where `fn` comes
/// from a callback field, or `h.Step(m)` where `h` does.
pub(super) fn field_called<'o>(file: &File, info: &FileInfo, op: &'o Op) -> Option<FieldCall<'o>> {
    if op.mode != Mode::Now {
        return None;
    }
    let method = match &op.kind {
        OpKind::Call {
            callee: Callee::Dynamic,
            ..
        } => None,
        OpKind::Call {
            callee: Callee::Interface { method, .. },
            ..
        } => Some(method),
        _ => return None,
    };
    let Some(ExprKind::Call { fun, .. }) = op.expr.map(|e| &file.expr(e).kind) else {
        return None;
    };
    let value = match (method, &file.expr(file.unparen(*fun)).kind) {
        (None, _) => *fun,
        (Some(_), ExprKind::Selector { x, .. }) => *x,
        (Some(_), _) => return None,
    };
    let field = callback_field(file, info, value)?;
    Some(FieldCall { field, method })
}

/// A callback field: its owner type, its name, and what it holds.
type CallbackField = (Type, Sym, Held);

/// What a callback field holds: functions, or implementations of an
/// interface.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Held {
    Funcs,
    Implementations,
}

/// Whether a field of type `ty` holds callbacks: a function or an
/// interface, or a slice or map of them (also a map of slices).
fn held_callback(program: &goconc_semantic::Program, ty: &Type) -> Option<Held> {
    let element = match ty {
        Type::Slice(elem) => (**elem).clone(),
        Type::Map(kv) => match &kv.1 {
            Type::Slice(elem) => (**elem).clone(),
            other => other.clone(),
        },
        other => other.clone(),
    };
    match program.underlying(&element) {
        Type::Func(_) => Some(Held::Funcs),
        Type::Interface(_) if element.as_named().is_some() => Some(Held::Implementations),
        _ => None,
    }
}

/// The function a stored value names, when it is one of the package's.
struct Resolver<'a> {
    program: &'a goconc_semantic::Program,
    pkg: &'a Sym,
    by_literal: &'a FxHashMap<(u32, ExprId), FuncId>,
    by_object: &'a FxHashMap<u32, FuncId>,
}

impl Resolver<'_> {
    /// What `value`, stored in a field holding `held`, can run, and where
    /// it was stored.
    fn value(
        &self,
        file_index: u32,
        info: &FileInfo,
        file: &File,
        value: ExprId,
        held: &Held,
    ) -> Option<(StoredValue, Span)> {
        let at = file.expr(value).span;
        match held {
            Held::Funcs => self
                .function(file_index, info, file, value)
                .map(|f| (StoredValue::Func(f), at)),
            Held::Implementations => {
                let ty = info.ty(file.unparen(value)).strip_pointer().clone();
                let named = ty.as_named()?;
                (named.pkg == *self.pkg
                    && !matches!(self.program.underlying(&ty), Type::Interface(_)))
                .then_some((StoredValue::Implementation(ty), at))
            }
        }
    }

    fn function(
        &self,
        file_index: u32,
        info: &FileInfo,
        file: &File,
        value: ExprId,
    ) -> Option<FuncId> {
        let value = file.unparen(value);
        match &file.expr(value).kind {
            ExprKind::FuncLit { .. } => self.by_literal.get(&(file_index, value)).copied(),
            ExprKind::Selector { .. } => match info.selection(value) {
                Some(Selection::Method {
                    func: Some(r),
                    interface: false,
                    method_expr: false,
                    ..
                }) if r.pkg == *self.pkg => self.by_object.get(&r.idx).copied(),
                _ => None,
            },
            ExprKind::Ident(_) => match info.res(value) {
                Res::Global(idx) => self.by_object.get(idx).copied(),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The callback field `x.f` an assignment stores into.
fn stored_field(
    program: &goconc_semantic::Program,
    file: &File,
    info: &FileInfo,
    target: ExprId,
) -> Option<CallbackField> {
    let ExprKind::Selector { x, .. } = &file.expr(target).kind else {
        return None;
    };
    let Some(Selection::Field { embedded, name, ty }) = info.selection(target) else {
        return None;
    };
    if !embedded.is_empty() {
        return None;
    }
    let held = held_callback(program, ty)?;
    Some((info.ty(*x).strip_pointer().clone(), name.clone(), held))
}

/// The values an assigned expression stores: the appended elements of
/// `append(x.f, a, b)`, or the value itself.
fn stored_values(file: &File, info: &FileInfo, value: ExprId) -> Vec<ExprId> {
    let value = file.unparen(value);
    match &file.expr(value).kind {
        ExprKind::Call { fun, args, .. }
            if matches!(info.res(file.unparen(*fun)), Res::Builtin(Builtin::Append)) =>
        {
            args.iter().skip(1).map(|&a| file.unparen(a)).collect()
        }
        _ => vec![value],
    }
}
