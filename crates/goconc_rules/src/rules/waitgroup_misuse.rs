//! GC205 `waitgroup-misuse`.

use std::collections::BTreeSet;

use goconc_semantic::body::{FileInfo, Res};
use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, ChanOp, FuncId, Mode, Op, OpKind, WgOp};
use goconc_semantic::package::ObjKind;
use goconc_semantic::program::Function;
use goconc_semantic::Program;
use goconc_syntax::ast::{BranchKind, ExprId, ExprKind, Span, StmtKind};
use goconc_syntax::File;

use crate::constflags::ConstFlags;
use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// Checks that every `sync.WaitGroup` follows the playbook's counting
    /// discipline: the spawner calls `Add` before the `go` statement, every
    /// goroutine calls `Done` exactly once on every path (ideally with
    /// `defer wg.Done()` on its first line), and only a goroutine that is not
    /// counted calls `Wait`, without holding a lock the workers need. It
    /// reports:
    ///
    /// * `wg.Add` inside the spawned goroutine (it races with `Wait`),
    ///   unless the Add runs under a lock that every function waiting on
    ///   the group takes for writing before its `Wait` (the sender adds
    ///   only while the channel it checks under the lock is open);
    /// * `wg.Wait` in a goroutine that must itself call `wg.Done` (for
    ///   groups in a slice, the same element: `s[n].Wait()` then
    ///   `s[n+1].Done()` is a sequencer, not a self-wait), also
    ///   through a callee (a worker that calls `r.Stop()`, which waits on
    ///   `r.wg`); calls passing a literal `true`/`false` are not followed,
    ///   since the flag may select the branch that does not wait;
    /// * `wg.Wait` while holding a mutex that a counted goroutine acquires
    ///   (also `errgroup.Group.Wait` and functions run by `wg.Go`/`g.Go`),
    ///   including a hand-rolled in-flight call where the waited-for call
    ///   is another invocation of the same function that takes the mutex
    ///   before its `Done`;
    /// * `g.Go` inside a function that the same errgroup runs, after
    ///   `g.SetLimit(n)`: `Go` blocks while the group is full, and when every
    ///   slot holds a function waiting in its own nested `Go`, nothing
    ///   finishes (`TryGo` is fine);
    /// * a `return` in a counted goroutine that skips `Done`;
    /// * a local group that counts goroutines (`Add` and `Done`) and that
    ///   nothing waits on, in a function that waits on another group
    ///   instead (`c.wg.Wait(); close(results)` where `wg` counts the
    ///   senders): the results channel is closed at the wrong time, or never;
    /// * a constant `wg.Add(n)` that cannot match the number of goroutines
    ///   that call `Done`;
    /// * `wg.Add(len(items))` followed by a loop over `items` that can skip
    ///   starting the goroutine that calls `Done` (`continue`, `break` or
    ///   `return` before the `go`, or the `go` inside an `if`), unless the
    ///   loop settles the count itself (`wg.Done()` on the skip path);
    /// * `wg.Wait` (or an errgroup's `g.Wait`) while the workers, started
    ///   with `go` or run by `g.Go`/`wg.Go`, are blocked sending on an
    ///   unbuffered channel that is only read after `Wait` ("channel with
    ///   WaitGroup"), or on a local buffered channel with fewer slots than
    ///   the workers started per item (`errc := make(chan error, 1)` and a
    ///   goroutine per item that may send an error; also a buffer sized by a
    ///   setting such as `s.parallelism` for a goroutine per item of a loop
    ///   not bounded by that setting; a loop `for i := 0; i < cap(ch); i++`
    ///   starts one worker per slot);
    /// * `wg.Wait` while the workers `range` over a channel that is closed
    ///   only after `Wait` (including `defer close(jobs)`): they never leave
    ///   the loop, so they never call `Done`;
    /// * `wg.Wait` while the counted goroutines, wherever they were started,
    ///   reach `Done` only after receiving from a stop channel that is
    ///   closed (or sent to) only after `Wait` (`Close() { p.wg.Wait();
    ///   close(p.quit) }`);
    /// * a `sync.WaitGroup` passed by value to a function that calls `Done`,
    ///   `Add` or `Wait` on its parameter: it counts on a copy.
    ///
    /// `wg.Go(f)` (Go 1.25) and `errgroup.Group.Go` count for you and are
    /// never reported. An `Add` inside the goroutine followed by a check-in
    /// the spawner waits for before its own `Wait` (`ready.Done()` with
    /// `ready.Wait()`, or a send the spawner receives) is ordered before
    /// `Wait` and not reported — a results channel drained only after `Wait`
    /// orders nothing; nor is
    /// a `Wait` and a `Done` in branches that exclude each other
    /// (`if id == leader` / `if id != leader` on a value never reassigned).
    /// A group that counts work items (a `Done` per loop iteration) or is a
    /// one-shot latch (`Add(1)` once for goroutines started in a loop) does
    /// not owe a `Done` on every return; nor does a timer callback on a path
    /// that re-arms its timer (`t.Reset(d)`), which hands the count to its
    /// next run.
    /// A worker needs a lock only on the branches that the
    /// constant boolean flags it passes leave open (`s.stop(true)` where
    /// `stop` waits for the monitor only `if !deleting`).
    ///
    /// Also reported: a return written above the goroutine's `defer
    /// wg.Done()` (a conditional defer, `if wg != nil { defer wg.Done()
    /// }`, is deliberate); and `wg.Add(n)` before calling, n times, a helper
    /// that adds one for each goroutine it starts (every worker counted
    /// twice, released once).
    ///
    /// ## Why is this bad?
    /// A WaitGroup is a counter: `Wait` returns when it reaches zero. An
    /// `Add` that runs late lets `Wait` return while work is still running
    /// (use-after-close, lost results); a missing or extra `Done` makes `Wait`
    /// hang forever or panic with a negative counter; a `Wait` that needs its
    /// own `Done`, a lock the workers need, or a channel receive that comes
    /// after it is a deadlock: the shutdown path hangs and the goroutines
    /// leak.
    ///
    /// ## Example
    /// ```go
    /// results := make(chan result)
    /// var wg sync.WaitGroup
    /// for _, p := range paths {
    ///     go func() {
    ///         wg.Add(1) // races with wg.Wait below
    ///         defer wg.Done()
    ///         results <- hash(p) // blocks: nobody reads until Wait returns
    ///     }()
    /// }
    /// wg.Wait()
    /// close(results)
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// results := make(chan result)
    /// var wg sync.WaitGroup
    /// for _, p := range paths {
    ///     wg.Add(1) // before the go statement
    ///     go func() {
    ///         defer wg.Done() // first line: runs on every path
    ///         results <- hash(p)
    ///     }()
    /// }
    /// go func() { wg.Wait(); close(results) }() // read concurrently
    /// for r := range results { ... }
    /// ```
    ///
    /// ## Known limitations
    /// Goroutines are matched to a WaitGroup through the same variable or the
    /// same struct field; WaitGroups handed through interfaces or stored in
    /// maps are not followed. Add/Done counting is only checked when every
    /// `Add` is a constant and every loop around a `go` statement has a
    /// constant trip count.
    pub struct WaitgroupMisuse {
        code: "GC205",
        name: "waitgroup-misuse",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "WaitGroup Add/Done/Wait used in a way that hangs or races",
    }
}

impl Rule for WaitgroupMisuse {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let spawned = flow::spawned_targets(ctx);
        // Functions some function of the package calls or spawns: the others
        // (tests, main, exported entry points) are not counted goroutines
        // of a WaitGroup the package created.
        // Built on first use: most packages have no WaitGroup at all.
        let mut called: Option<std::collections::BTreeSet<goconc_semantic::ops::FuncId>> = None;
        let flags = ConstFlags::new(program);
        let mut wg_funcs: Vec<&Function> = Vec::new();
        for f in ctx.functions() {
            let has_wg = f
                .ops
                .iter()
                .any(|(_, op)| matches!(op.kind, OpKind::WaitGroup { .. }));
            if !has_wg {
                continue;
            }
            wg_funcs.push(f);
            let file = FileIdx(f.def.file as usize);
            let is_spawned = spawned.contains(&f.id);
            if is_spawned {
                add_inside_goroutine(ctx, f, file, findings);
                done_missing_on_path(ctx, f, file, findings);
                waits_for_itself_via_call(program, f, file, findings);
            }
            let may_be_counted = is_spawned
                || called
                    .get_or_insert_with(|| {
                        ctx.functions()
                            .flat_map(|g| g.calls.iter())
                            .filter_map(|call| match call.callee {
                                goconc_semantic::ops::Callee::Func(id) => Some(id),
                                _ => None,
                            })
                            .collect()
                    })
                    .contains(&f.id);
            wait_checks(ctx, &flags, f, file, may_be_counted, findings);
            add_count_mismatch(program, f, file, findings);
            double_counted_add(program, f, file, findings);
            add_len_loop_skips(program, f, file, findings);
            copied_into_call(ctx, f, file, findings);
            nested_go_under_limit(ctx, f, file, findings);
        }
        if !wg_funcs.is_empty() {
            never_waited(ctx, &wg_funcs, findings);
        }
    }
}

/// A local `sync.WaitGroup` that counts goroutines (`Add` and `Done`) but
/// that nothing waits on, and that is never handed to a call, while the
/// same function waits on another group: the wait the goroutines were
/// counted for happens on the wrong group (`c.wg.Wait()` in the closer
/// where `wg.Wait()` was meant).
fn never_waited<'p>(ctx: &RuleContext<'p>, wg_funcs: &[&'p Function], findings: &mut Vec<Finding>) {
    let program = ctx.program;
    #[derive(Default)]
    struct Uses {
        add: Option<(u32, goconc_syntax::ast::Span)>,
        done: bool,
        wait: bool,
        escapes: bool,
    }
    let mut uses: rustc_hash::FxHashMap<goconc_semantic::ops::LocalKey, Uses> =
        rustc_hash::FxHashMap::default();
    // Every wait, with its top-level function: a wait on another group
    // next to an unwaited one is the likely mix-up.
    let mut waits: Vec<(u32, goconc_syntax::ast::Span, &AccessPath, u32)> = Vec::new();
    for &f in wg_funcs {
        let top = top_level(ctx, f).id.0;
        for (_, _, op) in f.all_ops() {
            let OpKind::WaitGroup {
                path: Some(path),
                op: wg,
            } = &op.kind
            else {
                continue;
            };
            if *wg == WgOp::Wait {
                waits.push((f.def.file, op.span, path, top));
            }
            let Base::Local(key) = &path.base else {
                continue;
            };
            if !path.fields.is_empty() {
                continue;
            }
            let entry = uses.entry(*key).or_default();
            match wg {
                WgOp::Add(_) => {
                    entry.add.get_or_insert((f.def.file, op.span));
                }
                WgOp::Done => entry.done = true,
                WgOp::Wait => entry.wait = true,
                _ => entry.escapes = true,
            }
        }
    }
    uses.retain(|_, u| u.add.is_some() && u.done && !u.wait);
    if uses.is_empty() {
        return;
    }
    // Handed to a call (`waitAll(&wg)`); method calls on the group itself
    // are its own ops.
    for f in ctx.functions() {
        for (_, _, op) in f.all_ops() {
            if let OpKind::Call { args, .. } = &op.kind {
                for path in args.iter().flatten() {
                    if let (Base::Local(key), true) = (&path.base, path.fields.is_empty()) {
                        if let Some(u) = uses.get_mut(key) {
                            u.escapes = true;
                        }
                    }
                }
            }
        }
    }
    let mut keys: Vec<_> = uses.keys().copied().collect();
    keys.sort_by_key(|k| (k.file, k.local.0));

    for key in keys {
        let Some(u) = uses.get(&key) else { continue };
        let (Some((file, add_span)), true, false, false) = (u.add, u.done, u.wait, u.escapes)
        else {
            continue;
        };
        let Some(local) = program.local(&key) else {
            continue;
        };
        let is_wait_group = local
            .ty
            .as_named()
            .is_some_and(|n| &*n.pkg == "sync" && &*n.name == "WaitGroup");
        if !is_wait_group || local.kind != goconc_semantic::body::LocalKind::Var {
            continue;
        }
        if taken_or_waited_in_syntax(program, key) {
            continue;
        }
        let path = AccessPath {
            base: Base::Local(key),
            fields: Default::default(),
        };
        let name = program.describe_path(&path);
        // The function family the group lives in: its declaring function.
        let top = ctx
            .functions()
            .find(|f| f.def.file == key.file && flow::own_index(program, f) == Some(local.func))
            .map(|f| top_level(ctx, f).id.0);
        // Only with a wait on another group next to it: a group nobody
        // waits on while the goroutines are synchronised some other way (a
        // channel, `t.Cleanup(wg.Wait)`) is dead weight, not a hang.
        let Some(&(wfile, wspan, other, _)) = waits
            .iter()
            .find(|(_, _, p, t)| Some(*t) == top && **p != path)
        else {
            continue;
        };
        let finding = Finding::new(
            WaitgroupMisuse::META.code,
            FileIdx(file as usize),
            add_span,
            format!(
                "{name} counts goroutines (Add and Done) but nothing ever waits on it: whatever was meant to wait for them returns or closes too early"
            ),
        )
        .related(
            FileIdx(wfile as usize),
            wspan,
            format!("this waits on {} instead", program.describe_path(other)),
        );
        findings.push(finding.suggest(format!(
            "call {name}.Wait() where the counted goroutines must have finished (before closing their results channel)"
        )));
    }
}

/// Whether the syntax hands the local group on or waits on it in a way
/// the ops do not show: its address taken (`return &wg`, `x.wg = &wg`) or
/// its `Wait` used as a value (`t.Cleanup(wg.Wait)`).
fn taken_or_waited_in_syntax(program: &Program, key: goconc_semantic::ops::LocalKey) -> bool {
    let Some(model) = program.packages.get(key.pkg as usize) else {
        return true;
    };
    let (Some(file), Some(info)) = (model.pkg.file(key.file), model.files.get(key.file as usize))
    else {
        return true;
    };
    let is_group = |e: goconc_syntax::ast::ExprId| matches!(info.res(file.unparen(e)), goconc_semantic::body::Res::Local(l) if *l == key.local);
    file.exprs.iter().any(|expr| match &expr.kind {
        goconc_syntax::ast::ExprKind::Unary {
            op: goconc_syntax::ast::Op::And,
            x,
        } => is_group(*x),
        goconc_syntax::ast::ExprKind::Selector { x, sel } => {
            is_group(*x) && file.name(*sel) == "Wait"
        }
        _ => false,
    })
}

