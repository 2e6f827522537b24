//! Types-lite: the types goconc can know without a full type checker.
//!
//! A [`Type`] is a small enum with shared (`Arc`) children, so cloning is a
//! reference-count bump. Named types are referred to by package path and name
//! ([`NamedType`]); their underlying type is looked up lazily through
//! [`crate::Program::underlying`], which keeps recursive types finite.
//! Anything that cannot be known is [`Type::Unknown`]; rules must treat it
//! conservatively.

use std::fmt;
use std::sync::Arc;

pub use goconc_syntax::ast::ChanDir;

/// Shared string used for names and package paths.
pub type Sym = Arc<str>;

/// Predeclared basic types (untyped constants take their default type).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Basic {
    Bool,
    Int,
    Int8,
    Int16,
    Int32,
    Int64,
    Uint,
    Uint8,
    Uint16,
    Uint32,
    Uint64,
    Uintptr,
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    UnsafePointer,
    /// The type of `nil`.
    UntypedNil,
}

impl Basic {
    pub fn name(self) -> &'static str {
        match self {
            Basic::Bool => "bool",
            Basic::Int => "int",
            Basic::Int8 => "int8",
            Basic::Int16 => "int16",
            Basic::Int32 => "int32",
            Basic::Int64 => "int64",
            Basic::Uint => "uint",
            Basic::Uint8 => "uint8",
            Basic::Uint16 => "uint16",
            Basic::Uint32 => "uint32",
            Basic::Uint64 => "uint64",
            Basic::Uintptr => "uintptr",
            Basic::Float32 => "float32",
            Basic::Float64 => "float64",
            Basic::Complex64 => "complex64",
            Basic::Complex128 => "complex128",
            Basic::String => "string",
            Basic::UnsafePointer => "unsafe.Pointer",
            Basic::UntypedNil => "nil",
        }
    }

    /// The predeclared type named `name`, if any (`byte` and `rune` are aliases).
    pub fn from_name(name: &str) -> Option<Basic> {
        Some(match name {
            "bool" => Basic::Bool,
            "int" => Basic::Int,
            "int8" => Basic::Int8,
            "int16" => Basic::Int16,
            "int32" | "rune" => Basic::Int32,
            "int64" => Basic::Int64,
            "uint" => Basic::Uint,
            "uint8" | "byte" => Basic::Uint8,
            "uint16" => Basic::Uint16,
            "uint32" => Basic::Uint32,
            "uint64" => Basic::Uint64,
            "uintptr" => Basic::Uintptr,
            "float32" => Basic::Float32,
            "float64" => Basic::Float64,
            "complex64" => Basic::Complex64,
            "complex128" => Basic::Complex128,
            "string" => Basic::String,
            _ => return None,
        })
    }
}

/// A reference to a declared (named) type: `sync.Mutex`, `pkg.Server`.
/// Predeclared `error` is `NamedType { pkg: "", name: "error" }`.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct NamedType {
    /// Import path of the declaring package (`""` for `error`).
    pub pkg: Sym,
    pub name: Sym,
    /// Type arguments of an instantiated generic type (not substituted into
    /// the underlying type; fields that use type parameters stay `TypeParam`).
    pub args: Vec<Type>,
}

impl NamedType {
    /// True for `pkg.name`.
    pub fn is(&self, pkg: &str, name: &str) -> bool {
        &*self.pkg == pkg && &*self.name == name
    }
}

/// A function signature (receiver excluded).
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct Signature {
    pub params: Vec<Type>,
    pub results: Vec<Type>,
    /// The last parameter is `...T` (its type is recorded as `[]T`).
    pub variadic: bool,
}

impl Signature {
    /// The type of a call's value: the single result, a tuple, or an empty tuple.
    pub fn result_type(&self) -> Type {
        match self.results.len() {
            0 => Type::empty_tuple(),
            1 => self.results[0].clone(),
            _ => Type::Tuple(Arc::new(self.results.clone())),
        }
    }

    /// The declared type of argument `i` (variadic arguments map to the element type).
    pub fn param_for_arg(&self, i: usize) -> &Type {
        static UNKNOWN: Type = Type::Unknown;
        if self.variadic && i + 1 >= self.params.len() {
            return match self.params.last() {
                Some(Type::Slice(elem)) => elem,
                _ => &UNKNOWN,
            };
        }
        self.params.get(i).unwrap_or(&UNKNOWN)
    }
}

