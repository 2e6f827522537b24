//! Which functions get a CFG, ops and a summary.
//!
//! Most code has nothing to do with concurrency: in the Go standard library
//! about one top-level function in ten touches a channel, a lock, a
//! WaitGroup, a context or a goroutine. Rules only report on those
//! functions, read the summaries of what they reach, and look one step up
//! at their callers (lock helpers, "called only with the lock held",
//! swappable lock arguments, wrappers called from loops). So the model is
//! built for:
//!
//! 1. **seeds**: top-level functions (with their closures) whose body has
//!    a concurrency operation — `go`, `select`, a send or receive, a
//!    channel type, `close`, anything declared by `sync`, `context`,
//!    `os/signal`, `errgroup`, `semaphore` or `rate` (also a field or
//!    package-level variable of such a type), or the timers and sleeps of
//!    `time`;
//! 2. the **callers** of seeds, in any analysed package;
//! 3. everything the above **reference** (calls, method values, function
//!    values, and for an interface method call every method of the
//!    package with that name, which rules may take for its
//!    implementation), transitively, so every summary a modelled function
//!    reads is the one the full model would compute.
//!
//! The other functions keep their resolution (package-wide facts such as
//! "is this channel field ever stored" still see every body) but get an
//! empty CFG and no ops. This is decided on resolved names, after
//! resolution and before CFGs, in one flat pass over each file's
//! expression and statement arrays.

use goconc_syntax::ast::{ExprKind, Op, Span, StmtKind};
use goconc_syntax::File;

use crate::body::{FileInfo, FuncDef, FuncNode, Res};
use crate::env::{Builtin, Env, Selection};
use crate::package::{ObjRef, Package};
use crate::types::Type;

/// Packages whose declarations make a function concurrency-relevant.
const CONCURRENCY_PACKAGES: &[&str] = &[
    "sync",
    "context",
    "time",
    "os/signal",
    "golang.org/x/sync/errgroup",
    "golang.org/x/sync/semaphore",
    "golang.org/x/time/rate",
];

fn is_concurrency_package(path: &str) -> bool {
    CONCURRENCY_PACKAGES.contains(&path)
}

/// The parts of `time` that block, start goroutines or make channels; the
/// rest (`Now`, `Duration`, `Time`...) is everywhere and does neither.
const TIME_CONCURRENCY: &[&str] = &[
    "Sleep",
    "After",
    "AfterFunc",
    "Tick",
    "NewTimer",
    "NewTicker",
    "Timer",
    "Ticker",
];

fn is_concurrency_type(t: &Type) -> bool {
    t.as_named().is_some_and(|n| match &*n.pkg {
        "time" => TIME_CONCURRENCY.contains(&&*n.name),
        pkg => is_concurrency_package(pkg),
    })
}

fn is_concurrency_object(env: &Env, r: &ObjRef) -> bool {
    match &*r.pkg {
        "time" => env.package_ref(&r.pkg).is_some_and(|p| {
            p.object(r.idx)
                .is_some_and(|o| TIME_CONCURRENCY.contains(&&*o.name))
        }),
        pkg => is_concurrency_package(pkg),
    }
}

/// What the flat scan of one package found, per function of the package.
pub(crate) struct PackageScan {
    /// Package-local index of the top-level function enclosing each function.
    pub top: Vec<u32>,
    /// By package-local index, set on top-level functions only: it (or one
    /// of its closures) has a concurrency op.
    pub is_seed: Vec<bool>,
    /// `(referencing top-level function, referenced function's global id)`.
    pub refs: Vec<(u32, u32)>,
    /// Like `is_seed`: it (or one of its closures) takes a function parameter.
    pub takes_func: Vec<bool>,
}

