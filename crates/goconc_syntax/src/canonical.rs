//! Canonical text form of a parsed file, compared byte for byte against the
//! output of `tools/astdump` (the same form printed from `go/parser`'s AST) by
//! the oracle test `tests/oracle.rs`.
//!
//! # Format
//!
//! One node per line. A line is `<indent><label> <payload>`, where the indent
//! is one space per nesting level and the label names the field of the parent
//! (`X`, `Body`, `Type`, ...) or is `-` for an element of a list. Payloads:
//!
//! * `nil` — an optional child that is absent (Go `nil`).
//! * `[<n>]` — a list with `n` elements, which follow one level deeper, each
//!   labelled `-`.
//! * `<Kind> <start> <end> [key=value ...]` — a node named after its `go/ast`
//!   type with its `Pos()` and `End()` as byte offsets; its children follow one
//!   level deeper in the order listed below. An invalid position prints as
//!   `-` (in spans) or `nil` (in attributes).
//!
//! Strings (identifier names, literal source text, comment text) are written
//! in double quotes; printable ASCII other than `"` and `\` is kept, every
//! other byte is written `\xNN` (lowercase hex), so every dump is ASCII and a
//! node never spans lines.
//!
//! | Kind | attributes | children |
//! |---|---|---|
//! | `File 0 <len>` | `package=` | `Name`, `Decls [n]`, `Imports [n]` (spans only), `Comments [n]` |
//! | `Ident` | `"name"` | |
//! | `BasicLit` | `INT`/`FLOAT`/`IMAG`/`CHAR`/`STRING` and the raw source text | |
//! | `BadExpr`, `BadStmt`, `BadDecl` | | |
//! | `Ellipsis` | | `Elt` |
//! | `FuncLit` | | `Type` (FuncType), `Body` |
//! | `CompositeLit` | `lbrace= rbrace= incomplete=` | `Type`, `Elts [n]` |
//! | `ParenExpr`, `StarExpr` | | `X` |
//! | `SelectorExpr` | | `X`, `Sel` |
//! | `IndexExpr` | | `X`, `Index` |
//! | `IndexListExpr` | | `X`, `Indices [n]` |
//! | `SliceExpr` | `slice3=` | `X`, `Low`, `High`, `Max` |
//! | `TypeAssertExpr` | | `X`, `Type` (`nil` for `.(type)`) |
//! | `CallExpr` | `ellipsis=` | `Fun`, `Args [n]` |
//! | `UnaryExpr` | `op=` | `X` |
//! | `BinaryExpr` | `op= oppos=` | `X`, `Y` |
//! | `KeyValueExpr` | | `Key`, `Value` |
//! | `ArrayType` | | `Len` (`nil` for a slice), `Elt` |
//! | `StructType` | | `Fields` |
//! | `FuncType` | `func=` | `TypeParams`, `Params`, `Results` |
//! | `InterfaceType` | | `Methods` |
//! | `MapType` | | `Key`, `Value` |
//! | `ChanType` | `dir=both/send/recv arrow=` | `Value` |
//! | `FieldList` | `opening= closing= [n]` | one `- Field` per field |
//! | `Field` | | `Names [n]`, `Type`, `Tag` |
//! | `BlockStmt` | | `List [n]` |
//! | `DeclStmt` | | `Decl` |
//! | `EmptyStmt` | `implicit=` | |
//! | `LabeledStmt` | | `Label`, `Stmt` |
//! | `ExprStmt` | | `X` |
//! | `SendStmt` | `arrow=` | `Chan`, `Value` |
//! | `IncDecStmt` | `tok=++/--` | `X` |
//! | `AssignStmt` | `tok= tokpos=` | `Lhs [n]`, `Rhs [n]` |
//! | `GoStmt`, `DeferStmt` | | `Call` |
//! | `ReturnStmt` | | `Results [n]` |
//! | `BranchStmt` | `tok=` | `Label` |
//! | `IfStmt` | | `Init`, `Cond`, `Body`, `Else` |
//! | `CaseClause` | `colon=` | `List` (`nil` for `default`), `Body [n]` |
//! | `SwitchStmt` | | `Init`, `Tag`, `Body` |
//! | `TypeSwitchStmt` | | `Init`, `Assign`, `Body` |
//! | `CommClause` | `colon=` | `Comm` (`nil` for `default`), `Body [n]` |
//! | `SelectStmt` | | `Body` |
//! | `ForStmt` | | `Init`, `Cond`, `Post`, `Body` |
//! | `RangeStmt` | `tok=` (`nil` for `for range x`) | `Key`, `Value`, `X`, `Body` |
//! | `GenDecl` | `tok= lparen= rparen=` | `Specs [n]` |
//! | `FuncDecl` | | `Recv`, `Name`, `Type`, `Body` |
//! | `ImportSpec` | | `Name`, `Path` |
//! | `ValueSpec` | | `Names [n]`, `Type`, `Values [n]` |
//! | `TypeSpec` | `assign=` | `Name`, `TypeParams`, `Type` |
//! | `CommentGroup` | `[n]` | one `- Comment <start> <end> "text"` each |
//!
//! Operators and tokens print as `go/token` spells them (`+`, `<-`, `&^=`,
//! `:=`, `break`, `import`, ...).
//!
//! One deliberate difference from `go/ast`: a comment's end is its true end
//! in the source, not `go/ast`'s `Slash + len(Text)` (which falls short when
//! the scanner stripped carriage returns). A `//` comment ends before the
//! newline and before one `\r` immediately preceding it; a `/*` comment ends
//! just past `*/`. The text printed is the source bytes of that range.
//!
//! Positions that `go/ast` records but goconc's AST does not (the brackets of
//! index and slice expressions, the parentheses of calls and type
//! assertions, the colons of key-value pairs and labels, the `range` keyword
//! position) are not part of the form, nor are doc-comment attachments
//! (`Doc`/`Comment` fields): every comment appears in the `Comments` list.

