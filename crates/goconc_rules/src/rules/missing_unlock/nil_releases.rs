//! An acquire function that hands its caller the release func
//! (`return p.mu.Unlock, nil`) but returns `nil` for it on a path where the
//! lock is still held (`if epoch < p.epoch { return nil, ErrFenced }`):
//! the caller gets nothing to unlock with, and the next `Lock` blocks
//! forever.

use goconc_semantic::body::{FileInfo, Res};
use goconc_semantic::cfg::{BlockId, Node};
use goconc_semantic::env::Selection;
use goconc_semantic::ops::{AccessPath, Callee, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::Type;
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Span, StmtKind};
use goconc_syntax::File;

use super::MissingUnlock;
use crate::{FileIdx, Finding, RuleContext};

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    for f in ctx.functions() {
        // An acquire function returns holding the lock on its success path.
        if program
            .summary(f.id)
            .is_none_or(|s| s.net_acquired.is_empty() && s.unreleased.is_empty())
        {
            continue;
        }
        let results = &f.def.sig.results;
        let Some(index) = results
            .iter()
            .position(|t| matches!(program.underlying(t), Type::Func(_)))
        else {
            continue;
        };
        let Some((file, info)) = program.file_of(f) else {
            continue;
        };
        // The returns of `f`'s own body, by what they hand back.
        // (lock unlocked by the returned func, that return's span)
        let mut releases: Vec<(String, Span)> = Vec::new();
        let mut nil_returns: Vec<(BlockId, Span)> = Vec::new();
        for (bi, block) in f.cfg.blocks.iter().enumerate() {
            for node in &block.nodes {
                let Node::Stmt(stmt) = node else { continue };
                let StmtKind::Return { results: values } = &file.stmt(*stmt).kind else {
                    continue;
                };
                if values.len() != results.len() {
                    continue;
                }
                let value = file.unparen(values[index]);
                if is_nil(file, info, value) {
                    nil_returns.push((BlockId(bi as u32), file.stmt(*stmt).span));
                } else if let Some(lock) = released_by(program, f, file, info, value) {
                    releases.push((lock, file.stmt(*stmt).span));
                }
            }
        }
        if releases.is_empty() || nil_returns.is_empty() {
            continue;
        }
        let Some(flow) = ctx.lock_flow(f) else {
            continue;
        };
        for (block, span) in nil_returns {
            let Some(Some(state)) = flow.block_in.get(block.index()) else {
                continue;
            };
            // Lock ops earlier in the block would change the state.
            let changes = f.block_ops(block).iter().any(|(_, op)| {
                op.mode == Mode::Now
                    && match &op.kind {
                        OpKind::Lock { .. } => true,
                        OpKind::Call {
                            callee: Callee::Func(c),
                            ..
                        } => program.summary(*c).is_none_or(|s| {
                            !s.net_released.is_empty() || !s.net_acquired.is_empty()
                        }),
                        _ => false,
                    }
            });
            if changes {
                continue;
            }
            let held: Option<(&AccessPath, Span)> = state
                .held()
                .filter(|(_, _, fact)| fact.must_held().is_some())
                .find_map(|(p, _, _)| {
                    let name = program.describe_path(p);
                    releases
                        .iter()
                        .find(|(lock, _)| *lock == name)
                        .map(|&(_, span)| (p, span))
                });
            let Some((path, release_span)) = held else {
                continue;
            };
            let name = program.describe_path(path);
            let func = crate::lockstate::short_name(f);
            findings.push(
                Finding::new(
                    MissingUnlock::META.code,
                    FileIdx(f.def.file as usize),
                    span,
                    format!(
                        "{func} returns with {name} locked and a nil release func: the caller has nothing to unlock it with"
                    ),
                )
                .related(
                    FileIdx(f.def.file as usize),
                    release_span,
                    format!("the other return hands back {name}'s unlock"),
                )
                .suggest(format!(
                    "unlock {name} before returning the error (or return {name}'s release func on every path)"
                )),
            );
        }
    }
}

/// `nil` (the predeclared one).
fn is_nil(file: &File, info: &FileInfo, e: ExprId) -> bool {
    matches!(file.expr(e).kind, ExprKind::Ident(_))
        && matches!(info.res(e), Res::Predeclared)
        && file.text(file.expr(e).span) == "nil"
}

/// The lock (as [`Program::describe_path`] shows it) a returned release
/// func unlocks: a method value `p.mu.Unlock`/`RUnlock`, or a function
/// literal whose summary releases a lock.
fn released_by(
    program: &Program,
    f: &Function,
    file: &File,
    info: &FileInfo,
    e: ExprId,
) -> Option<String> {
    match &file.expr(e).kind {
        ExprKind::Selector { x, .. } => match info.selection(e) {
            Some(Selection::Method { name, .. }) if matches!(&**name, "Unlock" | "RUnlock") => {
                Some(file.text(file.expr(*x).span).to_string())
            }
            _ => None,
        },
        ExprKind::FuncLit { .. } => {
            // The literal returned by `f` is one of its closures.
            let lit = f
                .closures
                .iter()
                .filter_map(|&c| program.function(c))
                .find(|g| g.def.node == goconc_semantic::body::FuncNode::Lit(e))?;
            let summary = program.summary(lit.id)?;
            let (path, _) = summary.net_released.first()?;
            Some(program.describe_path(path))
        }
        _ => None,
    }
}
