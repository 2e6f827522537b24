//! Leaders that give up without finishing: a singleflight-style `lead`
//! gets the shared call object as a parameter and releases its followers
//! by calling a finisher that closes the call's done channel
//! (`c.finish(key, cl, o)` → `close(cl.done)`), but one of its returns
//! (`case <-ctx.Done(): return nil, ctx.Err()`) skips the finisher. The
//! followers' plain `<-cl.done` then waits forever, and so does every
//! later caller that joins the abandoned call.

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_syntax::ast::Span;
use rustc_hash::FxHashMap;

use super::{chan_key, ChanKey, UnmatchedChannelOp};
use crate::rules::abandoned_channel::{path_to_exit, return_span};
use crate::{FileIdx, Finding, RuleContext};

/// A close of a channel field: the function, the parameter it closes
/// through, its mode and the channel's description.
type Close<'p> = (&'p Function, Option<usize>, Mode, String);

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    // Closes of each channel field: (function, parameter index closed
    // through, deferred).
    let mut closes: FxHashMap<ChanKey, Vec<Close<'_>>> = FxHashMap::default();
    let mut waits: FxHashMap<ChanKey, Vec<(&Function, Span)>> = FxHashMap::default();
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            let OpKind::Chan {
                path: Some(p),
                op: cop,
                select,
                ..
            } = &op.kind
            else {
                continue;
            };
            if p.fields.len() != 1 {
                continue;
            }
            let Some(key @ ChanKey::Field(..)) = chan_key(program, p) else {
                continue;
            };
            match cop {
                ChanOp::Close => {
                    let param = match &p.base {
                        Base::Local(l) => f.param_keys().1.iter().position(|k| k == l),
                        Base::Global(_) => None,
                    };
                    closes.entry(key).or_default().push((
                        f,
                        param,
                        op.mode,
                        program.describe_path(p),
                    ));
                }
                ChanOp::Recv if select.is_none() && op.mode == Mode::Now => {
                    waits.entry(key).or_default().push((f, op.span));
                }
                _ => {}
            }
        }
    }
    let mut keys: Vec<&ChanKey> = closes.keys().collect();
    keys.sort_by_key(|k| format!("{k:?}"));
    for key in keys {
        let closers = &closes[key];
        // One finisher, closing through a parameter, never deferred.
        let [(finisher, Some(param), Mode::Now, chan)] = closers.as_slice() else {
            continue;
        };
        let Some(waiters) = waits.get(key) else {
            continue;
        };
        // Its callers, each handing over a parameter of its own.
        let mut leaders: Vec<(&Function, Span)> = Vec::new();
        let mut other_callers = false;
        for l in ctx.functions() {
            for (_, _, op) in l.all_ops() {
                let OpKind::Call {
                    callee: Callee::Func(c),
                    args,
                    ..
                } = &op.kind
                else {
                    continue;
                };
                if *c != finisher.id {
                    continue;
                }
                let hands_param = matches!(
                    args.get(*param),
                    Some(Some(AccessPath { base: Base::Local(k), fields })) if fields.is_empty() && l.param_keys().1.contains(k)
                );
                if op.mode == Mode::Now && hands_param {
                    leaders.push((l, op.span));
                } else {
                    other_callers = true;
                }
            }
        }
        let [(leader, finish_span)] = leaders.as_slice() else {
            continue;
        };
        if other_callers {
            continue;
        }
        let Some((file, _)) = program.file_of(leader) else {
            continue;
        };
        let finishes = |b: BlockId| {
            leader.block_ops(b).iter().any(|(_, op)| {
                matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == finisher.id)
            })
        };
        if finishes(leader.cfg.entry) {
            continue;
        }
        let Some(exit) = path_to_exit(leader, leader.cfg.entry, &finishes) else {
            continue;
        };
        let Some(&(waiter, wait_span)) = waiters
            .iter()
            .find(|(w, _)| w.id != leader.id && w.id != finisher.id)
        else {
            continue;
        };
        if leader.pkg != ctx.package {
            continue;
        }
        let leader_name = crate::lockstate::short_name(leader);
        let finisher_name = crate::lockstate::short_name(finisher);
        findings.push(
            Finding::new(
                UnmatchedChannelOp::META.code,
                FileIdx(leader.def.file as usize),
                return_span(file, leader, exit),
                format!(
                    "{leader_name} returns here without calling {finisher_name}, the only code that closes {chan}: whoever waits on <-{chan} for this call (as {} does) blocks forever",
                    crate::lockstate::short_name(waiter)
                ),
            )
            .related(
                FileIdx(leader.def.file as usize),
                *finish_span,
                format!("{finisher_name} closes {chan} only on this path"),
            )
            .related(
                FileIdx(waiter.def.file as usize),
                wait_span,
                "a follower waits here",
            )
            .suggest(format!(
                "finish the call on every way out: `defer {finisher_name}(...)` with the outcome so far (an error when giving up), so followers are released and the call is unregistered"
            )),
        );
    }
}
