//! Name resolution and types-lite for function bodies.
//!
//! One pass per file in source order: Go's block scoping is lexical and
//! declaration-before-use inside functions, so scopes and expression types
//! are computed together. Results are stored densely per expression id in
//! [`FileInfo`].

use std::sync::Arc;

use goconc_syntax::ast::{
    AssignOp, Block, DeclKind, ExprId, ExprKind, FieldList, FuncType, GenDeclKind, LitKind, Op,
    Span, SpecKind, StmtId, StmtKind,
};
use goconc_syntax::File;
use rustc_hash::FxHashMap;

use crate::env::{
    is_universe_type_name, receiver_type_params, type_param_names, universe_type, Builtin,
    DeclNames, Env, Selection, TypeNames,
};
use crate::package::{ImportTable, ObjKind, ObjRef, Package};
use crate::types::{Basic, NamedType, Signature, Sym, Type};

/// Index of a local in [`FileInfo::locals`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// What kind of local name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LocalKind {
    Var,
    Const,
    /// A type declared inside a function, or a type parameter.
    TypeName,
    Recv,
    Param(u32),
    Result(u32),
}

/// A function-local name (variable, parameter, receiver, result, local type).
#[derive(Clone, Debug)]
pub struct Local {
    /// The declaring identifier (empty for anonymous parameters); the name
    /// is `file.text(span)`, see [`Local::name`].
    pub span: Span,
    pub kind: LocalKind,
    pub ty: Type,
    /// The function (index into the package's function list) declaring it.
    pub func: u32,
    /// `f := func() {...}`: the literal (check `reassigned` before relying on it).
    pub func_lit: Option<ExprId>,
    /// The initialiser of a single-value declaration (`x := e`, `var x = e`).
    pub init: Option<ExprId>,
    /// Assigned again after its declaration.
    pub reassigned: bool,
    /// Referenced from a closure nested in the declaring function.
    pub captured: bool,
}

impl Local {
    /// The local's name (`""` for anonymous parameters).
    pub fn name<'f>(&self, file: &'f File) -> &'f str {
        file.text(self.span)
    }
}

/// What an identifier expression denotes.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub enum Res {
    /// Not an identifier, `_`, or unresolved.
    #[default]
    None,
    Local(LocalId),
    /// A package-level object of this file's package (index into
    /// [`Package::objects`]); see [`FileInfo::object`].
    Global(u32),
    /// An object of a dot-imported package (index into [`FileInfo::foreign`]).
    Foreign(u32),
    /// An import name, the qualifier of `pkg.Name` (index into the file's
    /// import table); see [`FileInfo::import_path`].
    Package(u32),
    Builtin(Builtin),
    /// A predeclared type or constant (`int`, `error`, `true`, `nil`, `iota`).
    Predeclared,
    /// The key of a struct literal element (`T{Name: v}`): names a field.
    FieldKey,
}

/// Where a function comes from.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum FuncNode {
    Decl(goconc_syntax::ast::DeclId),
    Lit(ExprId),
}

/// A function or closure of a file, as seen by the resolver.
#[derive(Clone, Debug)]
pub struct FuncDef {
    pub file: u32,
    pub node: FuncNode,
    /// Package object of a declared function or method.
    pub obj: Option<u32>,
    /// Enclosing function (index in the package's function list) for closures.
    pub parent: Option<u32>,
    pub recv: Option<LocalId>,
    pub params: Vec<LocalId>,
    pub results: Vec<LocalId>,
    pub sig: Arc<Signature>,
    /// Receiver type for methods (`*T` or `T`).
    pub recv_type: Option<Type>,
    pub name: String,
    pub span: Span,
}

/// Resolution and type results for one file.
#[derive(Debug, Default)]
pub struct FileInfo {
    /// By expression id: what an `Ident` expression resolves to.
    pub res: Vec<Res>,
    /// By expression id: the index of the expression's type (for type
    /// expressions, the type denoted) in `type_table`, with
    /// [`TYPE_EXPR_BIT`] set when the expression denotes a type. Index 0 is
    /// Unknown, so the table starts zeroed; a file has few distinct types,
    /// and 4 bytes per expression instead of a 16-byte [`Type`] each.
    types: Vec<u32>,
    /// The distinct types of the file's expressions (`[0]` is Unknown).
    type_table: Vec<Type>,
    /// Selector expressions (`x.f`) that resolved, in increasing id order
    /// (binary searched), with what `f` resolved to.
    selections: Vec<(ExprId, Selection)>,
    pub locals: Vec<Local>,
    /// Objects of dot-imported packages referenced by [`Res::Foreign`].
    pub foreign: Vec<ObjRef>,
    /// The file's imports ([`Res::Package`] indexes `imports.named`).
    pub imports: Arc<ImportTable>,
    /// Import path of the file's package.
    pub pkg_path: Sym,
}

/// Entries of the walker's cache of recent types.
const TYPE_CACHE: usize = 256;

/// Marks an entry of `FileInfo::types` whose expression denotes a type.
const TYPE_EXPR_BIT: u32 = 1 << 31;

impl FileInfo {
    pub fn res(&self, e: ExprId) -> &Res {
        static NONE: Res = Res::None;
        self.res.get(e.index()).unwrap_or(&NONE)
    }
    pub fn ty(&self, e: ExprId) -> &Type {
        static UNKNOWN: Type = Type::Unknown;
        self.types
            .get(e.index())
            .and_then(|&slot| self.type_table.get((slot & !TYPE_EXPR_BIT) as usize))
            .unwrap_or(&UNKNOWN)
    }
    pub fn is_type(&self, e: ExprId) -> bool {
        self.types
            .get(e.index())
            .is_some_and(|&slot| slot & TYPE_EXPR_BIT != 0)
    }
    pub fn selection(&self, e: ExprId) -> Option<&Selection> {
        let i = self.selections.binary_search_by_key(&e, |(x, _)| *x).ok()?;
        self.selections.get(i).map(|(_, s)| s)
    }
    /// Every resolved selector expression with its selection, in
    /// increasing expression id order.
    pub fn selections(&self) -> impl Iterator<Item = (ExprId, &Selection)> + '_ {
        self.selections.iter().map(|(e, s)| (*e, s))
    }
    /// Number of resolved selector expressions.
    pub fn selection_count(&self) -> usize {
        self.selections.len()
    }
    /// Number of distinct types in the file's type table.
    pub fn distinct_types(&self) -> usize {
        self.type_table.len()
    }
    pub fn local(&self, id: LocalId) -> Option<&Local> {
        self.locals.get(id.0 as usize)
    }
    /// The package-level object an identifier resolves to (own package or dot import).
    pub fn object(&self, res: &Res) -> Option<ObjRef> {
        match res {
            Res::Global(idx) => Some(ObjRef {
                pkg: self.pkg_path.clone(),
                idx: *idx,
            }),
            Res::Foreign(i) => self.foreign.get(*i as usize).cloned(),
            _ => None,
        }
    }
    /// The import path named by a [`Res::Package`].
    pub fn import_path(&self, res: &Res) -> Option<&Sym> {
        match res {
            Res::Package(i) => self.imports.named.get(*i as usize).map(|(_, p)| p),
            _ => None,
        }
    }
}

