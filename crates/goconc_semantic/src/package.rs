//! Package-level declarations: the objects of a package and its method sets.
//!
//! Building a [`Package`] only indexes declarations (no type is computed and
//! no other package is loaded), so it is cheap and never recursive. Types of
//! objects are computed lazily by [`crate::env::Env`] and cached in the object.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use goconc_syntax::ast::{DeclId, DeclKind, ExprId, ExprKind, GenDeclKind, SpecId, SpecKind};
use goconc_syntax::File;
use rustc_hash::FxHashMap;

use crate::types::{Sym, Type};

/// One package to analyse (or a dependency once loaded).
#[derive(Clone, Debug)]
pub struct PackageInput {
    /// Import path, e.g. `example.com/app/server` (for GOROOT: `net/http`).
    pub import_path: String,
    pub dir: PathBuf,
    /// Package clause name.
    pub name: String,
    /// Parsed files (all with the same package clause).
    pub files: Vec<(PathBuf, Arc<File>)>,
    /// Language version from go.mod (`go 1.22` → `(1, 22)`).
    pub go_version: (u32, u32),
}

/// What a package-level object is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ObjKind {
    Const,
    Var,
    TypeName,
    Func,
    /// A method; `recv_type` is the receiver's base type name.
    Method {
        ptr_recv: bool,
    },
}

/// Where an object is declared in its file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ObjNode {
    /// `index` is the position of the name in a `ValueSpec` (0 for types).
    Spec {
        spec: SpecId,
        index: u32,
    },
    Decl(DeclId),
}

/// A package-level declaration.
#[derive(Debug)]
pub struct Object {
    pub name: Sym,
    pub kind: ObjKind,
    /// Index into [`Package::files`].
    pub file: u32,
    pub node: ObjNode,
    /// Receiver base type name for methods.
    pub recv_type: Option<Sym>,
    /// For `iota`-using constants: the index of the spec in its declaration.
    pub iota: u32,
    pub(crate) ty: OnceLock<Type>,
    pub(crate) underlying: OnceLock<Type>,
    pub(crate) const_value: OnceLock<Option<i64>>,
}

/// Reference to an object of some package: the package's import path and
/// the object's index in [`Package::objects`].
#[derive(Clone, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub struct ObjRef {
    pub pkg: Sym,
    pub idx: u32,
}

/// A source file of a package.
#[derive(Debug)]
pub struct PackageFile {
    pub path: PathBuf,
    pub ast: Arc<File>,
    pub(crate) imports: OnceLock<Arc<ImportTable>>,
}

/// The import names visible in one file.
#[derive(Debug, Default, Clone)]
pub struct ImportTable {
    /// (local name, import path); blank imports are omitted.
    pub named: Vec<(Sym, Sym)>,
    /// Paths imported with `.`.
    pub dot: Vec<Sym>,
}

impl ImportTable {
    pub fn lookup(&self, name: &str) -> Option<&Sym> {
        self.named
            .iter()
            .find(|(n, _)| &**n == name)
            .map(|(_, p)| p)
    }
}

/// The declarations of a package.
#[derive(Debug)]
pub struct Package {
    pub path: Sym,
    pub name: Sym,
    pub dir: PathBuf,
    pub go_version: (u32, u32),
    pub files: Vec<PackageFile>,
    pub objects: Vec<Object>,
    /// Package scope: name → object index (methods and `init` are not in it).
    pub scope: FxHashMap<Sym, u32>,
    /// Receiver base type name → method name → object index.
    pub methods: FxHashMap<Sym, FxHashMap<Sym, u32>>,
    /// (file index, declaration) of each function or method → object index.
    pub func_objects: FxHashMap<(u32, DeclId), u32>,
    /// Object indices of functions that call `Fatal`/`FailNow` on something
    /// (test assertion helpers), computed on first use.
    test_failers: OnceLock<rustc_hash::FxHashSet<u32>>,
}

