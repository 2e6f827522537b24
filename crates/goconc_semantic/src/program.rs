//! The whole-program model: analysed packages, their functions with CFGs and
//! ops, the call graph and function summaries.

use std::sync::Arc;

use goconc_syntax::ast::{DeclKind, ExprId, ExprKind, Span};
use goconc_syntax::File;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::body::{analyse_file, FileInfo, FuncDef, FuncNode, LocalKind};
use crate::cfg::{self, BlockId, Cfg};
use crate::env::Env;
use crate::loader::Loader;
use crate::ops::{AccessPath, Base, Callee, FuncId, LocalKey, Mode, Op, OpCtx, OpKind, PathElem};
use crate::package::{ObjRef, Package, PackageInput};
use crate::summary::{compute_summaries, Summary};
use crate::types::{Sym, Type};

/// A call site in a function.
#[derive(Clone, Debug)]
pub struct CallSite {
    pub block: BlockId,
    /// Index of the call op in the block's ops.
    pub op: u32,
    pub callee: Callee,
    pub mode: Mode,
    pub span: Span,
}

/// A function or closure with a body, ready for rules.
#[derive(Debug)]
pub struct Function {
    pub id: FuncId,
    /// Index of the package in [`Program::packages`].
    pub pkg: u32,
    pub def: FuncDef,
    pub cfg: Cfg,
    /// All ops, block by block, each tagged with the index of its node in
    /// the block; see [`Function::block_ops`].
    pub ops: Vec<(u32, Op)>,
    /// `ops[op_start[b]..op_start[b + 1]]` are the ops of block `b`.
    pub op_start: Vec<u32>,
    pub calls: Vec<CallSite>,
    /// Closures defined directly in this function.
    pub closures: Vec<FuncId>,
}

impl Function {
    /// Ops of block `b` with their node indices.
    pub fn block_ops(&self, b: BlockId) -> &[(u32, Op)] {
        let (Some(&start), Some(&end)) = (
            self.op_start.get(b.index()),
            self.op_start.get(b.index() + 1),
        ) else {
            return &[];
        };
        self.ops.get(start as usize..end as usize).unwrap_or(&[])
    }

    /// Ops of every block: `(block, node index, op)`.
    pub fn all_ops(&self) -> impl Iterator<Item = (BlockId, u32, &Op)> + '_ {
        (0..self.cfg.blocks.len()).flat_map(move |b| {
            let b = BlockId(b as u32);
            self.block_ops(b).iter().map(move |(n, op)| (b, *n, op))
        })
    }

    /// Ops of every block with their position in the block: `(block,
    /// index, op)`, where `op` is `block_ops(block)[index]` (the position
    /// flow queries such as "may run after" take).
    pub fn indexed_ops(&self) -> impl Iterator<Item = (BlockId, usize, &Op)> + '_ {
        (0..self.cfg.blocks.len()).flat_map(move |b| {
            let b = BlockId(b as u32);
            self.block_ops(b)
                .iter()
                .enumerate()
                .map(move |(i, (_, op))| (b, i, op))
        })
    }

    /// Local key of the receiver and parameters (in order).
    pub fn param_keys(&self) -> (Option<LocalKey>, Vec<LocalKey>) {
        let key = |l| LocalKey {
            pkg: self.pkg,
            file: self.def.file,
            local: l,
        };
        (
            self.def.recv.map(key),
            self.def.params.iter().map(|&l| key(l)).collect(),
        )
    }
}

/// An analysed package: declarations, per-file resolution/types, functions.
#[derive(Debug)]
pub struct PackageModel {
    pub pkg: Arc<Package>,
    pub files: Vec<FileInfo>,
    /// Function ids of this package's functions (declared and closures), in source order.
    pub funcs: Vec<FuncId>,
}

/// Which functions get a CFG, ops and a summary.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Modelled {
    /// Every function.
    All,
    /// The functions with concurrency operations, their callers and what
    /// they reach (see the `demand` module); the others get an empty body.
    /// Findings are the same as with [`Modelled::All`], and so are the
    /// concurrency facts of every modelled function's summary (locks,
    /// channels, WaitGroups, spawns, context use, blocking). Two
    /// bookkeeping fields differ: an unmodelled function never has
    /// `never_returns`, and `unknown_calls` does not count interface calls
    /// made inside unmodelled callees.
    Demanded,
}