/// Infers the type of a package-level expression (initialiser of a global var).
pub(crate) fn infer_package_expr(env: &Env, pkg: &Package, file_idx: u32, expr: ExprId) -> Type {
    let Some(file) = pkg.file(file_idx) else {
        return Type::Unknown;
    };
    // `T{...}` and `&T{...}`: the type is written down; do not walk what may
    // be a huge table literal.
    let lit_type = |e: ExprId| match &file.expr(file.unparen(e)).kind {
        ExprKind::CompositeLit { ty: Some(t), .. } => Some(*t),
        _ => None,
    };
    let direct = match &file.expr(file.unparen(expr)).kind {
        ExprKind::Unary { op: Op::And, x } => lit_type(*x).map(|t| (t, true)),
        _ => lit_type(expr).map(|t| (t, false)),
    };
    if let Some((t, pointer)) = direct {
        let mut names = DeclNames {
            pkg,
            file: file_idx,
            tparams: &[],
        };
        let ty = env.convert_type(file, t, &mut names);
        return if pointer { Type::pointer(ty) } else { ty };
    }
    let mut w = Walker::new(env, pkg, file_idx, file, false, 0);
    w.expr(expr, None)
}

/// Resolves and types one file; returns the file info and the functions
/// (declared and literal) in source order. `first_func` is the index the
/// first function gets in the package's function list.
pub(crate) fn analyse_file(
    env: &Env,
    pkg: &Package,
    file_idx: u32,
    first_func: u32,
) -> (FileInfo, Vec<FuncDef>) {
    let Some(file) = pkg.file(file_idx) else {
        return (FileInfo::default(), Vec::new());
    };
    let mut w = Walker::new(env, pkg, file_idx, file, true, first_func);
    for &d in &file.decls {
        w.top_decl(d);
    }
    w.finish_selections();
    (w.info, w.funcs)
}

struct Walker<'a> {
    env: &'a Env,
    pkg: &'a Package,
    file_idx: u32,
    file: &'a File,
    imports: Arc<ImportTable>,
    record: bool,
    info: FileInfo,
    scope: Vec<(&'a str, LocalId)>,
    funcs: Vec<FuncDef>,
    first_func: u32,
    cur_func: Option<u32>,
    /// Start in `scope` of the innermost block.
    block_mark: usize,
    /// Closures numbered so far per enclosing function (for `F.funcN` names).
    lit_counts: FxHashMap<Option<u32>, u32>,
    /// Name → positions in `scope` (innermost last).
    scope_index: FxHashMap<&'a str, smallvec::SmallVec<[u32; 2]>>,
    /// Recently recorded types: identity ([`Type::identity`]) and index
    /// in `info.type_table`, direct-mapped (the table keeps each node
    /// alive, so an identity is never reused for another type).
    type_cache: Vec<((u8, usize), u32)>,
    /// Index in `info.type_table` of each basic type (0: not yet there).
    basic_ids: [u32; 32],
    /// Selections in the order found (sorted into `info` at the end).
    selections: Vec<(ExprId, Selection)>,
}

/// Type-name resolution inside a body: locals first, then package level.
struct BodyNames<'w, 'a> {
    w: &'w mut Walker<'a>,
}

impl TypeNames for BodyNames<'_, '_> {
    fn value_expr(&mut self, _env: &Env, expr: ExprId) {
        self.w.visit_expr(expr, None);
    }

    fn type_name(&mut self, env: &Env, expr: ExprId, name: &str) -> Option<Type> {
        let res = self.w.lookup(name);
        let ty = match &res {
            Res::Local(id) => self.w.info.locals.get(id.0 as usize).map(|l| l.ty.clone()),
            Res::Global(_) | Res::Foreign(_) => {
                self.w.info.object(&res).map(|r| env.type_of_object(&r))
            }
            Res::Predeclared => universe_type(name),
            _ => None,
        };
        self.w.set_res(expr, res);
        if let Some(t) = &ty {
            self.w.set_type_ref(expr, t, true);
        }
        ty
    }
    fn qualified(
        &mut self,
        env: &Env,
        sel_expr: ExprId,
        x: ExprId,
        qual: &str,
        name: &str,
    ) -> Option<Type> {
        let res = self.w.lookup(qual);
        let Some(path) = self.w.info.import_path(&res).cloned() else {
            self.w.set_res(x, res);
            return None;
        };
        self.w.set_res(x, res);
        if let Some(dep) = env.package_ref(&path) {
            if let Some(idx) = dep.lookup(name) {
                self.w.selections.push((
                    sel_expr,
                    Selection::Qualified(ObjRef {
                        pkg: dep.path.clone(),
                        idx,
                    }),
                ));
            }
        }
        let t = env.qualified_type(&path, name);
        self.w.set_type_ref(sel_expr, &t, true);
        Some(t)
    }
}

fn comma_ok(t: Type) -> Type {
    Type::Tuple(Arc::new(vec![t, Type::Basic(Basic::Bool)]))
}

impl<'a> Walker<'a> {
    fn new(
        env: &'a Env,
        pkg: &'a Package,
        file_idx: u32,
        file: &'a File,
        record: bool,
        first_func: u32,
    ) -> Self {
        let n = if record { file.exprs.len() } else { 0 };
        let imports = env.imports(pkg, file_idx);
        Walker {
            env,
            pkg,
            file_idx,
            file,
            imports: imports.clone(),
            record,
            info: FileInfo {
                imports,
                pkg_path: pkg.path.clone(),
                res: vec![Res::None; n],
                types: vec![0; n],
                type_table: if record {
                    vec![Type::Unknown]
                } else {
                    Vec::new()
                },
                ..FileInfo::default()
            },
            scope: Vec::new(),
            funcs: Vec::new(),
            first_func,
            cur_func: None,
            block_mark: 0,
            scope_index: FxHashMap::default(),
            lit_counts: FxHashMap::default(),
            type_cache: if record {
                vec![((0, 0), 0); TYPE_CACHE]
            } else {
                Vec::new()
            },
            basic_ids: [0; 32],
            // About one expression in nine is a selector: reserve that
            // much rather than count them (a pass over all expressions).
            selections: Vec::with_capacity(n / 8),
        }
    }

    /// Moves the selections found into `info`, sorted by expression (the
    /// last one recorded for an expression wins).
    fn finish_selections(&mut self) {
        let mut found = std::mem::take(&mut self.selections);
        // Found nearly in id order: the stable sort is one pass.
        found.sort_by_key(|(e, _)| *e);
        found.dedup_by(|later, kept| {
            if later.0 != kept.0 {
                return false;
            }
            std::mem::swap(&mut later.1, &mut kept.1);
            true
        });
        self.info.selections = found;
    }

    fn set_res(&mut self, e: ExprId, r: Res) {
        if let Some(slot) = self.info.res.get_mut(e.index()) {
            *slot = r;
        }
    }

    /// The index of `t` in the type table (added when not found in the
    /// small cache of recent types: the table may hold a type twice, which
    /// is harmless, but lookups stay a few instructions).
    fn type_id(&mut self, t: &Type) -> u32 {
        let key = t.identity();
        match t {
            Type::Unknown => return 0,
            Type::Basic(b) => {
                let slot = *b as usize;
                if let Some(&id) = self.basic_ids.get(slot).filter(|&&id| id != 0) {
                    return id;
                }
                let id = self.push_type(t);
                if let Some(s) = self.basic_ids.get_mut(slot) {
                    *s = id;
                }
                return id;
            }
            _ => {}
        }
        let h = (key.1 >> 4) ^ (key.1 >> 12) ^ key.0 as usize;
        let slot = h % TYPE_CACHE;
        if let Some(&(k, id)) = self.type_cache.get(slot) {
            if k == key && id != 0 {
                return id;
            }
        }
        let id = self.push_type(t);
        if let Some(entry) = self.type_cache.get_mut(slot) {
            *entry = (key, id);
        }
        id
    }

    fn push_type(&mut self, t: &Type) -> u32 {
        self.info.type_table.push(t.clone());
        (self.info.type_table.len() - 1) as u32
    }

    fn set_type(&mut self, e: ExprId, t: Type, is_type: bool) {
        self.set_type_ref(e, &t, is_type);
    }

