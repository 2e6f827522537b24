//! A stop that cancels the wrong context: `Start` derives `cctx, cancel :=
//! context.WithCancel(ctx)`, keeps `cancel` in a field, but starts the loop
//! with the parent `ctx`; the loop's only way out is `<-ctx.Done()` and it
//! closes its done channel on the way out. `Stop` calls the stored cancel
//! and then waits on the done channel: the loop never sees the
//! cancellation, and `Stop` waits until the caller's context ends, which
//! may be never.

use goconc_semantic::body::Res;
use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, ChanOp, LocalKey, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_syntax::ast::{ExprKind, Span, StmtKind};

use super::{chan_key, goroutine_targets, ChanKey, UnmatchedChannelOp};
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    for (&target, &(spawn_span, spawner_id)) in goroutine_targets(ctx) {
        let (Some(g), Some(spawner)) = (program.function(target), program.function(spawner_id))
        else {
            continue;
        };
        if g.pkg != ctx.package || spawner.pkg != ctx.package || ctx.is_test_driver(spawner) {
            continue;
        }
        // The loop leaves only through `<-p.Done()` of a context parameter.
        let (_, params) = g.param_keys();
        let Some((ctx_index, done_blocks)) = params.iter().enumerate().find_map(|(i, p)| {
            let blocks: Vec<BlockId> = g
                .all_ops()
                .filter(|(_, _, op)| {
                    matches!(&op.kind, OpKind::CtxObserve { path: Some(AccessPath { base: Base::Local(k), fields }) }
                        if k == p && fields.is_empty())
                })
                .map(|(b, _, _)| b)
                .collect();
            (!blocks.is_empty()).then_some((i, blocks))
        }) else {
            continue;
        };
        if exit_reachable_avoiding(g, &done_blocks) {
            continue;
        }
        // The done channel it closes on the way out (deferred).
        let Some(done_path) = g.all_ops().find_map(|(_, _, op)| match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Close,
                ..
            } if op.mode == Mode::Deferred => Some(p.clone()),
            _ => None,
        }) else {
            continue;
        };
        // The spawn: its arguments in the spawner's frame.
        let Some((spawn_recv, spawn_args)) =
            spawner.all_ops().find_map(|(_, _, op)| match &op.kind {
                OpKind::Call { recv, args, .. } if op.span == spawn_span => {
                    Some((recv.clone(), args.clone()))
                }
                _ => None,
            })
        else {
            continue;
        };
        let done_in_spawner =
            program.substitute(target, &done_path, spawn_recv.as_ref(), &spawn_args);
        let Some(done_key) = done_in_spawner
            .as_ref()
            .and_then(|p| chan_key(program, p))
            .filter(|k| matches!(k, ChanKey::Field(..)))
        else {
            continue;
        };
        let Some(Some(AccessPath {
            base: Base::Local(parent),
            fields,
        })) = spawn_args.get(ctx_index)
        else {
            continue;
        };
        if !fields.is_empty() {
            continue;
        }
        // The spawner derives a cancellable child of that very context and
        // keeps its cancel func in a field.
        if program.local(parent).is_none_or(|l| l.reassigned) {
            continue;
        }
        let Some((cancel_field, derived_at)) = stored_cancel_of(ctx, spawner, parent) else {
            continue;
        };
        // A waiter that calls the stored cancel and then waits on the done
        // channel.
        for w in ctx.functions() {
            if w.id == g.id || ctx.is_test_driver(w) {
                continue;
            }
            let Some((file, _)) = program.file_of(w) else {
                continue;
            };
            let cancel_call = w.all_ops().find_map(|(b, _, op)| {
                let e = op.expr?;
                let ExprKind::Call { fun, .. } = &file.expr(e).kind else {
                    return None;
                };
                let ExprKind::Selector { sel, .. } = &file.expr(file.unparen(*fun)).kind else {
                    return None;
                };
                (op.mode == Mode::Now && file.name(*sel) == cancel_field.as_str())
                    .then_some((b, op.span))
            });
            let Some((cancel_block, cancel_span)) = cancel_call else {
                continue;
            };
            let wait = w.all_ops().find_map(|(b, _, op)| match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: ChanOp::Recv,
                    select: None,
                    ..
                } if op.mode == Mode::Now
                    && chan_key(program, p).as_ref() == Some(&done_key)
                    && crate::rules::waitgroup_misuse::flow::may_run_after(
                        w,
                        (cancel_block, 0),
                        (b, usize::MAX),
                    ) =>
                {
                    Some(op.span)
                }
                _ => None,
            });
            let Some(wait_span) = wait else {
                continue;
            };
            let loop_name = crate::lockstate::short_name(g);
            findings.push(
                Finding::new(
                    UnmatchedChannelOp::META.code,
                    FileIdx(w.def.file as usize),
                    wait_span,
                    format!(
                        "this waits for {loop_name} to exit, but {loop_name} returns only when the context it was started with is done, and that is the parent, not the context the cancel called here ends"
                    ),
                )
                .related(FileIdx(w.def.file as usize), cancel_span, "cancels the derived context only")
                .related(
                    FileIdx(spawner.def.file as usize),
                    derived_at,
                    "the cancellable context is derived here",
                )
                .related(
                    FileIdx(spawner.def.file as usize),
                    spawn_span,
                    format!("{loop_name} is started with the parent context instead"),
                )
                .suggest("start the goroutine with the derived context (the one whose cancel func is stored)"),
            );
            break;
        }
    }
}

