//! Wake-ups the waiters of a Cond depend on: every change that can make a
//! wait loop's predicate false must be followed by `Signal`/`Broadcast` of
//! that Cond, and a change that releases every waiter at once (a flag, a
//! threshold) needs `Broadcast`, not `Signal`.
//!
//! The predicate of `for <pred> { x.cond.Wait() }` is split into terms over
//! fields of the Cond's owner type; each write to such a field is classified
//! (set a flag, grow, shrink, assign) and matched against the terms it can
//! falsify. Only the plain shapes are understood (`!x.closed`,
//! `len(x.queue) == 0`, `x.count == len(x.buf)`, `x.applied < rev`); other
//! terms are ignored, so an unknown predicate never produces a finding.

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};

use goconc_semantic::body::{FileInfo, Res};
use goconc_semantic::env::{Builtin, Selection};
use goconc_semantic::ops::{Callee, CondOp, FuncArg, FuncId, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_semantic::Program;
use goconc_syntax::ast::{AssignOp, ExprId, ExprKind, LitKind, Op as AstOp, Span, StmtKind};
use goconc_syntax::File;

use super::{field_key_of_expr, is_private_field, CondFacts, CondKey, CondMisuse};
use crate::{FileIdx, Finding, RuleContext};

/// What a wait loop waits for, on one field of the Cond's owner.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Term {
    /// `x.f` (`waits_while` true) or `!x.f` (false).
    Flag { waits_while: bool },
    /// `len(x.f) == 0`, `x.f == 0`: waits for something to be added.
    Empty,
    /// `x.f == len(x.buf)`, `x.f >= max`: waits for room.
    Full,
    /// `x.f < target`: waits for a value to reach a threshold.
    Below,
    /// `x.f != v`, `x.f == state`: waits for a new value to be stored
    /// (counting up or down says nothing about reaching `v`).
    Changed,
    /// `select { case <-x.done: return; default: }` before the Wait: waits
    /// until the channel is closed.
    Closed,
}

/// How a statement changes a field.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Change {
    SetBool(bool),
    /// `++`, `+=`, `append`, a map insert.
    Grow,
    /// `--`, `-=`, re-slicing, `delete`, reset to zero/nil/empty.
    Shrink,
    /// Any other assignment.
    Assign,
    /// `close(x.f)` on a channel field.
    Close,
}

fn falsifies(term: Term, change: Change) -> bool {
    match (term, change) {
        (Term::Flag { waits_while }, Change::SetBool(v)) => v != waits_while,
        (Term::Flag { .. }, Change::Assign) => true,
        (Term::Empty | Term::Below, Change::Grow | Change::Assign) => true,
        (Term::Full, Change::Shrink | Change::Assign) => true,
        (Term::Changed, Change::Assign | Change::SetBool(_)) => true,
        (Term::Closed, Change::Close) => true,
        _ => false,
    }
}

/// A change that can release every waiter at once, not just one.
fn releases_all(term: Term, change: Change) -> bool {
    matches!(
        (term, change),
        (Term::Flag { .. }, Change::SetBool(_))
            | (Term::Below, Change::Assign)
            | (Term::Closed, Change::Close)
    )
}

struct WaitLoop<'a> {
    cond: CondKey,
    waiter: &'a Function,
    wait_span: Span,
    field: Sym,
    term: Term,
    /// A `for {}` loop whose exits are all in its body.
    bare: bool,
    /// The only term the loop waits on (`for !t.drained`).
    sole: bool,
}

struct Write<'a> {
    func: &'a Function,
    /// The written field as the source names it (`q.shutdown`).
    name: String,
    owner: String,
    field: Sym,
    change: Change,
    span: Span,
    /// The stored value is the writer's parameter at this index
    /// (`func (w *Worker) setPaused(p bool) { w.paused = p }`).
    from_param: Option<usize>,
}

