//! GC103 `select-without-cancel`.

use rustc_hash::FxHashMap as HashMap;
use rustc_hash::FxHashSet as HashSet;
use std::cell::RefCell;

use goconc_semantic::body::{FileInfo, Local, LocalKind, Res};
use goconc_semantic::cfg::Node;
use goconc_semantic::env::{Builtin, Selection};
use goconc_semantic::ops::{AccessPath, Base, ChanOp, Mode, Op, OpKind, PathElem};
use goconc_semantic::program::{Function, PackageModel};
use goconc_semantic::types::{Sym, Type};
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprId, ExprKind, Op as AstOp, Span, StmtId, StmtKind};

use super::unmatched_channel_op::{chan_key, literal_field_makes, ChanKey, Escapes};
use goconc_syntax::File;

use super::waitgroup_misuse::flow;
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Off by default (`--extend-select GC103` turns it on): it enforces the
    /// playbook's shutdown discipline rather than finding a hang, and on
    /// real services most loops it flags end by other means (a bounded
    /// input, a channel the owner closes, a deadline). About one judged
    /// finding in five was a goroutine that really could not be shut down.
    ///
    /// Finds goroutine loops that block on channels without a way out: a
    /// `select` without `default`, or a bare channel send/receive, inside a
    /// loop of a function that has a `context.Context` in scope (a
    /// parameter, a variable captured from the enclosing function, or a
    /// struct field such as `s.ctx`) but does not select on `ctx.Done()`.
    ///
    /// A select is considered cancellable when one of its cases receives
    /// from a done/quit signal: `ctx.Done()` or any channel derived from it,
    /// a `chan struct{}` (unless the package never closes it and either
    /// sends on it — a trigger such as `resyncCh` — or is the only code that
    /// can reach it), a channel that is closed somewhere in the package,
    /// a `v, ok := <-ch` receive (the loop ends when `ch` is closed), or a
    /// bare `case <-quit: return` (the goroutine's stop channel). A context
    /// that is only ever `context.Background()` or `context.TODO()` cannot
    /// be cancelled and does not count as one in scope; neither does the
    /// context parameter of an unexported function every call passes
    /// `context.Background()` (or a variable set once to it, or a context
    /// parameter of its own that every caller fills the same way; in
    /// package `main` exported functions count too), nor, in a
    /// program's `main`, a context whose
    /// cancel func only runs deferred (it ends when main returns). A case
    /// on a deadline timer armed once before the loop and never reset
    /// (`case <-deadline.C: return`) bounds the wait, as does a polling
    /// loop that ends at its own deadline (`<-time.After(d)` then `if
    /// time.Now().After(expire) { break }`), and a test hook (a
    /// channel field only the package's tests set) is never sent to in
    /// production. A send whose every
    /// receiver is a `range` that only ends when the channel is closed (a
    /// drain fed by a worker pool, or a pipeline stage handed the channel as
    /// a parameter) cannot block forever and is not reported; channels a
    /// test hands to a stage do not count when the package itself calls it.
    /// Channels created by the function itself (buffered results, fan-in
    /// channels it owns) are not reported; in an endless `for {}` loop a
    /// case on such a channel is a way out only when it leaves the loop
    /// (`case err := <-errc: return err`), since the results of the
    /// goroutines it keeps starting never end it.
    ///
    /// An empty `select {}` in a function with a context in scope is
    /// reported wherever it is: it parks the goroutine for good, and
    /// `<-ctx.Done()` is the way to park until shutdown.
    ///
    /// Also not reported: a send to the completion channel of a different
    /// request each iteration (`req.done <- err` for `req := queue[0]` or a
    /// range element) when every `make` of that field in the package is
    /// buffered with a constant capacity ≥ 1 (a one-shot reply that cannot
    /// block), including a fan-out to registered waiters
    /// (`for _, w := range call.waiters { w <- res }`) when every channel
    /// appended to that waiter list is made buffered (emptying the list,
    /// `call.waiters = nil`, stores no channel); a send on a channel
    /// parameter by a function the package never starts as a goroutine
    /// whose only context is a field of its receiver (a metrics
    /// collector's `Describe(ch)`: the caller's goroutine owns and reads
    /// the channel); a counting semaphore's acquire (`sem <- struct{}{}`)
    /// whose slot a goroutine the function starts gives back; and a loop
    /// receiving
    /// from a `chan os.Signal`, the process's
    /// root signal handler, which lives as long as the process. Test
    /// drivers (test functions, and plain functions of `_test.go` files) are
    /// bounded by the test timeout and are not checked; methods of types
    /// declared in test files are.
    ///
    /// A `v, ok := <-in` case does not excuse a loop whose owner stops it
    /// by cancelling the context it passed (`ctx, s.cancel =
    /// context.WithCancel(ctx)` at every call) when nothing in the package
    /// closes `in`.
    ///
    /// ## Why is this bad?
    /// The playbook rule is that every goroutine's lifecycle is tied to a
    /// context: whoever starts it must be able to stop it. A loop that
    /// blocks on a channel without `case <-ctx.Done():` outlives the request
    /// or the component that started it: cancelling the context does
    /// nothing, the goroutine and everything it references leak, and a
    /// producer blocked on a send to a consumer that went away stays blocked
    /// forever. Polling `ctx.Err()` at the top of the loop does not help
    /// while the goroutine is parked in the select.
    ///
    /// ## Example
    /// ```go
    /// func (w *watcher) Run(ctx context.Context) {
    ///     for {
    ///         select {
    ///         case ev := <-w.events:
    ///             w.apply(ev)
    ///         case <-w.ticker.C:
    ///             w.resync()
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (w *watcher) Run(ctx context.Context) {
    ///     for {
    ///         select {
    ///         case ev := <-w.events:
    ///             w.apply(ev)
    ///         case <-w.ticker.C:
    ///             w.resync()
    ///         case <-ctx.Done():
    ///             return
    ///         }
    ///     }
    /// }
    /// ```
    ///
    /// ## Known limitations
    /// Loops that end by other means the analysis cannot see (a counter of
    /// expected messages, a sentinel value) are reported when their channel
    /// comes from outside the function; add the `ctx.Done()` case anyway or
    /// suppress the finding.
    pub struct SelectWithoutCancel {
        code: "GC103",
        name: "select-without-cancel",
        category: GoroutineLeak,
        default: false,
        fixable: false,
        summary: "Blocking select or channel op in a loop ignores the context in scope",
    }
}

impl Rule for SelectWithoutCancel {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let scan = Scan::new(ctx);
        for f in ctx.functions() {
            let has_chan = f
                .ops
                .iter()
                .any(|(_, op)| matches!(op.kind, OpKind::Chan { .. } | OpKind::Select { .. }));
            if !has_chan {
                continue;
            }
            let Some((file, info)) = program.file_of(f) else {
                continue;
            };
            // Test drivers bound every wait with the test timeout and their
            // goroutines die with the test binary.
            if ctx.is_test_driver(f) {
                continue;
            }
            // Only functions with a blocking channel op in a loop pay for
            // the scope and loop scans below.
            let in_loop = f.cfg.in_loop();
            let any_candidate = f.all_ops().any(|(b, _, op)| {
                op.may_block()
                    && match op.kind {
                        OpKind::Select { cases: 0, .. } => true,
                        OpKind::Chan { .. } | OpKind::Select { .. } => {
                            in_loop.get(b.index()).copied().unwrap_or(false)
                        }
                        _ => false,
                    }
            });
            if !any_candidate {
                continue;
            }
            let Some(context) = context_in_scope(ctx, f, file, info) else {
                continue;
            };
            if let Some(finding) = first_uncancellable(&scan, f, file, info, &context) {
                findings.push(finding);
            }
        }
    }
}

/// A context reachable from the function, and where it comes into scope.
struct ContextInScope {
    /// How to write it: `ctx`, `s.ctx`.
    expr: String,
    span: Span,
    origin: &'static str,
    /// A field of the receiver (`s.ctx`), not a parameter or variable.
    from_receiver: bool,
}

fn is_context(program: &Program, t: &Type) -> bool {
    t.is_named("context", "Context") || program.underlying(t).is_named("context", "Context")
}