/// A struct field; embedded fields have `embedded = true` and are named after their type.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct StructField {
    pub name: Sym,
    pub ty: Type,
    pub embedded: bool,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct StructType {
    pub fields: Vec<StructField>,
}

#[derive(Clone, PartialEq, Eq, Hash, Debug, Default)]
pub struct InterfaceType {
    pub methods: Vec<(Sym, Arc<Signature>)>,
    /// Embedded interfaces and type-set terms.
    pub embeds: Vec<Type>,
}

/// A type as far as goconc knows it.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub enum Type {
    /// Not known: rules must be conservative.
    #[default]
    Unknown,
    Basic(Basic),
    Named(Arc<NamedType>),
    Pointer(Arc<Type>),
    Slice(Arc<Type>),
    /// `[N]T`; the length is not tracked.
    Array(Arc<Type>),
    Map(Arc<(Type, Type)>),
    /// Direction and element type (boxed together: keeps `Type` at 16 bytes).
    Chan(Arc<(ChanDir, Type)>),
    Func(Arc<Signature>),
    Struct(Arc<StructType>),
    Interface(Arc<InterfaceType>),
    /// The value of a multi-value call, or of a call with no results (empty).
    Tuple(Arc<Vec<Type>>),
    /// A type parameter of a generic function or type.
    TypeParam(Arc<Sym>),
}

impl Type {
    pub fn named(pkg: &str, name: &str) -> Type {
        Type::Named(Arc::new(NamedType {
            pkg: pkg.into(),
            name: name.into(),
            args: Vec::new(),
        }))
    }
    /// The (shared) value of a call without results.
    pub fn empty_tuple() -> Type {
        static EMPTY: std::sync::OnceLock<Type> = std::sync::OnceLock::new();
        EMPTY
            .get_or_init(|| Type::Tuple(Arc::new(Vec::new())))
            .clone()
    }
    pub fn pointer(to: Type) -> Type {
        // Cheap check of the pointer chain; a full check only for generic
        // instantiations, the other way expressions build nested types.
        let mut base = &to;
        let mut depth = 1;
        while let Type::Pointer(inner) = base {
            depth += 1;
            if depth > Type::MAX_DEPTH {
                return Type::Unknown;
            }
            base = inner;
        }
        let generic = matches!(base, Type::Named(n) if !n.args.is_empty());
        let t = Type::Pointer(Arc::new(to));
        if generic {
            t.capped()
        } else {
            t
        }
    }

    /// Maximum nesting goconc builds; deeper types (only in adversarial
    /// input) become Unknown so that drop, hashing and printing never recurse
    /// deeply.
    pub const MAX_DEPTH: usize = 48;

    /// `self`, or Unknown when it nests deeper than [`Type::MAX_DEPTH`].
    pub fn capped(self) -> Type {
        if self.depth_exceeds(Type::MAX_DEPTH) {
            Type::Unknown
        } else {
            self
        }
    }