    fn set_type_ref(&mut self, e: ExprId, t: &Type, is_type: bool) {
        if e.index() >= self.info.types.len() {
            return;
        }
        let id = self.type_id(t);
        if let Some(slot) = self.info.types.get_mut(e.index()) {
            // A type expression stays one when typed again.
            *slot = id | (*slot & TYPE_EXPR_BIT) | if is_type { TYPE_EXPR_BIT } else { 0 };
        }
    }

    fn lookup(&mut self, name: &str) -> Res {
        if name == "_" {
            return Res::None;
        }
        let found = if self.scope.len() <= 48 {
            self.scope
                .iter()
                .rev()
                .find(|(n, _)| *n == name)
                .map(|(_, id)| *id)
        } else {
            // Large scopes (generated code): indexed lookup keeps this linear.
            self.scope_index
                .get(name)
                .and_then(|v| v.last())
                .and_then(|&i| self.scope.get(i as usize))
                .map(|(_, id)| *id)
        };
        if let Some(id) = found {
            if let (Some(cur), Some(local)) =
                (self.cur_func, self.info.locals.get_mut(id.0 as usize))
            {
                if local.func != cur {
                    local.captured = true;
                }
            }
            return Res::Local(id);
        }
        if let Some(idx) = self.pkg.lookup(name) {
            return Res::Global(idx);
        }
        if let Some(i) = self.imports.named.iter().position(|(n, _)| &**n == name) {
            return Res::Package(i as u32);
        }
        for dot in self.imports.dot.iter() {
            if let Some(dep) = self.env.package_ref(dot) {
                if let Some(idx) = dep.lookup(name) {
                    let r = ObjRef {
                        pkg: dep.path.clone(),
                        idx,
                    };
                    let i = match self.info.foreign.iter().position(|f| *f == r) {
                        Some(i) => i,
                        None => {
                            self.info.foreign.push(r);
                            self.info.foreign.len() - 1
                        }
                    };
                    return Res::Foreign(i as u32);
                }
            }
        }
        if let Some(b) = Builtin::from_name(name) {
            return Res::Builtin(b);
        }
        if is_universe_type_name(name) || matches!(name, "true" | "false" | "nil" | "iota") {
            return Res::Predeclared;
        }
        Res::None
    }

    fn declare(&mut self, name_span: Span, kind: LocalKind, ty: Type) -> LocalId {
        let name = self.file.text(name_span);
        let id = LocalId(self.info.locals.len() as u32);
        self.info.locals.push(Local {
            span: name_span,
            kind,
            ty,
            func: self.cur_func.unwrap_or(u32::MAX),
            func_lit: None,
            init: None,
            reassigned: false,
            captured: false,
        });
        if name != "_" && !name.is_empty() {
            self.scope_index
                .entry(name)
                .or_default()
                .push(self.scope.len() as u32);
            self.scope.push((name, id));
        }
        id
    }

    fn convert(&mut self, e: ExprId) -> Type {
        let env = self.env;
        let file = self.file;
        let mut names = BodyNames { w: self };
        let t = env.convert_type(file, e, &mut names);
        self.set_type_ref(e, &t, true);
        t
    }

    fn convert_sig(&mut self, ft: &FuncType) -> Signature {
        let env = self.env;
        let file = self.file;
        let mut names = BodyNames { w: self };
        env.convert_sig(file, ft, &mut names)
    }

    // ----- declarations -------------------------------------------------

    fn top_decl(&mut self, d: goconc_syntax::ast::DeclId) {
        let file = self.file;
        let decl = file.decl(d);
        match &decl.kind {
            DeclKind::Func {
                recv,
                name,
                ty,
                body,
            } => {
                let obj = self.find_func_object(d);
                let mut tparams = type_param_names(file, ty.type_params.as_ref());
                if let Some(r) = recv {
                    tparams.extend(receiver_type_params(file, r));
                }
                let mark = self.open_scope();
                let fidx = self.first_func + self.funcs.len() as u32;
                self.cur_func = Some(fidx);
                self.declare_type_params(ty.type_params.as_ref());
                if let Some(r) = recv {
                    for name in receiver_type_params(file, r).iter() {
                        let span = self.find_ident_span(r, name);
                        self.declare(
                            span,
                            LocalKind::TypeName,
                            Type::TypeParam(Arc::new((*name).into())),
                        );
                    }
                }
                // The signature as computed (and cached) for the function's
                // object, the same conversion with the same names.
                let sig = match obj.map(|o| self.env.object_type(self.pkg, o)) {
                    Some(Type::Func(sig)) => sig,
                    _ => {
                        let mut names = DeclNames {
                            pkg: self.pkg,
                            file: self.file_idx,
                            tparams: &tparams,
                        };
                        Arc::new(self.env.convert_sig(file, ty, &mut names))
                    }
                };
                // Record resolution of the signature's type expressions.
                self.walk_func_type_exprs(ty);
                let mut recv_local = None;
                let mut recv_type = None;
                if let Some(r) = recv {
                    if let Some(f) = r.fields.first() {
                        let t = f.ty.map(|t| self.convert(t)).unwrap_or_default();
                        recv_type = Some(t.clone());
                        let span = f
                            .names
                            .first()
                            .map(|n| n.span)
                            .unwrap_or(Span::empty(r.span.start));
                        recv_local = Some(self.declare(span, LocalKind::Recv, t));
                    }
                }
                let (params, results) = self.declare_params(ty, &sig);
                let fname = match &recv_type {
                    Some(t) => {
                        let base = match t.strip_pointer() {
                            Type::Named(n) => n.name.to_string(),
                            _ => "?".into(),
                        };
                        if matches!(t, Type::Pointer(_)) {
                            format!("(*{base}).{}", file.name(*name))
                        } else {
                            format!("{base}.{}", file.name(*name))
                        }
                    }
                    None => file.name(*name).to_string(),
                };
                self.funcs.push(FuncDef {
                    file: self.file_idx,
                    node: FuncNode::Decl(d),
                    obj,
                    parent: None,
                    recv: recv_local,
                    params,
                    results,
                    sig,
                    recv_type,
                    name: format!("{}.{}", self.pkg.path, fname),
                    span: decl.span,
                });
                if let Some(body) = body {
                    self.body_stmts(body);
                }
                self.close_scope(mark);
                self.cur_func = None;
            }
            DeclKind::Gen { specs, .. } => {
                // Package-level declarations: record resolution of their expressions.
                for &s in specs {
                    match &file.spec(s).kind {
                        SpecKind::Value { ty, values, .. } => {
                            let hint = ty.map(|t| self.convert(t));
                            for &v in values {
                                self.visit_expr(v, hint.as_ref());
                            }
                        }
                        SpecKind::Type {
                            ty, type_params, ..
                        } => {
                            let mark = self.open_scope();
                            self.declare_type_params(type_params.as_ref());
                            self.convert(*ty);
                            self.close_scope(mark);
                        }
                        SpecKind::Import { .. } => {}
                    }
                }
            }
            DeclKind::Bad => {}
        }
    }

    fn find_ident_span(&self, r: &FieldList, name: &str) -> Span {
        // The type parameter identifier inside the receiver type expression.
        let Some(mut t) = r.fields.first().and_then(|f| f.ty) else {
            return Span::empty(r.span.start);
        };
        for _ in 0..8 {
            match &self.file.expr(t).kind {
                ExprKind::Star { x } | ExprKind::Paren { x } => t = *x,
                ExprKind::Index { index, .. } => return self.file.expr(*index).span,
                ExprKind::IndexList { indices, .. } => {
                    for i in indices {
                        if self.file.text(self.file.expr(*i).span) == name {
                            return self.file.expr(*i).span;
                        }
                    }
                    break;
                }
                _ => break,
            }
        }
        Span::empty(r.span.start)
    }

