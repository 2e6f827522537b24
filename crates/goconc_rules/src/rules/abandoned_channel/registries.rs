//! Watch registries nobody leaves: `Watch` makes an unbuffered channel,
//! adds it to a field collection (`s.watchers[key] = append(..., ch)`,
//! `h.subs = append(h.subs, ch)`, `l.listeners[ch] = struct{}{}`) and
//! returns it; a notifier ranges over the collection and sends to every
//! channel with a plain send. When nothing in the package ever takes a
//! channel out of the collection (no `delete`, no filtered or reset
//! slice, no close), a consumer that stops receiving (it found its value,
//! its context ended, it gave up after a deadline) leaves its channel
//! registered, and the notifier's next send to it blocks forever, usually
//! with the registry's lock held.

use rustc_hash::FxHashSet;

use goconc_semantic::body::{FileInfo, Res};
use goconc_semantic::env::Builtin;
use goconc_semantic::ops::{AccessPath, Base, ChanOp, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::Type;
use goconc_syntax::ast::{ExprId, ExprKind, Span, StmtKind};
use goconc_syntax::File;

use super::streams::{consumer_stream, handed_to_consumer, receives_once, stops_early};
use super::{describe_stop, gives_up_waiting, AbandonedChannel};
use crate::{FileIdx, Finding, RuleContext};

/// A field holding channels: the type declaring it and its name.
type Registry = (Type, goconc_semantic::types::Sym);

/// `f` makes the unbuffered local channel `chan`; reports the notifier
/// sends that block once a consumer of `f`'s channel stops receiving.
pub(super) fn check(
    ctx: &RuleContext<'_>,
    f: &Function,
    chan: &AccessPath,
    reported: &mut FxHashSet<(u32, Span)>,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let Base::Local(key) = &chan.base else {
        return;
    };
    if f.pkg != ctx.package || !super::returns_local(program, f, chan) {
        return;
    }
    let Some((file, info)) = program.file_of(f) else {
        return;
    };
    let Some((registry, register_span)) = registration(program, f, file, info, key.local) else {
        return;
    };
    let Some(model) = ctx.model() else {
        return;
    };
    // Every statement of the package, not only the modelled functions': an
    // unsubscribe that only deletes from a map has no concurrency op.
    let mut removed = false;
    let mut sends: Vec<(&Function, Span, String)> = Vec::new();
    for (fi, source) in model.pkg.files.iter().enumerate() {
        let Some(finfo) = model.files.get(fi) else {
            continue;
        };
        if takes_out(program, &source.ast, finfo, &registry) {
            removed = true;
            break;
        }
    }
    if removed {
        return;
    }
    for g in ctx.functions() {
        let Some((gfile, ginfo)) = program.file_of(g) else {
            continue;
        };
        for (_, _, op) in g.all_ops() {
            let OpKind::Chan {
                op: ChanOp::Send,
                path: Some(path),
                select: None,
                ..
            } = &op.kind
            else {
                continue;
            };
            if op.mode != Mode::Now || !path.fields.is_empty() {
                continue;
            }
            let Base::Local(target) = &path.base else {
                continue;
            };
            if target.file != g.def.file
                || !ranged_from(program, gfile, ginfo, target.local, &registry)
            {
                continue;
            }
            sends.push((g, op.span, program.describe_path(path)));
        }
    }
    if sends.is_empty() {
        return;
    }
    for taker in ctx.functions() {
        let Some((stream, call_span)) = consumer_stream(ctx, taker, f) else {
            continue;
        };
        let (consumer, stream) = match handed_to_consumer(ctx, taker, &stream) {
            Some((h, param)) => (h, param),
            None => (taker, stream),
        };
        let Some(stop) = stops_early(ctx, consumer, &stream)
            .or_else(|| gives_up_waiting(ctx, consumer, receives_once(ctx, consumer, &stream)?))
        else {
            continue;
        };
        let Some((cfile, _)) = program.file_of(consumer) else {
            continue;
        };
        let (stop_span, stop_msg) = describe_stop(cfile, consumer, stop, false, "the channel");
        let consumer_name = match ctx.parent(consumer) {
            Some(parent) if consumer.def.parent.is_some() => format!(
                "the goroutine {} starts",
                crate::lockstate::short_name(parent)
            ),
            _ => crate::lockstate::short_name(consumer).to_string(),
        };
        for (g, send_span, name) in &sends {
            if !reported.insert((g.def.file, *send_span)) {
                continue;
            }
            findings.push(
                Finding::new(
                    AbandonedChannel::META.code,
                    FileIdx(g.def.file as usize),
                    *send_span,
                    format!(
                        "{} blocks forever sending to {name}: {} registers an unbuffered channel that nothing in the package ever removes, and {consumer_name} can stop receiving from it",
                        crate::lockstate::short_name(g),
                        crate::lockstate::short_name(f),
                    ),
                )
                .related(
                    FileIdx(f.def.file as usize),
                    register_span,
                    format!("{} registers it here", crate::lockstate::short_name(f)),
                )
                .related(
                    FileIdx(taker.def.file as usize),
                    call_span,
                    "the channel is taken here",
                )
                .related(FileIdx(consumer.def.file as usize), stop_span, stop_msg.clone())
                .suggest(
                    "let consumers leave: return a cancel func (or take a ctx) that deletes the channel from the registry, and send with a `case <-ctx.Done()` or a `default:` that drops events for a reader that is gone",
                ),
            );
        }
        return;
    }
}

/// The registry `f` adds its local channel `local` to, with the statement.
fn registration(
    program: &goconc_semantic::Program,
    f: &Function,
    file: &File,
    info: &FileInfo,
    local: goconc_semantic::body::LocalId,
) -> Option<(Registry, Span)> {
    let is_local = |e: ExprId| {
        let e = file.unparen(e);
        matches!(file.expr(e).kind, ExprKind::Ident(_)) && *info.res(e) == Res::Local(local)
    };
    f.cfg.blocks.iter().flat_map(|b| &b.nodes).find_map(|n| {
        let goconc_semantic::cfg::Node::Stmt(s) = n else {
            return None;
        };
        let StmtKind::Assign { lhs, rhs, .. } = &file.stmt(*s).kind else {
            return None;
        };
        let ([l], [r]) = (lhs.as_slice(), rhs.as_slice()) else {
            return None;
        };
        let l = file.unparen(*l);
        let target = match &file.expr(l).kind {
            // `s.subs[id] = ch`, `l.listeners[ch] = struct{}{}`.
            ExprKind::Index { x, index } if is_local(*r) || is_local(*index) => *x,
            // `s.subs = append(s.subs, ch)`, `s.w[k] = append(s.w[k], ch)`.
            _ => {
                let (base, appended) = append_args(file, info, *r)?;
                if file.text(file.expr(base).span) != file.text(file.expr(l).span)
                    || !appended.iter().any(|&a| is_local(a))
                {
                    return None;
                }
                strip_index(file, l)
            }
        };
        Some((field_of(program, file, info, target)?, file.stmt(*s).span))
    })
}

/// `append(base, args...)`: the base and the appended values.
fn append_args<'f>(file: &'f File, info: &FileInfo, e: ExprId) -> Option<(ExprId, &'f [ExprId])> {
    let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(e)).kind else {
        return None;
    };
    if *info.res(file.unparen(*fun)) != Res::Builtin(Builtin::Append) {
        return None;
    }
    let (base, rest) = args.split_first()?;
    Some((file.unparen(*base), rest))
}

