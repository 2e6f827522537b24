//! Typed Go AST stored in per-file arenas.
//!
//! Every node lives in a `Vec` owned by [`File`] and is referred to by a typed
//! index (`ExprId`, `StmtId`, ...). This keeps a parsed file a single owned
//! value that is `Send + Sync`, cheap to build (no per-node boxing) and easy
//! to cache, while rules still pattern-match on plain enums.
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
    pub names: Vec<Ident>,
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
    pub fields: Vec<Field>,
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
    pub stmts: Vec<StmtId>,
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
    FuncLit {
        /// Boxed to keep `Expr` small (most expressions are identifiers).
        ty: Box<FuncType>,
        body: Block,
    },
    CompositeLit {
        ty: Option<ExprId>,
        lbrace: u32,
        elts: Vec<ExprId>,
        rbrace: u32,
        /// True when the literal was cut short by a syntax error.
        incomplete: bool,
    },
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
    /// Generic instantiation with two or more type arguments: `F[int, string]`.
    IndexList {
        x: ExprId,
        indices: Vec<ExprId>,
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
    Call {
        fun: ExprId,
        args: Vec<ExprId>,
        /// Offset of a trailing `...` (`f(xs...)`).
        ellipsis: Option<u32>,
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
    StructType {
        fields: FieldList,
    },
    /// Boxed to keep `Expr` small.
    FuncType(Box<FuncType>),
    InterfaceType {
        methods: FieldList,
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
        lhs: Vec<ExprId>,
        op: AssignOp,
        op_pos: u32,
        rhs: Vec<ExprId>,
    },
    /// `go f(x)`; `call` is normally an `ExprKind::Call` (a `Bad` expr on error).
    Go {
        call: ExprId,
    },
    Defer {
        call: ExprId,
    },
    Return {
        results: Vec<ExprId>,
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
        list: Option<Vec<ExprId>>,
        colon: u32,
        body: Vec<StmtId>,
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
        body: Vec<StmtId>,
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
        specs: Vec<SpecId>,
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
        names: Vec<Ident>,
        ty: Option<ExprId>,
        values: Vec<ExprId>,
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
    pub comments: Vec<Comment>,
}

/// A syntax error found while lexing or parsing.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct SyntaxError {
    /// Where the error is; usually a single token.
    pub span: Span,
    pub message: String,
}

/// A parsed Go source file: the arenas, the top-level structure, the comments
/// and the syntax errors. Parsing never fails: a file with errors still has
/// every declaration that could be recovered.
#[derive(Clone, Debug, Default)]
pub struct File {
    /// The raw source bytes (Go source is UTF-8; invalid bytes are reported
    /// as syntax errors and kept as they are so that offsets stay exact).
    pub source: Box<[u8]>,
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
        self.source
            .get(span.start as usize..span.end as usize)
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .unwrap_or("")
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
