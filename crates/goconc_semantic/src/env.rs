//! The declaration environment shared by all packages of a [`crate::Program`]:
//! finding packages, converting type expressions, types of package-level
//! objects, underlying types, and field/method lookup through embedding.

use std::cell::Cell;
use std::sync::Arc;

use goconc_syntax::ast::{ExprId, ExprKind, FieldList, FuncType, SpecKind};
use goconc_syntax::File;
use rustc_hash::FxHashMap;

use crate::loader::Loader;
use crate::package::{ImportTable, ObjKind, ObjNode, ObjRef, Package};
use crate::types::{
    Basic, InterfaceType, NamedType, Signature, StructField, StructType, Sym, Type,
};

thread_local! {
    static DEPTH: Cell<u32> = const { Cell::new(0) };
}

/// Limits mutual recursion between lazily computed declarations (alias
/// chains, `var a = b`, underlying of `type A B`): illegal cycles yield Unknown.
pub(crate) fn guarded<T>(fallback: T, f: impl FnOnce() -> T) -> T {
    let depth = DEPTH.with(|d| d.get());
    if depth > 48 {
        return fallback;
    }
    DEPTH.with(|d| d.set(depth + 1));
    let out = stacker::maybe_grow(64 * 1024, 1024 * 1024, f);
    DEPTH.with(|d| d.set(depth));
    out
}

/// Builtin functions.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Builtin {
    Append,
    Cap,
    Clear,
    Close,
    Complex,
    Copy,
    Delete,
    Imag,
    Len,
    Make,
    Max,
    Min,
    New,
    Panic,
    Print,
    Println,
    Real,
    Recover,
}

impl Builtin {
    pub fn from_name(name: &str) -> Option<Builtin> {
        Some(match name {
            "append" => Builtin::Append,
            "cap" => Builtin::Cap,
            "clear" => Builtin::Clear,
            "close" => Builtin::Close,
            "complex" => Builtin::Complex,
            "copy" => Builtin::Copy,
            "delete" => Builtin::Delete,
            "imag" => Builtin::Imag,
            "len" => Builtin::Len,
            "make" => Builtin::Make,
            "max" => Builtin::Max,
            "min" => Builtin::Min,
            "new" => Builtin::New,
            "panic" => Builtin::Panic,
            "print" => Builtin::Print,
            "println" => Builtin::Println,
            "real" => Builtin::Real,
            "recover" => Builtin::Recover,
            _ => return None,
        })
    }
}

/// The predeclared type named `name` (`int`, `error`, `any`, ...).
pub fn universe_type(name: &str) -> Option<Type> {
    if let Some(b) = Basic::from_name(name) {
        return Some(Type::Basic(b));
    }
    // Shared instances: these names are very common.
    static ERROR: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
    static ANY: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
    match name {
        "error" => Some(ERROR.get_or_init(|| Type::named("", "error")).clone()),
        "any" | "comparable" => Some(ANY.get_or_init(|| Type::Interface(Arc::default())).clone()),
        _ => None,
    }
}

/// Whether `name` is a predeclared type name (no allocation).
pub fn is_universe_type_name(name: &str) -> bool {
    Basic::from_name(name).is_some() || matches!(name, "error" | "any" | "comparable")
}

/// How a selector `x.name` resolved.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Selection {
    /// `pkg.Name`: a package-level object of an imported package.
    Qualified(ObjRef),
    /// A struct field. `embedded` lists the implicit embedded fields walked
    /// through before the field (`s.Mutex` for promoted `s.state`).
    Field {
        embedded: Vec<Sym>,
        name: Sym,
        ty: Type,
    },
    /// A method (value or call). `embedded` lists the implicit embedded
    /// fields between `x` and the receiver (`[Mutex]` for `s.Lock()` when
    /// `S` embeds `sync.Mutex`); `recv` is the type declaring the method.
    Method {
        embedded: Vec<Sym>,
        name: Sym,
        recv: Type,
        /// The method's declaration, when it is a concrete method.
        func: Option<ObjRef>,
        /// Called through an interface (dynamic dispatch).
        interface: bool,
        sig: Arc<Signature>,
        /// `T.M` / `(*T).M`: the receiver is the first argument.
        method_expr: bool,
    },
}