    fn find_func_object(&self, d: goconc_syntax::ast::DeclId) -> Option<u32> {
        self.pkg.func_objects.get(&(self.file_idx, d)).copied()
    }

    fn declare_type_params(&mut self, list: Option<&FieldList>) {
        let Some(list) = list else { return };
        for f in &list.fields {
            for n in &f.names {
                let name = self.file.name(*n);
                self.declare(
                    n.span,
                    LocalKind::TypeName,
                    Type::TypeParam(Arc::new(name.into())),
                );
            }
        }
        for f in &list.fields {
            if let Some(t) = f.ty {
                self.convert(t);
            }
        }
    }

    fn walk_func_type_exprs(&mut self, ft: &FuncType) {
        for f in ft.params.fields.iter() {
            if let Some(t) = f.ty {
                self.convert(t);
            }
        }
        if let Some(r) = &ft.results {
            for f in &r.fields {
                if let Some(t) = f.ty {
                    self.convert(t);
                }
            }
        }
    }

    fn declare_params(&mut self, ft: &FuncType, sig: &Signature) -> (Vec<LocalId>, Vec<LocalId>) {
        let mut params = Vec::new();
        let mut i = 0u32;
        for f in &ft.params.fields {
            if f.names.is_empty() {
                let ty = sig.params.get(i as usize).cloned().unwrap_or_default();
                let span = Span::empty(f.span.start);
                params.push(self.declare(span, LocalKind::Param(i), ty));
                i += 1;
            }
            for n in &f.names {
                let ty = sig.params.get(i as usize).cloned().unwrap_or_default();
                params.push(self.declare(n.span, LocalKind::Param(i), ty));
                i += 1;
            }
        }
        let mut results = Vec::new();
        let mut k = 0u32;
        if let Some(r) = &ft.results {
            for f in &r.fields {
                for n in &f.names {
                    let ty = sig.results.get(k as usize).cloned().unwrap_or_default();
                    results.push(self.declare(n.span, LocalKind::Result(k), ty));
                    k += 1;
                }
                if f.names.is_empty() {
                    k += 1;
                }
            }
        }
        (params, results)
    }

    fn func_lit(&mut self, e: ExprId, ft: &FuncType, body: &Block) -> Type {
        let sig = Arc::new(self.convert_sig(ft));
        self.walk_func_type_exprs(ft);
        let parent = self.cur_func;
        let fidx = self.first_func + self.funcs.len() as u32;
        let parent_name = parent
            .and_then(|p| p.checked_sub(self.first_func))
            .and_then(|p| self.funcs.get(p as usize))
            .map(|f| f.name.clone())
            .unwrap_or_else(|| format!("{}.glob", self.pkg.path));
        let nth = {
            let n = self.lit_counts.entry(parent).or_insert(0);
            *n += 1;
            *n
        };
        self.funcs.push(FuncDef {
            file: self.file_idx,
            node: FuncNode::Lit(e),
            obj: None,
            parent,
            recv: None,
            params: Vec::new(),
            results: Vec::new(),
            sig: sig.clone(),
            recv_type: None,
            name: format!("{parent_name}.func{nth}"),
            span: self.file.expr(e).span,
        });
        let slot = self.funcs.len() - 1;
        let mark = self.open_scope();
        self.cur_func = Some(fidx);
        let (params, results) = self.declare_params(ft, &sig);
        if let Some(f) = self.funcs.get_mut(slot) {
            f.params = params;
            f.results = results;
        }
        self.body_stmts(body);
        self.close_scope(mark);
        self.cur_func = parent;
        Type::Func(sig)
    }

    // ----- statements ---------------------------------------------------

    fn block_stmts(&mut self, b: &Block) {
        let mark = self.open_scope();
        self.body_stmts(b);
        self.close_scope(mark);
    }

    /// The statements of a block in the current scope (function bodies share
    /// the scope of the parameters).
    fn body_stmts(&mut self, b: &Block) {
        for &s in &b.stmts {
            self.stmt(s);
        }
    }

    fn open_scope(&mut self) -> (usize, usize) {
        let saved = (self.scope.len(), self.block_mark);
        self.block_mark = self.scope.len();
        saved
    }

    fn close_scope(&mut self, saved: (usize, usize)) {
        for (name, _) in self.scope.drain(saved.0..) {
            if let Some(v) = self.scope_index.get_mut(name) {
                v.pop();
            }
        }
        self.block_mark = saved.1;
    }