/// Scans one package. `func_of` maps an object to its global function id.
pub(crate) fn scan_package(
    env: &Env,
    pkg: &Package,
    files: &[FileInfo],
    defs: &[FuncDef],
    func_of: &(dyn Fn(&ObjRef) -> Option<u32> + Sync),
    bindings: &rustc_hash::FxHashMap<crate::fieldfuncs::FieldKey, crate::fieldfuncs::Binding>,
    first_id: u32,
) -> PackageScan {
    // The top-level function of each function: follow the parent chain
    // (bounded, so a malformed chain cannot loop).
    let top: Vec<u32> = (0..defs.len())
        .map(|li| {
            let mut cur = li;
            for _ in 0..defs.len() {
                match defs.get(cur).and_then(|d| d.parent) {
                    Some(p) if (p as usize) < defs.len() && p as usize != cur => cur = p as usize,
                    _ => break,
                }
            }
            cur as u32
        })
        .collect();
    let mut is_seed = vec![false; defs.len()];
    let mut refs = Vec::new();
    // The package's methods by name: an interface call may reach any of
    // them (the rules resolve interface calls to the package's
    // implementations).
    let mut methods_by_name: rustc_hash::FxHashMap<&str, Vec<u32>> = Default::default();
    for (li, d) in defs.iter().enumerate() {
        if d.parent.is_none() && d.recv.is_some() {
            let name = d.name.rsplit('.').next().unwrap_or(&d.name);
            methods_by_name
                .entry(name)
                .or_default()
                .push(first_id + li as u32);
        }
    }
    // Top-level functions of each file, by span.
    let mut tops_by_file: Vec<Vec<(Span, u32)>> = vec![Vec::new(); files.len()];
    for (li, d) in defs.iter().enumerate() {
        if top[li] == li as u32 {
            if let Some(tops) = tops_by_file.get_mut(d.file as usize) {
                tops.push((d.span, li as u32));
            }
        }
    }
    for (fi, (info, tops)) in files.iter().zip(&mut tops_by_file).enumerate() {
        let Some(file) = pkg.file(fi as u32) else {
            continue;
        };
        tops.sort_by_key(|(span, _)| span.start);
        let tops = &*tops;
        let owner = |span: Span| -> Option<u32> {
            let i = tops.partition_point(|(s, _)| s.start <= span.start);
            let (s, li) = *tops.get(i.checked_sub(1)?)?;
            (span.end <= s.end).then_some(li)
        };
        scan_file(
            env,
            file,
            info,
            &owner,
            func_of,
            &methods_by_name,
            &mut is_seed,
            &mut refs,
        );
        // Calls through a field bound to a closure reference the closure.
        if !bindings.is_empty() {
            for (id, _) in info.selections() {
                let Some((key, _)) = crate::fieldfuncs::field_key(info, file, id) else {
                    continue;
                };
                if let (Some(b), Some(li)) = (bindings.get(&key), owner(file.expr(id).span)) {
                    refs.push((li, first_id + b.func));
                }
            }
        }
    }
    // A bound closure is always modelled (it is rare, and its callers find
    // it only through the field).
    for b in bindings.values() {
        if let Some(&t) = top.get(b.func as usize) {
            if let Some(slot) = is_seed.get_mut(t as usize) {
                *slot = true;
            }
        }
    }
    // Closures in package-level initialisers have no declaration to hang
    // on: always model them.
    for (li, d) in defs.iter().enumerate() {
        if d.parent.is_none() && matches!(d.node, FuncNode::Lit(_)) {
            is_seed[li] = true;
        }
    }
    let mut takes_func = vec![false; defs.len()];
    for (li, d) in defs.iter().enumerate() {
        let func_param = d
            .sig
            .params
            .iter()
            .any(|t| matches!(env.underlying(t), Type::Func(_)));
        if func_param {
            if let Some(slot) = takes_func.get_mut(top[li] as usize) {
                *slot = true;
            }
        }
    }
    PackageScan {
        top,
        is_seed,
        refs,
        takes_func,
    }
}

#[allow(clippy::too_many_arguments)]
fn scan_file(
    env: &Env,
    file: &File,
    info: &FileInfo,
    owner: &dyn Fn(Span) -> Option<u32>,
    func_of: &(dyn Fn(&ObjRef) -> Option<u32> + Sync),
    methods_by_name: &rustc_hash::FxHashMap<&str, Vec<u32>>,
    is_seed: &mut [bool],
    refs: &mut Vec<(u32, u32)>,
) {
    let mark = |span: Span, is_seed: &mut [bool]| {
        if let Some(li) = owner(span) {
            if let Some(slot) = is_seed.get_mut(li as usize) {
                *slot = true;
            }
        }
    };
    for stmt in &file.stmts {
        let concurrent = match &stmt.kind {
            StmtKind::Go { .. } | StmtKind::Select { .. } | StmtKind::Send { .. } => true,
            StmtKind::Range { x, .. } => {
                let t = info.ty(*x);
                t.as_chan().is_some()
                    || (matches!(t, Type::Named(_)) && env.underlying(t).as_chan().is_some())
            }
            _ => false,
        };
        if concurrent {
            mark(stmt.span, is_seed);
        }
    }
    // Dense tables and the selection map are walked directly (no lookup
    // per expression), the expressions and their resolutions in one pass:
    // each pass over a file's expressions costs a read of all of them.
    let span_of = |i: usize| file.exprs.get(i).map(|e| e.span);
    for (i, expr) in file.exprs.iter().enumerate() {
        let res = match &expr.kind {
            ExprKind::Unary { op: Op::Arrow, .. } | ExprKind::ChanType { .. } => {
                mark(expr.span, is_seed);
                continue;
            }
            ExprKind::Ident(_) => info.res(goconc_syntax::ast::ExprId(i as u32)),
            _ => continue,
        };
        let referenced = match res {
            Res::Builtin(Builtin::Close) => {
                mark(expr.span, is_seed);
                continue;
            }
            Res::Global(_) | Res::Foreign(_) => {
                // A package-level context, WaitGroup or Mutex variable.
                if is_concurrency_type(info.ty(goconc_syntax::ast::ExprId(i as u32))) {
                    mark(expr.span, is_seed);
                }
                info.object(res)
            }
            _ => continue,
        };
        if let Some(target) = referenced.as_ref().and_then(func_of) {
            if let Some(li) = owner(expr.span) {
                refs.push((li, target));
            }
        }
    }
    for (id, selection) in info.selections() {
        if let Selection::Method {
            interface: true,
            name,
            ..
        } = selection
        {
            if let (Some(targets), Some(span)) = (methods_by_name.get(&**name), span_of(id.index()))
            {
                if let Some(li) = owner(span) {
                    refs.extend(targets.iter().map(|&t| (li, t)));
                }
            }
        }
        let (concurrent, referenced) = match selection {
            Selection::Qualified(r) => (is_concurrency_object(env, r), Some(r)),
            Selection::Method { recv, func, .. } => (is_concurrency_type(recv), func.as_ref()),
            // `s.ctx` handed to a library call observes it; `s.mu` may be
            // passed to a helper that locks it.
            Selection::Field { ty, .. } => (is_concurrency_type(ty), None),
        };
        let Some(span) = span_of(id.index()) else {
            continue;
        };
        if concurrent {
            mark(span, is_seed);
        }
        if let Some(target) = referenced.and_then(func_of) {
            if let Some(li) = owner(span) {
                refs.push((li, target));
            }
        }
    }
}