/// A method declared on a named type.
#[derive(Clone, Debug)]
pub struct DeclaredMethod {
    pub func: ObjRef,
    pub ptr_recv: bool,
    pub sig: Arc<Signature>,
    pub name: Sym,
}

/// A package found by [`Env::package_ref`].
pub(crate) enum PkgRef<'a> {
    Borrowed(&'a Package),
    Owned(Arc<Package>),
}

impl std::ops::Deref for PkgRef<'_> {
    type Target = Package;
    fn deref(&self) -> &Package {
        match self {
            PkgRef::Borrowed(p) => p,
            PkgRef::Owned(p) => p,
        }
    }
}

/// Packages visible to the analysis: those being analysed, then
/// dependencies from the loader.
#[derive(Debug)]
pub struct Env {
    pub(crate) analysed: FxHashMap<Sym, Arc<Package>>,
    pub(crate) loader: Arc<Loader>,
}

/// Resolves identifiers in a type expression.
pub(crate) trait TypeNames {
    /// A non-qualified name (`T`); `expr` is the `Ident` expression.
    fn type_name(&mut self, env: &Env, expr: ExprId, name: &str) -> Option<Type>;
    /// `pkg.T` where `x` is the qualifier `Ident`; `None` when `x` is not a package.
    fn qualified(
        &mut self,
        env: &Env,
        sel_expr: ExprId,
        x: ExprId,
        pkg: &str,
        name: &str,
    ) -> Option<Type>;
    /// A value expression inside a type (array length); resolved in bodies.
    fn value_expr(&mut self, _env: &Env, _expr: ExprId) {}
}

/// Names at package level: type parameters, then package scope, dot imports
/// and the universe.
pub(crate) struct DeclNames<'a> {
    pub pkg: &'a Package,
    pub file: u32,
    pub tparams: &'a [&'a str],
}

impl TypeNames for DeclNames<'_> {
    fn type_name(&mut self, env: &Env, _expr: ExprId, name: &str) -> Option<Type> {
        if self.tparams.contains(&name) {
            return Some(Type::TypeParam(Arc::new(name.into())));
        }
        env.package_level_type(self.pkg, self.file, name)
    }
    fn qualified(
        &mut self,
        env: &Env,
        _sel: ExprId,
        _x: ExprId,
        qual: &str,
        name: &str,
    ) -> Option<Type> {
        let imports = env.imports(self.pkg, self.file);
        let path = imports.lookup(qual)?.clone();
        Some(env.qualified_type(&path, name))
    }
}

impl Env {
    pub(crate) fn new(analysed: FxHashMap<Sym, Arc<Package>>, loader: Arc<Loader>) -> Env {
        Env { analysed, loader }
    }

    /// The package with import path `path` (analysed or loaded on demand).
    pub fn package(&self, path: &str) -> Option<Arc<Package>> {
        if let Some(p) = self.analysed.get(path) {
            return Some(p.clone());
        }
        self.loader.load(path)
    }

