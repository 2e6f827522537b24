//! GC102 `unmatched-channel-op`, plus the package-wide channel facts shared
//! with GC101 (channel identity and escape).

use goconc_semantic::body::Res;
use std::collections::BTreeMap;

use goconc_semantic::cfg::{BlockId, BlockKind, Node};
use goconc_semantic::env::Selection;
use goconc_semantic::ops::{
    AccessPath, Base, Callee, ChanOp, FuncArg, FuncId, LocalKey, Mode, OpKind, PathElem,
};
use goconc_semantic::package::ObjRef;
use goconc_semantic::program::Function;
use goconc_semantic::types::{Sym, Type};
use goconc_semantic::Program;
use goconc_syntax::ast::{ExprKind, Span, StmtKind};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::{declare_rule, FileIdx, Finding, Rule, RuleContext, RuleMeta};

mod late_closes;
mod leader_closes;
mod parent_contexts;
mod partial_closes;
pub(crate) mod singletons;
mod ticker_ranges;
mod timer_drains;

declare_rule! {
    /// ## What it does
    /// Finds channel operations that nothing in the package can ever
    /// complete, and goroutines that can never exit:
    ///
    /// * a `for v := range ch` (or `<-ch`) on a channel that no code in the
    ///   package ever closes (or sends to) — a channel field handed out only
    ///   receive-only (`Records() <-chan Record`) still counts, since code
    ///   outside cannot close it — and likewise a goroutine's
    ///   endless `for { v := <-ch; ... }` loop with no way out on a channel
    ///   nothing closes: it blocks forever once the senders stop;
    /// * a send on an unbuffered channel that no code in the package ever
    ///   receives from;
    /// * the first send or receive on an unbuffered local channel that only
    ///   the goroutine creating it ever uses (no closure, call or other
    ///   variable sees it, and it is never closed): `errc := make(chan
    ///   error); errc <- flush(); return <-errc` has no partner for the send;
    /// * a goroutine parked in `select {}` or spinning in a `for {}` loop that
    ///   has no `return`, no `break` and no context or stop channel, or whose
    ///   only way out waits on `ctx.Done()` of a context that nothing can
    ///   cancel: only ever `context.Background()`/`TODO()`, or derived with
    ///   `context.WithCancel` whose cancel func is only stored in an
    ///   unexported field that nothing reads (`s := &session{ctx: ctx,
    ///   cancel: cancel}` and no `s.cancel()` anywhere), followed through
    ///   locals, fields and the parameters of unexported functions;
    /// * a range over a local channel that the same function closes only
    ///   after the loop (`for r := range results {...}; wg.Wait();
    ///   close(results)`), when the loop has no other way out;
    /// * a receive from a done channel that the goroutine it waits for
    ///   closes (or signals with a `struct{}{}` send, or with its exit
    ///   status on an `error` channel field of its receiver or a
    ///   parameter, `h.stopped <- nil`, or with a result on a channel
    ///   field of a value it was handed, sent or delivered through a
    ///   helper as its last act before returning, `fut.complete(r);
    ///   return`) on some exits only: a
    ///   `return` that skips `close(s.done)` (and sends nothing on it), or a
    ///   loop that closes on success and otherwise runs out (a retry loop
    ///   giving up) before the function falls off its end, while nothing
    ///   else closes it;
    /// * a wait on a done channel (`h.cancel(); <-h.donec`) for a goroutine
    ///   whose only way out is `<-ctx.Done()` of the context it was started
    ///   with, when its starter derived a cancellable child of that context,
    ///   stored the child's cancel func in the field called before the
    ///   wait, and started the goroutine with the parent instead;
    /// * a method that can only end in `select {}` while its type has a
    ///   `Stop`/`Close`/`Shutdown` method (`Run() error` that parks after
    ///   starting its loops): it never returns, not even after the shutdown
    ///   (methods in test files, fakes that park on purpose, are skipped);
    /// * a send, receive or range on an unexported channel field that
    ///   nothing in the package ever stores a channel in (no `make`, no
    ///   assignment, no literal): the field is nil, and nil channels block
    ///   forever;
    /// * the timer drain `if !t.Stop() { <-t.C }` where this function may
    ///   already have received `t.C` (a `case <-t.C:` earlier in the loop)
    ///   with no `t.Reset` or new timer since: `Stop` returns false because
    ///   the value is gone, and the drain waits forever. The drain may sit
    ///   in a helper (`e.reset()`, up to three calls deep) that the
    ///   function calls right after `case <-e.t.C:`.
    ///
    /// Channels that escape the package (exported fields, channels returned
    /// to callers or handed to functions outside the package) are assumed to
    /// be completed by someone else and are not reported; so are channels
    /// that arrive through a parameter of an exported function and are
    /// passed down. Blocking forever in `func main` is intended and not
    /// reported either, nor is an endless goroutine started under a
    /// package-level `sync.Once` (one janitor per process), started by code
    /// that runs once per process (`main`, `init`, a package-level
    /// `sync.OnceValue`, and unexported functions only those call), or
    /// waiting on the channels of a value only such code builds (a
    /// process-wide worker pool ranging over its task channel). Endless
    /// goroutines are reported when they are started per instance (from a
    /// method) or from a function that takes a `context.Context` (they are
    /// scoped to it and ignore it); a parameterless top-level function run
    /// as a goroutine serves the whole process and is not reported.
    ///
    /// Also reported: a `for range t.C` over a ticker (or `time.Tick`) with
    /// no other way out in a function that defers `close(done)` or
    /// `wg.Done()` (Stop never closes a ticker's channel), or in a
    /// goroutine whose ticker field the package stops elsewhere
    /// (`t.ticker.Stop()` in `Close`, expecting the loop to end); and a
    /// singleflight leader that returns without calling the only function
    /// that closes the shared call's done channel while followers wait on
    /// it. Channels that come from calls the model cannot follow (a library
    /// not on disk) are open, and so are waits in test doubles' methods
    /// that nothing in the package calls (a call with another number of
    /// arguments is another method) and in hooks of test doubles
    /// (`OnUpdate: func(e *Event) {...}`) called only from such methods.
    /// A field of a generic type is one field across its instantiations
    /// (`req[T]` built as `req[Block]{errs: errs}`).
    ///
    /// ## Why is this bad?
    /// Every goroutine needs a lifecycle: somebody must be able to end it.
    /// A `range` over a channel ends only when the channel is closed, so the
    /// owner of the channel (the sender) must close it exactly once when it is
    /// done; a send needs a receiver; a background loop needs a way out tied
    /// to a `context.Context` or a stop channel. Without one the goroutine,
    /// and everything it references, leaks for the life of the process and
    /// shows up as an ever-growing goroutine count.
    ///
    /// ## Example
    /// ```go
    /// func (m *mailer) SendBatch(batch []mailJob) {
    ///     jobs := make(chan mailJob)
    ///     go func() {
    ///         for j := range jobs { // never ends: jobs is never closed
    ///             m.send(j)
    ///         }
    ///     }()
    ///     for _, j := range batch {
    ///         jobs <- j
    ///     }
    /// }
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// func (m *mailer) SendBatch(batch []mailJob) {
    ///     jobs := make(chan mailJob)
    ///     go func() {
    ///         for j := range jobs {
    ///             m.send(j)
    ///         }
    ///     }()
    ///     for _, j := range batch {
    ///         jobs <- j
    ///     }
    ///     close(jobs) // the sender owns the channel and closes it exactly once
    /// }
    /// ```
    ///
    /// ## Known limitations
    /// Channels are matched by variable and by struct field (`(Server, "jobs")`);
    /// a channel stored in a slice, map or interface, copied into another
    /// variable, or compared and printed is treated as escaping, so such
    /// channels are never reported. Loops that end through a `panic` or
    /// `os.Exit` count as exits.
    pub struct UnmatchedChannelOp {
        code: "GC102",
        name: "unmatched-channel-op",
        category: GoroutineLeak,
        default: true,
        fixable: false,
        summary: "Channel operation that nothing in the package can ever complete",
    }
}

/// A function-independent identity of a channel: a variable (captured
/// variables keep their key in closures), a package-level variable, or "the
/// field `name` of every `T`".
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ChanKey {
    Local(LocalKey),
    Global(ObjRef),
    Field(Type, Sym),
}

impl ChanKey {
    /// The key of field `name` of every `owner`: through a pointer, and for
    /// a generic type of every instantiation (`req[T]` built as
    /// `req[Block]{errs: errs}` and used as `task.errs` in a method on
    /// `req[T]` is one field).
    pub(crate) fn field(owner: &Type, name: Sym) -> ChanKey {
        ChanKey::Field(generic_origin(owner.strip_pointer()), name)
    }
}

/// `T[A, B]` as `T`; any other type unchanged.
pub(crate) fn generic_origin(ty: &Type) -> Type {
    match ty {
        Type::Named(n) if !n.args.is_empty() => {
            Type::Named(std::sync::Arc::new(goconc_semantic::types::NamedType {
                pkg: n.pkg.clone(),
                name: n.name.clone(),
                args: Vec::new(),
            }))
        }
        _ => ty.clone(),
    }
}

/// The key of a channel access path; `None` for paths through slices or maps.
pub(crate) fn chan_key(program: &Program, path: &AccessPath) -> Option<ChanKey> {
    if path.fields.is_empty() {
        return Some(match &path.base {
            Base::Local(k) => ChanKey::Local(*k),
            Base::Global(r) => ChanKey::Global(r.clone()),
        });
    }
    if path.fields.iter().any(|e| matches!(e, PathElem::Index)) {
        return None;
    }
    program
        .field_owner(path)
        .map(|(owner, name)| ChanKey::field(&owner, name))
}

/// [`is_chan`] with the answer for each named type remembered (by the
/// address of its shared node: the same type read again, the same answer),
/// for scans that ask for every expression of a package.
#[derive(Default)]
struct ChanTypes {
    named: FxHashMap<usize, bool>,
}

impl ChanTypes {
    fn is_chan(&mut self, program: &Program, ty: &Type) -> bool {
        match ty {
            Type::Chan(..) => true,
            Type::Named(n) => *self
                .named
                .entry(std::sync::Arc::as_ptr(n) as usize)
                .or_insert_with(|| is_chan(program, ty)),
            _ => false,
        }
    }
}

fn is_chan(program: &Program, ty: &Type) -> bool {
    match ty {
        Type::Chan(..) => true,
        // Only named types can hide a channel type.
        Type::Named(_) => matches!(program.underlying(ty), Type::Chan(..)),
        _ => false,
    }
}

/// Which channels of a package may be reached by code the analysis cannot
/// see. Every source reference of a channel variable or field is counted and
/// compared with the references the semantic model accounts for (channel
/// operations and arguments to functions with a body in the program);
/// any other use — returned, stored, copied, passed to an external or
/// dynamic call, exported — makes the channel escape.
pub(crate) struct Escapes {
    escaped: FxHashSet<ChanKey>,
    /// Escaped channels that code outside can only receive from: every
    /// unaccounted reference hands them out as `<-chan T`.
    receive_only: FxHashSet<ChanKey>,
}

/// Every source reference of a channel variable or channel field in a
/// package, found in one pass over its expressions and shared by the rules
/// (through [`RuleContext::chan_mentions`]).
#[derive(Default)]
pub(crate) struct ChanMentions {
    /// References per channel (the targets of `ch = make(...)` and
    /// `s.ch = nil` are not references: they do not hand the channel out).
    refs: FxHashMap<ChanKey, u32>,
    /// Exported channel fields referenced by a selector.
    exported: FxHashSet<ChanKey>,
    /// Channel fields a struct literal makes an alias of another channel.
    aliased: FxHashSet<ChanKey>,
    /// References the model accounts for: channel ops, and channels passed
    /// to analysed functions (except into a variadic tail).
    accounted: FxHashMap<ChanKey, u32>,
    /// References that hand the channel out receive-only: the value of a
    /// `return` from a function whose result is `<-chan T` (an accessor
    /// like `Records() <-chan Record`). Code outside can receive, but can
    /// neither send nor close.
    receive_only: FxHashMap<ChanKey, u32>,
}

impl ChanMentions {
    /// Whether the channel is an exported field referenced by a selector.
    pub(crate) fn exported(&self, key: &ChanKey) -> bool {
        self.exported.contains(key)
    }

    /// Source references of the channel that the model accounts for.
    pub(crate) fn accounted(&self, key: &ChanKey) -> u32 {
        self.accounted.get(key).copied().unwrap_or(0)
    }

    /// Source references of the channel that the model does not account
    /// for (stores, copies, returns, calls without a body).
    pub(crate) fn unaccounted(&self, key: &ChanKey) -> u32 {
        self.refs
            .get(key)
            .copied()
            .unwrap_or(0)
            .saturating_sub(self.accounted(key))
    }

