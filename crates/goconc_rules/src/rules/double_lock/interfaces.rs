//! Interface calls that hand a locked object to the package's own
//! implementation: `SetRunning` holds `c.mu` and calls
//! `c.CheckpointTo(db)`, which calls `db.Save(c)`; the package's `memDB.Save`
//! calls `c.Snapshot()`, which locks `c.mu` again.
//!
//! Summaries treat interface calls as unknown. Here each interface call is
//! resolved to the methods of the package's types that implement the
//! interface, and only acquisitions on the implementation's *parameters*
//! are carried back to the caller: the arguments are the caller's own
//! objects, while the implementation's receiver is whatever value sits in
//! the interface (a different object as often as not). The acquisitions
//! are followed up through package callees (a few levels), so the lock
//! can be held by a caller of the function making the interface call.

use rustc_hash::FxHashMap as HashMap;

use goconc_semantic::cfg::BlockId;
use goconc_semantic::ops::{AccessPath, Base, Callee, FuncId, LockKind, Mode, OpKind};
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_syntax::ast::Span;

use crate::rules::waitgroup_misuse::flow;
use crate::{FileIdx, Finding, RuleContext};

/// Levels of package callees between the held lock and the interface call.
const MAX_DEPTH: usize = 3;

/// A lock an implementation takes on an object its caller handed over,
/// as a path in the frame of the function it is attributed to.
#[derive(Clone)]
struct HandedAcquire {
    path: AccessPath,
    kind: LockKind,
    implementation: FuncId,
    /// Where the implementation acquires it.
    acquired_at: Span,
    /// The interface value and the field it aliases, when the lock is on
    /// the implementation's receiver (`r.lister`, `r.cache`).
    alias: Option<(String, String)>,
}

pub(super) fn check(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let funcs: Vec<&Function> = ctx.functions().collect();
    let interface_calls = funcs.iter().any(|f| {
        f.all_ops().any(|(_, _, op)| {
            matches!(
                op.kind,
                OpKind::Call {
                    callee: Callee::Interface { .. },
                    ..
                }
            )
        })
    });
    if !interface_calls {
        return;
    }
    let mut memo: HashMap<FuncId, Vec<HandedAcquire>> = HashMap::default();
    let mut implementations_of: HashMap<(Type, Sym), Vec<FuncId>> = HashMap::default();
    let aliases = field_aliases(ctx);
    for f in &funcs {
        let mut held: Option<flow::HeldLocks> = None;
        for b in 0..f.cfg.blocks.len() {
            let block = BlockId(b as u32);
            for (index, (_, op)) in f.block_ops(block).iter().enumerate() {
                if op.mode != Mode::Now {
                    continue;
                }
                let handed = match &op.kind {
                    OpKind::Call {
                        callee: Callee::Interface { .. },
                        ..
                    }
                    | OpKind::Call {
                        callee: Callee::Func(_),
                        ..
                    } => call_acquires(
                        ctx,
                        &funcs,
                        &aliases,
                        op,
                        0,
                        &mut memo,
                        &mut implementations_of,
                    ),
                    _ => continue,
                };
                if handed.is_empty() {
                    continue;
                }
                let held = held.get_or_insert_with(|| flow::HeldLocks::compute(program, f));
                let Some(locks) = held.before(program, f, block, index) else {
                    continue;
                };
                let Some((acquire, (held_path, _))) = handed.iter().find_map(|a| {
                    let (p, k) = locks.iter().find(|(p, _)| *p == a.path)?;
                    (!(*k == LockKind::Read && a.kind == LockKind::Read)).then_some((a, (p, k)))
                }) else {
                    continue;
                };
                let Some(implementation) = program.function(acquire.implementation) else {
                    continue;
                };
                let name = program.describe_path(held_path);
                let imp_name = crate::lockstate::short_name(implementation);
                let handed = match &acquire.alias {
                    Some((value, alias)) => format!(
                        "this call reaches {imp_name} through {value}, which always holds the same object as {alias}; {imp_name}"
                    ),
                    None => format!(
                        "this call hands it to {imp_name}, the package's implementation of an interface method, which"
                    ),
                };
                findings.push(
                    Finding::new(
                        "GC201",
                        FileIdx(f.def.file as usize),
                        op.span,
                        format!("{name} is already locked: {handed} acquires {name} again"),
                    )
                    .related(
                        FileIdx(implementation.def.file as usize),
                        acquire.acquired_at,
                        format!("{imp_name} acquires it here"),
                    )
                    .suggest(format!(
                        "release {name} before the call, or hand the implementation a copy of the state instead of the locked object"
                    )),
                );
            }
        }
    }
}

