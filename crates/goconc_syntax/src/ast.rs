//! Typed Go AST stored in per-file arenas.
//!
//! Every node lives in a `Vec` owned by [`File`] and is referred to by a typed
//! index (`ExprId`, `StmtId`, ...). This keeps a parsed file a single owned
//! value that is `Send + Sync`, cheap to build (no per-node boxing) and easy
//! to cache, while rules still pattern-match on plain enums. Child lists
//! (call arguments, block statements, ...) are [`List`]s, which deref to
//! slices and keep a single item inline, so most nodes allocate nothing.
//!
//! Spans follow `go/ast` exactly: `span.start` is the byte offset of the
//! node's `Pos()` and `span.end` the byte offset of its `End()`. The oracle
//! test (`tools/astdump`) checks this for every file of the Go tree, so rules
//! can rely on spans meaning what they mean in `go/ast`.

use std::fmt;

/// A half-open byte range `[start, end)` into the file's source.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub const fn new(start: u32, end: u32) -> Self {
        Span { start, end }
    }
    /// An empty span at `pos` (used for implicit nodes such as inserted semicolons).
    pub const fn empty(pos: u32) -> Self {
        Span {
            start: pos,
            end: pos,
        }
    }
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn len(self) -> u32 {
        self.end.saturating_sub(self.start)
    }
    pub fn is_empty(self) -> bool {
        self.end <= self.start
    }
    pub fn contains(self, offset: u32) -> bool {
        self.start <= offset && offset < self.end
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

macro_rules! id_type {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub u32);
        impl $name {
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

id_type!(
    /// Index of an [`Expr`] in [`File::exprs`].
    ExprId
);
id_type!(
    /// Index of a [`Stmt`] in [`File::stmts`].
    StmtId
);
id_type!(
    /// Index of a [`Decl`] in [`File::decls`].
    DeclId
);
id_type!(
    /// Index of a [`Spec`] in [`File::specs`].
    SpecId
);

/// An immutable list of AST items; it derefs to a slice (`len`, `iter`,
/// indexing, `first`, ...), iterates by reference, and compares, hashes and
/// prints like one. A single item, by far the most common length, is stored
/// inline, so most lists cost no heap allocation, while the type is no larger
/// than a `Box<[T]>` (16 bytes for the small `Copy` items it holds).
#[derive(Clone)]
pub struct List<T>(ListRepr<T>);

#[derive(Clone)]
enum ListRepr<T> {
    One(T),
    /// Any other length (an empty boxed slice does not allocate).
    Many(Box<[T]>),
}

impl<T> List<T> {
    /// A list of one item (no allocation).
    pub fn one(item: T) -> Self {
        List(ListRepr::One(item))
    }

    /// The items as a slice.
    pub fn as_slice(&self) -> &[T] {
        match &self.0 {
            ListRepr::One(item) => std::slice::from_ref(item),
            ListRepr::Many(items) => items,
        }
    }
}

impl<T> Default for List<T> {
    fn default() -> Self {
        List(ListRepr::Many(Box::default()))
    }
}

impl<T> std::ops::Deref for List<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> AsRef<[T]> for List<T> {
    fn as_ref(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T> std::borrow::Borrow<[T]> for List<T> {
    fn borrow(&self) -> &[T] {
        self.as_slice()
    }
}

impl<T: fmt::Debug> fmt::Debug for List<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T: PartialEq> PartialEq for List<T> {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl<T: Eq> Eq for List<T> {}

impl<T: std::hash::Hash> std::hash::Hash for List<T> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

impl<T: Copy> From<&[T]> for List<T> {
    fn from(items: &[T]) -> Self {
        match items {
            [item] => List::one(*item),
            _ => List(ListRepr::Many(items.into())),
        }
    }
}

impl<T> From<Vec<T>> for List<T> {
    fn from(mut items: Vec<T>) -> Self {
        if items.len() == 1 {
            if let Some(item) = items.pop() {
                return List::one(item);
            }
        }
        List(ListRepr::Many(items.into_boxed_slice()))
    }
}

impl<T> From<Box<[T]>> for List<T> {
    fn from(items: Box<[T]>) -> Self {
        if items.len() == 1 {
            return Vec::from(items).into();
        }
        List(ListRepr::Many(items))
    }
}

impl<T, const N: usize> From<[T; N]> for List<T> {
    fn from(items: [T; N]) -> Self {
        Vec::from(items).into()
    }
}

impl<T> From<List<T>> for Vec<T> {
    fn from(list: List<T>) -> Self {
        match list.0 {
            ListRepr::One(item) => vec![item],
            ListRepr::Many(items) => items.into_vec(),
        }
    }
}

impl<T> FromIterator<T> for List<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        iter.into_iter().collect::<Vec<T>>().into()
    }
}

impl<'a, T> IntoIterator for &'a List<T> {
    type Item = &'a T;
    type IntoIter = std::slice::Iter<'a, T>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl<T> IntoIterator for List<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        Vec::from(self).into_iter()
    }
}

/// An identifier. Its name is `file.text(ident.span)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Ident {
    pub span: Span,
}

/// Kind of a basic literal token.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum LitKind {
    Int,
    Float,
    Imag,
    Char,
    String,
}