    pub(crate) fn scan(ctx: &RuleContext<'_>) -> ChanMentions {
        let program = ctx.program;
        let mut out = ChanMentions::default();
        let Some(model) = ctx.model() else {
            return out;
        };
        // Functions with a receive-only channel result, found in one pass
        // (not once per file: packages have thousands of functions).
        let recv_only_funcs: Vec<(u32, Span, Vec<bool>)> = ctx
            .functions()
            .filter_map(|f| {
                let recv_only = |t: &Type| {
                    matches!(t, Type::Chan(c) if c.0 == goconc_syntax::ast::ChanDir::Recv)
                };
                if !f.def.sig.results.iter().any(recv_only) {
                    return None;
                }
                let flags = f.def.sig.results.iter().map(recv_only).collect();
                Some((f.def.file, f.def.span, flags))
            })
            .collect();
        let mut chan_types = ChanTypes::default();
        for (fi, source) in model.pkg.files.iter().enumerate() {
            let file = &*source.ast;
            let Some(info) = model.files.get(fi) else {
                continue;
            };
            let mut exempt: FxHashSet<goconc_syntax::ast::ExprId> = FxHashSet::default();
            // Fields assigned a channel made elsewhere (`g.commitDone =
            // commitDone`): aliases of that channel, like literal fields.
            let mut alias_stores: FxHashSet<goconc_syntax::ast::ExprId> = FxHashSet::default();
            for stmt in &file.stmts {
                if let StmtKind::Assign { lhs, rhs, .. } = &stmt.kind {
                    if lhs.len() != rhs.len() {
                        continue;
                    }
                    for (&l, &r) in lhs.iter().zip(rhs) {
                        let r = file.unparen(r);
                        let creates = match &file.expr(r).kind {
                            ExprKind::Call { fun, .. } => matches!(
                                info.res(file.unparen(*fun)),
                                Res::Builtin(goconc_semantic::env::Builtin::Make)
                            ),
                            ExprKind::Ident(_) => {
                                matches!(info.res(r), Res::Predeclared)
                                    && file.text(file.expr(r).span) == "nil"
                            }
                            _ => false,
                        };
                        if creates {
                            exempt.insert(file.unparen(l));
                        } else if matches!(
                            file.expr(file.unparen(l)).kind,
                            ExprKind::Selector { .. }
                        ) && matches!(info.res(r), Res::Local(_))
                            && is_chan(program, info.ty(r))
                        {
                            alias_stores.insert(file.unparen(l));
                        }
                    }
                }
            }
            // Returned values of functions with a receive-only channel result.
            let mut handed_receive_only: FxHashSet<goconc_syntax::ast::ExprId> =
                FxHashSet::default();
            let recv_only_results: Vec<(Span, &Vec<bool>)> = recv_only_funcs
                .iter()
                .filter(|(file, ..)| *file == fi as u32)
                .map(|(_, span, flags)| (*span, flags))
                .collect();
            if !recv_only_results.is_empty() {
                for stmt in &file.stmts {
                    let StmtKind::Return { results } = &stmt.kind else {
                        continue;
                    };
                    // The innermost function around the return.
                    let Some((_, flags)) = recv_only_results
                        .iter()
                        .filter(|(span, _)| {
                            span.start <= stmt.span.start && stmt.span.end <= span.end
                        })
                        .min_by_key(|(span, _)| span.end - span.start)
                    else {
                        continue;
                    };
                    // A closure inside that function returning on its own.
                    let innermost_is_other = ctx.functions().any(|g| {
                        g.def.file == fi as u32
                            && g.def.span.start <= stmt.span.start
                            && stmt.span.end <= g.def.span.end
                            && recv_only_results.iter().any(|(span, _)| {
                                span.start < g.def.span.start && g.def.span.end <= span.end
                            })
                    });
                    if innermost_is_other || flags.len() != results.len() {
                        continue;
                    }
                    for (&r, &recv_only) in results.iter().zip(flags.iter()) {
                        if recv_only {
                            handed_receive_only.insert(file.unparen(r));
                        }
                    }
                }
            }
            // Channel variables whose address is taken (`attach(&errCh)`):
            // whoever holds the pointer can store another channel in them.
            let address_taken: FxHashSet<goconc_syntax::ast::ExprId> = file
                .exprs
                .iter()
                .filter_map(|e| match &e.kind {
                    ExprKind::Unary {
                        op: goconc_syntax::ast::Op::And,
                        x,
                    } => Some(file.unparen(*x)),
                    _ => None,
                })
                .collect();
            // Whether each local of the file is a channel, decided once.
            let mut local_is_chan: Vec<Option<bool>> = vec![None; info.locals.len()];
            for (i, expr) in file.exprs.iter().enumerate() {
                let id = goconc_syntax::ast::ExprId(i as u32);
                if let ExprKind::CompositeLit { elts, .. } = &expr.kind {
                    field_aliases(
                        program,
                        &mut chan_types,
                        (file, info),
                        id,
                        elts,
                        &mut out.aliased,
                    );
                }
                // Only identifiers and selectors are keys. The targets of
                // `ch = make(...)` are skipped below, once a key is found
                // (most expressions are not channels: no set lookup).
                let mut exported = false;
                let key = match &expr.kind {
                    ExprKind::Ident(_) => match info.res(id) {
                        Res::Local(l) => {
                            let is_chan_local = match local_is_chan.get_mut(l.0 as usize) {
                                Some(Some(known)) => *known,
                                Some(slot) => {
                                    let known = info.local(*l).is_some_and(|local| {
                                        chan_types.is_chan(program, &local.ty)
                                    });
                                    *slot = Some(known);
                                    known
                                }
                                None => false,
                            };
                            is_chan_local.then_some(ChanKey::Local(LocalKey {
                                pkg: ctx.package,
                                file: fi as u32,
                                local: *l,
                            }))
                        }
                        res @ Res::Global(_) if chan_types.is_chan(program, info.ty(id)) => {
                            info.object(res).map(ChanKey::Global)
                        }
                        _ => None,
                    },
                    // A field selector's own type is the field's type: any
                    // other than a channel or a named type cannot be one,
                    // and skipping those spares a map lookup per selector.
                    ExprKind::Selector { .. }
                        if !matches!(info.ty(id), Type::Chan(..) | Type::Named(_)) =>
                    {
                        None
                    }
                    ExprKind::Selector { x, .. } => match info.selection(id) {
                        Some(Selection::Field { embedded, name, ty })
                            if chan_types.is_chan(program, ty) =>
                        {
                            // The type declaring the field: walk the
                            // implicit embedded fields like the access paths do.
                            let mut owner = info.ty(*x).strip_pointer().clone();
                            for e in embedded {
                                owner = match program.env.lookup_member(&owner, e) {
                                    Some(Selection::Field { ty, .. }) => ty.strip_pointer().clone(),
                                    _ => Type::Unknown,
                                };
                            }
                            if owner.is_unknown() {
                                None
                            } else {
                                exported = name.starts_with(|c: char| c.is_uppercase());
                                Some(ChanKey::field(&owner, name.clone()))
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(key) = key {
                    if exempt.contains(&id) {
                        continue;
                    }
                    if exported {
                        out.exported.insert(key.clone());
                    }
                    if alias_stores.contains(&id) || address_taken.contains(&id) {
                        out.aliased.insert(key.clone());
                    }
                    if handed_receive_only.contains(&id) {
                        *out.receive_only.entry(key.clone()).or_default() += 1;
                    }
                    *out.refs.entry(key).or_default() += 1;
                }
            }
        }
        for f in ctx.functions() {
            let source = program.file_of(f).map(|(file, _)| file);
            for (_, _, op) in f.all_ops() {
                match &op.kind {
                    // A channel reached through an accessor (`<-w.Events()`)
                    // has a path, but the source mentions the field only
                    // in the accessor's body: not an accounted mention.
                    OpKind::Chan {
                        path: Some(p),
                        op: cop,
                        ..
                    } if !(matches!(cop, ChanOp::Recv | ChanOp::Range)
                        && source.is_some_and(|file| operand_is_call(file, op.expr))) =>
                    {
                        if let Some(k) = chan_key(program, p) {
                            *out.accounted.entry(k).or_default() += 1;
                        }
                    }
                    OpKind::Call {
                        callee: Callee::Func(c),
                        args,
                        ..
                    } => {
                        let variadic = program
                            .function(*c)
                            .map(|cf| (cf.def.sig.variadic, cf.def.params.len()));
                        for (i, a) in args.iter().enumerate() {
                            let Some(p) = a else { continue };
                            if variadic.is_some_and(|(v, n)| v && i + 1 >= n) {
                                continue;
                            }
                            if let Some(k) = chan_key(program, p) {
                                *out.accounted.entry(k).or_default() += 1;
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        out
    }
}

/// Whether the channel operand of a receive's expression is a call
/// (`<-w.Events()`, `range w.Events()`, `case ev := <-w.Events():`).
fn operand_is_call(file: &goconc_syntax::File, expr: Option<goconc_syntax::ast::ExprId>) -> bool {
    let Some(expr) = expr else {
        return false;
    };
    let mut e = file.unparen(expr);
    if let ExprKind::Unary {
        op: goconc_syntax::ast::Op::Arrow,
        x,
    } = &file.expr(e).kind
    {
        e = file.unparen(*x);
    }
    matches!(file.expr(e).kind, ExprKind::Call { .. })
}

impl Escapes {
    /// Escape facts for the channels in `wanted`: a local escapes when it
    /// is wanted, a field when a wanted key has its name, a global always,
    /// if the source references it more often than the model accounts for.
    pub(crate) fn compute(ctx: &RuleContext<'_>, wanted: &FxHashSet<ChanKey>) -> Escapes {
        let wanted_fields: FxHashSet<&str> = wanted
            .iter()
            .filter_map(|k| match k {
                ChanKey::Field(_, name) => Some(&**name),
                _ => None,
            })
            .collect();
        let mentions = ctx.chan_mentions();
        let counted = |k: &ChanKey| match k {
            ChanKey::Local(_) => wanted.contains(k),
            ChanKey::Global(_) => true,
            ChanKey::Field(_, name) => wanted_fields.contains(&**name),
        };
        let mut escaped: FxHashSet<ChanKey> = mentions.aliased.clone();
        escaped.extend(mentions.exported.iter().filter(|k| counted(k)).cloned());
        let mut receive_only = FxHashSet::default();
        for (k, &n) in &mentions.refs {
            let accounted = mentions.accounted.get(k).copied().unwrap_or(0);
            if counted(k) && n > accounted {
                escaped.insert(k.clone());
                let handed = mentions.receive_only.get(k).copied().unwrap_or(0);
                if n <= accounted + handed
                    && !mentions.aliased.contains(k)
                    && !mentions.exported.contains(k)
                {
                    receive_only.insert(k.clone());
                }
            }
        }
        Escapes {
            escaped,
            receive_only,
        }
    }

    /// Escape facts for every local channel the package creates.
    pub(crate) fn of_local_channels(ctx: &RuleContext<'_>) -> Escapes {
        let program = ctx.program;
        let wanted = ctx
            .functions()
            .flat_map(|g| g.all_ops())
            .filter_map(|(_, _, op)| match &op.kind {
                OpKind::MakeChan { path: Some(p), .. } if p.fields.is_empty() => {
                    chan_key(program, p)
                }
                _ => None,
            })
            .collect();
        Escapes::compute(ctx, &wanted)
    }

    pub(crate) fn escapes(&self, key: &ChanKey) -> bool {
        self.escaped.contains(key)
    }

    /// Whether code outside the package may close (or send on) the
    /// channel: it escapes other than as a receive-only hand-out.
    pub(crate) fn closable_outside(&self, key: &ChanKey) -> bool {
        self.escaped.contains(key) && !self.receive_only.contains(key)
    }
}

/// The capacity of `make(chan T[, n])` at `e` (`Some(None)` when `n` is not
/// a literal); `None` when `e` is not such a call.
pub(crate) fn made_channel_capacity(
    program: &Program,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    e: goconc_syntax::ast::ExprId,
) -> Option<Option<i64>> {
    let e = file.unparen(e);
    let ExprKind::Call { fun, args, .. } = &file.expr(e).kind else {
        return None;
    };
    let is_make = matches!(
        info.res(file.unparen(*fun)),
        Res::Builtin(goconc_semantic::env::Builtin::Make)
    );
    let is_chan = matches!(program.underlying(info.ty(e)), Type::Chan(..))
        || args
            .first()
            .is_some_and(|t| matches!(file.expr(file.unparen(*t)).kind, ExprKind::ChanType { .. }));
    if !is_make || !is_chan {
        return None;
    }
    Some(match args.get(1) {
        None => Some(0),
        Some(c) => file.text(file.expr(*c).span).parse::<i64>().ok(),
    })
}

/// Channel fields made in a composite literal (`&T{ch: make(chan X, 1)}`),
/// wherever the literal goes: (owner type, field, capacity). A literal that
/// is returned directly has no MakeChan op.
pub(crate) fn literal_field_makes<'c>(ctx: &'c RuleContext<'_>) -> &'c [(Type, Sym, Option<i64>)] {
    ctx.literal_field_makes()
}

pub(crate) fn scan_literal_field_makes(ctx: &RuleContext<'_>) -> Vec<(Type, Sym, Option<i64>)> {
    let program = ctx.program;
    let mut out = Vec::new();
    let Some(model) = ctx.model() else {
        return out;
    };
    for (fi, info) in model.files.iter().enumerate() {
        let Some(file) = model.pkg.file(fi as u32) else {
            continue;
        };
        for (i, expr) in file.exprs.iter().enumerate() {
            let ExprKind::CompositeLit { elts, .. } = &expr.kind else {
                continue;
            };
            for &el in elts {
                let ExprKind::KeyValue { key, value } = &file.expr(el).kind else {
                    continue;
                };
                let Some(cap) = made_channel_capacity(program, file, info, *value) else {
                    continue;
                };
                let ExprKind::Ident(name) = &file.expr(*key).kind else {
                    continue;
                };
                let owner = info
                    .ty(goconc_syntax::ast::ExprId(i as u32))
                    .strip_pointer()
                    .clone();
                if !owner.is_unknown() {
                    out.push((owner, file.name(*name).into(), cap));
                }
            }
        }
    }
    out
}

/// A struct literal that stores a channel it did not just create
/// (`&pipe{rx: ch}`) makes the field an alias of another channel.
fn field_aliases(
    program: &Program,
    chan_types: &mut ChanTypes,
    (file, info): (&goconc_syntax::File, &goconc_semantic::body::FileInfo),
    lit: goconc_syntax::ast::ExprId,
    elts: &[goconc_syntax::ast::ExprId],
    escaped: &mut FxHashSet<ChanKey>,
) {
    let makes = |v: goconc_syntax::ast::ExprId| match &file.expr(file.unparen(v)).kind {
        ExprKind::Call { fun, .. } => matches!(
            info.res(file.unparen(*fun)),
            Res::Builtin(goconc_semantic::env::Builtin::Make)
        ),
        _ => false,
    };
    let mut fields: Option<Vec<Sym>> = None;
    for (i, &el) in elts.iter().enumerate() {
        let (key, value) = match &file.expr(el).kind {
            ExprKind::KeyValue { key, value } => (Some(*key), *value),
            _ => (None, el),
        };
        // Cheap test first: most literal elements are not channels. A
        // value of unknown type (the result of a call into a module that
        // is not on disk) may be one when the field is.
        let value_ty = info.ty(value);
        let untyped = value_ty.is_unknown()
            && matches!(
                file.expr(file.unparen(value)).kind,
                ExprKind::Ident(_) | ExprKind::Call { .. } | ExprKind::Selector { .. }
            );
        if (!untyped && !chan_types.is_chan(program, value_ty)) || makes(value) {
            continue;
        }
        let owner = info.ty(lit).strip_pointer().clone();
        if owner.is_unknown() {
            return;
        }
        let name = match key {
            Some(k) => match &file.expr(k).kind {
                ExprKind::Ident(k) => Sym::from(file.name(*k)),
                _ => continue,
            },
            None => {
                let names = fields.get_or_insert_with(|| match program.underlying(&owner) {
                    Type::Struct(st) => st.fields.iter().map(|f| f.name.clone()).collect(),
                    _ => Vec::new(),
                });
                match names.get(i) {
                    Some(n) => n.clone(),
                    None => continue,
                }
            }
        };
        if untyped {
            let field_is_chan = match program.underlying(&owner) {
                Type::Struct(st) => st
                    .fields
                    .iter()
                    .any(|f| f.name == name && chan_types.is_chan(program, &f.ty)),
                _ => false,
            };
            if !field_is_chan {
                continue;
            }
        }
        escaped.insert(ChanKey::field(&owner, name));
    }
}

/// The parameter local of `callee` at argument index `i`.
pub(crate) fn param_key(f: &Function, i: usize) -> Option<LocalKey> {
    if f.def.sig.variadic && i + 1 >= f.def.params.len() {
        return None;
    }
    f.def.params.get(i).map(|&l| LocalKey {
        pkg: f.pkg,
        file: f.def.file,
        local: l,
    })
}

/// Functions of the package that run as goroutines: `go` targets, library
/// spawns (`errgroup.Group.Go`, `wg.Go`) and wrapper spawns.
pub(crate) fn goroutine_targets<'c>(
    ctx: &'c RuleContext<'_>,
) -> &'c FxHashMap<FuncId, (Span, FuncId)> {
    ctx.goroutine_targets()
}

/// Computes [`goroutine_targets`] (cached per package in the context).
pub(crate) fn compute_goroutine_targets(
    ctx: &RuleContext<'_>,
) -> FxHashMap<FuncId, (Span, FuncId)> {
    let mut out = FxHashMap::default();
    for f in ctx.functions() {
        if let Some(s) = ctx.program.summary(f.id) {
            for sp in &s.spawns {
                if let Some(t) = sp.target {
                    out.entry(t).or_insert((sp.span, f.id));
                }
            }
        }
        for (_, _, op) in f.all_ops() {
            if let OpKind::Call {
                callee, func_arg, ..
            } = &op.kind
            {
                if op.mode == Mode::Spawned {
                    if let Callee::Func(t) = callee {
                        out.entry(*t).or_insert((op.span, f.id));
                    }
                }
                if let Some(fa) = func_arg {
                    if let (true, FuncArg::Func(t)) =
                        (fa.spawned || op.mode == Mode::Spawned, &fa.func)
                    {
                        out.entry(*t).or_insert((op.span, f.id));
                    }
                }
            }
        }
    }
    out
}

/// Union-find over channel keys: a channel passed to a parameter of a
/// function with a body is the same channel as the parameter. Keys are
/// numbered once (hashed once) and the forest is over the numbers.
#[derive(Default)]
struct Classes {
    ids: FxHashMap<ChanKey, u32>,
    keys: Vec<ChanKey>,
    parent: Vec<u32>,
}

impl Classes {
    /// The number of `k`, given on first sight.
    fn id(&mut self, k: &ChanKey) -> u32 {
        if let Some(&i) = self.ids.get(k) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.ids.insert(k.clone(), i);
        self.keys.push(k.clone());
        self.parent.push(i);
        i
    }

    fn key(&self, i: u32) -> &ChanKey {
        &self.keys[i as usize]
    }

    /// The root of the class of key number `i` (path halving: the roots,
    /// and so the classes, stay the same).
    fn find_id(&mut self, mut i: u32) -> u32 {
        loop {
            let p = self.parent[i as usize];
            if p == i {
                return i;
            }
            let gp = self.parent[p as usize];
            self.parent[i as usize] = gp;
            i = gp;
        }
    }

    /// The root of the class of `k`; `None` for a key never numbered (a
    /// class of its own, with no facts).
    fn find_existing(&mut self, k: &ChanKey) -> Option<u32> {
        let i = *self.ids.get(k)?;
        Some(self.find_id(i))
    }

    fn union(&mut self, a: u32, b: u32) {
        let ra = self.find_id(a);
        let rb = self.find_id(b);
        if ra != rb {
            self.parent[ra as usize] = rb;
        }
    }
}

#[derive(Default)]
struct ClassFacts {
    sends: u32,
    recvs: u32,
    closes: u32,
    /// Some creation has a capacity other than 0 (or unknown).
    buffered: bool,
    escaped: bool,
    /// Escaped in a way that lets outside code close it (not only handed
    /// out receive-only).
    closable_outside: bool,
    /// Where the channel is created (file, span), for the report.
    created: Option<(u32, Span)>,
    /// Some `make` stores into a member of the class.
    made: bool,
}

/// A blocking op candidate: (function, op index in `all_ops`, key).
struct Candidate<'a> {
    func: FuncId,
    block: BlockId,
    span: Span,
    op: ChanOp,
    path: &'a AccessPath,
    /// The channel's number in [`Classes`].
    id: u32,
}

impl Rule for UnmatchedChannelOp {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
        let program = ctx.program;
        let mut classes = Classes::default();
        let mut candidates = Vec::new();
        // (channel number, op, capacity of a make, is a make)
        let mut keyed_ops: Vec<(u32, ChanOp, Option<i64>, bool)> = Vec::new();
        let mut params_bound: FxHashSet<u32> = FxHashSet::default();
        // Channels handed to a callee's parameter: members of its class even
        // when the caller itself never sends or receives on them (an
        // exported `Provide(ch chan<- Msg)` passing its parameter down).
        let mut passed_args: FxHashSet<u32> = FxHashSet::default();
        let mut open_params: FxHashSet<u32> = FxHashSet::default();
        let mut creations: FxHashMap<u32, (u32, Span)> = FxHashMap::default();
        for f in ctx.functions() {
            for (b, _, op) in f.all_ops() {
                match &op.kind {
                    OpKind::Chan {
                        path: Some(p),
                        op: cop,
                        select,
                        ..
                    } => {
                        let Some(k) = chan_key(program, p) else {
                            continue;
                        };
                        let id = classes.id(&k);
                        keyed_ops.push((id, *cop, None, false));
                        if select.is_none() && op.mode == Mode::Now && *cop != ChanOp::Close {
                            candidates.push(Candidate {
                                func: f.id,
                                block: b,
                                span: op.span,
                                op: *cop,
                                path: p,
                                id,
                            });
                        }
                    }
                    OpKind::MakeChan {
                        path: Some(p), cap, ..
                    } => {
                        if let Some(k) = chan_key(program, p) {
                            let id = classes.id(&k);
                            creations.entry(id).or_insert((f.def.file, op.span));
                            keyed_ops.push((id, ChanOp::Close, *cap, true));
                        }
                    }
                    OpKind::Call {
                        callee: Callee::Func(c),
                        args,
                        ..
                    } => {
                        let Some(cf) = program.function(*c) else {
                            continue;
                        };
                        for (i, a) in args.iter().enumerate() {
                            let Some(pk) = param_key(cf, i) else {
                                continue;
                            };
                            let pk = classes.id(&ChanKey::Local(pk));
                            match a.as_ref().and_then(|p| chan_key(program, p)) {
                                Some(k) => {
                                    let k = classes.id(&k);
                                    params_bound.insert(pk);
                                    passed_args.insert(k);
                                    classes.union(k, pk);
                                }
                                // A channel from an expression the model
                                // cannot follow (a call result, a slice
                                // element): the parameter is open.
                                None => {
                                    open_params.insert(pk);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        if candidates.is_empty() {
            check_endless_goroutines(ctx, findings);
            check_parked_methods(ctx, findings);
            partial_closes::check(ctx, findings);
            late_closes::check(ctx, findings);
            check_timer_drains(ctx, findings);
            timer_drains::check(ctx, findings);
            ticker_ranges::check(ctx, findings);
            leader_closes::check(ctx, findings);
            parent_contexts::check(ctx, findings);
            return;
        }
        let mut wanted: FxHashSet<ChanKey> = keyed_ops
            .iter()
            .map(|&(k, ..)| classes.key(k).clone())
            .collect();
        wanted.extend(params_bound.iter().map(|&k| classes.key(k).clone()));
        wanted.extend(passed_args.iter().map(|&k| classes.key(k).clone()));
        let escapes = Escapes::compute(ctx, &wanted);
        let mut facts: FxHashMap<u32, ClassFacts> = FxHashMap::default();
        for &(k, cop, cap, is_make) in &keyed_ops {
            let root = classes.find_id(k);
            let e = facts.entry(root).or_default();
            if is_make {
                e.made = true;
                if cap != Some(0) {
                    e.buffered = true;
                }
                if e.created.is_none() {
                    e.created = creations.get(&k).copied();
                }
                continue;
            }
            match cop {
                ChanOp::Send => e.sends += 1,
                ChanOp::Recv | ChanOp::Range => e.recvs += 1,
                ChanOp::Close => e.closes += 1,
            }
        }
        // Fields made in a literal that is returned or passed on directly
        // (`return &notifiee{listen: make(chan Addr, n)}`) have no make op.
        if facts
            .keys()
            .any(|&k| matches!(classes.key(k), ChanKey::Field(..)))
        {
            for (owner, field, cap) in literal_field_makes(ctx) {
                let cap = *cap;
                let Some(root) = classes.find_existing(&ChanKey::field(owner, field.clone()))
                else {
                    continue;
                };
                if let Some(e) = facts.get_mut(&root) {
                    e.made = true;
                    if cap != Some(0) {
                        e.buffered = true;
                    }
                }
            }
        }
        // Escapes of any member escape the class; so do parameters of
        // functions that callers outside the analysis may call.
        let mut members: Vec<u32> = keyed_ops.iter().map(|&(k, ..)| k).collect();
        members.extend(params_bound.iter().copied());
        members.extend(passed_args.iter().copied());
        let mut bound_keys: Option<FxHashSet<ChanKey>> = None;
        for &id in &members {
            let k = &classes.keys[id as usize];
            let foreign_field = match k {
                ChanKey::Field(owner, _) => owner
                    .as_named()
                    .is_none_or(|n| ctx.model().is_none_or(|m| m.pkg.path != n.pkg)),
                _ => false,
            };
            let root = classes.find_id(id);
            let k = &classes.keys[id as usize];
            let made = facts.get(&root).is_some_and(|f| f.made);
            let open_otherwise = foreign_field
                || (!made && matches!(k, ChanKey::Local(lk) if unknown_origin(ctx, lk)))
                || open_params.contains(&id)
                || (matches!(k, ChanKey::Local(_))
                    && is_open_param(
                        ctx,
                        k,
                        bound_keys.get_or_insert_with(|| {
                            params_bound
                                .iter()
                                .map(|&b| classes.keys[b as usize].clone())
                                .collect()
                        }),
                    ))
                || is_exported_global(program, k);
            if open_otherwise || escapes.escapes(k) {
                let closable = open_otherwise || escapes.closable_outside(k);
                let fact = facts.entry(root).or_default();
                fact.escaped = true;
                if closable {
                    fact.closable_outside = true;
                }
            }
        }
        let mut reported: FxHashSet<(u32, Span)> = FxHashSet::default();
        for c in &candidates {
            let root = classes.find_id(c.id);
            let key = classes.key(c.id);
            let Some(fact) = facts.get(&root) else {
                continue;
            };
            // A channel handed out only receive-only (`Records() <-chan
            // Record`) is still closed by nobody but this package: a range
            // over it (in a test, say) ends only if the package closes it.
            let range_of_receive_only = c.op == ChanOp::Range
                && !fact.closable_outside
                && matches!(key, ChanKey::Field(..));
            if fact.escaped && !range_of_receive_only {
                continue;
            }
            let Some(f) = program.function(c.func) else {
                continue;
            };
            if !fact.made && is_own_private_field(ctx, key) && !field_ever_stored(ctx, key) {
                // Nothing ever stores a channel in the field: it stays nil.
                if !reported.insert((f.def.file, c.span)) {
                    continue;
                }
                let name = program.describe_path(c.path);
                let what = match c.op {
                    ChanOp::Send => "a send on",
                    ChanOp::Range => "a range over",
                    _ => "a receive from",
                };
                let mut finding = Finding::new(
                    Self::META.code,
                    FileIdx(f.def.file as usize),
                    c.span,
                    format!(
                        "{name} is never made: nothing in the package stores a channel in it, and {what} a nil channel blocks forever"
                    ),
                );
                if let Some((file, span)) = field_declaration(ctx, key) {
                    finding = finding.related(
                        FileIdx(file),
                        span,
                        "the field is declared here; no literal, assignment or make fills it",
                    );
                }
                findings.push(finding.suggest(format!(
                    "make {name} where the value is built (make(chan T) in the constructor)"
                )));
                continue;
            }
            // None of the messages below can apply: skip the package scans.
            let may_report = match c.op {
                ChanOp::Range => fact.closes == 0 && !matches!(key, ChanKey::Global(_)),
                ChanOp::Recv => {
                    fact.closes == 0 && (fact.sends == 0 || !matches!(key, ChanKey::Global(_)))
                }
                ChanOp::Send => fact.recvs == 0 && fact.closes == 0 && !fact.buffered,
                ChanOp::Close => false,
            };
            if !may_report {
                continue;
            }
            // A test double's method that nothing in the package calls by
            // name (`fakeIndex.RangeSince`): its channel wait never runs.
            if uncalled_test_method(ctx, f) || dead_test_hook(ctx, f) {
                continue;
            }
            // The channels of a process-wide singleton (a worker pool only
            // `main`, `init` or a package-level sync.OnceValue builds)
            // live as long as the process.
            if let ChanKey::Field(owner, _) = key {
                if singletons::singleton_type(ctx, owner) {
                    continue;
                }
            }
            // `<-done` or `select`-free `<-forever` at the end of a
            // command's main: the "serve until killed" idiom.
            // (Code after the wait is dead: `<-sig; c.Shutdown()` with a
            // sig nobody signals is a bug.)
            if c.op == ChanOp::Recv
                && singletons::is_program_main(ctx, f)
                && f.block_ops(c.block)
                    .iter()
                    .position(|(_, op)| op.span == c.span)
                    .is_some_and(|i| crate::rules::cond_misuse::returns_right_after(f, c.block, i))
            {
                continue;
            }
            // A worker of a value with no lifecycle at all (no Close, no
            // Stop, no stop signal) serves as long as the process.
            // (Asked only for the loops below: it scans the package.)
            let lives_with_process = || {
                matches!(key, ChanKey::Field(owner, _)
                    if singletons::without_lifecycle(ctx, owner))
                    && !observes_context(f)
            };
            // Which message, decided before the channel's name is spelled.
            enum Unmatched {
                Range,
                Recv,
                RecvLoop,
                Send,
            }
            let kind = match c.op {
                // A package-level channel is process-wide: a worker
                // ranging over it forever is a deliberate daemon.
                ChanOp::Range if fact.closes == 0 && !matches!(key, ChanKey::Global(_)) => {
                    if loop_has_other_exit(f, c.block) || lives_with_process() {
                        continue;
                    }
                    Unmatched::Range
                }
                ChanOp::Recv if fact.closes == 0 && fact.sends == 0 => Unmatched::Recv,
                // `for { v := <-ch; ... }` in a goroutine, with no way out of
                // the loop: the same as a range that never ends.
                ChanOp::Recv
                    if fact.closes == 0
                        && !matches!(key, ChanKey::Global(_))
                        && endless_receive_loop(f, c.block)
                        && goroutine_targets(ctx).contains_key(&f.id)
                        && !lives_with_process() =>
                {
                    Unmatched::RecvLoop
                }
                ChanOp::Send if fact.recvs == 0 && fact.closes == 0 && !fact.buffered => {
                    Unmatched::Send
                }
                _ => continue,
            };
            if !reported.insert((f.def.file, c.span)) {
                continue;
            }
            let name = program.describe_path(c.path);
            let message = match kind {
                Unmatched::Range => format!("range over {name} never ends: {name} is never closed"),
                Unmatched::Recv => {
                    format!("receive from {name} blocks forever: {name} is never sent to or closed")
                }
                Unmatched::RecvLoop => format!(
                    "receive loop on {name} never ends: {name} is never closed and the loop has no other way out, so this goroutine blocks here forever once the senders stop"
                ),
                Unmatched::Send => format!("send on {name} is never received"),
            };
            // The endless receive loop reads like a range.
            let as_range = c.op == ChanOp::Range || (c.op == ChanOp::Recv && fact.sends > 0);
            let suggestion = match c.op {
                _ if as_range => format!(
                    "close {name} exactly once when the last value has been sent (the sender owns the channel)"
                ),
                ChanOp::Recv => format!("close {name} (or send to it) on every path, or select on ctx.Done() as well"),
                _ => format!("receive from {name}, make it buffered, or drop the send"),
            };
            let mut finding = Finding::new(
                Self::META.code,
                FileIdx(f.def.file as usize),
                c.span,
                message,
            );
            if let Some((file, span)) = fact.created {
                let what = match c.op {
                    ChanOp::Send => "nothing in the package receives from it",
                    _ if as_range => "nothing in the package closes it",
                    _ => "nothing in the package sends to or closes it",
                };
                finding = finding.related(
                    FileIdx(file as usize),
                    span,
                    format!("{name} is created here; {what}"),
                );
            }
            findings.push(finding.suggest(suggestion));
        }
        check_endless_goroutines(ctx, findings);
        check_parked_methods(ctx, findings);
        partial_closes::check(ctx, findings);
        late_closes::check(ctx, findings);
        check_timer_drains(ctx, findings);
        timer_drains::check(ctx, findings);
        ticker_ranges::check(ctx, findings);
        leader_closes::check(ctx, findings);
        parent_contexts::check(ctx, findings);
        check_single_goroutine_channels(ctx, findings);
    }
}

/// Names of methods that shut a component down.
const SHUTDOWN_METHODS: &[&str] = &["Stop", "Close", "Shutdown", "Terminate", "Cancel", "Quit"];

/// A method that parks in `select {}` while its type can be shut down
/// (`Run` ends in `select {}`, `Stop` closes the stop channel): the method
/// never returns, not even after the shutdown, and whoever waits for it
/// (a caller, `errc <- a.Run()`) waits forever.
fn check_parked_methods(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    for f in ctx.functions() {
        let Some(recv_type) = &f.def.recv_type else {
            continue;
        };
        // Fakes in tests park on purpose (a codec whose reads never
        // return).
        let in_test_file = ctx
            .model()
            .and_then(|m| m.pkg.files.get(f.def.file as usize))
            .is_some_and(|src| crate::is_test_path(&src.path));
        if f.def.parent.is_some() || in_test_file {
            continue;
        }
        let reachable = f.cfg.reachable();
        // Only a method that can never return: a `select {}` behind a flag
        // (`if serveFlag != "" { select {} }`) is a deliberate debug mode.
        if reachable.get(f.cfg.exit.index()).copied().unwrap_or(true) {
            continue;
        }
        let parked = f.cfg.reverse_postorder().iter().find_map(|&b| {
            if !reachable.get(b.index()).copied().unwrap_or(false) {
                return None;
            }
            f.block_ops(b).iter().find_map(|(_, op)| {
                matches!(
                    op.kind,
                    OpKind::Select {
                        cases: 0,
                        has_default: false,
                        ..
                    }
                )
                .then_some(op.span)
            })
        });
        let Some(parked) = parked else {
            continue;
        };
        let owner = recv_type.strip_pointer();
        let shutdown = ctx.functions().find(|g| {
            g.def.parent.is_none()
                && g.id != f.id
                && g.def
                    .recv_type
                    .as_ref()
                    .is_some_and(|t| t.strip_pointer() == owner)
                && SHUTDOWN_METHODS.contains(&crate::lockstate::short_name(g))
        });
        let Some(shutdown) = shutdown else {
            continue;
        };
        let name = crate::lockstate::short_name(f);
        let stop = crate::lockstate::short_name(shutdown);
        findings.push(
            Finding::new(
                UnmatchedChannelOp::META.code,
                FileIdx(f.def.file as usize),
                parked,
                format!(
                    "{name} never returns: select {{}} blocks forever, even after {stop} shuts the component down"
                ),
            )
            .related(
                FileIdx(shutdown.def.file as usize),
                shutdown.def.span,
                format!("{stop} cannot end {name}"),
            )
            .suggest(format!(
                "wait for the shutdown signal instead (<-ctx.Done() or the channel {stop} closes) and return"
            )),
        );
    }
}

/// An unbuffered channel that only the goroutine creating it ever touches:
/// no closure, callee, goroutine or other variable sees it, and it is never
/// closed. Its first plain send (or receive) can never meet a partner:
/// `ch := make(chan int); ch <- 1; <-ch` blocks on the send forever.
fn check_single_goroutine_channels(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    for f in ctx.functions() {
        let makes: Vec<(&AccessPath, Span)> = f
            .all_ops()
            .filter_map(|(_, _, op)| match &op.kind {
                OpKind::MakeChan {
                    path: Some(p),
                    cap: Some(0),
                    ..
                } if p.fields.is_empty() && matches!(p.base, Base::Local(_)) => Some((p, op.span)),
                _ => None,
            })
            .collect();
        for &(chan, made_at) in &makes {
            if makes.iter().filter(|(p, _)| *p == chan).count() != 1 {
                continue;
            }
            // Only `f` itself uses it: plain sends and receives, no close,
            // no call or closure that could hand it to another goroutine.
            let mut first: Option<(BlockId, Span, ChanOp)> = None;
            let mut shared = false;
            for (b, _, op) in f.all_ops() {
                match &op.kind {
                    OpKind::Chan {
                        path: Some(p),
                        op: cop,
                        select,
                        ..
                    } if p == chan => {
                        if *cop == ChanOp::Close || select.is_some() || op.mode != Mode::Now {
                            shared = true;
                        } else if first.is_none_or(|(_, s, _)| op.span.start < s.start) {
                            first = Some((b, op.span, *cop));
                        }
                    }
                    OpKind::Call { recv, args, .. }
                        if args
                            .iter()
                            .chain(std::iter::once(recv))
                            .flatten()
                            .any(|a| a.base == chan.base) =>
                    {
                        shared = true
                    }
                    _ => {}
                }
            }
            // With only sends (or only receives) the unmatched-op check
            // above already reports it.
            let dirs = |wanted: ChanOp| {
                f.all_ops().any(|(_, _, op)| {
                    matches!(&op.kind, OpKind::Chan { path: Some(p), op: c, .. }
                        if p == chan && (*c == wanted || (wanted == ChanOp::Recv && *c == ChanOp::Range)))
                })
            };
            if shared || !dirs(ChanOp::Send) || !dirs(ChanOp::Recv) {
                continue;
            }
            let Some((block, span, op)) = first else {
                continue;
            };
            // Closures nested in `f` see its locals.
            let mut stack: Vec<FuncId> = f.closures.clone();
            let mut seen = 0usize;
            while let Some(id) = stack.pop() {
                seen += 1;
                if seen > 10_000 {
                    shared = true;
                    break;
                }
                let Some(g) = program.function(id) else {
                    continue;
                };
                stack.extend(g.closures.iter().copied());
                let mentions = g.all_ops().any(|(_, _, op)| match &op.kind {
                    OpKind::Chan { path: Some(p), .. } => p.base == chan.base,
                    OpKind::Call { recv, args, .. } => args
                        .iter()
                        .chain(std::iter::once(recv))
                        .flatten()
                        .any(|a| a.base == chan.base),
                    _ => false,
                });
                if mentions {
                    shared = true;
                    break;
                }
            }
            if shared || !reach_from(f, f.cfg.entry).contains(&block) {
                continue;
            }
            let Some(key) = chan_key(program, chan) else {
                continue;
            };
            let esc = ctx.local_chan_escapes();
            if esc.escapes(&key) {
                continue;
            }
            let name = program.describe_path(chan);
            let (message, suggestion) = match op {
                ChanOp::Send => (
                    format!("send on {name} blocks forever: {name} is unbuffered and only this goroutine uses it, so nothing can receive"),
                    format!("receive from {name} in another goroutine, or make it buffered (make(chan T, 1)) if this goroutine is meant to read it back"),
                ),
                _ => (
                    format!("receive from {name} blocks forever: {name} is unbuffered and only this goroutine uses it, so nothing can send"),
                    format!("send to {name} from the goroutine that produces the value, or drop the channel"),
                ),
            };
            findings.push(
                Finding::new(
                    UnmatchedChannelOp::META.code,
                    FileIdx(f.def.file as usize),
                    span,
                    message,
                )
                .related(
                    FileIdx(f.def.file as usize),
                    made_at,
                    format!(
                        "{name} is created here, unbuffered, and never handed to another goroutine"
                    ),
                )
                .suggest(suggestion),
            );
        }
    }
}

/// Block `b` lies in a loop that nothing leaves: no block of the loop has a
/// successor outside it (other than a panic).
fn endless_receive_loop(f: &Function, b: BlockId) -> bool {
    let scc = loop_blocks(f, b);
    if scc.len() < 2 && !f.cfg.block(b).succs.contains(&b) {
        return false;
    }
    scc.iter().all(|&x| {
        f.cfg
            .block(x)
            .succs
            .iter()
            .all(|n| scc.contains(n) || *n == f.cfg.abort)
    })
}

/// An unexported field of a struct type declared in the package under
/// analysis: only this package can store into it.
fn is_own_private_field(ctx: &RuleContext<'_>, key: &ChanKey) -> bool {
    let ChanKey::Field(owner, field) = key else {
        return false;
    };
    let own = owner
        .as_named()
        .is_some_and(|n| ctx.model().is_some_and(|m| m.pkg.path == n.pkg));
    own && field
        .chars()
        .next()
        .is_some_and(|c| c.is_lowercase() || c == '_')
}

/// Where the struct field of `key` is declared in the package (file index,
/// span of the field's name), looked up in the owner type's declaration.
fn field_declaration(ctx: &RuleContext<'_>, key: &ChanKey) -> Option<(usize, Span)> {
    let ChanKey::Field(owner, field) = key else {
        return None;
    };
    let owner_name = owner.as_named()?.name.to_string();
    let model = ctx.model()?;
    for (fi, source) in model.pkg.files.iter().enumerate() {
        let file = &*source.ast;
        for spec in &file.specs {
            let goconc_syntax::ast::SpecKind::Type { name, ty, .. } = &spec.kind else {
                continue;
            };
            if file.name(*name) != owner_name {
                continue;
            }
            let ExprKind::StructType { fields } = &file.expr(file.unparen(*ty)).kind else {
                continue;
            };
            for decl in fields.fields.iter() {
                if let Some(id) = decl.names.iter().find(|id| file.name(**id) == &**field) {
                    return Some((fi, id.span));
                }
            }
        }
    }
    None
}

/// Whether any source of the package may store into the field of `key`:
/// a keyed composite literal (`&T{done: ch}`), an assignment to `x.done`,
/// or an unkeyed literal of the owner type. Read from the syntax, so that
/// values the model does not follow (a literal returned directly) count.
fn field_ever_stored(ctx: &RuleContext<'_>, key: &ChanKey) -> bool {
    let ChanKey::Field(owner, field) = key else {
        return true;
    };
    let Some(owner_name) = owner.as_named().map(|n| n.name.to_string()) else {
        return true;
    };
    let Some(model) = ctx.model() else {
        return true;
    };
    for source in &model.pkg.files {
        let file = &*source.ast;
        for e in &file.exprs {
            match &e.kind {
                ExprKind::KeyValue { key, .. } => {
                    if matches!(&file.expr(*key).kind, ExprKind::Ident(id) if file.name(*id) == &**field)
                    {
                        return true;
                    }
                }
                ExprKind::CompositeLit {
                    ty: Some(ty), elts, ..
                } => {
                    let unkeyed = elts
                        .iter()
                        .any(|el| !matches!(file.expr(*el).kind, ExprKind::KeyValue { .. }));
                    let text = file.text(file.expr(*ty).span);
                    if unkeyed && (text == owner_name || text.ends_with(&format!(".{owner_name}")))
                    {
                        return true;
                    }
                }
                _ => {}
            }
        }
        for st in &file.stmts {
            if let StmtKind::Assign { lhs, .. } = &st.kind {
                let stores = lhs.iter().any(|l| {
                    matches!(&file.expr(file.unparen(*l)).kind, ExprKind::Selector { sel, .. } if file.name(*sel) == &**field)
                });
                if stores {
                    return true;
                }
            }
        }
    }
    false
}

/// The drain idiom `if !t.Stop() { <-t.C }` on a timer whose value this
/// function may already have received (a `case <-t.C:` earlier in the
/// loop) with no `t.Reset` since: `Stop` then returns false because the
/// value is gone, and the drain waits for a value that never comes. (Since
/// Go 1.23 that is the only time `Stop` returns false, so the drain can
/// only ever block.)
fn check_timer_drains(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    for f in ctx.functions() {
        let Some((file, info)) = program.file_of(f) else {
            continue;
        };
        for (bi, block) in f.cfg.blocks.iter().enumerate() {
            // The drain must sit in the branch taken when Stop is false.
            let [pred] = block.preds.as_slice() else {
                continue;
            };
            let guard = match f.cfg.block(*pred).nodes.last() {
                Some(Node::Cond(c)) => stopped_timer(file, info, *c),
                _ => None,
            };
            let Some((timer, cond_span)) = guard else {
                continue;
            };
            let drain = block.nodes.iter().find_map(|node| {
                let Node::Stmt(s) = node else { return None };
                let StmtKind::Expr(e) = &file.stmt(*s).kind else {
                    return None;
                };
                (receives_from_timer(file, *e, &timer)).then(|| file.stmt(*s).span)
            });
            let Some(drain_span) = drain else {
                continue;
            };
            let Some(earlier) = received_before(f, file, &timer, BlockId(bi as u32), *pred) else {
                continue;
            };
            findings.push(
                Finding::new(
                    UnmatchedChannelOp::META.code,
                    FileIdx(f.def.file as usize),
                    drain_span,
                    format!(
                        "<-{timer}.C blocks forever: {timer}.Stop() returns false here when the value was already received, and nothing will be sent again"
                    ),
                )
                .related(FileIdx(f.def.file as usize), earlier, format!("{timer}'s value is received here, with no {timer}.Reset before the drain"))
                .related(FileIdx(f.def.file as usize), cond_span, "Stop returns false: the timer already fired")
                .suggest(format!(
                    "remember whether {timer}.C was received and drain only if not, or drain with a select with default; since Go 1.23 {timer}.Stop()/{timer}.Reset() need no drain at all"
                )),
            );
        }
    }
}

/// The statement (or select clause communication) of `node` and the
/// expression it evaluates that may be a receive: `<-ch`, `v := <-ch`,
/// `case v, ok := <-ch:`.
fn receive_node(
    file: &goconc_syntax::File,
    node: &Node,
) -> Option<(Span, goconc_syntax::ast::ExprId)> {
    let stmt = match node {
        Node::Stmt(s) => *s,
        Node::SelectCase { clause, .. } => match &file.stmt(*clause).kind {
            StmtKind::CommClause { comm: Some(c), .. } => *c,
            _ => return None,
        },
        _ => return None,
    };
    let e = match &file.stmt(stmt).kind {
        StmtKind::Expr(e) => *e,
        StmtKind::Assign { rhs, .. } => *rhs.first()?,
        _ => return None,
    };
    Some((file.stmt(stmt).span, e))
}

/// Whether `e` is `<-timer.C`.
fn receives_from_timer(
    file: &goconc_syntax::File,
    e: goconc_syntax::ast::ExprId,
    timer: &str,
) -> bool {
    let ExprKind::Unary {
        op: goconc_syntax::ast::Op::Arrow,
        x,
    } = &file.expr(file.unparen(e)).kind
    else {
        return false;
    };
    let ExprKind::Selector { x: owner, sel } = &file.expr(file.unparen(*x)).kind else {
        return false;
    };
    file.name(*sel) == "C" && file.text(file.expr(*owner).span) == timer
}

/// Another receive of `timer.C` in `f` (a select case or a plain receive,
/// not the drain in `drain_block`) from which the Stop guard in
/// `guard_block` is reachable without passing a `timer.Reset(...)`.
fn received_before(
    f: &Function,
    file: &goconc_syntax::File,
    timer: &str,
    drain_block: BlockId,
    guard_block: BlockId,
) -> Option<Span> {
    // A Reset re-arms the timer; assigning the variable makes a new one.
    let reset = format!("{timer}.Reset(");
    let (define, assign, declare) = (
        format!("{timer} :="),
        format!("{timer} ="),
        format!("var {timer} "),
    );
    let resets = |b: BlockId| {
        f.cfg.block(b).nodes.iter().any(|n| match n {
            Node::Stmt(s) => {
                let text = file.text(file.stmt(*s).span);
                text.contains(&reset)
                    || text.starts_with(&define)
                    || text.starts_with(&assign)
                    || text.starts_with(&declare)
            }
            Node::Cond(e) => file.text(file.expr(*e).span).contains(&reset),
            _ => false,
        })
    };
    for (bi, block) in f.cfg.blocks.iter().enumerate() {
        let b = BlockId(bi as u32);
        if b == drain_block {
            continue;
        }
        let receive = block.nodes.iter().find_map(|n| {
            receive_node(file, n)
                .filter(|(_, e)| receives_from_timer(file, *e, timer))
                .map(|(span, _)| span)
        });
        let Some(span) = receive else { continue };
        if resets(b) {
            continue;
        }
        let mut seen = vec![false; f.cfg.blocks.len()];
        let mut stack: Vec<BlockId> = block.succs.to_vec();
        while let Some(n) = stack.pop() {
            if n == guard_block {
                return Some(span);
            }
            if seen.get(n.index()).copied().unwrap_or(true) || resets(n) {
                continue;
            }
            seen[n.index()] = true;
            stack.extend(f.cfg.block(n).succs.iter().copied());
        }
    }
    None
}

/// `!t.Stop()` on a `*time.Timer`: the timer's text and the condition span.
fn stopped_timer(
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    cond: goconc_syntax::ast::ExprId,
) -> Option<(String, goconc_syntax::ast::Span)> {
    // `t != nil && !t.Stop()`: a nil check of the timer itself; any other
    // operand (`running && !t.Stop()`) may be the flag that tracks whether
    // the value was received.
    if let ExprKind::Binary {
        op: goconc_syntax::ast::Op::LAnd,
        x,
        y,
        ..
    } = &file.expr(file.unparen(cond)).kind
    {
        let (timer, span) = stopped_timer(file, info, *y)?;
        let ExprKind::Binary {
            op: goconc_syntax::ast::Op::Neq,
            x: l,
            y: r,
            ..
        } = &file.expr(file.unparen(*x)).kind
        else {
            return None;
        };
        let (l, r) = (file.text(file.expr(*l).span), file.text(file.expr(*r).span));
        return ((l == timer && r == "nil") || (r == timer && l == "nil")).then_some((timer, span));
    }
    let ExprKind::Unary {
        op: goconc_syntax::ast::Op::Not,
        x,
    } = &file.expr(file.unparen(cond)).kind
    else {
        return None;
    };
    let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(*x)).kind else {
        return None;
    };
    let ExprKind::Selector { x: timer, sel } = &file.expr(file.unparen(*fun)).kind else {
        return None;
    };
    if !args.is_empty() || file.name(*sel) != "Stop" {
        return None;
    }
    if !info.ty(*timer).strip_pointer().is_named("time", "Timer") {
        return None;
    }
    Some((
        file.text(file.expr(*timer).span).to_string(),
        file.expr(cond).span,
    ))
}

/// A channel parameter of a function that code outside the analysis may
/// call (exported, or a closure/function value) can carry any channel.
fn is_open_param(ctx: &RuleContext<'_>, key: &ChanKey, bound: &FxHashSet<ChanKey>) -> bool {
    let ChanKey::Local(k) = key else {
        return false;
    };
    let Some(model) = ctx.program.packages.get(k.pkg as usize) else {
        return true;
    };
    let Some(local) = model
        .files
        .get(k.file as usize)
        .and_then(|f| f.local(k.local))
    else {
        return true;
    };
    if !matches!(
        local.kind,
        goconc_semantic::body::LocalKind::Param(_) | goconc_semantic::body::LocalKind::Recv
    ) {
        return false;
    }
    let Some(f) = model
        .funcs
        .get(local.func as usize)
        .and_then(|&id| ctx.program.function(id))
    else {
        return true;
    };
    if f.def.parent.is_some() || !bound.contains(key) {
        return true;
    }
    let short = f.def.name.rsplit('.').next().unwrap_or("");
    short.starts_with(|c: char| c.is_uppercase()) || short == "main" || short == "init"
}

fn is_exported_global(program: &Program, key: &ChanKey) -> bool {
    let ChanKey::Global(r) = key else {
        return false;
    };
    match program.env.package(&r.pkg) {
        Some(p) => p
            .object(r.idx)
            .is_none_or(|o| o.name.starts_with(|c: char| c.is_uppercase())),
        None => true,
    }
}

/// Whether the loop whose head is `head` can be left other than by its
/// head (a `return`, `break` or `goto` inside the body).
pub(crate) fn loop_has_other_exit(f: &Function, head: BlockId) -> bool {
    let scc = loop_blocks(f, head);
    scc.iter().any(|&b| {
        b != head
            && f.cfg
                .block(b)
                .succs
                .iter()
                .any(|s| !scc.contains(s) && *s != f.cfg.abort)
    })
}

/// A local channel whose value comes from code the model cannot see: a
/// call of a function without a body in the program (a library's
/// `ServeBackground(ctx)`, `client.Watch(...)`), including the
/// multi-value `ch, err := lib.Open()`. That code may well send on it or
/// close it.
fn unknown_origin(ctx: &RuleContext<'_>, key: &LocalKey) -> bool {
    let program = ctx.program;
    let Some(local) = program.local(key) else {
        return false;
    };
    if local.kind != goconc_semantic::body::LocalKind::Var {
        return false;
    }
    // A channel reached through a pointer (`outC := copyStd(r)` returning
    // `&stdC`, received as `<-*outC`): the model does not follow it.
    if matches!(program.underlying(&local.ty), Type::Pointer(_)) {
        return true;
    }
    let Some(declarer) = program
        .packages
        .get(key.pkg as usize)
        .and_then(|m| m.funcs.get(local.func as usize))
        .and_then(|&id| program.function(id))
    else {
        return false;
    };
    let Some((file, info)) = program.file_of(declarer) else {
        return false;
    };
    // The call that initialises it: the single value (`ch := f()`) or the
    // first value of a multi-value declaration (`ch, err := f()`).
    let init = match local.init {
        Some(init) => Some(init),
        None => ctx
            .multi_value_inits(key.pkg, declarer.def.file, || {
                MultiValueInits::scan(file, info)
            })
            .0
            .get(&key.local)
            .copied(),
    };
    let Some(init) = init.map(|e| file.unparen(e)) else {
        return false;
    };
    let ExprKind::Call { fun, .. } = &file.expr(init).kind else {
        return false;
    };
    if matches!(info.res(file.unparen(*fun)), Res::Builtin(_)) {
        return false;
    }
    // Calls of analysed functions that make a channel are followed by the
    // model. One that makes none hands out a channel someone else made
    // and keeps (`resultCh, ok := waiters.Pop(id)` from a map of reply
    // channels): whoever registered it receives on it under another name.
    !declarer.all_ops().any(|(_, _, op)| {
        op.expr == Some(init)
            && matches!(&op.kind, OpKind::Call { callee: Callee::Func(c), .. }
            if program.function(*c).is_some_and(|g| {
                !g.cfg.blocks.is_empty()
                    && g.ops.iter().any(|(_, o)| matches!(o.kind, OpKind::MakeChan { .. }))
            }))
    })
}

/// A method declared in a `_test.go` file whose name no selector in the
/// package mentions: dead code of a test double.
fn uncalled_test_method(ctx: &RuleContext<'_>, f: &Function) -> bool {
    let Some(model) = ctx.model() else {
        return false;
    };
    if f.def.recv.is_none() || f.def.parent.is_some() {
        return false;
    }
    let in_test_file = model
        .pkg
        .files
        .get(f.def.file as usize)
        .is_some_and(|src| crate::is_test_path(&src.path));
    if !in_test_file {
        return false;
    }
    let name = crate::lockstate::short_name(f);
    let method = name.rsplit('.').next().unwrap_or(name);
    // A call with another number of arguments is some other `method`
    // (`client.Update(ctx, ev, opts)` is not the fake's `Update(ctx, ev)`).
    let arity = (!f.def.sig.variadic).then_some(f.def.params.len());
    !ctx.method_selectors().called(method, arity)
}

/// The first value assigned to each local by a multi-value assignment
/// (`ch, err := f()`) of a file, in statement order.
#[derive(Default)]
pub(crate) struct MultiValueInits(
    FxHashMap<goconc_semantic::body::LocalId, goconc_syntax::ast::ExprId>,
);

impl MultiValueInits {
    fn scan(file: &goconc_syntax::File, info: &goconc_semantic::body::FileInfo) -> MultiValueInits {
        let mut out = FxHashMap::default();
        for stmt in &file.stmts {
            if let goconc_syntax::ast::StmtKind::Assign { lhs, rhs, .. } = &stmt.kind {
                if rhs.len() == 1 && lhs.len() > 1 {
                    for &l in lhs {
                        if let Res::Local(id) = info.res(file.unparen(l)) {
                            out.entry(*id).or_insert(rhs[0]);
                        }
                    }
                }
            }
        }
        MultiValueInits(out)
    }
}

/// The selectors (`x.Name`) of a package's source, by name: whether one is
/// not the callee of a call, and the argument counts of the calls that
/// use one as their callee.
#[derive(Default)]
pub(crate) struct MethodSelectors<'a> {
    by_name: FxHashMap<&'a str, SelectorUses>,
}

#[derive(Default)]
struct SelectorUses {
    /// Some selector of the name is not the callee of any call.
    uncalled: bool,
    /// Argument counts of the calls of a selector of the name that is the
    /// callee of calls of one count.
    arities: FxHashSet<usize>,
}

impl<'a> MethodSelectors<'a> {
    pub(crate) fn scan(model: Option<&'a goconc_semantic::program::PackageModel>) -> Self {
        let mut out = MethodSelectors::default();
        let Some(model) = model else {
            return out;
        };
        for src in &model.pkg.files {
            let file = &*src.ast;
            // The argument counts of the calls whose callee is each expression.
            let mut calls: FxHashMap<goconc_syntax::ast::ExprId, (usize, bool)> =
                FxHashMap::default();
            for e in &file.exprs {
                if let ExprKind::Call { fun, args, .. } = &e.kind {
                    calls
                        .entry(file.unparen(*fun))
                        .and_modify(|(n, mixed)| *mixed |= *n != args.len())
                        .or_insert((args.len(), false));
                }
            }
            for (i, e) in file.exprs.iter().enumerate() {
                let ExprKind::Selector { sel, .. } = &e.kind else {
                    continue;
                };
                let uses = out.by_name.entry(file.name(*sel)).or_default();
                match calls.get(&goconc_syntax::ast::ExprId(i as u32)) {
                    None => uses.uncalled = true,
                    Some(&(n, false)) => {
                        uses.arities.insert(n);
                    }
                    // Calls with several counts: only a variadic method matches.
                    Some(&(_, true)) => {}
                }
            }
        }
        out
    }

    /// Whether a selector names `method` in a way a call with `arity`
    /// arguments (`None`: variadic, any count) could be.
    fn called(&self, method: &str, arity: Option<usize>) -> bool {
        let Some(uses) = self.by_name.get(method) else {
            return false;
        };
        match arity {
            None => true,
            Some(n) => uses.uncalled || uses.arities.contains(&n),
        }
    }
}

/// A closure stored in a func field of a test double (`OnUpdate:
/// func(e *Event) {...}` for `type fakeSink struct{ OnUpdate func(*Event) }`
/// declared in a `_test.go` file) whose every call (`t.OnUpdate(e)`) sits
/// in a test method that nothing calls by name, such as the `Update` of a
/// sink interface the code under test never uses: the closure never runs.
fn dead_test_hook(ctx: &RuleContext<'_>, f: &Function) -> bool {
    let goconc_semantic::body::FuncNode::Lit(lit) = f.def.node else {
        return false;
    };
    let Some(model) = ctx.model() else {
        return false;
    };
    // Cheap test first: the hook's type must be declared in a test file.
    let test_types = model.pkg.files.iter().any(|src| {
        crate::is_test_path(&src.path)
            && src
                .ast
                .specs
                .iter()
                .any(|spec| matches!(&spec.kind, goconc_syntax::ast::SpecKind::Type { .. }))
    });
    if !test_types {
        return false;
    }
    let Some((file, info)) = ctx.program.file_of(f) else {
        return false;
    };
    // The field the closure is stored in, and the literal's type.
    let hook = file.exprs.iter().enumerate().find_map(|(i, e)| {
        let ExprKind::CompositeLit { elts, .. } = &e.kind else {
            return None;
        };
        elts.iter().find_map(|&el| match &file.expr(el).kind {
            ExprKind::KeyValue { key, value } if file.unparen(*value) == lit => {
                match &file.expr(*key).kind {
                    ExprKind::Ident(k) => Some((
                        file.name(*k).to_string(),
                        info.ty(goconc_syntax::ast::ExprId(i as u32))
                            .strip_pointer()
                            .clone(),
                    )),
                    _ => None,
                }
            }
            _ => None,
        })
    });
    let Some((field, owner)) = hook else {
        return false;
    };
    let Some(owner) = owner.as_named().filter(|n| n.pkg == model.pkg.path) else {
        return false;
    };
    // Only a type declared in a test file: nothing outside the package's
    // tests can call the hook.
    let declared_in_test = model.pkg.files.iter().any(|src| {
        crate::is_test_path(&src.path)
            && src.ast.specs.iter().any(|spec| {
                matches!(&spec.kind, goconc_syntax::ast::SpecKind::Type { name, .. }
                    if src.ast.name(*name) == &*owner.name)
            })
    });
    if !declared_in_test {
        return false;
    }
    // Every call of the hook field is in a test method nobody calls.
    let mut callers = 0;
    for (fi, src) in model.pkg.files.iter().enumerate() {
        let gfile = &*src.ast;
        for e in &gfile.exprs {
            let ExprKind::Call { fun, .. } = &e.kind else {
                continue;
            };
            let is_hook = matches!(&gfile.expr(gfile.unparen(*fun)).kind,
                ExprKind::Selector { sel, .. } if gfile.name(*sel) == field);
            if !is_hook {
                continue;
            }
            callers += 1;
            let caller = ctx.functions().find(|g| {
                g.def.parent.is_none()
                    && g.def.file as usize == fi
                    && g.def.span.contains(e.span.start)
            });
            if !caller.is_some_and(|g| uncalled_test_method(ctx, g)) {
                return false;
            }
        }
    }
    callers > 0
}

/// Blocks on a cycle through `b` (its strongly connected component).
pub(crate) fn loop_blocks(f: &Function, b: BlockId) -> FxHashSet<BlockId> {
    let fwd = reach(f, b, true);
    let bwd = reach(f, b, false);
    fwd.intersection(&bwd).copied().collect()
}

/// Blocks reachable from `start` (including it).
pub(crate) fn reach_from(f: &Function, start: BlockId) -> FxHashSet<BlockId> {
    reach(f, start, true)
}

fn reach(f: &Function, start: BlockId, forward: bool) -> FxHashSet<BlockId> {
    let mut seen: FxHashSet<BlockId> = FxHashSet::default();
    let mut stack = vec![start];
    seen.insert(start);
    while let Some(b) = stack.pop() {
        let Some(block) = f.cfg.blocks.get(b.index()) else {
            continue;
        };
        let next = if forward { &block.succs } else { &block.preds };
        for &n in next {
            if seen.insert(n) {
                stack.push(n);
            }
        }
    }
    seen
}

/// `select {}` and endless `for` loops in goroutines.
fn check_endless_goroutines(ctx: &RuleContext<'_>, findings: &mut Vec<Finding>) {
    let program = ctx.program;
    let mut targets: Vec<_> = goroutine_targets(ctx)
        .iter()
        .map(|(k, v)| (*k, *v))
        .collect();
    targets.sort_by_key(|(t, _)| *t);
    for (target, (spawn_span, spawner)) in targets {
        let Some(f) = program.function(target) else {
            continue;
        };
        // Goroutines started by plain functions (init, main, process-wide
        // setup) are usually meant to live as long as the process; one
        // started by a method lives per instance and must end with it.
        // A top-level function without parameters cannot reach any
        // instance: it serves the whole process (a runtime-style daemon).
        let process_wide =
            f.def.parent.is_none() && f.def.recv.is_none() && f.def.params.is_empty();
        if process_wide
            || !(started_per_instance(program, spawner) || started_with_context(ctx, spawner))
            || started_once_per_process(program, spawner)
            || program
                .function(spawner)
                .is_some_and(|s| singletons::runs_once_per_process(ctx, s))
            || std::iter::successors(Some(f), |w| enclosing(program, w)).any(|w| {
                w.def
                    .recv_type
                    .as_ref()
                    .is_some_and(|t| singletons::singleton_type(ctx, t))
            })
        {
            continue;
        }
        if f.pkg != ctx.package || f.def.name.ends_with(".main") {
            continue;
        }
        let Some((file, info)) = program.file_of(f) else {
            continue;
        };
        let reachable = f.cfg.reachable();
        let exits = reachable.get(f.cfg.exit.index()).copied().unwrap_or(true)
            || reachable.get(f.cfg.abort.index()).copied().unwrap_or(true);
        // Ways out that wait on the Done channel of a context nobody can
        // cancel (`context.Background()`) are no ways out.
        let mut waits_forever_on: Option<(String, Uncancelled, Span)> = None;
        if exits {
            let dead = uncancellable_done_waits(ctx, f, file, info);
            let Some((text, reason, wait_span)) = dead.values().next().cloned() else {
                continue;
            };
            if exits_avoiding(f, &|b| dead.contains_key(&b)) {
                continue;
            }
            waits_forever_on = Some((text, reason, wait_span));
        }
        // The first reachable statement that never completes: an empty
        // select or a loop head.
        let mut at = None;
        for &b in f.cfg.reverse_postorder() {
            let block = f.cfg.block(b);
            for (_, op) in f.block_ops(b) {
                if let OpKind::Select {
                    cases: 0,
                    has_default: false,
                    ..
                } = op.kind
                {
                    at = Some((op.span, "select {} parks it"));
                    break;
                }
            }
            if at.is_some() {
                break;
            }
            if block.kind == BlockKind::LoopHead {
                at = loop_stmt_span(file, f, b).map(|s| (s, "this loop has no exit"));
                if at.is_some() {
                    break;
                }
            }
        }
        let (span, why) = match (&waits_forever_on, at) {
            (Some((text, reason, wait_span)), _) => (
                *wait_span,
                format!(
                    "its only way out waits on {text}.Done(), and {}",
                    reason.why(text)
                ),
            ),
            (None, Some((span, why))) => (span, why.to_string()),
            (None, None) => continue,
        };
        let suggestion = match &waits_forever_on {
            Some((_, Uncancelled::LostCancel { field, .. }, _)) => format!(
                "call the stored {field} when the owner stops or removes it (Close, Stop, Deregister)"
            ),
            Some(_) => "pass the goroutine a context its owner cancels on shutdown (context.WithCancel), or a stop channel it closes".to_string(),
            None => "give the goroutine a way out: return on <-ctx.Done() or on a stop channel closed by its owner".to_string(),
        };
        let mut finding = Finding::new(
            UnmatchedChannelOp::META.code,
            FileIdx(f.def.file as usize),
            span,
            format!("goroutine never exits: {why}"),
        )
        .related(
            FileIdx(program.function(spawner).map_or(f.def.file, |s| s.def.file) as usize),
            spawn_span,
            "goroutine started here",
        );
        if let Some((_, Uncancelled::LostCancel { store, .. }, _)) = &waits_forever_on {
            finding = finding.related(
                FileIdx(store.0),
                store.1,
                "the cancel func is stored here and never called",
            );
        }
        findings.push(finding.suggest(suggestion));
    }
}

/// Whether `f` looks at a context (`ctx.Done()`, `ctx.Err()`): its life is
/// tied to one, even when its owner has no Close.
fn observes_context(f: &Function) -> bool {
    f.ops
        .iter()
        .any(|(_, op)| matches!(op.kind, OpKind::CtxObserve { .. }))
}

/// Whether the normal exit (or a panic) of `f` is reachable from its entry
/// through blocks that are not `excluded`.
fn exits_avoiding(f: &Function, excluded: &dyn Fn(BlockId) -> bool) -> bool {
    let mut seen = vec![false; f.cfg.blocks.len()];
    let mut stack = vec![f.cfg.entry];
    while let Some(b) = stack.pop() {
        if b == f.cfg.exit || b == f.cfg.abort {
            return true;
        }
        if seen.get(b.index()).copied().unwrap_or(true) || excluded(b) {
            continue;
        }
        seen[b.index()] = true;
        stack.extend(f.cfg.block(b).succs.iter().copied());
    }
    false
}

/// Blocks of `f` that wait on `<-X.Done()` (a select clause or a plain
/// receive) where `X` can never be cancelled (see [`never_cancelled_context`]).
/// Maps each block to (X, why, wait span).
fn uncancellable_done_waits(
    ctx: &RuleContext<'_>,
    f: &Function,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
) -> BTreeMap<BlockId, (String, Uncancelled, Span)> {
    let mut out = BTreeMap::new();
    for (bi, block) in f.cfg.blocks.iter().enumerate() {
        let waited = block.nodes.iter().find_map(|n| {
            let (span, e) = receive_node(file, n)?;
            let ExprKind::Unary {
                op: goconc_syntax::ast::Op::Arrow,
                x,
            } = &file.expr(file.unparen(e)).kind
            else {
                return None;
            };
            let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(*x)).kind else {
                return None;
            };
            let ExprKind::Selector { x: context, sel } = &file.expr(file.unparen(*fun)).kind else {
                return None;
            };
            if !args.is_empty() || file.name(*sel) != "Done" {
                return None;
            }
            let context = file.unparen(*context);
            let t = info.ty(context);
            if !(t.is_named("context", "Context")
                || ctx.program.underlying(t).is_named("context", "Context"))
            {
                return None;
            }
            never_cancelled_context(ctx, file, info, context)
                .map(|reason| (file.text(file.expr(context).span).to_string(), reason, span))
        });
        if let Some(w) = waited {
            out.insert(BlockId(bi as u32), w);
        }
    }
    out
}

/// Why a context can never be cancelled.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Uncancelled {
    /// `context.Background()` or `context.TODO()`.
    Root,
    /// Derived with `context.WithCancel`, whose cancel func is only stored
    /// into an unexported field that nothing in the package reads.
    LostCancel {
        field: String,
        /// Where it is stored: file of the package and span.
        store: (usize, Span),
    },
}

impl Uncancelled {
    fn why(&self, text: &str) -> String {
        match self {
            Uncancelled::Root => format!(
                "{text} is context.Background()/TODO(), which nothing can cancel"
            ),
            Uncancelled::LostCancel { field, .. } => format!(
                "nothing calls the cancel func of {text}: it is stored in the field {field}, which nothing reads"
            ),
        }
    }
}

/// How many steps (a local, a parameter to its arguments, a field to its
/// stores) [`never_cancelled_context`] follows.
const CONTEXT_PARAM_DEPTH: u32 = 3;

/// Whether the context expression `e` (a local, a parameter or a field) can
/// never be cancelled: it is only ever `context.Background()`/`TODO()`,
/// or derived with `context.WithCancel` whose cancel func is lost.
fn never_cancelled_context(
    ctx: &RuleContext<'_>,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    e: goconc_syntax::ast::ExprId,
) -> Option<Uncancelled> {
    never_cancelled(ctx, file, info, e, CONTEXT_PARAM_DEPTH)
}

fn never_cancelled(
    ctx: &RuleContext<'_>,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    e: goconc_syntax::ast::ExprId,
    depth: u32,
) -> Option<Uncancelled> {
    use goconc_semantic::body::{LocalKind, Res};
    let e = file.unparen(e);
    if root_context_call(file, e) {
        return Some(Uncancelled::Root);
    }
    // Every step below may recurse (a field stored from a parameter stored
    // from a field...): a budget keeps cycles finite.
    let depth = depth.checked_sub(1)?;
    match &file.expr(e).kind {
        ExprKind::Ident(_) => {
            let Res::Local(id) = info.res(e) else {
                return None;
            };
            let local = info.local(*id)?;
            if local.reassigned {
                return None;
            }
            match local.kind {
                LocalKind::Var => {
                    if local.init.is_some_and(|i| root_context_call(file, i)) {
                        return Some(Uncancelled::Root);
                    }
                    let cancel = with_cancel_partner(file, info, local.span)?;
                    lost_cancel(ctx, file, info, cancel)
                }
                LocalKind::Param(index) => {
                    let func = *ctx.model()?.funcs.get(local.func as usize)?;
                    only_given_uncancelled(ctx, func, index as usize, depth)
                }
                _ => None,
            }
        }
        ExprKind::Selector { x, sel } => {
            let field = file.name(*sel);
            let owner = if is_promoted(info, e) {
                Type::Unknown
            } else {
                info.ty(*x).strip_pointer().clone()
            };
            let model = ctx.model()?;
            // Every store of this field (of a type that may be the owner),
            // in any file.
            let mut reason = None;
            for (source, f_info) in model.pkg.files.iter().zip(&model.files) {
                let f = &*source.ast;
                for (value, store_owner) in field_stores(f, f_info, field) {
                    if !may_be_same_type(&owner, &store_owner) {
                        continue;
                    }
                    let value = value?;
                    let r = never_cancelled(ctx, f, f_info, value, depth)?;
                    reason = Some(merge_reasons(reason, r));
                }
            }
            reason
        }
        _ => None,
    }
}

/// Whether the selector `e` selects a field promoted through an embedded
/// field (its owner is not the type of its base).
fn is_promoted(info: &goconc_semantic::body::FileInfo, e: goconc_syntax::ast::ExprId) -> bool {
    matches!(
        info.selection(e),
        Some(Selection::Field { embedded, .. }) if !embedded.is_empty()
    )
}

/// Types that may be the same: equal, or one of them unknown.
fn may_be_same_type(a: &Type, b: &Type) -> bool {
    matches!(a, Type::Unknown) || matches!(b, Type::Unknown) || a == b
}

/// The stores into a field named `field` in `file`: composite literal
/// keys (`T{field: v}`) and assignments (`x.field = v`), each with the
/// stored value (`None` when it cannot be told, as in `x.field, y = f()`)
/// and the type owning the field (pointers stripped; Unknown if not known).
fn field_stores(
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    field: &str,
) -> Vec<(Option<goconc_syntax::ast::ExprId>, Type)> {
    let mut out = Vec::new();
    for (i, lit) in file.exprs.iter().enumerate() {
        let ExprKind::CompositeLit { elts, .. } = &lit.kind else {
            continue;
        };
        let owner = info
            .ty(goconc_syntax::ast::ExprId(i as u32))
            .strip_pointer()
            .clone();
        for &elt in elts {
            if let ExprKind::KeyValue { key, value } = &file.expr(elt).kind {
                if matches!(&file.expr(*key).kind, ExprKind::Ident(id) if file.name(*id) == field) {
                    out.push((Some(*value), owner.clone()));
                }
            }
        }
    }
    for st in &file.stmts {
        let StmtKind::Assign { lhs, rhs, .. } = &st.kind else {
            continue;
        };
        for (i, l) in lhs.iter().enumerate() {
            let target = file.unparen(*l);
            if let ExprKind::Selector { x, sel } = &file.expr(target).kind {
                if file.name(*sel) == field {
                    let value = (lhs.len() == rhs.len()).then(|| rhs[i]);
                    let owner = if is_promoted(info, target) {
                        Type::Unknown
                    } else {
                        info.ty(*x).strip_pointer().clone()
                    };
                    out.push((value, owner));
                }
            }
        }
    }
    out
}

/// The reason to give when stores differ: a lost cancel is the one to fix.
fn merge_reasons(seen: Option<Uncancelled>, new: Uncancelled) -> Uncancelled {
    match seen {
        Some(lost @ Uncancelled::LostCancel { .. }) => lost,
        _ => new,
    }
}

/// The cancel func of `ctx, cancel := context.WithCancel(parent)` (or
/// `WithCancelCause`) declaring the context local at `ctx_span`.
fn with_cancel_partner(
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    ctx_span: Span,
) -> Option<goconc_semantic::body::LocalId> {
    for st in &file.stmts {
        let StmtKind::Assign {
            lhs,
            op: goconc_syntax::ast::AssignOp::Define,
            rhs,
            ..
        } = &st.kind
        else {
            continue;
        };
        let (&[ctx_id, cancel_id], &[call]) = (&lhs[..], &rhs[..]) else {
            continue;
        };
        if file.expr(ctx_id).span != ctx_span {
            continue;
        }
        let ExprKind::Call { fun, .. } = &file.expr(file.unparen(call)).kind else {
            return None;
        };
        if !derives_cancellable(file, info, *fun) {
            return None;
        }
        return match info.res(cancel_id) {
            goconc_semantic::body::Res::Local(id) => Some(*id),
            _ => None,
        };
    }
    None
}

/// Whether `fun` (the callee of a call) is `context.WithCancel` or
/// `context.WithCancelCause`.
pub(crate) fn derives_cancellable(
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    fun: goconc_syntax::ast::ExprId,
) -> bool {
    let fun = file.unparen(fun);
    let ExprKind::Selector { sel, .. } = &file.expr(fun).kind else {
        return false;
    };
    matches!(
        info.selection(fun),
        Some(Selection::Qualified(r)) if &*r.pkg == "context"
    ) && matches!(file.name(*sel), "WithCancel" | "WithCancelCause")
}

/// Whether the cancel func local `cancel` is never called: every use of it
/// stores it into an unexported field (`l := &lease{cancel: cancel}`,
/// `s.cancel = cancel`) that nothing in the package reads.
fn lost_cancel(
    ctx: &RuleContext<'_>,
    file: &goconc_syntax::File,
    info: &goconc_semantic::body::FileInfo,
    cancel: goconc_semantic::body::LocalId,
) -> Option<Uncancelled> {
    let declared = info.local(cancel)?.span;
    let is_use = |e: goconc_syntax::ast::ExprId| {
        matches!(info.res(e), goconc_semantic::body::Res::Local(id) if *id == cancel)
            && file.expr(e).span != declared
    };
    let mut uses = 0;
    for (i, x) in file.exprs.iter().enumerate() {
        if matches!(x.kind, ExprKind::Ident(_)) && is_use(goconc_syntax::ast::ExprId(i as u32)) {
            uses += 1;
        }
    }
    // The fields it is stored into, by key or by assignment.
    let mut fields: Vec<(String, Type)> = Vec::new();
    let mut stores = 0;
    let mut first_store: Option<Span> = None;
    for (i, lit) in file.exprs.iter().enumerate() {
        let ExprKind::CompositeLit { elts, .. } = &lit.kind else {
            continue;
        };
        for &elt in elts {
            let ExprKind::KeyValue { key, value } = &file.expr(elt).kind else {
                continue;
            };
            if !is_use(file.unparen(*value)) {
                continue;
            }
            let ExprKind::Ident(id) = &file.expr(*key).kind else {
                return None;
            };
            let owner = info
                .ty(goconc_syntax::ast::ExprId(i as u32))
                .strip_pointer()
                .clone();
            fields.push((file.name(*id).to_string(), owner));
            stores += 1;
            first_store.get_or_insert(file.expr(elt).span);
        }
    }
    for st in &file.stmts {
        if let StmtKind::Assign { lhs, rhs, .. } = &st.kind {
            for (l, r) in lhs.iter().zip(rhs.iter()) {
                if !is_use(file.unparen(*r)) {
                    continue;
                }
                let target = file.unparen(*l);
                let ExprKind::Selector { x, sel } = &file.expr(target).kind else {
                    return None;
                };
                let owner = if is_promoted(info, target) {
                    Type::Unknown
                } else {
                    info.ty(*x).strip_pointer().clone()
                };
                fields.push((file.name(*sel).to_string(), owner));
                stores += 1;
                first_store.get_or_insert(st.span);
            }
        }
    }
    if uses == 0 || stores != uses {
        return None;
    }
    fields.dedup();
    let [(field, owner)] = &fields[..] else {
        return None;
    };
    if matches!(owner, Type::Unknown)
        || !field.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
    {
        return None;
    }
    // Nothing reads the field: every selector naming it on a type that may
    // be the owner is assigned to.
    let model = ctx.model()?;
    for (source, f_info) in model.pkg.files.iter().zip(&model.files) {
        let f = &*source.ast;
        let mut assigned: Vec<Span> = Vec::new();
        for st in &f.stmts {
            if let StmtKind::Assign { lhs, .. } = &st.kind {
                assigned.extend(lhs.iter().map(|&l| f.expr(f.unparen(l)).span));
            }
        }
        for (i, x) in f.exprs.iter().enumerate() {
            if let ExprKind::Selector { x: base, sel } = &x.kind {
                // A field promoted through an embedded type (`kcm.cancel`
                // where `kcm` embeds `*Provider`) may be this one.
                let promoted = is_promoted(f_info, goconc_syntax::ast::ExprId(i as u32));
                if f.name(*sel) == field
                    && (promoted || may_be_same_type(f_info.ty(*base).strip_pointer(), owner))
                    && !assigned.contains(&x.span)
                {
                    return None;
                }
            }
        }
    }
    let file_index = model
        .pkg
        .files
        .iter()
        .position(|source| std::ptr::eq(&*source.ast, file))?;
    Some(Uncancelled::LostCancel {
        field: field.clone(),
        store: (file_index, first_store?),
    })
}

/// Whether every call in the package of the unexported function `func`
/// passes, as argument `index`, a context that can never be cancelled.
fn only_given_uncancelled(
    ctx: &RuleContext<'_>,
    func: FuncId,
    index: usize,
    depth: u32,
) -> Option<Uncancelled> {
    let program = ctx.program;
    let f = program.function(func)?;
    let exported = f
        .def
        .name
        .rsplit('.')
        .next()
        .is_some_and(|n| n.starts_with(|c: char| c.is_uppercase()));
    if exported {
        return None;
    }
    let mut reason = None;
    for g in ctx.functions() {
        let Some((file, info)) = program.file_of(g) else {
            continue;
        };
        for (_, op) in &g.ops {
            let OpKind::Call {
                callee: Callee::Func(c),
                ..
            } = &op.kind
            else {
                continue;
            };
            if *c != func {
                continue;
            }
            let ExprKind::Call { args, .. } = &file.expr(file.unparen(op.expr?)).kind else {
                return None;
            };
            let r = never_cancelled(ctx, file, info, *args.get(index)?, depth)?;
            reason = Some(merge_reasons(reason, r));
        }
    }
    reason
}

/// Whether `spawner` runs inside a function handed to `Do` of a
/// package-level `sync.Once` (`cleanerOnce.Do(func() { go janitor() })`):
/// whatever it starts exists at most once per process, like a goroutine
/// started by `init`, however many instances reach the `Do`.
fn started_once_per_process(program: &Program, spawner: FuncId) -> bool {
    let Some(spawner) = program.function(spawner) else {
        return false;
    };
    let mut chain = vec![spawner];
    chain.extend(super::waitgroup_misuse::flow::ancestors(program, spawner));
    chain.windows(2).any(|pair| {
        let (child, parent) = (pair[0], pair[1]);
        let global_once_spans: Vec<Span> = parent
            .ops
            .iter()
            .filter_map(|(_, op)| match &op.kind {
                OpKind::OnceDo { path: Some(path) } if matches!(path.base, Base::Global(_)) => {
                    Some(op.span)
                }
                _ => None,
            })
            .collect();
        parent.ops.iter().any(|(_, op)| match &op.kind {
            OpKind::Call {
                func_arg: Some(arg),
                ..
            } => arg.func == FuncArg::Func(child.id) && global_once_spans.contains(&op.span),
            _ => false,
        })
    })
}

/// The function a closure is defined in.
pub(super) fn enclosing<'p>(program: &'p Program, f: &Function) -> Option<&'p Function> {
    let parent = f.def.parent?;
    let first = program
        .packages
        .get(f.pkg as usize)
        .and_then(|p| p.funcs.first())
        .map_or(0, |id| id.0);
    program.function(FuncId(first + parent))
}

/// Whether `spawner` (or the declared function enclosing it) is a method.
fn started_per_instance(program: &Program, spawner: FuncId) -> bool {
    let mut cur = program.function(spawner);
    for _ in 0..64 {
        let Some(f) = cur else { return false };
        if f.def.parent.is_none() {
            return f.def.recv.is_some();
        }
        cur = enclosing(program, f);
    }
    false
}

/// Whether the spawner or a function enclosing it takes a
/// `context.Context`: what it starts is scoped to that context, not to the
/// process. An unexported function that every caller hands
/// `context.Background()`/`TODO()` is process-scoped after all.
fn started_with_context(ctx: &RuleContext<'_>, spawner: FuncId) -> bool {
    let program = ctx.program;
    let mut cur = program.function(spawner);
    for _ in 0..64 {
        let Some(f) = cur else { return false };
        let context_param = f.def.params.iter().position(|&l| {
            program
                .packages
                .get(f.pkg as usize)
                .and_then(|p| p.files.get(f.def.file as usize))
                .and_then(|info| info.local(l))
                .is_some_and(|local| local.ty.is_named("context", "Context"))
        });
        if let Some(index) = context_param {
            return !only_given_root_contexts(ctx, f, index);
        }
        cur = enclosing(program, f);
    }
    false
}

/// `context.Background()` or `context.TODO()`.
fn root_context_call(file: &goconc_syntax::File, e: goconc_syntax::ast::ExprId) -> bool {
    let ExprKind::Call { fun, args, .. } = &file.expr(file.unparen(e)).kind else {
        return false;
    };
    let ExprKind::Selector { x, sel } = &file.expr(file.unparen(*fun)).kind else {
        return false;
    };
    args.is_empty()
        && matches!(file.name(*sel), "Background" | "TODO")
        && file.text(file.expr(*x).span) == "context"
}

/// `f` is an unexported top-level function, called at least once in the
/// package, and every call passes `context.Background()` or
/// `context.TODO()` as argument `index`.
fn only_given_root_contexts(ctx: &RuleContext<'_>, f: &Function, index: usize) -> bool {
    // With no steps to follow, only `context.Background()`/`TODO()`
    // arguments themselves count as never cancelled.
    f.def.parent.is_none()
        && f.def.recv.is_none()
        && only_given_uncancelled(ctx, f.id, index, 0) == Some(Uncancelled::Root)
}

/// The `for` statement whose loop head is `head`: the innermost `for`
/// statement containing the first node of the head (or of the block it
/// leads to, for a `for {}` head without condition).
fn loop_stmt_span(file: &goconc_syntax::File, f: &Function, head: BlockId) -> Option<Span> {
    let mut pos = None;
    let mut b = head;
    for _ in 0..4 {
        let block = f.cfg.block(b);
        if let Some(&n) = block.nodes.first() {
            pos = Some(node_pos(file, n));
            break;
        }
        match block.succs.first() {
            Some(&s) if s != head => b = s,
            _ => break,
        }
    }
    let within = f.def.span;
    let mut best: Option<Span> = None;
    for st in &file.stmts {
        if !matches!(st.kind, StmtKind::For { .. } | StmtKind::Range { .. })
            || st.span.start < within.start
            || st.span.end > within.end
        {
            continue;
        }
        let contains = match pos {
            Some(p) => st.span.start <= p && p < st.span.end,
            None => matches!(st.kind, StmtKind::For { cond: None, .. }),
        };
        if contains && best.is_none_or(|bs| st.span.start > bs.start) {
            best = Some(st.span);
        }
    }
    best
}

fn node_pos(file: &goconc_syntax::File, n: goconc_semantic::cfg::Node) -> u32 {
    use goconc_semantic::cfg::Node;
    match n {
        Node::Cond(e) => file.expr(e).span.start,
        Node::Stmt(s) | Node::RangeInit(s) | Node::RangeNext(s) | Node::Select(s) => {
            file.stmt(s).span.start
        }
        Node::SelectCase { clause, .. } => file.stmt(clause).span.start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&UnmatchedChannelOp);
    }

    fn run(src: &str) -> Vec<Finding> {
        crate::testing::check_source(&UnmatchedChannelOp, src)
    }

    #[test]
    fn range_never_closed_through_helper_parameter() {
        // The channel flows into an unexported helper that never closes it.
        let src = "package app\n\nfunc produce(out chan int) {\n\tout <- 1\n}\n\nfunc Sum() int {\n\tch := make(chan int)\n\tgo produce(ch)\n\tn := 0\n\tfor v := range ch {\n\t\tn += v\n\t}\n\treturn n\n}\n";
        let findings = run(src);
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(
            findings[0].message,
            "range over ch never ends: ch is never closed"
        );
        assert_eq!(findings[0].related.len(), 1);
    }

    #[test]
    fn channels_from_unresolved_libraries_are_open() {
        // The library is not on disk: its ServeBackground and List may
        // well send on the channels they return, and close them.
        let src = "package app\n\nimport (\n\t\"context\"\n\n\t\"example.com/nowhere/lib\"\n)\n\ntype App struct{ svc *lib.Supervisor }\n\nfunc (a *App) Start(ctx context.Context) {\n\terrc := a.svc.ServeBackground(ctx)\n\tgo a.wait(errc)\n}\n\nfunc (a *App) wait(errc <-chan error) { _ = <-errc }\n\nfunc (a *App) Next(ctx context.Context) error {\n\tres, err := a.svc.List(ctx)\n\tif err != nil {\n\t\treturn err\n\t}\n\treturn <-res\n}\n";
        let findings = run(src);
        assert!(findings.is_empty(), "{findings:?}");
        // A channel the package makes itself is still judged.
        let own = "package app\n\nfunc Wait() {\n\tch := make(chan int)\n\t<-ch\n}\n";
        assert_eq!(run(own).len(), 1);
    }

    #[test]
    fn literal_fields_holding_unresolved_library_channels_are_open() {
        // The result of FindProvidersAsync has no known type (the library is
        // not on disk), but the field it fills is a channel: the library may
        // close it.
        let src = "package app\n\nimport (\n\t\"context\"\n\n\t\"example.com/nowhere/routing\"\n)\n\ntype peerIter struct {\n\tch     <-chan string\n\tcancel context.CancelFunc\n}\n\nfunc find(ctx context.Context, r routing.Router) *peerIter {\n\tctx, cancel := context.WithCancel(ctx)\n\tch := r.FindProvidersAsync(ctx, 10)\n\treturn &peerIter{ch: ch, cancel: cancel}\n}\n\nfunc (it *peerIter) Next() (string, bool) {\n\tp, ok := <-it.ch\n\treturn p, ok\n}\n";
        assert!(run(src).is_empty(), "{:?}", run(src));
        // Filled with nothing at all, the field stays nil.
        let unfilled = src.replace("ch: ch, cancel: cancel", "cancel: cancel");
        assert_eq!(run(&unfilled).len(), 1, "{:?}", run(&unfilled));
    }

    #[test]
    fn goroutines_main_starts_live_with_the_process() {
        let tool = "package main\n\nimport (\n\t\"context\"\n\t\"time\"\n)\n\ntype beacon interface{ Send([]byte) }\n\nfunc send(bc beacon) {\n\tfor {\n\t\tbc.Send(nil)\n\t\ttime.Sleep(time.Second)\n\t}\n}\n\nfunc runBeacon(ctx context.Context, bc beacon) {\n\tgo send(bc)\n}\n\nfunc main() {\n\tctx := context.Background()\n\trunBeacon(ctx, nil)\n\trunBeacon(ctx, nil)\n\tselect {}\n}\n";
        assert!(run(tool).is_empty(), "{:?}", run(tool));
        // A library's exported entry point may run many times.
        let library = tool
            .replacen("package main", "package app", 1)
            .replace("runBeacon", "RunBeacon");
        assert_eq!(run(&library).len(), 1, "{:?}", run(&library));
    }

    #[test]
    fn main_blocking_forever_is_the_serve_until_killed_idiom() {
        let server = "package main\n\nimport \"net\"\n\nfunc serve(ln net.Listener) {\n\tfor {\n\t\tc, err := ln.Accept()\n\t\tif err != nil {\n\t\t\treturn\n\t\t}\n\t\tgo func() { _ = c.Close() }()\n\t}\n}\n\nfunc main() {\n\tln, err := net.Listen(\"tcp\", \":9000\")\n\tif err != nil {\n\t\tpanic(err)\n\t}\n\tgo serve(ln)\n\tforever := make(chan struct{})\n\t<-forever\n}\n";
        assert!(run(server).is_empty(), "{:?}", run(server));
        // The same wait anywhere else blocks a goroutine for good.
        let library = server
            .replacen("package main", "package app", 1)
            .replace("func main()", "func Run()");
        let found = run(&library);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .message
            .contains("receive from forever blocks forever"));
        // A wait for a shutdown signal nobody sends: the cleanup after it
        // never runs.
        let shutdown = server.replace("\t<-forever\n", "\t<-forever\n\t_ = ln.Close()\n");
        assert_eq!(run(&shutdown).len(), 1, "{:?}", run(&shutdown));
    }

    #[test]
    fn exported_helper_parameter_is_open() {
        // Callers outside the package may pass channels they close.
        let src = "package app\n\nfunc Drain(in chan int) int {\n\tn := 0\n\tfor v := range in {\n\t\tn += v\n\t}\n\treturn n\n}\n";
        assert!(run(src).is_empty());
    }

    #[test]
    fn broken_input_does_not_panic() {
        for src in [
            "package app\nfunc (s *S) F() { go func() { for { } }(); select {} }",
            "package app\ntype S struct{ c chan int }\nfunc (s *S) F() { go func() { <-s.c; s.c <- 1; for range s.c {} }() ",
            "package app\nfunc F(c chan int) { go F(c); F(<-c); close(c); for range c {} }",
        ] {
            let _ = run(src);
        }
    }
}