/// The base type name of a receiver type expression (`*T`, `T[K, V]`, `(T)`),
/// and whether it is a pointer receiver.
pub(crate) fn receiver_base(file: &File, mut ty: ExprId) -> Option<(ExprId, bool)> {
    let mut ptr = false;
    for _ in 0..16 {
        match &file.expr(ty).kind {
            ExprKind::Paren { x } => ty = *x,
            ExprKind::Star { x } => {
                ptr = true;
                ty = *x;
            }
            ExprKind::Index { x, .. } | ExprKind::IndexList { x, .. } => ty = *x,
            ExprKind::Ident(_) => return Some((ty, ptr)),
            _ => return None,
        }
    }
    None
}

impl Package {
    /// Indexes the declarations of `input`. Never fails; broken declarations are skipped.
    pub fn new(input: PackageInput) -> Package {
        let path: Sym = input.import_path.as_str().into();
        let mut objects = Vec::new();
        let mut scope: FxHashMap<Sym, u32> = FxHashMap::default();
        let mut methods: FxHashMap<Sym, FxHashMap<Sym, u32>> = FxHashMap::default();
        let mut files = Vec::with_capacity(input.files.len());
        let mut func_objects = FxHashMap::default();
        for (file_idx, (file_path, ast)) in input.files.into_iter().enumerate() {
            let file_idx = file_idx as u32;
            for &decl_id in &ast.decls {
                let decl = ast.decl(decl_id);
                match &decl.kind {
                    DeclKind::Bad => {}
                    DeclKind::Func { recv, name, .. } => {
                        let fname = ast.name(*name);
                        if fname.is_empty() {
                            continue;
                        }
                        let recv_info = recv.as_ref().map(|r| {
                            r.fields
                                .first()
                                .and_then(|f| f.ty)
                                .and_then(|t| receiver_base(&ast, t))
                                .map(|(base, ptr)| (ast.text(ast.expr(base).span), ptr))
                        });
                        let idx = objects.len() as u32;
                        if !matches!(recv_info, Some(None)) {
                            func_objects.insert((file_idx, decl_id), idx);
                        }
                        match recv_info {
                            None => {
                                objects.push(Object::new(
                                    fname,
                                    ObjKind::Func,
                                    file_idx,
                                    ObjNode::Decl(decl_id),
                                    None,
                                ));
                                if fname != "init" && fname != "_" {
                                    scope.entry(fname.into()).or_insert(idx);
                                }
                            }
                            Some(Some((recv_name, ptr))) => {
                                let recv_sym: Sym = recv_name.into();
                                objects.push(Object::new(
                                    fname,
                                    ObjKind::Method { ptr_recv: ptr },
                                    file_idx,
                                    ObjNode::Decl(decl_id),
                                    Some(recv_sym.clone()),
                                ));
                                methods
                                    .entry(recv_sym)
                                    .or_default()
                                    .entry(fname.into())
                                    .or_insert(idx);
                            }
                            Some(None) => {}
                        }
                    }
                    DeclKind::Gen { kind, specs, .. } => {
                        if *kind == GenDeclKind::Import {
                            continue;
                        }
                        for (spec_pos, &spec_id) in specs.iter().enumerate() {
                            match &ast.spec(spec_id).kind {
                                SpecKind::Value { names, .. } => {
                                    let okind = if *kind == GenDeclKind::Const {
                                        ObjKind::Const
                                    } else {
                                        ObjKind::Var
                                    };
                                    for (i, n) in names.iter().enumerate() {
                                        let nm = ast.name(*n);
                                        let idx = objects.len() as u32;
                                        let mut obj = Object::new(
                                            nm,
                                            okind,
                                            file_idx,
                                            ObjNode::Spec {
                                                spec: spec_id,
                                                index: i as u32,
                                            },
                                            None,
                                        );
                                        obj.iota = spec_pos as u32;
                                        objects.push(obj);
                                        if nm != "_" && !nm.is_empty() {
                                            scope.entry(nm.into()).or_insert(idx);
                                        }
                                    }
                                }
                                SpecKind::Type { name, .. } => {
                                    let nm = ast.name(*name);
                                    let idx = objects.len() as u32;
                                    objects.push(Object::new(
                                        nm,
                                        ObjKind::TypeName,
                                        file_idx,
                                        ObjNode::Spec {
                                            spec: spec_id,
                                            index: 0,
                                        },
                                        None,
                                    ));
                                    if nm != "_" && !nm.is_empty() {
                                        scope.entry(nm.into()).or_insert(idx);
                                    }
                                }
                                SpecKind::Import { .. } => {}
                            }
                        }
                    }
                }
            }
            files.push(PackageFile {
                path: file_path,
                ast,
                imports: OnceLock::new(),
            });
        }
        Package {
            path,
            name: input.name.as_str().into(),
            dir: input.dir,
            go_version: input.go_version,
            files,
            objects,
            scope,
            methods,
            func_objects,
            test_failers: OnceLock::new(),
        }
    }