    fn stmt(&mut self, s: StmtId) {
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || self.stmt_inner(s))
    }

    fn stmt_inner(&mut self, s: StmtId) {
        let file = self.file;
        let Some(stmt) = file.stmts.get(s.index()) else {
            return;
        };
        match &stmt.kind {
            StmtKind::Bad | StmtKind::Empty { .. } | StmtKind::Branch { .. } => {}
            StmtKind::Decl(d) => self.local_decl(*d),
            StmtKind::Labeled { stmt, .. } => self.stmt(*stmt),
            StmtKind::Expr(e) => {
                self.visit_expr(*e, None);
            }
            StmtKind::Send { chan, value, .. } => {
                let ct = self.expr(*chan, None);
                let elem = match self.env.underlying(&ct) {
                    Type::Chan(c) => Some(c.1.clone()),
                    _ => None,
                };
                self.visit_expr(*value, elem.as_ref());
            }
            StmtKind::IncDec { x, .. } => {
                self.visit_expr(*x, None);
            }
            StmtKind::Assign { lhs, op, rhs, .. } => self.assign(lhs, *op, rhs),
            StmtKind::Go { call } | StmtKind::Defer { call } => {
                self.visit_expr(*call, None);
            }
            StmtKind::Return { results } => {
                let want: Vec<Type> = self
                    .cur_func
                    .and_then(|f| f.checked_sub(self.first_func))
                    .and_then(|f| self.funcs.get(f as usize))
                    .map(|f| f.sig.results.clone())
                    .unwrap_or_default();
                for (i, &r) in results.iter().enumerate() {
                    self.visit_expr(r, want.get(i));
                }
            }
            StmtKind::Block(b) => self.block_stmts(b),
            StmtKind::If {
                init,
                cond,
                body,
                els,
            } => {
                let mark = self.open_scope();
                if let Some(i) = init {
                    self.stmt(*i);
                }
                self.visit_expr(*cond, None);
                self.block_stmts(body);
                if let Some(e) = els {
                    self.stmt(*e);
                }
                self.close_scope(mark);
            }
            StmtKind::CaseClause { list, body, .. } => {
                let mark = self.open_scope();
                for &e in list.iter().flatten() {
                    self.visit_expr(e, None);
                }
                for &b in body {
                    self.stmt(b);
                }
                self.close_scope(mark);
            }
            StmtKind::Switch { init, tag, body } => {
                let mark = self.open_scope();
                if let Some(i) = init {
                    self.stmt(*i);
                }
                if let Some(t) = tag {
                    self.visit_expr(*t, None);
                }
                for &c in &body.stmts {
                    self.stmt(c);
                }
                self.close_scope(mark);
            }
            StmtKind::TypeSwitch { init, assign, body } => {
                let mark = self.open_scope();
                if let Some(i) = init {
                    self.stmt(*i);
                }
                // `v := x.(type)` or `x.(type)`.
                let (bind, subject) = match &file.stmt(*assign).kind {
                    StmtKind::Assign { lhs, rhs, .. } => (
                        lhs.first().and_then(|l| match file.expr(*l).kind {
                            ExprKind::Ident(id) => Some(id.span),
                            _ => None,
                        }),
                        rhs.first().copied(),
                    ),
                    StmtKind::Expr(e) => (None, Some(*e)),
                    _ => (None, None),
                };
                let subject_ty = match subject.map(|s| file.unparen(s)) {
                    Some(s) => match &file.expr(s).kind {
                        ExprKind::TypeAssert { x, .. } => self.expr(*x, None),
                        _ => self.expr(s, None),
                    },
                    None => Type::Unknown,
                };
                // The binding identifier itself: a variable of the subject's
                // type (each clause then declares its own, narrowed, copy).
                if let StmtKind::Assign { lhs, .. } = &file.stmt(*assign).kind {
                    if let Some(&l) = lhs.first() {
                        if let ExprKind::Ident(id) = file.expr(l).kind {
                            let mark_len = self.info.locals.len() as u32;
                            self.info.locals.push(Local {
                                span: id.span,
                                kind: LocalKind::Var,
                                ty: subject_ty.clone(),
                                func: self.cur_func.unwrap_or(u32::MAX),
                                func_lit: None,
                                init: None,
                                reassigned: false,
                                captured: false,
                            });
                            self.set_res(l, Res::Local(LocalId(mark_len)));
                            self.set_type_ref(l, &subject_ty, false);
                        }
                    }
                }
                for &c in &body.stmts {
                    let StmtKind::CaseClause { list, body, .. } = &file.stmt(c).kind else {
                        continue;
                    };
                    let cmark = self.open_scope();
                    let mut case_types = Vec::new();
                    for &e in list.iter().flatten() {
                        case_types.push(self.convert(e));
                    }
                    if let Some(span) = bind {
                        let ty = if case_types.len() == 1 {
                            let t = case_types.pop().unwrap_or_default();
                            if t == Type::Basic(Basic::UntypedNil) {
                                subject_ty.clone()
                            } else {
                                t
                            }
                        } else {
                            subject_ty.clone()
                        };
                        self.declare(span, LocalKind::Var, ty);
                    }
                    for &b in body {
                        self.stmt(b);
                    }
                    self.close_scope(cmark);
                }
                self.close_scope(mark);
            }
            StmtKind::CommClause { comm, body, .. } => {
                let mark = self.open_scope();
                if let Some(c) = comm {
                    self.stmt(*c);
                }
                for &b in body {
                    self.stmt(b);
                }
                self.close_scope(mark);
            }
            StmtKind::Select { body } => {
                for &c in &body.stmts {
                    self.stmt(c);
                }
            }
            StmtKind::For {
                init,
                cond,
                post,
                body,
            } => {
                let mark = self.open_scope();
                if let Some(i) = init {
                    self.stmt(*i);
                }
                if let Some(c) = cond {
                    self.visit_expr(*c, None);
                }
                if let Some(p) = post {
                    self.stmt(*p);
                }
                self.block_stmts(body);
                self.close_scope(mark);
            }
            StmtKind::Range {
                key,
                value,
                op,
                x,
                body,
            } => {
                let mark = self.open_scope();
                let xt = self.expr(*x, None);
                let (kt, vt) = self.range_types(&xt);
                if *op == Some(AssignOp::Define) {
                    for (e, t) in [(key, kt), (value, vt)] {
                        if let Some(e) = e {
                            if let ExprKind::Ident(id) = file.expr(*e).kind {
                                let l = self.declare(id.span, LocalKind::Var, t.clone());
                                self.set_res(*e, Res::Local(l));
                                self.set_type(*e, t, false);
                            }
                        }
                    }
                } else {
                    for e in [key, value].into_iter().flatten() {
                        self.visit_expr(*e, None);
                    }
                }
                self.block_stmts(body);
                self.close_scope(mark);
            }
        }
    }

    /// Key and value types of `for k, v := range x`.
    pub(crate) fn range_types(&self, xt: &Type) -> (Type, Type) {
        let u = self.env.underlying(xt);
        let u = match &u {
            Type::Pointer(inner) => self.env.underlying(inner),
            _ => u,
        };
        match u {
            Type::Slice(e) | Type::Array(e) => (Type::Basic(Basic::Int), (*e).clone()),
            Type::Basic(Basic::String) => (Type::Basic(Basic::Int), Type::Basic(Basic::Int32)),
            Type::Basic(_) => (xt.clone(), Type::Unknown),
            Type::Map(kv) => (kv.0.clone(), kv.1.clone()),
            Type::Chan(c) => (c.1.clone(), Type::Unknown),
            Type::Func(sig) => match sig.params.first().map(|p| self.env.underlying(p)) {
                Some(Type::Func(yield_sig)) => (
                    yield_sig.params.first().cloned().unwrap_or_default(),
                    yield_sig.params.get(1).cloned().unwrap_or_default(),
                ),
                _ => (Type::Unknown, Type::Unknown),
            },
            _ => (Type::Unknown, Type::Unknown),
        }
    }

    fn local_decl(&mut self, d: goconc_syntax::ast::DeclId) {
        let file = self.file;
        let DeclKind::Gen { kind, specs, .. } = &file.decl(d).kind else {
            return;
        };
        for &s in specs {
            match &file.spec(s).kind {
                SpecKind::Value { names, ty, values } => {
                    let declared = ty.map(|t| self.convert(t));
                    let mut vtypes = Vec::new();
                    for &v in values {
                        vtypes.push(self.expr(v, declared.as_ref()));
                    }
                    let kind_local = if *kind == GenDeclKind::Const {
                        LocalKind::Const
                    } else {
                        LocalKind::Var
                    };
                    let tuple = if values.len() == 1 && names.len() > 1 {
                        match vtypes.first() {
                            Some(Type::Tuple(items)) => Some(items.clone()),
                            _ => None,
                        }
                    } else {
                        None
                    };
                    for (i, n) in names.iter().enumerate() {
                        let t = match (&declared, &tuple) {
                            (Some(t), _) => t.clone(),
                            (None, Some(items)) => items.get(i).cloned().unwrap_or_default(),
                            (None, None) => vtypes.get(i).cloned().unwrap_or_default(),
                        };
                        let id = self.declare(n.span, kind_local, t);
                        if let Some(&v) = values.get(i) {
                            if values.len() == names.len() {
                                let v = file.unparen(v);
                                let is_lit = matches!(file.expr(v).kind, ExprKind::FuncLit { .. });
                                if let Some(l) = self.info.locals.get_mut(id.0 as usize) {
                                    l.init = Some(v);
                                    if is_lit {
                                        l.func_lit = Some(v);
                                    }
                                }
                            }
                        }
                    }
                }
                SpecKind::Type {
                    name,
                    ty,
                    type_params,
                    ..
                } => {
                    // Declared before its type so recursive local types resolve.
                    let id = self.declare(name.span, LocalKind::TypeName, Type::Unknown);
                    let mark = self.open_scope();
                    self.declare_type_params(type_params.as_ref());
                    let t = self.convert(*ty);
                    self.close_scope(mark);
                    if let Some(l) = self.info.locals.get_mut(id.0 as usize) {
                        l.ty = t;
                    }
                }
                SpecKind::Import { .. } => {}
            }
        }
    }

    fn assign(&mut self, lhs: &[ExprId], op: AssignOp, rhs: &[ExprId]) {
        let file = self.file;
        // Right-hand sides first: `x := x + 1` refers to the outer `x`.
        let mut rtypes = Vec::with_capacity(rhs.len());
        for &r in rhs {
            rtypes.push(self.expr(r, None));
        }
        let ltypes: Vec<Type> = if lhs.len() > 1 && rhs.len() == 1 {
            let r = file.unparen(rhs[0]);
            match (&rtypes[0], &file.expr(r).kind) {
                (Type::Tuple(items), _) => items.to_vec(),
                (t, ExprKind::Index { .. })
                | (t, ExprKind::TypeAssert { .. })
                | (t, ExprKind::Unary { op: Op::Arrow, .. }) => match comma_ok(t.clone()) {
                    Type::Tuple(items) => items.to_vec(),
                    _ => Vec::new(),
                },
                _ => Vec::new(),
            }
        } else {
            rtypes.clone()
        };
        if op == AssignOp::Define {
            let mark_start = self.block_mark.min(self.scope.len());
            for (i, &l) in lhs.iter().enumerate() {
                let ExprKind::Ident(id) = file.expr(l).kind else {
                    self.visit_expr(l, None);
                    continue;
                };
                let name = file.name(id);
                let t = ltypes.get(i).cloned().unwrap_or_default();
                // Redeclaration in the same scope assigns the existing variable.
                let existing = self
                    .scope_index
                    .get(name)
                    .and_then(|v| v.last())
                    .filter(|&&pos| pos as usize >= mark_start)
                    .and_then(|&pos| self.scope.get(pos as usize))
                    .map(|(_, id)| *id);
                let lid = match existing {
                    Some(lid) if name != "_" => {
                        if let Some(loc) = self.info.locals.get_mut(lid.0 as usize) {
                            loc.reassigned = true;
                        }
                        lid
                    }
                    _ => {
                        let lid = self.declare(id.span, LocalKind::Var, t.clone());
                        if lhs.len() == rhs.len() {
                            let r = file.unparen(rhs[i]);
                            let is_lit = matches!(file.expr(r).kind, ExprKind::FuncLit { .. });
                            if let Some(loc) = self.info.locals.get_mut(lid.0 as usize) {
                                loc.init = Some(r);
                                if is_lit {
                                    loc.func_lit = Some(r);
                                }
                            }
                        }
                        lid
                    }
                };
                if name != "_" {
                    self.set_res(l, Res::Local(lid));
                }
                let lt = self
                    .info
                    .locals
                    .get(lid.0 as usize)
                    .map(|l| l.ty.clone())
                    .unwrap_or(t);
                self.set_type(l, lt, false);
            }
        } else {
            for (i, &l) in lhs.iter().enumerate() {
                self.visit_expr(l, None);
                if let ExprKind::Ident(_) = file.expr(l).kind {
                    if let Some(Res::Local(lid)) = self.info.res.get(l.index()).cloned() {
                        // `var walk func(n *Node); walk = func(n *Node) {...}`:
                        // the one assignment of a function literal to a
                        // variable declared without a value (in the same
                        // function) names the literal, so a recursive
                        // closure's calls resolve.
                        let lit = (lhs.len() == rhs.len())
                            .then(|| rhs.get(i).map(|&r| file.unparen(r)))
                            .flatten()
                            .filter(|&r| matches!(file.expr(r).kind, ExprKind::FuncLit { .. }));
                        let cur_func = self.cur_func;
                        if let Some(loc) = self.info.locals.get_mut(lid.0 as usize) {
                            let first_binding = loc.kind == LocalKind::Var
                                && loc.init.is_none()
                                && loc.func_lit.is_none()
                                && !loc.reassigned
                                && Some(loc.func) == cur_func;
                            match lit {
                                Some(r) if first_binding && op == AssignOp::Assign => {
                                    loc.func_lit = Some(r);
                                }
                                _ => loc.reassigned = true,
                            }
                        }
                    }
                }
            }
        }
    }

    // ----- expressions --------------------------------------------------

    /// Resolves and types `e` (recording both) and returns its type.
    fn expr(&mut self, e: ExprId, hint: Option<&Type>) -> Type {
        let (t, is_type) = self.expr_untracked(e, hint);
        if self.record {
            self.set_type_ref(e, &t, is_type);
        }
        t
    }

    /// [`Walker::expr`] for callers that do not need the type: it moves
    /// into the table without the reference-count round trip of a clone.
    fn visit_expr(&mut self, e: ExprId, hint: Option<&Type>) {
        let (t, is_type) = self.expr_untracked(e, hint);
        self.set_type(e, t, is_type);
    }

    /// The type of `e` and whether it denotes a type, not yet recorded for `e`.
    fn expr_untracked(&mut self, e: ExprId, hint: Option<&Type>) -> (Type, bool) {
        // No depth cap here: the tree is finite; stacker keeps deep nesting safe.
        stacker::maybe_grow(64 * 1024, 2 * 1024 * 1024, || self.expr_inner(e, hint))
    }

    fn expr_inner(&mut self, e: ExprId, hint: Option<&Type>) -> (Type, bool) {
        let file = self.file;
        let Some(node) = file.exprs.get(e.index()) else {
            return (Type::Unknown, false);
        };
        let mut is_type = false;
        let t = match &node.kind {
            ExprKind::Bad => Type::Unknown,
            ExprKind::Ident(id) => {
                let name = file.name(*id);
                let res = self.lookup(name);
                let (t, ty_expr) = self.ident_type(name, &res);
                is_type = ty_expr;
                self.set_res(e, res);
                t
            }
            ExprKind::BasicLit(lit) => match lit.kind {
                LitKind::Int => Type::Basic(Basic::Int),
                LitKind::Float => Type::Basic(Basic::Float64),
                LitKind::Imag => Type::Basic(Basic::Complex128),
                LitKind::Char => Type::Basic(Basic::Int32),
                LitKind::String => Type::Basic(Basic::String),
            },
            ExprKind::FuncLit { ty, body } => {
                if self.record {
                    self.func_lit(e, ty, body)
                } else {
                    let sig = self.convert_sig(ty);
                    Type::Func(Arc::new(sig))
                }
            }
            ExprKind::CompositeLit { ty, elts, .. } => {
                let lit_ty = match ty {
                    Some(t) => self.convert(*t),
                    None => match hint {
                        Some(Type::Pointer(inner)) => (**inner).clone(),
                        Some(h) => h.clone(),
                        None => Type::Unknown,
                    },
                };
                self.composite_elts(&lit_ty, elts);
                if ty.is_none() && matches!(hint, Some(Type::Pointer(_))) {
                    Type::pointer(lit_ty)
                } else {
                    lit_ty
                }
            }
            ExprKind::Paren { x } => {
                let t = self.expr(*x, hint);
                is_type = self.info.is_type(*x);
                t
            }
            ExprKind::Selector { x, sel } => {
                let (t, ty_expr) = self.selector(e, *x, file.name(*sel));
                is_type = ty_expr;
                t
            }
            ExprKind::Index { x, index } => {
                let xt = self.expr(*x, None);
                if self.info.is_type(*x) {
                    let arg = self.expr(*index, None);
                    is_type = true;
                    match xt {
                        Type::Named(n) => Type::Named(Arc::new(NamedType {
                            pkg: n.pkg.clone(),
                            name: n.name.clone(),
                            args: vec![arg],
                        }))
                        .capped(),
                        other => other,
                    }
                } else {
                    let u = self.env.underlying(&xt);
                    let key_hint = match &u {
                        Type::Map(kv) => Some(kv.0.clone()),
                        _ => None,
                    };
                    self.visit_expr(*index, key_hint.as_ref());
                    match u {
                        Type::Slice(el) | Type::Array(el) => (*el).clone(),
                        Type::Pointer(inner) => match self.env.underlying(&inner) {
                            Type::Array(el) => (*el).clone(),
                            _ => Type::Unknown,
                        },
                        Type::Map(kv) => kv.1.clone(),
                        Type::Basic(Basic::String) => Type::Basic(Basic::Uint8),
                        // Instantiation of a generic function.
                        Type::Func(_) => xt,
                        _ => Type::Unknown,
                    }
                }
            }
            ExprKind::IndexList { x, indices } => {
                let xt = self.expr(*x, None);
                let args: Vec<Type> = indices.iter().map(|i| self.expr(*i, None)).collect();
                if self.info.is_type(*x) {
                    is_type = true;
                    match xt {
                        Type::Named(n) => Type::Named(Arc::new(NamedType {
                            pkg: n.pkg.clone(),
                            name: n.name.clone(),
                            args,
                        }))
                        .capped(),
                        other => other,
                    }
                } else {
                    xt
                }
            }
            ExprKind::Slice {
                x, low, high, max, ..
            } => {
                let xt = self.expr(*x, None);
                for i in [low, high, max].into_iter().flatten() {
                    self.visit_expr(*i, None);
                }
                match self.env.underlying(&xt) {
                    Type::Array(el) => Type::Slice(el),
                    Type::Pointer(inner) => match self.env.underlying(&inner) {
                        Type::Array(el) => Type::Slice(el),
                        _ => Type::Unknown,
                    },
                    _ => xt,
                }
            }
            ExprKind::TypeAssert { x, ty } => {
                self.visit_expr(*x, None);
                match ty {
                    Some(t) => self.convert(*t),
                    None => Type::Unknown,
                }
            }
            ExprKind::Call { fun, args, .. } => self.call(*fun, args),
            ExprKind::Star { x } => {
                let xt = self.expr(*x, None);
                if self.info.is_type(*x) {
                    is_type = true;
                    Type::pointer(xt)
                } else {
                    match xt {
                        Type::Pointer(inner) => (*inner).clone(),
                        other => match self.env.underlying(&other) {
                            Type::Pointer(inner) => (*inner).clone(),
                            _ => Type::Unknown,
                        },
                    }
                }
            }
            ExprKind::Unary { op, x } => {
                let inner_hint = match (op, hint) {
                    (Op::And, Some(Type::Pointer(h))) => Some((**h).clone()),
                    _ => None,
                };
                let xt = self.expr(*x, inner_hint.as_ref());
                match op {
                    Op::And => Type::pointer(xt),
                    Op::Arrow => match self.env.underlying(&xt) {
                        Type::Chan(c) => c.1.clone(),
                        _ => Type::Unknown,
                    },
                    Op::Not => Type::Basic(Basic::Bool),
                    _ => xt,
                }
            }
            ExprKind::Binary { x, op, y, .. } => {
                let xt = self.expr(*x, None);
                let yt = self.expr(*y, None);
                match op {
                    Op::Eql
                    | Op::Neq
                    | Op::Lss
                    | Op::Leq
                    | Op::Gtr
                    | Op::Geq
                    | Op::LAnd
                    | Op::LOr => Type::Basic(Basic::Bool),
                    Op::Shl | Op::Shr => xt,
                    Op::Or if self.info.is_type(*x) => {
                        is_type = true;
                        Type::Interface(Arc::default())
                    }
                    _ => {
                        // Untyped constants adopt the other operand's type.
                        let x_lit =
                            matches!(file.expr(file.unparen(*x)).kind, ExprKind::BasicLit(_));
                        if xt.is_unknown() || (x_lit && !yt.is_unknown()) {
                            yt
                        } else {
                            xt
                        }
                    }
                }
            }
            ExprKind::KeyValue { key, value } => {
                self.visit_expr(*key, None);
                self.expr(*value, hint)
            }
            ExprKind::Ellipsis { elt } => {
                is_type = true;
                match elt {
                    Some(el) => Type::Slice(Arc::new(self.convert(*el))),
                    None => Type::Unknown,
                }
            }
            ExprKind::ArrayType { .. }
            | ExprKind::StructType { .. }
            | ExprKind::FuncType(_)
            | ExprKind::InterfaceType { .. }
            | ExprKind::MapType { .. }
            | ExprKind::ChanType { .. } => {
                is_type = true;
                self.convert(e)
            }
        };
        (t, is_type)
    }

    /// Type of an identifier given its resolution, and whether it denotes a type.
    fn ident_type(&mut self, name: &str, res: &Res) -> (Type, bool) {
        let mut is_type = false;
        let t = match res {
            Res::Local(l) => {
                let loc = self.info.locals.get(l.0 as usize);
                is_type = loc.is_some_and(|l| l.kind == LocalKind::TypeName);
                loc.map(|l| l.ty.clone()).unwrap_or_default()
            }
            Res::Global(idx) => {
                is_type = self
                    .pkg
                    .object(*idx)
                    .is_some_and(|o| o.kind == ObjKind::TypeName);
                self.env.object_type(self.pkg, *idx)
            }
            Res::Foreign(i) => match self.info.foreign.get(*i as usize).cloned() {
                None => Type::Unknown,
                Some(r) => match self.env.package_ref(&r.pkg) {
                    Some(p) => {
                        is_type = p.object(r.idx).is_some_and(|o| o.kind == ObjKind::TypeName);
                        self.env.object_type(&p, r.idx)
                    }
                    None => Type::Unknown,
                },
            },
            Res::Predeclared => match name {
                "true" | "false" => Type::Basic(Basic::Bool),
                "nil" => Type::Basic(Basic::UntypedNil),
                "iota" => Type::Basic(Basic::Int),
                _ => {
                    is_type = true;
                    universe_type(name).unwrap_or_default()
                }
            },
            _ => Type::Unknown,
        };
        (t, is_type)
    }

    fn composite_elts(&mut self, lit_ty: &Type, elts: &[ExprId]) {
        let file = self.file;
        let u = self.env.underlying(lit_ty);
        match &u {
            Type::Struct(st) => {
                for (i, &el) in elts.iter().enumerate() {
                    if let ExprKind::KeyValue { key, value } = &file.expr(el).kind {
                        let fname = match file.expr(*key).kind {
                            ExprKind::Ident(id) => file.name(id),
                            _ => "",
                        };
                        let fty = st
                            .fields
                            .iter()
                            .find(|f| &*f.name == fname)
                            .map(|f| f.ty.clone());
                        if let Some(ft) = &fty {
                            self.set_type_ref(*key, ft, false);
                            self.set_res(*key, Res::FieldKey);
                        }
                        let vt = self.expr(*value, fty.as_ref());
                        self.set_type(el, vt, false);
                    } else {
                        let fty = st.fields.get(i).map(|f| f.ty.clone());
                        self.visit_expr(el, fty.as_ref());
                    }
                }
            }
            Type::Slice(elem) | Type::Array(elem) => {
                for &el in elts {
                    if let ExprKind::KeyValue { key, value } = &file.expr(el).kind {
                        self.visit_expr(*key, None);
                        self.visit_expr(*value, Some(elem));
                    } else {
                        self.visit_expr(el, Some(elem));
                    }
                }
            }
            Type::Map(kv) => {
                for &el in elts {
                    if let ExprKind::KeyValue { key, value } = &file.expr(el).kind {
                        self.visit_expr(*key, Some(&kv.0));
                        self.visit_expr(*value, Some(&kv.1));
                    } else {
                        self.visit_expr(el, None);
                    }
                }
            }
            _ => {
                for &el in elts {
                    if let ExprKind::KeyValue { key, value } = &file.expr(el).kind {
                        // The key may be a field name of an unknown struct: resolve
                        // only if it names something visible.
                        if !matches!(file.expr(*key).kind, ExprKind::Ident(_)) {
                            self.visit_expr(*key, None);
                        }
                        self.visit_expr(*value, None);
                    } else {
                        self.visit_expr(el, None);
                    }
                }
            }
        }
    }

    /// Resolves `x.name`; returns the type and whether it denotes a type.
    fn selector(&mut self, e: ExprId, x: ExprId, name: &str) -> (Type, bool) {
        let file = self.file;
        let xu = file.unparen(x);
        let mut pre_res = None;
        if let ExprKind::Ident(q) = file.expr(xu).kind {
            let res = self.lookup(file.name(q));
            if let Some(path) = self.info.import_path(&res).cloned() {
                self.set_res(xu, res);
                if path.as_ref() == "unsafe" && name == "Pointer" {
                    return (Type::Basic(Basic::UnsafePointer), true);
                }
                let Some(dep) = self.env.package_ref(&path) else {
                    // Unknown package: its objects are unknown (type
                    // expressions still name them, see `Env::qualified_type`).
                    return (Type::Unknown, false);
                };
                let Some(idx) = dep.lookup(name) else {
                    return (Type::Unknown, false);
                };
                let r = ObjRef {
                    pkg: dep.path.clone(),
                    idx,
                };
                let is_type = dep.object(idx).is_some_and(|o| o.kind == ObjKind::TypeName);
                let t = self.env.object_type(&dep, idx);
                if self.record {
                    self.selections.push((e, Selection::Qualified(r)));
                }
                return (t, is_type);
            }
            pre_res = Some(res);
        }
        let xt = match file.expr(x).kind {
            // Plain identifier: reuse the lookup done above.
            ExprKind::Ident(q) if pre_res.is_some() => {
                let res = pre_res.unwrap_or_default();
                let (t, ty_expr) = self.ident_type(file.name(q), &res);
                self.set_res(x, res);
                self.set_type_ref(x, &t, ty_expr);
                t
            }
            _ => self.expr(x, None),
        };
        let x_is_type = self.info.is_type(x);
        let Some(sel) = self.env.lookup_member(&xt, name) else {
            return (Type::Unknown, false);
        };
        let (t, sel) = match sel {
            Selection::Field { ref ty, .. } => (ty.clone(), sel),
            Selection::Method {
                embedded,
                name,
                recv,
                func,
                interface,
                sig,
                ..
            } => {
                let t = if x_is_type {
                    let mut s = (*sig).clone();
                    s.params.insert(0, xt.clone());
                    Type::Func(Arc::new(s))
                } else {
                    Type::Func(sig.clone())
                };
                (
                    t,
                    Selection::Method {
                        embedded,
                        name,
                        recv,
                        func,
                        interface,
                        sig,
                        method_expr: x_is_type,
                    },
                )
            }
            Selection::Qualified(_) => (Type::Unknown, sel),
        };
        if self.record {
            self.selections.push((e, sel));
        }
        (t, false)
    }

    fn call(&mut self, fun: ExprId, args: &[ExprId]) -> Type {
        let file = self.file;
        let ft = self.expr(fun, None);
        if self.info.is_type(fun) {
            for &a in args {
                self.visit_expr(a, None);
            }
            return ft;
        }
        if let Some(Res::Builtin(b)) = self
            .info
            .res
            .get(file.unparen(fun).index())
            .cloned()
            .or_else(|| {
                // Not recording: resolve the builtin name directly.
                match file.expr(file.unparen(fun)).kind {
                    ExprKind::Ident(id) => Some(self.lookup(file.name(id))),
                    _ => None,
                }
            })
        {
            let mut arg_types = Vec::with_capacity(args.len());
            for (i, &a) in args.iter().enumerate() {
                let hint = if i > 0 {
                    arg_types.first().cloned()
                } else {
                    None
                };
                let hint = match (b, hint) {
                    (Builtin::Append, Some(t)) => match self.env.underlying(&t) {
                        Type::Slice(el) => Some((*el).clone()),
                        _ => None,
                    },
                    _ => None,
                };
                arg_types.push(self.expr(a, hint.as_ref()));
            }
            let first = arg_types.first().cloned().unwrap_or_default();
            return match b {
                Builtin::Make => first,
                Builtin::New => Type::pointer(first),
                Builtin::Len | Builtin::Cap | Builtin::Copy => Type::Basic(Basic::Int),
                Builtin::Append | Builtin::Max | Builtin::Min => first,
                Builtin::Complex => Type::Basic(Basic::Complex128),
                Builtin::Real | Builtin::Imag => Type::Basic(Basic::Float64),
                Builtin::Recover => Type::Interface(Arc::default()),
                Builtin::Close
                | Builtin::Delete
                | Builtin::Panic
                | Builtin::Print
                | Builtin::Println
                | Builtin::Clear => Type::empty_tuple(),
            };
        }
        let sig = match self.env.underlying(&ft) {
            Type::Func(sig) => Some(sig),
            _ => None,
        };
        for (i, &a) in args.iter().enumerate() {
            let hint = sig.as_ref().map(|s| s.param_for_arg(i));
            self.visit_expr(a, hint);
        }
        match sig {
            Some(s) => s.result_type(),
            None => Type::Unknown,
        }
    }
}