/// The context `f` can observe: its own parameter or variable, one
/// captured from an enclosing function, or a field of the receiver.
fn context_in_scope(
    rule: &RuleContext<'_>,
    f: &Function,
    file: &File,
    info: &FileInfo,
) -> Option<ContextInScope> {
    let program = rule.program;
    let model = program.packages.get(f.pkg as usize)?;
    let first = model.funcs.first()?.0;
    let own = flow::own_index(program, f)?;
    // This function first, then the enclosing ones (captured variables).
    let mut chain = vec![(own, f)];
    let mut cur = f.def.parent;
    while let Some(parent) = cur {
        if chain.len() > 32 {
            break;
        }
        let g = program.function(goconc_semantic::ops::FuncId(first + parent))?;
        chain.push((parent, g));
        cur = g.def.parent;
    }
    for (depth, (index, g)) in chain.iter().enumerate() {
        let mut best: Option<(u8, &goconc_semantic::body::Local)> = None;
        for local in &info.locals {
            if local.func != *index || !is_context(program, &local.ty) {
                continue;
            }
            if depth > 0 && !local.captured {
                continue;
            }
            let rank = match local.kind {
                LocalKind::Param(_) => 0,
                LocalKind::Var => 1,
                _ => continue,
            };
            if local.name(file).is_empty() || local.name(file) == "_" {
                continue;
            }
            if never_cancelled(file, info, local)
                || always_passed_background(rule, g, local, 0)
                || cancelled_only_when_main_returns(rule, g, file, local)
            {
                continue;
            }
            if best.is_none_or(|(r, _)| rank < r) {
                best = Some((rank, local));
            }
        }
        if let Some((rank, local)) = best {
            let origin = match (depth, rank) {
                (0, 0) => "the context parameter",
                (0, _) => "the context is created here",
                _ => "the context captured from the enclosing function",
            };
            return Some(ContextInScope {
                expr: local.name(file).to_string(),
                span: local.span,
                origin,
                from_receiver: false,
            });
        }
        // A context stored in the receiver (`s.ctx`).
        if let (Some(recv), Some(recv_ty)) = (g.def.recv, g.def.recv_type.as_ref()) {
            let local = info.local(recv)?;
            let name = local.name(file);
            if name.is_empty() || name == "_" || (depth > 0 && !local.captured) {
                continue;
            }
            if let Type::Struct(st) = program.underlying(recv_ty.strip_pointer()) {
                if let Some(field) = st.fields.iter().find(|fd| is_context(program, &fd.ty)) {
                    return Some(ContextInScope {
                        expr: format!("{name}.{}", field.name),
                        span: local.span,
                        origin: "the receiver carries the context in a field",
                        from_receiver: true,
                    });
                }
            }
        }
    }
    None
}

/// A local context set once to `context.Background()` or `context.TODO()`:
/// nobody holds a cancel function for it, so a `case <-ctx.Done():` could
/// never fire and asking for one would not make the goroutine stoppable.
fn never_cancelled(file: &File, info: &FileInfo, local: &goconc_semantic::body::Local) -> bool {
    if local.kind != LocalKind::Var || local.reassigned {
        return false;
    }
    let Some(init) = local.init else {
        return false;
    };
    let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(init)).kind else {
        return false;
    };
    if !args.is_empty() {
        return false;
    }
    let fun = file.unparen(*fun);
    let ExprKind::Selector { sel, .. } = &file.expr(fun).kind else {
        return false;
    };
    let qualified_in_context = matches!(
        info.selection(fun),
        Some(Selection::Qualified(r)) if &*r.pkg == "context"
    );
    qualified_in_context && matches!(file.name(*sel), "Background" | "TODO")
}

/// `go b.commitLoop(context.Background())`: a context parameter of an
/// unexported function to which every call in the package passes
/// `context.Background()` or `context.TODO()`.
fn always_passed_background(
    rule: &RuleContext<'_>,
    g: &Function,
    local: &goconc_semantic::body::Local,
    depth: u32,
) -> bool {
    let LocalKind::Param(_) = local.kind else {
        return false;
    };
    if local.reassigned || depth > 2 {
        return false;
    }
    // Other packages may call an exported function, but nothing imports
    // package main.
    let short = g.def.name.rsplit('.').next().unwrap_or(&g.def.name);
    let in_main = rule.model().is_some_and(|m| &*m.pkg.name == "main");
    if (short.starts_with(|c: char| c.is_uppercase()) && !in_main) || g.def.parent.is_some() {
        return false;
    }
    let Some(index) = g.def.params.iter().position(|&p| {
        rule.program
            .local(&param_key_of(g, p))
            .is_some_and(|l| l.span == local.span)
    }) else {
        return false;
    };
    let mut calls = 0;
    for caller in rule.functions() {
        for (_, op) in &caller.ops {
            if !matches!(&op.kind, OpKind::Call { callee: goconc_semantic::ops::Callee::Func(c), .. } if *c == g.id)
            {
                continue;
            }
            let Some((cfile, cinfo)) = rule.program.file_of(caller) else {
                return false;
            };
            let Some(ExprKind::Call { args, .. }) = cfile
                .exprs
                .iter()
                .find(|e| e.span == op.span && matches!(e.kind, ExprKind::Call { .. }))
                .map(|e| &e.kind)
            else {
                return false;
            };
            let Some(&arg) = args.get(index) else {
                return false;
            };
            let arg = cfile.unparen(arg);
            let text = cfile.text(cfile.expr(arg).span);
            // `ctx := context.Background()` passed on counts as well, and
            // so does the caller's own context parameter when every call
            // of the caller passes one of those (`Start(ctx)` handing its
            // ctx to the worker it spawns).
            let background_local = matches!(cfile.expr(arg).kind, ExprKind::Ident(_))
                && matches!(cinfo.res(arg), Res::Local(l)
                if cinfo.local(*l).is_some_and(|l| {
                    // The function declaring it: the caller, or the one
                    // a calling closure captures it from.
                    let declarer = rule
                        .program
                        .packages
                        .get(caller.pkg as usize)
                        .and_then(|m| m.funcs.get(l.func as usize))
                        .and_then(|&id| rule.program.function(id));
                    never_cancelled(cfile, cinfo, l)
                        || declarer.is_some_and(|d| {
                            d.def.file == caller.def.file
                                && always_passed_background(rule, d, l, depth + 1)
                        })
                }));
            if text != "context.Background()" && text != "context.TODO()" && !background_local {
                return false;
            }
            calls += 1;
        }
    }
    calls > 0
}

/// The key of parameter `p` of `g`.
fn param_key_of(g: &Function, p: goconc_semantic::body::LocalId) -> goconc_semantic::ops::LocalKey {
    goconc_semantic::ops::LocalKey {
        pkg: g.pkg,
        file: g.def.file,
        local: p,
    }
}

