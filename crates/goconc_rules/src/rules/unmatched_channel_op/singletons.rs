//! Code that runs once per process: `main`, `init`, a subcommand's handler
//! (`func(cmd *cobra.Command, args []string)`), a closure handed to
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
    if ctx.model().is_none() {
        return false;
    }
    let short = f.def.name.rsplit('.').next().unwrap_or(&f.def.name);
    if is_program_main(ctx, f)
        || is_command_handler(f)
        || (f.def.parent.is_none() && f.def.recv.is_none() && short == "init")
    {
        return true;
    }
    if let FuncNode::Lit(lit) = f.def.node {
        return handed_to_sync_once(ctx, f, lit);
    }
    // Other packages may call an exported function or method any number
    // of times; nothing imports a `package main`, so there every caller is
    // in view, methods included (`app.Run()` at the end of `main`).
    let exported = short.starts_with(|c: char| c.is_uppercase());
    let command = ctx.model().is_some_and(|m| &*m.pkg.name == "main");
    if depth >= DEPTH || (!command && (exported || f.def.recv.is_some())) {
        return false;
    }
    let callers = ctx.package_callers(f.id);
    !callers.is_empty()
        && callers
            .iter()
            .all(|g| g.id != f.id && once(ctx, g, depth + 1))
}

/// The handler of a command-line subcommand, `func(cmd *cobra.Command,
/// args []string) error` (cobra, and CLIs built the same way): the process
/// runs it once and exits after it returns.
pub(crate) fn is_command_handler(f: &Function) -> bool {
    let params = &f.def.sig.params;
    params.len() == 2
        && matches!(&params[0], Type::Pointer(p) if p.as_named().is_some_and(|n| &*n.name == "Command"))
        && matches!(&params[1], Type::Slice(e) if matches!(**e, Type::Basic(goconc_semantic::types::Basic::String)))
}

/// `func main()` of a `package main`.
pub(crate) fn is_program_main(ctx: &RuleContext<'_>, f: &Function) -> bool {
    f.def.parent.is_none()
        && f.def.recv.is_none()
        && f.def.name.rsplit('.').next() == Some("main")
        && ctx.model().is_some_and(|m| &*m.pkg.name == "main")
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
        let builders = builders(ctx, named);
        !builders.is_empty()
            && builders
                .iter()
                .all(|b| b.is_none_or(|g| runs_once_per_process(ctx, g)))
    })
}

/// For every composite literal of the named type in the package, the
/// innermost function that builds it (`None` at package level).
fn builders<'a>(
    ctx: &RuleContext<'a>,
    named: &goconc_semantic::types::NamedType,
) -> Vec<Option<&'a goconc_semantic::program::Function>> {
    let Some(model) = ctx.model() else {
        return Vec::new();
    };
    let mut out = Vec::new();
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
            out.push(
                ctx.functions()
                    .filter(|g| g.def.file as usize == fi && g.def.span.contains(e.span.start))
                    .min_by_key(|g| g.def.span.len()),
            );
        }
    }
    out
}

/// Prefixes (lower case) of method names that end a value's life.
const LIFECYCLE_METHOD_PREFIXES: &[&str] = &[
    "stop",
    "close",
    "shutdown",
    "terminate",
    "cancel",
    "quit",
    "exit",
    "kill",
    "release",
    "dispose",
    "destroy",
    "teardown",
    "halt",
    "finish",
    "disconnect",
    "unsubscribe",
    "deregister",
    "unregister",
    "drain",
    "done",
    "wait",
    "end",
    "leave",
    "reset",
    "cleanup",
    "clean",
];