use std::fmt::Write as _;

use crate::ast::{
    AssignOp, BasicLit, Block, BranchKind, ChanDir, DeclId, DeclKind, ExprId, ExprKind, Field,
    FieldList, File, FuncType, GenDeclKind, Ident, LitKind, Span, SpecId, SpecKind, StmtId,
    StmtKind,
};

/// Returns the canonical text form of `file` (see the module docs).
pub fn canonical(file: &File) -> String {
    let mut printer = Printer {
        file,
        out: String::with_capacity(file.source.len() * 8),
        depth: 0,
    };
    printer.file();
    printer.out
}

/// Appends `bytes` in double quotes, escaping as described in the module docs.
pub fn push_quoted(out: &mut String, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for &b in bytes {
        if (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\' {
            out.push(char::from(b));
        } else {
            out.push_str("\\x");
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
    out.push('"');
}

/// The source bytes of `span`, or nothing when it is out of range.
fn source_bytes(file: &File, span: Span) -> &[u8] {
    file.source
        .get(span.start as usize..span.end as usize)
        .unwrap_or(&[])
}

/// Appends the decimal form of `n` without going through `fmt`.
fn push_u32(out: &mut String, mut n: u32) {
    let mut digits = [0u8; 10];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[i..] {
        out.push(char::from(d));
    }
}

/// Stack headroom kept before recursing into a child node; deeply nested
/// expressions grow the stack on the heap instead of overflowing it.
const STACK_RED_ZONE: usize = 64 * 1024;
const STACK_GROW: usize = 1024 * 1024;

struct Printer<'f> {
    file: &'f File,
    out: String,
    depth: usize,
}

fn lit_kind(kind: LitKind) -> &'static str {
    match kind {
        LitKind::Int => "INT",
        LitKind::Float => "FLOAT",
        LitKind::Imag => "IMAG",
        LitKind::Char => "CHAR",
        LitKind::String => "STRING",
    }
}

fn gen_decl_tok(kind: GenDeclKind) -> &'static str {
    match kind {
        GenDeclKind::Import => "import",
        GenDeclKind::Const => "const",
        GenDeclKind::Type => "type",
        GenDeclKind::Var => "var",
    }
}

fn branch_tok(kind: BranchKind) -> &'static str {
    match kind {
        BranchKind::Break => "break",
        BranchKind::Continue => "continue",
        BranchKind::Goto => "goto",
        BranchKind::Fallthrough => "fallthrough",
    }
}