    /// Whether the type nests more than `limit` levels (bounded work).
    pub fn depth_exceeds(&self, limit: usize) -> bool {
        let mut stack: Vec<(&Type, usize)> = vec![(self, 0)];
        let mut visited = 0usize;
        while let Some((t, d)) = stack.pop() {
            if d > limit {
                return true;
            }
            visited += 1;
            if visited > 4096 {
                return true;
            }
            match t {
                Type::Pointer(i) | Type::Slice(i) | Type::Array(i) => stack.push((i, d + 1)),
                Type::Chan(c) => stack.push((&c.1, d + 1)),
                Type::Map(kv) => {
                    stack.push((&kv.0, d + 1));
                    stack.push((&kv.1, d + 1));
                }
                Type::Named(n) => stack.extend(n.args.iter().map(|a| (a, d + 1))),
                Type::Tuple(items) => stack.extend(items.iter().map(|a| (a, d + 1))),
                Type::Func(sig) => {
                    stack.extend(sig.params.iter().map(|a| (a, d + 1)));
                    stack.extend(sig.results.iter().map(|a| (a, d + 1)));
                }
                Type::Struct(st) => stack.extend(st.fields.iter().map(|f| (&f.ty, d + 1))),
                Type::Interface(it) => stack.extend(it.embeds.iter().map(|e| (e, d + 1))),
                Type::Unknown | Type::Basic(_) | Type::TypeParam(_) => {}
            }
        }
        false
    }
    /// The identity of the value: the variant and, for a composite type,
    /// the address of its shared node. Equal identities mean equal types
    /// while both are alive (equal types may have different identities).
    pub fn identity(&self) -> (u8, usize) {
        fn addr<T: ?Sized>(a: &Arc<T>) -> usize {
            Arc::as_ptr(a) as *const () as usize
        }
        match self {
            Type::Unknown => (0, 0),
            Type::Basic(b) => (1, *b as usize),
            Type::Named(a) => (2, addr(a)),
            Type::Pointer(a) => (3, addr(a)),
            Type::Slice(a) => (4, addr(a)),
            Type::Array(a) => (5, addr(a)),
            Type::Map(a) => (6, addr(a)),
            Type::Chan(a) => (7, addr(a)),
            Type::Func(a) => (8, addr(a)),
            Type::Struct(a) => (9, addr(a)),
            Type::Interface(a) => (10, addr(a)),
            Type::Tuple(a) => (11, addr(a)),
            Type::TypeParam(a) => (12, addr(a)),
        }
    }
    pub fn is_unknown(&self) -> bool {
        matches!(self, Type::Unknown)
    }
    /// Strips one pointer: `*T` → `T`; other types unchanged.
    pub fn strip_pointer(&self) -> &Type {
        match self {
            Type::Pointer(inner) => inner,
            other => other,
        }
    }
    /// The named type, looking through one pointer.
    pub fn as_named(&self) -> Option<&NamedType> {
        match self.strip_pointer() {
            Type::Named(n) => Some(n),
            _ => None,
        }
    }
    /// True for `pkg.name` or `*pkg.name`.
    pub fn is_named(&self, pkg: &str, name: &str) -> bool {
        self.as_named().is_some_and(|n| n.is(pkg, name))
    }
    /// Element type and direction of a channel type (not through named types;
    /// use [`crate::Program::underlying`] first for `type C chan int`).
    pub fn as_chan(&self) -> Option<(ChanDir, &Type)> {
        match self {
            Type::Chan(c) => Some((c.0, &c.1)),
            _ => None,
        }
    }
}

impl fmt::Debug for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn write_list(f: &mut fmt::Formatter<'_>, items: &[Type]) -> fmt::Result {
    for (i, t) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{t}")?;
    }
    Ok(())
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("func(")?;
        write_list(f, &self.params)?;
        f.write_str(")")?;
        match self.results.len() {
            0 => Ok(()),
            1 => write!(f, " {}", self.results[0]),
            _ => {
                f.write_str(" (")?;
                write_list(f, &self.results)?;
                f.write_str(")")
            }
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Unknown => f.write_str("?"),
            Type::Basic(b) => f.write_str(b.name()),
            Type::Named(n) => {
                if n.pkg.is_empty() {
                    write!(f, "{}", n.name)?;
                } else {
                    write!(f, "{}.{}", n.pkg, n.name)?;
                }
                if !n.args.is_empty() {
                    f.write_str("[")?;
                    write_list(f, &n.args)?;
                    f.write_str("]")?;
                }
                Ok(())
            }
            Type::Pointer(t) => write!(f, "*{t}"),
            Type::Slice(t) => write!(f, "[]{t}"),
            Type::Array(t) => write!(f, "[N]{t}"),
            Type::Map(kv) => write!(f, "map[{}]{}", kv.0, kv.1),
            Type::Chan(c) => match &**c {
                (ChanDir::Both, t) => write!(f, "chan {t}"),
                (ChanDir::Send, t) => write!(f, "chan<- {t}"),
                (ChanDir::Recv, t) => write!(f, "<-chan {t}"),
            },
            Type::Func(sig) => write!(f, "{sig}"),
            Type::Struct(s) => {
                f.write_str("struct{")?;
                for (i, field) in s.fields.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    if field.embedded {
                        write!(f, "{}", field.ty)?;
                    } else {
                        write!(f, "{} {}", field.name, field.ty)?;
                    }
                }
                f.write_str("}")
            }
            Type::Interface(i) => {
                if i.methods.is_empty() && i.embeds.is_empty() {
                    f.write_str("interface{}")
                } else {
                    f.write_str("interface{")?;
                    for (k, (name, sig)) in i.methods.iter().enumerate() {
                        if k > 0 {
                            f.write_str("; ")?;
                        }
                        let text = sig.to_string();
                        write!(f, "{name}{}", text.trim_start_matches("func"))?;
                    }
                    f.write_str("}")
                }
            }
            Type::Tuple(items) => {
                f.write_str("(")?;
                write_list(f, items)?;
                f.write_str(")")
            }
            Type::TypeParam(name) => write!(f, "{name}"),
        }
    }
}