/// Build statistics.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub packages: usize,
    pub files: usize,
    pub functions: usize,
    /// Functions given a CFG, ops and a summary (see the `demand` module);
    /// the others get an empty body.
    pub modelled: usize,
    pub blocks: usize,
    pub ops: usize,
    pub dependencies_loaded: usize,
    pub sccs: usize,
    pub summary_rounds_capped: usize,
    /// Wall time of each build phase.
    pub phase_times: Vec<(&'static str, std::time::Duration)>,
}

/// The semantic model of a set of packages.
#[derive(Debug)]
pub struct Program {
    pub env: Env,
    pub packages: Vec<PackageModel>,
    pub functions: Vec<Function>,
    pub summaries: Vec<Summary>,
    pub stats: Stats,
    by_path: FxHashMap<Sym, u32>,
    /// Closures bound to a function-typed field (see the `fieldfuncs`
    /// module): the captured local that is the receiver of a call through
    /// the field.
    bound_receivers: FxHashMap<FuncId, crate::body::LocalId>,
}

struct Resolved {
    files: Vec<FileInfo>,
    defs: Vec<FuncDef>,
}

impl Program {
    /// Builds the model of `inputs` (packages to analyse), loading
    /// dependencies through `loader`, with CFGs, ops and summaries for the
    /// functions the rules can need ([`Modelled::Demanded`]). Work is
    /// parallel per package; results do not depend on the number of threads.
    pub fn build(inputs: Vec<PackageInput>, loader: Arc<Loader>) -> Program {
        Program::build_with(inputs, loader, Modelled::Demanded)
    }