fn bool_str(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// `go/ast`'s `FuncType.Pos()`/`End()`: from `func` (or the parameters when
/// there is no keyword) to the end of the results (or parameters).
fn func_type_span(ty: &FuncType) -> Span {
    let start = ty.func_kw.unwrap_or(ty.params.span.start);
    let end = ty
        .results
        .as_ref()
        .map_or(ty.params.span.end, |results| results.span.end);
    Span::new(start, end)
}

impl Printer<'_> {
    fn begin(&mut self, label: &str) {
        for _ in 0..self.depth {
            self.out.push(' ');
        }
        self.out.push_str(label);
    }

    fn num(&mut self, n: u32) {
        push_u32(&mut self.out, n);
    }

    /// go/ast has a single node where goconc wraps one in another (an
    /// identifier or literal expression, a block statement); the outer span
    /// is printed and a disagreeing inner one is flagged on its own line so
    /// that it shows up as a mismatch.
    fn inner_span_check(&mut self, inner: Span, outer: Span) {
        if inner != outer {
            self.begin("INNER-SPAN-MISMATCH ");
            self.num(inner.start);
            self.out.push(' ');
            self.num(inner.end);
            self.nl();
        }
    }

    fn node(&mut self, label: &str, kind: &str, span: Span) {
        self.begin(label);
        self.out.push(' ');
        self.out.push_str(kind);
        self.out.push(' ');
        self.num(span.start);
        self.out.push(' ');
        self.num(span.end);
    }

    fn attr(&mut self, key: &str, value: &str) {
        self.out.push(' ');
        self.out.push_str(key);
        self.out.push('=');
        self.out.push_str(value);
    }

    fn attr_pos(&mut self, key: &str, pos: Option<u32>) {
        self.out.push(' ');
        self.out.push_str(key);
        self.out.push('=');
        match pos {
            Some(pos) => self.num(pos),
            None => self.out.push_str("nil"),
        }
    }

    fn nl(&mut self) {
        self.out.push('\n');
    }

    fn nil_line(&mut self, label: &str) {
        self.begin(label);
        self.out.push_str(" nil\n");
    }

    fn list_header(&mut self, label: &str, len: usize) {
        self.begin(label);
        let _ = writeln!(self.out, " [{len}]");
    }

    fn file(&mut self) {
        let file = self.file;
        self.begin("File 0 ");
        let len = u32::try_from(file.source.len()).unwrap_or(u32::MAX);
        self.num(len);
        self.attr_pos("package", file.package_kw);
        self.nl();
        self.depth += 1;
        self.ident("Name", file.package_name);
        self.list_header("Decls", file.decls.len());
        self.depth += 1;
        for &decl in &file.decls {
            self.decl("-", decl);
        }
        self.depth -= 1;
        self.list_header("Imports", file.imports.len());
        self.depth += 1;
        for &spec in &file.imports {
            match file.specs.get(spec.index()) {
                Some(spec) => {
                    self.node("-", "ImportSpec", spec.span);
                    self.nl();
                }
                None => {
                    self.begin("-");
                    self.out.push_str(" DANGLING-SPEC\n");
                }
            }
        }
        self.depth -= 1;
        self.list_header("Comments", file.comments.len());
        self.depth += 1;
        for group in &file.comments {
            self.node("-", "CommentGroup", group.span);
            let _ = writeln!(self.out, " [{}]", group.comments.len());
            self.depth += 1;
            for comment in &group.comments {
                self.node("-", "Comment", comment.span);
                self.out.push(' ');
                push_quoted(&mut self.out, source_bytes(self.file, comment.span));
                self.nl();
            }
            self.depth -= 1;
        }
        self.depth -= 1;
        self.depth -= 1;
    }

    fn ident(&mut self, label: &str, ident: Option<Ident>) {
        match ident {
            None => self.nil_line(label),
            Some(ident) => {
                self.node(label, "Ident", ident.span);
                self.out.push(' ');
                push_quoted(&mut self.out, source_bytes(self.file, ident.span));
                self.nl();
            }
        }
    }

    fn basic_lit(&mut self, label: &str, lit: Option<BasicLit>) {
        match lit {
            None => self.nil_line(label),
            Some(lit) => {
                self.node(label, "BasicLit", lit.span);
                self.out.push(' ');
                self.out.push_str(lit_kind(lit.kind));
                self.out.push(' ');
                push_quoted(&mut self.out, source_bytes(self.file, lit.span));
                self.nl();
            }
        }
    }

    fn opt_expr(&mut self, label: &str, expr: Option<ExprId>) {
        match expr {
            None => self.nil_line(label),
            Some(id) => self.expr(label, id),
        }
    }

    fn expr_list(&mut self, label: &str, list: &[ExprId]) {
        self.list_header(label, list.len());
        self.depth += 1;
        for &id in list {
            self.expr("-", id);
        }
        self.depth -= 1;
    }

    fn stmt_list(&mut self, label: &str, list: &[StmtId]) {
        self.list_header(label, list.len());
        self.depth += 1;
        for &id in list {
            self.stmt("-", id);
        }
        self.depth -= 1;
    }

    fn expr(&mut self, label: &str, id: ExprId) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.expr_inner(label, id));
    }

    fn expr_inner(&mut self, label: &str, id: ExprId) {
        let file = self.file;
        let Some(expr) = file.exprs.get(id.index()) else {
            self.begin(label);
            self.out.push_str(" DANGLING-EXPR\n");
            return;
        };
        let span = expr.span;
        match &expr.kind {
            ExprKind::Bad => {
                self.node(label, "BadExpr", span);
                self.nl();
            }
            ExprKind::Ident(ident) => {
                self.ident(label, Some(Ident { span }));
                self.inner_span_check(ident.span, span);
            }
            ExprKind::Ellipsis { elt } => {
                self.node(label, "Ellipsis", span);
                self.nl();
                self.depth += 1;
                self.opt_expr("Elt", *elt);
                self.depth -= 1;
            }
            ExprKind::BasicLit(lit) => {
                self.basic_lit(
                    label,
                    Some(BasicLit {
                        kind: lit.kind,
                        span,
                    }),
                );
                self.inner_span_check(lit.span, span);
            }
            ExprKind::FuncLit { ty, body } => {
                self.node(label, "FuncLit", span);
                self.nl();
                self.depth += 1;
                self.func_type("Type", ty);
                self.block("Body", body);
                self.depth -= 1;
            }
            ExprKind::CompositeLit {
                ty,
                lbrace,
                elts,
                rbrace,
                incomplete,
            } => {
                self.node(label, "CompositeLit", span);
                self.attr_pos("lbrace", Some(*lbrace));
                self.attr_pos("rbrace", Some(*rbrace));
                self.attr("incomplete", bool_str(*incomplete));
                self.nl();
                self.depth += 1;
                self.opt_expr("Type", *ty);
                self.expr_list("Elts", elts);
                self.depth -= 1;
            }
            ExprKind::Paren { x } => self.unary_node(label, "ParenExpr", span, *x),
            ExprKind::Selector { x, sel } => {
                self.node(label, "SelectorExpr", span);
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.ident("Sel", Some(*sel));
                self.depth -= 1;
            }
            ExprKind::Index { x, index } => {
                self.node(label, "IndexExpr", span);
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.expr("Index", *index);
                self.depth -= 1;
            }
            ExprKind::IndexList { x, indices } => {
                self.node(label, "IndexListExpr", span);
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.expr_list("Indices", indices);
                self.depth -= 1;
            }
            ExprKind::Slice {
                x,
                low,
                high,
                max,
                slice3,
            } => {
                self.node(label, "SliceExpr", span);
                self.attr("slice3", bool_str(*slice3));
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.opt_expr("Low", *low);
                self.opt_expr("High", *high);
                self.opt_expr("Max", *max);
                self.depth -= 1;
            }
            ExprKind::TypeAssert { x, ty } => {
                self.node(label, "TypeAssertExpr", span);
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.opt_expr("Type", *ty);
                self.depth -= 1;
            }
            ExprKind::Call {
                fun,
                args,
                ellipsis,
            } => {
                self.node(label, "CallExpr", span);
                self.attr_pos("ellipsis", *ellipsis);
                self.nl();
                self.depth += 1;
                self.expr("Fun", *fun);
                self.expr_list("Args", args);
                self.depth -= 1;
            }
            ExprKind::Star { x } => self.unary_node(label, "StarExpr", span, *x),
            ExprKind::Unary { op, x } => {
                self.node(label, "UnaryExpr", span);
                self.attr("op", op.as_str());
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.depth -= 1;
            }
            ExprKind::Binary { x, op, op_pos, y } => {
                self.node(label, "BinaryExpr", span);
                self.attr("op", op.as_str());
                self.attr_pos("oppos", Some(*op_pos));
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.expr("Y", *y);
                self.depth -= 1;
            }
            ExprKind::KeyValue { key, value } => {
                self.node(label, "KeyValueExpr", span);
                self.nl();
                self.depth += 1;
                self.expr("Key", *key);
                self.expr("Value", *value);
                self.depth -= 1;
            }
            ExprKind::ArrayType { len, elt } => {
                self.node(label, "ArrayType", span);
                self.nl();
                self.depth += 1;
                self.opt_expr("Len", *len);
                self.expr("Elt", *elt);
                self.depth -= 1;
            }
            ExprKind::StructType { fields } => {
                self.node(label, "StructType", span);
                self.nl();
                self.depth += 1;
                self.field_list("Fields", Some(fields));
                self.depth -= 1;
            }
            ExprKind::FuncType(ty) => self.func_type_with_span(label, ty, span),
            ExprKind::InterfaceType { methods } => {
                self.node(label, "InterfaceType", span);
                self.nl();
                self.depth += 1;
                self.field_list("Methods", Some(methods));
                self.depth -= 1;
            }
            ExprKind::MapType { key, value } => {
                self.node(label, "MapType", span);
                self.nl();
                self.depth += 1;
                self.expr("Key", *key);
                self.expr("Value", *value);
                self.depth -= 1;
            }
            ExprKind::ChanType { dir, arrow, value } => {
                self.node(label, "ChanType", span);
                let dir = match dir {
                    ChanDir::Both => "both",
                    ChanDir::Send => "send",
                    ChanDir::Recv => "recv",
                };
                self.attr("dir", dir);
                self.attr_pos("arrow", *arrow);
                self.nl();
                self.depth += 1;
                self.expr("Value", *value);
                self.depth -= 1;
            }
        }
    }

    /// A node whose only child is `X`.
    fn unary_node(&mut self, label: &str, kind: &str, span: Span, x: ExprId) {
        self.node(label, kind, span);
        self.nl();
        self.depth += 1;
        self.expr("X", x);
        self.depth -= 1;
    }

    fn func_type(&mut self, label: &str, ty: &FuncType) {
        self.func_type_with_span(label, ty, func_type_span(ty));
    }

    fn func_type_with_span(&mut self, label: &str, ty: &FuncType, span: Span) {
        self.node(label, "FuncType", span);
        self.attr_pos("func", ty.func_kw);
        self.nl();
        self.depth += 1;
        self.field_list("TypeParams", ty.type_params.as_ref());
        self.field_list("Params", Some(&ty.params));
        self.field_list("Results", ty.results.as_ref());
        self.depth -= 1;
    }

    fn field_list(&mut self, label: &str, list: Option<&FieldList>) {
        let Some(list) = list else {
            self.nil_line(label);
            return;
        };
        self.node(label, "FieldList", list.span);
        self.attr_pos("opening", list.opening);
        self.attr_pos("closing", list.closing);
        let _ = writeln!(self.out, " [{}]", list.fields.len());
        self.depth += 1;
        for field in &list.fields {
            self.field(field);
        }
        self.depth -= 1;
    }

    fn field(&mut self, field: &Field) {
        self.node("-", "Field", field.span);
        self.nl();
        self.depth += 1;
        self.list_header("Names", field.names.len());
        self.depth += 1;
        for &name in &field.names {
            self.ident("-", Some(name));
        }
        self.depth -= 1;
        self.opt_expr("Type", field.ty);
        self.basic_lit("Tag", field.tag);
        self.depth -= 1;
    }

    fn block(&mut self, label: &str, block: &Block) {
        self.block_with_span(label, block.span, &block.stmts);
    }

    fn block_with_span(&mut self, label: &str, span: Span, stmts: &[StmtId]) {
        self.node(label, "BlockStmt", span);
        self.nl();
        self.depth += 1;
        self.stmt_list("List", stmts);
        self.depth -= 1;
    }

    fn opt_stmt(&mut self, label: &str, stmt: Option<StmtId>) {
        match stmt {
            None => self.nil_line(label),
            Some(id) => self.stmt(label, id),
        }
    }

    fn stmt(&mut self, label: &str, id: StmtId) {
        stacker::maybe_grow(STACK_RED_ZONE, STACK_GROW, || self.stmt_inner(label, id));
    }

    fn stmt_inner(&mut self, label: &str, id: StmtId) {
        let file = self.file;
        let Some(stmt) = file.stmts.get(id.index()) else {
            self.begin(label);
            self.out.push_str(" DANGLING-STMT\n");
            return;
        };
        let span = stmt.span;
        match &stmt.kind {
            StmtKind::Bad => {
                self.node(label, "BadStmt", span);
                self.nl();
            }
            StmtKind::Decl(decl) => {
                self.node(label, "DeclStmt", span);
                self.nl();
                self.depth += 1;
                self.decl("Decl", *decl);
                self.depth -= 1;
            }
            StmtKind::Empty { implicit } => {
                self.node(label, "EmptyStmt", span);
                self.attr("implicit", bool_str(*implicit));
                self.nl();
            }
            StmtKind::Labeled { label: name, stmt } => {
                self.node(label, "LabeledStmt", span);
                self.nl();
                self.depth += 1;
                self.ident("Label", Some(*name));
                self.stmt("Stmt", *stmt);
                self.depth -= 1;
            }
            StmtKind::Expr(x) => self.unary_node(label, "ExprStmt", span, *x),
            StmtKind::Send { chan, arrow, value } => {
                self.node(label, "SendStmt", span);
                self.attr_pos("arrow", Some(*arrow));
                self.nl();
                self.depth += 1;
                self.expr("Chan", *chan);
                self.expr("Value", *value);
                self.depth -= 1;
            }
            StmtKind::IncDec { x, inc } => {
                self.node(label, "IncDecStmt", span);
                self.attr("tok", if *inc { "++" } else { "--" });
                self.nl();
                self.depth += 1;
                self.expr("X", *x);
                self.depth -= 1;
            }
            StmtKind::Assign {
                lhs,
                op,
                op_pos,
                rhs,
            } => {
                self.node(label, "AssignStmt", span);
                self.attr("tok", op.as_str());
                self.attr_pos("tokpos", Some(*op_pos));
                self.nl();
                self.depth += 1;
                self.expr_list("Lhs", lhs);
                self.expr_list("Rhs", rhs);
                self.depth -= 1;
            }
            StmtKind::Go { call } => self.call_stmt(label, "GoStmt", span, *call),
            StmtKind::Defer { call } => self.call_stmt(label, "DeferStmt", span, *call),
            StmtKind::Return { results } => {
                self.node(label, "ReturnStmt", span);
                self.nl();
                self.depth += 1;
                self.expr_list("Results", results);
                self.depth -= 1;
            }
            StmtKind::Branch { kind, label: name } => {
                self.node(label, "BranchStmt", span);
                self.attr("tok", branch_tok(*kind));
                self.nl();
                self.depth += 1;
                self.ident("Label", *name);
                self.depth -= 1;
            }
            StmtKind::Block(block) => {
                self.block_with_span(label, span, &block.stmts);
                self.inner_span_check(block.span, span);
            }
            StmtKind::If {
                init,
                cond,
                body,
                els,
            } => {
                self.node(label, "IfStmt", span);
                self.nl();
                self.depth += 1;
                self.opt_stmt("Init", *init);
                self.expr("Cond", *cond);
                self.block("Body", body);
                self.opt_stmt("Else", *els);
                self.depth -= 1;
            }
            StmtKind::CaseClause { list, colon, body } => {
                self.node(label, "CaseClause", span);
                self.attr_pos("colon", Some(*colon));
                self.nl();
                self.depth += 1;
                match list {
                    None => self.nil_line("List"),
                    Some(list) => self.expr_list("List", list),
                }
                self.stmt_list("Body", body);
                self.depth -= 1;
            }
            StmtKind::Switch { init, tag, body } => {
                self.node(label, "SwitchStmt", span);
                self.nl();
                self.depth += 1;
                self.opt_stmt("Init", *init);
                self.opt_expr("Tag", *tag);
                self.block("Body", body);
                self.depth -= 1;
            }
            StmtKind::TypeSwitch { init, assign, body } => {
                self.node(label, "TypeSwitchStmt", span);
                self.nl();
                self.depth += 1;
                self.opt_stmt("Init", *init);
                self.stmt("Assign", *assign);
                self.block("Body", body);
                self.depth -= 1;
            }
            StmtKind::CommClause { comm, colon, body } => {
                self.node(label, "CommClause", span);
                self.attr_pos("colon", Some(*colon));
                self.nl();
                self.depth += 1;
                self.opt_stmt("Comm", *comm);
                self.stmt_list("Body", body);
                self.depth -= 1;
            }
            StmtKind::Select { body } => {
                self.node(label, "SelectStmt", span);
                self.nl();
                self.depth += 1;
                self.block("Body", body);
                self.depth -= 1;
            }
            StmtKind::For {
                init,
                cond,
                post,
                body,
            } => {
                self.node(label, "ForStmt", span);
                self.nl();
                self.depth += 1;
                self.opt_stmt("Init", *init);
                self.opt_expr("Cond", *cond);
                self.opt_stmt("Post", *post);
                self.block("Body", body);
                self.depth -= 1;
            }
            StmtKind::Range {
                key,
                value,
                op,
                x,
                body,
            } => {
                self.node(label, "RangeStmt", span);
                self.attr("tok", op.map_or("nil", AssignOp::as_str));
                self.nl();
                self.depth += 1;
                self.opt_expr("Key", *key);
                self.opt_expr("Value", *value);
                self.expr("X", *x);
                self.block("Body", body);
                self.depth -= 1;
            }
        }
    }

    fn call_stmt(&mut self, label: &str, kind: &str, span: Span, call: ExprId) {
        self.node(label, kind, span);
        self.nl();
        self.depth += 1;
        self.expr("Call", call);
        self.depth -= 1;
    }

    fn decl(&mut self, label: &str, id: DeclId) {
        let file = self.file;
        let Some(decl) = file.decl_nodes.get(id.index()) else {
            self.begin(label);
            self.out.push_str(" DANGLING-DECL\n");
            return;
        };
        let span = decl.span;
        match &decl.kind {
            DeclKind::Bad => {
                self.node(label, "BadDecl", span);
                self.nl();
            }
            DeclKind::Gen {
                kind,
                lparen,
                specs,
                rparen,
            } => {
                self.node(label, "GenDecl", span);
                self.attr("tok", gen_decl_tok(*kind));
                self.attr_pos("lparen", *lparen);
                self.attr_pos("rparen", *rparen);
                self.nl();
                self.depth += 1;
                self.list_header("Specs", specs.len());
                self.depth += 1;
                for &spec in specs {
                    self.spec("-", spec);
                }
                self.depth -= 1;
                self.depth -= 1;
            }
            DeclKind::Func {
                recv,
                name,
                ty,
                body,
            } => {
                self.node(label, "FuncDecl", span);
                self.nl();
                self.depth += 1;
                self.field_list("Recv", recv.as_ref());
                self.ident("Name", Some(*name));
                self.func_type("Type", ty);
                match body {
                    None => self.nil_line("Body"),
                    Some(body) => self.block("Body", body),
                }
                self.depth -= 1;
            }
        }
    }

    fn spec(&mut self, label: &str, id: SpecId) {
        let file = self.file;
        let Some(spec) = file.specs.get(id.index()) else {
            self.begin(label);
            self.out.push_str(" DANGLING-SPEC\n");
            return;
        };
        let span = spec.span;
        match &spec.kind {
            SpecKind::Import { name, path } => {
                self.node(label, "ImportSpec", span);
                self.nl();
                self.depth += 1;
                self.ident("Name", *name);
                self.basic_lit("Path", Some(*path));
                self.depth -= 1;
            }
            SpecKind::Value { names, ty, values } => {
                self.node(label, "ValueSpec", span);
                self.nl();
                self.depth += 1;
                self.list_header("Names", names.len());
                self.depth += 1;
                for &name in names {
                    self.ident("-", Some(name));
                }
                self.depth -= 1;
                self.opt_expr("Type", *ty);
                self.expr_list("Values", values);
                self.depth -= 1;
            }
            SpecKind::Type {
                name,
                type_params,
                assign,
                ty,
            } => {
                self.node(label, "TypeSpec", span);
                self.attr_pos("assign", *assign);
                self.nl();
                self.depth += 1;
                self.ident("Name", Some(*name));
                self.field_list("TypeParams", type_params.as_ref());
                self.expr("Type", *ty);
                self.depth -= 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The expected texts are what `tools/astdump` prints for the same
    //! sources; the ASTs are built by hand so that the printer is checked
    //! independently of the parser.

    use super::*;
    use crate::ast::{Comment, CommentGroup, Decl, Expr, ExprId, List, Op, Spec, Stmt, StmtId};
    use crate::LineIndex;

    fn file_from(source: &str) -> File {
        File {
            source: source.as_bytes().into(),
            line_index: LineIndex::new(source.as_bytes()),
            ..File::default()
        }
    }

    fn push_expr(file: &mut File, start: u32, end: u32, kind: ExprKind) -> ExprId {
        file.exprs.push(Expr {
            span: Span::new(start, end),
            kind,
        });
        ExprId(file.exprs.len() as u32 - 1)
    }

    fn ident(start: u32, end: u32) -> Ident {
        Ident {
            span: Span::new(start, end),
        }
    }

    fn comment_group(start: u32, end: u32) -> CommentGroup {
        CommentGroup {
            span: Span::new(start, end),
            comments: List::one(Comment {
                span: Span::new(start, end),
            }),
        }
    }

    #[test]
    fn var_decl_with_binary_expression_and_comment() {
        let mut file = file_from("package p\n\n// c\nvar x = a + 1\n");
        file.package_kw = Some(0);
        file.package_name = Some(ident(8, 9));
        let a = push_expr(&mut file, 24, 25, ExprKind::Ident(ident(24, 25)));
        let one = push_expr(
            &mut file,
            28,
            29,
            ExprKind::BasicLit(BasicLit {
                kind: LitKind::Int,
                span: Span::new(28, 29),
            }),
        );
        let sum = push_expr(
            &mut file,
            24,
            29,
            ExprKind::Binary {
                x: a,
                op: Op::Add,
                op_pos: 26,
                y: one,
            },
        );
        file.specs.push(Spec {
            span: Span::new(20, 29),
            kind: SpecKind::Value {
                names: List::one(ident(20, 21)),
                ty: None,
                values: List::one(sum),
            },
        });
        file.decl_nodes.push(Decl {
            span: Span::new(16, 29),
            kind: DeclKind::Gen {
                kind: GenDeclKind::Var,
                lparen: None,
                specs: List::one(SpecId(0)),
                rparen: None,
            },
        });
        file.decls.push(DeclId(0));
        file.comments.push(comment_group(11, 15));
        let expected = "\
File 0 30 package=0
 Name Ident 8 9 \"p\"
 Decls [1]
  - GenDecl 16 29 tok=var lparen=nil rparen=nil
   Specs [1]
    - ValueSpec 20 29
     Names [1]
      - Ident 20 21 \"x\"
     Type nil
     Values [1]
      - BinaryExpr 24 29 op=+ oppos=26
       X Ident 24 25 \"a\"
       Y BasicLit 28 29 INT \"1\"
 Imports [0]
 Comments [1]
  - CommentGroup 11 15 [1]
   - Comment 11 15 \"// c\"
";
        assert_eq!(canonical(&file), expected);
    }

    fn send_func_file() -> File {
        let mut file = file_from("package p\n\nfunc f(ch chan<- int) {\n\tch <- 1\n}\n");
        file.package_kw = Some(0);
        file.package_name = Some(ident(8, 9));
        let int = push_expr(&mut file, 28, 31, ExprKind::Ident(ident(28, 31)));
        let chan = push_expr(
            &mut file,
            21,
            31,
            ExprKind::ChanType {
                dir: ChanDir::Send,
                arrow: Some(25),
                value: int,
            },
        );
        let ch = push_expr(&mut file, 36, 38, ExprKind::Ident(ident(36, 38)));
        let one = push_expr(
            &mut file,
            42,
            43,
            ExprKind::BasicLit(BasicLit {
                kind: LitKind::Int,
                span: Span::new(42, 43),
            }),
        );
        file.stmts.push(Stmt {
            span: Span::new(36, 43),
            kind: StmtKind::Send {
                chan: ch,
                arrow: 39,
                value: one,
            },
        });
        file.decl_nodes.push(Decl {
            span: Span::new(11, 45),
            kind: DeclKind::Func {
                recv: None,
                name: ident(16, 17),
                ty: FuncType {
                    func_kw: Some(11),
                    type_params: None,
                    params: FieldList {
                        span: Span::new(17, 32),
                        opening: Some(17),
                        closing: Some(31),
                        fields: Box::new([Field {
                            span: Span::new(18, 31),
                            names: List::one(ident(18, 20)),
                            ty: Some(chan),
                            tag: None,
                        }]),
                    },
                    results: None,
                },
                body: Some(Block {
                    span: Span::new(33, 45),
                    stmts: List::one(StmtId(0)),
                }),
            },
        });
        file.decls.push(DeclId(0));
        file
    }

    #[test]
    fn func_decl_with_send_statement() {
        let expected = "\
File 0 46 package=0
 Name Ident 8 9 \"p\"
 Decls [1]
  - FuncDecl 11 45
   Recv nil
   Name Ident 16 17 \"f\"
   Type FuncType 11 32 func=11
    TypeParams nil
    Params FieldList 17 32 opening=17 closing=31 [1]
     - Field 18 31
      Names [1]
       - Ident 18 20 \"ch\"
      Type ChanType 21 31 dir=send arrow=25
       Value Ident 28 31 \"int\"
      Tag nil
    Results nil
   Body BlockStmt 33 45
    List [1]
     - SendStmt 36 43 arrow=39
      Chan Ident 36 38 \"ch\"
      Value BasicLit 42 43 INT \"1\"
 Imports [0]
 Comments [0]
";
        assert_eq!(canonical(&send_func_file()), expected);
    }

    #[test]
    fn comments_with_carriage_returns_print_their_source_bytes() {
        let mut file = file_from("package p /* a\r\nb */ // c\r\n");
        file.package_kw = Some(0);
        file.package_name = Some(ident(8, 9));
        file.comments.push(comment_group(10, 20));
        file.comments.push(comment_group(21, 25));
        let expected = "\
File 0 27 package=0
 Name Ident 8 9 \"p\"
 Decls [0]
 Imports [0]
 Comments [2]
  - CommentGroup 10 20 [1]
   - Comment 10 20 \"/* a\\x0d\\x0ab */\"
  - CommentGroup 21 25 [1]
   - Comment 21 25 \"// c\"
";
        assert_eq!(canonical(&file), expected);
    }

    #[test]
    fn disagreeing_inner_span_is_flagged() {
        let mut file = send_func_file();
        // The `int` identifier expression claims a shorter ident span.
        file.exprs[0].kind = ExprKind::Ident(ident(28, 30));
        let text = canonical(&file);
        assert!(
            text.contains("       Value Ident 28 31 \"int\"\n       INNER-SPAN-MISMATCH 28 30\n"),
            "{text}"
        );
    }

    #[test]
    fn dangling_ids_do_not_panic() {
        let mut file = send_func_file();
        file.stmts.clear();
        let text = canonical(&file);
        assert!(text.contains("- DANGLING-STMT"), "{text}");
    }

    #[test]
    fn quoting_escapes_everything_but_printable_ascii() {
        let mut out = String::new();
        push_quoted(&mut out, "a\"\\\t\u{e9}~".as_bytes());
        assert_eq!(out, "\"a\\x22\\x5c\\x09\\xc3\\xa9~\"");
    }

    #[test]
    fn numbers_print_in_decimal() {
        for n in [0u32, 7, 10, 99, 12345, u32::MAX] {
            let mut out = String::new();
            push_u32(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }
}