/// The top-level function a closure belongs to (itself for one).
fn top_level<'p>(ctx: &RuleContext<'p>, f: &'p Function) -> &'p Function {
    let mut current = f;
    for _ in 0..64 {
        match ctx.parent(current) {
            Some(parent) => current = parent,
            None => break,
        }
    }
    current
}

/// How many calls deep [`nested_go_under_limit`] looks for the nested `Go`.
const NESTED_GO_DEPTH: u32 = 4;

/// Whether the call at `span` is a `TryGo` (never blocks) rather than `Go`.
fn is_try_go(file: &File, span: goconc_syntax::ast::Span) -> bool {
    let text = file.text(span);
    text.split('(')
        .next()
        .is_some_and(|callee| callee.ends_with("TryGo"))
}

/// `g.SetLimit(n)` then `g.Go(f)` where `f` (or what it calls) runs
/// `g.Go` again: `Go` blocks while the group is full, and once every slot
/// holds a function waiting in its own nested `Go`, nothing finishes.
fn nested_go_under_limit(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let Some((ast, _)) = program.file_of(f) else {
        return;
    };
    // `g.SetLimit(n)` with a limit that is not known to be negative (no limit).
    let limits: Vec<(&AccessPath, goconc_syntax::ast::Span)> = f
        .all_ops()
        .filter_map(|(_, _, op)| match &op.kind {
            OpKind::Call {
                callee: Callee::External(r),
                recv: Some(g),
                ..
            } if op.mode == Mode::Now && &*r.pkg == "golang.org/x/sync/errgroup" => {
                let name = program
                    .env
                    .package(&r.pkg)
                    .and_then(|p| p.object(r.idx).map(|o| o.name.clone()))?;
                if &*name != "SetLimit" {
                    return None;
                }
                let negative = op
                    .expr
                    .and_then(|e| match &ast.expr(e).kind {
                        goconc_syntax::ast::ExprKind::Call { args, .. } => args.first().copied(),
                        _ => None,
                    })
                    .and_then(|a| program.const_int(f, a))
                    .is_some_and(|n| n < 0);
                (!negative).then_some((g, op.span))
            }
            _ => None,
        })
        .collect();
    if limits.is_empty() {
        return;
    }
    let mut reported: std::collections::BTreeSet<(FuncId, goconc_syntax::ast::Span)> =
        Default::default();
    for (b, _, op) in f.all_ops() {
        let OpKind::WaitGroup {
            path: Some(g),
            op: WgOp::Go,
        } = &op.kind
        else {
            continue;
        };
        let Some(&(_, limit_span)) = limits
            .iter()
            .find(|(l, _)| flow::same_location(program, l, g))
        else {
            continue;
        };
        let Some(start) = flow::func_arg_at(f, b, op.span) else {
            continue;
        };
        // Walk the function the group runs and its synchronous callees.
        let mut stack = vec![(start, 0u32)];
        let mut visited: std::collections::BTreeSet<FuncId> = Default::default();
        while let Some((id, depth)) = stack.pop() {
            if !visited.insert(id) {
                continue;
            }
            let Some(inner) = program.function(id) else {
                continue;
            };
            let Some((inner_ast, _)) = program.file_of(inner) else {
                continue;
            };
            for (_, _, iop) in inner.all_ops() {
                match &iop.kind {
                    OpKind::WaitGroup {
                        path: Some(p),
                        op: WgOp::Go,
                    } if iop.mode == Mode::Now
                        && flow::same_location(program, p, g)
                        && !is_try_go(inner_ast, iop.span) =>
                    {
                        if inner.pkg != ctx.package || !reported.insert((inner.id, iop.span)) {
                            continue;
                        }
                        let name = program.describe_path(g);
                        findings.push(
                            Finding::new(
                                WaitgroupMisuse::META.code,
                                FileIdx(inner.def.file as usize),
                                iop.span,
                                format!(
                                    "{name}.Go can block forever: it runs inside a function that {name} itself runs, and {name} has a limit; once every slot holds a function waiting here, none can finish"
                                ),
                            )
                            .related(file, limit_span, format!("{name}.SetLimit bounds the group here"))
                            .related(file, op.span, format!("{name} runs the enclosing function here"))
                            .suggest(format!(
                                "use {name}.TryGo and do the work inline when it returns false, or give the nested work its own group"
                            )),
                        );
                    }
                    OpKind::Call {
                        callee: Callee::Func(c),
                        ..
                    } if iop.mode == Mode::Now && depth < NESTED_GO_DEPTH => {
                        stack.push((*c, depth + 1));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// A `sync.WaitGroup` passed by value to a function that calls `Done`,
/// `Add` or `Wait` on its parameter: the callee counts on its own copy.
fn copied_into_call(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let Some((ast, info)) = program.file_of(f) else {
        return;
    };
    for (_, op) in &f.ops {
        let OpKind::Call {
            callee: Callee::Func(c),
            args,
            ..
        } = &op.kind
        else {
            continue;
        };
        let (Some(callee), Some(summary), Some(call)) =
            (program.function(*c), program.summary(*c), op.expr)
        else {
            continue;
        };
        let ExprKind::Call {
            args: arg_exprs, ..
        } = &ast.expr(ast.unparen(call)).kind
        else {
            continue;
        };
        for (i, (arg, arg_expr)) in args.iter().zip(arg_exprs.iter()).enumerate() {
            // The argument's own type, not its location's: `&wg` shares
            // wg's path but is a pointer.
            let by_value = matches!(info.ty(*arg_expr), goconc_semantic::types::Type::Named(n) if n.is("sync", "WaitGroup"));
            let (Some(arg), true) = (arg, by_value) else {
                continue;
            };
            if callee.def.sig.variadic && i + 1 >= callee.def.params.len() {
                continue;
            }
            let Some(&param) = callee.def.params.get(i) else {
                continue;
            };
            let param = Base::Local(goconc_semantic::ops::LocalKey {
                pkg: callee.pkg,
                file: callee.def.file,
                local: param,
            });
            let Some(used) = summary
                .wg
                .iter()
                .find(|u| u.path.base == param && u.path.fields.is_empty() && u.op != WgOp::Go)
            else {
                continue;
            };
            let wg = program.describe_path(arg);
            let (what, effect) = match used.op {
                WgOp::Done => ("Done", format!("{wg}.Wait() never returns")),
                WgOp::Wait => (
                    "Wait",
                    "it waits on a counter nothing else touches".to_string(),
                ),
                _ => ("Add", format!("{wg}.Wait() does not wait for it")),
            };
            let mut finding = Finding::new(
                WaitgroupMisuse::META.code,
                file,
                op.span,
                format!(
                    "{wg} is passed by value to {}: its {what} works on a copy, so {effect}",
                    crate::lockstate::short_name(callee)
                ),
            );
            if callee.pkg == ctx.package {
                let label = match used.op {
                    WgOp::Done => "the worker's Done runs on its copy".to_string(),
                    WgOp::Wait => "the Wait runs on the copy".to_string(),
                    _ => "the Add runs on the copy".to_string(),
                };
                finding = finding.related(FileIdx(callee.def.file as usize), used.span, label);
            }
            findings.push(finding.suggest(format!(
                "pass a pointer (*sync.WaitGroup, &{wg}) or let a closure capture {wg}; a WaitGroup must not be copied after first use"
            )));
        }
    }
}

/// A WaitGroup op of `f`: block, index of the op in the block, path, op.
struct WgSite<'a> {
    block: BlockId,
    index: usize,
    path: &'a AccessPath,
    wg: WgOp,
    op: &'a Op,
}

fn wg_sites(f: &Function) -> Vec<WgSite<'_>> {
    let mut out = Vec::new();
    for (block, index, op) in f.indexed_ops() {
        if let OpKind::WaitGroup {
            path: Some(path),
            op: wg,
        } = &op.kind
        {
            out.push(WgSite {
                block,
                index,
                path,
                wg: *wg,
                op,
            });
        }
    }
    out
}

/// `h.mu.RLock(); if h.ch != nil { h.wg.Add(1) }; h.mu.RUnlock()` in the
/// goroutine, and every `Wait` on the group comes after its function takes
/// `h.mu` for writing (to close the state the Add checks): the lock orders
/// each Add before the Wait or after the shutdown, so Wait cannot miss a
/// counted goroutine.
fn add_fenced_by_lock(ctx: &RuleContext<'_>, f: &Function, add: &WgSite<'_>) -> bool {
    let program = ctx.program;
    let Some(group) = program.field_owner(add.path) else {
        return false;
    };
    let Some(held) = flow::HeldLocks::compute(program, f).before(program, f, add.block, add.index)
    else {
        return false;
    };
    let fences: Vec<_> = held
        .iter()
        .filter_map(|(p, _)| program.field_owner(p))
        .collect();
    if fences.is_empty() {
        return false;
    }
    let mut waits = 0;
    for g in ctx.functions() {
        for (_, op) in &g.ops {
            let OpKind::WaitGroup {
                path: Some(p),
                op: WgOp::Wait,
            } = &op.kind
            else {
                continue;
            };
            if program.field_owner(p).as_ref() != Some(&group) {
                continue;
            }
            waits += 1;
            let fenced = g.ops.iter().any(|(_, l)| {
                matches!(&l.kind, OpKind::Lock { path: Some(lp), op: goconc_semantic::ops::LockOp::Lock }
                    if l.span.end <= op.span.start
                        && program.field_owner(lp).is_some_and(|o| fences.contains(&o)))
            });
            if !fenced {
                return false;
            }
        }
    }
    waits > 0
}

/// `wg.Add` in a goroutine that also calls `wg.Done`: the spawner's `Wait`
/// can run before the goroutine is counted.
fn add_inside_goroutine(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    // A goroutine that starts goroutines itself (a supervisor or an accept
    // loop run with `go`) legitimately adds for its children.
    if f.ops.iter().any(|(_, op)| op.mode == Mode::Spawned) {
        return;
    }
    let sites = wg_sites(f);
    for add in sites.iter().filter(|s| matches!(s.wg, WgOp::Add(_))) {
        if add.op.mode != Mode::Now || flow::is_own_local(program, f, add.path) {
            continue;
        }
        let same = |s: &&WgSite<'_>| s.path == add.path;
        let dones = sites.iter().filter(same).any(|s| s.wg == WgOp::Done);
        let waits = sites.iter().filter(same).any(|s| s.wg == WgOp::Wait);
        if !dones || waits {
            continue;
        }
        if published_through_barrier(ctx, f, add) || add_fenced_by_lock(ctx, f, add) {
            continue;
        }
        let name = program.describe_path(add.path);
        let mut finding = Finding::new(
            WaitgroupMisuse::META.code,
            file,
            add.op.span,
            format!(
                "{name}.Add inside the goroutine races with {name}.Wait: Wait can return before this goroutine is counted"
            ),
        );
        for (spawner, span) in flow::spawn_sites_of(ctx, f.id).into_iter().take(2) {
            finding = finding.related(spawner, span, "the goroutine is started here");
        }
        findings.push(finding.suggest(format!(
            "call {name}.Add(1) before the go statement (or start the goroutine with {name}.Go)"
        )));
    }
}

/// Whether the goroutine checks in on a barrier after its `Add`: it calls
/// `Done` on another WaitGroup, or sends on or closes a channel, at a point
/// every path through the `Add` reaches, and every function that starts it
/// waits on that barrier. The spawner then cannot reach its own `Wait` before
/// the `Add` (`swg.Add(2); go start(); go start(); swg.Wait(); ...; wg.Wait()`).
fn published_through_barrier(ctx: &RuleContext<'_>, f: &Function, add: &WgSite<'_>) -> bool {
    let program = ctx.program;
    let mut barriers: Vec<(&AccessPath, bool)> = Vec::new();
    for (block, node_ops) in (0..f.cfg.blocks.len()).map(|b| {
        let block = BlockId(b as u32);
        (block, f.block_ops(block))
    }) {
        for (index, (_, op)) in node_ops.iter().enumerate() {
            if op.mode != Mode::Now {
                continue;
            }
            let barrier = match &op.kind {
                OpKind::WaitGroup {
                    path: Some(path),
                    op: WgOp::Done,
                } if path != add.path => (path, true),
                OpKind::Chan {
                    path: Some(path),
                    op: ChanOp::Send | ChanOp::Close,
                    select: None,
                    ..
                } => (path, false),
                _ => continue,
            };
            // After the Add on every path from it: the Add is always
            // published before the check-in.
            if flow::dominates(f, (add.block, add.index), (block, index))
                && !flow::may_run_after(f, (block, index), (add.block, add.index))
            {
                barriers.push(barrier);
            }
        }
    }
    if barriers.is_empty() {
        return false;
    }
    let spawners = flow::spawners_of(ctx, f.id);
    !spawners.is_empty()
        && spawners.iter().all(|spawner| {
            // Where the spawner waits on a barrier, and where on the group.
            let mut barrier_waits = Vec::new();
            let mut group_waits = Vec::new();
            let positions = (0..spawner.cfg.blocks.len()).flat_map(|b| {
                let block = BlockId(b as u32);
                spawner
                    .block_ops(block)
                    .iter()
                    .enumerate()
                    .map(move |(index, (_, op))| ((block, index), op))
            });
            for (at, op) in positions {
                if op.mode != Mode::Now {
                    continue;
                }
                let on_barrier = barriers.iter().any(|(barrier, is_wg)| match &op.kind {
                    OpKind::WaitGroup {
                        path: Some(path),
                        op: WgOp::Wait,
                    } => *is_wg && flow::same_location(program, path, barrier),
                    OpKind::Chan {
                        path: Some(path),
                        op: ChanOp::Recv | ChanOp::Range,
                        ..
                    } => !*is_wg && flow::same_location(program, path, barrier),
                    _ => false,
                });
                if on_barrier {
                    barrier_waits.push(at);
                } else if let OpKind::WaitGroup {
                    path: Some(path),
                    op: WgOp::Wait,
                } = &op.kind
                {
                    if flow::same_location(program, path, add.path) {
                        group_waits.push(at);
                    }
                }
            }
            // The barrier only helps when it can be passed before the
            // spawner's own Wait (`wg.Wait(); close(results); for r :=
            // range results` drains the barrier too late).
            !barrier_waits.is_empty()
                && group_waits.iter().all(|&wait| {
                    barrier_waits
                        .iter()
                        .any(|&barrier| flow::may_run_after(spawner, barrier, wait))
                })
        })
}

/// A `return` of a counted goroutine that skips `Done`.
fn done_missing_on_path(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let Some((ast, _)) = program.file_of(f) else {
        return;
    };
    let sites = wg_sites(f);
    let mut groups: Vec<&AccessPath> = Vec::new();
    for s in &sites {
        if s.wg == WgOp::Done
            && matches!(s.op.mode, Mode::Now | Mode::Deferred)
            && !flow::is_own_local(program, f, s.path)
            && !groups.contains(&s.path)
        {
            groups.push(s.path);
        }
    }
    let deferred_done = |wg: &AccessPath| {
        sites
            .iter()
            .any(|s| s.path == wg && s.wg == WgOp::Done && s.op.mode == Mode::Deferred)
    };
    // A goroutine whose every Done only undoes its own earlier Add (the
    // `wg.Add(1); if !start(worker) { wg.Done() }` of a spawner) is not
    // counted by that group. Nor is one that adds to the group itself: the
    // paths before its Add owe nothing.
    groups.retain(|wg| {
        if deferred_done(wg) {
            return !sites
                .iter()
                .any(|s| s.path == *wg && matches!(s.wg, WgOp::Add(_)));
        }
        !sites
            .iter()
            .filter(|s| s.path == *wg && s.wg == WgOp::Done && s.op.mode == Mode::Now)
            .all(|done| balances_own_add(program, f, &sites, done))
    });
    groups.retain(|wg| !is_latch(ctx, f, wg) && !counts_items(f, &sites, wg));
    for wg in groups {
        // `defer wg.Done()` covers every return after the defer statement
        // ran; a return before it (`if err != nil { return }` above the
        // defer) still skips the Done.
        let deferred = deferred_done(wg);
        if defers_done_via_call(program, f, wg) {
            continue;
        }
        let done_by = |op: &Op| -> bool {
            if deferred
                && op.mode == Mode::Deferred
                && matches!(&op.kind, OpKind::WaitGroup { path: Some(p), op: WgOp::Done } if p == wg)
            {
                return true;
            }
            if op.mode != Mode::Now {
                return false;
            }
            match &op.kind {
                OpKind::WaitGroup {
                    path: Some(p),
                    op: WgOp::Done,
                } => p == wg,
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } => {
                    program.summary(*c).is_some_and(|s| {
                        s.wg_done_all_paths.iter().any(|p| {
                            program.substitute(*c, p, recv.as_ref(), args).as_ref() == Some(wg)
                        })
                    }) || program.function(*c).is_some_and(|helper| {
                        helper.ops.iter().any(|(_, o)| rearms_timer(program, o))
                    })
                }
                _ => rearms_timer(program, op),
            }
        };
        let solution = goconc_semantic::cfg::forward(&f.cfg, flow::MustFlag(false), |b, state| {
            let mut done = state.0;
            for (_, op) in f.block_ops(b) {
                done |= done_by(op);
            }
            flow::MustFlag(done)
        });
        if solution.capped {
            continue;
        }
        let name = program.describe_path(wg);
        for &b in f.cfg.reverse_postorder() {
            let block = f.cfg.block(b);
            if !block.succs.contains(&f.cfg.exit) {
                continue;
            }
            let Some(goconc_semantic::cfg::Node::Stmt(last)) = block.nodes.last() else {
                continue;
            };
            let Some(stmt) = ast.stmts.get(last.index()) else {
                continue;
            };
            if !matches!(stmt.kind, StmtKind::Return { .. }) {
                continue;
            }
            let Some(Some(state)) = solution.block_in.get(b.index()) else {
                continue;
            };
            let done_here = state.0 || f.block_ops(b).iter().any(|(_, op)| done_by(op));
            if done_here {
                continue;
            }
            // With a deferred Done, only a return written above the defer
            // skipped it; one below it went around a conditional defer
            // (`if wg != nil { defer wg.Done() }`), which is deliberate.
            if deferred
                && !sites.iter().any(|s| {
                    s.path == wg
                        && s.wg == WgOp::Done
                        && s.op.mode == Mode::Deferred
                        && s.op.span.start > stmt.span.start
                })
            {
                continue;
            }
            let mut finding = Finding::new(
                WaitgroupMisuse::META.code,
                file,
                stmt.span,
                format!(
                    "{name}.Done is not called on this path: {name}.Wait never returns after this goroutine leaves here"
                ),
            );
            if let Some(done) = sites
                .iter()
                .find(|s| s.path == wg && s.wg == WgOp::Done && s.op.mode != Mode::Spawned)
            {
                let msg = if deferred {
                    "the deferred Done is only registered here"
                } else {
                    "Done is only called here"
                };
                finding = finding.related(file, done.op.span, msg);
            }
            findings.push(finding.suggest(format!(
                "call defer {name}.Done() on the first line of the goroutine"
            )));
        }
    }
}

/// Whether every `Done` of `f` on `wg` runs once per loop iteration and can
/// run again after itself (`for { msg := next(); ...; wg.Done() }`): the
/// group counts work items, not this goroutine, and a return that ends the
/// loop is not a Done this goroutine owes. A `Done` that is followed by
/// the goroutine's exit (`case <-stop: wg.Done(); return`) is a check-out
/// and keeps the check.
fn counts_items(f: &Function, sites: &[WgSite<'_>], wg: &AccessPath) -> bool {
    let mut dones = sites
        .iter()
        .filter(|s| s.path == wg && s.wg == WgOp::Done && s.op.mode == Mode::Now)
        .peekable();
    dones.peek().is_some()
        && dones
            .all(|done| flow::may_run_after(f, (done.block, done.index), (done.block, done.index)))
}

/// `t.Reset(d)` on a `time.Timer`: in a timer callback that holds a count
/// for the armed timer (`wg.Add(1); t = time.AfterFunc(d, s.expire)`), a
/// path that re-arms the timer hands the count to the next run instead of
/// calling Done.
fn rearms_timer(program: &Program, op: &Op) -> bool {
    if op.mode != Mode::Now {
        return false;
    }
    let OpKind::Call {
        callee: Callee::External(method),
        ..
    } = &op.kind
    else {
        return false;
    };
    &*method.pkg == "time"
        && program.env.package(&method.pkg).is_some_and(|time| {
            time.object(method.idx)
                .is_some_and(|o| &*o.name == "Reset" && o.recv_type.as_deref() == Some("Timer"))
        })
}

/// Whether `wg` is a one-shot latch rather than a count of the goroutines
/// running `f`: every function that starts `f` does so in a loop but adds a
/// constant 1 outside it (`complete.Add(1); for i := range n { go
/// publish(i) }`). Only the goroutine that sees the event calls Done; the
/// others return without it by design.
fn is_latch(ctx: &RuleContext<'_>, f: &Function, wg: &AccessPath) -> bool {
    let program = ctx.program;
    let spawners = flow::spawners_of(ctx, f.id);
    !spawners.is_empty()
        && spawners.iter().all(|spawner| {
            let in_loop = spawner.cfg.in_loop();
            let looped = |b: BlockId| in_loop.get(b.index()).copied().unwrap_or(false);
            let spawns_in_loop = spawner
                .all_ops()
                .any(|(b, _, op)| flow::spawns(op, f.id) && looped(b));
            let mut adds = spawner.all_ops().filter_map(|(b, _, op)| match &op.kind {
                OpKind::WaitGroup {
                    path: Some(path),
                    op: WgOp::Add(delta),
                } if flow::same_location(program, path, wg) => Some((b, *delta)),
                _ => None,
            });
            let mut any_add = false;
            let single_adds = adds.all(|(b, delta)| {
                any_add = true;
                delta == Some(1) && !looped(b)
            });
            spawns_in_loop && any_add && single_adds
        })
}

/// Whether `done` undoes an `Add` on the same group that `f` itself made
/// before it on every path (the rollback of a failed spawn, or a group the
/// function counts itself in): such a Done says nothing about `f` being one
/// of the goroutines another function waits for.
fn balances_own_add(
    program: &Program,
    f: &Function,
    sites: &[WgSite<'_>],
    done: &WgSite<'_>,
) -> bool {
    let direct = sites.iter().any(|add| {
        add.path == done.path
            && matches!(add.wg, WgOp::Add(_))
            && add.op.mode == Mode::Now
            && flow::dominates(f, (add.block, add.index), (done.block, done.index))
    });
    if direct {
        return true;
    }
    // `startWorkerCount()` helpers that Add on the group for the caller.
    for (block, index, op) in f.indexed_ops() {
        let OpKind::Call {
            callee: Callee::Func(c),
            recv,
            args,
            ..
        } = &op.kind
        else {
            continue;
        };
        if op.mode != Mode::Now {
            continue;
        }
        let adds = program.summary(*c).is_some_and(|s| {
            s.wg.iter().any(|u| {
                matches!(u.op, WgOp::Add(_))
                    && program
                        .substitute(*c, &u.path, recv.as_ref(), args)
                        .as_ref()
                        == Some(done.path)
            })
        });
        if adds && flow::dominates(f, (block, index), (done.block, done.index)) {
            return true;
        }
    }
    false
}

/// `defer helper()` where the helper calls Done on every path.
fn defers_done_via_call(program: &Program, f: &Function, wg: &AccessPath) -> bool {
    f.ops.iter().any(|(_, op)| {
        let OpKind::Call {
            callee: Callee::Func(c),
            recv,
            args,
            ..
        } = &op.kind
        else {
            return false;
        };
        op.mode == Mode::Deferred
            && program.summary(*c).is_some_and(|s| {
                s.wg_done_all_paths
                    .iter()
                    .any(|p| program.substitute(*c, p, recv.as_ref(), args).as_ref() == Some(wg))
            })
    })
}

/// The checks anchored at a `Wait`: waiting on oneself, waiting under a
/// lock the workers need, waiting before reading what the workers send.
/// Whether `path` starts at a parameter of `f` (`wg *sync.WaitGroup`
/// handed to a worker: the caller counts it, whoever the caller is).
fn passed_in(f: &Function, path: &AccessPath) -> bool {
    matches!(&path.base, goconc_semantic::ops::Base::Local(k)
        if k.file == f.def.file && f.def.params.contains(&k.local))
}

/// `may_be_counted`: `f` runs in a goroutine some WaitGroup of the package
/// may count (it is spawned or called by other functions of the package).
fn wait_checks(
    ctx: &RuleContext<'_>,
    flags: &ConstFlags<'_>,
    f: &Function,
    file: FileIdx,
    may_be_counted: bool,
    findings: &mut Vec<Finding>,
) {
    let program = ctx.program;
    let sites = wg_sites(f);
    let mut held = None;
    for wait in sites
        .iter()
        .filter(|s| s.wg == WgOp::Wait && s.op.mode == Mode::Now)
    {
        let name = program.describe_path(wait.path);
        // Waiting on a group this goroutine still has to mark Done.
        // `wg.Done(); wg.Wait()` is a barrier: every goroutine checks in
        // before waiting for the others.
        let done_before = sites.iter().any(|s| {
            s.path == wait.path
                && s.wg == WgOp::Done
                && s.op.mode == Mode::Now
                && flow::may_run_after(f, (s.block, s.index), (wait.block, wait.index))
        });
        let own_done = sites.iter().find(|s| {
            (may_be_counted || passed_in(f, s.path))
                && s.path == wait.path
                && same_element(program, f, wait.op.span, s.op.span, wait.path)
                && s.wg == WgOp::Done
                && !done_before
                && !balances_own_add(program, f, &sites, s)
                && !exclusive_branches(program, f, s.op.span, wait.op.span)
        });
        if let Some(done) = own_done {
            findings.push(
                Finding::new(
                    WaitgroupMisuse::META.code,
                    file,
                    wait.op.span,
                    format!(
                        "{name}.Wait in a goroutine that must call Done on {name} itself: the counter never reaches zero"
                    ),
                )
                .related(file, done.op.span, "this goroutine's own Done, which runs only after Wait")
                .suggest(format!(
                    "wait in the spawner (or a dedicated goroutine that is not counted), never in a goroutine counted by {name}"
                )),
            );
            continue;
        }
        let held_state = held.get_or_insert_with(|| flow::HeldLocks::compute(program, f));
        if let Some(locks) = held_state.before(program, f, wait.block, wait.index) {
            if let Some(finding) = wait_while_holding(ctx, flags, f, file, wait, &name, &locks) {
                findings.push(finding);
                continue;
            }
        }
        if let Some(finding) = wait_before_reading(ctx, f, file, wait, &name) {
            findings.push(finding);
            continue;
        }
        if let Some(finding) = workers_stop_only_after_wait(ctx, f, file, wait, &name) {
            findings.push(finding);
        }
    }
}

/// Two calls on a group inside a slice or map (`s[n].Wait()`, `s[n+1].Done()`)
/// are on the same group only when they index it the same way; the path
/// (`s[*]`) does not say.
fn same_element(
    program: &Program,
    f: &Function,
    a: goconc_syntax::ast::Span,
    b: goconc_syntax::ast::Span,
    path: &AccessPath,
) -> bool {
    if !path
        .fields
        .iter()
        .any(|e| matches!(e, goconc_semantic::ops::PathElem::Index))
    {
        return true;
    }
    let Some((file, _)) = program.file_of(f) else {
        return true;
    };
    let receiver = |span: goconc_syntax::ast::Span| {
        let text = file.text(span);
        text.rsplit_once('.')
            .map_or(text, |(recv, _)| recv)
            .to_string()
    };
    receiver(a) == receiver(b)
}

/// Whether `op` starts `target` as a goroutine (`go`, `errgroup.Go`,
/// `wg.Go`).
pub(crate) fn starts(op: &Op, target: FuncId) -> bool {
    let OpKind::Call {
        callee, func_arg, ..
    } = &op.kind
    else {
        return false;
    };
    (op.mode == Mode::Spawned && *callee == Callee::Func(target))
        || func_arg.as_ref().is_some_and(|fa| {
            (fa.spawned || op.mode == Mode::Spawned)
                && fa.func == goconc_semantic::ops::FuncArg::Func(target)
        })
}

/// Whether every op on `chan` matching `wanted` in `f` itself (not through
/// callees) runs after the op at `point`, or is deferred.
fn stop_ops_follow(
    program: &Program,
    f: &Function,
    chan: &AccessPath,
    point: (BlockId, usize),
    wanted: fn(ChanOp) -> bool,
) -> bool {
    (0..f.cfg.blocks.len()).all(|b| {
        let block = BlockId(b as u32);
        f.block_ops(block)
            .iter()
            .enumerate()
            .all(|(i, (_, op))| match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: c,
                    ..
                } if wanted(*c) && flow::same_location(program, p, chan) => {
                    op.mode == Mode::Deferred || flow::may_run_after(f, point, (block, i))
                }
                _ => true,
            })
    })
}

/// "Channel with WaitGroup" through a stop channel: the goroutines counted
/// by this WaitGroup (wherever they were started) reach `Done` only after
/// receiving from a stop channel, and every close of (or send on) that
/// channel in the package comes after this `Wait`.
fn workers_stop_only_after_wait(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    wait: &WgSite<'_>,
    name: &str,
) -> Option<Finding> {
    let program = ctx.program;
    let stops = |c: ChanOp| matches!(c, ChanOp::Close | ChanOp::Send);
    for (worker, _) in done_callers(ctx, f, wait.path) {
        // Workers this function starts only after the Wait belong to a
        // later phase of a reused WaitGroup.
        let spawns: Vec<(BlockId, usize)> = (0..f.cfg.blocks.len())
            .flat_map(|b| {
                let block = BlockId(b as u32);
                f.block_ops(block)
                    .iter()
                    .enumerate()
                    .filter(|(_, (_, op))| starts(op, worker.id))
                    .map(move |(i, _)| (block, i))
            })
            .collect();
        if !spawns.is_empty()
            && !spawns
                .iter()
                .any(|s| flow::may_run_after(f, *s, (wait.block, wait.index)))
        {
            continue;
        }
        let dones: Vec<WgSite<'_>> = wg_sites(worker)
            .into_iter()
            .filter(|s| s.wg == WgOp::Done && flow::same_location(program, s.path, wait.path))
            .collect();
        if dones.is_empty() {
            continue;
        }
        let receives: Vec<(&AccessPath, (BlockId, usize))> = (0..worker.cfg.blocks.len())
            .flat_map(|b| {
                let block = BlockId(b as u32);
                worker
                    .block_ops(block)
                    .iter()
                    .enumerate()
                    .filter_map(move |(i, (_, op))| match &op.kind {
                        OpKind::Chan {
                            path: Some(p),
                            op: ChanOp::Recv,
                            ..
                        } if op.mode == Mode::Now => Some((p, (block, i))),
                        _ => None,
                    })
            })
            .collect();
        // The returns a deferred Done runs on.
        let returns: Vec<(BlockId, usize)> = (0..worker.cfg.blocks.len())
            .map(|b| BlockId(b as u32))
            .filter(|b| worker.cfg.block(*b).succs.contains(&worker.cfg.exit))
            .map(|b| (b, usize::MAX))
            .collect();
        for (stop, _) in &receives {
            let guarded = |to: (BlockId, usize)| {
                receives
                    .iter()
                    .any(|(p, at)| p == stop && flow::dominates(worker, *at, to))
            };
            let every_done_after_stop = dones.iter().all(|d| match d.op.mode {
                Mode::Deferred => !returns.is_empty() && returns.iter().all(|r| guarded(*r)),
                _ => guarded((d.block, d.index)),
            });
            if !every_done_after_stop {
                continue;
            }
            if !flow::counterpart_only_after(ctx, f, stop, (wait.block, wait.index), stops, None) {
                continue;
            }
            // A close on a branch that skips this Wait (`if s.stopped {
            // wait; return }; s.stopped = true; close(s.stop)`) ran in an
            // earlier call: every close must come after the Wait.
            if !stop_ops_follow(program, f, stop, (wait.block, wait.index), stops) {
                continue;
            }
            // Name the channel as this function does.
            let own = f.ops.iter().find_map(|(_, op)| match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: c,
                    ..
                } if stops(*c) && flow::same_location(program, p, stop) => Some(p),
                _ => None,
            });
            let stop_name = program.describe_path(own.unwrap_or(stop));
            let mut finding = Finding::new(
                WaitgroupMisuse::META.code,
                file,
                wait.op.span,
                format!(
                    "{name}.Wait never returns: the workers return only after receiving from {stop_name}, which is closed only after Wait"
                ),
            );
            if worker.pkg == ctx.package {
                if let Some(done) = dones.first() {
                    finding = finding.related(
                        FileIdx(worker.def.file as usize),
                        done.op.span,
                        format!(
                            "the worker gets here only after receiving from {}",
                            program.describe_path(stop)
                        ),
                    );
                }
            }
            return Some(finding.suggest(format!(
                "close {stop_name} before {name}.Wait() so the workers can return"
            )));
        }
    }
    None
}

/// Whether the code at `a` and the code at `b` sit in branches of the
/// function that exclude each other: one runs only when a condition holds
/// and the other only when it does not (`if id == leader {...}` and
/// `if id != leader {...}`), and the condition reads only values the
/// function never reassigns. Goroutines that share one function and pick
/// a role this way never do both.
fn exclusive_branches(program: &Program, f: &Function, a: Span, b: Span) -> bool {
    let Some((file, info)) = program.file_of(f) else {
        return false;
    };
    let guards_a = branch_guards(file, info, program, f, a);
    if guards_a.is_empty() {
        return false;
    }
    let guards_b = branch_guards(file, info, program, f, b);
    guards_a
        .iter()
        .any(|(cond, holds)| guards_b.iter().any(|(c, h)| c == cond && h != holds))
}

/// The `if` conditions of `f` that decide whether `at` runs: each in a
/// canonical form (`x != y` as `x == y` negated, `!c` as `c` negated,
/// operands of `==` sorted) with whether `at` runs when it is true. Only
/// conditions over literals, constants and locals that are never
/// reassigned: their value is the same at both places.
fn branch_guards(
    file: &File,
    info: &FileInfo,
    program: &Program,
    f: &Function,
    at: Span,
) -> Vec<(String, bool)> {
    let inside = |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end;
    let mut out = Vec::new();
    for stmt in &file.stmts {
        let StmtKind::If {
            cond, body, els, ..
        } = &stmt.kind
        else {
            continue;
        };
        if !inside(f.def.span, stmt.span) || !inside(stmt.span, at) {
            continue;
        }
        let runs_when = if inside(body.span, at) {
            true
        } else if els.is_some_and(|e| inside(file.stmt(e).span, at)) {
            false
        } else {
            continue;
        };
        if let Some((text, positive)) = canonical_condition(file, info, program, *cond, 0) {
            out.push((text, positive == runs_when));
        }
    }
    out
}

fn canonical_condition(
    file: &File,
    info: &FileInfo,
    program: &Program,
    cond: ExprId,
    depth: u32,
) -> Option<(String, bool)> {
    if depth > 8 {
        return None;
    }
    let cond = file.unparen(cond);
    match &file.expr(cond).kind {
        ExprKind::Unary {
            op: goconc_syntax::ast::Op::Not,
            x,
        } => canonical_condition(file, info, program, *x, depth + 1).map(|(t, p)| (t, !p)),
        ExprKind::Binary { x, op, y, .. }
            if matches!(
                op,
                goconc_syntax::ast::Op::Eql | goconc_syntax::ast::Op::Neq
            ) =>
        {
            let (x, y) = (file.unparen(*x), file.unparen(*y));
            if !stable_operand(file, info, program, x) || !stable_operand(file, info, program, y) {
                return None;
            }
            let mut operands = [file.text(file.expr(x).span), file.text(file.expr(y).span)];
            operands.sort_unstable();
            Some((
                format!("{} == {}", operands[0], operands[1]),
                *op == goconc_syntax::ast::Op::Eql,
            ))
        }
        ExprKind::Ident(_) if stable_operand(file, info, program, cond) => {
            Some((file.text(file.expr(cond).span).to_string(), true))
        }
        _ => None,
    }
}

/// A literal, a package-level constant, or a local never assigned after
/// its declaration.
fn stable_operand(file: &File, info: &FileInfo, program: &Program, e: ExprId) -> bool {
    match &file.expr(e).kind {
        ExprKind::BasicLit(_) => true,
        ExprKind::Ident(_) => match info.res(e) {
            Res::Local(id) => info.local(*id).is_some_and(|l| !l.reassigned),
            Res::Predeclared => true,
            res @ (Res::Global(_) | Res::Foreign(_)) => info.object(res).is_some_and(|r| {
                program
                    .env
                    .package(&r.pkg)
                    .is_some_and(|p| p.object(r.idx).is_some_and(|o| o.kind == ObjKind::Const))
            }),
            _ => false,
        },
        _ => false,
    }
}

/// The functions of the package that call `Done` on `wg` (same variable or
/// same struct field), other than `f`.
fn done_callers<'a>(
    ctx: &RuleContext<'a>,
    f: &Function,
    wg: &AccessPath,
) -> Vec<(&'a Function, goconc_syntax::ast::Span)> {
    let program = ctx.program;
    let mut out = Vec::new();
    for &g in ctx.wait_group_users() {
        if g.id == f.id {
            continue;
        }
        let done = g.ops.iter().find_map(|(_, op)| match &op.kind {
            OpKind::WaitGroup {
                path: Some(p),
                op: WgOp::Done,
            } if flow::same_location(program, p, wg) => Some(op.span),
            _ => None,
        });
        let Some(span) = done else {
            continue;
        };
        // A function that only undoes its own Add (registers itself on the
        // group, or rolls back a failed spawn) is not a worker that the
        // waiter depends on.
        let sites = wg_sites(g);
        let own_only = sites
            .iter()
            .filter(|s| s.wg == WgOp::Done && flow::same_location(program, s.path, wg))
            .all(|d| balances_own_add(program, g, &sites, d));
        if !own_only {
            out.push((g, span));
        }
    }
    // Functions handed to `wg.Go(f)` / `errgroup.Group.Go(f)` on the same
    // group: the group marks them done when they return.
    for &g in ctx.wait_group_users() {
        for (b, _, op) in g.all_ops() {
            let OpKind::WaitGroup {
                path: Some(p),
                op: WgOp::Go,
            } = &op.kind
            else {
                continue;
            };
            if !flow::same_location(program, p, wg) {
                continue;
            }
            let Some(t) = flow::func_arg_at(g, b, op.span) else {
                continue;
            };
            if t == f.id || out.iter().any(|(w, _)| w.id == t) {
                continue;
            }
            if let Some(worker) = program.function(t) {
                out.push((worker, op.span));
            }
        }
    }
    out
}

