//! Access paths and the concurrency operations found in CFG nodes.
//!
//! [`Op`]s are what rules and summaries reason about: lock operations,
//! channel operations, WaitGroup/Cond/Once operations, context observation,
//! sleeps, and calls (with their callee and the access paths of receiver and
//! arguments). Each op carries its [`Mode`]: performed now, deferred, spawned
//! in a goroutine, or the communication of a select clause.

use std::fmt;

use goconc_syntax::ast::{ExprId, ExprKind, Op as AstOp, Span, StmtId, StmtKind};
use goconc_syntax::File;
use smallvec::SmallVec;

use crate::body::{FileInfo, LocalId, LocalKind, Res};
use crate::env::{Builtin, Env, Selection};
use crate::package::{ObjKind, ObjRef};
use crate::types::{Sym, Type};

/// Identifies a function with a body in the program (index into
/// [`crate::Program::functions`]).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct FuncId(pub u32);

/// A local variable anywhere in the program: analysed package index, file
/// index in that package, local index in the file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct LocalKey {
    pub pkg: u32,
    pub file: u32,
    pub local: LocalId,
}

/// The root of an access path.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Base {
    /// A local variable, parameter, receiver or result.
    Local(LocalKey),
    /// A package-level variable.
    Global(ObjRef),
}

/// One step of an access path.
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum PathElem {
    /// A field (implicit embedded fields included: `s.Lock()` on a struct
    /// embedding `sync.Mutex` locks `s.Mutex`).
    Field(Sym),
    /// Any element of a slice, array or map (`s.shards[i].mu` → `s.shards[*].mu`).
    Index,
}

/// A variable plus a field chain naming a memory location such as a mutex
/// (`s.mu`, `s.cache.mu`, global `mu`). Pointer dereferences are transparent.
/// Paths are compared structurally; across calls they are translated with
/// [`crate::Program::substitute`].
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AccessPath {
    pub base: Base,
    pub fields: SmallVec<[PathElem; 2]>,
}

impl AccessPath {
    pub fn with_field(mut self, name: Sym) -> AccessPath {
        self.fields.push(PathElem::Field(name));
        self
    }
    /// Replaces the base by `new_base` (a path), keeping the field chain.
    pub fn rebase(&self, new_base: &AccessPath) -> AccessPath {
        let mut fields = new_base.fields.clone();
        fields.extend(self.fields.iter().cloned());
        AccessPath {
            base: new_base.base.clone(),
            fields,
        }
    }
}

impl fmt::Debug for AccessPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.base {
            Base::Local(k) => write!(f, "local{}:{}:{}", k.pkg, k.file, k.local.0)?,
            Base::Global(r) => write!(f, "{}#{}", r.pkg, r.idx)?,
        }
        for e in &self.fields {
            match e {
                PathElem::Field(n) => write!(f, ".{n}")?,
                PathElem::Index => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// Mutex operations (sync.Mutex, sync.RWMutex, sync.Locker).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LockOp {
    Lock,
    Unlock,
    RLock,
    RUnlock,
    TryLock,
    TryRLock,
}

/// Read or write hold of a lock.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum LockKind {
    Write,
    Read,
}

impl LockOp {
    /// The hold this op acquires or releases.
    pub fn kind(self) -> LockKind {
        match self {
            LockOp::RLock | LockOp::RUnlock | LockOp::TryRLock => LockKind::Read,
            _ => LockKind::Write,
        }
    }
    pub fn acquires(self) -> bool {
        matches!(
            self,
            LockOp::Lock | LockOp::RLock | LockOp::TryLock | LockOp::TryRLock
        )
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ChanOp {
    Send,
    Recv,
    Close,
    /// `for v := range ch`: receives until closed.
    Range,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum WgOp {
    /// `wg.Add(n)`; the constant delta when known.
    Add(Option<i64>),
    Done,
    Wait,
    /// `wg.Go(f)` (Go 1.25).
    Go,
}

#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum CondOp {
    Wait,
    Signal,
    Broadcast,
}

/// What a call calls.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Callee {
    /// A function, method or closure with a body in the program.
    Func(FuncId),
    /// A declared function or method without a body here (dependency).
    External(ObjRef),
    Builtin(Builtin),
    /// Dynamic dispatch through an interface method.
    Interface {
        method: Sym,
        recv: Type,
    },
    /// A call of a function value that could not be resolved.
    Dynamic,
    /// A type conversion `T(x)`.
    Conversion,
}

/// When an op takes effect.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Mode {
    Now,
    /// Registered by `defer`; runs at function exit (also on panic).
    Deferred,
    /// The call of a `go` statement (runs in a new goroutine).
    Spawned,
}

/// The kind of an operation.
#[derive(Clone, PartialEq, Debug)]
pub enum OpKind {
    Lock {
        path: Option<AccessPath>,
        op: LockOp,
    },
    Chan {
        path: Option<AccessPath>,
        op: ChanOp,
        /// The channel's type (element, direction) when known.
        ty: Type,
        /// Communication of a select clause: the select statement.
        select: Option<StmtId>,
    },
    /// Entry of a `select` (blocks unless it has a default clause).
    Select {
        stmt: StmtId,
        has_default: bool,
        cases: u32,
    },
    WaitGroup {
        path: Option<AccessPath>,
        op: WgOp,
    },
    Cond {
        path: Option<AccessPath>,
        op: CondOp,
    },
    /// `once.Do(f)`.
    OnceDo {
        path: Option<AccessPath>,
    },
    /// `ctx.Done()` or `ctx.Err()` on a `context.Context`.
    CtxObserve {
        path: Option<AccessPath>,
    },
    /// `time.Sleep`.
    Sleep,
    /// A channel created with `make(chan T[, n])` and stored in `path`
    /// (`ch := make(...)`, `s.ch = make(...)`, `x := &S{ch: make(...)}`).
    MakeChan {
        path: Option<AccessPath>,
        /// The constant capacity (0 = unbuffered), `None` when not constant.
        cap: Option<i64>,
        /// The channel type.
        ty: Type,
    },
    /// Any call (including the ones above, which also produce their specific op).
    Call {
        callee: Callee,
        recv: Option<AccessPath>,
        /// Access paths of the arguments (empty for builtins and conversions).
        args: Vec<Option<AccessPath>>,
        /// A function-valued argument (or, for `go f()`, the function value
        /// itself) that the callee may run. Boxed: few calls have one, and
        /// inline it would make every op ~80 bytes larger.
        func_arg: Option<Box<FuncArgUse>>,
        /// Indices of arguments of type `context.Context`.
        ctx_args: SmallVec<[u32; 1]>,
    },
}