    /// Whether the function object `idx` calls `x.Fatal(...)`, `x.Fatalf`,
    /// `x.Fatalln` or `x.FailNow()` somewhere in its body: with a testing
    /// value passed in, it is an assertion helper that can end the test
    /// (`require_NoError(t, err)`). A syntactic test, computed once per
    /// package with one pass over the expressions of its files.
    pub fn fails_tests(&self, idx: u32) -> bool {
        self.test_failers
            .get_or_init(|| {
                let mut failers = rustc_hash::FxHashSet::default();
                for (file_idx, source) in self.files.iter().enumerate() {
                    let file = &*source.ast;
                    // Function declarations of the file by position.
                    let mut funcs: Vec<(u32, u32, u32)> = file
                        .decls
                        .iter()
                        .filter_map(|&decl| {
                            let idx = *self.func_objects.get(&(file_idx as u32, decl))?;
                            let span = file.decl(decl).span;
                            Some((span.start, span.end, idx))
                        })
                        .collect();
                    if funcs.is_empty() {
                        continue;
                    }
                    funcs.sort_unstable();
                    for expr in &file.exprs {
                        let ExprKind::Call { fun, .. } = &expr.kind else {
                            continue;
                        };
                        let Some(ExprKind::Selector { sel, .. }) =
                            file.exprs.get(fun.index()).map(|f| &f.kind)
                        else {
                            continue;
                        };
                        if !matches!(file.name(*sel), "Fatal" | "Fatalf" | "Fatalln" | "FailNow") {
                            continue;
                        }
                        let at = expr.span.start;
                        let next = funcs.partition_point(|(start, _, _)| *start <= at);
                        if let Some(&(_, end, idx)) = next.checked_sub(1).and_then(|i| funcs.get(i))
                        {
                            if at < end {
                                failers.insert(idx);
                            }
                        }
                    }
                }
                failers
            })
            .contains(&idx)
    }

    /// The package-level object named `name`.
    pub fn lookup(&self, name: &str) -> Option<u32> {
        self.scope.get(name).copied()
    }

    /// The method `method` declared on the package's type `type_name`.
    pub fn method(&self, type_name: &str, method: &str) -> Option<u32> {
        self.methods.get(type_name)?.get(method).copied()
    }

    pub fn object(&self, idx: u32) -> Option<&Object> {
        self.objects.get(idx as usize)
    }

    pub fn file(&self, idx: u32) -> Option<&File> {
        self.files.get(idx as usize).map(|f| &*f.ast)
    }
}

impl Object {
    fn new(name: &str, kind: ObjKind, file: u32, node: ObjNode, recv_type: Option<Sym>) -> Self {
        Object {
            name: name.into(),
            kind,
            file,
            node,
            recv_type,
            iota: 0,
            ty: OnceLock::new(),
            underlying: OnceLock::new(),
            const_value: OnceLock::new(),
        }
    }
}