    /// [`Program::build`], choosing which functions get a CFG, ops and a
    /// summary.
    pub fn build_with(
        inputs: Vec<PackageInput>,
        loader: Arc<Loader>,
        modelled: Modelled,
    ) -> Program {
        let mut phase_times = Vec::new();
        let t0 = std::time::Instant::now();
        let mut inputs = inputs;
        inputs.sort_by(|a, b| a.import_path.cmp(&b.import_path));
        inputs.dedup_by(|a, b| a.import_path == b.import_path);
        let pkgs: Vec<Arc<Package>> = inputs
            .into_par_iter()
            .map(|i| Arc::new(Package::new(i)))
            .collect();
        let mut by_path = FxHashMap::default();
        let mut analysed = FxHashMap::default();
        for (i, p) in pkgs.iter().enumerate() {
            by_path.insert(p.path.clone(), i as u32);
            analysed.insert(p.path.clone(), p.clone());
        }
        let env = Env::new(analysed, loader);
        phase_times.push(("declarations", t0.elapsed()));
        let t0 = std::time::Instant::now();

        // Phase 1: resolution and types.
        let resolved: Vec<Resolved> = pkgs
            .par_iter()
            .map(|p| {
                let mut files = Vec::with_capacity(p.files.len());
                let mut defs = Vec::new();
                for fi in 0..p.files.len() as u32 {
                    let (info, mut fdefs) = analyse_file(&env, p, fi, defs.len() as u32);
                    files.push(info);
                    defs.append(&mut fdefs);
                }
                Resolved { files, defs }
            })
            .collect();

        phase_times.push(("resolution+types", t0.elapsed()));
        let t0 = std::time::Instant::now();
        // Function ids: packages in path order, functions in source order.
        let mut first_ids = Vec::with_capacity(pkgs.len());
        let mut next = 0u32;
        for r in &resolved {
            first_ids.push(next);
            next += r.defs.len() as u32;
        }
        // Object → function and literal → function maps.
        let obj_maps: Vec<FxHashMap<u32, u32>> = resolved
            .iter()
            .map(|r| {
                r.defs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, d)| d.obj.map(|o| (o, i as u32)))
                    .collect()
            })
            .collect();
        let lit_maps: Vec<FxHashMap<(u32, ExprId), u32>> = resolved
            .iter()
            .map(|r| {
                r.defs
                    .iter()
                    .enumerate()
                    .filter_map(|(i, d)| match d.node {
                        FuncNode::Lit(e) => Some(((d.file, e), i as u32)),
                        FuncNode::Decl(_) => None,
                    })
                    .collect()
            })
            .collect();

        // Closures bound to function-typed fields, per package.
        let bindings: Vec<FxHashMap<crate::fieldfuncs::FieldKey, crate::fieldfuncs::Binding>> =
            pkgs.par_iter()
                .zip(&resolved)
                .map(|(p, r)| crate::fieldfuncs::package_bindings(p, &r.files, &r.defs))
                .collect();
        let mut bound_receivers: FxHashMap<FuncId, crate::body::LocalId> = FxHashMap::default();
        for (pi, b) in bindings.iter().enumerate() {
            for binding in b.values() {
                bound_receivers.insert(FuncId(first_ids[pi] + binding.func), binding.owner);
            }
        }
        // The function (global id) an object of an analysed package declares.
        let func_of = |o: &ObjRef| -> Option<u32> {
            let &target = by_path.get(&o.pkg)?;
            obj_maps[target as usize]
                .get(&o.idx)
                .map(|&l| first_ids[target as usize] + l)
        };
        // Which functions to model (see `demand`).
        let demanded = match modelled {
            Modelled::Demanded => {
                let scans: Vec<crate::demand::PackageScan> = pkgs
                    .par_iter()
                    .zip(&resolved)
                    .enumerate()
                    .map(|(pi, (p, r))| {
                        crate::demand::scan_package(
                            &env,
                            p,
                            &r.files,
                            &r.defs,
                            &func_of,
                            &bindings[pi],
                            first_ids[pi],
                        )
                    })
                    .collect();
                crate::demand::demanded(&scans, &first_ids, next as usize)
            }
            Modelled::All => vec![true; next as usize],
        };
        phase_times.push(("demand", t0.elapsed()));
        let t0 = std::time::Instant::now();

        // Phase 2: CFGs and ops.
        let per_pkg: Vec<Vec<Function>> = pkgs
            .par_iter()
            .enumerate()
            .map(|(pi, p)| {
                let r = &resolved[pi];
                let mut out = Vec::with_capacity(r.defs.len());
                for (li, def) in r.defs.iter().enumerate() {
                    let Some(file) = p.file(def.file) else {
                        continue;
                    };
                    let info = &r.files[def.file as usize];
                    let lit_func = |e: ExprId| {
                        lit_maps[pi]
                            .get(&(def.file, e))
                            .map(|&l| FuncId(first_ids[pi] + l))
                    };
                    let obj_func = |o: &ObjRef| func_of(o).map(FuncId);
                    let field_func = |k: &crate::fieldfuncs::FieldKey| {
                        bindings[pi].get(k).map(|b| FuncId(first_ids[pi] + b.func))
                    };
                    let ctx = OpCtx {
                        env: &env,
                        pkg: p,
                        file,
                        info,
                        pkg_index: pi as u32,
                        file_index: def.file,
                        lit_func: &lit_func,
                        obj_func: &obj_func,
                        field_func: &field_func,
                    };
                    let id = FuncId(first_ids[pi] + li as u32);
                    let modelled = demanded.get(id.0 as usize).copied().unwrap_or(true);
                    out.push(build_function(
                        &ctx,
                        file,
                        def.clone(),
                        id,
                        pi as u32,
                        modelled,
                    ));
                }
                out
            })
            .collect();

        let mut functions: Vec<Function> = per_pkg.into_iter().flatten().collect();
        phase_times.push(("cfg+ops", t0.elapsed()));
        let t0 = std::time::Instant::now();
        // Closures per parent.
        for i in 0..functions.len() {
            if let Some(parent) = functions[i].def.parent {
                let pi = functions[i].pkg as usize;
                let pid = first_ids[pi] + parent;
                let cid = functions[i].id;
                if let Some(pf) = functions.get_mut(pid as usize) {
                    pf.closures.push(cid);
                }
            }
        }
        let mut packages = Vec::with_capacity(pkgs.len());
        for (pi, (p, r)) in pkgs.into_iter().zip(resolved).enumerate() {
            let funcs = (0..r.defs.len() as u32)
                .map(|l| FuncId(first_ids[pi] + l))
                .collect();
            packages.push(PackageModel {
                pkg: p,
                files: r.files,
                funcs,
            });
        }
        let mut program = Program {
            env,
            packages,
            functions,
            summaries: Vec::new(),
            stats: Stats::default(),
            by_path,
            bound_receivers,
        };
        let (summaries, sccs, capped) = compute_summaries(&program);
        program.summaries = summaries;
        phase_times.push(("summaries", t0.elapsed()));
        program.stats = Stats {
            packages: program.packages.len(),
            files: program.packages.iter().map(|p| p.files.len()).sum(),
            functions: program.functions.len(),
            modelled: demanded.iter().filter(|&&d| d).count(),
            blocks: program.functions.iter().map(|f| f.cfg.blocks.len()).sum(),
            ops: program.functions.iter().map(|f| f.ops.len()).sum(),
            dependencies_loaded: program.env.loader.loaded_count(),
            sccs,
            summary_rounds_capped: capped,
            phase_times,
        };
        program
    }

    /// The calls of `func` whose callee is a function of the program, with
    /// that callee (interface and function-value calls are left out).
    pub fn static_calls<'p>(
        &'p self,
        func: &'p Function,
    ) -> impl Iterator<Item = (&'p crate::ops::Op, &'p Function)> + 'p {
        func.all_ops().filter_map(move |(_, _, op)| match &op.kind {
            OpKind::Call {
                callee: Callee::Func(c),
                ..
            } => self.function(*c).map(|callee| (op, callee)),
            _ => None,
        })
    }

    /// Builds a program from in-memory sources: `(import path, [(file name, source)])`.
    /// Convenient for tests and tools; dependencies come from `env`. Every
    /// function is modelled ([`Modelled::All`]).
    pub fn from_sources(
        packages: &[(&str, &[(&str, &str)])],
        env: crate::loader::GoEnv,
    ) -> Program {
        let inputs = packages
            .iter()
            .map(|(path, files)| {
                let parsed: Vec<(std::path::PathBuf, Arc<File>)> = files
                    .iter()
                    .map(|(name, src)| {
                        (
                            std::path::PathBuf::from(name),
                            Arc::new(goconc_syntax::parse_file(src.as_bytes().to_vec())),
                        )
                    })
                    .collect();
                let name = parsed
                    .first()
                    .map(|(_, f)| f.package().to_string())
                    .unwrap_or_default();
                PackageInput {
                    import_path: path.to_string(),
                    dir: std::path::PathBuf::from(path),
                    name,
                    files: parsed,
                    go_version: (1, 25),
                }
            })
            .collect();
        Program::build_with(inputs, Arc::new(Loader::new(env)), Modelled::All)
    }

    /// The analysed package with import path `path`.
    pub fn package(&self, path: &str) -> Option<&PackageModel> {
        self.by_path
            .get(path)
            .and_then(|&i| self.packages.get(i as usize))
    }

    pub fn function(&self, id: FuncId) -> Option<&Function> {
        self.functions.get(id.0 as usize)
    }

    pub fn summary(&self, id: FuncId) -> Option<&Summary> {
        self.summaries.get(id.0 as usize)
    }

    /// The function-local variable a key names.
    pub fn local(&self, key: &LocalKey) -> Option<&crate::body::Local> {
        self.packages
            .get(key.pkg as usize)?
            .files
            .get(key.file as usize)?
            .local(key.local)
    }

    /// The parsed file and its resolution info for a function.
    pub fn file_of(&self, f: &Function) -> Option<(&File, &FileInfo)> {
        let pm = self.packages.get(f.pkg as usize)?;
        Some((pm.pkg.file(f.def.file)?, pm.files.get(f.def.file as usize)?))
    }

    /// The function named `name` (`F` or `T.M`) declared in package `path`.
    pub fn find_function(&self, path: &str, name: &str) -> Option<&Function> {
        let pm = self.package(path)?;
        let want = format!("{path}.{name}");
        let want_ptr = name
            .split_once('.')
            .map(|(t, m)| format!("{path}.(*{t}).{m}"));
        pm.funcs
            .iter()
            .filter_map(|&id| self.function(id))
            .find(|f| f.def.name == want || want_ptr.as_deref() == Some(f.def.name.as_str()))
    }

    /// The type of an expression in a file of an analysed package.
    pub fn type_of(&self, pkg: u32, file: u32, e: ExprId) -> &Type {
        static UNKNOWN: Type = Type::Unknown;
        self.packages
            .get(pkg as usize)
            .and_then(|p| p.files.get(file as usize))
            .map(|f| f.ty(e))
            .unwrap_or(&UNKNOWN)
    }

    /// The integer value of a constant expression in `f`'s file (e.g. the
    /// capacity argument of `make`), if known.
    pub fn const_int(&self, f: &Function, e: ExprId) -> Option<i64> {
        let pm = self.packages.get(f.pkg as usize)?;
        let (file, info) = self.file_of(f)?;
        crate::body::const_int(&self.env, &pm.pkg, file, info, e)
    }

    /// The underlying type of `t`.
    pub fn underlying(&self, t: &Type) -> Type {
        self.env.underlying(t)
    }

    /// Translates a path expressed in `callee`'s frame (its receiver,
    /// parameters, captured variables, globals) to the caller's frame at a
    /// call with receiver path `recv` and argument paths `args`. `None` when
    /// the path is rooted in a callee-local variable or an argument that has
    /// no path.
    /// [`Program::substitute`], or, for a field reached from the callee's
    /// own local through fields only (`w.quit` for `for _, w := range
    /// p.workers { w.stop() }`), the callee's path itself: it has no name
    /// in the caller's frame, but [`Program::field_owner`] still identifies
    /// the field, so rules that match channels by field see it. Used for
    /// channel uses in summaries.
    /// The channel operations a static call performs through its callee
    /// (the callee's summary), with the channels named in the caller's
    /// frame; empty for any other op or an untranslatable channel.
    pub fn call_chan_uses<'a>(
        &'a self,
        op: &'a Op,
    ) -> impl Iterator<Item = (crate::ops::ChanOp, AccessPath)> + 'a {
        let call = match &op.kind {
            OpKind::Call {
                callee: Callee::Func(c),
                recv,
                args,
                ..
            } => self.summary(*c).map(|s| (*c, s, recv, args)),
            _ => None,
        };
        call.into_iter().flat_map(move |(c, s, recv, args)| {
            s.chans.iter().filter_map(move |u| {
                self.substitute(c, &u.path, recv.as_ref(), args)
                    .map(|p| (u.op, p))
            })
        })
    }

    pub fn substitute_field(
        &self,
        callee: FuncId,
        path: &AccessPath,
        recv: Option<&AccessPath>,
        args: &[Option<AccessPath>],
    ) -> Option<AccessPath> {
        self.substitute(callee, path, recv, args).or_else(|| {
            let named_fields = !path.fields.is_empty()
                && path
                    .fields
                    .iter()
                    .all(|e| matches!(e, crate::ops::PathElem::Field(_)));
            (matches!(path.base, Base::Local(_)) && named_fields).then(|| path.clone())
        })
    }

    pub fn substitute(
        &self,
        callee: FuncId,
        path: &AccessPath,
        recv: Option<&AccessPath>,
        args: &[Option<AccessPath>],
    ) -> Option<AccessPath> {
        let Base::Local(key) = &path.base else {
            return Some(path.clone());
        };
        let f = self.function(callee)?;
        if key.pkg != f.pkg || key.file != f.def.file {
            // A local of another file cannot be a parameter or capture.
            return None;
        }
        if f.def.recv == Some(key.local) {
            return recv.map(|r| path.rebase(r));
        }
        if let Some(i) = f.def.params.iter().position(|p| *p == key.local) {
            let variadic = f.def.sig.variadic && i + 1 == f.def.params.len();
            if variadic {
                return None;
            }
            return args.get(i).cloned().flatten().map(|a| path.rebase(&a));
        }
        // A closure called through the field it is bound to: the captured
        // owner is the object the field was called on.
        if let (Some(r), Some(&owner)) = (recv, self.bound_receivers.get(&callee)) {
            if owner == key.local {
                return Some(path.rebase(r));
            }
        }
        // A variable captured by a closure lives in an enclosing function:
        // it means the same thing in the caller (the parent or a sibling).
        if f.def.parent.is_some() {
            let owner = self
                .packages
                .get(key.pkg as usize)?
                .files
                .get(key.file as usize)?
                .local(key.local)?
                .func;
            let own_index =
                f.id.0
                    .checked_sub(self.packages.get(f.pkg as usize)?.funcs.first()?.0)?;
            if owner != own_index {
                return Some(path.clone());
            }
        }
        None
    }

    /// The type of the location an access path names (Unknown when any
    /// step is unknown). Index steps take the element type.
    pub fn path_type(&self, path: &AccessPath) -> Type {
        let mut t = match &path.base {
            Base::Local(k) => self
                .packages
                .get(k.pkg as usize)
                .and_then(|p| p.files.get(k.file as usize))
                .and_then(|f| f.local(k.local))
                .map(|l| l.ty.clone())
                .unwrap_or_default(),
            Base::Global(r) => self.env.type_of_object(r),
        };
        for e in &path.fields {
            t = match e {
                PathElem::Field(name) => match self.env.lookup_member(&t, name) {
                    Some(crate::env::Selection::Field { ty, .. }) => ty,
                    _ => return Type::Unknown,
                },
                PathElem::Index => match self.env.underlying(t.strip_pointer()) {
                    Type::Slice(el) | Type::Array(el) => (*el).clone(),
                    Type::Map(kv) => kv.1.clone(),
                    _ => return Type::Unknown,
                },
            };
        }
        t
    }

    /// For a path ending in a field (`s.jobs`), the type declaring the field
    /// (pointer stripped) and the field name: a key that identifies "the
    /// `jobs` channel of every `Server`" across functions.
    pub fn field_owner(&self, path: &AccessPath) -> Option<(Type, Sym)> {
        let (last, prefix) = path.fields.split_last()?;
        let PathElem::Field(name) = last else {
            return None;
        };
        let owner = self.path_type(&AccessPath {
            base: path.base.clone(),
            fields: prefix.iter().cloned().collect(),
        });
        let owner = owner.strip_pointer().clone();
        if owner.is_unknown() {
            return None;
        }
        Some((owner, name.clone()))
    }

    /// Human-readable form of a path using source names (`s.mu`, `wg`, `pkg.mu`).
    pub fn describe_path(&self, path: &AccessPath) -> String {
        let mut out = match &path.base {
            Base::Local(k) => self
                .packages
                .get(k.pkg as usize)
                .and_then(|p| {
                    let file = p.pkg.file(k.file)?;
                    let l = p.files.get(k.file as usize)?.local(k.local)?;
                    let name = l.name(file);
                    Some(if name.is_empty() {
                        match l.kind {
                            LocalKind::Param(i) => format!("param{i}"),
                            LocalKind::Recv => "recv".to_string(),
                            _ => "_".to_string(),
                        }
                    } else {
                        name.to_string()
                    })
                })
                .unwrap_or_else(|| "?".into()),
            Base::Global(r) => match self.env.package_ref(&r.pkg) {
                Some(p) => match p.object(r.idx) {
                    Some(o) => format!("{}.{}", p.name, o.name),
                    None => "?".into(),
                },
                None => "?".into(),
            },
        };
        for e in &path.fields {
            match e {
                PathElem::Field(n) => {
                    out.push('.');
                    out.push_str(n);
                }
                PathElem::Index => out.push_str("[*]"),
            }
        }
        out
    }

    /// Position (line, column; 1-based) of a byte offset in a function's file.
    pub fn line_col(&self, f: &Function, offset: u32) -> (u32, u32) {
        match self.file_of(f) {
            Some((file, _)) => {
                let lc = file.line_index.line_col(offset);
                (lc.line, lc.column)
            }
            None => (0, 0),
        }
    }
}