pub(super) fn check(ctx: &RuleContext<'_>, facts: &CondFacts<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let mut loops: Vec<WaitLoop<'_>> = Vec::new();
    let mut unchecked = Vec::new();
    for site in &facts.sites {
        if site.op != CondOp::Wait
            || !is_private_field(ctx, &site.key)
            || facts.escapes.contains(&site.key)
            || !facts.signalled.contains_key(&site.key)
        {
            continue;
        }
        let CondKey::Field(owner, _) = &site.key else {
            continue;
        };
        let Some((file, info)) = program.file_of(site.func) else {
            continue;
        };
        let Some((cond, body)) = innermost_for(file, site.func.def.span, site.span) else {
            continue;
        };
        // A bail-out in the body (`if q.closed { return }`) counts next to
        // a loop condition. A `for {}` loop with exits only in its body is
        // woken by many events the model cannot see (a connection's reader
        // broadcasting on its way out), so only its flag bail-outs count.
        // Flags the waiter tests before the loop (`if q.closed { return
        // err }` then `for q.avail == 0 { q.cond.Wait() }`): a writer that
        // sets one and broadcasts wakes waiters that then wait again.
        if let Some(pred) = cond {
            let mut loop_terms = Vec::new();
            collect_terms(program, file, info, pred, &mut loop_terms);
            exit_terms(
                program,
                site.func,
                file,
                info,
                body,
                site.span,
                &mut loop_terms,
            );
            if !loop_terms.is_empty() {
                let loop_start = file.expr(pred).span.start;
                let loop_end = body.span.end;
                for (key, term) in
                    pre_loop_flags(program, file, info, site.func, loop_start, loop_end)
                {
                    let CondKey::Field(term_owner, field) = &key else {
                        continue;
                    };
                    let in_loop = loop_terms.iter().any(|(k, _)| k == &key);
                    if term_owner == owner && !in_loop {
                        unchecked.push((
                            site,
                            field.clone(),
                            term,
                            loop_terms
                                .iter()
                                .filter_map(|(k, _)| match k {
                                    CondKey::Field(_, f) => Some(f.clone()),
                                    _ => None,
                                })
                                .collect::<Vec<Sym>>(),
                        ));
                    }
                }
            }
        }
        let mut terms = Vec::new();
        let bare = cond.is_none();
        match cond {
            Some(pred) => {
                collect_terms(program, file, info, pred, &mut terms);
                exit_terms(program, site.func, file, info, body, site.span, &mut terms);
            }
            // A `for {}` loop: only a flag that a bail-out tests before the
            // Wait (`if p.closed { return ErrClosed }`), set by a method
            // that signals nothing, is judged.
            None => {
                exit_terms(program, site.func, file, info, body, site.span, &mut terms);
                terms.retain(|(_, t)| matches!(t, Term::Flag { .. }));
            }
        }
        let sole = terms.len() == 1;
        for (key, term) in terms {
            let CondKey::Field(term_owner, field) = key else {
                continue;
            };
            if term_owner == *owner {
                loops.push(WaitLoop {
                    cond: site.key.clone(),
                    waiter: site.func,
                    wait_span: site.span,
                    field,
                    term,
                    bare,
                    sole,
                });
            }
        }
    }
    if !unchecked.is_empty() {
        woken_but_unchecked(ctx, facts, &unchecked, findings);
    }
    if loops.is_empty() {
        return;
    }
    // `for !t.drained { t.cond.Wait() }` on a flag nothing ever sets: the
    // waiters sleep forever whoever wakes them.
    let mut never_set: BTreeSet<(FuncId, Span)> = BTreeSet::new();
    for lp in &loops {
        let (CondKey::Field(owner, _), Term::Flag { waits_while: false }) = (&lp.cond, lp.term)
        else {
            continue;
        };
        if lp.bare || !lp.sole || !never_written(ctx, owner, &lp.field) {
            continue;
        }
        if !never_set.insert((lp.waiter.id, lp.wait_span)) {
            continue;
        }
        let cond_name = cond_display(program, facts, &lp.cond);
        let mut finding = Finding::new(
            CondMisuse::META.code,
            FileIdx(lp.waiter.def.file as usize),
            lp.wait_span,
            format!(
                "{} waits in a {cond_name}.Wait loop until {} is set, but nothing in the package ever sets it: every Signal or Broadcast finds it still false, and the waiters sleep forever",
                super::short_name(lp.waiter),
                lp.field
            ),
        );
        // The wake-ups that find the flag unchanged.
        for wake in facts
            .sites
            .iter()
            .filter(|s| s.key == lp.cond && matches!(s.op, CondOp::Signal | CondOp::Broadcast))
            .take(2)
        {
            finding = finding.related(
                FileIdx(wake.func.def.file as usize),
                wake.span,
                format!("this wake-up finds {} still false", lp.field),
            );
        }
        findings.push(
            finding
            .suggest(format!(
                "set {} (under the lock) where the awaited state is reached, before the Broadcast, or wait on the state that is actually changed",
                lp.field
            )),
        );
    }
    let fields: FxHashSet<&str> = loops.iter().map(|l| &*l.field).collect();
    let writes = collect_writes(ctx, &fields);
    let waiters: BTreeSet<(FuncId, &CondKey)> =
        loops.iter().map(|l| (l.waiter.id, &l.cond)).collect();
    let mut reported: BTreeSet<(FuncId, &CondKey)> = BTreeSet::new();
    for write in &writes {
        for lp in &loops {
            let CondKey::Field(owner, _) = &lp.cond else {
                continue;
            };
            if write.field != lp.field
                || write.owner != *owner
                || !falsifies(lp.term, write.change)
                || waiters.contains(&(write.func.id, &lp.cond))
                || reported.contains(&(write.func.id, &lp.cond))
                // For a `for {}` loop, only a flag set on every path through
                // the writer (`Close`), not one set in some state only (an
                // idle connection, whose reader wakes the waiters itself).
                || (lp.bare && !always_written(program, write))
            {
                continue;
            }
            let cond_name = cond_display(program, facts, &lp.cond);
            let signal = wakes(ctx, write.func, &lp.cond, facts, 2);
            // A caller that passes the value the waiters wait on
            // (`setPaused(true)` for `for w.paused { Wait }`) releases
            // nobody and need not wake them.
            let releases_nobody = |g: &Function| {
                let Some(k) = write.from_param else {
                    return false;
                };
                let Term::Flag { waits_while } = lp.term else {
                    return false;
                };
                constant_bool_args(ctx, g, write.func, k)
                    .is_some_and(|values| values.iter().all(|&v| v == waits_while))
            };
            if signal.is_none() && !callers_wake(ctx, write.func, &lp.cond, facts, &releases_nobody)
            {
                reported.insert((write.func.id, &lp.cond));
                findings.push(
                    Finding::new(
                        CondMisuse::META.code,
                        FileIdx(write.func.def.file as usize),
                        write.span,
                        format!(
                            "{} changes {}, which {} waits for in a {cond_name}.Wait loop, without {cond_name}.Signal or Broadcast: the waiters sleep through the change",
                            super::short_name(write.func),
                            write.name,
                            super::short_name(lp.waiter)
                        ),
                    )
                    .related(
                        FileIdx(lp.waiter.def.file as usize),
                        lp.wait_span,
                        format!("waits here until {} changes", write.name),
                    )
                    .suggest(format!(
                        "call {cond_name}.Broadcast() after changing {} (with the lock held or just after releasing it)",
                        write.name
                    )),
                );
                continue;
            }
            if let Some((signal_span, _)) = signal {
                if let Some((recv_span, chan)) =
                    waits_on_waiter_before_signal(ctx, write, signal_span, lp.waiter)
                {
                    reported.insert((write.func.id, &lp.cond));
                    findings.push(
                        Finding::new(
                            CondMisuse::META.code,
                            FileIdx(write.func.def.file as usize),
                            recv_span,
                            format!(
                                "{} waits on {chan} after changing {} but before waking {cond_name}: {chan} is signalled by the goroutine that waits in {}'s {cond_name}.Wait loop for that change, so neither side moves",
                                super::short_name(write.func),
                                write.name,
                                super::short_name(lp.waiter)
                            ),
                        )
                        .related(FileIdx(write.func.def.file as usize), write.span, format!("{} changes here", write.name))
                        .related(
                            FileIdx(write.func.def.file as usize),
                            signal_span,
                            "the wake-up comes only after the wait",
                        )
                        .related(
                            FileIdx(lp.waiter.def.file as usize),
                            lp.wait_span,
                            "the goroutine that would signal is asleep here",
                        )
                        .suggest(format!(
                            "wake {cond_name} (Broadcast) right after changing {}, before waiting for the goroutine to finish",
                            write.name
                        )),
                    );
                    continue;
                }
                if let Some(lock) = unlocked_change(ctx, facts, write, &lp.cond) {
                    reported.insert((write.func.id, &lp.cond));
                    findings.push(
                        Finding::new(
                            CondMisuse::META.code,
                            FileIdx(write.func.def.file as usize),
                            write.span,
                            format!(
                                "{} changes {} and wakes {cond_name} without holding {lock}: a waiter in {} that has checked the condition under {lock} but not yet reached Wait misses the wake-up and sleeps forever",
                                super::short_name(write.func),
                                write.name,
                                super::short_name(lp.waiter)
                            ),
                        )
                        .related(
                            FileIdx(write.func.def.file as usize),
                            signal_span,
                            "the wake-up, also without the lock",
                        )
                        .related(
                            FileIdx(lp.waiter.def.file as usize),
                            lp.wait_span,
                            format!("waits here until {} changes", write.name),
                        )
                        .suggest(format!(
                            "take {lock} around the change (the Signal/Broadcast may follow the Unlock)"
                        )),
                    );
                    continue;
                }
            }
            let Some((signal_span, CondOp::Signal)) = signal else {
                continue;
            };
            // A waiter that takes the condition for itself (`for
            // vs.writing { Wait() }; vs.writing = true`) is a lock built on
            // the Cond: only one waiter can proceed, Signal is right.
            let consumed = writes.iter().any(|w| {
                w.func.id == lp.waiter.id && w.field == lp.field && w.owner == write.owner
            });
            if !releases_all(lp.term, write.change)
                || consumed
                || in_loop_at(write.func, signal_span)
                || started_by(ctx, write.func, lp.waiter)
                || !has_many_waiters(ctx, lp.waiter)
            {
                continue;
            }
            reported.insert((write.func.id, &lp.cond));
            findings.push(
                Finding::new(
                    CondMisuse::META.code,
                    FileIdx(write.func.def.file as usize),
                    signal_span,
                    format!(
                        "{cond_name}.Signal wakes one waiter, but changing {} releases every goroutine waiting in {}: the others sleep on",
                        write.name,
                        super::short_name(lp.waiter)
                    ),
                )
                .related(
                    FileIdx(write.func.def.file as usize),
                    write.span,
                    format!("{} changes here", write.name),
                )
                .related(
                    FileIdx(lp.waiter.def.file as usize),
                    lp.wait_span,
                    "several goroutines can wait here",
                )
                .suggest(format!("use {cond_name}.Broadcast()")),
            );
        }
    }
}

