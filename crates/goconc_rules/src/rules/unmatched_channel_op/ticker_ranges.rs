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
        let Some(signal) = deferred_signal(f) else {
            continue;
        };
        let Some((file, info)) = program.file_of(f) else {
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