fn strip_index(file: &File, e: ExprId) -> ExprId {
    let e = file.unparen(e);
    match &file.expr(e).kind {
        ExprKind::Index { x, .. } => file.unparen(*x),
        _ => e,
    }
}

/// The field `e` selects (`s.watchers`), keyed by the type declaring it.
fn field_of(
    program: &goconc_semantic::Program,
    file: &File,
    info: &FileInfo,
    e: ExprId,
) -> Option<Registry> {
    let (owner, name) = crate::rules::cond_misuse::field_owner_of_expr(program, file, info, e)?;
    Some((owner.strip_pointer().clone(), name))
}

/// Whether some statement of `file` can take a channel out of `registry`:
/// a `delete` from it, `close` of a channel ranged from it, or any store
/// to it that is not a registration or an initialisation.
fn takes_out(
    program: &goconc_semantic::Program,
    file: &File,
    info: &FileInfo,
    registry: &Registry,
) -> bool {
    let is_registry =
        |e: ExprId| field_of(program, file, info, strip_index(file, e)).as_ref() == Some(registry);
    for e in &file.exprs {
        let ExprKind::Call { fun, args, .. } = &e.kind else {
            continue;
        };
        match info.res(file.unparen(*fun)) {
            Res::Builtin(Builtin::Delete | Builtin::Clear)
                if args.first().is_some_and(|&a| is_registry(a)) =>
            {
                return true;
            }
            Res::Builtin(Builtin::Close) => {
                let Some(&a) = args.first() else { continue };
                let a = file.unparen(a);
                if let Res::Local(l) = info.res(a) {
                    if ranged_from(program, file, info, *l, registry) {
                        return true;
                    }
                }
            }
            _ => {}
        }
    }
    for stmt in &file.stmts {
        let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
            continue;
        };
        for (i, &l) in lhs.iter().enumerate() {
            let l = file.unparen(l);
            if !is_registry(l) {
                continue;
            }
            let Some(&r) = rhs.get(i).or(rhs.first()) else {
                return true;
            };
            let r = file.unparen(r);
            let indexed = matches!(file.expr(l).kind, ExprKind::Index { .. });
            let registers = match append_args(file, info, r) {
                Some((base, _)) => file.text(file.expr(base).span) == file.text(file.expr(l).span),
                // `s.subs[id] = ch` and `set[ch] = struct{}{}` add an entry.
                None if indexed => {
                    is_make_or_literal(file, info, r)
                        || matches!(file.expr(r).kind, ExprKind::Ident(_))
                            && matches!(info.res(r), Res::Local(_))
                            && matches!(program.underlying(info.ty(r)), Type::Chan(_))
                }
                // `s.subs = make(...)`, `= map[...]...{}` initialise.
                None => is_make_or_literal(file, info, r),
            };
            if !registers {
                return true;
            }
        }
    }
    false
}