/// A wait site, a flag the waiter tests only before its loop, how it
/// tests it, and the fields the loop itself re-checks.
type Unchecked<'s, 'a> = (&'s super::CondSite<'a>, Sym, Term, Vec<Sym>);

/// A writer that sets a flag the waiter tests only before its wait loop
/// and wakes the Cond for it (`close`: `q.closed = true; q.cond.Broadcast()`)
/// while changing nothing the loop re-checks: the waiters wake, find the
/// loop's condition unchanged and wait again, forever.
fn woken_but_unchecked(
    ctx: &RuleContext<'_>,
    facts: &CondFacts<'_>,
    unchecked: &[Unchecked<'_, '_>],
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let mut fields: FxHashSet<&str> = unchecked.iter().map(|u| &*u.1).collect();
    for u in unchecked {
        fields.extend(u.3.iter().map(|f| &**f));
    }
    let writes = collect_writes(ctx, &fields);
    let mut reported: FxHashSet<Span> = FxHashSet::default();
    for (site, flag, term, loop_fields) in unchecked {
        let CondKey::Field(owner, _) = &site.key else {
            continue;
        };
        for write in &writes {
            if write.field != *flag
                || write.owner != *owner
                || write.func.id == site.func.id
                || !falsifies(*term, write.change)
                || !always_written(program, write)
            {
                continue;
            }
            // The writer changes nothing the loop re-checks.
            let touches_loop = writes.iter().any(|w| {
                w.func.id == write.func.id && w.owner == *owner && loop_fields.contains(&w.field)
            });
            if touches_loop {
                continue;
            }
            let Some((signal_span, _)) = wakes(ctx, write.func, &site.key, facts, 2) else {
                continue;
            };
            if !reported.insert(site.span) {
                continue;
            }
            let cond_name = cond_display(program, facts, &site.key);
            findings.push(
                Finding::new(
                    CondMisuse::META.code,
                    FileIdx(site.func.def.file as usize),
                    site.span,
                    format!(
                        "{} sets {} and wakes {cond_name}, but this wait loop does not re-check {}: the woken waiters find their condition unchanged and wait again, forever",
                        super::short_name(write.func),
                        write.name,
                        write.name
                    ),
                )
                .related(
                    FileIdx(write.func.def.file as usize),
                    write.span,
                    format!("{} is set here", write.name),
                )
                .related(
                    FileIdx(write.func.def.file as usize),
                    signal_span,
                    "the waiters are woken here",
                )
                .suggest(format!(
                    "test {} inside the wait loop too: for !{} && <condition> {{ {cond_name}.Wait() }}, then return if it is set",
                    write.name, write.name
                )),
            );
        }
    }
}

/// Flags a function tests before `loop_start` with a bail-out (`if
/// q.closed { return 0, errClosed }`), outside any loop.
fn pre_loop_flags(
    program: &Program,
    file: &File,
    info: &FileInfo,
    func: &Function,
    loop_start: u32,
    loop_end: u32,
) -> Vec<(CondKey, Term)> {
    let mut out = Vec::new();
    let span = func.def.span;
    for stmt in &file.stmts {
        if stmt.span.start < span.start || stmt.span.end > span.end {
            continue;
        }
        // Tested before the loop, or only after it (`for len(q.items) ==
        // 0 { q.cond.Wait() }; if q.closed { return }`): either way the
        // loop itself does not look at it.
        let before = stmt.span.end <= loop_start;
        let after = stmt.span.start >= loop_end;
        if !before && !after {
            continue;
        }
        let StmtKind::If { cond, body, .. } = &stmt.kind else {
            continue;
        };
        let returns = body
            .stmts
            .iter()
            .any(|&s| matches!(file.stmt(s).kind, StmtKind::Return { .. }));
        if returns {
            exit_flags(program, file, info, *cond, &mut out);
        }
    }
    out
}

/// Whether every path from the writer's entry to its exit passes the write.
fn always_written(program: &Program, write: &Write<'_>) -> bool {
    let f = write.func;
    let cfg = &f.cfg;
    let Some((file, _)) = program.file_of(f) else {
        return false;
    };
    let writes_here = |b: goconc_semantic::cfg::BlockId| {
        cfg.block(b).nodes.iter().any(|n| match n {
            goconc_semantic::cfg::Node::Stmt(st) => {
                let span = file.stmt(*st).span;
                span.start <= write.span.start && write.span.end <= span.end
            }
            _ => false,
        })
    };
    writes_here(cfg.entry)
        || crate::rules::abandoned_channel::path_to_exit(f, cfg.entry, &writes_here).is_none()
}

fn cond_display(program: &Program, facts: &CondFacts<'_>, key: &CondKey) -> String {
    facts
        .sites
        .iter()
        .find(|s| s.key == *key)
        .map(|s| program.describe_path(s.path))
        .unwrap_or_else(|| "the Cond".to_string())
}

/// The condition (if any) and body of the innermost `for` loop of
/// `func_span` around `at`.
fn innermost_for(
    file: &File,
    func_span: Span,
    at: Span,
) -> Option<(Option<ExprId>, &goconc_syntax::ast::Block)> {
    let mut best: Option<(Span, Option<ExprId>, &goconc_syntax::ast::Block)> = None;
    for stmt in &file.stmts {
        let StmtKind::For { cond, body, .. } = &stmt.kind else {
            continue;
        };
        let span = stmt.span;
        if span.start < func_span.start || span.end > func_span.end {
            continue;
        }
        if body.span.start > at.start || body.span.end < at.end {
            continue;
        }
        if best.is_none_or(|(b, ..)| span.start >= b.start && span.end <= b.end) {
            best = Some((span, *cond, body));
        }
    }
    best.map(|(_, cond, body)| (cond, body))
}