/// `flags` specialises the workers' calls that pass constant flags: a
/// worker that calls `stop(true)`, which reaches the lock only `if
/// !deleting`, does not need it.
fn wait_while_holding(
    ctx: &RuleContext<'_>,
    flags: &ConstFlags<'_>,
    f: &Function,
    file: FileIdx,
    wait: &WgSite<'_>,
    name: &str,
    held: &flow::HeldSet,
) -> Option<Finding> {
    if held.is_empty() {
        return None;
    }
    let program = ctx.program;
    // A lock handed over to another goroutine that unlocks it is not held
    // for the whole Wait.
    let handed_over = |lock: &AccessPath| {
        ctx.functions().any(|g| {
            g.id != f.id
                && program.summary(g.id).is_some_and(|s| {
                    s.net_released
                        .iter()
                        .any(|(p, _)| flow::same_location(program, p, lock))
                })
        })
    };
    for (worker, _) in done_callers(ctx, f, wait.path) {
        program.summary(worker.id)?;
        let acquires = flags.acquires(worker.id);
        for (lock, kind) in held {
            let needed = acquires.iter().find(|acq| {
                flow::same_location(program, &acq.path, lock)
                    && (*kind == goconc_semantic::ops::LockKind::Write
                        || acq.kind == goconc_semantic::ops::LockKind::Write)
            });
            let Some(acq) = needed else {
                continue;
            };
            if handed_over(lock) || acquired_after_done(program, worker, acq.span, wait.path) {
                continue;
            }
            let lock_name = program.describe_path(lock);
            let mut finding = Finding::new(
                WaitgroupMisuse::META.code,
                file,
                wait.op.span,
                format!(
                    "{name}.Wait while holding {lock_name}: a goroutine counted by {name} needs {lock_name} before it can finish"
                ),
            );
            if worker.pkg == ctx.package {
                finding = finding.related(
                    FileIdx(worker.def.file as usize),
                    acq.span,
                    format!("the worker acquires {lock_name} here"),
                );
            }
            return Some(finding.suggest(format!(
                "release {lock_name} before {name}.Wait() (or do not take {lock_name} in the workers)"
            )));
        }
    }
    concurrent_call_needs_lock(ctx, f, file, wait, name, held)
}