/// A function value handed to a call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FuncArgUse {
    /// Argument index (`u32::MAX` for the function value of `go f()`).
    pub index: u32,
    pub func: FuncArg,
    /// The callee is known to run it in a new goroutine
    /// (`errgroup.Group.Go`, `sync.WaitGroup.Go`).
    pub spawned: bool,
}

/// A function passed to a spawning call.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FuncArg {
    Func(FuncId),
    /// A parameter of the current function (local).
    Param(LocalKey),
    /// A mutex's own method value (`once.Do(a.mu.Unlock)`): calling it is
    /// that lock operation on that path.
    LockMethod(AccessPath, LockOp),
    Unknown,
}

/// One operation in a CFG node.
#[derive(Clone, PartialEq, Debug)]
pub struct Op {
    pub kind: OpKind,
    pub mode: Mode,
    /// The call, receive or send expression / statement span.
    pub span: Span,
    /// The expression performing the op (call or receive), if any.
    pub expr: Option<ExprId>,
}

impl Op {
    /// Whether this op can block the goroutine on its own.
    pub fn may_block(&self) -> bool {
        if self.mode != Mode::Now {
            return false;
        }
        match &self.kind {
            OpKind::Lock { op, .. } => matches!(op, LockOp::Lock | LockOp::RLock),
            OpKind::Chan { op, select, .. } => select.is_none() && *op != ChanOp::Close,
            OpKind::Select { has_default, .. } => !has_default,
            OpKind::WaitGroup { op, .. } => *op == WgOp::Wait,
            OpKind::Cond { op, .. } => *op == CondOp::Wait,
            OpKind::Sleep => true,
            _ => false,
        }
    }
}

/// Context for op extraction in one function.
pub(crate) struct OpCtx<'a> {
    pub env: &'a Env,
    pub pkg: &'a crate::package::Package,
    pub file: &'a File,
    pub info: &'a FileInfo,
    pub pkg_index: u32,
    pub file_index: u32,
    /// Maps a function literal to its FuncId.
    pub lit_func: &'a dyn Fn(ExprId) -> Option<FuncId>,
    /// Maps an object of an analysed package to its FuncId.
    pub obj_func: &'a dyn Fn(&ObjRef) -> Option<FuncId>,
    /// The closure bound to a function-typed field of this package (see
    /// the `fieldfuncs` module).
    pub field_func: &'a dyn Fn(&crate::fieldfuncs::FieldKey) -> Option<FuncId>,
}

/// Standard-library functions that call their function argument before
/// returning, in the caller's goroutine (sorting, searching, filtering,
/// tree walks).
fn calls_func_arg_synchronously(pkg: &str, name: &str) -> bool {
    match pkg {
        "sort" => matches!(name, "Slice" | "SliceStable" | "Search" | "Find"),
        "slices" => matches!(
            name,
            "SortFunc"
                | "SortStableFunc"
                | "IsSortedFunc"
                | "IndexFunc"
                | "ContainsFunc"
                | "DeleteFunc"
                | "EqualFunc"
                | "CompactFunc"
                | "BinarySearchFunc"
                | "MaxFunc"
                | "MinFunc"
        ),
        "strings" | "bytes" => matches!(
            name,
            "Map"
                | "IndexFunc"
                | "LastIndexFunc"
                | "TrimFunc"
                | "TrimLeftFunc"
                | "TrimRightFunc"
                | "FieldsFunc"
                | "ContainsFunc"
        ),
        "maps" => matches!(name, "DeleteFunc" | "EqualFunc"),
        "path/filepath" => matches!(name, "Walk" | "WalkDir"),
        "io/fs" => name == "WalkDir",
        _ => false,
    }
}

fn is_sync(t: &Type, name: &str) -> bool {
    t.is_named("sync", name)
}