/// Terms of the loop's exits before the wait: `if q.closed { return }` in
/// the body keeps the loop waiting while `q.closed` is false. Only a single
/// flag (`x.f`, `!x.f`) is read from such a condition.
fn exit_terms(
    program: &Program,
    func: &goconc_semantic::program::Function,
    file: &File,
    info: &FileInfo,
    body: &goconc_syntax::ast::Block,
    wait: Span,
    out: &mut Vec<(CondKey, Term)>,
) {
    for &stmt in body.stmts.iter() {
        let stmt = file.stmt(stmt);
        if stmt.span.start >= wait.start {
            break;
        }
        if let StmtKind::Select { body: clauses } = &stmt.kind {
            closed_channel_exits(program, file, info, clauses, out);
            continue;
        }
        let StmtKind::If { cond, body, .. } = &stmt.kind else {
            continue;
        };
        let leaves = body.stmts.iter().any(|&s| {
            matches!(
                file.stmt(s).kind,
                StmtKind::Return { .. }
                    | StmtKind::Branch {
                        kind: goconc_syntax::ast::BranchKind::Break,
                        ..
                    }
            )
        });
        if leaves {
            exit_flags(program, file, info, *cond, out);
            polled_channels(program, func, file, *cond, out);
        }
    }
}

/// `if s.stopping() { return }`, where the helper polls a channel field
/// (`select { case <-s.quit: return true; default: return false }`): the
/// loop leaves once that channel is closed.
fn polled_channels(
    program: &Program,
    func: &goconc_semantic::program::Function,
    file: &File,
    cond: ExprId,
    out: &mut Vec<(CondKey, Term)>,
) {
    let cond = file.unparen(cond);
    if !matches!(file.expr(cond).kind, ExprKind::Call { .. }) {
        return;
    }
    let helper = func.all_ops().find_map(|(_, _, op)| match &op.kind {
        goconc_semantic::ops::OpKind::Call {
            callee: goconc_semantic::ops::Callee::Func(c),
            ..
        } if op.expr == Some(cond) => program.function(*c),
        _ => None,
    });
    let Some(helper) = helper else {
        return;
    };
    let Some((hfile, hinfo)) = program.file_of(helper) else {
        return;
    };
    let span = helper.def.span;
    for stmt in &hfile.stmts {
        if stmt.span.start < span.start || stmt.span.end > span.end {
            continue;
        }
        let StmtKind::CommClause {
            comm: Some(comm),
            body,
            ..
        } = &stmt.kind
        else {
            continue;
        };
        let returns_true = body.first().is_some_and(|&s| {
            matches!(&hfile.stmt(s).kind, StmtKind::Return { results }
                if results.len() == 1 && hfile.text(hfile.expr(results[0]).span) == "true")
        });
        let received = match &hfile.stmt(*comm).kind {
            StmtKind::Expr(e) => Some(*e),
            StmtKind::Assign { rhs, .. } => rhs.first().copied(),
            _ => None,
        };
        let Some(received) = received.filter(|_| returns_true) else {
            continue;
        };
        let ExprKind::Unary {
            op: AstOp::Arrow,
            x,
        } = &hfile.expr(hfile.unparen(received)).kind
        else {
            continue;
        };
        let chan = hfile.unparen(*x);
        if !matches!(program.env.underlying(hinfo.ty(chan)), Type::Chan(_)) {
            continue;
        }
        if let Some(key @ CondKey::Field(..)) = field_key_of_expr(program, hfile, hinfo, chan) {
            out.push((key, Term::Closed));
        }
    }
}

/// `case <-x.done: return` (or `break`) clauses of a select in a wait
/// loop: the loop leaves once the channel field is closed.
fn closed_channel_exits(
    program: &Program,
    file: &File,
    info: &FileInfo,
    clauses: &goconc_syntax::ast::Block,
    out: &mut Vec<(CondKey, Term)>,
) {
    for &clause in clauses.stmts.iter() {
        let StmtKind::CommClause {
            comm: Some(comm),
            body,
            ..
        } = &file.stmt(clause).kind
        else {
            continue;
        };
        let received = match &file.stmt(*comm).kind {
            StmtKind::Expr(e) => Some(*e),
            StmtKind::Assign { rhs, .. } => rhs.first().copied(),
            _ => None,
        };
        let Some(received) = received else { continue };
        let ExprKind::Unary {
            op: AstOp::Arrow,
            x,
        } = &file.expr(file.unparen(received)).kind
        else {
            continue;
        };
        let leaves = body.iter().any(|&s| {
            matches!(
                file.stmt(s).kind,
                StmtKind::Return { .. }
                    | StmtKind::Branch {
                        kind: goconc_syntax::ast::BranchKind::Break,
                        label: Some(_),
                        ..
                    }
            )
        });
        if !leaves {
            continue;
        }
        let chan = file.unparen(*x);
        if !matches!(program.env.underlying(info.ty(chan)), Type::Chan(_)) {
            continue;
        }
        if let Some(key @ CondKey::Field(..)) = field_key_of_expr(program, file, info, chan) {
            out.push((key, Term::Closed));
        }
    }
}

fn exit_flags(
    program: &Program,
    file: &File,
    info: &FileInfo,
    e: ExprId,
    out: &mut Vec<(CondKey, Term)>,
) {
    let e = file.unparen(e);
    // A disjunction (`len(cc.streams) == 0 || cc.closed`) says nothing
    // certain about one flag: the writer may set it only when another
    // disjunct already holds.
    // The loop leaves when the flag reads `set`: it waits while it does not.
    if let Some((key, set)) = flag(program, file, info, e) {
        out.push((key, Term::Flag { waits_while: !set }));
    }
}

/// `x.f` (the flag read as true) or `!x.f` (read as false), for a bool
/// field `f`; `x.err != nil` (read as set) or `x.err == nil` (unset), for a
/// field that is set once to stop (`closeErr`, `shutdown chan`).
fn flag(program: &Program, file: &File, info: &FileInfo, e: ExprId) -> Option<(CondKey, bool)> {
    let e = file.unparen(e);
    match &file.expr(e).kind {
        ExprKind::Unary { op: AstOp::Not, x } => {
            bool_field(program, file, info, *x).map(|key| (key, false))
        }
        ExprKind::Selector { .. } => bool_field(program, file, info, e).map(|key| (key, true)),
        ExprKind::Binary {
            x,
            op: op @ (AstOp::Neq | AstOp::Eql),
            y,
            ..
        } => {
            let is_nil = |v: ExprId| file.text(file.expr(file.unparen(v)).span) == "nil";
            let field = match (is_nil(*x), is_nil(*y)) {
                (false, true) => *x,
                (true, false) => *y,
                _ => return None,
            };
            if !matches!(
                file.expr(file.unparen(field)).kind,
                ExprKind::Selector { .. }
            ) {
                return None;
            }
            field_key_of_expr(program, file, info, field).map(|key| (key, *op == AstOp::Neq))
        }
        _ => None,
    }
}