/// A basic literal; its source text is `file.text(lit.span)`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct BasicLit {
    pub kind: LitKind,
    pub span: Span,
}

/// Binary, unary and assignment operators (the `go/token` operator tokens that
/// can appear in expressions and statements).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Op {
    Add,    // +
    Sub,    // -
    Mul,    // *
    Quo,    // /
    Rem,    // %
    And,    // &
    Or,     // |
    Xor,    // ^
    Shl,    // <<
    Shr,    // >>
    AndNot, // &^
    LAnd,   // &&
    LOr,    // ||
    Arrow,  // <-
    Eql,    // ==
    Lss,    // <
    Gtr,    // >
    Not,    // !
    Neq,    // !=
    Leq,    // <=
    Geq,    // >=
    Tilde,  // ~
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Quo => "/",
            Op::Rem => "%",
            Op::And => "&",
            Op::Or => "|",
            Op::Xor => "^",
            Op::Shl => "<<",
            Op::Shr => ">>",
            Op::AndNot => "&^",
            Op::LAnd => "&&",
            Op::LOr => "||",
            Op::Arrow => "<-",
            Op::Eql => "==",
            Op::Lss => "<",
            Op::Gtr => ">",
            Op::Not => "!",
            Op::Neq => "!=",
            Op::Leq => "<=",
            Op::Geq => ">=",
            Op::Tilde => "~",
        }
    }
}

/// Assignment tokens of an [`StmtKind::Assign`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AssignOp {
    /// `=`
    Assign,
    /// `:=`
    Define,
    /// `op=` such as `+=`, `<<=`, `&^=`.
    Compound(Op),
}

impl AssignOp {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignOp::Assign => "=",
            AssignOp::Define => ":=",
            AssignOp::Compound(op) => match op {
                Op::Add => "+=",
                Op::Sub => "-=",
                Op::Mul => "*=",
                Op::Quo => "/=",
                Op::Rem => "%=",
                Op::And => "&=",
                Op::Or => "|=",
                Op::Xor => "^=",
                Op::Shl => "<<=",
                Op::Shr => ">>=",
                Op::AndNot => "&^=",
                _ => "?=",
            },
        }
    }
}

/// Channel direction of a [`ExprKind::ChanType`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ChanDir {
    /// `chan T`
    Both,
    /// `chan<- T`
    Send,
    /// `<-chan T`
    Recv,
}

/// A field, parameter, result, method or embedded type in a [`FieldList`].
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Field {
    pub span: Span,
    /// Empty for anonymous parameters and embedded fields.
    pub names: List<Ident>,
    /// `None` only in error recovery.
    pub ty: Option<ExprId>,
    pub tag: Option<BasicLit>,
}

/// A parenthesised or braced list of fields (`go/ast.FieldList`).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FieldList {
    /// From the opening `(`/`[`/`{` to just past the closing one; when the
    /// list has no delimiters (a single unparenthesised result) the span
    /// covers the fields.
    pub span: Span,
    /// Offset of the opening delimiter, if present.
    pub opening: Option<u32>,
    /// Offset of the closing delimiter, if present.
    pub closing: Option<u32>,
    pub fields: Box<[Field]>,
}

impl FieldList {
    /// Number of declared entries, counting each name of `a, b int` separately.
    pub fn num_fields(&self) -> usize {
        self.fields.iter().map(|f| f.names.len().max(1)).sum()
    }
}

/// A function signature (`go/ast.FuncType`).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FuncType {
    /// Offset of the `func` keyword when present (absent for interface methods).
    pub func_kw: Option<u32>,
    pub type_params: Option<FieldList>,
    pub params: FieldList,
    pub results: Option<FieldList>,
}

