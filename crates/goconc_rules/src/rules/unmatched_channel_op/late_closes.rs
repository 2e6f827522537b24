//! A range over a local channel that the same function closes only after
//! the range: `for r := range results { ... }` followed by `wg.Wait();
//! close(results)`. The loop can only end when the channel is closed, and
//! the close cannot run until the loop has ended: once the senders are
//! done, the range blocks forever.

use rustc_hash::FxHashMap;

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{ChanOp, FuncId, Mode, OpKind};
use goconc_syntax::ast::Span;

use super::{chan_key, loop_has_other_exit, reach, ChanKey, UnmatchedChannelOp};
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    // Every close of a local channel in the package, by channel: (function,
    // block, mode, span).
    let mut all_closes: FxHashMap<ChanKey, Vec<(FuncId, BlockId, Mode, Span)>> =
        FxHashMap::default();
    for g in ctx.functions() {
        for (b, _, o) in g.all_ops() {
            if let OpKind::Chan {
                path: Some(p),
                op: ChanOp::Close,
                ..
            } = &o.kind
            {
                if p.fields.is_empty() {
                    if let Some(key) = chan_key(program, p) {
                        all_closes
                            .entry(key)
                            .or_default()
                            .push((g.id, b, o.mode, o.span));
                    }
                }
            }
        }
    }
    if all_closes.is_empty() {
        return;
    }
    for f in ctx.functions() {
        if ctx.is_test_driver(f) {
            continue;
        }
        for (head, _, op) in f.all_ops() {
            let OpKind::Chan {
                path: Some(chan),
                op: ChanOp::Range,
                select: None,
                ..
            } = &op.kind
            else {
                continue;
            };
            if op.mode != Mode::Now || !chan.fields.is_empty() {
                continue;
            }
            let Some(key) = chan_key(program, chan) else {
                continue;
            };
            let Some(found) = all_closes.get(&key) else {
                continue;
            };
            if ctx.local_chan_escapes().escapes(&key) {
                continue;
            }
            // Every close of the channel in the package: in `f` itself,
            // none of them able to run before the loop ends.
            let mut closes = Vec::new();
            let mut elsewhere = false;
            for &(g, b, mode, span) in found {
                if g != f.id || mode == Mode::Spawned {
                    elsewhere = true;
                } else {
                    closes.push((b, mode, span));
                }
            }
            if elsewhere || closes.is_empty() || loop_has_other_exit(f, head) {
                continue;
            }
            let after_loop = closes.iter().all(|&(b, mode, _)| {
                mode == Mode::Deferred || (b != head && !reach(f, b, true).contains(&head))
            });
            if !after_loop {
                continue;
            }
            let name = program.describe_path(chan);
            let Some(&(_, _, close_span)) = closes.first() else {
                continue;
            };
            findings.push(
                Finding::new(
                    UnmatchedChannelOp::META.code,
                    FileIdx(f.def.file as usize),
                    op.span,
                    format!(
                        "range over {name} never ends: {name} is closed only after this loop, so once the senders are done the loop blocks forever"
                    ),
                )
                .related(
                    FileIdx(f.def.file as usize),
                    close_span,
                    format!("{name} is closed here, after the loop"),
                )
                .suggest(format!(
                    "close {name} from a goroutine once the senders are done (`go func() {{ wg.Wait(); close({name}) }}()`) before ranging over it"
                )),
            );
        }
    }
}