impl OpCtx<'_> {
    fn key(&self, l: LocalId) -> LocalKey {
        LocalKey {
            pkg: self.pkg_index,
            file: self.file_index,
            local: l,
        }
    }

    /// The access path of an expression, if it names a memory location.
    pub fn access_path(&self, e: ExprId) -> Option<AccessPath> {
        self.path_inner(e, 0)
    }

    fn path_inner(&self, e: ExprId, depth: u32) -> Option<AccessPath> {
        if depth > 24 {
            return None;
        }
        let file = self.file;
        let e = file.unparen(e);
        match &file.exprs.get(e.index())?.kind {
            ExprKind::Ident(_) => match self.info.res(e) {
                Res::Local(l) => {
                    let local = self.info.local(*l)?;
                    // Follow `mu := &s.mu` style aliases that are never reassigned.
                    if !local.reassigned && local.kind == LocalKind::Var {
                        if let Some(init) = local.init {
                            let ie = file.unparen(init);
                            // `p := &s.mu` or `ch := s.ch` alias; `m := s.mu`
                            // copies a value and is a different location.
                            let is_path = match file.expr(ie).kind {
                                ExprKind::Unary { op: AstOp::And, .. } => true,
                                ExprKind::Selector { .. } => matches!(
                                    self.env.underlying(&local.ty),
                                    Type::Pointer(_)
                                        | Type::Chan(..)
                                        | Type::Map(_)
                                        | Type::Slice(_)
                                        | Type::Interface(_)
                                ),
                                _ => false,
                            };
                            if is_path {
                                if let Some(p) = self.path_inner(ie, depth + 1) {
                                    return Some(p);
                                }
                            }
                        }
                    }
                    Some(AccessPath {
                        base: Base::Local(self.key(*l)),
                        fields: SmallVec::new(),
                    })
                }
                res @ (Res::Global(_) | Res::Foreign(_)) => {
                    let r = self.info.object(res)?;
                    let kind = self.env.package_ref(&r.pkg)?.object(r.idx)?.kind;
                    (kind == ObjKind::Var).then(|| AccessPath {
                        base: Base::Global(r),
                        fields: SmallVec::new(),
                    })
                }
                _ => None,
            },
            ExprKind::Selector { x, .. } => match self.info.selection(e)? {
                Selection::Qualified(r) => {
                    let kind = self.env.package_ref(&r.pkg)?.object(r.idx)?.kind;
                    (kind == ObjKind::Var).then(|| AccessPath {
                        base: Base::Global(r.clone()),
                        fields: SmallVec::new(),
                    })
                }
                Selection::Field { embedded, name, .. } => {
                    let mut p = self.path_inner(*x, depth + 1)?;
                    for emb in embedded {
                        p.fields.push(PathElem::Field(emb.clone()));
                    }
                    p.fields.push(PathElem::Field(name.clone()));
                    Some(p)
                }
                Selection::Method { .. } => None,
            },
            ExprKind::Star { x } => self.path_inner(*x, depth + 1),
            ExprKind::Unary { op: AstOp::And, x } => self.path_inner(*x, depth + 1),
            ExprKind::Index { x, .. } => {
                let mut p = self.path_inner(*x, depth + 1)?;
                p.fields.push(PathElem::Index);
                Some(p)
            }
            ExprKind::Call { fun, args, .. } if args.is_empty() => {
                let field = self.channel_getter_field(*fun)?;
                let mut p = self.receiver_path(*fun)?;
                p.fields.push(PathElem::Field(field));
                Some(p)
            }
            _ => None,
        }
    }

    /// For `w.Events()` where `Events` is a method of this package whose
    /// whole body is `return w.events` and `events` is a channel field
    /// declared on the receiver's struct: `events`. The channel an accessor
    /// hands out is the field itself.
    fn channel_getter_field(&self, fun: ExprId) -> Option<Sym> {
        let fun = self.file.unparen(fun);
        let Some(Selection::Method {
            func: Some(r),
            recv,
            interface: false,
            method_expr: false,
            sig,
            ..
        }) = self.info.selection(fun)
        else {
            return None;
        };
        if r.pkg != self.pkg.path || sig.results.len() != 1 {
            return None;
        }
        if !matches!(self.env.underlying(&sig.results[0]), Type::Chan(..)) {
            return None;
        }
        let object = self.pkg.object(r.idx)?;
        let crate::package::ObjNode::Decl(decl) = object.node else {
            return None;
        };
        let file = self.pkg.file(object.file)?;
        let goconc_syntax::ast::DeclKind::Func {
            recv: Some(receiver),
            body: Some(body),
            ..
        } = &file.decl(decl).kind
        else {
            return None;
        };
        let [field] = &*receiver.fields else {
            return None;
        };
        let [recv_name] = field.names.as_slice() else {
            return None;
        };
        let [stmt] = body.stmts.as_slice() else {
            return None;
        };
        let StmtKind::Return { results } = &file.stmt(*stmt).kind else {
            return None;
        };
        let [result] = results.as_slice() else {
            return None;
        };
        let ExprKind::Selector { x, sel } = &file.expr(file.unparen(*result)).kind else {
            return None;
        };
        let ExprKind::Ident(base) = &file.expr(file.unparen(*x)).kind else {
            return None;
        };
        if file.name(*base) != file.name(*recv_name) {
            return None;
        }
        let name = file.name(*sel);
        let recv = match self.env.underlying(recv) {
            Type::Pointer(inner) => (*inner).clone(),
            _ => recv.clone(),
        };
        let Type::Struct(st) = self.env.underlying(&recv) else {
            return None;
        };
        st.fields
            .iter()
            .find(|f| !f.embedded && &*f.name == name)
            .filter(|f| matches!(self.env.underlying(&f.ty), Type::Chan(..)))
            .map(|f| f.name.clone())
    }

    /// The receiver path of a method call `x.m(...)` (with implicit embedded fields).
    fn receiver_path(&self, fun: ExprId) -> Option<AccessPath> {
        let fun = self.file.unparen(fun);
        let ExprKind::Selector { x, .. } = &self.file.expr(fun).kind else {
            return None;
        };
        let Some(Selection::Method { embedded, .. }) = self.info.selection(fun) else {
            return None;
        };
        let mut p = self.access_path(*x)?;
        for emb in embedded {
            p.fields.push(PathElem::Field(emb.clone()));
        }
        Some(p)
    }

    /// Resolves the function value `fun` of a call.
    pub fn callee(&self, fun: ExprId) -> Callee {
        let file = self.file;
        let fun = file.unparen(fun);
        if self.info.is_type(fun) {
            return Callee::Conversion;
        }
        match &file.expr(fun).kind {
            ExprKind::FuncLit { .. } => (self.lit_func)(fun)
                .map(Callee::Func)
                .unwrap_or(Callee::Dynamic),
            ExprKind::Ident(_) => match self.info.res(fun) {
                Res::Builtin(b) => Callee::Builtin(*b),
                res @ (Res::Global(_) | Res::Foreign(_)) => match self.info.object(res) {
                    Some(r) => self.object_callee(&r),
                    None => Callee::Dynamic,
                },
                Res::Local(l) => match self.info.local(*l) {
                    Some(local) if !local.reassigned && local.kind == LocalKind::Var => {
                        if let Some(f) = local.func_lit.and_then(|lit| (self.lit_func)(lit)) {
                            return Callee::Func(f);
                        }
                        // `f := s.method` (a method value), then `f()`.
                        match local.init {
                            Some(init)
                                if matches!(file.expr(init).kind, ExprKind::Selector { .. })
                                    && matches!(
                                        self.info.selection(init),
                                        Some(Selection::Method {
                                            method_expr: false,
                                            ..
                                        })
                                    ) =>
                            {
                                self.callee(init)
                            }
                            _ => Callee::Dynamic,
                        }
                    }
                    _ => Callee::Dynamic,
                },
                _ => Callee::Dynamic,
            },
            ExprKind::Selector { .. } => match self.info.selection(fun) {
                Some(Selection::Qualified(r)) => self.object_callee(r),
                Some(Selection::Method {
                    func: Some(r),
                    interface: false,
                    ..
                }) => self.object_callee(r),
                Some(Selection::Method {
                    interface: true,
                    name,
                    recv,
                    ..
                }) => Callee::Interface {
                    method: name.clone(),
                    recv: recv.clone(),
                },
                Some(Selection::Field { .. }) => crate::fieldfuncs::field_key(self.info, file, fun)
                    .and_then(|(key, _)| (self.field_func)(&key))
                    .map(Callee::Func)
                    .unwrap_or(Callee::Dynamic),
                _ => Callee::Dynamic,
            },
            // Generic instantiation `F[int](x)`.
            ExprKind::Index { x, .. } | ExprKind::IndexList { x, .. } => self.callee(*x),
            _ => Callee::Dynamic,
        }
    }

    fn object_callee(&self, r: &ObjRef) -> Callee {
        let is_func = self
            .env
            .package(&r.pkg)
            .and_then(|p| p.object(r.idx).map(|o| o.kind))
            .is_some_and(|k| matches!(k, ObjKind::Func | ObjKind::Method { .. }));
        if !is_func {
            return Callee::Dynamic;
        }
        match (self.obj_func)(r) {
            Some(f) => Callee::Func(f),
            None => Callee::External(r.clone()),
        }
    }

    fn object_name(&self, r: &ObjRef) -> Option<(Sym, Sym)> {
        let p = self.env.package_ref(&r.pkg)?;
        let o = p.object(r.idx)?;
        Some((p.path.clone(), o.name.clone()))
    }

    /// Whether a call is a test assertion helper that ends the test when it
    /// is the last statement of a branch: the callee is a function of an
    /// analysed package that calls `Fatal`/`FailNow` (see
    /// [`crate::package::Package::fails_tests`]) and a `testing` value is
    /// passed to it (`if err != nil { mu.Unlock(); require_NoError(t, err) }`).
    /// The call returns when its check passes, so only the branch position
    /// (the author expects the test to stop there) makes it final.
    pub fn ends_test(&self, call: ExprId) -> bool {
        let file = self.file;
        let ExprKind::Call { fun, args, .. } = &file.expr(call).kind else {
            return false;
        };
        let passes_testing = args.iter().any(|&arg| {
            self.info
                .ty(arg)
                .strip_pointer()
                .as_named()
                .is_some_and(|n| &*n.pkg == "testing")
        });
        if !passes_testing {
            return false;
        }
        let fun = file.unparen(*fun);
        let object = match &file.expr(fun).kind {
            ExprKind::Ident(_) => self.info.object(self.info.res(fun)),
            ExprKind::Selector { .. } => match self.info.selection(fun) {
                Some(Selection::Qualified(r)) => Some(r.clone()),
                _ => None,
            },
            _ => None,
        };
        object.is_some_and(|r| {
            self.env
                .package(&r.pkg)
                .is_some_and(|p| p.fails_tests(r.idx))
        })
    }

    /// Whether a call never returns (`panic`, `os.Exit`, `log.Fatal`, `t.Fatal`, ...).
    pub fn is_noreturn(&self, call: ExprId) -> bool {
        let file = self.file;
        let ExprKind::Call { fun, .. } = &file.expr(call).kind else {
            return false;
        };
        let fun = file.unparen(*fun);
        match self.info.res(fun) {
            Res::Builtin(Builtin::Panic) => return true,
            Res::Builtin(_) => return false,
            _ => {}
        }
        // Cheap filter on the called name before looking anything up.
        let called = match &file.expr(fun).kind {
            ExprKind::Selector { sel, .. } => file.name(*sel),
            _ => return false,
        };
        if !matches!(called, "Exit" | "Goexit" | "FailNow" | "SkipNow")
            && !called.starts_with("Fatal")
            && !called.starts_with("Panic")
            && !called.starts_with("Skip")
        {
            return false;
        }
        match self.info.selection(fun) {
            Some(Selection::Qualified(r)) => {
                let Some((pkg, name)) = self.object_name(r) else {
                    return false;
                };
                matches!(
                    (&*pkg, &*name),
                    ("os", "Exit") | ("runtime", "Goexit") | ("syscall", "Exit")
                ) || (&*pkg == "log" && (name.starts_with("Fatal") || name.starts_with("Panic")))
            }
            Some(Selection::Method { recv, name, .. }) => {
                let Some(n) = recv.as_named() else {
                    return false;
                };
                if &*n.pkg == "testing" {
                    return matches!(
                        &**name,
                        "Fatal" | "Fatalf" | "FailNow" | "Skip" | "Skipf" | "SkipNow"
                    );
                }
                if n.is("log", "Logger") {
                    return name.starts_with("Fatal") || name.starts_with("Panic");
                }
                false
            }
            _ => false,
        }
    }

    /// The function run by a function-valued argument.
    fn func_arg(&self, e: ExprId) -> FuncArg {
        let file = self.file;
        let e = file.unparen(e);
        match &file.expr(e).kind {
            ExprKind::FuncLit { .. } => (self.lit_func)(e)
                .map(FuncArg::Func)
                .unwrap_or(FuncArg::Unknown),
            ExprKind::Ident(_) => match self.info.res(e) {
                Res::Local(l) => match self.info.local(*l) {
                    Some(local) if matches!(local.kind, LocalKind::Param(_)) => {
                        FuncArg::Param(self.key(*l))
                    }
                    Some(local) if !local.reassigned => local
                        .func_lit
                        .and_then(|lit| (self.lit_func)(lit))
                        .map(FuncArg::Func)
                        .unwrap_or(FuncArg::Unknown),
                    _ => FuncArg::Unknown,
                },
                res @ (Res::Global(_) | Res::Foreign(_)) => {
                    match self.info.object(res).map(|r| self.object_callee(&r)) {
                        Some(Callee::Func(f)) => FuncArg::Func(f),
                        _ => FuncArg::Unknown,
                    }
                }
                _ => FuncArg::Unknown,
            },
            ExprKind::Selector { .. } => match self.callee(e) {
                Callee::Func(f) => FuncArg::Func(f),
                _ => self.lock_method_value(e).unwrap_or(FuncArg::Unknown),
            },
            _ => FuncArg::Unknown,
        }
    }

    /// `x.mu.Unlock` (a method value, not called) of a `sync.Mutex` or
    /// `sync.RWMutex`: the lock operation it performs when called.
    fn lock_method_value(&self, e: ExprId) -> Option<FuncArg> {
        let Some(Selection::Method { recv: rt, name, .. }) = self.info.selection(e) else {
            return None;
        };
        if !(is_sync(rt, "Mutex") || is_sync(rt, "RWMutex")) {
            return None;
        }
        let op = match &**name {
            "Lock" => LockOp::Lock,
            "Unlock" => LockOp::Unlock,
            "RLock" => LockOp::RLock,
            "RUnlock" => LockOp::RUnlock,
            _ => return None,
        };
        Some(FuncArg::LockMethod(self.receiver_path(e)?, op))
    }

    /// Ops of one CFG node, in evaluation order.
    pub fn node_ops(&self, node: crate::cfg::Node, out: &mut Vec<Op>) {
        use crate::cfg::Node;
        let file = self.file;
        match node {
            Node::Stmt(s) => self.stmt_ops(s, out),
            Node::Cond(e) => self.expr_ops(e, Mode::Now, out),
            Node::RangeInit(s) => {
                if let StmtKind::Range { x, .. } = &file.stmt(s).kind {
                    self.expr_ops(*x, Mode::Now, out);
                }
            }
            Node::RangeNext(s) => {
                if let StmtKind::Range { x, .. } = &file.stmt(s).kind {
                    let t = self.env.underlying(self.info.ty(*x));
                    if matches!(t, Type::Chan(..)) {
                        out.push(Op {
                            kind: OpKind::Chan {
                                path: self.access_path(*x),
                                op: ChanOp::Range,
                                ty: self.info.ty(*x).clone(),
                                select: None,
                            },
                            mode: Mode::Now,
                            span: file.expr(*x).span,
                            expr: Some(*x),
                        });
                    }
                }
            }
            Node::Select(s) => {
                let StmtKind::Select { body } = &file.stmt(s).kind else {
                    return;
                };
                let mut has_default = false;
                for &c in &body.stmts {
                    if let StmtKind::CommClause { comm, .. } = &file.stmt(c).kind {
                        match comm {
                            None => has_default = true,
                            // Channel operands and sent values are evaluated on entry.
                            Some(cs) => self.comm_operand_ops(*cs, out),
                        }
                    }
                }
                out.push(Op {
                    kind: OpKind::Select {
                        stmt: s,
                        has_default,
                        cases: body.stmts.len() as u32,
                    },
                    mode: Mode::Now,
                    span: file.stmt(s).span,
                    expr: None,
                });
            }
            Node::SelectCase { select, clause } => {
                let StmtKind::CommClause { comm: Some(cs), .. } = &file.stmt(clause).kind else {
                    return;
                };
                self.comm_op(*cs, select, out);
            }
        }
    }

    fn comm_expr(&self, cs: StmtId) -> Option<(ExprId, bool)> {
        // (channel expression, is_send)
        let file = self.file;
        match &file.stmt(cs).kind {
            StmtKind::Send { chan, .. } => Some((*chan, true)),
            StmtKind::Expr(e) => recv_operand(file, *e).map(|c| (c, false)),
            StmtKind::Assign { rhs, .. } => rhs
                .first()
                .and_then(|r| recv_operand(file, *r))
                .map(|c| (c, false)),
            _ => None,
        }
    }

    fn comm_operand_ops(&self, cs: StmtId, out: &mut Vec<Op>) {
        let file = self.file;
        if let StmtKind::Send { chan, value, .. } = &file.stmt(cs).kind {
            self.expr_ops(*chan, Mode::Now, out);
            self.expr_ops(*value, Mode::Now, out);
        } else if let Some((ch, _)) = self.comm_expr(cs) {
            self.expr_ops(ch, Mode::Now, out);
        }
    }

    fn comm_op(&self, cs: StmtId, select: StmtId, out: &mut Vec<Op>) {
        let Some((ch, is_send)) = self.comm_expr(cs) else {
            return;
        };
        out.push(Op {
            kind: OpKind::Chan {
                path: self.access_path(ch),
                op: if is_send { ChanOp::Send } else { ChanOp::Recv },
                ty: self.info.ty(ch).clone(),
                select: Some(select),
            },
            mode: Mode::Now,
            span: self.file.stmt(cs).span,
            expr: Some(ch),
        });
    }

    fn const_int(&self, e: ExprId) -> Option<i64> {
        crate::body::const_int(self.env, self.pkg, self.file, self.info, e)
    }

    /// The local declared by the identifier at `span`.
    fn local_at(&self, span: Span) -> Option<LocalId> {
        let locals = &self.info.locals;
        // Locals are declared in source order (almost: function headers
        // interleave type parameters), so try a binary search first.
        let i = locals.partition_point(|l| l.span.start < span.start);
        if locals.get(i).is_some_and(|l| l.span == span) {
            return Some(LocalId(i as u32));
        }
        locals
            .iter()
            .position(|l| l.span == span)
            .map(|i| LocalId(i as u32))
    }

    /// `make(chan ...)` stored into `path`, directly or as a field of a
    /// composite literal (`&S{ch: make(chan int)}`).
    fn make_chan_ops(&self, path: Option<AccessPath>, value: ExprId, out: &mut Vec<Op>) {
        let file = self.file;
        let v = file.unparen(value);
        match &file.expr(v).kind {
            ExprKind::Call { fun, args, .. } => {
                if !matches!(
                    self.info.res(file.unparen(*fun)),
                    Res::Builtin(Builtin::Make)
                ) {
                    return;
                }
                let ty = self.info.ty(v).clone();
                if !matches!(self.env.underlying(&ty), Type::Chan(..)) {
                    return;
                }
                let cap = match args.get(1) {
                    None => Some(0),
                    Some(c) => self.const_int(*c),
                };
                out.push(Op {
                    kind: OpKind::MakeChan { path, cap, ty },
                    mode: Mode::Now,
                    span: file.expr(v).span,
                    expr: Some(v),
                });
            }
            ExprKind::Unary { op: AstOp::And, x } => self.make_chan_ops(path, *x, out),
            ExprKind::CompositeLit { elts, .. } => {
                let Some(base) = path else { return };
                for &el in elts {
                    if let ExprKind::KeyValue { key, value } = &file.expr(el).kind {
                        if let (ExprKind::Ident(k), Res::FieldKey) =
                            (&file.expr(*key).kind, self.info.res(*key))
                        {
                            let p = base.clone().with_field(file.name(*k).into());
                            self.make_chan_ops(Some(p), *value, out);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    fn stmt_ops(&self, s: StmtId, out: &mut Vec<Op>) {
        let file = self.file;
        match &file.stmt(s).kind {
            StmtKind::Expr(e) => self.expr_ops(*e, Mode::Now, out),
            StmtKind::Send { chan, value, .. } => {
                self.expr_ops(*chan, Mode::Now, out);
                self.expr_ops(*value, Mode::Now, out);
                out.push(Op {
                    kind: OpKind::Chan {
                        path: self.access_path(*chan),
                        op: ChanOp::Send,
                        ty: self.info.ty(*chan).clone(),
                        select: None,
                    },
                    mode: Mode::Now,
                    span: file.stmt(s).span,
                    expr: None,
                });
            }
            StmtKind::IncDec { x, .. } => self.expr_ops(*x, Mode::Now, out),
            StmtKind::Assign { lhs, rhs, .. } => {
                for &r in rhs {
                    self.expr_ops(r, Mode::Now, out);
                }
                for &l in lhs {
                    self.expr_ops(l, Mode::Now, out);
                }
                if lhs.len() == rhs.len() {
                    for (&l, &r) in lhs.iter().zip(rhs) {
                        self.make_chan_ops(self.access_path(l), r, out);
                    }
                }
            }
            StmtKind::Go { call } | StmtKind::Defer { call } => {
                let mode = if matches!(file.stmt(s).kind, StmtKind::Go { .. }) {
                    Mode::Spawned
                } else {
                    Mode::Deferred
                };
                let call = file.unparen(*call);
                if let ExprKind::Call { fun, args, .. } = &file.expr(call).kind {
                    // Function value, receiver and arguments are evaluated now.
                    if let ExprKind::Selector { x, .. } = &file.expr(file.unparen(*fun)).kind {
                        self.expr_ops(*x, Mode::Now, out);
                    }
                    for &a in args {
                        self.expr_ops(a, Mode::Now, out);
                    }
                    self.call_ops(call, *fun, args, mode, out);
                }
            }
            StmtKind::Return { results } => {
                for &r in results {
                    self.expr_ops(r, Mode::Now, out);
                }
            }
            StmtKind::Decl(d) => {
                if let goconc_syntax::ast::DeclKind::Gen { specs, .. } = &file.decl(*d).kind {
                    for &sp in specs {
                        if let goconc_syntax::ast::SpecKind::Value { values, names, .. } =
                            &file.spec(sp).kind
                        {
                            for &v in values {
                                self.expr_ops(v, Mode::Now, out);
                            }
                            if names.len() == values.len() {
                                for (n, &v) in names.iter().zip(values) {
                                    let path = self.local_at(n.span).map(|l| AccessPath {
                                        base: Base::Local(self.key(l)),
                                        fields: SmallVec::new(),
                                    });
                                    self.make_chan_ops(path, v, out);
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Ops of an expression evaluated now (operands before the operation;
    /// function literal bodies are not entered).
    pub fn expr_ops(&self, e: ExprId, mode: Mode, out: &mut Vec<Op>) {
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || {
            self.expr_ops_inner(e, mode, out)
        })
    }

    fn expr_ops_inner(&self, e: ExprId, mode: Mode, out: &mut Vec<Op>) {
        let file = self.file;
        let Some(node) = file.exprs.get(e.index()) else {
            return;
        };
        match &node.kind {
            ExprKind::Call { fun, args, .. } => {
                let f = file.unparen(*fun);
                match &file.expr(f).kind {
                    ExprKind::Selector { x, .. } => self.expr_ops(*x, mode, out),
                    ExprKind::FuncLit { .. } | ExprKind::Ident(_) => {}
                    _ => self.expr_ops(f, mode, out),
                }
                for &a in args {
                    self.expr_ops(a, mode, out);
                }
                self.call_ops(e, *fun, args, mode, out);
            }
            ExprKind::Unary {
                op: AstOp::Arrow,
                x,
            } => {
                self.expr_ops(*x, mode, out);
                out.push(Op {
                    kind: OpKind::Chan {
                        path: self.access_path(*x),
                        op: ChanOp::Recv,
                        ty: self.info.ty(*x).clone(),
                        select: None,
                    },
                    mode,
                    span: node.span,
                    expr: Some(e),
                });
            }
            ExprKind::FuncLit { .. }
            | ExprKind::Bad
            | ExprKind::Ident(_)
            | ExprKind::BasicLit(_) => {}
            ExprKind::Paren { x }
            | ExprKind::Selector { x, .. }
            | ExprKind::Star { x }
            | ExprKind::Unary { x, .. }
            | ExprKind::TypeAssert { x, .. } => self.expr_ops(*x, mode, out),
            ExprKind::Index { x, index } => {
                self.expr_ops(*x, mode, out);
                self.expr_ops(*index, mode, out);
            }
            ExprKind::IndexList { x, .. } => self.expr_ops(*x, mode, out),
            ExprKind::Slice {
                x, low, high, max, ..
            } => {
                self.expr_ops(*x, mode, out);
                for i in [low, high, max].into_iter().flatten() {
                    self.expr_ops(*i, mode, out);
                }
            }
            ExprKind::Binary { x, y, .. } => {
                self.expr_ops(*x, mode, out);
                self.expr_ops(*y, mode, out);
            }
            ExprKind::KeyValue { key, value } => {
                self.expr_ops(*key, mode, out);
                self.expr_ops(*value, mode, out);
            }
            ExprKind::CompositeLit { elts, .. } => {
                for &el in elts {
                    self.expr_ops(el, mode, out);
                }
            }
            _ => {}
        }
    }

    fn call_ops(&self, call: ExprId, fun: ExprId, args: &[ExprId], mode: Mode, out: &mut Vec<Op>) {
        let file = self.file;
        let span = file.expr(call).span;
        let callee = self.callee(fun);
        let funu = file.unparen(fun);
        let recv = self.receiver_path(funu).or_else(|| {
            // A closure bound to a field runs on the field's owner.
            if matches!(callee, Callee::Func(_))
                && matches!(self.info.selection(funu), Some(Selection::Field { .. }))
            {
                let (_, owner) = crate::fieldfuncs::field_key(self.info, file, funu)?;
                return self.access_path(owner);
            }
            // Receiver of a method value stored in a local (`f := s.m; f()`).
            let Res::Local(l) = self.info.res(funu) else {
                return None;
            };
            let local = self.info.local(*l)?;
            if local.reassigned || local.func_lit.is_some() {
                return None;
            }
            self.receiver_path(local.init?)
        });
        let mut func_arg = None;
        // Primitive operations recognised by the resolved receiver type.
        if let Some(Selection::Method { recv: rt, name, .. }) = self.info.selection(funu) {
            let specific =
                if is_sync(rt, "Mutex") || is_sync(rt, "RWMutex") || is_sync(rt, "Locker") {
                    let op = match &**name {
                        "Lock" => Some(LockOp::Lock),
                        "Unlock" => Some(LockOp::Unlock),
                        "RLock" => Some(LockOp::RLock),
                        "RUnlock" => Some(LockOp::RUnlock),
                        "TryLock" => Some(LockOp::TryLock),
                        "TryRLock" => Some(LockOp::TryRLock),
                        _ => None,
                    };
                    op.map(|op| OpKind::Lock {
                        path: recv.clone(),
                        op,
                    })
                } else if is_sync(rt, "WaitGroup") {
                    let op = match &**name {
                        "Add" => Some(WgOp::Add(args.first().and_then(|a| self.const_int(*a)))),
                        "Done" => Some(WgOp::Done),
                        "Wait" => Some(WgOp::Wait),
                        "Go" => {
                            func_arg = args.first().map(|a| FuncArgUse {
                                index: 0,
                                func: self.func_arg(*a),
                                spawned: true,
                            });
                            Some(WgOp::Go)
                        }
                        _ => None,
                    };
                    op.map(|op| OpKind::WaitGroup {
                        path: recv.clone(),
                        op,
                    })
                } else if is_sync(rt, "Cond") {
                    let op = match &**name {
                        "Wait" => Some(CondOp::Wait),
                        "Signal" => Some(CondOp::Signal),
                        "Broadcast" => Some(CondOp::Broadcast),
                        _ => None,
                    };
                    op.map(|op| OpKind::Cond {
                        path: recv.clone(),
                        op,
                    })
                } else if is_sync(rt, "Once") && &**name == "Do" {
                    func_arg = args.first().map(|a| FuncArgUse {
                        index: 0,
                        func: self.func_arg(*a),
                        spawned: false,
                    });
                    Some(OpKind::OnceDo { path: recv.clone() })
                } else if rt.is_named("context", "Context") && matches!(&**name, "Done" | "Err") {
                    Some(OpKind::CtxObserve { path: recv.clone() })
                } else if rt.is_named("golang.org/x/sync/errgroup", "Group") {
                    // A group counts its functions like a WaitGroup whose
                    // `Go` does the Add and Done: its Wait blocks on them.
                    match &**name {
                        "Go" | "TryGo" => {
                            func_arg = args.first().map(|a| FuncArgUse {
                                index: 0,
                                func: self.func_arg(*a),
                                spawned: true,
                            });
                            Some(OpKind::WaitGroup {
                                path: recv.clone(),
                                op: WgOp::Go,
                            })
                        }
                        "Wait" => Some(OpKind::WaitGroup {
                            path: recv.clone(),
                            op: WgOp::Wait,
                        }),
                        _ => None,
                    }
                } else {
                    None
                };
            if let Some(kind) = specific {
                out.push(Op {
                    kind,
                    mode,
                    span,
                    expr: Some(call),
                });
            }
        }
        match &callee {
            Callee::Builtin(Builtin::Close) => {
                if let Some(&ch) = args.first() {
                    out.push(Op {
                        kind: OpKind::Chan {
                            path: self.access_path(ch),
                            op: ChanOp::Close,
                            ty: self.info.ty(ch).clone(),
                            select: None,
                        },
                        mode,
                        span,
                        expr: Some(call),
                    });
                }
            }
            Callee::External(r) if matches!(&file.expr(funu).kind, ExprKind::Selector { sel, .. } if file.name(*sel) == "Sleep") => {
                if let Some((pkg, name)) = self.object_name(r) {
                    if &*pkg == "time" && &*name == "Sleep" {
                        out.push(Op {
                            kind: OpKind::Sleep,
                            mode,
                            span,
                            expr: Some(call),
                        });
                    }
                }
            }
            _ => {}
        }
        // `time.AfterFunc(d, f)` runs f in its own goroutine when the timer fires.
        if func_arg.is_none()
            && matches!(&file.expr(funu).kind, ExprKind::Selector { sel, .. } if file.name(*sel) == "AfterFunc")
        {
            if let (Some(Selection::Qualified(r)), Some(&f)) =
                (self.info.selection(funu), args.get(1))
            {
                if self
                    .object_name(r)
                    .is_some_and(|(pkg, name)| &*pkg == "time" && &*name == "AfterFunc")
                {
                    func_arg = Some(FuncArgUse {
                        index: 1,
                        func: self.func_arg(f),
                        spawned: true,
                    });
                }
            }
        }
        if func_arg.is_none() && mode == Mode::Spawned && callee == Callee::Dynamic {
            // `go f()` with a function value `f`.
            let fa = self.func_arg(fun);
            if fa != FuncArg::Unknown {
                func_arg = Some(FuncArgUse {
                    index: u32::MAX,
                    func: fa,
                    spawned: true,
                });
            }
        } else if func_arg.is_none() && mode == Mode::Now && callee == Callee::Dynamic {
            // `cb()` with a parameter `cb`: the function calls its argument
            // (a hand-written `once.Do(cb)`), which its summary records.
            let fa = self.func_arg(fun);
            if matches!(fa, FuncArg::Param(_)) {
                func_arg = Some(FuncArgUse {
                    index: u32::MAX,
                    func: fa,
                    spawned: false,
                });
            }
        }
        if func_arg.is_none() {
            // A function argument that the callee may run (wrappers, `go`-helpers).
            if let Some((i, a)) = args.iter().enumerate().find(|(_, a)| {
                !self.info.is_type(**a)
                    && match self.info.ty(**a) {
                        Type::Func(_) => true,
                        t @ Type::Named(_) => matches!(self.env.underlying(t), Type::Func(_)),
                        _ => false,
                    }
            }) {
                let fa = self.func_arg(*a);
                if fa != FuncArg::Unknown {
                    func_arg = Some(FuncArgUse {
                        index: i as u32,
                        func: fa,
                        spawned: false,
                    });
                }
            }
        }
        // Library functions that call their function argument before they
        // return (`sort.Slice(xs, less)`): the argument runs here, in this
        // goroutine, with whatever locks the caller holds.
        let runs_arg_now = match (&callee, &func_arg) {
            (
                Callee::External(r),
                Some(FuncArgUse {
                    func: FuncArg::Func(target),
                    spawned: false,
                    ..
                }),
            ) => self
                .object_name(r)
                .filter(|(pkg, name)| calls_func_arg_synchronously(pkg, name))
                .map(|_| *target),
            _ => None,
        };
        let ctx_args = args
            .iter()
            .enumerate()
            .filter(|(_, a)| self.info.ty(**a).is_named("context", "Context"))
            .map(|(i, _)| i as u32)
            .collect();
        // Builtins and conversions have dedicated ops (close) or none.
        let arg_paths = if matches!(callee, Callee::Builtin(_) | Callee::Conversion) {
            Vec::new()
        } else {
            args.iter().map(|a| self.access_path(*a)).collect()
        };
        out.push(Op {
            kind: OpKind::Call {
                callee,
                recv,
                args: arg_paths,
                func_arg: func_arg.map(Box::new),
                ctx_args,
            },
            mode,
            span,
            expr: Some(call),
        });
        if let Some(target) = runs_arg_now {
            out.push(Op {
                kind: OpKind::Call {
                    callee: Callee::Func(target),
                    recv: None,
                    args: Vec::new(),
                    func_arg: None,
                    ctx_args: Default::default(),
                },
                mode,
                span,
                expr: Some(call),
            });
        }
    }
}

/// `<-ch` (possibly parenthesised) → `ch`.
fn recv_operand(file: &File, e: ExprId) -> Option<ExprId> {
    match &file.expr(file.unparen(e)).kind {
        ExprKind::Unary {
            op: AstOp::Arrow,
            x,
        } => Some(*x),
        _ => None,
    }
}