/// The field a predicate operand reads: `x.f` or `len(x.f)`.
fn state_field(program: &Program, file: &File, info: &FileInfo, e: ExprId) -> Option<CondKey> {
    let e = file.unparen(e);
    match &file.expr(e).kind {
        ExprKind::Selector { .. } => field_key_of_expr(program, file, info, e),
        ExprKind::Call { fun, args, .. } if args.len() == 1 => match info.res(file.unparen(*fun)) {
            Res::Builtin(Builtin::Len) => field_key_of_expr(program, file, info, args[0]),
            _ => None,
        },
        _ => None,
    }
}

fn is_int_literal(file: &File, e: ExprId, value: &str) -> bool {
    matches!(&file.expr(file.unparen(e)).kind, ExprKind::BasicLit(lit)
        if lit.kind == LitKind::Int && file.text(lit.span) == value)
}

fn is_len_or_cap(file: &File, info: &FileInfo, e: ExprId) -> bool {
    matches!(&file.expr(file.unparen(e)).kind, ExprKind::Call { fun, .. }
        if matches!(info.res(file.unparen(*fun)), Res::Builtin(Builtin::Len | Builtin::Cap)))
}

fn collect_terms(
    program: &Program,
    file: &File,
    info: &FileInfo,
    e: ExprId,
    out: &mut Vec<(CondKey, Term)>,
) {
    let e = file.unparen(e);
    match &file.expr(e).kind {
        ExprKind::Binary {
            x,
            op: AstOp::LAnd | AstOp::LOr,
            y,
            ..
        } => {
            collect_terms(program, file, info, *x, out);
            collect_terms(program, file, info, *y, out);
        }
        ExprKind::Unary { op: AstOp::Not, .. } | ExprKind::Selector { .. } => {
            if let Some((key, set)) = flag(program, file, info, e) {
                out.push((key, Term::Flag { waits_while: set }));
            }
        }
        ExprKind::Binary { x, op, y, .. } => {
            let left = state_field(program, file, info, *x);
            let right = state_field(program, file, info, *y);
            if let Some(key) = left {
                out.push((key, compare_term(file, info, *op, *y)));
            }
            if let Some(key) = right {
                let mirrored = match op {
                    AstOp::Lss => AstOp::Gtr,
                    AstOp::Gtr => AstOp::Lss,
                    AstOp::Leq => AstOp::Geq,
                    AstOp::Geq => AstOp::Leq,
                    other => *other,
                };
                out.push((key, compare_term(file, info, mirrored, *x)));
            }
        }
        _ => {}
    }
}

fn bool_field(program: &Program, file: &File, info: &FileInfo, e: ExprId) -> Option<CondKey> {
    let e = file.unparen(e);
    if !matches!(
        program.env.underlying(info.ty(e)),
        Type::Basic(goconc_semantic::types::Basic::Bool)
    ) {
        return None;
    }
    field_key_of_expr(program, file, info, e)
}

/// The term for `field <op> other`.
fn compare_term(file: &File, info: &FileInfo, op: AstOp, other: ExprId) -> Term {
    let zero = is_int_literal(file, other, "0");
    match op {
        AstOp::Eql if zero => Term::Empty,
        AstOp::Eql if is_len_or_cap(file, info, other) => Term::Full,
        AstOp::Leq if zero => Term::Empty,
        AstOp::Lss if is_int_literal(file, other, "1") => Term::Empty,
        AstOp::Lss | AstOp::Leq => Term::Below,
        AstOp::Gtr | AstOp::Geq => Term::Full,
        // `for x.pending != 0`: waits for the count to drain.
        AstOp::Neq if zero => Term::Full,
        _ => Term::Changed,
    }
}