/// Builds a function's CFG and ops; a function outside the demand
/// (`modelled == false`) gets the CFG of an empty body and no ops.
fn build_function(
    ctx: &OpCtx<'_>,
    file: &File,
    def: FuncDef,
    id: FuncId,
    pkg: u32,
    modelled: bool,
) -> Function {
    let body: &[goconc_syntax::ast::StmtId] = if !modelled {
        &[]
    } else {
        match def.node {
            FuncNode::Decl(d) => match &file.decl(d).kind {
                DeclKind::Func { body: Some(b), .. } => &b.stmts,
                _ => &[],
            },
            FuncNode::Lit(e) => match &file.expr(e).kind {
                ExprKind::FuncLit { body, .. } => &body.stmts,
                _ => &[],
            },
        }
    };
    let noreturn = |call: ExprId| ctx.is_noreturn(call);
    let ends_test = |call: ExprId| ctx.ends_test(call);
    let cfg = cfg::build_with(file, body, &noreturn, &ends_test);
    let mut ops: Vec<(u32, Op)> = Vec::new();
    let mut op_start = Vec::with_capacity(cfg.blocks.len() + 1);
    let mut calls = Vec::new();
    let mut scratch = Vec::new();
    for (bi, block) in cfg.blocks.iter().enumerate() {
        let first = ops.len();
        op_start.push(first as u32);
        for (ni, node) in block.nodes.iter().enumerate() {
            scratch.clear();
            ctx.node_ops(*node, &mut scratch);
            for op in scratch.drain(..) {
                if let OpKind::Call { callee, .. } = &op.kind {
                    calls.push(CallSite {
                        block: BlockId(bi as u32),
                        op: (ops.len() - first) as u32,
                        callee: callee.clone(),
                        mode: op.mode,
                        span: op.span,
                    });
                }
                ops.push((ni as u32, op));
            }
        }
    }
    op_start.push(ops.len() as u32);
    Function {
        id,
        pkg,
        def,
        cfg,
        ops,
        op_start,
        calls,
        closures: Vec::new(),
    }
}
