//! Code that runs once per process: `main`, `init`, a closure handed to
//! `sync.OnceFunc`/`OnceValue`/`OnceValues`, and the unexported functions
//! only those call. A goroutine such code starts, and the channels of a
//! value only such code builds, live as long as the process by design: a
//! worker pool ranging over its never-closed task channel is the shape of
//! a process-wide singleton, not a leak.

use goconc_semantic::body::FuncNode;
use goconc_semantic::program::Function;
use goconc_semantic::types::Type;
use goconc_syntax::ast::ExprKind;

use crate::RuleContext;

/// How many levels of callers are followed.
const DEPTH: u32 = 3;

/// Whether `f` runs at most once per process.
pub(crate) fn runs_once_per_process(ctx: &RuleContext<'_>, f: &Function) -> bool {
    once(ctx, f, 0)
}

fn once(ctx: &RuleContext<'_>, f: &Function, depth: u32) -> bool {
    let Some(model) = ctx.model() else {
        return false;
    };
    let short = f.def.name.rsplit('.').next().unwrap_or(&f.def.name);
    if f.def.parent.is_none()
        && f.def.recv.is_none()
        && (short == "init" || (short == "main" && &*model.pkg.name == "main"))
    {
        return true;
    }
    if let FuncNode::Lit(lit) = f.def.node {
        return handed_to_sync_once(ctx, f, lit);
    }
    // Other packages may call an exported function or method any number
    // of times.
    let exported = short.starts_with(|c: char| c.is_uppercase());
    if depth >= DEPTH || exported || f.def.recv.is_some() {
        return false;
    }
    let callers = ctx.package_callers(f.id);
    !callers.is_empty()
        && callers
            .iter()
            .all(|g| g.id != f.id && once(ctx, g, depth + 1))
}

/// `var x = sync.OnceValue(func() T { ... })`: the literal runs once.
fn handed_to_sync_once(
    ctx: &RuleContext<'_>,
    f: &Function,
    lit: goconc_syntax::ast::ExprId,
) -> bool {
    let Some((file, _)) = ctx.program.file_of(f) else {
        return false;
    };
    // Only at package level: inside a function each call makes a new Once.
    if f.def.parent.is_some() {
        return false;
    }
    file.exprs.iter().any(|e| match &e.kind {
        ExprKind::Call { fun, args, .. } => {
            args.iter().any(|&a| file.unparen(a) == lit)
                && matches!(
                    file.text(file.expr(file.unparen(*fun)).span),
                    "sync.OnceFunc" | "sync.OnceValue" | "sync.OnceValues"
                )
        }
        _ => false,
    })
}

/// Whether every value of type `owner` the package builds (`&T{...}`) is
/// built by code that runs once per process (or at package level).
pub(super) fn singleton_type(ctx: &RuleContext<'_>, owner: &Type) -> bool {
    let Some(named) = owner.strip_pointer().as_named() else {
        return false;
    };
    let Some(model) = ctx.model() else {
        return false;
    };
    if named.pkg != model.pkg.path {
        return false;
    }
    ctx.singleton_type(&named.pkg, &named.name, || {
        let mut literals = 0;
        for (fi, info) in model.files.iter().enumerate() {
            let Some(file) = model.pkg.file(fi as u32) else {
                continue;
            };
            for (i, e) in file.exprs.iter().enumerate() {
                if !matches!(e.kind, ExprKind::CompositeLit { .. }) {
                    continue;
                }
                let ty = info
                    .ty(goconc_syntax::ast::ExprId(i as u32))
                    .strip_pointer();
                if !ty
                    .as_named()
                    .is_some_and(|n| n.pkg == named.pkg && n.name == named.name)
                {
                    continue;
                }
                literals += 1;
                let builder = ctx
                    .functions()
                    .filter(|g| g.def.file as usize == fi && g.def.span.contains(e.span.start))
                    .min_by_key(|g| g.def.span.len());
                if builder.is_some_and(|g| !runs_once_per_process(ctx, g)) {
                    return false;
                }
            }
        }
        literals > 0
    })
}