/// `ctx, cancel := context.WithCancel(context.Background())` (or
/// `WithCancelCause`) in a program's `main` whose only use of `cancel` is
/// `defer cancel()`: the context ends
/// when main returns, so `select {}` there parks exactly as long as
/// `<-ctx.Done()` would.
fn cancelled_only_when_main_returns(
    rule: &RuleContext<'_>,
    g: &Function,
    file: &File,
    local: &goconc_semantic::body::Local,
) -> bool {
    let is_main = g.def.parent.is_none()
        && g.def.recv.is_none()
        && g.def.name.rsplit('.').next() == Some("main")
        && rule.model().is_some_and(|m| &*m.pkg.name == "main");
    if !is_main || local.kind != LocalKind::Var || local.reassigned {
        return false;
    }
    let declaring = file.stmts.iter().find_map(|st| match &st.kind {
        StmtKind::Assign { lhs, rhs, .. }
            if lhs.len() == 2 && rhs.len() == 1 && file.expr(lhs[0]).span == local.span =>
        {
            Some((lhs[1], rhs[0]))
        }
        _ => None,
    });
    let Some((cancel, call)) = declaring else {
        return false;
    };
    let ExprKind::Call { fun, .. } = &file.expr(file.unparen(call)).kind else {
        return false;
    };
    if !matches!(
        file.text(file.expr(file.unparen(*fun)).span),
        "context.WithCancel" | "context.WithCancelCause"
    ) {
        return false;
    }
    let cancel_name = file.text(file.expr(cancel).span);
    let body = file.text(g.def.span);
    let uses = body
        .match_indices(cancel_name)
        .filter(|(i, _)| {
            let before = body[..*i].chars().next_back();
            let after = body[i + cancel_name.len()..].chars().next();
            !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .count();
    uses == 2 && body.contains(&format!("defer {cancel_name}("))
}

/// The first blocking select or channel op in a loop of `f` that cannot be
/// interrupted, as a finding.
fn first_uncancellable(
    ctx: &Scan<'_, '_>,
    f: &Function,
    file: &File,
    info: &FileInfo,
    context: &ContextInScope,
) -> Option<Finding> {
    let program = ctx.rule.program;
    let in_loop = f.cfg.in_loop();
    let loops = Loops::collect(file, f.def.span);
    // A function that already selects on a cancellation signal somewhere
    // chose its plain sends/receives deliberately (e.g. a result send the
    // coordinator always drains); only its selects are checked.
    // The loop polls ctx itself (`for ctx.Err() == nil { ... }`): bounded
    // timer waits inside it are fine.
    let polls_ctx = f.all_ops().any(|(b, _, op)| {
        matches!(op.kind, OpKind::CtxObserve { .. })
            && in_loop.get(b.index()).copied().unwrap_or(false)
    });
    let aware = f.ops.iter().any(|(_, op)| {
        matches!(&op.kind, OpKind::Select { stmt, .. } if select_is_cancellable(ctx, f, file, info, &loops, *stmt))
    });
    let mut best: Option<(Span, String, String)> = None;
    for (block, node, op) in f.all_ops() {
        // `select {}` parks the goroutine for good, in a loop or not: with a
        // context in scope, waiting on it is the way to park.
        if let OpKind::Select { stmt, cases: 0, .. } = &op.kind {
            if op.mode == Mode::Now && best.is_none() {
                let span = file.stmts.get(stmt.index()).map(|s| s.span)?;
                best = Some((
                    span,
                    "`select {}`".to_string(),
                    format!(
                        "wait for cancellation instead: `<-{}.Done()` (and return its error)",
                        context.expr
                    ),
                ));
            }
            continue;
        }
        if op.mode != Mode::Now || !in_loop.get(block.index()).copied().unwrap_or(false) {
            continue;
        }
        let candidate = match &op.kind {
            OpKind::Select {
                stmt,
                has_default: false,
                ..
            } => {
                if select_is_cancellable(ctx, f, file, info, &loops, *stmt)
                    || !loops.innermost_is_endless(op.span)
                    || select_receives_os_signals(program, f, *stmt)
                {
                    continue;
                }
                let span = file.stmts.get(stmt.index()).map(|s| s.span)?;
                (
                    Span::new(span.start, span.start.saturating_add(6).min(span.end)),
                    "select in a loop".to_string(),
                    format!("add `case <-{}.Done(): return` to the select", context.expr),
                )
            }
            OpKind::Chan {
                path,
                op: chan_op @ (ChanOp::Send | ChanOp::Recv),
                ty,
                select: None,
            } => {
                let stmt = match f.cfg.block(block).nodes.get(node as usize) {
                    Some(Node::Stmt(s)) => Some(*s),
                    _ => None,
                };
                // A receive in a finite loop collects the replies to work
                // the function started; sends are checked in any loop.
                let finite_receive =
                    *chan_op == ChanOp::Recv && !loops.innermost_is_endless(op.span);
                if aware
                    || finite_receive
                    || bare_op_is_fine(ctx, f, file, info, op, path.as_ref(), ty, stmt, polls_ctx)
                    || (*chan_op == ChanOp::Send
                        && (sends_reply_of_request(program, f, file, path.as_ref())
                            || feeds_callers_channel(ctx.rule, f, path.as_ref(), context)
                            || acquires_released_slot(program, f, path.as_ref(), ty)
                            || buffered_kind_made_here(program, f, ty)
                            || sends_one_shot_completion(
                                ctx,
                                f,
                                file,
                                info,
                                path.as_ref(),
                                op.span,
                            )))
                {
                    continue;
                }
                let chan = chan_text(program, file, op, path.as_ref(), stmt);
                let what = if *chan_op == ChanOp::Send {
                    format!("send to {chan} in a loop")
                } else {
                    format!("receive from {chan} in a loop")
                };
                (
                    op.span,
                    what,
                    format!(
                        "wrap it in a select with `case <-{}.Done(): return`",
                        context.expr
                    ),
                )
            }
            _ => continue,
        };
        if best.as_ref().is_none_or(|b| candidate.0.start < b.0.start) {
            best = Some(candidate);
        }
    }
    let (span, what, fix) = best?;
    let file_idx = FileIdx(f.def.file as usize);
    Some(
        Finding::new(
            SelectWithoutCancel::META.code,
            file_idx,
            span,
            format!(
                "{what} has no case <-{}.Done(): this goroutine cannot be shut down",
                context.expr
            ),
        )
        .related(file_idx, context.span, context.origin)
        .suggest(fix),
    )
}

fn chan_text(
    program: &Program,
    file: &File,
    op: &Op,
    path: Option<&AccessPath>,
    stmt: Option<StmtId>,
) -> String {
    if let Some(p) = path {
        return program.describe_path(p);
    }
    let expr = match (op.expr, stmt) {
        (Some(e), _) => match &file.exprs.get(e.index()).map(|x| &x.kind) {
            Some(ExprKind::Unary { x, .. }) => Some(*x),
            _ => None,
        },
        (None, Some(s)) => match file.stmts.get(s.index()).map(|x| &x.kind) {
            Some(StmtKind::Send { chan, .. }) => Some(*chan),
            _ => None,
        },
        _ => None,
    };
    expr.map(|e| file.text(file.expr(e).span).to_string())
        .unwrap_or_else(|| "the channel".to_string())
}

/// Element type of a channel type (through named types).
fn chan_elem(program: &Program, ty: &Type) -> Option<Type> {
    let u = program.underlying(ty);
    u.as_chan().map(|(_, elem)| program.underlying(elem))
}

fn is_signal_elem(elem: &Type) -> bool {
    matches!(elem, Type::Struct(st) if st.fields.is_empty())
}

/// `v, ok := <-ch` / `v, ok = <-ch`: the loop notices when ch is closed.
fn is_comma_ok_receive(file: &File, stmt: Option<StmtId>) -> bool {
    let Some(StmtKind::Assign { lhs, rhs, .. }) = stmt
        .and_then(|s| file.stmts.get(s.index()))
        .map(|s| &s.kind)
    else {
        return false;
    };
    lhs.len() == 2
        && rhs.len() == 1
        && matches!(
            file.exprs
                .get(file.unparen(rhs[0]).index())
                .map(|e| &e.kind),
            Some(ExprKind::Unary {
                op: AstOp::Arrow,
                ..
            })
        )
}

fn is_call(file: &File, e: ExprId) -> bool {
    matches!(
        file.exprs.get(file.unparen(e).index()).map(|x| &x.kind),
        Some(ExprKind::Call { .. })
    )
}

/// Whether a channel is closed somewhere in the package (it serves as a
/// shutdown broadcast).
fn closed_in_package(ctx: &Scan<'_, '_>, chan: &AccessPath) -> bool {
    ctx.closed
        .iter()
        .any(|p| flow::same_location(ctx.rule.program, p, chan))
}

/// Whether a value is sent on a channel somewhere in the package.
fn sent_in_package(ctx: &Scan<'_, '_>, chan: &AccessPath) -> bool {
    ctx.sent
        .iter()
        .any(|p| flow::same_location(ctx.rule.program, p, chan))
}

/// A channel field only this package's code can reach: made here, never
/// stored from elsewhere, exported or handed out.
fn private_field(ctx: &Scan<'_, '_>, chan: &AccessPath) -> bool {
    let program = ctx.rule.program;
    let Some(key @ ChanKey::Field(..)) = chan_key(program, chan) else {
        return false;
    };
    if let Some(&known) = ctx.private_fields.borrow().get(&key) {
        return known;
    }
    let made = ctx.rule.functions().any(|g| {
        g.ops.iter().any(|(_, op)| {
            matches!(&op.kind, OpKind::MakeChan { path: Some(p), .. }
                if chan_key(program, p).as_ref() == Some(&key))
        })
    }) || literal_field_makes(ctx.rule)
        .iter()
        .any(|(owner, name, _)| ChanKey::field(owner, name.clone()) == key);
    let wanted: HashSet<ChanKey> = std::iter::once(key.clone()).collect();
    let answer = made && !Escapes::compute(ctx.rule, &wanted).escapes(&key);
    ctx.private_fields.borrow_mut().insert(key, answer);
    answer
}

/// What the rule computes once per package.
struct Scan<'a, 'p> {
    rule: &'a RuleContext<'p>,
    /// Every channel closed somewhere in the package.
    closed: Vec<AccessPath>,
    /// Every channel sent on somewhere in the package.
    sent: Vec<AccessPath>,
    /// Answers of `private_field`, filled on first use.
    private_fields: RefCell<HashMap<ChanKey, bool>>,
    /// Channel fields (declaring type, field name) and whether every value
    /// the package stores in them is a `make(chan T, n)` with constant
    /// n ≥ 1; filled on first use.
    buffered_fields: RefCell<HashMap<(Type, Sym), bool>>,
}

impl<'a, 'p> Scan<'a, 'p> {
    fn new(rule: &'a RuleContext<'p>) -> Scan<'a, 'p> {
        let mut closed = Vec::new();
        let mut sent = Vec::new();
        for g in rule.functions() {
            for (_, op) in &g.ops {
                if let OpKind::Chan {
                    path: Some(p),
                    op: chan_op @ (ChanOp::Close | ChanOp::Send),
                    ..
                } = &op.kind
                {
                    let seen = if *chan_op == ChanOp::Close {
                        &mut closed
                    } else {
                        &mut sent
                    };
                    if !seen.contains(p) {
                        seen.push(p.clone());
                    }
                }
            }
        }
        Scan {
            rule,
            closed,
            sent,
            private_fields: RefCell::default(),
            buffered_fields: RefCell::default(),
        }
    }

    /// Whether every value stored in channel field `field` of `owner` in
    /// this package is a `make(chan T, n)` with constant n ≥ 1 (and there is
    /// at least one).
    fn field_always_buffered(&self, owner: &Type, field: &Sym) -> bool {
        let key = (owner.clone(), field.clone());
        if let Some(&known) = self.buffered_fields.borrow().get(&key) {
            return known;
        }
        let answer = self.rule.model().is_some_and(|model| {
            stores_only_buffered_makes(self.rule.program, model, owner, field)
        });
        self.buffered_fields.borrow_mut().insert(key, answer);
        answer
    }
}

/// A select with a case on a done/quit signal.
fn select_is_cancellable(
    ctx: &Scan<'_, '_>,
    f: &Function,
    file: &File,
    info: &FileInfo,
    loops: &Loops,
    stmt: StmtId,
) -> bool {
    let program = ctx.rule.program;
    for (block, node, op) in f.all_ops() {
        let OpKind::Chan {
            path,
            op: chan_op,
            ty,
            select: Some(s),
        } = &op.kind
        else {
            continue;
        };
        if *s != stmt || *chan_op != ChanOp::Recv {
            continue;
        }
        let Some(elem) = chan_elem(program, ty) else {
            // Unknown channel type: assume it may be the way out.
            return true;
        };
        if elem.is_unknown() {
            return true;
        }
        // A `chan struct{}` is a stop signal unless nothing can close it:
        // the package never closes it and either sends on it (a trigger,
        // `case <-s.resyncCh:`) or is the only code that can reach it.
        if is_signal_elem(&elem)
            && !path.as_ref().is_some_and(|p| {
                !closed_in_package(ctx, p) && (sent_in_package(ctx, p) || private_field(ctx, p))
            })
        {
            return true;
        }
        if op
            .expr
            .is_some_and(|e| is_call(file, e) && is_context_done_call(program, file, info, e))
        {
            return true;
        }
        // The comm statement of the clause: `v, ok := <-ch`.
        let (comm, clause_body, clause_span) = match f.cfg.block(block).nodes.get(node as usize) {
            Some(Node::SelectCase { clause, .. }) => match file.stmts.get(clause.index()) {
                Some(c) => match &c.kind {
                    StmtKind::CommClause { comm, body, .. } => (*comm, Some(body), Some(c.span)),
                    _ => (None, None, None),
                },
                None => (None, None, None),
            },
            _ => (None, None, None),
        };
        if path.as_ref().is_some_and(|p| closed_in_package(ctx, p)) {
            return true;
        }
        // Channels the function owns (its own goroutines' results, a
        // channel it made or got from a call taking the context) end a
        // bounded wait; in an endless `for {}` loop their case is a way
        // out only when it leaves the loop.
        let owned = path.as_ref().is_some_and(|p| {
            made_here(program, f, p)
                || produced_by_own_goroutine(program, f, p)
                || returned_by_call_with_context(program, f, p)
        });
        if owned
            && (!loops.innermost_is_endless(op.span)
                || clause_span.is_some_and(|c| clause_leaves(file, c)))
        {
            return true;
        }
        if is_comma_ok_receive(file, comm) && !stopped_by_cancel(ctx.rule, f) {
            return true;
        }
        // `case <-deadline.C: return` on a timer armed once before the
        // loop: the wait ends when the deadline passes.
        if let (Some(p), Some(c)) = (path.as_ref(), clause_span) {
            if clause_leaves(file, c) && is_deadline(program, file, loops, p, op.span) {
                return true;
            }
        }
        // `case <-quit: return`: a value-less receive whose only job is to
        // end the goroutine is its stop channel, whoever owns it.
        if is_quit_case(file, comm, clause_body.map(|b| &b[..])) {
            return true;
        }
    }
    false
}

/// A timer channel armed once before the loop around `at` and never reset
/// in it: `deadline := time.NewTimer(d)` (received as `deadline.C`) or
/// `deadline := time.After(d)`.
fn is_deadline(program: &Program, file: &File, loops: &Loops, path: &AccessPath, at: Span) -> bool {
    let Base::Local(key) = &path.base else {
        return false;
    };
    let via_field = match path.fields.as_slice() {
        [] => false,
        [PathElem::Field(c)] if &**c == "C" => true,
        _ => return false,
    };
    let Some(local) = program.local(key) else {
        return false;
    };
    if local.reassigned {
        return false;
    }
    let Some(init) = local.init else {
        return false;
    };
    let Some(ExprKind::Call { fun, .. }) = file.exprs.get(init.index()).map(|e| &e.kind) else {
        return false;
    };
    let maker = file.text(file.expr(file.unparen(*fun)).span);
    let armed = if via_field {
        maker == "time.NewTimer"
    } else {
        maker == "time.After"
    };
    let Some(loop_body) = loops
        .loops
        .iter()
        .filter(|(body, _)| body.start <= at.start && at.end <= body.end)
        .min_by_key(|(body, _)| body.end - body.start)
        .map(|(body, _)| *body)
    else {
        return false;
    };
    let name = file.text(local.span);
    armed
        && local.span.end <= loop_body.start
        && !file.text(loop_body).contains(&format!("{name}.Reset("))
}

/// Whether the package stops `f` by cancelling the context it passes it:
/// every call of `f` hands its context parameter a context derived with
/// `context.WithCancel` whose cancel func is kept in a field (`ctx,
/// s.cancel = context.WithCancel(ctx)`, then `Stop` calls `s.cancel()`).
/// A loop in `f` that ends only when its input is closed then ignores the
/// way its owner stops it.
fn stopped_by_cancel(rule: &RuleContext<'_>, f: &Function) -> bool {
    let program = rule.program;
    let Some((_, finfo)) = program.file_of(f) else {
        return false;
    };
    let Some(index) = f.def.params.iter().position(|&p| {
        finfo
            .local(p)
            .is_some_and(|l| l.ty.is_named("context", "Context"))
    }) else {
        return false;
    };
    let mut calls = 0;
    for g in rule.functions() {
        let Some((file, info)) = program.file_of(g) else {
            continue;
        };
        for (_, _, op) in g.all_ops() {
            let OpKind::Call {
                callee: goconc_semantic::ops::Callee::Func(c),
                args,
                ..
            } = &op.kind
            else {
                continue;
            };
            if *c != f.id {
                continue;
            }
            let Some(Some(AccessPath {
                base: Base::Local(key),
                fields,
            })) = args.get(index)
            else {
                return false;
            };
            if !fields.is_empty() || key.file != g.def.file {
                return false;
            }
            let derived = file.stmts.iter().any(|stmt| {
                let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
                    return false;
                };
                let ([l0, l1], [r]) = (lhs.as_slice(), rhs.as_slice()) else {
                    return false;
                };
                let ExprKind::Call { fun, .. } = &file.expr(file.unparen(*r)).kind else {
                    return false;
                };
                *info.res(file.unparen(*l0)) == Res::Local(key.local)
                    && matches!(file.expr(file.unparen(*l1)).kind, ExprKind::Selector { .. })
                    && super::unmatched_channel_op::derives_cancellable(file, info, *fun)
            });
            if !derived {
                return false;
            }
            calls += 1;
        }
    }
    calls > 0
}

/// Whether a select clause can leave the loop around it: it contains a
/// `return` or a labelled `break`/`continue`/`goto` outside nested function
/// literals.
fn clause_leaves(file: &File, clause: Span) -> bool {
    let inside = |s: Span| s.start >= clause.start && s.end <= clause.end;
    let literals: Vec<Span> = file
        .exprs
        .iter()
        .filter(|e| inside(e.span) && matches!(e.kind, ExprKind::FuncLit { .. }))
        .map(|e| e.span)
        .collect();
    file.stmts.iter().any(|stmt| {
        inside(stmt.span)
            && !literals
                .iter()
                .any(|l| stmt.span.start >= l.start && stmt.span.end <= l.end)
            && match &stmt.kind {
                StmtKind::Return { .. } => true,
                StmtKind::Branch { label, .. } => label.is_some(),
                _ => false,
            }
    })
}

/// A select clause `case <-ch: return`: the received value is dropped and
/// the clause does nothing but return.
fn is_quit_case(file: &File, comm: Option<StmtId>, body: Option<&[StmtId]>) -> bool {
    let Some(comm) = comm.and_then(|c| file.stmts.get(c.index())) else {
        return false;
    };
    let bare_receive = match &comm.kind {
        StmtKind::Expr(x) => matches!(
            &file.expr(file.unparen(*x)).kind,
            ExprKind::Unary {
                op: AstOp::Arrow,
                ..
            }
        ),
        _ => false,
    };
    let returns = match body {
        Some([only]) => file
            .stmts
            .get(only.index())
            .is_some_and(|s| matches!(s.kind, StmtKind::Return { .. })),
        _ => false,
    };
    bare_receive && returns
}

/// `x.Done()` on a context (or any call producing a signal channel).
fn is_context_done_call(program: &Program, file: &File, info: &FileInfo, e: ExprId) -> bool {
    let ExprKind::Call { fun, .. } = &file.expr(file.unparen(e)).kind else {
        return false;
    };
    let ExprKind::Selector { x, .. } = &file.expr(file.unparen(*fun)).kind else {
        return false;
    };
    is_context(program, info.ty(*x))
}

/// A bare send/receive in a loop that is not a shutdown hazard.
#[allow(clippy::too_many_arguments)]
fn bare_op_is_fine(
    ctx: &Scan<'_, '_>,
    f: &Function,
    file: &File,
    info: &FileInfo,
    op: &Op,
    path: Option<&AccessPath>,
    ty: &Type,
    stmt: Option<StmtId>,
    polls_ctx: bool,
) -> bool {
    let program = ctx.rule.program;
    let Some(elem) = chan_elem(program, ty) else {
        return true;
    };
    if elem.is_unknown() || (polls_ctx && elem.is_named("time", "Time")) {
        return true;
    }
    // `for { s := <-sigs; ... }`: the process's signal handler.
    if carries_os_signals(program, ty) {
        return true;
    }
    let is_recv = matches!(
        &op.kind,
        OpKind::Chan {
            op: ChanOp::Recv,
            ..
        }
    );
    if is_recv {
        let operand = op
            .expr
            .and_then(|e| match &file.exprs.get(e.index())?.kind {
                ExprKind::Unary { x, .. } => Some(*x),
                _ => None,
            });
        // `<-ctx.Done()` and other calls producing a signal channel: this
        // is the wait for cancellation itself.
        if operand.is_some_and(|x| {
            is_call(file, x)
                && (is_signal_elem(&elem) || is_context_done_call(program, file, info, x))
        }) {
            return true;
        }
        if is_comma_ok_receive(file, stmt) {
            return true;
        }
        if path.is_some_and(|p| {
            closed_in_package(ctx, p) || returned_by_call_with_context(program, f, p)
        }) {
            return true;
        }
    }
    let Some(path) = path else {
        // `<-time.After(d)` has no path but is a timer: report it unless
        // the loop polls ctx; anything else without a path is unknown.
        return polls_ctx
            || !is_recv
            || !op.expr.is_some_and(|e| is_timer_receive(file, info, e))
            || deadline_bounded_loop(file, op.span);
    };
    // A channel this function (or its enclosing function) creates: the
    // function owns both ends.
    if made_here(program, f, path) {
        return true;
    }
    // A test hook (`if f.testHook != nil { f.testHook <- ev }`): only the
    // package's tests ever set the field, so production code never sends.
    if set_only_by_tests(ctx.rule, path) {
        return true;
    }
    if !is_recv && drained_until_closed(ctx, f, path) {
        return true;
    }
    // A channel used as a semaphore or token (`<-sem ... sem <- tok`): the
    // function both takes from it and gives back.
    let want = if is_recv { ChanOp::Send } else { ChanOp::Recv };
    f.ops.iter().any(|(_, o)| {
        matches!(&o.kind, OpKind::Chan { path: Some(p), op, .. } if p == path && *op == want)
    })
}

/// Whether every receive from the channel `f` sends on is a `range` loop
/// that only ends when the channel is closed, and something closes it: a
/// drain (`for err := range errc { ... }` fed by a worker pool and closed
/// after the workers' Wait) keeps receiving until the senders are done, so
/// the send cannot block forever. A channel that arrives as a parameter is
/// followed to the arguments of every call in the package (a few levels).
fn drained_until_closed(ctx: &Scan<'_, '_>, f: &Function, path: &AccessPath) -> bool {
    let program = ctx.rule.program;
    let Some(origins) = channel_origins(ctx, f, path, 0) else {
        return false;
    };
    !origins.is_empty()
        && origins.iter().all(|origin| {
            let mut receives = 0;
            let all_drains = ctx.rule.functions().all(|g| {
                g.all_ops().all(|(block, _, op)| match &op.kind {
                    OpKind::Chan {
                        path: Some(p),
                        op: chan_op @ (ChanOp::Recv | ChanOp::Range),
                        select,
                        ..
                    } => {
                        // A receive through a parameter (`for s := range
                        // in` in a stage handed the channel) receives from
                        // the channels its callers pass.
                        let receives_origin = flow::same_location(program, p, origin)
                            || (param_rooted(g, p)
                                && match channel_origins(ctx, g, p, 0) {
                                    Some(theirs) => theirs
                                        .iter()
                                        .any(|o| flow::same_location(program, o, origin)),
                                    // Callers the model cannot follow:
                                    // judged like any other channel.
                                    None => false,
                                });
                        if !receives_origin {
                            return true;
                        }
                        receives += 1;
                        *chan_op == ChanOp::Range
                            && select.is_none()
                            && op.mode == Mode::Now
                            && !super::unmatched_channel_op::loop_has_other_exit(g, block)
                    }
                    _ => true,
                })
            });
            all_drains && receives > 0 && closed_in_package(ctx, origin)
        })
}

/// Whether the channel field at the end of `path` is stored (assigned, or
/// set in a keyed literal) somewhere in the package, and only in its
/// `_test.go` files.
fn set_only_by_tests(ctx: &RuleContext<'_>, path: &AccessPath) -> bool {
    let Some(PathElem::Field(field)) = path.fields.last() else {
        return false;
    };
    let Some(model) = ctx.model() else {
        return false;
    };
    let mut by_tests = false;
    for src in &model.pkg.files {
        let file = &*src.ast;
        let names_field = |e: ExprId| match &file.expr(file.unparen(e)).kind {
            ExprKind::Selector { sel, .. } => file.name(*sel) == &**field,
            _ => false,
        };
        let stores = file.stmts.iter().any(|st| {
            matches!(&st.kind, StmtKind::Assign { lhs, .. } if lhs.iter().any(|&l| names_field(l)))
        }) || file.exprs.iter().any(|e| {
            matches!(&e.kind, ExprKind::KeyValue { key, .. }
                if matches!(&file.expr(*key).kind, ExprKind::Ident(k) if file.name(*k) == &**field))
        });
        if !stores {
            continue;
        }
        if !crate::is_test_path(&src.path) {
            return false;
        }
        by_tests = true;
    }
    by_tests
}

/// Whether `path` starts at a parameter (or the receiver) of `f`.
fn param_rooted(f: &Function, path: &AccessPath) -> bool {
    let goconc_semantic::ops::Base::Local(key) = &path.base else {
        return false;
    };
    let (recv, params) = f.param_keys();
    recv == Some(*key) || params.contains(key)
}

/// The channels a path names in the frames that create them: the path
/// itself unless it is rooted in a parameter of `f`, else the argument of
/// every call of `f` in the package, translated to the caller. `None` when
/// some caller passes something the model cannot follow, or `f` is never
/// called here (its callers are elsewhere).
fn channel_origins(
    ctx: &Scan<'_, '_>,
    f: &Function,
    path: &AccessPath,
    depth: u32,
) -> Option<Vec<AccessPath>> {
    let program = ctx.rule.program;
    let goconc_semantic::ops::Base::Local(key) = &path.base else {
        return Some(vec![path.clone()]);
    };
    let (recv, params) = f.param_keys();
    if recv != Some(*key) && !params.contains(key) {
        return Some(vec![path.clone()]);
    }
    if depth >= 3 {
        return None;
    }
    let mut origins = Vec::new();
    // The channels tests hand in are bounded by the test timeout (test
    // drivers are not checked); production callers decide when there are.
    let calls: Vec<_> = flow::calls_of(ctx.rule.functions(), f.id).collect();
    let production = calls
        .iter()
        .any(|(caller, ..)| !ctx.rule.is_test_driver(caller));
    for (caller, recv, args) in calls {
        if production && ctx.rule.is_test_driver(caller) {
            continue;
        }
        let in_caller = program.substitute(f.id, path, recv, args)?;
        origins.extend(channel_origins(ctx, caller, &in_caller, depth + 1)?);
    }
    (!origins.is_empty()).then_some(origins)
}

/// A channel variable assigned from a call that takes a context
/// (`wch := w.Watch(ctx, key)`, `events, errs := Subscribe(ctx, f)`): by
/// convention such channels are closed when the context ends.
fn returned_by_call_with_context(program: &Program, f: &Function, path: &AccessPath) -> bool {
    let goconc_semantic::ops::Base::Local(key) = &path.base else {
        return false;
    };
    if !path.fields.is_empty() {
        return false;
    }
    let Some(local) = program.local(key) else {
        return false;
    };
    let Some(def_fn) = std::iter::once(f)
        .chain(flow::ancestors(program, f))
        .find(|g| flow::own_index(program, g) == Some(local.func))
    else {
        return false;
    };
    let Some((file, info)) = program.file_of(def_fn) else {
        return false;
    };
    let call_has_context = |call: ExprId| match &file.expr(file.unparen(call)).kind {
        ExprKind::Call { args, .. } => args.iter().any(|a| is_context(program, info.ty(*a))),
        _ => false,
    };
    if let Some(init) = local.init {
        return call_has_context(init);
    }
    // `a, b := call(ctx, ...)`: find the declaring assignment.
    def_fn
        .cfg
        .blocks
        .iter()
        .flat_map(|b| b.nodes.iter())
        .any(|node| {
            let Node::Stmt(s) = node else {
                return false;
            };
            let Some(StmtKind::Assign { lhs, rhs, .. }) =
                file.stmts.get(s.index()).map(|s| &s.kind)
            else {
                return false;
            };
            rhs.len() == 1
                && lhs.iter().any(|l| file.expr(*l).span == local.span)
                && call_has_context(rhs[0])
        })
}

/// The loops of a function body: body span and whether the loop has no
/// condition (`for { ... }`).
struct Loops {
    loops: Vec<(Span, bool)>,
}

impl Loops {
    fn collect(file: &File, within: Span) -> Loops {
        let mut loops = Vec::new();
        for stmt in &file.stmts {
            if stmt.span.start < within.start || stmt.span.end > within.end {
                continue;
            }
            match &stmt.kind {
                StmtKind::For { cond, body, .. } => loops.push((body.span, cond.is_none())),
                StmtKind::Range { body, .. } => loops.push((body.span, false)),
                _ => {}
            }
        }
        Loops { loops }
    }

    /// Whether the innermost loop around `span` is an endless `for { }`
    /// (a `goto` loop counts as endless).
    fn innermost_is_endless(&self, span: Span) -> bool {
        self.loops
            .iter()
            .filter(|(body, _)| body.start <= span.start && span.end <= body.end)
            .min_by_key(|(body, _)| body.end - body.start)
            .is_none_or(|(_, endless)| *endless)
    }
}

/// A send on a channel carried by a request received from a channel
/// (`for req := range reqs { req.reply <- v }`): the requester waits for it.
fn sends_reply_of_request(
    program: &Program,
    f: &Function,
    file: &File,
    path: Option<&AccessPath>,
) -> bool {
    let Some(path) = path else {
        return false;
    };
    let goconc_semantic::ops::Base::Local(key) = &path.base else {
        return false;
    };
    if path.fields.is_empty() || key.file != f.def.file {
        return false;
    }
    let Some(local) = program.local(key) else {
        return false;
    };
    let Some(info) = program.file_of(f).map(|(_, info)| info) else {
        return false;
    };
    let from_channel = |x: ExprId| program.underlying(info.ty(x)).as_chan().is_some();
    f.cfg
        .blocks
        .iter()
        .flat_map(|b| b.nodes.iter())
        .any(|node| match node {
            Node::RangeNext(s) | Node::RangeInit(s) => {
                match file.stmts.get(s.index()).map(|s| &s.kind) {
                    Some(StmtKind::Range { key, value, x, .. }) => {
                        [key, value]
                            .iter()
                            .any(|v| v.is_some_and(|v| file.expr(v).span == local.span))
                            && from_channel(*x)
                    }
                    _ => false,
                }
            }
            Node::Stmt(s) => match file.stmts.get(s.index()).map(|s| &s.kind) {
                Some(StmtKind::Assign { lhs, rhs, .. }) => {
                    rhs.len() == 1
                        && lhs.iter().any(|l| file.expr(*l).span == local.span)
                        && matches!(
                            file.expr(file.unparen(rhs[0])).kind,
                            ExprKind::Unary {
                                op: AstOp::Arrow,
                                ..
                            }
                        )
                }
                _ => false,
            },
            _ => false,
        })
}

/// A send on a channel the caller passed in (`Describe(ch chan<-
/// *prometheus.Desc)`, a visitor's output) by a function nothing in the
/// package starts as a goroutine, whose only context is a field of its
/// receiver: the call runs on the caller's goroutine, which owns the
/// channel and reads it, and the receiver's lifetime context says nothing
/// about this call.
fn feeds_callers_channel(
    rule: &RuleContext<'_>,
    f: &Function,
    path: Option<&AccessPath>,
    context: &ContextInScope,
) -> bool {
    let Some(AccessPath {
        base: Base::Local(key),
        fields,
    }) = path
    else {
        return false;
    };
    let is_param = key.pkg == f.pkg && key.file == f.def.file && f.def.params.contains(&key.local);
    if !context.from_receiver || !fields.is_empty() || !is_param || f.def.parent.is_some() {
        return false;
    }
    !crate::rules::unmatched_channel_op::goroutine_targets(rule).contains_key(&f.id)
}

/// The function (or an enclosing one) creates buffered channels of this
/// very type (e.g. one buffered channel per member, sent to once each).
fn buffered_kind_made_here(program: &Program, f: &Function, ty: &Type) -> bool {
    let Some((_, elem)) = program
        .underlying(ty)
        .as_chan()
        .map(|(d, e)| (d, e.clone()))
    else {
        return false;
    };
    std::iter::once(f)
        .chain(flow::ancestors(program, f))
        .any(|g| {
            g.ops.iter().any(|(_, o)| match &o.kind {
                OpKind::MakeChan { cap, ty: made, .. } => {
                    *cap != Some(0)
                        && program
                            .underlying(made)
                            .as_chan()
                            .is_some_and(|(_, e)| *e == elem)
                }
                _ => false,
            })
        })
}

/// A channel created by `f` or an enclosing function.
fn made_here(program: &Program, f: &Function, path: &AccessPath) -> bool {
    std::iter::once(f)
        .chain(flow::ancestors(program, f))
        .any(|g| {
            g.ops.iter().any(
                |(_, o)| matches!(&o.kind, OpKind::MakeChan { path: Some(p), .. } if p == path),
            )
        })
}

/// A counting semaphore's acquire (`r.sem <- struct{}{}` before `go
/// func() { defer func() { <-r.sem }() ... }()`): a goroutine `f` starts
/// gives the slot back, so the send waits only for running work, never
/// for a party that can go away.
fn acquires_released_slot(
    program: &Program,
    f: &Function,
    path: Option<&AccessPath>,
    ty: &Type,
) -> bool {
    let Some(path) = path else {
        return false;
    };
    let token = program.underlying(ty).as_chan().is_some_and(
        |(_, elem)| matches!(program.underlying(elem), Type::Struct(st) if st.fields.is_empty()),
    );
    token
        && f.ops.iter().any(|(_, op)| {
            op.mode == Mode::Spawned
                && program
                    .call_chan_uses(op)
                    .any(|(u, p)| u == ChanOp::Recv && flow::same_location(program, &p, path))
        })
}

/// A channel fed by a goroutine that `f` starts itself (its reader loop,
/// its workers): when the producer ends, so does the loop's reason to wait.
fn produced_by_own_goroutine(program: &Program, f: &Function, path: &AccessPath) -> bool {
    f.ops.iter().any(|(_, op)| {
        op.mode == Mode::Spawned
            && program
                .call_chan_uses(op)
                .any(|(u, p)| u == ChanOp::Send && flow::same_location(program, &p, path))
    })
}

/// A polling loop that ends at its own deadline (`if
/// time.Now().After(expire) { break }`, `time.Since(start) > limit`):
/// sleeping in it with `<-time.After(d)` waits a bounded time in all.
fn deadline_bounded_loop(file: &File, span: Span) -> bool {
    let body = file
        .stmts
        .iter()
        .filter_map(|stmt| match &stmt.kind {
            StmtKind::For { body, .. }
                if body.span.start <= span.start && span.end <= body.span.end =>
            {
                Some(body.span)
            }
            _ => None,
        })
        .min_by_key(|b| b.end - b.start);
    body.is_some_and(|b| {
        let text = file.text(b);
        text.contains("time.Now().After(")
            || text.contains("time.Since(")
            || text.contains("time.Until(")
    })
}

/// `<-time.After(d)` / `<-time.Tick(d)`: a timer receive (blocking for a
/// bounded but uncancellable time).
fn is_timer_receive(file: &File, info: &FileInfo, e: ExprId) -> bool {
    let ExprKind::Unary { x, .. } = &file.expr(e).kind else {
        return false;
    };
    let ExprKind::Call { .. } = &file.expr(file.unparen(*x)).kind else {
        return false;
    };
    matches!(info.ty(*x).as_chan(), Some((_, elem)) if elem.is_named("time", "Time"))
}

/// A channel whose elements are `os.Signal` (through named channel types).
fn carries_os_signals(program: &Program, ty: &Type) -> bool {
    program
        .underlying(ty)
        .as_chan()
        .is_some_and(|(_, elem)| elem.is_named("os", "Signal"))
}

/// A select with a case receiving `os.Signal`s: the loop around it is the
/// process's signal handler, which lives as long as the process.
fn select_receives_os_signals(program: &Program, f: &Function, stmt: StmtId) -> bool {
    f.ops.iter().any(|(_, op)| {
        matches!(
            &op.kind,
            OpKind::Chan { op: ChanOp::Recv, ty, select: Some(s), .. }
                if *s == stmt && carries_os_signals(program, ty)
        )
    })
}

/// A send to the completion channel of a different request each iteration
/// (`req.done <- err` where `req` is a range element, or `req := queue[0]` /
/// `req := <-reqs` declared in the loop), when every channel the package
/// stores in that field is buffered: each request is answered once into its
/// own free slot, so the send cannot block.
fn sends_one_shot_completion(
    scan: &Scan<'_, '_>,
    f: &Function,
    file: &File,
    info: &FileInfo,
    path: Option<&AccessPath>,
    send: Span,
) -> bool {
    let Some(path) = path else {
        return false;
    };
    let Base::Local(key) = &path.base else {
        return false;
    };
    let through_fields_only = path.fields.iter().all(|e| matches!(e, PathElem::Field(_)));
    if key.pkg != f.pkg || key.file != f.def.file || !through_fields_only {
        return false;
    }
    let Some(request) = info.local(key.local) else {
        return false;
    };
    if path.fields.is_empty() {
        // `for _, w := range x.waiters { w <- result }`: one reply per
        // registered waiter, each into its own buffered channel.
        return !request.reassigned
            && ranged_waiter_field(file, info, request)
                .is_some_and(|(owner, field)| scan.field_always_buffered(&owner, &field));
    }
    if !differs_each_iteration(file, request, send) {
        return false;
    }
    scan.rule
        .program
        .field_owner(path)
        .is_some_and(|(owner, field)| scan.field_always_buffered(&owner, &field))
}

/// Whether `local` holds a new element on each iteration of a loop around
/// `send`: a range key/value, or a variable declared in the loop body from
/// an index expression (`queue[0]`) or a receive.
fn differs_each_iteration(file: &File, local: &Local, send: Span) -> bool {
    if local.reassigned {
        return false;
    }
    let inside = |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end;
    let element_init = local.init.is_some_and(|init| {
        matches!(
            file.expr(file.unparen(init)).kind,
            ExprKind::Index { .. }
                | ExprKind::Unary {
                    op: AstOp::Arrow,
                    ..
                }
        )
    });
    file.stmts.iter().any(|stmt| match &stmt.kind {
        StmtKind::Range {
            key, value, body, ..
        } if inside(body.span, send) => {
            [key, value]
                .iter()
                .any(|v| v.is_some_and(|v| file.expr(v).span == local.span))
                || (element_init && inside(body.span, local.span))
        }
        StmtKind::For { body, .. } => {
            element_init && inside(body.span, send) && inside(body.span, local.span)
        }
        _ => false,
    })
}

/// Scans every file of the package for stores into `owner.field`: keyed
/// and positional composite literals of `owner` and `x.field = v`
/// assignments. True when there is at least one and each stores a
/// `make(chan T, n)` with constant n ≥ 1. Types declared in another package
/// may be filled there: false.
fn stores_only_buffered_makes(
    program: &Program,
    model: &PackageModel,
    owner: &Type,
    field: &Sym,
) -> bool {
    if owner
        .as_named()
        .is_none_or(|named| named.pkg != model.pkg.path)
    {
        return false;
    }
    let position = match program.underlying(owner) {
        Type::Struct(st) => st.fields.iter().position(|fd| fd.name == *field),
        _ => None,
    };
    let list_field = match program.underlying(owner) {
        Type::Struct(st) => st
            .fields
            .iter()
            .find(|fd| fd.name == *field)
            .is_some_and(|fd| matches!(program.underlying(&fd.ty), Type::Slice(_))),
        _ => false,
    };
    let mut stores = 0usize;
    for (source, info) in model.pkg.files.iter().zip(&model.files) {
        let file = &*source.ast;
        let buffered = |value: ExprId| buffered_value(program, model, file, info, field, value, 0);
        for (index, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            let Ok(raw) = u32::try_from(index) else {
                break;
            };
            let lit = ExprId(raw);
            if info.ty(lit).strip_pointer() != owner {
                continue;
            }
            for (i, &elt) in elts.iter().enumerate() {
                let value = match &file.expr(elt).kind {
                    ExprKind::KeyValue { key, value } => match &file.expr(*key).kind {
                        ExprKind::Ident(k) if **field == *file.name(*k) => *value,
                        _ => continue,
                    },
                    _ if position == Some(i) => elt,
                    _ => continue,
                };
                stores += 1;
                if !buffered(value) {
                    return false;
                }
            }
        }
        for stmt in &file.stmts {
            let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind else {
                continue;
            };
            for (i, &target) in lhs.iter().enumerate() {
                let ExprKind::Selector { x, sel } = &file.expr(file.unparen(target)).kind else {
                    continue;
                };
                if **field != *file.name(*sel) {
                    continue;
                }
                let Some(Selection::Field { embedded, .. }) = info.selection(target) else {
                    continue;
                };
                // Through embedded fields the declaring type is another
                // one; count the store rather than miss it.
                if info.ty(*x).strip_pointer() != owner && embedded.is_empty() {
                    continue;
                }
                let value = if lhs.len() == rhs.len() {
                    rhs.get(i).copied()
                } else {
                    None
                };
                // Emptying a waiter list (`x.waiters = nil` after the
                // fan-out) stores no channel.
                let emptied = list_field
                    && value.is_some_and(|v| {
                        *info.ty(file.unparen(v))
                            == Type::Basic(goconc_semantic::types::Basic::UntypedNil)
                    });
                if emptied {
                    continue;
                }
                stores += 1;
                if !value.is_some_and(buffered) {
                    return false;
                }
            }
        }
    }
    stores > 0
}

/// Whether `value`, stored in channel field `field` (or in a slice field
/// of channels), is buffered: `make(chan T, n)` with constant n ≥ 1, a
/// variable initialised once with one, or, for a waiter list,
/// `append(x.field, ch)` / `[]chan T{ch}` of such channels.
fn buffered_value(
    program: &Program,
    model: &PackageModel,
    file: &File,
    info: &FileInfo,
    field: &Sym,
    value: ExprId,
    depth: u32,
) -> bool {
    if depth > 4 {
        return false;
    }
    let value = file.unparen(value);
    let recurse = |e: ExprId| buffered_value(program, model, file, info, field, e, depth + 1);
    match &file.expr(value).kind {
        ExprKind::Call {
            fun,
            args,
            ellipsis,
        } => match info.res(file.unparen(*fun)) {
            Res::Builtin(Builtin::Make) => {
                args.len() == 2
                    && args.get(1).is_some_and(|cap| {
                        goconc_semantic::body::const_int(&program.env, &model.pkg, file, info, *cap)
                            .is_some_and(|n| n >= 1)
                    })
            }
            Res::Builtin(Builtin::Append) => {
                let appends_to_field = args.first().is_some_and(|&list| {
                    matches!(&file.expr(file.unparen(list)).kind,
                        ExprKind::Selector { sel, .. } if **field == *file.name(*sel))
                });
                ellipsis.is_none()
                    && appends_to_field
                    && args.len() >= 2
                    && args.iter().skip(1).all(|&a| recurse(a))
            }
            _ => false,
        },
        ExprKind::CompositeLit { elts, .. } => {
            matches!(program.underlying(info.ty(value)), Type::Slice(_))
                && !elts.is_empty()
                && elts.iter().all(|&e| match &file.expr(e).kind {
                    ExprKind::KeyValue { value, .. } => recurse(*value),
                    _ => recurse(e),
                })
        }
        ExprKind::Ident(_) => match info.res(value) {
            Res::Local(l) => info
                .local(*l)
                .filter(|local| !local.reassigned)
                .and_then(|local| local.init)
                .is_some_and(recurse),
            _ => false,
        },
        _ => false,
    }
}

/// The field a waiter-list loop ranges over: `for _, w := range x.waiters`
/// or over a copy taken first (`waiters := x.waiters`). `local` is the
/// range value.
pub(crate) fn ranged_waiter_field(
    file: &File,
    info: &FileInfo,
    local: &Local,
) -> Option<(Type, Sym)> {
    let ranged = file.stmts.iter().find_map(|stmt| match &stmt.kind {
        StmtKind::Range {
            value: Some(v), x, ..
        } if file.expr(*v).span == local.span => Some(*x),
        _ => None,
    })?;
    let mut list = file.unparen(ranged);
    if let Res::Local(l) = info.res(list) {
        let copy = info.local(*l).filter(|c| !c.reassigned)?;
        list = file.unparen(copy.init?);
    }
    let ExprKind::Selector { x, .. } = &file.expr(list).kind else {
        return None;
    };
    let Some(Selection::Field { embedded, name, .. }) = info.selection(list) else {
        return None;
    };
    if !embedded.is_empty() {
        return None;
    }
    Some((info.ty(*x).strip_pointer().clone(), name.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&SelectWithoutCancel);
    }

    fn run(src: &str) -> Vec<Finding> {
        crate::testing::check_source(&SelectWithoutCancel, src)
    }

    #[test]
    fn main_parks_on_a_context_only_its_return_cancels() {
        // cancel runs only when main returns: `<-ctx.Done()` would park
        // exactly as long as `select {}`.
        let parked = "package main\n\nimport \"context\"\n\nfunc serve(ctx context.Context) {}\n\nfunc main() {\n\tctx, cancel := context.WithCancel(context.Background())\n\tdefer cancel()\n\tgo serve(ctx)\n\tselect {}\n}\n";
        assert!(run(parked).is_empty(), "{:?}", run(parked));
        // A signal handler cancels it: main should wait for that.
        let handled = "package main\n\nimport (\n\t\"context\"\n\t\"os\"\n\t\"os/signal\"\n)\n\nfunc serve(ctx context.Context) {}\n\nfunc main() {\n\tctx, cancel := context.WithCancel(context.Background())\n\tdefer cancel()\n\tsigs := make(chan os.Signal, 1)\n\tsignal.Notify(sigs, os.Interrupt)\n\tgo func() {\n\t\t<-sigs\n\t\tcancel()\n\t}()\n\tgo serve(ctx)\n\tselect {}\n}\n";
        let findings = run(handled);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0]
            .message
            .starts_with("`select {}` has no case <-ctx.Done()"));
        // Outside package main the same shape is a library parking for good.
        let library = parked.replacen("package main", "package app", 1);
        assert_eq!(run(&library).len(), 1);
    }

    #[test]
    fn loop_context_every_caller_passes_background() {
        let src = "package app\n\nimport \"context\"\n\ntype req struct{ quit bool }\n\ntype Batcher struct{ in chan req }\n\nfunc New() *Batcher {\n\tb := &Batcher{in: make(chan req)}\n\tgo b.loop(context.Background())\n\treturn b\n}\n\nfunc (b *Batcher) loop(ctx context.Context) {\n\tfor {\n\t\tr := <-b.in\n\t\tif r.quit {\n\t\t\treturn\n\t\t}\n\t\t_ = ctx\n\t}\n}\n\nfunc (b *Batcher) Shutdown() { b.in <- req{quit: true} }\n";
        assert!(run(src).is_empty(), "{:?}", run(src));
        // A caller with a real context makes it cancellable.
        let cancellable = src.replacen(
            "func (b *Batcher) Shutdown()",
            "func (b *Batcher) Restart(ctx context.Context) { go b.loop(ctx) }\n\nfunc (b *Batcher) Shutdown()",
            1,
        );
        assert_eq!(run(&cancellable).len(), 1, "{:?}", run(&cancellable));
    }
}