/// The integer value of a constant expression in an analysed file:
/// literals, local and package-level constants (also of other packages),
/// arithmetic and conversions. `None` when not a known integer constant.
pub fn const_int(env: &Env, pkg: &Package, file: &File, info: &FileInfo, e: ExprId) -> Option<i64> {
    crate::env::guarded(None, || {
        let eval = |x: ExprId| const_int(env, pkg, file, info, x);
        match &file.exprs.get(e.index())?.kind {
            ExprKind::BasicLit(lit) if lit.kind == LitKind::Int => parse_int(file.text(lit.span)),
            ExprKind::Paren { x } => eval(*x),
            ExprKind::Unary { op, x } => {
                let v = eval(*x)?;
                match op {
                    Op::Sub => v.checked_neg(),
                    Op::Add => Some(v),
                    Op::Xor => Some(!v),
                    _ => None,
                }
            }
            ExprKind::Binary { x, op, y, .. } => {
                let (a, b) = (eval(*x)?, eval(*y)?);
                match op {
                    Op::Add => a.checked_add(b),
                    Op::Sub => a.checked_sub(b),
                    Op::Mul => a.checked_mul(b),
                    Op::Quo => a.checked_div(b),
                    Op::Rem => a.checked_rem(b),
                    Op::Shl => u32::try_from(b).ok().and_then(|s| a.checked_shl(s)),
                    Op::Shr => u32::try_from(b).ok().and_then(|s| a.checked_shr(s)),
                    Op::And => Some(a & b),
                    Op::Or => Some(a | b),
                    Op::Xor => Some(a ^ b),
                    Op::AndNot => Some(a & !b),
                    _ => None,
                }
            }
            ExprKind::Ident(_) => match info.res(e) {
                Res::Local(l) => {
                    let local = info.local(*l)?;
                    if local.kind != LocalKind::Const {
                        return None;
                    }
                    eval(local.init?)
                }
                Res::Global(idx) => env.const_value(pkg, *idx),
                res @ Res::Foreign(_) => {
                    let r = info.object(res)?;
                    {
                        let dep = env.package_ref(&r.pkg)?;
                        env.const_value(&dep, r.idx)
                    }
                }
                _ => None,
            },
            ExprKind::Selector { .. } => match info.selection(e)? {
                Selection::Qualified(r) => {
                    let dep = env.package_ref(&r.pkg)?;
                    env.const_value(&dep, r.idx)
                }
                _ => None,
            },
            ExprKind::Call { fun, args, .. } if args.len() == 1 && info.is_type(*fun) => {
                eval(args[0])
            }
            _ => None,
        }
    })
}

/// Parses a Go integer literal (decimal, hex, octal, binary, with `_`).
pub fn parse_int(text: &str) -> Option<i64> {
    // Plain decimal literals (the common case) without allocating.
    if text.len() <= 18
        && !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'))
    {
        return text.parse().ok();
    }
    let t: String = text.chars().filter(|&c| c != '_').collect();
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()
    } else if let Some(b) = lower.strip_prefix("0b") {
        i64::from_str_radix(b, 2).ok()
    } else if let Some(o) = lower.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()
    } else if lower.len() > 1 && lower.starts_with('0') {
        i64::from_str_radix(&lower[1..], 8).ok()
    } else {
        lower.parse().ok()
    }
}
