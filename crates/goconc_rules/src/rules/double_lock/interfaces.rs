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
    // A function that takes a lock and reaches an interface call (its
    // summary counts calls it cannot resolve, callees included).
    let takes_lock = |f: &Function| {
        f.all_ops().any(|(_, _, op)| {
            matches!(
                op.kind,
                OpKind::Lock {
                    op: goconc_semantic::ops::LockOp::Lock | goconc_semantic::ops::LockOp::RLock,
                    ..
                }
            )
        })
    };
    let worth_it = funcs
        .iter()
        .any(|f| program.summary(f.id).is_some_and(|s| s.unknown_calls > 0) && takes_lock(f));
    if !worth_it {
        return;
    }
    // Methods that lock something the caller can name: a parameter, or
    // the receiver when some interface field aliases another field. Most
    // packages have none, and then no interface call matters.
    // (The aliases scan every literal of the package: found only when a
    // method locking its receiver asks.)
    let mut aliases: Option<Aliases> = None;
    let mut candidates = rustc_hash::FxHashSet::default();
    for f in &funcs {
        let (Some(_), None) = (&f.def.recv_type, f.def.parent) else {
            continue;
        };
        let locks_reachable = program.summary(f.id).is_some_and(|s| {
            s.acquires.iter().any(|a| match &a.path.base {
                Base::Local(k) => {
                    k.file == f.def.file
                        && (f.def.params.contains(&k.local)
                            || (f.def.recv == Some(k.local)
                                && !aliases
                                    .get_or_insert_with(|| field_aliases(ctx))
                                    .pairs
                                    .is_empty()))
                }
                Base::Global(_) => false,
            })
        });
        if locks_reachable {
            candidates.insert(method_name(f));
        }
    }
    if candidates.is_empty() {
        return;
    }
    let mut facts = Facts {
        aliases: aliases.unwrap_or_else(|| field_aliases(ctx)),
        candidates,
        methods_by_type: HashMap::default(),
        methods_by_name: HashMap::default(),
    };
    for f in &funcs {
        let (Some(recv_type), None) = (&f.def.recv_type, f.def.parent) else {
            continue;
        };
        let name = method_name(f);
        facts
            .methods_by_type
            .entry(recv_type.strip_pointer().clone())
            .or_default()
            .push(name.clone());
        facts.methods_by_name.entry(name).or_default().push(f.id);
    }
    let mut memo: HashMap<FuncId, Vec<HandedAcquire>> = HashMap::default();
    let mut implementations_of: HashMap<(Type, Sym), Vec<FuncId>> = HashMap::default();
    for f in &funcs {
        // Only a function that takes a lock itself can hold one at a call.
        if !takes_lock(f) {
            continue;
        }
        let mut held: Option<flow::HeldLocks> = None;
        for (block, index, op) in f.indexed_ops() {
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
                    &facts,
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

/// Acquisitions on objects handed over by the call `op`, in the caller's
/// frame.
#[allow(clippy::too_many_arguments)]
fn call_acquires(
    ctx: &RuleContext<'_>,
    funcs: &[&Function],
    facts: &Facts,
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
            let same_object = value.as_ref().and_then(|v| facts.aliases.of(program, v));
            if !facts.candidates.contains(&**method) {
                return out;
            }
            let implementations = implementations_of
                .entry((recv.clone(), method.clone()))
                .or_insert_with(|| implementations(ctx, facts, recv, method))
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
        } if depth < MAX_DEPTH
            // No interface call anywhere below: nothing to resolve.
            && program.summary(*callee).is_some_and(|s| s.unknown_calls > 0) =>
        {
            let in_callee = function_acquires(
                ctx,
                funcs,
                facts,
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
    facts: &Facts,
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
                facts,
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

fn field_aliases(ctx: &RuleContext<'_>) -> Aliases {
    use goconc_semantic::body::Res;
    use goconc_syntax::ast::{ExprId, ExprKind, StmtKind};
    let mut out = Aliases::default();
    let Some(model) = ctx.model() else {
        return out;
    };
    // The keyed elements of a literal that store a local: (field, local).
    fn stored_locals<'f>(
        file: &'f goconc_syntax::File,
        info: &goconc_semantic::body::FileInfo,
        elts: &[ExprId],
    ) -> Vec<(&'f str, goconc_semantic::body::LocalId)> {
        elts.iter()
            .filter_map(|&el| {
                let ExprKind::KeyValue { key, value } = &file.expr(el).kind else {
                    return None;
                };
                let ExprKind::Ident(k) = &file.expr(*key).kind else {
                    return None;
                };
                match info.res(file.unparen(*value)) {
                    Res::Local(l) => Some((file.name(*k), *l)),
                    _ => None,
                }
            })
            .collect()
    }
    // Candidates: a literal storing one variable in two fields. Literals
    // rarely do, so this pass usually ends the search.
    let mut candidates: Vec<(Type, Sym, Sym)> = Vec::new();
    for (source, info) in model.pkg.files.iter().zip(&model.files) {
        let file = &*source.ast;
        for (i, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            if elts.len() < 2 {
                continue;
            }
            let locals = stored_locals(file, info, elts);
            for (x, (fa, la)) in locals.iter().enumerate() {
                for (fb, lb) in locals.iter().skip(x + 1) {
                    if la == lb {
                        let owner = info.ty(ExprId(i as u32)).strip_pointer().clone();
                        if !owner.is_unknown() {
                            let (fa, fb) = (Sym::from(*fa), Sym::from(*fb));
                            candidates.push((owner.clone(), fa.clone(), fb.clone()));
                            candidates.push((owner, fb, fa));
                        }
                    }
                }
            }
        }
    }
    if candidates.is_empty() {
        return out;
    }
    // Every literal of the type that sets either field sets both to the
    // same variable, and no assignment stores either field.
    let mut refuted: Vec<bool> = vec![false; candidates.len()];
    for (source, info) in model.pkg.files.iter().zip(&model.files) {
        let file = &*source.ast;
        for (i, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            let owner = info.ty(ExprId(i as u32)).strip_pointer();
            if !candidates.iter().any(|(t, ..)| t == owner) {
                continue;
            }
            let keyed: Vec<&str> = elts
                .iter()
                .filter_map(|&el| match &file.expr(el).kind {
                    ExprKind::KeyValue { key, .. } => match &file.expr(*key).kind {
                        ExprKind::Ident(k) => Some(file.name(*k)),
                        _ => None,
                    },
                    _ => None,
                })
                .collect();
            let locals = stored_locals(file, info, elts);
            for (c, (t, a, b)) in candidates.iter().enumerate() {
                if t != owner || !(keyed.contains(&&**a) || keyed.contains(&&**b)) {
                    continue;
                }
                let local_of = |f: &Sym| locals.iter().find(|(n, _)| *n == &**f).map(|(_, l)| *l);
                if local_of(a).is_none() || local_of(a) != local_of(b) {
                    refuted[c] = true;
                }
            }
        }
        for stmt in &file.stmts {
            if let StmtKind::Assign { lhs, .. } = &stmt.kind {
                for &l in lhs.iter() {
                    if let ExprKind::Selector { sel, .. } = &file.expr(file.unparen(l)).kind {
                        let name = file.name(*sel);
                        for (c, (_, a, b)) in candidates.iter().enumerate() {
                            if **a == *name || **b == *name {
                                refuted[c] = true;
                            }
                        }
                    }
                }
            }
        }
    }
    for ((owner, a, b), refuted) in candidates.into_iter().zip(refuted) {
        if !refuted {
            out.pairs.insert((owner, a), b);
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

/// What the check reads about the package, computed once.
struct Facts {
    aliases: Aliases,
    /// Names of methods that lock an object their caller can name.
    candidates: rustc_hash::FxHashSet<String>,
    /// Method names of each receiver type (pointer stripped).
    methods_by_type: HashMap<Type, Vec<String>>,
    methods_by_name: HashMap<String, Vec<FuncId>>,
}

/// A method's bare name (`Save` for `(*memDB).Save`).
pub(crate) fn method_name(f: &Function) -> String {
    let name = crate::lockstate::short_name(f);
    name.rsplit('.').next().unwrap_or(name).to_string()
}

/// Methods named `method` of the package's types that have every method of
/// the interface `iface`.
fn implementations(
    ctx: &RuleContext<'_>,
    facts: &Facts,
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
    let Some(named) = facts.methods_by_name.get(&**method) else {
        return Vec::new();
    };
    named
        .iter()
        .copied()
        .filter(|&id| {
            let Some(recv) = program.function(id).and_then(|f| f.def.recv_type.as_ref()) else {
                return false;
            };
            facts
                .methods_by_type
                .get(recv.strip_pointer())
                .is_some_and(|have| {
                    it.methods
                        .iter()
                        .all(|(m, _)| have.iter().any(|h| **h == **m))
                })
        })
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
