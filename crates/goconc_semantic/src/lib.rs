//! Semantic model for goconc's concurrency rules: name resolution,
//! types-lite, control-flow graphs, concurrency operations, call graph and
//! function summaries.
//!
//! # Building a model
//!
//! Give [`Program::build`] the packages to analyse ([`package::PackageInput`]:
//! import path, directory, package name, parsed files, Go version) and a
//! [`loader::Loader`] for dependencies. The loader finds imported packages in
//! `$GOROOT/src` (incl. `src/vendor`), the module cache (from `(module,
//! version)` pairs), `replace` directories and `vendor/`, parses them
//! declaration-only on first use (thread-safe, once per path), and falls back
//! to an embedded Go stub model of `sync`, `sync/atomic`, `context`, `time`,
//! `os`, `os/signal`, `log`, `errors`, `runtime`, `net/http`, `testing`,
//! `unsafe`, `golang.org/x/sync/errgroup`, `golang.org/x/sync/semaphore` and
//! `golang.org/x/time/rate` ([`loader::GoEnv::embedded_only`] uses only that).
//!
//! ```no_run
//! use std::sync::Arc;
//! use goconc_semantic::{loader::{GoEnv, Loader}, Program};
//! # let inputs = Vec::new();
//! let program = Program::build(inputs, Arc::new(Loader::new(GoEnv::detect())));
//! // Tests and tools: Program::from_sources(&[("example.com/app", &[("a.go", src)])], env)
//! # let _ = program;
//! ```
//!
//! # What a rule gets
//!
//! * **A package's functions**: [`Program::packages`] (sorted by import
//!   path) → [`program::PackageModel::funcs`] → [`Program::function`]. Each
//!   [`program::Function`] has its [`body::FuncDef`] (name like
//!   `example.com/app.(*Server).Start` or `...Start.func1` for closures,
//!   receiver/parameter/result locals, signature, parent for closures), its
//!   [`cfg::Cfg`], its ops per block and its call sites.
//! * **The CFG**: [`cfg::Cfg`] with [`cfg::Node`]s; `if`/`for` blocks end in
//!   a condition with `succs == [then, else]`, selects have one successor per
//!   clause, `return` goes to `exit`, panics and non-returning calls
//!   (`os.Exit`, `log.Fatal*`, `t.Fatal*`, `runtime.Goexit`) go to `abort`.
//!   Run dataflow with [`cfg::forward`] over any [`cfg::Lattice`];
//!   [`cfg::Cfg::in_loop`] marks blocks on a cycle (e.g. a select in a loop).
//! * **Operations**: [`program::Function::block_ops`] lists, per block and in
//!   evaluation order, [`ops::Op`]s: lock ops, channel send/recv/close/range
//!   (with select membership), select entries, WaitGroup Add/Done/Wait/Go,
//!   Cond Wait/Signal/Broadcast, `Once.Do`, `ctx.Done()`/`ctx.Err()`,
//!   `time.Sleep`, channel creation (`make(chan T, n)` stored into a path,
//!   with its constant capacity), and every call with its [`ops::Callee`]
//!   and the access paths of receiver and arguments. Each op has a [`ops::Mode`]: now,
//!   deferred (runs at exit) or spawned (`go`). Primitives are recognised by
//!   resolved types (`sync.Mutex` from GOROOT or the stubs), never by names.
//! * **Type of an expression**: [`Program::file_of`] gives the parsed file and
//!   its [`body::FileInfo`]; `info.ty(expr)` is the [`types::Type`]
//!   ([`types::Type::Unknown`] when not known), `info.is_type(expr)` says
//!   whether it denotes a type, [`Program::underlying`] resolves named types.
//!   [`Program::const_int`] evaluates integer constants (e.g. `make` capacities).
//! * **What an identifier resolves to**: `info.res(expr)` → [`body::Res`]
//!   (local, package-level object — `info.object(res)` gives its
//!   [`package::ObjRef`] —, import name — `info.import_path(res)` —,
//!   builtin, predeclared, struct-literal field key);
//!   `info.selection(expr)` for `x.f` → [`env::Selection`] (qualified
//!   object, field or method, with the implicit embedded fields walked).
//!   `info.local(id)` describes locals (kind, type, declaring function,
//!   `captured` by a closure, `func_lit` for `f := func(){...}`).
//! * **A callee's summary**: [`Program::summary`] → [`summary::Summary`]:
//!   locks acquired (transitively), net lock effects (lock/unlock helpers),
//!   locks not released on all paths, channel ops, WaitGroup ops and whether
//!   `Done` runs on all paths, blocking, context observation, goroutines
//!   spawned (incl. `errgroup`, `wg.Go` and wrappers taking a `func()`).
//! * **Access paths**: [`ops::AccessPath`] = base (local or global) + field
//!   chain; `s.Lock()` on a struct embedding `sync.Mutex` is `s.Mutex`. Paths
//!   in a summary are in the callee's frame: translate them to a call site
//!   with [`Program::substitute`] (receiver/parameters replaced by the call's
//!   receiver/argument paths; captured variables kept). Show them with
//!   [`Program::describe_path`] (`s.cache.mu`). [`Program::path_type`]
//!   gives the type of the location and [`Program::field_owner`] a
//!   function-independent key (`(Server, "jobs")`) to match the same field
//!   across functions.
//!
//! ```no_run
//! # use goconc_semantic::{Program, ops::{OpKind, LockOp, Callee}};
//! # fn rule(program: &Program) {
//! for f in &program.functions {
//!     for b in f.cfg.reverse_postorder() {
//!         for (_node, op) in f.block_ops(*b) {
//!             match &op.kind {
//!                 OpKind::Lock { path: Some(p), op: LockOp::Lock } => {
//!                     let _name = program.describe_path(p);
//!                 }
//!                 OpKind::Call { callee: Callee::Func(c), recv, args, .. } => {
//!                     if let Some(s) = program.summary(*c) {
//!                         for acq in &s.acquires {
//!                             let _in_caller =
//!                                 program.substitute(*c, &acq.path, recv.as_ref(), args);
//!                         }
//!                     }
//!                 }
//!                 _ => {}
//!             }
//!         }
//!     }
//! }
//! # }
//! ```
//!
//! # Guarantees
//!
//! Never panics on any input (broken ASTs, cycles in declarations, deep
//! nesting: recursive walks use `stacker`); results do not depend on the
//! number of threads (packages are processed in parallel with rayon, ids are
//! assigned in import-path and source order, summaries are computed level by
//! level over the SCC condensation of the call graph).

pub mod body;
pub mod cfg;
mod demand;
pub mod env;
mod fieldfuncs;
pub mod loader;
pub mod ops;
pub mod package;
pub mod program;
pub mod summary;
pub mod types;

pub use program::{Modelled, Program};

#[cfg(test)]
mod tests;