/// A `{ ... }` statement list (`go/ast.BlockStmt`).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Block {
    /// From `{` to just past `}`.
    pub span: Span,
    pub stmts: List<StmtId>,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Expr {
    pub span: Span,
    pub kind: ExprKind,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum ExprKind {
    /// Placeholder for an expression that failed to parse.
    Bad,
    Ident(Ident),
    /// `...T` in a parameter list, or `[...]T` length (then `elt` is `None`).
    Ellipsis {
        elt: Option<ExprId>,
    },
    BasicLit(BasicLit),
    Paren {
        x: ExprId,
    },
    Selector {
        x: ExprId,
        sel: Ident,
    },
    Index {
        x: ExprId,
        index: ExprId,
    },
    Slice {
        x: ExprId,
        low: Option<ExprId>,
        high: Option<ExprId>,
        max: Option<ExprId>,
        slice3: bool,
    },
    /// `x.(T)`; `ty` is `None` for `x.(type)` in a type switch.
    TypeAssert {
        x: ExprId,
        ty: Option<ExprId>,
    },
    /// `*x`: a dereference or a pointer type.
    Star {
        x: ExprId,
    },
    Unary {
        op: Op,
        x: ExprId,
    },
    Binary {
        x: ExprId,
        op: Op,
        op_pos: u32,
        y: ExprId,
    },
    KeyValue {
        key: ExprId,
        value: ExprId,
    },
    /// `[N]T`, `[...]T` (len is an `Ellipsis`) or `[]T` (len is `None`).
    ArrayType {
        len: Option<ExprId>,
        elt: ExprId,
    },
    MapType {
        key: ExprId,
        value: ExprId,
    },
    ChanType {
        dir: ChanDir,
        /// Offset of the `<-` of `chan<-` / `<-chan`, if any.
        arrow: Option<u32>,
        value: ExprId,
    },
    // The variants that own heap memory come last, so that dropping an
    // arena, which must look at every node, skips the others with one
    // range check instead of a jump per node.
    FuncLit {
        /// Boxed to keep `Expr` small (most expressions are identifiers).
        ty: Box<FuncType>,
        body: Block,
    },
    CompositeLit {
        ty: Option<ExprId>,
        lbrace: u32,
        elts: List<ExprId>,
        rbrace: u32,
        /// True when the literal was cut short by a syntax error.
        incomplete: bool,
    },
    /// Generic instantiation with two or more type arguments: `F[int, string]`.
    IndexList {
        x: ExprId,
        indices: List<ExprId>,
    },
    Call {
        fun: ExprId,
        args: List<ExprId>,
        /// Offset of a trailing `...` (`f(xs...)`).
        ellipsis: Option<u32>,
    },
    /// Boxed to keep `Expr` small.
    StructType {
        fields: Box<FieldList>,
    },
    /// Boxed to keep `Expr` small.
    FuncType(Box<FuncType>),
    /// Boxed to keep `Expr` small.
    InterfaceType {
        methods: Box<FieldList>,
    },
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Stmt {
    pub span: Span,
    pub kind: StmtKind,
}

/// `break`, `continue`, `goto` or `fallthrough`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum BranchKind {
    Break,
    Continue,
    Goto,
    Fallthrough,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum StmtKind {
    /// Placeholder for a statement that failed to parse.
    Bad,
    /// A `const`, `type` or `var` declaration inside a function.
    Decl(DeclId),
    /// `;` (explicit) or an implicit empty statement.
    Empty {
        implicit: bool,
    },
    Labeled {
        label: Ident,
        stmt: StmtId,
    },
    Expr(ExprId),
    Send {
        chan: ExprId,
        arrow: u32,
        value: ExprId,
    },
    IncDec {
        x: ExprId,
        inc: bool,
    },
    Assign {
        lhs: List<ExprId>,
        op: AssignOp,
        op_pos: u32,
        rhs: List<ExprId>,
    },
    /// `go f(x)`; `call` is normally an `ExprKind::Call` (a `Bad` expr on error).
    Go {
        call: ExprId,
    },
    Defer {
        call: ExprId,
    },
    Return {
        results: List<ExprId>,
    },
    Branch {
        kind: BranchKind,
        label: Option<Ident>,
    },
    Block(Block),
    If {
        init: Option<StmtId>,
        cond: ExprId,
        body: Block,
        /// An `If` or a `Block` statement.
        els: Option<StmtId>,
    },
    /// A `case`/`default` clause of a switch; `list` is `None` for `default`.
    CaseClause {
        list: Option<List<ExprId>>,
        colon: u32,
        body: List<StmtId>,
    },
    Switch {
        init: Option<StmtId>,
        tag: Option<ExprId>,
        /// Its statements are `CaseClause`s.
        body: Block,
    },
    TypeSwitch {
        init: Option<StmtId>,
        /// `x := y.(type)` (an `Assign`) or `y.(type)` (an `Expr`).
        assign: StmtId,
        body: Block,
    },
    /// A `case`/`default` clause of a select; `comm` is `None` for `default`.
    CommClause {
        comm: Option<StmtId>,
        colon: u32,
        body: List<StmtId>,
    },
    Select {
        /// Its statements are `CommClause`s.
        body: Block,
    },
    For {
        init: Option<StmtId>,
        cond: Option<ExprId>,
        post: Option<StmtId>,
        body: Block,
    },
    Range {
        key: Option<ExprId>,
        value: Option<ExprId>,
        /// `None` for `for range x`, otherwise `=` or `:=`.
        op: Option<AssignOp>,
        x: ExprId,
        body: Block,
    },
}

/// `import`, `const`, `type` or `var`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum GenDeclKind {
    Import,
    Const,
    Type,
    Var,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Decl {
    pub span: Span,
    pub kind: DeclKind,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum DeclKind {
    /// A declaration that failed to parse.
    Bad,
    Gen {
        kind: GenDeclKind,
        lparen: Option<u32>,
        specs: List<SpecId>,
        rparen: Option<u32>,
    },
    Func {
        recv: Option<FieldList>,
        name: Ident,
        ty: FuncType,
        body: Option<Block>,
    },
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Spec {
    pub span: Span,
    pub kind: SpecKind,
}

#[derive(Clone, PartialEq, Eq, Debug)]
pub enum SpecKind {
    Import {
        /// Local name, `.` or `_`.
        name: Option<Ident>,
        path: BasicLit,
    },
    /// A `const` or `var` spec.
    Value {
        names: List<Ident>,
        ty: Option<ExprId>,
        values: List<ExprId>,
    },
    Type {
        name: Ident,
        type_params: Option<FieldList>,
        /// Offset of `=` for an alias declaration.
        assign: Option<u32>,
        ty: ExprId,
    },
}

/// A `//` or `/* */` comment, exactly as written.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Comment {
    pub span: Span,
}

/// Adjacent comments with no blank line or token between them
/// (`go/ast.CommentGroup`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CommentGroup {
    pub span: Span,
    pub comments: List<Comment>,
}

/// A syntax error found while lexing or parsing.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyntaxError {
    /// Where the error is; usually a single token.
    pub span: Span,
    pub message: String,
}

/// The bytes of a source file. Valid UTF-8 (nearly every file) is checked
/// once, when the file is read, so that [`File::text`] is a slice rather
/// than a validation per identifier; it dereferences to the bytes either way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Source(SourceRepr);

#[derive(Clone, Debug, PartialEq, Eq)]
enum SourceRepr {
    Text(Box<str>),
    Bytes(Box<[u8]>),
}

impl Default for Source {
    fn default() -> Self {
        Source(SourceRepr::Text(Box::from("")))
    }
}

impl From<Vec<u8>> for Source {
    fn from(bytes: Vec<u8>) -> Self {
        match String::from_utf8(bytes) {
            Ok(text) => Source(SourceRepr::Text(text.into_boxed_str())),
            Err(err) => Source(SourceRepr::Bytes(err.into_bytes().into_boxed_slice())),
        }
    }
}

impl From<&[u8]> for Source {
    fn from(bytes: &[u8]) -> Self {
        Source::from(bytes.to_vec())
    }
}

impl std::ops::Deref for Source {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match &self.0 {
            SourceRepr::Text(text) => text.as_bytes(),
            SourceRepr::Bytes(bytes) => bytes,
        }
    }
}