/// The "in-flight call" shape (a hand-rolled singleflight): one branch of
/// `f` waits on the WaitGroup of a call another invocation started, while
/// holding a lock; the other branch, run by that invocation, takes the same
/// lock before it calls `Done` on a WaitGroup of the same field. Two
/// concurrent calls of `f` then wait for each other.
fn concurrent_call_needs_lock(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    wait: &WgSite<'_>,
    name: &str,
    held: &flow::HeldSet,
) -> Option<Finding> {
    let program = ctx.program;
    let class = program.field_owner(wait.path)?;
    let sites = wg_sites(f);
    let at_wait = (wait.block, wait.index);
    let dones: Vec<&WgSite<'_>> = sites
        .iter()
        .filter(|d| {
            d.wg == WgOp::Done
                && d.op.mode == Mode::Now
                && program.field_owner(d.path).as_ref() == Some(&class)
                && !flow::may_run_after(f, at_wait, (d.block, d.index))
        })
        .collect();
    if dones.is_empty() {
        return None;
    }
    for (lock, kind) in held {
        for (block, i, op) in f.indexed_ops() {
            let OpKind::Lock {
                path: Some(p),
                op: lop,
            } = &op.kind
            else {
                continue;
            };
            let writes = matches!(lop, goconc_semantic::ops::LockOp::Lock);
            let reads = matches!(lop, goconc_semantic::ops::LockOp::RLock);
            if op.mode != Mode::Now
                || !(writes || (reads && *kind == goconc_semantic::ops::LockKind::Write))
                || !flow::same_location(program, p, lock)
            {
                continue;
            }
            // Only on the other invocation's path: this acquisition
            // cannot lead to the Wait, and it leads to a Done.
            let at = (block, i);
            if flow::may_run_after(f, at, at_wait) {
                continue;
            }
            let Some(done) = dones
                .iter()
                .find(|d| flow::may_run_after(f, at, (d.block, d.index)))
            else {
                continue;
            };
            let lock_name = program.describe_path(lock);
            return Some(
                Finding::new(
                    WaitgroupMisuse::META.code,
                    file,
                    wait.op.span,
                    format!(
                        "{name}.Wait while holding {lock_name}: the call being waited for is another invocation of this function, which takes {lock_name} before its Done"
                    ),
                )
                .related(file, op.span, format!("the other invocation acquires {lock_name} here"))
                .related(file, done.op.span, "and calls Done only after it")
                .suggest(format!(
                    "release {lock_name} before {name}.Wait() and re-check the state under the lock afterwards"
                )),
            );
        }
    }
    None
}