    /// [`Env::package`] without the reference-count round trip for an
    /// analysed package (borrowed from the environment).
    pub(crate) fn package_ref(&self, path: &str) -> Option<PkgRef<'_>> {
        if let Some(p) = self.analysed.get(path) {
            return Some(PkgRef::Borrowed(p));
        }
        self.loader.load(path).map(PkgRef::Owned)
    }

    pub fn loader(&self) -> &Loader {
        &self.loader
    }

    /// The import table of a file of `pkg` (computed on first use).
    pub fn imports(&self, pkg: &Package, file: u32) -> Arc<ImportTable> {
        let Some(pf) = pkg.files.get(file as usize) else {
            return Arc::default();
        };
        if let Some(t) = pf.imports.get() {
            return t.clone();
        }
        let ast = &pf.ast;
        let mut table = ImportTable::default();
        for &spec in &ast.imports {
            let SpecKind::Import { name, .. } = &ast.spec(spec).kind else {
                continue;
            };
            let Some(path) = ast.import_path(spec) else {
                continue;
            };
            let path: Sym = path.into();
            match name.map(|n| ast.name(n)) {
                Some("_") => {}
                Some(".") => table.dot.push(path),
                Some(local) if !local.is_empty() => table.named.push((local.into(), path)),
                _ => {
                    let local: Sym = match self.package_ref(&path) {
                        Some(dep) if !dep.name.is_empty() => dep.name.clone(),
                        _ => default_import_name(&path).into(),
                    };
                    table.named.push((local, path));
                }
            }
        }
        let table = Arc::new(table);
        let _ = pf.imports.set(table.clone());
        pf.imports.get().cloned().unwrap_or(table)
    }

    /// A type name visible at package level of `pkg` (package scope, dot
    /// imports, universe).
    pub(crate) fn package_level_type(&self, pkg: &Package, file: u32, name: &str) -> Option<Type> {
        if let Some(idx) = pkg.lookup(name) {
            let obj = &pkg.objects[idx as usize];
            if obj.kind == ObjKind::TypeName {
                return Some(self.object_type(pkg, idx));
            }
            return None;
        }
        let imports = self.imports(pkg, file);
        for dot in &imports.dot {
            if let Some(dep) = self.package_ref(dot) {
                if let Some(idx) = dep.lookup(name) {
                    if dep.objects[idx as usize].kind == ObjKind::TypeName {
                        return Some(self.object_type(&dep, idx));
                    }
                }
            }
        }
        universe_type(name)
    }

    /// The type `path.name` (alias targets resolved; unknown packages give a
    /// named reference anyway so `sync.Mutex` is recognised without sources).
    pub(crate) fn qualified_type(&self, path: &str, name: &str) -> Type {
        if path == "unsafe" && name == "Pointer" {
            return Type::Basic(Basic::UnsafePointer);
        }
        match self.package_ref(path) {
            Some(dep) => match dep.lookup(name) {
                Some(idx) if dep.objects[idx as usize].kind == ObjKind::TypeName => {
                    self.object_type(&dep, idx)
                }
                _ => Type::Unknown,
            },
            None => Type::named(path, name),
        }
    }

    /// Converts a type expression. `names` resolves identifiers.
    pub(crate) fn convert_type(
        &self,
        file: &File,
        expr: ExprId,
        names: &mut dyn TypeNames,
    ) -> Type {
        guarded(Type::Unknown, || self.convert_inner(file, expr, names))
    }

    fn convert_inner(&self, file: &File, expr: ExprId, names: &mut dyn TypeNames) -> Type {
        let Some(node) = file.exprs.get(expr.index()) else {
            return Type::Unknown;
        };
        match &node.kind {
            ExprKind::Ident(id) => names
                .type_name(self, expr, file.name(*id))
                .unwrap_or(Type::Unknown),
            ExprKind::Selector { x, sel } => {
                let xid = file.unparen(*x);
                if let ExprKind::Ident(q) = file.expr(xid).kind {
                    return names
                        .qualified(self, expr, xid, file.name(q), file.name(*sel))
                        .unwrap_or(Type::Unknown);
                }
                Type::Unknown
            }
            ExprKind::Paren { x } => self.convert_type(file, *x, names),
            ExprKind::Star { x } => Type::pointer(self.convert_type(file, *x, names)),
            ExprKind::Ellipsis { elt: Some(elt) } => {
                Type::Slice(Arc::new(self.convert_type(file, *elt, names)))
            }
            ExprKind::ArrayType { len, elt } => {
                if let Some(l) = len {
                    names.value_expr(self, *l);
                }
                let elem = Arc::new(self.convert_type(file, *elt, names));
                if len.is_some() {
                    Type::Array(elem)
                } else {
                    Type::Slice(elem)
                }
            }
            ExprKind::MapType { key, value } => {
                let k = self.convert_type(file, *key, names);
                let v = self.convert_type(file, *value, names);
                Type::Map(Arc::new((k, v)))
            }
            ExprKind::ChanType { dir, value, .. } => {
                Type::Chan(Arc::new((*dir, self.convert_type(file, *value, names))))
            }
            ExprKind::FuncType(ft) => Type::Func(Arc::new(self.convert_sig(file, ft, names))),
            ExprKind::StructType { fields } => {
                let mut out = Vec::with_capacity(fields.fields.len());
                for f in &fields.fields {
                    let ty =
                        f.ty.map(|t| self.convert_type(file, t, names))
                            .unwrap_or_default();
                    if f.names.is_empty() {
                        let name = f.ty.map(|t| embedded_name(file, t)).unwrap_or_default();
                        out.push(StructField {
                            name: name.into(),
                            ty,
                            embedded: true,
                        });
                    } else {
                        for n in &f.names {
                            out.push(StructField {
                                name: file.name(*n).into(),
                                ty: ty.clone(),
                                embedded: false,
                            });
                        }
                    }
                }
                Type::Struct(Arc::new(StructType { fields: out }))
            }
            ExprKind::InterfaceType { methods } => {
                let mut iface = InterfaceType::default();
                for f in &methods.fields {
                    match (f.names.first(), f.ty) {
                        (Some(n), Some(t)) => {
                            let sig = match &file.expr(t).kind {
                                ExprKind::FuncType(ft) => self.convert_sig(file, ft, names),
                                _ => Signature::default(),
                            };
                            iface.methods.push((file.name(*n).into(), Arc::new(sig)));
                        }
                        (None, Some(t)) => iface.embeds.push(self.convert_type(file, t, names)),
                        _ => {}
                    }
                }
                Type::Interface(Arc::new(iface))
            }
            ExprKind::Index { x, index } => {
                let base = self.convert_type(file, *x, names);
                let arg = self.convert_type(file, *index, names);
                with_type_args(base, vec![arg])
            }
            ExprKind::IndexList { x, indices } => {
                let base = self.convert_type(file, *x, names);
                let args = indices
                    .iter()
                    .map(|i| self.convert_type(file, *i, names))
                    .collect();
                with_type_args(base, args)
            }
            // `~T` and `A | B` in constraints.
            ExprKind::Unary { x, .. } => self.convert_type(file, *x, names),
            ExprKind::Binary { .. } => Type::Interface(Arc::default()),
            _ => Type::Unknown,
        }
    }

    /// Converts a function signature (receiver excluded).
    pub(crate) fn convert_sig(
        &self,
        file: &File,
        ft: &FuncType,
        names: &mut dyn TypeNames,
    ) -> Signature {
        let mut sig = Signature::default();
        let params = &ft.params.fields;
        for (i, f) in params.iter().enumerate() {
            let is_variadic = i + 1 == params.len()
                && f.ty
                    .is_some_and(|t| matches!(file.expr(t).kind, ExprKind::Ellipsis { .. }));
            if is_variadic {
                sig.variadic = true;
            }
            let ty =
                f.ty.map(|t| self.convert_type(file, t, names))
                    .unwrap_or_default();
            for _ in 0..f.names.len().max(1) {
                sig.params.push(ty.clone());
            }
        }
        if let Some(results) = &ft.results {
            sig.results = self.field_list_types(file, results, names);
        }
        sig
    }

    fn field_list_types(
        &self,
        file: &File,
        list: &FieldList,
        names: &mut dyn TypeNames,
    ) -> Vec<Type> {
        let mut out = Vec::new();
        for f in &list.fields {
            let ty =
                f.ty.map(|t| self.convert_type(file, t, names))
                    .unwrap_or_default();
            for _ in 0..f.names.len().max(1) {
                out.push(ty.clone());
            }
        }
        out
    }

    /// The type of a package-level object: a var's or const's type, a
    /// function's signature, or for a type name the named type itself.
    pub fn object_type(&self, pkg: &Package, idx: u32) -> Type {
        let Some(obj) = pkg.objects.get(idx as usize) else {
            return Type::Unknown;
        };
        if let Some(t) = obj.ty.get() {
            return t.clone();
        }
        let ty = guarded(Type::Unknown, || self.compute_object_type(pkg, idx));
        let _ = obj.ty.set(ty.clone());
        ty
    }

    /// The type of the object `r`.
    pub fn type_of_object(&self, r: &ObjRef) -> Type {
        match self.package_ref(&r.pkg) {
            Some(p) => self.object_type(&p, r.idx),
            None => Type::Unknown,
        }
    }

    fn compute_object_type(&self, pkg: &Package, idx: u32) -> Type {
        let obj = &pkg.objects[idx as usize];
        let Some(file) = pkg.file(obj.file) else {
            return Type::Unknown;
        };
        match (obj.kind, obj.node) {
            (ObjKind::Func | ObjKind::Method { .. }, ObjNode::Decl(d)) => {
                let goconc_syntax::ast::DeclKind::Func { recv, ty, .. } = &file.decl(d).kind else {
                    return Type::Unknown;
                };
                let mut tparams: Vec<&str> = type_param_names(file, ty.type_params.as_ref());
                if let Some(r) = recv {
                    tparams.extend(receiver_type_params(file, r));
                }
                let mut names = DeclNames {
                    pkg,
                    file: obj.file,
                    tparams: &tparams,
                };
                Type::Func(Arc::new(self.convert_sig(file, ty, &mut names)))
            }
            (ObjKind::TypeName, ObjNode::Spec { spec, .. }) => {
                let SpecKind::Type {
                    assign,
                    ty,
                    type_params,
                    ..
                } = &file.spec(spec).kind
                else {
                    return Type::Unknown;
                };
                if assign.is_some() {
                    let tparams = type_param_names(file, type_params.as_ref());
                    let mut names = DeclNames {
                        pkg,
                        file: obj.file,
                        tparams: &tparams,
                    };
                    return self.convert_type(file, *ty, &mut names);
                }
                Type::Named(Arc::new(NamedType {
                    pkg: pkg.path.clone(),
                    name: obj.name.clone(),
                    args: Vec::new(),
                }))
            }
            (ObjKind::Var | ObjKind::Const, ObjNode::Spec { spec, index }) => {
                let SpecKind::Value { ty, values, names } = &file.spec(spec).kind else {
                    return Type::Unknown;
                };
                if let Some(t) = ty {
                    let mut dn = DeclNames {
                        pkg,
                        file: obj.file,
                        tparams: &[],
                    };
                    return self.convert_type(file, *t, &mut dn);
                }
                if values.len() == names.len() {
                    if let Some(v) = values.get(index as usize) {
                        return crate::body::infer_package_expr(self, pkg, obj.file, *v);
                    }
                } else if values.len() == 1 {
                    let t = crate::body::infer_package_expr(self, pkg, obj.file, values[0]);
                    if let Type::Tuple(items) = t {
                        return items.get(index as usize).cloned().unwrap_or_default();
                    }
                }
                Type::Unknown
            }
            _ => Type::Unknown,
        }
    }

    /// The integer value of a package-level constant, when it is a simple
    /// integer expression (literals, `iota`, other constants, arithmetic,
    /// conversions).
    pub fn const_value(&self, pkg: &Package, idx: u32) -> Option<i64> {
        let obj = pkg.objects.get(idx as usize)?;
        if obj.kind != ObjKind::Const {
            return None;
        }
        if let Some(v) = obj.const_value.get() {
            return *v;
        }
        let v = guarded(None, || {
            let file = pkg.file(obj.file)?;
            let ObjNode::Spec { spec, index } = obj.node else {
                return None;
            };
            let SpecKind::Value { values, .. } = &file.spec(spec).kind else {
                return None;
            };
            let e = *values.get(index as usize)?;
            self.eval_const(pkg, obj.file, e, obj.iota as i64)
        });
        let _ = obj.const_value.set(v);
        v
    }

    /// Evaluates a constant integer expression in a file of `pkg`.
    pub(crate) fn eval_const(
        &self,
        pkg: &Package,
        file_idx: u32,
        e: ExprId,
        iota: i64,
    ) -> Option<i64> {
        guarded(None, || {
            let file = pkg.file(file_idx)?;
            match &file.exprs.get(e.index())?.kind {
                ExprKind::BasicLit(lit) if lit.kind == goconc_syntax::ast::LitKind::Int => {
                    crate::body::parse_int(file.text(lit.span))
                }
                ExprKind::Paren { x } => self.eval_const(pkg, file_idx, *x, iota),
                ExprKind::Unary { op, x } => {
                    let v = self.eval_const(pkg, file_idx, *x, iota)?;
                    match op {
                        goconc_syntax::ast::Op::Sub => v.checked_neg(),
                        goconc_syntax::ast::Op::Add => Some(v),
                        goconc_syntax::ast::Op::Xor => Some(!v),
                        _ => None,
                    }
                }
                ExprKind::Binary { x, op, y, .. } => {
                    let a = self.eval_const(pkg, file_idx, *x, iota)?;
                    let b = self.eval_const(pkg, file_idx, *y, iota)?;
                    use goconc_syntax::ast::Op;
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
                ExprKind::Ident(id) => {
                    let name = file.name(*id);
                    if name == "iota" && pkg.lookup("iota").is_none() {
                        return Some(iota);
                    }
                    let idx = pkg.lookup(name)?;
                    self.const_value(pkg, idx)
                }
                ExprKind::Selector { x, sel } => {
                    let ExprKind::Ident(q) = file.expr(file.unparen(*x)).kind else {
                        return None;
                    };
                    let imports = self.imports(pkg, file_idx);
                    let dep = self.package_ref(imports.lookup(file.name(q))?)?;
                    let idx = dep.lookup(file.name(*sel))?;
                    self.const_value(&dep, idx)
                }
                // Conversions such as `time.Duration(5)`.
                ExprKind::Call { args, .. } if args.len() == 1 => {
                    self.eval_const(pkg, file_idx, args[0], iota)
                }
                _ => None,
            }
        })
    }

    /// The underlying type: follows named types (through their declarations)
    /// to a non-named type. Unknown when the declaration cannot be found.
    pub fn underlying(&self, ty: &Type) -> Type {
        let mut cur = ty.clone();
        for _ in 0..16 {
            let Type::Named(n) = &cur else {
                return cur;
            };
            let next = self.named_underlying(n);
            if matches!(next, Type::Named(_)) {
                cur = next;
                continue;
            }
            return next;
        }
        Type::Unknown
    }

    fn named_underlying(&self, n: &NamedType) -> Type {
        if n.pkg.is_empty() && &*n.name == "error" {
            // Built once: `error` is the most common named type, and a fresh
            // interface per lookup cost four allocations.
            static ERROR: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
            return ERROR
                .get_or_init(|| {
                    Type::Interface(Arc::new(InterfaceType {
                        methods: vec![(
                            "Error".into(),
                            Arc::new(Signature {
                                params: Vec::new(),
                                results: vec![Type::Basic(Basic::String)],
                                variadic: false,
                            }),
                        )],
                        embeds: Vec::new(),
                    }))
                })
                .clone();
        }
        let Some(pkg) = self.package_ref(&n.pkg) else {
            return Type::Unknown;
        };
        let Some(idx) = pkg.lookup(&n.name) else {
            return Type::Unknown;
        };
        let obj = &pkg.objects[idx as usize];
        if let Some(t) = obj.underlying.get() {
            return t.clone();
        }
        let computed = guarded(Type::Unknown, || {
            let Some(file) = pkg.file(obj.file) else {
                return Type::Unknown;
            };
            let ObjNode::Spec { spec, .. } = obj.node else {
                return Type::Unknown;
            };
            let SpecKind::Type {
                ty, type_params, ..
            } = &file.spec(spec).kind
            else {
                return Type::Unknown;
            };
            let tparams = type_param_names(file, type_params.as_ref());
            let mut names = DeclNames {
                pkg: &pkg,
                file: obj.file,
                tparams: &tparams,
            };
            let rhs = self.convert_type(file, *ty, &mut names);
            match rhs {
                Type::Named(_) => self.underlying(&rhs),
                other => other,
            }
        });
        let _ = obj.underlying.set(computed.clone());
        computed
    }

    /// The method `name` declared directly on named type `n` (not promoted).
    pub fn declared_method(&self, n: &NamedType, name: &str) -> Option<DeclaredMethod> {
        let pkg = self.package_ref(&n.pkg)?;
        let idx = pkg.method(&n.name, name)?;
        let obj = &pkg.objects[idx as usize];
        let ptr = matches!(obj.kind, ObjKind::Method { ptr_recv: true });
        let sig = match self.object_type(&pkg, idx) {
            Type::Func(sig) => sig,
            _ => Arc::default(),
        };
        Some(DeclaredMethod {
            func: ObjRef {
                pkg: pkg.path.clone(),
                idx,
            },
            ptr_recv: ptr,
            sig,
            name: obj.name.clone(),
        })
    }

    /// Looks up field or method `name` of a value of type `ty`, through one
    /// pointer and through embedded fields (breadth first, like Go).
    pub fn lookup_member(&self, ty: &Type, name: &str) -> Option<Selection> {
        // Fast path: a method or field declared directly on the type.
        let t = ty.strip_pointer();
        if let Type::Named(n) = t {
            if let Some(m) = self.declared_method(n, name) {
                return Some(Selection::Method {
                    embedded: Vec::new(),
                    name: m.name,
                    recv: t.clone(),
                    func: Some(m.func),
                    interface: false,
                    sig: m.sig,
                    method_expr: false,
                });
            }
        }
        let u = match t {
            Type::Named(_) => self.underlying(t),
            other => other.clone(),
        };
        match &u {
            Type::Struct(st) => {
                if let Some(f) = st.fields.iter().find(|f| &*f.name == name) {
                    return Some(Selection::Field {
                        embedded: Vec::new(),
                        name: f.name.clone(),
                        ty: f.ty.clone(),
                    });
                }
                if !st.fields.iter().any(|f| f.embedded) {
                    return None;
                }
            }
            Type::Interface(_) => {
                return self
                    .interface_method(&u, name, 0)
                    .map(|(name, sig)| Selection::Method {
                        embedded: Vec::new(),
                        name,
                        recv: t.clone(),
                        func: None,
                        interface: true,
                        sig,
                        method_expr: false,
                    });
            }
            _ => return None,
        }
        let mut level: Vec<(Type, Vec<Sym>)> = vec![(ty.clone(), Vec::new())];
        let mut seen: Vec<Arc<NamedType>> = Vec::new();
        for _ in 0..8 {
            let mut next = Vec::new();
            for (t, path) in &level {
                let t = t.strip_pointer().clone();
                if let Type::Named(n) = &t {
                    if seen.iter().any(|s| s.pkg == n.pkg && s.name == n.name) {
                        continue;
                    }
                    seen.push(n.clone());
                    if let Some(m) = self.declared_method(n, name) {
                        return Some(Selection::Method {
                            embedded: path.clone(),
                            name: m.name,
                            recv: t.clone(),
                            func: Some(m.func),
                            interface: false,
                            sig: m.sig,
                            method_expr: false,
                        });
                    }
                }
                let u = match &t {
                    Type::Named(_) => self.underlying(&t),
                    other => other.clone(),
                };
                match &u {
                    Type::Struct(st) => {
                        for f in &st.fields {
                            if &*f.name == name {
                                return Some(Selection::Field {
                                    embedded: path.clone(),
                                    name: f.name.clone(),
                                    ty: f.ty.clone(),
                                });
                            }
                        }
                        for f in st.fields.iter().filter(|f| f.embedded) {
                            let mut p = path.clone();
                            p.push(f.name.clone());
                            next.push((f.ty.clone(), p));
                        }
                    }
                    Type::Interface(_) => {
                        if let Some((mname, sig)) = self.interface_method(&u, name, 0) {
                            return Some(Selection::Method {
                                embedded: path.clone(),
                                name: mname,
                                recv: t.clone(),
                                func: None,
                                interface: true,
                                sig,
                                method_expr: false,
                            });
                        }
                    }
                    Type::TypeParam(_) => {}
                    _ => {}
                }
            }
            if next.is_empty() {
                return None;
            }
            level = next;
        }
        None
    }

    fn interface_method(
        &self,
        iface: &Type,
        name: &str,
        depth: u32,
    ) -> Option<(Sym, Arc<Signature>)> {
        if depth > 8 {
            return None;
        }
        let Type::Interface(i) = iface else {
            return None;
        };
        if let Some((n, sig)) = i.methods.iter().find(|(n, _)| &**n == name) {
            return Some((n.clone(), sig.clone()));
        }
        for e in &i.embeds {
            let u = self.underlying(e);
            if let Some(s) = self.interface_method(&u, name, depth + 1) {
                return Some(s);
            }
        }
        None
    }
}