/// A parsed Go source file: the arenas, the top-level structure, the comments
/// and the syntax errors. Parsing never fails: a file with errors still has
/// every declaration that could be recovered.
#[derive(Clone, Debug, Default)]
pub struct File {
    /// The raw source bytes (Go source is UTF-8; invalid bytes are reported
    /// as syntax errors and kept as they are so that offsets stay exact).
    pub source: Source,
    /// Offset of the `package` keyword (`None` if missing).
    pub package_kw: Option<u32>,
    /// The package name (`None` if missing).
    pub package_name: Option<Ident>,
    /// Top-level declarations in source order.
    pub decls: Vec<DeclId>,
    /// Every import spec in the file, in source order.
    pub imports: Vec<SpecId>,
    /// All comment groups in source order.
    pub comments: Vec<CommentGroup>,
    pub errors: Vec<SyntaxError>,
    pub exprs: Vec<Expr>,
    pub stmts: Vec<Stmt>,
    pub decl_nodes: Vec<Decl>,
    pub specs: Vec<Spec>,
    pub line_index: crate::LineIndex,
}

impl File {
    pub fn expr(&self, id: ExprId) -> &Expr {
        &self.exprs[id.index()]
    }
    pub fn stmt(&self, id: StmtId) -> &Stmt {
        &self.stmts[id.index()]
    }
    pub fn decl(&self, id: DeclId) -> &Decl {
        &self.decl_nodes[id.index()]
    }
    pub fn spec(&self, id: SpecId) -> &Spec {
        &self.specs[id.index()]
    }

