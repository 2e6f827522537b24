//! Callbacks stored in struct fields.
//!
//! `c.onChange = func(k string) { ... c.Get(k) ... }` stores a closure that
//! captures `c` in a field of `c`; later `c.onChange(k)` (often under
//! `c.mu`) runs it. When a function-typed field of a named type is assigned
//! exactly one closure in its package, and that closure captures the very
//! variable whose field it is stored in, a call through the field is a
//! static call of the closure, and the captured variable is the call's
//! receiver: the closure's effects on `c` happen to whatever object the
//! field is called on. Any other assignment to the field (another closure,
//! a parameter, a function value, a composite literal key) leaves its calls
//! dynamic.

use goconc_syntax::ast::{AssignOp, ExprId, ExprKind, StmtKind};
use rustc_hash::FxHashMap;

use crate::body::{FileInfo, FuncDef, FuncNode, LocalId, Res};
use crate::env::Selection;
use crate::package::Package;
use crate::types::Sym;

/// A function-typed field: (package path, type name, field name).
pub(crate) type FieldKey = (Sym, Sym, Sym);

/// The closure bound to a field: its package-local function index and the
/// captured local that stands for the field's owner.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Binding {
    pub func: u32,
    pub owner: LocalId,
}

/// The field an expression `x.f` selects, as a key, with `x`.
pub(crate) fn field_key(
    info: &FileInfo,
    file: &goconc_syntax::File,
    e: ExprId,
) -> Option<(FieldKey, ExprId)> {
    let e = file.unparen(e);
    let ExprKind::Selector { x, .. } = &file.expr(e).kind else {
        return None;
    };
    let Some(Selection::Field { embedded, name, .. }) = info.selection(e) else {
        return None;
    };
    if !embedded.is_empty() {
        return None;
    }
    let owner = info.ty(*x).strip_pointer().as_named()?;
    if !owner.args.is_empty() {
        return None;
    }
    Some(((owner.pkg.clone(), owner.name.clone(), name.clone()), *x))
}

/// The bindings of one package (see the module docs).
pub(crate) fn package_bindings(
    pkg: &Package,
    files: &[FileInfo],
    defs: &[FuncDef],
) -> FxHashMap<FieldKey, Binding> {
    // `None`: seen an assignment that is not a bindable closure.
    let mut found: FxHashMap<FieldKey, Option<Binding>> = FxHashMap::default();
    let mut field_keys: Vec<Sym> = Vec::new();
    let lit_index: FxHashMap<(u32, ExprId), u32> = defs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match d.node {
            FuncNode::Lit(e) => Some(((d.file, e), i as u32)),
            FuncNode::Decl(_) => None,
        })
        .collect();
    // Whether function `inner` is `outer` or nested in it.
    let nested_in = |inner: u32, outer: u32| {
        let mut cur = Some(inner);
        for _ in 0..defs.len() {
            match cur {
                Some(c) if c == outer => return true,
                Some(c) => cur = defs.get(c as usize).and_then(|d| d.parent),
                None => return false,
            }
        }
        false
    };
    for (fi, info) in files.iter().enumerate() {
        let Some(file) = pkg.file(fi as u32) else {
            continue;
        };
        for stmt in &file.stmts {
            let StmtKind::Assign { lhs, op, rhs, .. } = &stmt.kind else {
                continue;
            };
            for (i, &l) in lhs.iter().enumerate() {
                // The cheap tests first: `field_key` clones three names.
                let target = file.unparen(l);
                let is_func = matches!(file.expr(target).kind, ExprKind::Selector { .. })
                    && matches!(
                        info.selection(target),
                        Some(Selection::Field { ty, .. }) if matches!(ty, crate::types::Type::Func(_))
                    );
                if !is_func {
                    continue;
                }
                let Some((key, x)) = field_key(info, file, l) else {
                    continue;
                };
                let rhs = (lhs.len() == rhs.len() && *op == AssignOp::Assign)
                    .then(|| rhs.get(i).map(|&r| file.unparen(r)))
                    .flatten();
                let binding = rhs.and_then(|r| {
                    if matches!(info.res(r), Res::Predeclared)
                        && file.text(file.expr(r).span) == "nil"
                    {
                        return Some(None);
                    }
                    if !matches!(file.expr(r).kind, ExprKind::FuncLit { .. }) {
                        return None;
                    }
                    let &func = lit_index.get(&(fi as u32, r))?;
                    let Res::Local(owner) = info.res(file.unparen(x)) else {
                        return None;
                    };
                    let local = info.local(*owner)?;
                    // The owner must be a variable of an enclosing function
                    // that the closure captures.
                    if local.reassigned
                        || !local.captured
                        || !nested_in(func, local.func)
                        || func == local.func
                    {
                        return None;
                    }
                    Some(Some(Binding {
                        func,
                        owner: *owner,
                    }))
                });
                match binding {
                    Some(None) => {}
                    Some(Some(b)) => match found.get(&key) {
                        None => {
                            found.insert(key, Some(b));
                        }
                        Some(_) => {
                            found.insert(key, None);
                        }
                    },
                    None => {
                        found.insert(key, None);
                    }
                }
            }
        }
    }
    // Most packages bind nothing: skip the scan of every expression.
    if !found.values().any(Option::is_some) {
        return FxHashMap::default();
    }
    // `T{onChange: f}` also fills the field.
    for (fi, info) in files.iter().enumerate() {
        let Some(file) = pkg.file(fi as u32) else {
            continue;
        };
        for expr in &file.exprs {
            if let ExprKind::KeyValue { key, .. } = &expr.kind {
                if matches!(info.res(*key), Res::FieldKey) {
                    field_keys.push(file.text(file.expr(*key).span).into());
                }
            }
        }
    }
    found
        .into_iter()
        .filter(|(key, _)| !field_keys.contains(&key.2))
        .filter_map(|(key, b)| Some((key, b?)))
        .collect()
}
