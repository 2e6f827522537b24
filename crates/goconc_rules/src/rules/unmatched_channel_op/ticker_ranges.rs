//! Ranges over a ticker's channel that are expected to end: `for range
//! l.ticker.C { ... }` in a loop with no other way out, in a function that
//! defers a `close(done)` or a `wg.Done()` for whoever waits for it.
//! `Ticker.Stop` does not close `C` (nothing ever does), so the loop never
//! ends, the deferred signal never runs, and the `Close` that stops the
//! ticker and then waits on `done` hangs.

use goconc_semantic::ops::{ChanOp, Mode, OpKind, WgOp};
use goconc_semantic::program::Function;
use goconc_syntax::ast::{ExprId, ExprKind, Span};

use super::{loop_has_other_exit, UnmatchedChannelOp};
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    for f in ctx.functions() {
        if ctx.is_test_driver(f) {
            continue;
        }
        let Some((file, info)) = program.file_of(f) else {
            continue;
        };
        let Some(signal) = deferred_signal(f) else {
            stopped_ticker_ranges(ctx, f, file, info, findings);
            continue;
        };
        for (b, _, op) in f.all_ops() {
            let OpKind::Chan {
                op: ChanOp::Range, ..
            } = &op.kind
            else {
                continue;
            };
            let Some(x) = op.expr else {
                continue;
            };
            if op.mode != Mode::Now || !is_ticker_chan(file, info, x) || loop_has_other_exit(f, b) {
                continue;
            }
            let what = file.text(file.expr(file.unparen(x)).span);
            findings.push(
                Finding::new(
                    UnmatchedChannelOp::META.code,
                    FileIdx(f.def.file as usize),
                    op.span,
                    format!(
                        "range over {what} never ends: a ticker's channel is never closed (Stop does not close it), so {} never reaches its deferred signal",
                        crate::lockstate::short_name(f)
                    ),
                )
                .related(
                    FileIdx(f.def.file as usize),
                    signal,
                    "this deferred signal never runs, and whoever waits for it blocks forever",
                )
                .suggest(
                    "loop on `select { case <-t.C: ...; case <-stop: return }` (or `case <-ctx.Done()`), and close stop where the ticker is stopped",
                ),
            );
        }
    }
}

/// A goroutine ranging over a ticker field's channel (`for range
/// t.ticker.C`) with no other way out, while the package stops that
/// ticker elsewhere (`t.ticker.Stop()` in `Stop`/`Close`): the author
/// expects stopping the ticker to end the loop, but `C` is never closed,
/// so every stopped value leaves its goroutine parked for good.
fn stopped_ticker_ranges(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    findings: &mut Vec<Finding>,
) {
    for (b, _, op) in f.all_ops() {
        let (
            OpKind::Chan {
                op: ChanOp::Range, ..
            },
            Some(x),
        ) = (&op.kind, op.expr)
        else {
            continue;
        };
        if op.mode != Mode::Now || !is_ticker_chan(file, info, x) || loop_has_other_exit(f, b) {
            continue;
        }
        // `owner.field.C`: the ticker is a field of a struct.
        let ExprKind::Selector { x: ticker, .. } = &file.expr(file.unparen(x)).kind else {
            continue;
        };
        let ExprKind::Selector {
            x: owner,
            sel: field,
        } = &file.expr(file.unparen(*ticker)).kind
        else {
            continue;
        };
        let owner_type = info.ty(*owner).strip_pointer().clone();
        let field = file.name(*field);
        let Some(stop) = ticker_stop_elsewhere(ctx, f, &owner_type, field) else {
            continue;
        };
        let spawned = super::goroutine_targets(ctx).get(&f.id).copied();
        let Some((spawn_span, spawner)) = spawned else {
            continue;
        };
        let what = file.text(file.expr(file.unparen(x)).span);
        let mut finding = Finding::new(
            UnmatchedChannelOp::META.code,
            FileIdx(f.def.file as usize),
            op.span,
            format!(
                "range over {what} never ends: stopping the ticker does not close its channel, so this goroutine stays parked here after {} is stopped",
                file.text(file.expr(file.unparen(*ticker)).span)
            ),
        )
        .related(
            FileIdx(stop.0 as usize),
            stop.1,
            "the ticker is stopped here, and the range keeps waiting",
        );
        if let Some(g) = ctx.program.function(spawner) {
            finding = finding.related(
                FileIdx(g.def.file as usize),
                spawn_span,
                "goroutine started here",
            );
        }
        findings.push(finding.suggest(
            "loop on `select { case <-t.C: ...; case <-stop: return }` (or `case <-ctx.Done()`), and close stop where the ticker is stopped",
        ));
    }
}

/// A `x.field.Stop()` call, outside `f`, on a ticker field `field` of a
/// value of `owner` type: (file, span).
fn ticker_stop_elsewhere(
    ctx: &RuleContext<'_>,
    f: &Function,
    owner: &goconc_semantic::types::Type,
    field: &str,
) -> Option<(u32, Span)> {
    let model = ctx.model()?;
    for (index, (source, info)) in model.pkg.files.iter().zip(&model.files).enumerate() {
        let file = &*source.ast;
        for expr in &file.exprs {
            let ExprKind::Call { fun, .. } = &expr.kind else {
                continue;
            };
            let ExprKind::Selector { x: ticker, sel } = &file.expr(file.unparen(*fun)).kind else {
                continue;
            };
            if file.name(*sel) != "Stop" {
                continue;
            }
            let ExprKind::Selector { x: base, sel: name } = &file.expr(file.unparen(*ticker)).kind
            else {
                continue;
            };
            let inside_f = index as u32 == f.def.file
                && expr.span.start >= f.def.span.start
                && expr.span.end <= f.def.span.end;
            if !inside_f
                && file.name(*name) == field
                && info.ty(*base).strip_pointer() == owner
                && info.ty(*ticker).strip_pointer().is_named("time", "Ticker")
            {
                return Some((index as u32, expr.span));
            }
        }
    }
    None
}

/// A deferred `close(ch)` or `wg.Done()` of `f`: someone waits for `f` to
/// end.
fn deferred_signal(f: &Function) -> Option<Span> {
    f.all_ops().find_map(|(_, _, op)| {
        (op.mode == Mode::Deferred
            && matches!(
                op.kind,
                OpKind::Chan {
                    op: ChanOp::Close,
                    ..
                } | OpKind::WaitGroup { op: WgOp::Done, .. }
            ))
        .then_some(op.span)
    })
}

/// `t.C` of a `time.Ticker`, or `time.Tick(d)`.
fn is_ticker_chan(
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    x: ExprId,
) -> bool {
    let x = file.unparen(x);
    match &file.expr(x).kind {
        ExprKind::Selector { x: owner, sel } => {
            file.name(*sel) == "C" && info.ty(*owner).strip_pointer().is_named("time", "Ticker")
        }
        ExprKind::Call { fun, .. } => match &file.expr(file.unparen(*fun)).kind {
            ExprKind::Selector { x: pkg, sel } => {
                file.name(*sel) == "Tick"
                    && info
                        .import_path(info.res(*pkg))
                        .is_some_and(|p| &**p == "time")
            }
            _ => false,
        },
        _ => false,
    }
}