fn is_make_or_literal(file: &File, info: &FileInfo, e: ExprId) -> bool {
    match &file.expr(e).kind {
        ExprKind::CompositeLit { .. } => true,
        ExprKind::Call { fun, .. } => *info.res(file.unparen(*fun)) == Res::Builtin(Builtin::Make),
        _ => false,
    }
}

/// Whether the local `l` is the key or value of a `range` over `registry`
/// (`for _, ch := range s.watchers[key]`, `for ch := range l.listeners`).
fn ranged_from(
    program: &goconc_semantic::Program,
    file: &File,
    info: &FileInfo,
    l: goconc_semantic::body::LocalId,
    registry: &Registry,
) -> bool {
    file.stmts.iter().any(|stmt| {
        let StmtKind::Range { key, value, x, .. } = &stmt.kind else {
            return false;
        };
        let binds = [key, value]
            .into_iter()
            .flatten()
            .any(|&v| *info.res(file.unparen(v)) == Res::Local(l));
        binds && holds_registry(program, file, info, *x, registry, 0)
    })
}

/// Whether `e` is the registry (`s.watchers[key]`), or a local copy of it
/// taken to send outside the lock (`subs := s.subs`,
/// `subs := append([]chan T(nil), s.subs...)`, `slices.Clone(s.subs)`).
fn holds_registry(
    program: &goconc_semantic::Program,
    file: &File,
    info: &FileInfo,
    e: ExprId,
    registry: &Registry,
    depth: u32,
) -> bool {
    let e = file.unparen(e);
    if field_of(program, file, info, strip_index(file, e)).as_ref() == Some(registry) {
        return true;
    }
    if depth > 1 {
        return false;
    }
    match &file.expr(e).kind {
        ExprKind::Ident(_) if depth == 0 => match info.res(e) {
            Res::Local(l) => info
                .local(*l)
                .filter(|l| !l.reassigned)
                .and_then(|l| l.init)
                .is_some_and(|init| holds_registry(program, file, info, init, registry, 1)),
            _ => false,
        },
        ExprKind::Call { fun, args, .. } => {
            let copies = match append_args(file, info, e) {
                Some(_) => true,
                None => matches!(&file.expr(file.unparen(*fun)).kind,
                    ExprKind::Selector { sel, .. } if file.name(*sel) == "Clone"),
            };
            copies
                && args
                    .iter()
                    .any(|&a| holds_registry(program, file, info, a, registry, 2))
        }
        _ => false,
    }
}