/// Every write to a field named in `fields`, with the function around it.
fn collect_writes<'a>(ctx: &RuleContext<'a>, fields: &FxHashSet<&str>) -> Vec<Write<'a>> {
    let program = ctx.program;
    let mut by_file: FxHashMap<u32, Vec<&'a Function>> = FxHashMap::default();
    for f in ctx.functions() {
        by_file.entry(f.def.file).or_default().push(f);
    }
    let mut out = Vec::new();
    let mut file_ids: Vec<u32> = by_file.keys().copied().collect();
    file_ids.sort_unstable();
    for file_id in file_ids {
        let funcs = &by_file[&file_id];
        let Some((file, info)) = funcs.first().and_then(|f| program.file_of(f)) else {
            continue;
        };
        let innermost = |span: Span| -> Option<&'a Function> {
            funcs
                .iter()
                .filter(|f| f.def.span.start <= span.start && span.end <= f.def.span.end)
                .min_by_key(|f| f.def.span.end - f.def.span.start)
                .copied()
        };
        let mut push = |target: ExprId, change: Change, span: Span, value: Option<ExprId>| {
            let Some(CondKey::Field(owner, field)) = field_key_of_expr(program, file, info, target)
            else {
                return;
            };
            if !fields.contains(&*field) || writes_fresh_value(file, info, target) {
                return;
            }
            if let Some(func) = innermost(span).filter(|f| !ctx.is_test_driver(f)) {
                let from_param = value.and_then(|v| match info.res(file.unparen(v)) {
                    Res::Local(l) => func.def.params.iter().position(|p| p == l),
                    _ => None,
                });
                out.push(Write {
                    func,
                    name: file.text(file.expr(target).span).to_string(),
                    owner,
                    field,
                    change,
                    span,
                    from_param,
                });
            }
        };
        for stmt in &file.stmts {
            match &stmt.kind {
                StmtKind::Assign { lhs, op, rhs, .. } => {
                    for (i, &l) in lhs.iter().enumerate() {
                        let l = file.unparen(l);
                        if let ExprKind::Index { x, .. } = &file.expr(l).kind {
                            if matches!(program.env.underlying(info.ty(*x)), Type::Map(_)) {
                                push(*x, Change::Grow, stmt.span, None);
                            }
                            continue;
                        }
                        // `push` keeps only writes to the wanted fields;
                        // testing that first spares most assignments the
                        // statement scan of `lazily_initialised`.
                        let wanted = matches!(info.selection(l),
                            Some(Selection::Field { name, .. }) if fields.contains(&**name));
                        if !wanted {
                            continue;
                        }
                        // Lazy initialisation (`if p.m == nil { p.m =
                        // make(...) }`): nil and empty read the same to
                        // every waiter.
                        if lazily_initialised(file, l, stmt.span) {
                            continue;
                        }
                        let change = match op {
                            AssignOp::Compound(AstOp::Add) => Change::Grow,
                            AssignOp::Compound(AstOp::Sub) => Change::Shrink,
                            AssignOp::Compound(_) => Change::Assign,
                            AssignOp::Assign | AssignOp::Define => match rhs.get(i) {
                                Some(&r) if lhs.len() == rhs.len() => {
                                    classify_value(file, info, l, r)
                                }
                                _ => Change::Assign,
                            },
                        };
                        let value = match op {
                            AssignOp::Assign if lhs.len() == rhs.len() => rhs.get(i).copied(),
                            _ => None,
                        };
                        push(l, change, stmt.span, value);
                    }
                }
                StmtKind::IncDec { x, inc } => {
                    let change = if *inc { Change::Grow } else { Change::Shrink };
                    push(file.unparen(*x), change, stmt.span, None);
                }
                StmtKind::Expr(e) => {
                    if let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(*e)).kind {
                        match info.res(file.unparen(*fun)) {
                            Res::Builtin(Builtin::Delete | Builtin::Clear) => {
                                if let Some(&target) = args.first() {
                                    push(file.unparen(target), Change::Shrink, stmt.span, None);
                                }
                            }
                            Res::Builtin(Builtin::Close) => {
                                if let Some(&target) = args.first() {
                                    push(file.unparen(target), Change::Close, stmt.span, None);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Whether no code in the package can store to the unexported `field` of
/// `owner`: no assignment, `++`/`--`, range variable or address-of names
/// it, and no composite literal of the type fills it.
fn never_written(ctx: &RuleContext<'_>, owner: &str, field: &str) -> bool {
    if field.starts_with(|c: char| c.is_uppercase()) {
        return false;
    }
    let Some(model) = ctx.model() else {
        return false;
    };
    let program = ctx.program;
    // Through embedded fields too (`w.closed` on a half embedding the
    // shared state).
    let names_field = |file: &File, info: &FileInfo, e: ExprId| {
        matches!(field_key_of_expr(program, file, info, file.unparen(e)),
            Some(CondKey::Field(o, f)) if o == owner && &*f == field)
    };
    for (source, info) in model.pkg.files.iter().zip(&model.files) {
        let file = &*source.ast;
        for stmt in &file.stmts {
            let written = match &stmt.kind {
                StmtKind::Assign { lhs, .. } => lhs.iter().any(|&l| names_field(file, info, l)),
                StmtKind::IncDec { x, .. } => names_field(file, info, *x),
                StmtKind::Range { key, value, .. } => key
                    .iter()
                    .chain(value.iter())
                    .any(|&v| names_field(file, info, v)),
                _ => false,
            };
            if written {
                return false;
            }
        }
        for (index, expr) in file.exprs.iter().enumerate() {
            let written = match &expr.kind {
                ExprKind::Unary { op: AstOp::And, x } => names_field(file, info, *x),
                ExprKind::CompositeLit { elts, .. } => {
                    let Ok(raw) = u32::try_from(index) else {
                        return false;
                    };
                    super::type_key(info.ty(ExprId(raw)).strip_pointer()) == owner
                        && elts.iter().any(|&e| match &file.expr(e).kind {
                            ExprKind::KeyValue { key, .. } => {
                                matches!(&file.expr(*key).kind, ExprKind::Ident(k) if file.name(*k) == field)
                            }
                            // A positional literal fills every field.
                            _ => true,
                        })
                }
                _ => false,
            };
            if written {
                return false;
            }
        }
    }
    true
}

/// Whether the store to `target` at `at` sits in `if target == nil { ... }`.
fn lazily_initialised(file: &File, target: ExprId, at: Span) -> bool {
    let target_text = file.text(file.expr(target).span);
    file.stmts.iter().any(|stmt| {
        let StmtKind::If { cond, body, .. } = &stmt.kind else {
            return false;
        };
        body.span.start <= at.start
            && at.end <= body.span.end
            && file.text(file.expr(file.unparen(*cond)).span) == format!("{target_text} == nil")
    })
}

/// How `target = value` changes the field.
fn classify_value(file: &File, info: &FileInfo, target: ExprId, value: ExprId) -> Change {
    let value = file.unparen(value);
    let same =
        |e: ExprId| file.text(file.expr(file.unparen(e)).span) == file.text(file.expr(target).span);
    match &file.expr(value).kind {
        ExprKind::Ident(id) if matches!(info.res(value), Res::Predeclared) => {
            match file.name(*id) {
                "true" => Change::SetBool(true),
                "false" => Change::SetBool(false),
                "nil" => Change::Shrink,
                _ => Change::Assign,
            }
        }
        ExprKind::BasicLit(_) if is_int_literal(file, value, "0") => Change::Shrink,
        ExprKind::Call { fun, args, .. } => match info.res(file.unparen(*fun)) {
            Res::Builtin(Builtin::Append) if args.first().is_some_and(|&a| same(a)) => Change::Grow,
            Res::Builtin(Builtin::Make) => Change::Shrink,
            _ => Change::Assign,
        },
        ExprKind::Slice { x, .. } if same(*x) => Change::Shrink,
        ExprKind::CompositeLit { elts, .. } if elts.is_empty() => Change::Shrink,
        _ => Change::Assign,
    }
}

/// `x.f = v` where `x` is a local holding a value the function has just
/// built (`x := &T{}`): nobody can be waiting on it yet.
fn writes_fresh_value(file: &File, info: &FileInfo, target: ExprId) -> bool {
    let ExprKind::Selector { x, .. } = &file.expr(target).kind else {
        return false;
    };
    let Res::Local(l) = info.res(file.unparen(*x)) else {
        return false;
    };
    let Some(init) = info.local(*l).and_then(|local| local.init) else {
        return false;
    };
    let mut init = file.unparen(init);
    if let ExprKind::Unary { op: AstOp::And, x } = &file.expr(init).kind {
        init = file.unparen(*x);
    }
    match &file.expr(init).kind {
        ExprKind::CompositeLit { .. } => true,
        ExprKind::Call { fun, .. } => {
            matches!(info.res(file.unparen(*fun)), Res::Builtin(Builtin::New))
        }
        _ => false,
    }
}

/// Where `func` (or a callee, `depth` levels down) signals or broadcasts
/// `cond`; a Broadcast is preferred over a Signal.
fn wakes(
    ctx: &RuleContext<'_>,
    func: &Function,
    cond: &CondKey,
    facts: &CondFacts<'_>,
    depth: u32,
) -> Option<(Span, CondOp)> {
    let own = facts
        .sites
        .iter()
        .filter(|s| s.func.id == func.id && s.key == *cond && s.op != CondOp::Wait)
        .min_by_key(|s| (s.op == CondOp::Signal, s.span.start));
    if let Some(site) = own {
        return Some((site.span, site.op));
    }
    // A method value handed to a timer or callback (`c.Broadcast`).
    if mentions_signal(ctx.program, func, cond) {
        return Some((func.def.span, CondOp::Broadcast));
    }
    if depth == 0 {
        return None;
    }
    for (op, callee) in ctx.program.static_calls(func) {
        if callee.pkg == func.pkg && wakes(ctx, callee, cond, facts, depth - 1).is_some() {
            return Some((op.span, CondOp::Broadcast));
        }
    }
    None
}

/// Whether `func` wakes `cond` (itself, or through a callee) at a point
/// written after offset `after`.
fn wakes_after(
    ctx: &RuleContext<'_>,
    func: &Function,
    cond: &CondKey,
    facts: &CondFacts<'_>,
    after: u32,
) -> bool {
    let own = facts.sites.iter().any(|s| {
        s.func.id == func.id && s.key == *cond && s.op != CondOp::Wait && s.span.start > after
    });
    // Closures it starts after that point (`go func() { rb.Write(p) }()`).
    let closures = || {
        ctx.functions().any(|h| {
            h.def.span.start > after
                && ctx.parent(h).is_some_and(|p| p.id == func.id)
                && wakes(ctx, h, cond, facts, 2).is_some()
        })
    };
    own || closures()
        || func.all_ops().any(|(_, _, op)| {
            let OpKind::Call {
                callee: Callee::Func(c),
                ..
            } = &op.kind
            else {
                return false;
            };
            op.span.start > after
                && ctx.program.function(*c).is_some_and(|callee| {
                    callee.pkg == func.pkg && wakes(ctx, callee, cond, facts, 1).is_some()
                })
        })
}

/// `func`'s source mentions `x.cond.Signal`/`Broadcast` without calling it
/// (a method value handed to a timer or callback); such mentions have no
/// site of their own.
fn mentions_signal(program: &Program, func: &Function, cond: &CondKey) -> bool {
    let Some((file, info)) = program.file_of(func) else {
        return false;
    };
    let span = func.def.span;
    file.exprs.iter().any(|e| {
        let ExprKind::Selector { x, sel } = &e.kind else {
            return false;
        };
        e.span.start >= span.start
            && e.span.end <= span.end
            && matches!(file.name(*sel), "Signal" | "Broadcast")
            && field_key_of_expr(program, file, info, *x).as_ref() == Some(cond)
    })
}

/// Every in-package caller of `func` wakes `cond` (a `...Locked` helper
/// whose caller broadcasts after it returns); a closure's enclosing function
/// counts as its caller.
fn callers_wake(
    ctx: &RuleContext<'_>,
    func: &Function,
    cond: &CondKey,
    facts: &CondFacts<'_>,
    releases_nobody: &dyn Fn(&Function) -> bool,
) -> bool {
    let mut callers: Vec<&Function> = Vec::new();
    let mut woken_by_tests = false;
    // A test wakes the waiters for the change only with a wake after its
    // call (`SetBlocking(true)` then `Write`); one that schedules work and
    // then stops the service does not.
    for g in ctx.functions() {
        if ctx.is_test_driver(g) {
            let first_call = g
                .all_ops()
                .filter(|(_, _, op)| matches!(&op.kind, OpKind::Call { callee, .. } if *callee == Callee::Func(func.id)))
                .map(|(_, _, op)| op.span.start)
                .min();
            if let Some(at) = first_call {
                if !wakes_after(ctx, g, cond, facts, at) {
                    return false;
                }
                woken_by_tests = true;
            }
            continue;
        }
        let calls = g.all_ops().any(|(_, _, op)| match &op.kind {
            OpKind::Call {
                callee, func_arg, ..
            } => {
                *callee == Callee::Func(func.id)
                    || func_arg
                        .as_ref()
                        .is_some_and(|fa| fa.func == FuncArg::Func(func.id))
            }
            _ => false,
        });
        if calls {
            callers.push(g);
        }
    }
    if let Some(parent) = ctx.parent(func) {
        callers.push(parent);
    }
    (woken_by_tests || !callers.is_empty())
        && callers.iter().all(|g| {
            g.id != func.id && (wakes(ctx, g, cond, facts, 2).is_some() || releases_nobody(g))
        })
}

/// The constant `true`/`false` that `caller` passes as argument `index` at
/// each of its calls of `callee`; `None` when some call passes anything
/// else (or the calls cannot be read).
fn constant_bool_args(
    ctx: &RuleContext<'_>,
    caller: &Function,
    callee: &Function,
    index: usize,
) -> Option<Vec<bool>> {
    let (file, info) = ctx.program.file_of(caller)?;
    let mut values = Vec::new();
    for (_, _, op) in caller.all_ops() {
        if !matches!(&op.kind, OpKind::Call { callee: c, .. } if *c == Callee::Func(callee.id)) {
            continue;
        }
        let call = file
            .exprs
            .iter()
            .find(|e| e.span == op.span && matches!(e.kind, ExprKind::Call { .. }))?;
        let ExprKind::Call { args, .. } = &call.kind else {
            return None;
        };
        let arg = file.unparen(*args.get(index)?);
        match (&file.expr(arg).kind, info.res(arg)) {
            (ExprKind::Ident(id), Res::Predeclared) => match file.name(*id) {
                "true" => values.push(true),
                "false" => values.push(false),
                _ => return None,
            },
            _ => return None,
        }
    }
    (!values.is_empty()).then_some(values)
}

/// A plain receive in the writer between its change and its wake-up, on a
/// channel that only the waiting side signals: closed or sent to by the
/// waiter itself or by a function that calls it (a consumer goroutine
/// with `defer close(q.stopped)` around its `q.next()` wait loop).
fn waits_on_waiter_before_signal(
    ctx: &RuleContext<'_>,
    write: &Write<'_>,
    signal: Span,
    waiter: &Function,
) -> Option<(Span, String)> {
    use goconc_semantic::ops::{ChanOp, Mode};
    let program = ctx.program;
    let f = write.func;
    for (_, _, op) in f.all_ops() {
        let OpKind::Chan {
            op: ChanOp::Recv,
            path: Some(path),
            select: None,
            ..
        } = &op.kind
        else {
            continue;
        };
        if op.mode != Mode::Now || op.span.start <= write.span.end || op.span.start >= signal.start
        {
            continue;
        }
        let Some(owner) = program.field_owner(path) else {
            continue;
        };
        let mut signallers = ctx.functions().filter(|g| {
            g.all_ops().any(|(_, _, o)| {
                matches!(&o.kind, OpKind::Chan { op: ChanOp::Close | ChanOp::Send, path: Some(q), .. }
                    if program.field_owner(q).as_ref() == Some(&owner))
            })
        });
        let Some(first) = signallers.next() else {
            continue;
        };
        let runs_waiter = |g: &Function| {
            g.id == waiter.id || g.all_ops().any(|(_, _, o)| {
                matches!(&o.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == waiter.id)
                    && o.mode == Mode::Now
            })
        };
        if runs_waiter(first) && signallers.all(runs_waiter) {
            return Some((op.span, program.describe_path(path)));
        }
    }
    None
}

/// `func` is a closure of `waiter`: the waiter started its own signaller,
/// a one-to-one handshake.
fn started_by(ctx: &RuleContext<'_>, func: &Function, waiter: &Function) -> bool {
    let mut cur = func;
    for _ in 0..64 {
        let Some(parent) = ctx.parent(cur) else {
            return false;
        };
        if parent.id == waiter.id {
            return true;
        }
        cur = parent;
    }
    false
}

fn in_loop_at(func: &Function, span: Span) -> bool {
    let in_loop = func.cfg.in_loop();
    func.all_ops()
        .find(|(_, _, op)| op.span == span)
        .is_some_and(|(b, _, _)| in_loop.get(b.index()).copied().unwrap_or(false))
}

/// Several goroutines can wait in `waiter` at once: a goroutine that
/// reaches it (directly or through one call) is started in a loop, or by an
/// exported method, which callers can run again and again (an `Attach`
/// per session); or the waiter is itself an exported request-path method
/// (`Pool.Get`, `Queue.Pop`) that callers run from many goroutines. An
/// exported lifecycle method is no evidence: `Close` that waits for a
/// worker is typically called once.
fn has_many_waiters(ctx: &RuleContext<'_>, waiter: &Function) -> bool {
    if is_request_path_method(waiter) {
        return true;
    }
    let calls = |g: &Function, target: FuncId| {
        g.all_ops().any(|(_, _, op)| {
            matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == target)
        })
    };
    let reaches_waiter = |g: &Function| {
        g.id == waiter.id
            || calls(g, waiter.id)
            || g.all_ops().any(|(_, _, op)| match &op.kind {
                OpKind::Call {
                    callee: Callee::Func(c),
                    ..
                } if op.mode == goconc_semantic::ops::Mode::Now => ctx
                    .program
                    .function(*c)
                    .is_some_and(|h| h.pkg == g.pkg && calls(h, waiter.id)),
                _ => false,
            })
    };
    ctx.functions().any(|g| {
        let in_loop = g.cfg.in_loop();
        // An exported method, run again per session on the same object;
        // constructors (plain functions) start one waiter per new object.
        let exported = g.def.parent.is_none()
            && g.def.recv.is_some()
            && super::short_name(g)
                .chars()
                .next()
                .is_some_and(char::is_uppercase);
        g.all_ops().any(|(b, _, op)| {
            if op.mode != goconc_semantic::ops::Mode::Spawned
                || !(exported || in_loop.get(b.index()).copied().unwrap_or(false))
            {
                return false;
            }
            let target = match &op.kind {
                OpKind::Call {
                    callee: Callee::Func(c),
                    ..
                } => Some(*c),
                OpKind::Call {
                    func_arg: Some(fa), ..
                } => match fa.func {
                    FuncArg::Func(t) => Some(t),
                    _ => None,
                },
                _ => None,
            };
            target
                .and_then(|t| ctx.program.function(t))
                .is_some_and(reaches_waiter)
        })
    })
}

/// An exported method that serves requests rather than ending a lifecycle:
/// callers run it concurrently. `Close`, `Stop`, `Wait`... are called once
/// by the owner.
fn is_request_path_method(f: &Function) -> bool {
    const LIFECYCLE: &[&str] = &[
        "Close",
        "Stop",
        "Shutdown",
        "Wait",
        "Done",
        "Join",
        "Finish",
        "Drain",
        "Flush",
        "Run",
        "Serve",
        "Start",
        "Quit",
        "Exit",
        "Terminate",
        "Cancel",
        "Release",
        "Sync",
    ];
    let name = super::short_name(f);
    let name = name.rsplit('.').next().unwrap_or(name);
    f.def.parent.is_none()
        && f.def.recv.is_some()
        && name.chars().next().is_some_and(char::is_uppercase)
        && !LIFECYCLE.iter().any(|l| name.starts_with(l))
}

/// The lock `L` of `cond` (named as the source would, `mu`) when the
/// change `write` happens without it: `L` is a sibling field of the Cond,
/// neither the writing function (nor the function around a closure) takes
/// it or runs with it held (`...Locked`, an unlock helper), and no caller
/// takes it either.
fn unlocked_change(
    ctx: &RuleContext<'_>,
    facts: &CondFacts<'_>,
    write: &Write<'_>,
    cond: &CondKey,
) -> Option<String> {
    let program = ctx.program;
    let super::LockOfCond::Sibling { fields, .. } = facts.locks.get(cond)? else {
        return None;
    };
    let [lock_field] = fields.as_slice() else {
        return None;
    };
    let takes = |f: &Function| {
        let name = super::short_name(f);
        name.ends_with("Locked")
            || name.ends_with("locked")
            || program.summary(f.id).is_some_and(|s| {
                let is_lock = |p: &goconc_semantic::ops::AccessPath| is_cond_lock(p, lock_field);
                s.acquires.iter().any(|a| is_lock(&a.path))
                    || s.net_released.iter().any(|(p, _)| is_lock(p))
            })
            // Last: it reads the doc comment.
            || crate::lockstate::documented_as_called_locked(program, f)
    };
    let mut current = write.func;
    for _ in 0..16 {
        if takes(current) {
            return None;
        }
        match ctx.parent(current) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    // A caller holding the lock at the call (`reset` locking around
    // `clear()`), or one that runs with it held by contract.
    let is_lock = |p: &goconc_semantic::ops::AccessPath| is_cond_lock(p, lock_field);
    let calls_writer = |op: &goconc_semantic::ops::Op| matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. } if *c == write.func.id);
    let caller_takes = ctx.functions().any(|g| {
        if g.id == write.func.id || !g.all_ops().any(|(_, _, op)| calls_writer(op)) {
            return false;
        }
        let name = super::short_name(g);
        if name.ends_with("Locked") || name.ends_with("locked") {
            return true;
        }
        let mut held_at_call = false;
        crate::rules::lock_order_inversion::for_each_op_with_held(program, g, |_, _, op, held| {
            if calls_writer(op) && held.locks.keys().any(|(p, _)| is_lock(p)) {
                held_at_call = true;
            }
        });
        held_at_call
    });
    (!caller_takes).then(|| {
        let owner = write.name.rsplit_once('.').map_or("", |(o, _)| o);
        if owner.is_empty() {
            lock_field.to_string()
        } else {
            format!("{owner}.{lock_field}")
        }
    })
}

/// A path naming the Cond's lock: its field (`x.mu`), or the Cond's own
/// `L` (`x.cond.L.Lock()`).
fn is_cond_lock(path: &goconc_semantic::ops::AccessPath, lock_field: &Sym) -> bool {
    match path.fields.last() {
        Some(goconc_semantic::ops::PathElem::Field(f)) => f == lock_field || &**f == "L",
        _ => false,
    }
}