/// Whether every op of `worker` at `span` (its acquisition of a lock)
/// runs only after the worker has called `Done` on `wg`: the worker no
/// longer keeps the waiter blocked when it needs the lock.
fn acquired_after_done(
    program: &Program,
    worker: &Function,
    span: goconc_syntax::ast::Span,
    wg: &AccessPath,
) -> bool {
    let sites = wg_sites(worker);
    let dones: Vec<&WgSite<'_>> = sites
        .iter()
        .filter(|s| {
            s.wg == WgOp::Done && s.op.mode == Mode::Now && flow::same_location(program, s.path, wg)
        })
        .collect();
    if dones.is_empty() {
        return false;
    }
    let mut seen = false;
    for b in 0..worker.cfg.blocks.len() {
        let block = BlockId(b as u32);
        for (index, (_, op)) in worker.block_ops(block).iter().enumerate() {
            if op.span != span {
                continue;
            }
            let after = dones
                .iter()
                .any(|d| flow::dominates(worker, (d.block, d.index), (block, index)));
            if !after {
                return false;
            }
            seen = true;
        }
    }
    seen
}

/// "Channel with WaitGroup": the workers started here send on an unbuffered
/// channel that this function reads only after `Wait`.
fn wait_before_reading(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    wait: &WgSite<'_>,
    name: &str,
) -> Option<Finding> {
    let program = ctx.program;
    // Workers: goroutines whose Done counts on the group, and functions the
    // group runs itself (`g.Go(f)`, `wg.Go(f)`), which it marks done when
    // they return.
    let mut workers: Vec<Worker<'_>> = Vec::new();
    for (b, _, op) in f.all_ops() {
        match &op.kind {
            OpKind::Call {
                callee: Callee::Func(worker),
                recv,
                args,
                ..
            } if op.mode == Mode::Spawned => {
                let Some(summary) = program.summary(*worker) else {
                    continue;
                };
                let counted = summary.wg.iter().any(|u| {
                    u.op == WgOp::Done
                        && program
                            .substitute(*worker, &u.path, recv.as_ref(), args)
                            .as_ref()
                            == Some(wait.path)
                });
                if counted {
                    workers.push(Worker {
                        start: op,
                        func: *worker,
                        recv: recv.clone(),
                        args: args.clone(),
                        run_by_group: false,
                    });
                }
            }
            OpKind::WaitGroup {
                path: Some(p),
                op: WgOp::Go,
            } if op.mode == Mode::Now && flow::same_location(program, p, wait.path) => {
                if let Some(t) = flow::func_arg_at(f, b, op.span) {
                    workers.push(Worker {
                        start: op,
                        func: t,
                        recv: None,
                        args: Vec::new(),
                        run_by_group: true,
                    });
                }
            }
            _ => {}
        }
    }
    for w in &workers {
        let (op, worker, recv, args, run_by_group) =
            (w.start, &w.func, &w.recv, &w.args, w.run_by_group);
        let Some(summary) = program.summary(*worker) else {
            continue;
        };
        if !run_by_group {
            if let Some(finding) = workers_range_until_close(ctx, f, file, wait, name, op, *worker)
            {
                return Some(finding);
            }
        }
        for send in summary
            .chans
            .iter()
            .filter(|c| c.op == ChanOp::Send && !c.in_select)
        {
            let Some(chan) = program.substitute(*worker, &send.path, recv.as_ref(), args) else {
                continue;
            };
            // Unbuffered, or a local buffer with fewer slots than the
            // workers that may send (`errc := make(chan error, 1)` filled by
            // one worker per item).
            let overflow = if flow::is_unbuffered(ctx, f, &chan) {
                None
            } else {
                match flow::local_capacity(program, f, &chan) {
                    Some(cap)
                        if senders_may_exceed(ctx, f, &workers, &chan, &cap, wait.op.span) =>
                    {
                        Some(cap)
                    }
                    _ => continue,
                }
            };
            if !flow::received_only_after(ctx, f, &chan, (wait.block, wait.index)) {
                continue;
            }
            // A function the group runs is done when it returns, after
            // its sends.
            if !run_by_group
                && !program
                    .function(*worker)
                    .is_some_and(|w| sends_before_done(w, &send.path, send.via.is_some()))
            {
                continue;
            }
            let chan_name = program.describe_path(&chan);
            let mut finding = Finding::new(
                WaitgroupMisuse::META.code,
                file,
                wait.op.span,
                match &overflow {
                    None => format!(
                        "{name}.Wait never returns: workers are blocked sending to {chan_name}, which is read only after Wait"
                    ),
                    Some(cap) => format!(
                        "{name}.Wait can block forever: {chan_name} has {} but more workers may send to it, and it is read only after Wait",
                        cap.slots()
                    ),
                },
            );
            if let Some(w) = program.function(*worker) {
                if w.pkg == ctx.package {
                    let why = match &overflow {
                        None => format!("the worker blocks here: {chan_name} is unbuffered"),
                        Some(_) => format!("a worker blocks here once {chan_name} is full"),
                    };
                    finding = finding.related(FileIdx(w.def.file as usize), send.span, why);
                }
            }
            let started = match &overflow {
                None => "the worker is started here",
                Some(_) => "a worker is started here for every item",
            };
            finding = finding.related(file, op.span, started);
            return Some(finding.suggest(match &overflow {
                None => format!(
                    "read {chan_name} concurrently (wait and close it in a separate goroutine) or make it buffered for every worker"
                ),
                Some(_) => format!(
                    "size {chan_name} for every worker (make(chan T, len(items))), send without blocking (select with default) when only the first value matters, or read it concurrently"
                ),
            }));
        }
    }
    None
}

/// Whether the workers started by `f` can send to `chan` more than `cap`
/// times in all: a worker that sends is started in a loop without a
/// constant trip count, or the constant counts add up to more than `cap`.
fn senders_may_exceed(
    ctx: &RuleContext<'_>,
    f: &Function,
    workers: &[Worker<'_>],
    chan: &AccessPath,
    capacity: &flow::Capacity,
    wait_span: goconc_syntax::ast::Span,
) -> bool {
    let program = ctx.program;
    let mut loops = flow::LoopTrips::collect(program, f);
    // A loop that waits for its workers and then receives from the
    // channel in the same iteration (`wg.Wait(); select { case err :=
    // <-errCh: t.Fatal(err); default: }`) starts each round empty: its
    // trips do not add up.
    let receives: Vec<goconc_syntax::ast::Span> = f
        .ops
        .iter()
        .filter_map(|(_, op)| match &op.kind {
            OpKind::Chan {
                path: Some(p),
                op: ChanOp::Recv | ChanOp::Range,
                ..
            } if p == chan && op.span.start > wait_span.end => Some(op.span),
            _ => None,
        })
        .collect();
    loops.drop_loops(|body| {
        body.start <= wait_span.start
            && wait_span.end <= body.end
            && receives
                .iter()
                .any(|r| body.start <= r.start && r.end <= body.end)
    });
    let cap = match capacity {
        flow::Capacity::Constant(cap) => *cap,
        // A configured size (`s.parallelism`): a worker per item of a loop
        // that is not bounded by that same setting.
        flow::Capacity::Setting(text) => {
            return workers.iter().any(|w| {
                loops.factor(w.start.span).is_none()
                    && sends_to(program, w, chan)
                    && !flow::loop_headers_mention(program, f, w.start.span, text)
            })
        }
    };
    let mut total: i64 = 0;
    let mut in_loop = false;
    for w in workers {
        if !sends_to(program, w, chan) {
            continue;
        }
        // `for i := 0; i < cap(results); i++`: one worker per slot.
        let per_slot = || {
            let bound = format!("< cap({});", program.describe_path(chan));
            flow::loop_headers_mention(program, f, w.start.span, &bound)
        };
        let times = match loops.factor(w.start.span) {
            Some(times) => times,
            None if per_slot() => cap,
            None => return true,
        };
        in_loop |= times > 1;
        total = total.saturating_add(times);
    }
    // Two goroutines that may each fail once are a different matter from
    // a worker per item: only the latter is reported.
    in_loop && total > cap
}

/// Whether `w` (in its summary) sends to `chan`.
fn sends_to(program: &Program, w: &Worker<'_>, chan: &AccessPath) -> bool {
    program.summary(w.func).is_some_and(|summary| {
        summary.chans.iter().any(|c| {
            c.op == ChanOp::Send
                && program
                    .substitute(w.func, &c.path, w.recv.as_ref(), &w.args)
                    .as_ref()
                    == Some(chan)
        })
    })
}

/// A worker counted by a WaitGroup or errgroup (see [`wait_before_reading`]).
struct Worker<'a> {
    /// The `go` call or the `g.Go(f)` op that starts it.
    start: &'a Op,
    func: FuncId,
    recv: Option<AccessPath>,
    args: Vec<Option<AccessPath>>,
    /// Run by the group (`g.Go(f)`): done when it returns.
    run_by_group: bool,
}

/// "Channel with WaitGroup", the other way round: the workers started by
/// `spawn` range over a channel until it is closed, and this function closes
/// it only after `Wait`, which waits for the workers.
fn workers_range_until_close(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: FileIdx,
    wait: &WgSite<'_>,
    name: &str,
    spawn: &Op,
    worker: FuncId,
) -> Option<Finding> {
    let program = ctx.program;
    let OpKind::Call { recv, args, .. } = &spawn.kind else {
        return None;
    };
    let summary = program.summary(worker)?;
    let w = program.function(worker)?;
    for ranged in summary
        .chans
        .iter()
        .filter(|c| c.op == ChanOp::Range && c.via.is_none() && !c.in_select)
    {
        let Some(chan) = program.substitute(worker, &ranged.path, recv.as_ref(), args) else {
            continue;
        };
        // The range must end only when the channel is closed.
        let heads: Vec<BlockId> = w
            .all_ops()
            .filter(|(_, _, o)| {
                matches!(&o.kind, OpKind::Chan { path: Some(p), op: ChanOp::Range, .. } if *p == ranged.path)
            })
            .map(|(b, _, _)| b)
            .collect();
        if heads.is_empty()
            || heads
                .iter()
                .any(|h| super::unmatched_channel_op::loop_has_other_exit(w, *h))
        {
            continue;
        }
        let is_close = |c: ChanOp| c == ChanOp::Close;
        if !flow::counterpart_only_after(ctx, f, &chan, (wait.block, wait.index), is_close, None) {
            continue;
        }
        if !op_before_done(w, &ranged.path, false, ChanOp::Range) {
            continue;
        }
        let chan_name = program.describe_path(&chan);
        let mut finding = Finding::new(
            WaitgroupMisuse::META.code,
            file,
            wait.op.span,
            format!(
                "{name}.Wait never returns: workers range over {chan_name} until it is closed, and it is closed only after Wait"
            ),
        );
        if w.pkg == ctx.package {
            finding = finding.related(
                FileIdx(w.def.file as usize),
                ranged.span,
                format!("the worker leaves this loop only when {chan_name} is closed"),
            );
        }
        finding = finding.related(file, spawn.span, "the worker is started here");
        return Some(finding.suggest(format!(
            "close {chan_name} before {name}.Wait() (as soon as the last value is sent)"
        )));
    }
    None
}

/// Whether the worker's send on `chan` happens before its `Done` (a
/// deferred Done, or every direct Done only after the send), so the
/// blocked send keeps the counter up.
fn sends_before_done(worker: &Function, chan: &AccessPath, via_callee: bool) -> bool {
    op_before_done(worker, chan, via_callee, ChanOp::Send)
}

/// Whether the worker's `wanted` op on `chan` (a send, or the `range` that
/// ends only when the channel is closed) happens before its `Done`.
fn op_before_done(worker: &Function, chan: &AccessPath, via_callee: bool, wanted: ChanOp) -> bool {
    let sites = wg_sites(worker);
    let dones: Vec<&WgSite<'_>> = sites.iter().filter(|s| s.wg == WgOp::Done).collect();
    if dones.is_empty() {
        // Done through a callee: only trust a deferred helper.
        return worker
            .ops
            .iter()
            .any(|(_, op)| op.mode == Mode::Deferred && matches!(op.kind, OpKind::Call { .. }));
    }
    if dones.iter().all(|d| d.op.mode == Mode::Deferred) {
        return true;
    }
    if via_callee {
        return false;
    }
    let mut send_site = None;
    for b in 0..worker.cfg.blocks.len() {
        let block = BlockId(b as u32);
        for (i, (_, op)) in worker.block_ops(block).iter().enumerate() {
            if let OpKind::Chan {
                path: Some(p),
                op: c,
                select: None,
                ..
            } = &op.kind
            {
                if *c == wanted && p == chan && op.mode == Mode::Now {
                    send_site = Some((block, i));
                }
            }
        }
    }
    let Some(send) = send_site else {
        return false;
    };
    dones.iter().all(|d| {
        d.op.mode == Mode::Deferred || !flow::may_run_after(worker, (d.block, d.index), send)
    })
}

