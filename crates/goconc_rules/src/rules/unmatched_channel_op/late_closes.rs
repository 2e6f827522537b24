//! A range over a local channel that the same function closes only after
//! the range: `for r := range results { ... }` followed by `wg.Wait();
//! close(results)`. The loop can only end when the channel is closed, and
//! the close cannot run until the loop has ended: once the senders are
//! done, the range blocks forever.

use goconc_semantic::ops::{ChanOp, Mode, OpKind};

use super::{chan_key, loop_has_other_exit, reach, UnmatchedChannelOp};
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
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
            if ctx.local_chan_escapes().escapes(&key) {
                continue;
            }
            // Every close of the channel in the package: in `f` itself,
            // none of them able to run before the loop ends.
            let mut closes = Vec::new();
            let mut elsewhere = false;
            for g in ctx.functions() {
                for (b, _, o) in g.all_ops() {
                    let OpKind::Chan {
                        path: Some(p),
                        op: ChanOp::Close,
                        ..
                    } = &o.kind
                    else {
                        continue;
                    };
                    if chan_key(program, p).as_ref() != Some(&key) {
                        continue;
                    }
                    if g.id != f.id || o.mode == Mode::Spawned {
                        elsewhere = true;
                    } else {
                        closes.push((b, o.mode, o.span));
                    }
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