/// Acquisitions on objects handed over by the call `op`, in the caller's
/// frame.
#[allow(clippy::too_many_arguments)]
fn call_acquires(
    ctx: &RuleContext<'_>,
    funcs: &[&Function],
    aliases: &Aliases,
    op: &goconc_semantic::ops::Op,
    depth: usize,
    memo: &mut HashMap<FuncId, Vec<HandedAcquire>>,
    implementations_of: &mut HashMap<(Type, Sym), Vec<FuncId>>,
) -> Vec<HandedAcquire> {
    let program = ctx.program;
    let mut out = Vec::new();
    match &op.kind {
        OpKind::Call {
            callee: Callee::Interface { method, recv },
            recv: value,
            args,
            ..
        } => {
            // The interface value is known to be the caller's object when
            // the struct holding it always stores the same object in
            // another field (`&Reconciler{cache: c, lister: c}`).
            let same_object = value.as_ref().and_then(|v| aliases.of(program, v));
            let implementations = implementations_of
                .entry((recv.clone(), method.clone()))
                .or_insert_with(|| implementations(ctx, funcs, recv, method))
                .clone();
            for imp in implementations {
                let Some(imp_fn) = program.function(imp) else {
                    continue;
                };
                let Some(summary) = program.summary(imp) else {
                    continue;
                };
                // A `...Locked` implementation that drops the caller's lock
                // and takes it again is not a second acquisition.
                let released = releases(ctx, imp, 0);
                for acquire in &summary.acquires {
                    if released.contains(&acquire.path) {
                        continue;
                    }
                    let Base::Local(k) = &acquire.path.base else {
                        continue;
                    };
                    // The receiver is the interface value: its fields are
                    // the caller's objects only through a known alias.
                    let on_receiver = imp_fn.def.recv == Some(k.local);
                    let receiver = match (on_receiver, &same_object) {
                        (true, Some(alias)) => Some(alias),
                        (true, None) => continue,
                        (false, _) => None,
                    };
                    if k.file != imp_fn.def.file
                        || !(on_receiver || imp_fn.def.params.contains(&k.local))
                    {
                        continue;
                    }
                    if let Some(path) = program.substitute(imp, &acquire.path, receiver, args) {
                        let alias = receiver.zip(value.as_ref()).map(|(alias, value)| {
                            (program.describe_path(value), program.describe_path(alias))
                        });
                        out.push(HandedAcquire {
                            path,
                            kind: acquire.kind,
                            implementation: imp,
                            acquired_at: acquire.span,
                            alias,
                        });
                    }
                }
            }
        }
        OpKind::Call {
            callee: Callee::Func(callee),
            recv,
            args,
            ..
        } if depth < MAX_DEPTH => {
            let in_callee = function_acquires(
                ctx,
                funcs,
                aliases,
                *callee,
                depth + 1,
                memo,
                implementations_of,
            );
            for a in in_callee {
                if let Some(path) = program.substitute(*callee, &a.path, recv.as_ref(), args) {
                    out.push(HandedAcquire { path, ..a });
                }
            }
        }
        _ => {}
    }
    out
}