/// A counted goroutine calls a function that waits on the goroutine's own
/// group (a worker that calls `r.Stop()` on too many failures, where `Stop`
/// does `r.wg.Wait()`): its own `Done` runs only after that Wait returns,
/// so the Wait never does.
fn waits_for_itself_via_call(
    program: &Program,
    f: &Function,
    file: FileIdx,
    findings: &mut Vec<Finding>,
) {
    let sites = wg_sites(f);
    for done in sites.iter().filter(|s| s.wg == WgOp::Done) {
        // `wg.Done(); ...; wg.Wait()` in a callee is a barrier, not a self-wait.
        let checked_in_before = |at: (BlockId, usize)| {
            sites.iter().any(|s| {
                s.path == done.path
                    && s.wg == WgOp::Done
                    && s.op.mode == Mode::Now
                    && flow::may_run_after(f, (s.block, s.index), at)
            })
        };
        for (block, index, op) in f.indexed_ops() {
            let OpKind::Call {
                callee: Callee::Func(c),
                recv,
                args,
                ..
            } = &op.kind
            else {
                continue;
            };
            if op.mode != Mode::Now
                || checked_in_before((block, index))
                || passes_constant_flag(program, f, op)
            {
                continue;
            }
            let done_after = done.op.mode == Mode::Deferred
                || flow::may_run_after(f, (block, index), (done.block, done.index));
            if !done_after {
                continue;
            }
            let (Some(summary), Some(callee)) = (program.summary(*c), program.function(*c)) else {
                continue;
            };
            let Some(wait) = summary.wg.iter().find(|u| {
                u.op == WgOp::Wait
                    && program
                        .substitute(*c, &u.path, recv.as_ref(), args)
                        .as_ref()
                        == Some(done.path)
            }) else {
                continue;
            };
            let name = program.describe_path(done.path);
            let callee_name = crate::lockstate::short_name(callee);
            let through = wait
                .via
                .and_then(|v| program.function(v))
                .map(|via| format!(" (through {})", crate::lockstate::short_name(via)))
                .unwrap_or_default();
            findings.push(
                Finding::new(
                    WaitgroupMisuse::META.code,
                    file,
                    op.span,
                    format!(
                        "{callee_name} waits on {name}{through}, but this goroutine is counted by {name} and calls Done only after {callee_name} returns: the counter never reaches zero"
                    ),
                )
                .related(file, done.op.span, "this goroutine's own Done")
                .related(
                    FileIdx(callee.def.file as usize),
                    wait.span,
                    format!("{callee_name} waits for every goroutine of {name} here"),
                )
                .suggest(format!(
                    "make that call from a goroutine that {name} does not count (`go ...`), or only signal shutdown here and let the owner wait"
                )),
            );
            return;
        }
    }
}

/// Whether the call `op` passes a literal `true`/`false`: the callee may
/// take its waiting branch only for the other value (`stop(deleting)`), and
/// summaries do not evaluate flags for WaitGroup waits.
fn passes_constant_flag(program: &Program, f: &Function, op: &Op) -> bool {
    let Some((file, info)) = program.file_of(f) else {
        return true;
    };
    let Some(ExprKind::Call { args, .. }) = op.expr.map(|e| &file.expr(e).kind) else {
        return false;
    };
    args.iter().any(|&a| {
        let a = file.unparen(a);
        matches!(&file.expr(a).kind, ExprKind::Ident(id)
            if matches!(info.res(a), Res::Predeclared) && matches!(file.name(*id), "true" | "false"))
    })
}

/// `wg.Add(len(items))` up front, then a loop over `items` that can skip
/// starting the goroutine that calls `Done` (`continue` on a disabled
/// item, the `go` inside an `if`): Wait waits for goroutines that never
/// started.
fn add_len_loop_skips(program: &Program, f: &Function, file: FileIdx, findings: &mut Vec<Finding>) {
    let Some((ast, info)) = program.file_of(f) else {
        return;
    };
    let sites = wg_sites(f);
    for add in sites
        .iter()
        .filter(|s| matches!(s.wg, WgOp::Add(None)) && s.op.mode == Mode::Now)
    {
        let Some(ExprKind::Call { args, .. }) = add.op.expr.map(|e| &ast.expr(e).kind) else {
            continue;
        };
        let [count] = args.as_slice() else { continue };
        let count_text = ast.text(ast.expr(ast.unparen(*count)).span);
        let counted = match &ast.expr(ast.unparen(*count)).kind {
            ExprKind::Call { fun, args, .. } if args.len() == 1 => matches!(
                info.res(ast.unparen(*fun)),
                Res::Builtin(goconc_semantic::env::Builtin::Len)
            )
            .then(|| ast.text(ast.expr(ast.unparen(args[0])).span)),
            _ => None,
        };
        let Some(counted) = counted else { continue };
        // The loop over exactly the counted collection, after the Add.
        let Some(body) = ast.stmts.iter().find_map(|stmt| match &stmt.kind {
            StmtKind::Range { x, body, .. }
                if stmt.span.start > add.op.span.end
                    && stmt.span.end <= f.def.span.end
                    && ast.text(ast.expr(ast.unparen(*x)).span) == counted =>
            {
                Some(body)
            }
            _ => None,
        }) else {
            continue;
        };
        let inside =
            |outer: Span, inner: Span| outer.start <= inner.start && inner.end <= outer.end;
        // The goroutines of the loop that call Done on this group.
        let counted_spawn = f.ops.iter().find_map(|(_, op)| {
            if op.mode != Mode::Spawned || !inside(body.span, op.span) {
                return None;
            }
            let OpKind::Call {
                callee,
                recv,
                args,
                func_arg,
                ..
            } = &op.kind
            else {
                return None;
            };
            let target = match (callee, func_arg) {
                (Callee::Func(t), _) => *t,
                (_, Some(fa)) => match fa.func {
                    goconc_semantic::ops::FuncArg::Func(t) => t,
                    _ => return None,
                },
                _ => return None,
            };
            let summary = program.summary(target)?;
            summary
                .wg_done_all_paths
                .iter()
                .any(|p| {
                    program.substitute(target, p, recv.as_ref(), args).as_ref() == Some(add.path)
                })
                .then_some(op.span)
        });
        let Some(spawn) = counted_spawn else { continue };
        // A Done or a negative Add in the loop itself settles skipped items.
        let settles = sites.iter().any(|s| {
            s.path == add.path
                && s.op.mode == Mode::Now
                && inside(body.span, s.op.span)
                && matches!(s.wg, WgOp::Done | WgOp::Add(_))
                && s.op.span != add.op.span
        });
        if settles {
            continue;
        }
        let go_stmt = ast
            .stmts
            .iter()
            .find(|stmt| matches!(stmt.kind, StmtKind::Go { .. }) && inside(stmt.span, spawn));
        let Some(go_stmt) = go_stmt else { continue };
        // Nested functions and loops own their statements; a `break` in a
        // switch or select leaves only that statement.
        let nested: Vec<(Span, bool)> = ast
            .stmts
            .iter()
            .filter(|stmt| inside(body.span, stmt.span) && stmt.span != body.span)
            .filter_map(|stmt| match &stmt.kind {
                StmtKind::For { .. } | StmtKind::Range { .. } => Some((stmt.span, true)),
                StmtKind::Switch { .. } | StmtKind::TypeSwitch { .. } | StmtKind::Select { .. } => {
                    Some((stmt.span, false))
                }
                _ => None,
            })
            .chain(ast.exprs.iter().filter_map(|e| {
                (matches!(e.kind, ExprKind::FuncLit { .. }) && inside(body.span, e.span))
                    .then_some((e.span, true))
            }))
            .collect();
        let own_group = add.path.fields.is_empty()
            && match &add.path.base {
                goconc_semantic::ops::Base::Local(k) => {
                    let (recv, params) = f.param_keys();
                    recv != Some(*k) && !params.contains(k)
                }
                goconc_semantic::ops::Base::Global(_) => false,
            };
        let skip = ast.stmts.iter().find(|stmt| {
            if !inside(body.span, stmt.span) || stmt.span.start > go_stmt.span.start {
                return false;
            }
            let leaves = match &stmt.kind {
                StmtKind::Branch {
                    kind: BranchKind::Continue,
                    label: None,
                } => Some(true),
                StmtKind::Branch {
                    kind: BranchKind::Break,
                    label: None,
                } => Some(false),
                // Returning leaves this function's own group behind with
                // nobody to wait on it; a field's group is still waited for.
                StmtKind::Return { .. } if own_group => return false,
                StmtKind::Return { .. } => {
                    return !nested.iter().any(|(span, owns)| {
                        *owns && inside(*span, stmt.span) && span.start > body.span.start
                    })
                }
                _ => None,
            };
            let Some(is_continue) = leaves else {
                return false;
            };
            !nested.iter().any(|(span, loop_or_func)| {
                inside(*span, stmt.span) && (*loop_or_func || !is_continue)
            })
        });
        let conditional = !body.stmts.iter().any(|&s| ast.stmt(s).span == go_stmt.span);
        let (skip_span, how) = match skip {
            Some(stmt) => (stmt.span, "skips it"),
            None if conditional => (go_stmt.span, "starts it only on some iterations"),
            None => continue,
        };
        let name = program.describe_path(add.path);
        findings.push(
            Finding::new(
                WaitgroupMisuse::META.code,
                file,
                add.op.span,
                format!(
                    "{name}.Add({count_text}) counts every element, but the loop that starts the goroutines {how}: {name}.Wait waits for goroutines that never started"
                ),
            )
            .related(file, skip_span, "an iteration can end here without starting the goroutine")
            .related(file, spawn, "the goroutine that calls Done")
            .suggest(format!(
                "call {name}.Add(1) right before each go statement (or use {name}.Go), or call {name}.Done() on the paths that skip it"
            )),
        );
    }
}

/// `wg.Add(n)` before calling, n times, a helper that adds 1 for each
/// goroutine it starts (`p.wg.Add(n); for ... { p.startWorker() }` with
/// `startWorker` doing `p.wg.Add(1); go func() { defer p.wg.Done() }()`):
/// every worker is counted twice, only once released, and Wait never
/// returns. `f` itself neither calls Done nor starts goroutines of its own.
fn double_counted_add(program: &Program, f: &Function, file: FileIdx, findings: &mut Vec<Finding>) {
    let sites = wg_sites(f);
    let own_spawn = f.ops.iter().any(|(_, op)| op.mode == Mode::Spawned);
    if own_spawn {
        return;
    }
    for add in sites
        .iter()
        .filter(|s| matches!(s.wg, WgOp::Add(_)) && s.op.mode == Mode::Now)
    {
        if sites
            .iter()
            .any(|s| s.path == add.path && matches!(s.wg, WgOp::Done | WgOp::Wait | WgOp::Go))
        {
            continue;
        }
        for (block, index, op) in f.indexed_ops() {
            let OpKind::Call {
                callee: Callee::Func(c),
                recv,
                args,
                ..
            } = &op.kind
            else {
                continue;
            };
            if op.mode != Mode::Now
                || !flow::may_run_after(f, (add.block, add.index), (block, index))
            {
                continue;
            }
            let Some(helper) = program.function(*c) else {
                continue;
            };
            if counts_own_goroutines(program, helper, |q| {
                program.substitute(*c, q, recv.as_ref(), args).as_ref() == Some(add.path)
            }) {
                let name = program.describe_path(add.path);
                findings.push(
                    Finding::new(
                        WaitgroupMisuse::META.code,
                        file,
                        add.op.span,
                        format!(
                            "{name}.Add counts goroutines that {} already counts: it adds 1 for each goroutine it starts, so every worker is counted twice, released once, and {name}.Wait never returns",
                            crate::lockstate::short_name(helper)
                        ),
                    )
                    .related(file, op.span, format!("{} adds to {name} again here", crate::lockstate::short_name(helper)))
                    .suggest(format!(
                        "drop this Add and let {} count each goroutine it starts",
                        crate::lockstate::short_name(helper)
                    )),
                );
                return;
            }
        }
    }
}

/// Whether `helper` adds to a group (one `is_group` accepts) and starts a
/// goroutine that releases it (`wg.Add(1); go func() { defer wg.Done() }()`).
fn counts_own_goroutines(
    program: &Program,
    helper: &Function,
    is_group: impl Fn(&AccessPath) -> bool,
) -> bool {
    let adds: Vec<&AccessPath> = helper
        .ops
        .iter()
        .filter_map(|(_, op)| match &op.kind {
            OpKind::WaitGroup {
                path: Some(q),
                op: WgOp::Add(_),
            } if op.mode == Mode::Now && is_group(q) => Some(q),
            _ => None,
        })
        .collect();
    if adds.is_empty() {
        return false;
    }
    helper.ops.iter().any(|(_, op)| {
        let OpKind::Call {
            callee: Callee::Func(g),
            ..
        } = &op.kind
        else {
            return false;
        };
        op.mode == Mode::Spawned
            && program.function(*g).is_some_and(|g| {
                g.ops.iter().any(|(_, o)| {
                    matches!(&o.kind, OpKind::WaitGroup { path: Some(q), op: WgOp::Done } if adds.contains(&q))
                })
            })
    })
}