/// Whether the function can return (not panic) without passing any of
/// `blocks`.
fn exit_reachable_avoiding(g: &Function, blocks: &[BlockId]) -> bool {
    !blocks.contains(&g.cfg.entry)
        && crate::rules::abandoned_channel::path_to_exit(g, g.cfg.entry, &|b| blocks.contains(&b))
            .is_some()
}

/// `cctx, cancel := context.WithCancel(parent)` in `f` with `cancel` stored
/// into a field (`m.cancel = cancel`): the field's name and the derivation.
fn stored_cancel_of(
    ctx: &RuleContext<'_>,
    f: &Function,
    parent: &LocalKey,
) -> Option<(String, Span)> {
    let program = ctx.program;
    let (file, info) = program.file_of(f)?;
    let within = |s: Span| f.def.span.start <= s.start && s.end <= f.def.span.end;
    for st in &file.stmts {
        if !within(st.span) {
            continue;
        }
        let StmtKind::Assign { lhs, rhs, .. } = &st.kind else {
            continue;
        };
        let (&[child_id, cancel_id], &[call]) = (&lhs[..], &rhs[..]) else {
            continue;
        };
        // `ctx, cancel := context.WithCancel(ctx)` redeclares the parent
        // itself: from here on it holds the child.
        if matches!(info.res(child_id), Res::Local(l) if *l == parent.local) {
            continue;
        }
        let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(call)).kind else {
            continue;
        };
        if !super::derives_cancellable(file, info, *fun) {
            continue;
        }
        let from_parent = args.first().is_some_and(
            |&a| matches!(info.res(file.unparen(a)), Res::Local(l) if *l == parent.local),
        );
        let Res::Local(cancel) = info.res(cancel_id) else {
            continue;
        };
        if !from_parent {
            continue;
        }
        // `m.cancel = cancel` in the same function.
        for st2 in &file.stmts {
            if !within(st2.span) {
                continue;
            }
            let StmtKind::Assign { lhs, rhs, .. } = &st2.kind else {
                continue;
            };
            if lhs.len() != rhs.len() {
                continue;
            }
            for (&l, &r) in lhs.iter().zip(rhs) {
                let ExprKind::Selector { sel, .. } = &file.expr(file.unparen(l)).kind else {
                    continue;
                };
                if matches!(info.res(file.unparen(r)), Res::Local(c) if c == cancel) {
                    return Some((file.name(*sel).to_string(), st.span));
                }
            }
        }
    }
    None
}