/// Acquisitions on handed-over objects anywhere in `f` (its interface
/// calls and package callees), in `f`'s frame.
#[allow(clippy::too_many_arguments)]
fn function_acquires(
    ctx: &RuleContext<'_>,
    funcs: &[&Function],
    aliases: &Aliases,
    f: FuncId,
    depth: usize,
    memo: &mut HashMap<FuncId, Vec<HandedAcquire>>,
    implementations_of: &mut HashMap<(Type, Sym), Vec<FuncId>>,
) -> Vec<HandedAcquire> {
    if let Some(known) = memo.get(&f) {
        return known.clone();
    }
    let Some(func) = ctx.program.function(f).filter(|g| g.pkg == ctx.package) else {
        return Vec::new();
    };
    // Provisional answer for recursion.
    memo.insert(f, Vec::new());
    let mut out = Vec::new();
    for (_, _, op) in func.all_ops() {
        if op.mode == Mode::Now {
            out.extend(call_acquires(
                ctx,
                funcs,
                aliases,
                op,
                depth,
                memo,
                implementations_of,
            ));
        }
    }
    // Only a full-depth answer is reused (a shallower caller would
    // otherwise see a result cut short by depth).
    if depth <= 1 {
        memo.insert(f, out.clone());
    } else {
        memo.remove(&f);
    }
    out
}

/// Fields that always hold the same object as another field of the same
/// struct: every composite literal of the type that sets one sets the
/// other to the same variable, and no assignment stores either elsewhere.
#[derive(Default)]
struct Aliases {
    /// (struct type, field) -> the other field.
    pairs: HashMap<(Type, Sym), Sym>,
}

impl Aliases {
    /// `x.other` for an interface value `x.field` that aliases it.
    fn of(&self, program: &goconc_semantic::Program, value: &AccessPath) -> Option<AccessPath> {
        let (owner, field) = program.field_owner(value)?;
        let other = self.pairs.get(&(owner.strip_pointer().clone(), field))?;
        let mut alias = value.clone();
        alias.fields.pop();
        Some(alias.with_field(other.clone()))
    }
}

/// A variable a literal stores: (file index, local).
type StoredVar = (u32, goconc_semantic::body::LocalId);

fn field_aliases(ctx: &RuleContext<'_>) -> Aliases {
    use goconc_semantic::body::Res;
    use goconc_syntax::ast::{ExprKind, StmtKind};
    let mut out = Aliases::default();
    let Some(model) = ctx.model() else {
        return out;
    };
    // Per (type, field): the variable each literal stores, `None` when a
    // literal stores something else.
    let mut stores: HashMap<(Type, Sym), Vec<Option<StoredVar>>> = HashMap::default();
    let mut assigned: Vec<Sym> = Vec::new();
    for (fi, (source, info)) in model.pkg.files.iter().zip(&model.files).enumerate() {
        let file = &*source.ast;
        for (i, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            let owner = info
                .ty(goconc_syntax::ast::ExprId(i as u32))
                .strip_pointer()
                .clone();
            if owner.is_unknown() {
                continue;
            }
            for &el in elts {
                let ExprKind::KeyValue { key, value } = &file.expr(el).kind else {
                    continue;
                };
                let ExprKind::Ident(k) = &file.expr(*key).kind else {
                    continue;
                };
                let stored = match info.res(file.unparen(*value)) {
                    Res::Local(l) => Some((fi as u32, *l)),
                    _ => None,
                };
                stores
                    .entry((owner.clone(), Sym::from(file.name(*k))))
                    .or_default()
                    .push(stored);
            }
        }
        for stmt in &file.stmts {
            if let StmtKind::Assign { lhs, .. } = &stmt.kind {
                for &l in lhs.iter() {
                    if let ExprKind::Selector { sel, .. } = &file.expr(file.unparen(l)).kind {
                        assigned.push(Sym::from(file.name(*sel)));
                    }
                }
            }
        }
    }
    let keys: Vec<&(Type, Sym)> = stores.keys().collect();
    for a in &keys {
        for b in &keys {
            if a.0 != b.0 || a.1 == b.1 || assigned.contains(&a.1) || assigned.contains(&b.1) {
                continue;
            }
            let (Some(sa), Some(sb)) = (stores.get(*a), stores.get(*b)) else {
                continue;
            };
            if sa.len() == sb.len() && sa.iter().all(Option::is_some) && sa == sb {
                out.pairs.insert((*a).clone(), b.1.clone());
            }
        }
    }
    out
}