/// A constant `wg.Add(n)` that differs from the number of goroutines that
/// call `Done` (for a WaitGroup local to `f` that `f` waits on).
fn add_count_mismatch(program: &Program, f: &Function, file: FileIdx, findings: &mut Vec<Finding>) {
    let Some((ast, _)) = program.file_of(f) else {
        return;
    };
    let sites = wg_sites(f);
    let mut groups: Vec<&AccessPath> = Vec::new();
    for s in &sites {
        if s.wg == WgOp::Wait
            && s.op.mode == Mode::Now
            && flow::is_own_local(program, f, s.path)
            && s.path.fields.is_empty()
            && !groups.contains(&s.path)
        {
            groups.push(s.path);
        }
    }
    if groups.is_empty() {
        return;
    }
    let loops = flow::LoopTrips::collect(program, f);
    'groups: for wg in groups {
        let mut added: i64 = 0;
        let mut first_add: Option<&WgSite<'_>> = None;
        for s in sites.iter().filter(|s| s.path == wg) {
            match s.wg {
                WgOp::Add(delta) => {
                    let (Some(delta), Some(times)) = (delta, loops.factor(s.op.span)) else {
                        continue 'groups;
                    };
                    if s.op.mode != Mode::Now {
                        continue 'groups;
                    }
                    added = added.saturating_add(delta.saturating_mul(times));
                    first_add.get_or_insert(s);
                }
                // A direct Done in the waiting function: not a goroutine count.
                WgOp::Done => continue 'groups,
                WgOp::Wait | WgOp::Go => {}
            }
        }
        let Some(first_add) = first_add else {
            continue;
        };
        let mut dones: i64 = 0;
        for (_, op) in &f.ops {
            let OpKind::Call {
                callee,
                recv,
                args,
                func_arg,
                ..
            } = &op.kind
            else {
                continue;
            };
            let passes_wg = args.iter().flatten().any(|a| a == wg);
            // A function handed to a library that runs it in a goroutine
            // (`time.AfterFunc`, `errgroup.Go`) and that touches the group:
            // one more counted goroutine the loop factors do not see.
            // So is a callback handed to any call (`p.SendAsync(msg,
            // func(...) { wg.Done() })`, `pc.OnTrack(...)`): it runs when
            // and as often as the callee decides.
            let library_spawn_touches = func_arg.as_ref().is_some_and(|fa| {
                (fa.spawned || op.mode != Mode::Spawned)
                    && match fa.func {
                        goconc_semantic::ops::FuncArg::Func(target) => {
                            program.summary(target).is_some_and(|s| !s.wg.is_empty())
                        }
                        _ => true,
                    }
            });
            if library_spawn_touches {
                continue 'groups;
            }
            let Callee::Func(c) = callee else {
                if passes_wg {
                    continue 'groups;
                }
                continue;
            };
            let Some(summary) = program.summary(*c) else {
                continue 'groups;
            };
            let map = |p: &AccessPath| program.substitute(*c, p, recv.as_ref(), args);
            let touches = summary
                .wg
                .iter()
                .any(|u| u.op != WgOp::Go && map(&u.path).as_ref() == Some(wg));
            if !touches {
                // A goroutine that starts the counted goroutines itself
                // (`go func() { for range 10 { go work() } }()`): the
                // loop factors of this function do not count them.
                if passes_wg || (op.mode == Mode::Spawned && !summary.spawns.is_empty()) {
                    continue 'groups;
                }
                continue;
            }
            if op.mode != Mode::Spawned || func_arg.as_ref().is_some_and(|a| a.spawned) {
                continue 'groups;
            }
            let all_paths = summary
                .wg_done_all_paths
                .iter()
                .any(|p| map(p).as_ref() == Some(wg));
            let adds_itself = summary
                .wg
                .iter()
                .any(|u| matches!(u.op, WgOp::Add(_)) && map(&u.path).as_ref() == Some(wg));
            let Some(times) = loops.factor(op.span) else {
                continue 'groups;
            };
            // Goroutines started in branches (`if addFirst { go a() } else
            // { go b() }`) do not all run: no count to compare.
            if flow::in_branch(ast, f, op.span) {
                continue 'groups;
            }
            // A goroutine that checks in more than once (`wg.Done()` to
            // say it started, `defer wg.Done()` to say it finished) pairs
            // with more than one Add: no simple count to compare.
            let done_calls = summary
                .wg
                .iter()
                .filter(|u| u.op == WgOp::Done && map(&u.path).as_ref() == Some(wg))
                .count();
            // A counted goroutine that starts goroutines of its own may hand
            // them part of the count (`wg.Add(1 + n)`, one outer goroutine
            // starting n workers that each call Done).
            let spawns_more = !summary.spawns.is_empty();
            if !all_paths || adds_itself || done_calls > 1 || spawns_more {
                continue 'groups;
            }
            dones = dones.saturating_add(times);
        }
        if dones == added || dones == 0 {
            continue;
        }
        let name = program.describe_path(wg);
        let arg_text = first_add
            .op
            .expr
            .and_then(|e| match &ast.exprs.get(e.index())?.kind {
                ExprKind::Call { args, .. } => args.first().map(|a| ast.text(ast.expr(*a).span)),
                _ => None,
            })
            .unwrap_or("?");
        let single_add = sites
            .iter()
            .filter(|s| s.path == wg && matches!(s.wg, WgOp::Add(_)))
            .count()
            == 1
            && loops.factor(first_add.op.span) == Some(1);
        let what_added = if single_add {
            format!("{name}.Add({arg_text})")
        } else {
            format!("the {name}.Add calls (first {name}.Add({arg_text})) add {added} in all, which")
        };
        let effect = if added > dones {
            "Wait never returns"
        } else {
            "the counter goes negative and Done panics"
        };
        findings.push(
            Finding::new(
                WaitgroupMisuse::META.code,
                file,
                first_add.op.span,
                format!(
                    "{what_added} does not match the {dones} goroutine(s) that call {name}.Done: {effect}"
                ),
            )
            .suggest(format!(
                "call {name}.Add(1) right before each go statement (or use {name}.Go) so the count cannot drift"
            )),
        );
    }
}

/// Flow helpers shared by the WaitGroup and Cond rules: a must-held lock
/// analysis, "may run after" reachability, spawn targets, channel facts.
pub(crate) mod flow {
    use super::*;
    use goconc_semantic::cfg::{forward, Lattice, Solution};
    use goconc_semantic::ops::{FuncArg, LockKind, LockOp, PathElem};

    /// Locks held (path, read/write) at a program point.
    pub(crate) type HeldSet = BTreeSet<(AccessPath, LockKind)>;

    /// Must-held locks: the join is the intersection (held on every path).
    #[derive(Clone, PartialEq)]
    pub(crate) struct MustHeld(pub HeldSet);

    impl Lattice for MustHeld {
        fn join(&mut self, other: &Self) -> bool {
            let before = self.0.len();
            self.0.retain(|x| other.0.contains(x));
            self.0.len() != before
        }
    }

    /// A boolean true only when true on every incoming path.
    #[derive(Clone, Copy, PartialEq)]
    pub(crate) struct MustFlag(pub bool);

    impl Lattice for MustFlag {
        fn join(&mut self, other: &Self) -> bool {
            let next = self.0 && other.0;
            let changed = next != self.0;
            self.0 = next;
            changed
        }
    }

    /// Applies the lock effect of one op (direct lock ops and the net
    /// effect of lock/unlock helpers) to `held`.
    pub(crate) fn apply_lock_op(program: &Program, held: &mut HeldSet, op: &Op) {
        if op.mode != Mode::Now {
            return;
        }
        match &op.kind {
            OpKind::Lock {
                path: Some(p),
                op: lock,
            } => match lock {
                LockOp::Lock | LockOp::RLock => {
                    held.insert((p.clone(), lock.kind()));
                }
                LockOp::Unlock | LockOp::RUnlock => {
                    held.remove(&(p.clone(), lock.kind()));
                }
                LockOp::TryLock | LockOp::TryRLock => {}
            },
            OpKind::Call {
                callee: Callee::Func(c),
                recv,
                args,
                ..
            } => {
                let Some(summary) = program.summary(*c) else {
                    return;
                };
                for (p, kind) in &summary.net_released {
                    if let Some(p) = program.substitute(*c, p, recv.as_ref(), args) {
                        held.remove(&(p, *kind));
                    }
                }
                for (p, kind) in &summary.net_acquired {
                    if let Some(p) = program.substitute(*c, p, recv.as_ref(), args) {
                        held.insert((p, *kind));
                    }
                }
            }
            _ => {}
        }
    }

    /// Must-held locks of one function (the locks taken in the function
    /// itself; locks held by callers are not known).
    pub(crate) struct HeldLocks {
        solution: Solution<MustHeld>,
    }

    impl HeldLocks {
        pub(crate) fn compute(program: &Program, f: &Function) -> HeldLocks {
            let solution = forward(&f.cfg, MustHeld(HeldSet::new()), |b, state| {
                let mut held = state.0.clone();
                for (_, op) in f.block_ops(b) {
                    apply_lock_op(program, &mut held, op);
                }
                MustHeld(held)
            });
            HeldLocks { solution }
        }

        /// The locks held right before op `index` of `block` (`None` when
        /// unreachable or when the analysis did not converge).
        pub(crate) fn before(
            &self,
            program: &Program,
            f: &Function,
            block: BlockId,
            index: usize,
        ) -> Option<HeldSet> {
            if self.solution.capped {
                return None;
            }
            let mut held = self.solution.block_in.get(block.index())?.clone()?.0;
            for (_, op) in f.block_ops(block).iter().take(index) {
                apply_lock_op(program, &mut held, op);
            }
            Some(held)
        }
    }

    /// The function value handed to the call at `span` in `block` of `f`
    /// (`once.Do(f)`, `wg.Go(f)`, `g.Go(f)`: the semantic model emits the
    /// specific op and the call op with the same span).
    pub(crate) fn func_arg_at(f: &Function, block: BlockId, span: Span) -> Option<FuncId> {
        f.block_ops(block)
            .iter()
            .find_map(|(_, call)| match &call.kind {
                OpKind::Call {
                    func_arg: Some(arg),
                    ..
                } if call.span == span => match arg.func {
                    FuncArg::Func(target) => Some(target),
                    _ => None,
                },
                _ => None,
            })
    }

    /// Whether the op at `to` can execute after the op at `from` in the same
    /// invocation of `f` (positions are block + op index in the block).
    pub(crate) fn may_run_after(
        f: &Function,
        from: (BlockId, usize),
        to: (BlockId, usize),
    ) -> bool {
        if from.0 == to.0 && from.1 < to.1 {
            return true;
        }
        let n = f.cfg.blocks.len();
        let mut seen = vec![false; n];
        let mut stack: Vec<BlockId> = f.cfg.block(from.0).succs.iter().copied().collect();
        while let Some(b) = stack.pop() {
            if b.index() >= n || seen[b.index()] {
                continue;
            }
            if b == to.0 {
                return true;
            }
            seen[b.index()] = true;
            stack.extend(f.cfg.block(b).succs.iter().copied());
        }
        false
    }

    /// Whether every path from the entry to `to` passes through `through`.
    pub(crate) fn dominates(f: &Function, through: (BlockId, usize), to: (BlockId, usize)) -> bool {
        if through.0 == to.0 {
            return through.1 < to.1;
        }
        let n = f.cfg.blocks.len();
        let mut seen = vec![false; n];
        let mut stack = vec![f.cfg.entry];
        while let Some(b) = stack.pop() {
            if b.index() >= n || seen[b.index()] || b == through.0 {
                continue;
            }
            if b == to.0 {
                return false;
            }
            seen[b.index()] = true;
            stack.extend(f.cfg.block(b).succs.iter().copied());
        }
        true
    }

    /// Functions of the package run as goroutines (`go`, `errgroup.Go`,
    /// `wg.Go`, spawning wrappers).
    pub(crate) fn spawned_targets(ctx: &RuleContext<'_>) -> BTreeSet<FuncId> {
        let mut out = BTreeSet::new();
        for f in ctx.functions() {
            for (_, op) in &f.ops {
                if let OpKind::Call {
                    callee, func_arg, ..
                } = &op.kind
                {
                    if let (Mode::Spawned, Callee::Func(c)) = (op.mode, callee) {
                        out.insert(*c);
                    }
                    if let Some(arg) = func_arg {
                        if let (true, FuncArg::Func(c)) = (arg.spawned, &arg.func) {
                            out.insert(*c);
                        }
                    }
                }
            }
            if let Some(summary) = ctx.program.summary(f.id) {
                out.extend(summary.spawns.iter().filter_map(|s| s.target));
            }
        }
        out
    }

    /// Where the package starts `target` as a goroutine.
    pub(crate) fn spawn_sites_of(
        ctx: &RuleContext<'_>,
        target: FuncId,
    ) -> Vec<(FileIdx, goconc_syntax::ast::Span)> {
        let mut out = Vec::new();
        for f in ctx.functions() {
            for (_, op) in &f.ops {
                if spawns(op, target) {
                    out.push((FileIdx(f.def.file as usize), op.span));
                }
            }
        }
        out
    }