/// How many levels of callers, within the seed's own package, are
/// modelled (the Cond wrapper check follows callers of callers).
const PACKAGE_CALLER_DEPTH: usize = 4;

/// The functions to model (by global function id), from the scans of all
/// packages (`first_ids[p]` is the global id of package `p`'s first function).
pub(crate) fn demanded(scans: &[PackageScan], first_ids: &[u32], total: usize) -> Vec<bool> {
    let global_top = |pi: usize, li: u32| -> Option<u32> {
        let scan = scans.get(pi)?;
        Some(first_ids.get(pi)? + scan.top.get(li as usize)?)
    };
    let package_of = |g: u32| -> Option<usize> {
        let i = first_ids.partition_point(|&f| f <= g);
        i.checked_sub(1)
    };
    let top_of = |g: u32| -> Option<u32> {
        let pi = package_of(g)?;
        global_top(pi, g - first_ids.get(pi)?)
    };
    // Reference edges between top-level functions (global ids).
    let mut outgoing: Vec<Vec<u32>> = vec![Vec::new(); total];
    let mut incoming: Vec<Vec<u32>> = vec![Vec::new(); total];
    for (pi, scan) in scans.iter().enumerate() {
        for &(from, to) in &scan.refs {
            let (Some(from), Some(to)) = (global_top(pi, from), top_of(to)) else {
                continue;
            };
            if from == to || to as usize >= total || from as usize >= total {
                continue;
            }
            outgoing[from as usize].push(to);
            incoming[to as usize].push(from);
        }
    }
    // Per-package flags laid end to end are the global ones (packages'
    // functions are numbered consecutively).
    let mut seed: Vec<bool> = scans
        .iter()
        .flat_map(|s| s.is_seed.iter().copied())
        .collect();
    // Functions whose summary can carry something: they reach a seed, or
    // they may call a function argument (whose effects the caller's
    // summary takes on).
    let mut carries: Vec<bool> = scans
        .iter()
        .flat_map(|s| s.takes_func.iter().copied())
        .collect();
    seed.resize(total, false);
    carries.resize(total, false);
    // Everything that reaches a seed.
    let mut reaches = seed.clone();
    let mut stack: Vec<u32> = (0..total as u32).filter(|&g| seed[g as usize]).collect();
    while let Some(g) = stack.pop() {
        for &from in &incoming[g as usize] {
            if !reaches[from as usize] {
                reaches[from as usize] = true;
                stack.push(from);
            }
        }
    }
    for (c, r) in carries.iter_mut().zip(&reaches) {
        *c |= *r;
    }
    // Seeds and their callers: every caller in any package, and callers of
    // callers in the seed's package.
    let mut wanted = seed.clone();
    let mut level: Vec<u32> = (0..total as u32).filter(|&g| seed[g as usize]).collect();
    for depth in 0..PACKAGE_CALLER_DEPTH {
        let mut next = Vec::new();
        for &g in &level {
            let pkg = package_of(g);
            for &from in &incoming[g as usize] {
                if depth > 0 && package_of(from) != pkg {
                    continue;
                }
                if !wanted[from as usize] {
                    wanted[from as usize] = true;
                    next.push(from);
                }
            }
        }
        level = next;
    }
    // What they reference, transitively, where a summary can carry effects.
    let mut stack: Vec<u32> = (0..total as u32).filter(|&g| wanted[g as usize]).collect();
    while let Some(g) = stack.pop() {
        for &to in &outgoing[g as usize] {
            if carries[to as usize] && !wanted[to as usize] {
                wanted[to as usize] = true;
                stack.push(to);
            }
        }
    }
    // Closures follow their top-level function.
    let mut out = vec![false; total];
    for (pi, scan) in scans.iter().enumerate() {
        for li in 0..scan.top.len() as u32 {
            if let (Some(g), Some(t)) = (first_ids.get(pi).map(|f| f + li), global_top(pi, li)) {
                if let (Some(slot), Some(&w)) = (out.get_mut(g as usize), wanted.get(t as usize)) {
                    *slot = w;
                }
            }
        }
    }
    out
}