/// Locks `f` releases without having taken them first (in source order):
/// the caller's locks a `...Locked` function drops, directly or in package
/// callees; paths in `f`'s frame.
fn releases(ctx: &RuleContext<'_>, f: FuncId, depth: usize) -> Vec<AccessPath> {
    use goconc_semantic::ops::LockOp;
    let program = ctx.program;
    let Some(func) = program.function(f).filter(|g| g.pkg == ctx.package) else {
        return Vec::new();
    };
    let mut taken: Vec<&AccessPath> = Vec::new();
    let mut out = Vec::new();
    for &b in func.cfg.reverse_postorder() {
        for (_, op) in func.block_ops(b) {
            match &op.kind {
                OpKind::Lock {
                    path: Some(p),
                    op: LockOp::Lock | LockOp::RLock | LockOp::TryLock | LockOp::TryRLock,
                } => taken.push(p),
                OpKind::Lock {
                    path: Some(p),
                    op: LockOp::Unlock | LockOp::RUnlock,
                } if !taken.contains(&p) => out.push(p.clone()),
                OpKind::Call {
                    callee: Callee::Func(c),
                    recv,
                    args,
                    ..
                } if depth < MAX_DEPTH && op.mode == Mode::Now => {
                    for p in releases(ctx, *c, depth + 1) {
                        if let Some(p) = program.substitute(*c, &p, recv.as_ref(), args) {
                            if !taken.contains(&&p) {
                                out.push(p);
                            }
                        }
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// Methods named `method` of the package's types that have every method of
/// the interface `iface`.
fn implementations(
    ctx: &RuleContext<'_>,
    funcs: &[&Function],
    iface: &Type,
    method: &Sym,
) -> Vec<FuncId> {
    let program = ctx.program;
    let Type::Interface(it) = program.underlying(iface) else {
        return Vec::new();
    };
    if !it.embeds.is_empty() {
        return Vec::new();
    }
    let name_of = |f: &Function| -> String {
        let name = crate::lockstate::short_name(f);
        name.rsplit('.').next().unwrap_or(name).to_string()
    };
    let methods_of = |t: &Type| -> Vec<String> {
        funcs
            .iter()
            .filter(|g| {
                g.def.parent.is_none()
                    && g.def
                        .recv_type
                        .as_ref()
                        .is_some_and(|r| r.strip_pointer() == t)
            })
            .map(|g| name_of(g))
            .collect()
    };
    funcs
        .iter()
        .filter(|f| f.def.parent.is_none() && name_of(f) == **method)
        .filter(|f| {
            f.def.recv_type.as_ref().is_some_and(|r| {
                let have = methods_of(r.strip_pointer());
                it.methods
                    .iter()
                    .all(|(m, _)| have.iter().any(|h| **h == **m))
            })
        })
        .map(|f| f.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::rules::double_lock::DoubleLock;

    fn run(src: &str) -> Vec<crate::Finding> {
        crate::testing::check_source(&DoubleLock, src)
    }

    const STORE: &str = "package app\n\nimport \"sync\"\n\ntype rec struct{ mu sync.Mutex; n int }\n\nfunc (r *rec) get() int { r.mu.Lock(); defer r.mu.Unlock(); return r.n }\n\ntype sink interface{ save(r *rec) }\n\ntype mem struct{ last int }\n\nfunc (m *mem) save(r *rec) { m.last = r.get() }\n\n";

    #[test]
    fn handed_locked_object_is_reported() {
        let src = format!("{STORE}func (r *rec) bump(s sink) {{\n\tr.mu.Lock()\n\tdefer r.mu.Unlock()\n\tr.n++\n\ts.save(r)\n}}\n");
        let findings = run(&src);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0]
            .message
            .starts_with("r.mu is already locked: this call hands it to save"));
    }

    #[test]
    fn other_objects_are_not() {
        let src = format!("{STORE}func (r *rec) copyTo(s sink, other *rec) {{\n\tr.mu.Lock()\n\tdefer r.mu.Unlock()\n\ts.save(other)\n}}\n");
        assert!(run(&src).is_empty());
    }
}