/// Import name Go would use without a package clause at hand: the last
/// path element, skipping a `/vN` major-version suffix.
pub fn default_import_name(path: &str) -> String {
    let mut parts = path.rsplit('/');
    let mut last = parts.next().unwrap_or(path);
    if last.len() > 1 && last.starts_with('v') && last[1..].bytes().all(|b| b.is_ascii_digit()) {
        last = parts.next().unwrap_or(last);
    }
    let last = last.split('.').next().unwrap_or(last);
    let last = last.strip_prefix("go-").unwrap_or(last);
    let last = last.strip_suffix("-go").unwrap_or(last);
    last.replace('-', "_")
}

fn with_type_args(base: Type, args: Vec<Type>) -> Type {
    match base {
        Type::Named(n) => Type::Named(Arc::new(NamedType {
            pkg: n.pkg.clone(),
            name: n.name.clone(),
            args,
        })),
        other => other,
    }
}

/// The field name of an embedded field type: `T`, `*T`, `pkg.T`, `T[int]`.
pub(crate) fn embedded_name(file: &File, mut t: ExprId) -> String {
    for _ in 0..16 {
        match &file.expr(t).kind {
            ExprKind::Star { x } | ExprKind::Paren { x } => t = *x,
            ExprKind::Index { x, .. } | ExprKind::IndexList { x, .. } => t = *x,
            ExprKind::Selector { sel, .. } => return file.name(*sel).to_string(),
            ExprKind::Ident(id) => return file.name(*id).to_string(),
            _ => return String::new(),
        }
    }
    String::new()
}

/// Names of the type parameters declared in `list`.
pub(crate) fn type_param_names<'f>(file: &'f File, list: Option<&FieldList>) -> Vec<&'f str> {
    let mut out = Vec::new();
    if let Some(list) = list {
        for f in &list.fields {
            for n in &f.names {
                out.push(file.name(*n));
            }
        }
    }
    out
}

/// Type parameter names of a generic receiver `(l *List[T])`.
pub(crate) fn receiver_type_params<'f>(file: &'f File, recv: &FieldList) -> Vec<&'f str> {
    let mut out = Vec::new();
    let Some(mut t) = recv.fields.first().and_then(|f| f.ty) else {
        return out;
    };
    for _ in 0..8 {
        match &file.expr(t).kind {
            ExprKind::Star { x } | ExprKind::Paren { x } => t = *x,
            ExprKind::Index { index, .. } => {
                if let ExprKind::Ident(id) = file.expr(*index).kind {
                    out.push(file.name(id));
                }
                break;
            }
            ExprKind::IndexList { indices, .. } => {
                for i in indices {
                    if let ExprKind::Ident(id) = file.expr(*i).kind {
                        out.push(file.name(id));
                    }
                }
                break;
            }
            _ => break,
        }
    }
    out
}