    /// The functions of the package that start `target` as a goroutine.
    pub(crate) fn spawners_of<'p>(ctx: &RuleContext<'p>, target: FuncId) -> Vec<&'p Function> {
        ctx.functions()
            .filter(|f| f.ops.iter().any(|(_, op)| spawns(op, target)))
            .collect()
    }

    /// Every static call of `target` among `functions`: the calling
    /// function with the call's receiver and argument paths (in the
    /// caller's frame, ready for [`Program::substitute`]).
    pub(crate) fn calls_of<'p>(
        functions: impl Iterator<Item = &'p Function>,
        target: FuncId,
    ) -> impl Iterator<
        Item = (
            &'p Function,
            Option<&'p AccessPath>,
            &'p [Option<AccessPath>],
        ),
    > {
        functions.flat_map(move |caller| {
            caller.ops.iter().filter_map(move |(_, op)| match &op.kind {
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } if *c == target => Some((caller, recv.as_ref(), args.as_slice())),
                _ => None,
            })
        })
    }

    /// Whether `op` starts `target` as a goroutine (`go target()`, or a
    /// spawning call handed `target`).
    pub(crate) fn spawns(op: &Op, target: FuncId) -> bool {
        let OpKind::Call {
            callee, func_arg, ..
        } = &op.kind
        else {
            return false;
        };
        (op.mode == Mode::Spawned && *callee == Callee::Func(target))
            || func_arg
                .as_ref()
                .is_some_and(|a| a.spawned && a.func == FuncArg::Func(target))
    }

    /// Index of `f` in its package's function list (the numbering of
    /// `Local::func`).
    pub(crate) fn own_index(program: &Program, f: &Function) -> Option<u32> {
        let first = program.packages.get(f.pkg as usize)?.funcs.first()?.0;
        f.id.0.checked_sub(first)
    }

    /// Whether `path` is rooted in a variable declared by `f` itself (not a
    /// parameter, receiver or captured variable of an enclosing function).
    pub(crate) fn is_own_local(program: &Program, f: &Function, path: &AccessPath) -> bool {
        let Base::Local(key) = &path.base else {
            return false;
        };
        let local = program.local(key);
        let Some(local) = local else {
            return false;
        };
        local.kind == goconc_semantic::body::LocalKind::Var
            && own_index(program, f) == Some(local.func)
            && key.pkg == f.pkg
            && key.file == f.def.file
    }

    /// The same memory location: the same path, or the same field of the
    /// same struct type (`s.mu` in one method, `t.mu` in another).
    pub(crate) fn same_location(program: &Program, a: &AccessPath, b: &AccessPath) -> bool {
        if a == b {
            return true;
        }
        if a.fields.contains(&PathElem::Index) || b.fields.contains(&PathElem::Index) {
            return false;
        }
        match (program.field_owner(a), program.field_owner(b)) {
            (Some(x), Some(y)) => x == y,
            _ => false,
        }
    }

    /// The capacity of a buffered local channel.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub(crate) enum Capacity {
        Constant(i64),
        /// A configured size read from a field (`s.parallelism`), by its text.
        Setting(String),
    }

    impl Capacity {
        /// "1 slot", "4 slots", "s.parallelism slots".
        pub(crate) fn slots(&self) -> String {
            match self {
                Capacity::Constant(1) => "1 slot".to_string(),
                Capacity::Constant(n) => format!("{n} slots"),
                Capacity::Setting(text) => format!("{text} slots"),
            }
        }
    }

    /// The capacity of a local channel of `f` when every `make` that stores
    /// into it in `f` has the same constant capacity, or the same field
    /// selector as its capacity.
    pub(crate) fn local_capacity(
        program: &Program,
        f: &Function,
        chan: &AccessPath,
    ) -> Option<Capacity> {
        if !chan.fields.is_empty() {
            return None;
        }
        let ast = program.file_of(f).map(|(ast, _)| ast);
        let mut capacity = None;
        for (_, op) in &f.ops {
            let OpKind::MakeChan {
                path: Some(p), cap, ..
            } = &op.kind
            else {
                continue;
            };
            if p != chan {
                continue;
            }
            let this = match cap {
                Some(c) => Capacity::Constant(*c),
                None => {
                    let ast = ast?;
                    let ExprKind::Call { args, .. } = &ast.expr(op.expr?).kind else {
                        return None;
                    };
                    let size = ast.unparen(*args.get(1)?);
                    if !matches!(ast.expr(size).kind, ExprKind::Selector { .. }) {
                        return None;
                    }
                    Capacity::Setting(ast.text(ast.expr(size).span).to_string())
                }
            };
            match &capacity {
                None => capacity = Some(this),
                Some(seen) if *seen != this => return None,
                _ => {}
            }
        }
        capacity
    }

    /// Whether the header of a loop of `f` around `span` mentions `text`
    /// (`for i := 0; i < s.parallelism; i++`).
    pub(crate) fn loop_headers_mention(
        program: &Program,
        f: &Function,
        span: goconc_syntax::ast::Span,
        text: &str,
    ) -> bool {
        let Some((ast, _)) = program.file_of(f) else {
            return true;
        };
        let body = f.def.span;
        ast.stmts.iter().any(|stmt| {
            let loop_body = match &stmt.kind {
                StmtKind::For { body, .. } | StmtKind::Range { body, .. } => body.span,
                _ => return false,
            };
            body.start <= stmt.span.start
                && stmt.span.end <= body.end
                && loop_body.start <= span.start
                && span.end <= loop_body.end
                && ast
                    .text(goconc_syntax::ast::Span {
                        start: stmt.span.start,
                        end: loop_body.start,
                    })
                    .contains(text)
        })
    }

    /// Whether `chan` is known to be unbuffered: every `make` that stores
    /// into it (same variable, or the same struct field anywhere in the
    /// package) has capacity 0, and there is at least one.
    pub(crate) fn is_unbuffered(ctx: &RuleContext<'_>, f: &Function, chan: &AccessPath) -> bool {
        let program = ctx.program;
        let mut found = false;
        let local = chan.fields.is_empty();
        for g in ctx.functions() {
            if local && g.id != f.id && !is_ancestor(program, g, f) {
                continue;
            }
            for (_, op) in &g.ops {
                if let OpKind::MakeChan {
                    path: Some(p), cap, ..
                } = &op.kind
                {
                    let same = if local {
                        p == chan
                    } else {
                        same_location(program, p, chan)
                    };
                    if same {
                        if *cap != Some(0) {
                            return false;
                        }
                        found = true;
                    }
                }
            }
        }
        if local {
            return found;
        }
        // `&T{ch: make(chan X)}` returned or passed directly has no path:
        // look at the struct literals of the owner type.
        let Some((owner, field)) = program.field_owner(chan) else {
            return found;
        };
        let Some(model) = ctx.model() else {
            return found;
        };
        for (index, info) in model.files.iter().enumerate() {
            let Some(file) = ctx.file(FileIdx(index)) else {
                continue;
            };
            for (i, expr) in file.exprs.iter().enumerate() {
                let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                    continue;
                };
                let id = goconc_syntax::ast::ExprId(i as u32);
                if info.ty(id).strip_pointer() != &owner {
                    continue;
                }
                for &elt in elts {
                    let ExprKind::KeyValue { key, value } = &file.expr(elt).kind else {
                        continue;
                    };
                    if file.text(file.expr(*key).span) != &*field {
                        continue;
                    }
                    let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(*value)).kind
                    else {
                        return false;
                    };
                    let is_make = matches!(
                        info.res(file.unparen(*fun)),
                        goconc_semantic::body::Res::Builtin(goconc_semantic::env::Builtin::Make)
                    );
                    if !is_make || args.len() > 1 {
                        return false;
                    }
                    found = true;
                }
            }
        }
        found
    }

    /// The functions enclosing the closure `f`, innermost first.
    pub(crate) fn ancestors<'p>(program: &'p Program, f: &Function) -> Vec<&'p Function> {
        let mut out = Vec::new();
        let Some(first) = program
            .packages
            .get(f.pkg as usize)
            .and_then(|p| p.funcs.first())
        else {
            return out;
        };
        let mut cur = f.def.parent;
        while let Some(parent) = cur {
            let Some(g) = program.function(FuncId(first.0 + parent)) else {
                break;
            };
            if out.len() > 64 {
                break;
            }
            out.push(g);
            cur = g.def.parent;
        }
        out
    }

    /// Whether `g` encloses the closure `f`.
    pub(crate) fn is_ancestor(program: &Program, g: &Function, f: &Function) -> bool {
        let Some(first) = program
            .packages
            .get(f.pkg as usize)
            .and_then(|p| p.funcs.first())
        else {
            return false;
        };
        let mut cur = f.def.parent;
        let mut depth = 0;
        while let Some(parent) = cur {
            if FuncId(first.0 + parent) == g.id {
                return true;
            }
            depth += 1;
            if depth > 64 {
                return false;
            }
            cur = program
                .function(FuncId(first.0 + parent))
                .and_then(|p| p.def.parent);
        }
        false
    }

    /// Channel op kinds that take values out of a channel.
    pub(crate) fn is_receive(op: ChanOp) -> bool {
        matches!(op, ChanOp::Recv | ChanOp::Range)
    }

    /// Every receive from `chan` in the package happens in `f`, and none of
    /// them can run before the op at `point` (there is at least one).
    pub(crate) fn received_only_after(
        ctx: &RuleContext<'_>,
        f: &Function,
        chan: &AccessPath,
        point: (BlockId, usize),
    ) -> bool {
        counterpart_only_after(ctx, f, chan, point, is_receive, None)
    }

    /// Every op on `chan` matching `wanted` in the package (outside
    /// `exclude`) is in `f` (directly or through a callee called from `f`),
    /// and none of them can run before the op at `point`.
    pub(crate) fn counterpart_only_after(
        ctx: &RuleContext<'_>,
        f: &Function,
        chan: &AccessPath,
        point: (BlockId, usize),
        wanted: fn(ChanOp) -> bool,
        exclude: Option<FuncId>,
    ) -> bool {
        let program = ctx.program;
        let matches = |p: &AccessPath| same_location(program, p, chan);
        for g in ctx.functions() {
            if g.id == f.id || Some(g.id) == exclude {
                continue;
            }
            let uses = g.ops.iter().any(|(_, op)| {
                matches!(&op.kind, OpKind::Chan { path: Some(p), op: c, .. } if wanted(*c) && matches(p))
            });
            if uses {
                return false;
            }
        }
        let mut found = false;
        for (block, i, op) in f.indexed_ops() {
            let hit = match &op.kind {
                OpKind::Chan {
                    path: Some(p),
                    op: c,
                    ..
                } => wanted(*c) && matches(p),
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } if op.mode == Mode::Now => program.summary(*c).is_some_and(|s| {
                    s.chans.iter().any(|u| {
                        wanted(u.op)
                            && program
                                .substitute(*c, &u.path, recv.as_ref(), args)
                                .is_some_and(|p| matches(&p))
                    })
                }),
                _ => false,
            };
            if !hit {
                continue;
            }
            // A deferred op (`defer close(ch)`) runs when `f` returns,
            // after everything else.
            if op.mode == Mode::Spawned
                || (op.mode != Mode::Deferred && may_run_after(f, (block, i), point))
            {
                return false;
            }
            found = true;
        }
        found
    }

    /// Constant trip counts of the `for` loops of a function body.
    pub(crate) struct LoopTrips {
        /// Body span of each loop and its trip count (`None`: unknown).
        loops: Vec<(goconc_syntax::ast::Span, Option<i64>)>,
    }

    impl LoopTrips {
        pub(crate) fn collect(program: &Program, f: &Function) -> LoopTrips {
            let mut loops = Vec::new();
            let Some((ast, info)) = program.file_of(f) else {
                return LoopTrips { loops };
            };
            let span = f.def.span;
            for stmt in &ast.stmts {
                if stmt.span.start < span.start || stmt.span.end > span.end {
                    continue;
                }
                match &stmt.kind {
                    StmtKind::For {
                        init,
                        cond,
                        post,
                        body,
                    } => {
                        let trips = counted_loop(program, f, ast, info, *init, *cond, *post);
                        loops.push((body.span, trips));
                    }
                    StmtKind::Range { x, body, .. } => {
                        loops.push((body.span, range_trips(program, f, ast, *x)))
                    }
                    _ => {}
                }
            }
            LoopTrips { loops }
        }

        /// Forgets the loops whose body satisfies `drop`.
        pub(crate) fn drop_loops(&mut self, drop: impl Fn(goconc_syntax::ast::Span) -> bool) {
            self.loops.retain(|(body, _)| !drop(*body));
        }

        /// How many times an op at `span` runs per call (`None`: unknown).
        pub(crate) fn factor(&self, span: goconc_syntax::ast::Span) -> Option<i64> {
            let mut times: i64 = 1;
            for (body, trips) in &self.loops {
                if body.start <= span.start && span.end <= body.end {
                    times = times.checked_mul((*trips)?)?;
                }
            }
            Some(times)
        }
    }

    /// Whether `span` is inside an `if`, `switch` or `select` of `f`'s body.
    pub(crate) fn in_branch(
        ast: &goconc_syntax::File,
        f: &Function,
        span: goconc_syntax::ast::Span,
    ) -> bool {
        let body = f.def.span;
        ast.stmts.iter().any(|stmt| {
            matches!(
                stmt.kind,
                StmtKind::If { .. }
                    | StmtKind::Switch { .. }
                    | StmtKind::TypeSwitch { .. }
                    | StmtKind::Select { .. }
            ) && body.start <= stmt.span.start
                && stmt.span.end <= body.end
                && stmt.span.start <= span.start
                && span.end <= stmt.span.end
        })
    }

    /// Trip count of `for range N` over an integer constant (Go 1.22) or
    /// over a slice or array literal.
    fn range_trips(
        program: &Program,
        f: &Function,
        ast: &goconc_syntax::File,
        x: goconc_syntax::ast::ExprId,
    ) -> Option<i64> {
        if let ExprKind::CompositeLit { elts, .. } = &ast.expr(ast.unparen(x)).kind {
            let keyed = elts
                .iter()
                .any(|&e| matches!(ast.expr(e).kind, ExprKind::KeyValue { .. }));
            return (!keyed).then_some(elts.len() as i64);
        }
        program.const_int(f, x).map(|n| n.max(0))
    }

    /// Trip count of `for i := A; i < B; i++` (also `<=`) with constants.
    fn counted_loop(
        program: &Program,
        f: &Function,
        ast: &goconc_syntax::File,
        info: &goconc_semantic::body::FileInfo,
        init: Option<goconc_syntax::ast::StmtId>,
        cond: Option<goconc_syntax::ast::ExprId>,
        post: Option<goconc_syntax::ast::StmtId>,
    ) -> Option<i64> {
        use goconc_syntax::ast::Op as AstOp;
        let StmtKind::Assign { lhs, rhs, .. } = &ast.stmts.get(init?.index())?.kind else {
            return None;
        };
        let (&[var], &[start]) = (&lhs[..], &rhs[..]) else {
            return None;
        };
        let ExprKind::Binary { x, op, y, .. } = &ast.exprs.get(cond?.index())?.kind else {
            return None;
        };
        let StmtKind::IncDec {
            x: inc_var,
            inc: true,
        } = &ast.stmts.get(post?.index())?.kind
        else {
            return None;
        };
        let var_res = info.res(var);
        if *var_res == goconc_semantic::body::Res::None
            || info.res(*x) != var_res
            || info.res(*inc_var) != var_res
        {
            return None;
        }
        let start = program.const_int(f, start)?;
        let end = program.const_int(f, *y)?;
        let trips = match op {
            AstOp::Lss => end.checked_sub(start)?,
            AstOp::Leq => end.checked_sub(start)?.checked_add(1)?,
            _ => return None,
        };
        Some(trips.max(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&WaitgroupMisuse);
    }
}