/// Whether values of `owner` (a struct type of this package) have no
/// lifecycle at all: no method that ends them (`Close`, `Stop`,
/// `Shutdown`, ...) and no field that could carry a stop signal (a
/// context, a cancel func, a signal channel, a WaitGroup). Such a value is
/// built to serve until the process exits, and so are the workers it
/// starts: a cache's uploader pool ranging over its queue, a log
/// throttler's flush loop. A worker that never ends is a leak only when
/// its owner can be shut down without it.
pub(super) fn without_lifecycle(ctx: &RuleContext<'_>, owner: &Type) -> bool {
    let base = owner.strip_pointer();
    let Some(named) = base.as_named() else {
        return false;
    };
    let Some(model) = ctx.model() else {
        return false;
    };
    if named.pkg != model.pkg.path || !named.args.is_empty() {
        return false;
    }
    let Type::Struct(fields) = ctx.program.underlying(base) else {
        return false;
    };
    let stop_field = fields.fields.iter().any(|field| {
        let ty = ctx.program.underlying(&field.ty);
        field.ty.is_named("context", "Context")
            || field.ty.is_named("context", "CancelFunc")
            || field.ty.strip_pointer().is_named("sync", "WaitGroup")
            || field.ty.strip_pointer().is_named("golang.org/x/sync/errgroup", "Group")
            || matches!(&ty, Type::Func(sig) if sig.params.is_empty() && sig.results.is_empty())
            || (matches!(&ty, Type::Chan(c) if matches!(ctx.program.underlying(&c.1), Type::Struct(s) if s.fields.is_empty()))
                && closed_somewhere(ctx, base, &field.name))
            // An embedded lifecycle (`*Service` with its own Stop).
            || (field.embedded && embeds_lifecycle(ctx, field.ty.strip_pointer()))
    });
    if stop_field {
        return false;
    }
    if has_lifecycle_method(ctx, base) {
        return false;
    }
    // Built per instance of something that does shut down (a watcher a
    // registry's Subscribe makes, while the registry has a Destroy): it
    // must end with that owner.
    builders(ctx, named).iter().flatten().all(|&b| {
        let mut chain = vec![b];
        chain.extend(ctx.package_callers(b.id).iter().copied());
        !chain.iter().any(|g| {
            let top = std::iter::successors(Some(*g), |f| super::enclosing(ctx.program, f)).last();
            top.and_then(|t| t.def.recv_type.as_ref()).is_some_and(|t| {
                t.strip_pointer() != base && has_lifecycle_method(ctx, t.strip_pointer())
            })
        })
    })
}

/// An embedded type that may bring a Close or Stop with it: one of this
/// package's types that has one, or any type from another package except
/// the sync primitives.
fn embeds_lifecycle(ctx: &RuleContext<'_>, embedded: &Type) -> bool {
    let Some(named) = embedded.as_named() else {
        return false;
    };
    match ctx.model() {
        Some(model) if named.pkg == model.pkg.path => has_lifecycle_method(ctx, embedded),
        _ => !matches!(&*named.pkg, "" | "sync" | "sync/atomic"),
    }
}

/// Whether the package closes the channel in field `name` of `owner`: a
/// `chan struct{}` that is only sent to and received from is a semaphore,
/// not a stop signal.
fn closed_somewhere(
    ctx: &RuleContext<'_>,
    owner: &Type,
    name: &goconc_semantic::types::Sym,
) -> bool {
    let key = super::ChanKey::field(owner, name.clone());
    ctx.functions().any(|f| {
        f.ops.iter().any(|(_, op)| match &op.kind {
            goconc_semantic::ops::OpKind::Chan {
                path: Some(p),
                op: goconc_semantic::ops::ChanOp::Close,
                ..
            } => super::chan_key(ctx.program, p).as_ref() == Some(&key),
            _ => false,
        })
    })
}

/// Whether the type `base` (pointer stripped) has a method that ends a
/// value's life.
fn has_lifecycle_method(ctx: &RuleContext<'_>, base: &Type) -> bool {
    ctx.functions().any(|g| {
        g.def.parent.is_none()
            && g.def
                .recv_type
                .as_ref()
                .is_some_and(|t| t.strip_pointer() == base)
            && {
                let name = crate::lockstate::short_name(g).to_ascii_lowercase();
                LIFECYCLE_METHOD_PREFIXES
                    .iter()
                    .any(|prefix| name.starts_with(prefix))
            }
    })
}
