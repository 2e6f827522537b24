//! A mutex held across a call of a function value (a handler, a callback)
//! and released by a plain `Unlock` after it, in a
//! function whose caller recovers panics: when the callback panics, the
//! caller carries on with the mutex still locked, and the next `Lock`
//! blocks forever.

use goconc_semantic::cfg::BlockId;
use goconc_semantic::env::Builtin;
use goconc_semantic::ops::{Callee, FuncArg, FuncId, LockOp, Mode, OpKind};
use goconc_semantic::program::Function;
use rustc_hash::FxHashSet;

use super::MissingUnlock;
use crate::rules::waitgroup_misuse::flow;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let recovering = recovering_functions(ctx);
    if recovering.is_empty() {
        return;
    }
    let implemented: FxHashSet<&str> = ctx
        .functions()
        .filter(|g| g.def.recv.is_some() && g.def.parent.is_none())
        .map(crate::lockstate::short_name)
        .collect();
    // Direct callees of each recovering function.
    let mut recovered_callees: rustc_hash::FxHashMap<FuncId, Vec<&Function>> =
        rustc_hash::FxHashMap::default();
    for g in ctx.functions().filter(|g| recovering.contains(&g.id)) {
        for (block, index, op) in g.indexed_ops() {
            if let OpKind::Call {
                callee: Callee::Func(c),
                ..
            } = &op.kind
            {
                if op.mode == Mode::Now && after_recover_defer(ctx, g, block, index) {
                    recovered_callees.entry(*c).or_default().push(g);
                }
            }
        }
    }
    // Closures handed to a recovering wrapper (`d.guard("prune", func()
    // error { ... d.store.applyAll(cb) ... })`): the wrapper calls them,
    // so it recovers their panics and those of their direct callees.
    for g in ctx.functions() {
        for (_, _, op) in g.all_ops() {
            let OpKind::Call {
                callee: Callee::Func(r),
                func_arg: Some(fa),
                ..
            } = &op.kind
            else {
                continue;
            };
            let (FuncArg::Func(closure), true) = (&fa.func, recovering.contains(r)) else {
                continue;
            };
            let (Some(wrapper), Some(closure)) = (program.function(*r), program.function(*closure))
            else {
                continue;
            };
            recovered_callees
                .entry(closure.id)
                .or_default()
                .push(wrapper);
            for (_, _, inner) in closure.all_ops() {
                if let OpKind::Call {
                    callee: Callee::Func(c),
                    ..
                } = &inner.kind
                {
                    if inner.mode == Mode::Now {
                        recovered_callees.entry(*c).or_default().push(wrapper);
                    }
                }
            }
        }
    }
    for f in ctx.functions() {
        if !recovering.contains(&f.id) && !recovered_callees.contains_key(&f.id) {
            continue;
        }
        // A test that recovers an expected panic says nothing about
        // production code; a reproduction test with its own copy of the
        // type (both in test files) does.
        let in_test_file = ctx
            .model()
            .and_then(|m| m.pkg.files.get(f.def.file as usize))
            .is_some_and(|src| crate::is_test_path(&src.path));
        // The function itself recovers (and returns normally, locked), or
        // a caller does.
        let recoverer = if recovering.contains(&f.id) {
            Some(f)
        } else {
            recovered_callees
                .get(&f.id)
                .into_iter()
                .flatten()
                .copied()
                .find(|g| in_test_file || !ctx.is_test_driver(g))
        };
        let Some(recoverer) = recoverer else {
            continue;
        };
        let unlocks: Vec<_> = f
            .all_ops()
            .filter_map(|(_, _, op)| match &op.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: LockOp::Unlock | LockOp::RUnlock,
                } => Some((p, op.mode)),
                _ => None,
            })
            .collect();
        if unlocks.is_empty() {
            continue;
        }
        let held = flow::HeldLocks::compute(program, f);
        'calls: for b in 0..f.cfg.blocks.len() {
            let block = BlockId(b as u32);
            for (index, (_, op)) in f.block_ops(block).iter().enumerate() {
                let OpKind::Call { callee, .. } = &op.kind else {
                    continue;
                };
                // Function values are the callbacks and handlers whose
                // panics callers recover; so are interface methods that no
                // type of the package implements (plugins). Interfaces the
                // package implements itself mostly reach its own code.
                // The call of a `sync.Locker`'s own Lock/Unlock is a lock op.
                let is_lock_op = f.block_ops(block).iter().any(|(_, other)| {
                    other.span == op.span && matches!(other.kind, OpKind::Lock { .. })
                });
                let unknown_code = !is_lock_op
                    && match callee {
                        Callee::Dynamic => true,
                        Callee::Interface { method, .. } => !implemented.contains(&**method),
                        _ => false,
                    };
                if op.mode != Mode::Now || !unknown_code {
                    continue;
                }
                // A function recovering its own panics does so only for
                // calls after its `defer func() { recover() }()`.
                if recoverer.id == f.id && !after_recover_defer(ctx, f, block, index) {
                    continue;
                }
                let Some(locks) = held.before(program, f, block, index) else {
                    continue;
                };
                // A lock released by a deferred Unlock survives a panic.
                let Some((lock, _)) = locks.iter().find(|(p, _)| {
                    !unlocks
                        .iter()
                        .any(|(u, mode)| *u == p && *mode == Mode::Deferred)
                        && unlocks
                            .iter()
                            .any(|(u, mode)| *u == p && *mode == Mode::Now)
                }) else {
                    continue;
                };
                let name = program.describe_path(lock);
                let recoverer_name = crate::lockstate::short_name(recoverer);
                findings.push(
                    Finding::new(
                        MissingUnlock::META.code,
                        FileIdx(f.def.file as usize),
                        op.span,
                        format!(
                            "{name} stays locked if this call panics: {recoverer_name} recovers the panic and carries on, and the next {name}.Lock() blocks forever"
                        ),
                    )
                    .related(
                        FileIdx(recoverer.def.file as usize),
                        recoverer.def.span,
                        format!("{recoverer_name} recovers panics from this call"),
                    )
                    .suggest(format!(
                        "release {name} with `defer {name}.Unlock()` right after locking it, or call the callback after unlocking"
                    )),
                );
                break 'calls;
            }
        }
    }
}