    /// The source text of `span`. Returns `""` for a span that is out of range
    /// or does not lie on UTF-8 boundaries (only possible with invalid input).
    pub fn text(&self, span: Span) -> &str {
        let range = span.start as usize..span.end as usize;
        match &self.source.0 {
            SourceRepr::Text(text) => text.get(range).unwrap_or(""),
            SourceRepr::Bytes(bytes) => bytes
                .get(range)
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .unwrap_or(""),
        }
    }

    /// The name of an identifier.
    pub fn name(&self, ident: Ident) -> &str {
        self.text(ident.span)
    }

    /// The package name, or `""` when the clause is missing.
    pub fn package(&self) -> &str {
        self.package_name.map(|id| self.name(id)).unwrap_or("")
    }

    /// Strips parentheses: `((x))` → `x`.
    pub fn unparen(&self, mut id: ExprId) -> ExprId {
        while let ExprKind::Paren { x } = self.expr(id).kind {
            id = x;
        }
        id
    }

    /// The import path of an import spec, without quotes.
    pub fn import_path(&self, spec: SpecId) -> Option<&str> {
        match &self.spec(spec).kind {
            SpecKind::Import { path, .. } => {
                let raw = self.text(path.span);
                Some(raw.trim_matches(|c| c == '"' || c == '`'))
            }
            _ => None,
        }
    }

    /// Text of each comment in source order, with its span.
    pub fn all_comments(&self) -> impl Iterator<Item = (Span, &str)> + '_ {
        self.comments
            .iter()
            .flat_map(|g| g.comments.iter())
            .map(move |c| (c.span, self.text(c.span)))
    }

    /// `//go:`-style and tool directives (`//go:build`, `//nolint:...`,
    /// `//goconc:ignore ...`): line comments whose text starts with no space
    /// after `//` and contains a `:` in the first word.
    pub fn directives(&self) -> impl Iterator<Item = (Span, &str)> + '_ {
        self.all_comments().filter(|(_, text)| {
            text.strip_prefix("//").is_some_and(|rest| {
                let word = rest.split_whitespace().next().unwrap_or("");
                !rest.starts_with(' ') && word.contains(':')
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_behave_like_slices_whatever_their_representation() {
        let one = List::one(ExprId(7));
        let from_slice: List<ExprId> = [ExprId(7)][..].into();
        let from_vec: List<ExprId> = vec![ExprId(7)].into();
        let from_box: List<ExprId> = Box::<[ExprId]>::from([ExprId(7)]).into();
        let collected: List<ExprId> = std::iter::once(ExprId(7)).collect();
        for list in [&from_slice, &from_vec, &from_box, &collected] {
            assert_eq!(*list, one);
            assert_eq!(list.as_slice(), &[ExprId(7)]);
        }
        assert_eq!(format!("{one:?}"), "[ExprId(7)]");

        let many: List<ExprId> = vec![ExprId(1), ExprId(2), ExprId(3)].into();
        assert_eq!(many.len(), 3);
        assert_eq!(many[1], ExprId(2));
        assert_eq!(many.iter().map(|e| e.0).sum::<u32>(), 6);
        assert_eq!((&many).into_iter().count(), 3);
        assert_eq!(many.clone(), many);
        assert_ne!(many, one);
        assert_eq!(
            Vec::from(many.clone()),
            vec![ExprId(1), ExprId(2), ExprId(3)]
        );
        assert_eq!(many.into_iter().last(), Some(ExprId(3)));

        let empty: List<ExprId> = List::default();
        assert!(empty.is_empty());
        assert_eq!(empty, List::from(Vec::new()));
        assert_eq!(format!("{empty:?}"), "[]");

        // As small as a boxed slice: one item needs no allocation or tag.
        assert_eq!(std::mem::size_of::<List<ExprId>>(), 16);
        assert_eq!(std::mem::size_of::<List<Ident>>(), 16);
        assert!(std::mem::size_of::<Expr>() <= 48);
    }
}