/// Functions with a deferred call that runs `recover()`.
fn recovering_functions(ctx: &RuleContext<'_>) -> FxHashSet<FuncId> {
    ctx.functions()
        .filter(|f| f.all_ops().any(|(_, _, op)| defers_recover(ctx, op)))
        .map(|f| f.id)
        .collect()
}

/// A deferred call of a function that runs `recover()` and does not panic
/// again (a handler that logs and re-panics recovers nothing).
fn defers_recover(ctx: &RuleContext<'_>, op: &goconc_semantic::ops::Op) -> bool {
    let recovers = |id: FuncId| {
        ctx.program.function(id).is_some_and(|g| {
            let calls = |builtin: Builtin| {
                g.all_ops().any(|(_, _, op)| {
                    matches!(&op.kind, OpKind::Call { callee: Callee::Builtin(b), .. } if *b == builtin)
                })
            };
            calls(Builtin::Recover) && !calls(Builtin::Panic)
        })
    };
    op.mode == Mode::Deferred
        && match &op.kind {
            OpKind::Call {
                callee: Callee::Func(c),
                ..
            } => recovers(*c),
            OpKind::Call {
                func_arg: Some(fa), ..
            } => matches!(fa.func, FuncArg::Func(c) if recovers(c)),
            _ => false,
        }
}

/// Whether a recovering `defer` of `g` can be registered before the op at
/// `(block, index)`: earlier in the same block, or in a block from which
/// the op is reachable.
fn after_recover_defer(ctx: &RuleContext<'_>, g: &Function, block: BlockId, index: usize) -> bool {
    g.indexed_ops().any(|(b, i, op)| {
        defers_recover(ctx, op)
            && if b == block {
                i < index
            } else {
                crate::rules::unmatched_channel_op::reach_from(g, b).contains(&block)
            }
    })
}
