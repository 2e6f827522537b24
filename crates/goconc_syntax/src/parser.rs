//! A hand-written recursive-descent Go parser, ported from `go/parser`
//! (Go 1.26) so that it accepts exactly the same files and builds the same
//! tree shapes with the same positions. The comments in the functions below
//! mirror the corresponding `go/parser` functions; when in doubt, the Go
//! source is the specification.
//!
//! Differences from `go/parser`, all on erroneous input only: where
//! `go/parser` gives up (after more than ten errors, or when the nesting
//! limit is hit) this parser keeps going so that the rest of the file still
//! gets a tree - it records no further errors then, so the errors reported
//! match `go/parser`'s (the oracle checks the first one) - and identifiers
//! synthesised for missing names have an empty span. (The nesting case
//! treats the rest of the input as ended.)

use crate::ast::*;
use crate::lexer::Lexer;
use crate::line_index::LineIndex;
use crate::token::TokenKind as T;
use crate::token::TokenKind;

/// Options for [`crate::parse_file_with`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// Do not parse function and method bodies: each body becomes an empty
    /// [`Block`] whose span still covers `{ ... }` exactly. Syntax errors
    /// inside skipped bodies are not reported (lexical errors are). Meant
    /// for fast declaration-only loading of dependencies. Function literals
    /// outside function bodies (e.g. in package-level `var` initialisers)
    /// are still parsed in full.
    pub skip_func_bodies: bool,
}

/// The lowest stack address at which a guarded function may still recurse
/// without asking stacker (`usize::MAX`, i.e. always ask, if unknown).
fn current_stack_limit() -> usize {
    let marker = 0u8;
    let sp = std::ptr::addr_of!(marker) as usize;
    match stacker::remaining_stack() {
        Some(remaining) => (sp - remaining.min(sp)).saturating_add(STACK_RED_ZONE),
        None => usize::MAX,
    }
}

/// `go/parser`'s maxNestLev: the deepest the parser is willing to recurse.
const MAX_NEST_LEV: u32 = 100_000;
/// go/parser stops at the first syntax error reported while more than this
/// many errors are already recorded. Here the parse goes on (so that the
/// rest of the file still gets a tree) but, like go/parser, no further
/// errors are recorded.
const MAX_ERRORS: usize = 10;
/// Stack kept free before recursing, and the size of each new stack segment.
const STACK_RED_ZONE: usize = 256 * 1024;
const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// How `parse_simple_stmt` may treat what it finds (`go/parser` modes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum SimpleMode {
    Basic,
    LabelOk,
    RangeOk,
}

/// The result of `parse_simple_stmt`: a statement, or the header of a range
/// clause (`k, v := range x`) that only a `for` statement can use.
enum Simple {
    Stmt(StmtId),
    Range {
        lhs: List<ExprId>,
        op: Option<AssignOp>,
        x: ExprId,
    },
}

/// A parameter under construction (`go/parser`'s `field`).
#[derive(Clone, Copy)]
struct Param {
    name: Option<Ident>,
    ty: Option<ExprId>,
}

pub(crate) struct Parser<'a> {
    src: &'a [u8],
    lexer: Lexer<'a>,
    lines: &'a LineIndex,
    options: ParseOptions,

    tok: TokenKind,
    pos: u32,
    end: u32,
    /// False until the first token has been read (its predecessor has no line).
    started: bool,

    comments: Vec<CommentGroup>,
    errors: Vec<SyntaxError>,

    exprs: Vec<Expr>,
    stmts: Vec<Stmt>,
    decls: Vec<Decl>,
    specs: Vec<Spec>,
    imports: Vec<SpecId>,
    /// Scratch stacks for lists under construction: a list pushes onto the
    /// top and is copied out at its exact size, so nested lists share one
    /// buffer and each finished list costs a single allocation.
    expr_stack: Vec<ExprId>,
    stmt_stack: Vec<StmtId>,
    comment_stack: Vec<Comment>,
    ident_stack: Vec<Ident>,
    spec_stack: Vec<SpecId>,
    field_stack: Vec<Field>,
    /// Spare buffer for `parse_parameter_list`.
    param_buf: Vec<Param>,

    sync_pos: u32,
    sync_cnt: u32,
    /// < 0: in control clause, >= 0: in expression.
    expr_lev: i32,
    /// Parsing the right-hand side of an assignment-like construct.
    in_rhs: bool,
    nest_lev: u32,
    /// The nesting limit was exceeded: the rest of the input is ignored.
    bailed: bool,
    /// No more errors are recorded (see `MAX_ERRORS`).
    errors_closed: bool,
    /// See [`Parser::guard`].
    stack_limit: usize,
}

/// Output of [`Parser::finish`], moved into the [`File`].
pub(crate) struct Parsed {
    pub package_kw: Option<u32>,
    pub package_name: Option<Ident>,
    pub decls: Vec<DeclId>,
    pub imports: Vec<SpecId>,
    pub comments: Vec<CommentGroup>,
    pub errors: Vec<SyntaxError>,
    pub exprs: Vec<Expr>,
    pub stmts: Vec<Stmt>,
    pub decl_nodes: Vec<Decl>,
    pub specs: Vec<Spec>,
}

fn is_expr_end(tok: TokenKind) -> bool {
    matches!(
        tok,
        T::Comma | T::Colon | T::Semicolon | T::RParen | T::RBrack | T::RBrace
    )
}

fn is_stmt_start(tok: TokenKind) -> bool {
    matches!(
        tok,
        T::Break
            | T::Const
            | T::Continue
            | T::Defer
            | T::Fallthrough
            | T::For
            | T::Go
            | T::Goto
            | T::If
            | T::Return
            | T::Select
            | T::Switch
            | T::Type
            | T::Var
    )
}

fn is_decl_start(tok: TokenKind) -> bool {
    matches!(tok, T::Import | T::Const | T::Type | T::Var)
}

#[derive(Clone, Copy)]
enum SyncSet {
    ExprEnd,
    StmtStart,
    DeclStart,
}

impl SyncSet {
    fn contains(self, tok: TokenKind) -> bool {
        match self {
            SyncSet::ExprEnd => is_expr_end(tok),
            SyncSet::StmtStart => is_stmt_start(tok),
            SyncSet::DeclStart => is_decl_start(tok),
        }
    }
}

fn field_span(field: &Field, exprs: &[Expr]) -> Span {
    let start = field
        .names
        .first()
        .map(|n| n.span.start)
        .or_else(|| field.ty.map(|t| exprs[t.index()].span.start))
        .unwrap_or(0);
    let end = field
        .tag
        .map(|t| t.span.end)
        .or_else(|| field.ty.map(|t| exprs[t.index()].span.end))
        .or_else(|| field.names.last().map(|n| n.span.end))
        .unwrap_or(start);
    Span::new(start, end.max(start))
}

/// `self.exprs.push(Expr { span, kind })`, returning the new id. The node
/// is built inside the `once_with` closure, which `extend` calls after it has
/// made room, so it is stored straight into the arena: with a plain `push`
/// the compiler builds it in a stack slot (it must survive the possible
/// reallocation) and copies it with wide loads that stall on the narrow
/// stores that just built it, several percent of the whole parse.
macro_rules! new_expr {
    ($p:ident, $start:expr, $end:expr, $kind:expr $(,)?) => {{
        let span = $p.clamp($start, $end);
        let id = ExprId($p.exprs.len() as u32);
        $p.exprs
            .extend(std::iter::once_with(|| Expr { span, kind: $kind }));
        id
    }};
}

/// `self.stmts.push(Stmt { span, kind })`, as [`new_expr`].
macro_rules! new_stmt {
    ($p:ident, $start:expr, $end:expr, $kind:expr $(,)?) => {{
        let span = $p.clamp($start, $end);
        let id = StmtId($p.stmts.len() as u32);
        $p.stmts
            .extend(std::iter::once_with(|| Stmt { span, kind: $kind }));
        id
    }};
}

impl<'a> Parser<'a> {
    pub(crate) fn new(src: &'a [u8], lines: &'a LineIndex, options: ParseOptions) -> Self {
        // Measured on the Go tree: one expression per ~11 source bytes, one
        // statement per ~75, a declaration per ~570, a spec per ~300 and a
        // comment group per ~360; reserving slightly more avoids regrowing.
        let mut parser = Parser {
            src,
            lexer: Lexer::new(src),
            lines,
            options,
            tok: T::Eof,
            pos: 0,
            end: 0,
            started: false,
            comments: Vec::with_capacity(src.len() / 256 + 4),
            errors: Vec::new(),
            exprs: Vec::with_capacity(src.len() / 9 + 16),
            stmts: Vec::with_capacity(src.len() / 64 + 8),
            decls: Vec::with_capacity(src.len() / 400 + 4),
            specs: Vec::with_capacity(src.len() / 256 + 4),
            imports: Vec::new(),
            expr_stack: Vec::with_capacity(64),
            stmt_stack: Vec::with_capacity(64),
            comment_stack: Vec::new(),
            ident_stack: Vec::new(),
            spec_stack: Vec::new(),
            field_stack: Vec::new(),
            param_buf: Vec::new(),
            sync_pos: 0,
            sync_cnt: 0,
            expr_lev: 0,
            in_rhs: false,
            nest_lev: 0,
            bailed: false,
            errors_closed: false,
            stack_limit: current_stack_limit(),
        };
        parser.next();
        parser
    }

    // ------------------------------------------------------------------
    // Tokens, comments and errors

    fn line_of(&self, offset: u32) -> u32 {
        self.lines.line_col(offset).line
    }

    #[inline(always)]
    fn next0(&mut self) {
        if self.bailed {
            self.tok = T::Eof;
            return;
        }
        let token = self.lexer.next_token();
        if !self.lexer.errors.is_empty() {
            self.take_lexer_errors();
        }
        self.tok = token.kind;
        self.pos = token.start;
        self.end = token.end;
    }

    #[cold]
    #[inline(never)]
    fn take_lexer_errors(&mut self) {
        for error in self.lexer.errors.drain(..) {
            if !self.errors_closed {
                self.errors.push(error);
            }
        }
    }

    /// Advances to the next non-comment token, grouping comments exactly as
    /// `go/parser`'s `next` and `consumeCommentGroup` do.
    #[inline]
    fn next(&mut self) {
        let prev = self.pos;
        let had_prev = self.started;
        self.started = true;
        self.next0();
        if self.tok == T::Comment {
            self.comments_after(prev, had_prev);
        }
    }

    #[inline(never)]
    fn comments_after(&mut self, prev: u32, had_prev: bool) {
        if had_prev && self.lines_apart_at_most(prev, self.pos, 0) {
            // On the same line as the previous token: a line comment group.
            self.consume_comment_group(0);
        }
        while self.tok == T::Comment {
            self.consume_comment_group(1);
        }
    }

    /// Whether at most `n` lines separate offsets `from <= to`, i.e. whether
    /// `line_of(to) - line_of(from) <= n`. Counting the newlines in between
    /// is cheaper than two line look-ups, as the gaps are short.
    fn lines_apart_at_most(&self, from: u32, to: u32, n: u32) -> bool {
        let Some(mut gap) = self.src.get(from as usize..to as usize) else {
            return self.line_of(to).saturating_sub(self.line_of(from)) <= n;
        };
        for _ in 0..n {
            match memchr::memchr(b'\n', gap) {
                Some(i) => gap = &gap[i + 1..],
                None => return true,
            }
        }
        memchr::memchr(b'\n', gap).is_none()
    }

    fn consume_comment_group(&mut self, n: u32) {
        let mark = self.comment_stack.len();
        let mut prev_end = None;
        while self.tok == T::Comment {
            // A /*-style comment may end on a later line than it starts: the
            // distance is measured from the end of the previous comment.
            if let Some(prev_end) = prev_end {
                if !self.lines_apart_at_most(prev_end, self.pos, n) {
                    break;
                }
            }
            prev_end = Some(self.end);
            // The true source extent (a `//` comment stops before the newline
            // and before one '\r' right before it), not go/ast's End(), which
            // is short when the comment contains other carriage returns.
            self.comment_stack.push(Comment {
                span: Span::new(self.pos, self.end),
            });
            self.next0();
        }
        let list: List<Comment> = self.comment_stack[mark..].into();
        self.comment_stack.truncate(mark);
        if let (Some(first), Some(last)) = (list.first(), list.last()) {
            let span = Span::new(first.span.start, last.span.end);
            self.comments.push(CommentGroup {
                span,
                comments: list,
            });
        }
    }

    /// `go/parser`'s `error`: drops an error on the same line as the previous
    /// one (likely spurious).
    #[cold]
    fn error(&mut self, pos: u32, msg: impl Into<String>) {
        if self.bailed || self.errors_closed {
            return;
        }
        let line = self.line_of(pos);
        if let Some(last) = self.errors.last() {
            if self.line_of(last.span.start) == line {
                return;
            }
        }
        if self.errors.len() > MAX_ERRORS {
            self.errors_closed = true;
            return;
        }
        let span = if pos == self.pos && self.end > self.pos {
            Span::new(self.pos, self.end)
        } else {
            let len = self.src.len() as u32;
            Span::new(pos, pos.saturating_add(1).min(len).max(pos))
        };
        self.errors.push(SyntaxError {
            span,
            message: msg.into(),
        });
    }

    #[cold]
    fn error_expected(&mut self, pos: u32, what: &str) {
        let mut msg = format!("expected {what}");
        if pos == self.pos {
            if self.tok == T::Semicolon && self.end == self.pos {
                msg.push_str(", found newline");
            } else if self.tok.is_literal() {
                msg.push_str(", found ");
                msg.push_str(&String::from_utf8_lossy(
                    &self.src[self.pos as usize..self.end as usize],
                ));
            } else {
                msg.push_str(", found '");
                msg.push_str(self.tok.as_str());
                msg.push('\'');
            }
        }
        self.error(pos, msg);
    }

    #[inline]
    fn expect(&mut self, tok: TokenKind) -> u32 {
        let pos = self.pos;
        if self.tok != tok {
            self.error_expected(pos, &format!("'{}'", tok.as_str()));
        }
        self.next();
        pos
    }

    /// Like `expect`, but `None` if the token is missing.
    fn expect2(&mut self, tok: TokenKind) -> Option<u32> {
        let pos = if self.tok == tok {
            Some(self.pos)
        } else {
            self.error_expected(self.pos, &format!("'{}'", tok.as_str()));
            None
        };
        self.next();
        pos
    }

    fn expect_closing(&mut self, tok: TokenKind, context: &str) -> u32 {
        if self.tok != tok && self.tok == T::Semicolon && self.end == self.pos {
            self.error(self.pos, format!("missing ',' before newline in {context}"));
            self.next();
        }
        self.expect(tok)
    }

    fn expect_semi(&mut self) {
        match self.tok {
            T::RParen | T::RBrace => {} // optional before a closing ')' or '}'
            T::Comma => {
                // permit a ',' instead of a ';' but complain
                self.error_expected(self.pos, "';'");
                self.next();
            }
            T::Semicolon => self.next(),
            _ => {
                self.error_expected(self.pos, "';'");
                self.advance(SyncSet::StmtStart);
            }
        }
    }

    fn at_comma(&mut self, context: &str, follow: TokenKind) -> bool {
        if self.tok == T::Comma {
            return true;
        }
        if self.tok != follow {
            let newline = if self.tok == T::Semicolon && self.end == self.pos {
                " before newline"
            } else {
                ""
            };
            self.error(self.pos, format!("missing ','{newline} in {context}"));
            return true; // "insert" comma and continue
        }
        false
    }

    /// Skips tokens until one in `to` (or EOF), making sure that repeated
    /// calls without progress cannot loop forever.
    fn advance(&mut self, to: SyncSet) {
        while self.tok != T::Eof {
            if to.contains(self.tok) {
                if self.pos == self.sync_pos && self.sync_cnt < 10 {
                    self.sync_cnt += 1;
                    return;
                }
                if self.pos > self.sync_pos {
                    self.sync_pos = self.pos;
                    self.sync_cnt = 0;
                    return;
                }
            }
            self.next();
        }
    }

    /// Increments the nesting level; false (after reporting, once) if the
    /// limit is exceeded, after which the rest of the input is ignored.
    #[inline(always)]
    fn inc_nest(&mut self) -> bool {
        self.nest_lev += 1;
        if self.nest_lev > MAX_NEST_LEV {
            self.nest_limit_hit();
            return false;
        }
        true
    }

    #[cold]
    #[inline(never)]
    fn nest_limit_hit(&mut self) {
        if !self.bailed {
            let pos = self.pos;
            self.error(pos, "exceeded max nesting depth");
            if self.errors.is_empty() {
                self.errors.push(SyntaxError {
                    span: Span::empty(pos),
                    message: "exceeded max nesting depth".into(),
                });
            }
            self.bailed = true;
            self.tok = T::Eof;
        }
    }

    /// Runs `f` with enough stack: on a fresh segment when fewer than
    /// `STACK_RED_ZONE` bytes remain. Called at the recursive entry points
    /// that every recursion cycle of the grammar passes through. The common
    /// case is one comparison against a cached limit (stacker's own check
    /// costs a thread-local lookup and a call).
    #[inline]
    fn guard<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        let marker = 0u8;
        let sp = std::ptr::addr_of!(marker) as usize;
        if sp > self.stack_limit {
            return f(self);
        }
        let saved = self.stack_limit;
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            self.stack_limit = current_stack_limit();
            f(self)
        });
        self.stack_limit = saved;
        result
    }

    // ------------------------------------------------------------------
    // Node construction

    fn spec(&mut self, start: u32, end: u32, kind: SpecKind) -> SpecId {
        let id = SpecId(self.specs.len() as u32);
        self.specs.push(Spec {
            span: self.clamp(start, end),
            kind,
        });
        id
    }

    fn decl(&mut self, start: u32, end: u32, kind: DeclKind) -> DeclId {
        let id = DeclId(self.decls.len() as u32);
        self.decls.push(Decl {
            span: self.clamp(start, end),
            kind,
        });
        id
    }

    /// A span from `start` to `end` that lies inside the source. Only error
    /// recovery can produce positions past the end (e.g. `Lbrace+1` of a
    /// block whose `{` is missing at end of file).
    fn clamp(&self, start: u32, end: u32) -> Span {
        let len = self.src.len() as u32;
        let end = end.max(start).min(len);
        Span::new(start.min(end), end)
    }

    fn bad_expr(&mut self, from: u32, to: u32) -> ExprId {
        new_expr!(self, from, to, ExprKind::Bad)
    }

    fn ident_expr(&mut self, ident: Ident) -> ExprId {
        new_expr!(
            self,
            ident.span.start,
            ident.span.end,
            ExprKind::Ident(ident)
        )
    }

    fn espan(&self, id: ExprId) -> Span {
        self.exprs[id.index()].span
    }

    fn ekind(&self, id: ExprId) -> &ExprKind {
        &self.exprs[id.index()].kind
    }

    fn sspan(&self, id: StmtId) -> Span {
        self.stmts[id.index()].span
    }

    fn unparen(&self, mut id: ExprId) -> ExprId {
        while let ExprKind::Paren { x } = self.exprs[id.index()].kind {
            id = x;
        }
        id
    }

    fn field(&self, names: List<Ident>, ty: Option<ExprId>, tag: Option<BasicLit>) -> Field {
        let mut field = Field {
            span: Span::default(),
            names,
            ty,
            tag,
        };
        field.span = field_span(&field, &self.exprs);
        field
    }

    fn field_list(
        &self,
        opening: Option<u32>,
        fields: Box<[Field]>,
        closing: Option<u32>,
    ) -> FieldList {
        let start = opening
            .or_else(|| fields.first().map(|f| f.span.start))
            .unwrap_or(0);
        let end = closing
            .map(|c| c + 1)
            .or_else(|| fields.last().map(|f| f.span.end))
            .unwrap_or(start);
        FieldList {
            span: self.clamp(start, end.max(start)),
            opening,
            closing,
            fields,
        }
    }

    fn block(&self, lbrace: u32, stmts: List<StmtId>, rbrace: Option<u32>) -> Block {
        let end = match rbrace {
            Some(r) => r + 1,
            None => stmts
                .last()
                .map(|&s| self.sspan(s).end)
                .unwrap_or(lbrace + 1),
        };
        Block {
            span: self.clamp(lbrace, end.max(lbrace)),
            stmts,
        }
    }

    fn pack_index_expr(
        &mut self,
        x: ExprId,
        lbrack: u32,
        mut exprs: Vec<ExprId>,
        rbrack: u32,
    ) -> ExprId {
        let start = self.espan(x).start;
        if exprs.len() == 1 {
            let index = exprs.pop().unwrap_or(x);
            return new_expr!(self, start, rbrack + 1, ExprKind::Index { x, index });
        }
        let _ = lbrack;
        new_expr!(
            self,
            start,
            rbrack + 1,
            ExprKind::IndexList {
                x,
                indices: exprs.into(),
            },
        )
    }

    // ------------------------------------------------------------------
    // Identifiers

    fn parse_ident(&mut self) -> Ident {
        let pos = self.pos;
        if self.tok == T::Ident {
            let span = Span::new(self.pos, self.end);
            self.next();
            Ident { span }
        } else {
            self.expect(T::Ident);
            Ident {
                span: Span::empty(pos),
            }
        }
    }

    fn parse_ident_list(&mut self) -> List<Ident> {
        let mark = self.ident_stack.len();
        let first = self.parse_ident();
        self.ident_stack.push(first);
        while self.tok == T::Comma {
            self.next();
            let ident = self.parse_ident();
            self.ident_stack.push(ident);
        }
        self.take_idents(mark)
    }

    /// The identifiers pushed on the scratch stack since `mark`, popped.
    fn take_idents(&mut self, mark: usize) -> List<Ident> {
        let list: List<Ident> = self.ident_stack[mark..].into();
        self.ident_stack.truncate(mark);
        list
    }

    /// The fields pushed on the scratch stack since `mark`, popped.
    fn take_fields(&mut self, mark: usize) -> Box<[Field]> {
        self.field_stack.drain(mark..).collect()
    }

    // ------------------------------------------------------------------
    // Common productions

    fn parse_expr_list(&mut self) -> List<ExprId> {
        let mark = self.expr_stack.len();
        let x = self.parse_expr();
        self.expr_stack.push(x);
        while self.tok == T::Comma {
            self.next();
            let x = self.parse_expr();
            self.expr_stack.push(x);
        }
        self.take_exprs(mark)
    }

    fn parse_list(&mut self, in_rhs: bool) -> List<ExprId> {
        let old = self.in_rhs;
        self.in_rhs = in_rhs;
        let list = self.parse_expr_list();
        self.in_rhs = old;
        list
    }

    // ------------------------------------------------------------------
    // Types

    fn parse_type(&mut self) -> ExprId {
        match self.try_ident_or_type() {
            Some(t) => t,
            None => {
                let pos = self.pos;
                self.error_expected(pos, "type");
                self.advance(SyncSet::ExprEnd);
                self.bad_expr(pos, self.pos)
            }
        }
    }

    fn parse_qualified_ident(&mut self, ident: Option<Ident>) -> ExprId {
        let mut typ = self.parse_type_name(ident);
        if self.tok == T::LBrack {
            typ = self.parse_type_instance(typ);
        }
        typ
    }

    fn parse_type_name(&mut self, ident: Option<Ident>) -> ExprId {
        let ident = match ident {
            Some(i) => i,
            None => self.parse_ident(),
        };
        let x = self.ident_expr(ident);
        if self.tok == T::Period {
            // ident is a package name
            self.next();
            let sel = self.parse_ident();
            return new_expr!(
                self,
                ident.span.start,
                sel.span.end,
                ExprKind::Selector { x, sel },
            );
        }
        x
    }

    /// `[` has been consumed at `lbrack`; `len` is an already parsed length.
    fn parse_array_type(&mut self, lbrack: u32, len: Option<ExprId>) -> ExprId {
        let mut len = len;
        if len.is_none() {
            self.expr_lev += 1;
            // always permit ellipsis for more fault-tolerant parsing
            if self.tok == T::Ellipsis {
                len = Some(new_expr!(
                    self,
                    self.pos,
                    self.pos + 3,
                    ExprKind::Ellipsis { elt: None }
                ));
                self.next();
            } else if self.tok != T::RBrack {
                len = Some(self.parse_rhs());
            }
            self.expr_lev -= 1;
        }
        if self.tok == T::Comma {
            // Trailing commas are accepted in type parameter lists but not in
            // array type declarations; accept for better errors but complain.
            self.error(self.pos, "unexpected comma; expecting ]");
            self.next();
        }
        self.expect(T::RBrack);
        let elt = self.parse_type();
        let end = self.espan(elt).end;
        new_expr!(self, lbrack, end, ExprKind::ArrayType { len, elt })
    }

    fn parse_array_field_or_type_instance(&mut self, x: Ident) -> (Option<Ident>, ExprId) {
        let lbrack = self.expect(T::LBrack);
        let mut trailing_comma = None;
        let mut args = Vec::new();
        if self.tok != T::RBrack {
            self.expr_lev += 1;
            args.push(self.parse_rhs());
            while self.tok == T::Comma {
                let comma = self.pos;
                self.next();
                if self.tok == T::RBrack {
                    trailing_comma = Some(comma);
                    break;
                }
                args.push(self.parse_rhs());
            }
            self.expr_lev -= 1;
        }
        let rbrack = self.expect(T::RBrack);

        if args.is_empty() {
            // x []E
            let elt = self.parse_type();
            let end = self.espan(elt).end;
            let arr = new_expr!(self, lbrack, end, ExprKind::ArrayType { len: None, elt });
            return (Some(x), arr);
        }

        // x [P]E or x[P]
        if args.len() == 1 {
            if let Some(elt) = self.try_ident_or_type() {
                // x [P]E
                if let Some(comma) = trailing_comma {
                    self.error(comma, "unexpected comma; expecting ]");
                }
                let end = self.espan(elt).end;
                let arr = new_expr!(
                    self,
                    lbrack,
                    end,
                    ExprKind::ArrayType {
                        len: Some(args[0]),
                        elt,
                    },
                );
                return (Some(x), arr);
            }
        }

        // x[P], x[P1, P2], ...
        let xe = self.ident_expr(x);
        (None, self.pack_index_expr(xe, lbrack, args, rbrack))
    }

    fn parse_field_decl(&mut self) -> Field {
        let mark = self.ident_stack.len();
        let typ;
        match self.tok {
            T::Ident => {
                let name = self.parse_ident();
                if matches!(self.tok, T::Period | T::String | T::Semicolon | T::RBrace) {
                    // embedded type
                    typ = if self.tok == T::Period {
                        self.parse_qualified_ident(Some(name))
                    } else {
                        self.ident_expr(name)
                    };
                } else {
                    // name1, name2, ... T
                    self.ident_stack.push(name);
                    while self.tok == T::Comma {
                        self.next();
                        let ident = self.parse_ident();
                        self.ident_stack.push(ident);
                    }
                    // Careful dance: we don't know if we have an embedded
                    // instantiated type T[P1, P2, ...] or a field T of array
                    // type []E or [P]E.
                    if self.ident_stack.len() - mark == 1 && self.tok == T::LBrack {
                        let (n, t) = self.parse_array_field_or_type_instance(name);
                        if n.is_none() {
                            self.ident_stack.truncate(mark);
                        }
                        typ = t;
                    } else {
                        // T P
                        typ = self.parse_type();
                    }
                }
            }
            T::Mul => {
                let star = self.pos;
                self.next();
                let x = if self.tok == T::LParen {
                    // *(T)
                    self.error(self.pos, "cannot parenthesize embedded type");
                    self.next();
                    let x = self.parse_qualified_ident(None);
                    // expect closing ')' but no need to complain if missing
                    if self.tok == T::RParen {
                        self.next();
                    }
                    x
                } else {
                    // *T
                    self.parse_qualified_ident(None)
                };
                let end = self.espan(x).end;
                typ = new_expr!(self, star, end, ExprKind::Star { x });
            }
            T::LParen => {
                self.error(self.pos, "cannot parenthesize embedded type");
                self.next();
                if self.tok == T::Mul {
                    // (*T)
                    let star = self.pos;
                    self.next();
                    let x = self.parse_qualified_ident(None);
                    let end = self.espan(x).end;
                    typ = new_expr!(self, star, end, ExprKind::Star { x });
                } else {
                    // (T)
                    typ = self.parse_qualified_ident(None);
                }
                // expect closing ')' but no need to complain if missing
                if self.tok == T::RParen {
                    self.next();
                }
            }
            _ => {
                let pos = self.pos;
                self.error_expected(pos, "field name or embedded type");
                self.advance(SyncSet::ExprEnd);
                typ = self.bad_expr(pos, self.pos);
            }
        }

        let mut tag = None;
        if self.tok == T::String {
            tag = Some(BasicLit {
                kind: LitKind::String,
                span: Span::new(self.pos, self.end),
            });
            self.next();
        }

        self.expect_semi();
        let names = self.take_idents(mark);
        self.field(names, Some(typ), tag)
    }

    fn parse_struct_type(&mut self) -> ExprId {
        let pos = self.expect(T::Struct);
        let lbrace = self.expect(T::LBrace);
        let mark = self.field_stack.len();
        while matches!(self.tok, T::Ident | T::Mul | T::LParen) {
            // a field declaration cannot start with a '(' but we accept it
            // here for more robust parsing and better error messages
            let field = self.parse_field_decl();
            self.field_stack.push(field);
        }
        let list = self.take_fields(mark);
        let rbrace = self.expect(T::RBrace);
        let fields = self.field_list(Some(lbrace), list, Some(rbrace));
        new_expr!(
            self,
            pos,
            rbrace + 1,
            ExprKind::StructType {
                fields: Box::new(fields),
            },
        )
    }

    fn parse_pointer_type(&mut self) -> ExprId {
        let star = self.expect(T::Mul);
        let x = self.parse_type();
        let end = self.espan(x).end;
        new_expr!(self, star, end, ExprKind::Star { x })
    }

    fn parse_dots_type(&mut self) -> ExprId {
        let pos = self.expect(T::Ellipsis);
        let elt = self.parse_type();
        let end = self.espan(elt).end;
        new_expr!(self, pos, end, ExprKind::Ellipsis { elt: Some(elt) })
    }

    fn parse_param_decl(&mut self, name: Option<Ident>, type_sets_ok: bool) -> Param {
        let mut f = Param {
            name: None,
            ty: None,
        };
        if name.is_none() && type_sets_ok && self.tok == T::Tilde {
            // "~" ...
            f.ty = Some(self.embedded_elem(None));
            return f;
        }

        if name.is_some() || self.tok == T::Ident {
            // name
            let n = match name {
                Some(n) => n,
                None => self.parse_ident(),
            };
            f.name = Some(n);
            match self.tok {
                T::Ident
                | T::Mul
                | T::Arrow
                | T::Func
                | T::Chan
                | T::Map
                | T::Struct
                | T::Interface
                | T::LParen => {
                    // name type
                    f.ty = Some(self.parse_type());
                }
                T::LBrack => {
                    // name "[" type1, ..., typeN "]" or name "[" n "]" type
                    let (n2, t) = self.parse_array_field_or_type_instance(n);
                    f.name = n2;
                    f.ty = Some(t);
                }
                T::Ellipsis => {
                    // name "..." type
                    f.ty = Some(self.parse_dots_type());
                    return f; // don't allow ...type "|" ...
                }
                T::Period => {
                    // name "." ...
                    f.ty = Some(self.parse_qualified_ident(Some(n)));
                    f.name = None;
                }
                T::Tilde if type_sets_ok => {
                    f.ty = Some(self.embedded_elem(None));
                    return f;
                }
                T::Or if type_sets_ok => {
                    // name "|" typeset
                    let x = self.ident_expr(n);
                    f.ty = Some(self.embedded_elem(Some(x)));
                    f.name = None;
                    return f;
                }
                _ => {}
            }
        } else {
            match self.tok {
                T::Mul
                | T::Arrow
                | T::Func
                | T::LBrack
                | T::Chan
                | T::Map
                | T::Struct
                | T::Interface
                | T::LParen => {
                    // type
                    f.ty = Some(self.parse_type());
                }
                T::Ellipsis => {
                    // "..." type (always accepted)
                    f.ty = Some(self.parse_dots_type());
                    return f; // don't allow ...type "|" ...
                }
                _ => {
                    self.error_expected(self.pos, "')'");
                    self.advance(SyncSet::ExprEnd);
                }
            }
        }

        // [name] type "|"
        if type_sets_ok && self.tok == T::Or {
            if let Some(t) = f.ty {
                f.ty = Some(self.embedded_elem(Some(t)));
            }
        }
        f
    }

    fn parse_parameter_list(
        &mut self,
        name0: Option<Ident>,
        typ0: Option<ExprId>,
        closing: TokenKind,
        dddok: bool,
    ) -> Box<[Field]> {
        let mut list = std::mem::take(&mut self.param_buf);
        list.clear();
        let fields = self.parse_parameter_list_with(&mut list, name0, typ0, closing, dddok);
        if list.capacity() > self.param_buf.capacity() {
            self.param_buf = list;
        }
        fields
    }

    /// `parse_parameter_list` with `list` as the (empty) buffer for the
    /// parameters under construction.
    fn parse_parameter_list_with(
        &mut self,
        list: &mut Vec<Param>,
        name0: Option<Ident>,
        typ0: Option<ExprId>,
        closing: TokenKind,
        dddok: bool,
    ) -> Box<[Field]> {
        // Type parameters are the only parameter list closed by ']'.
        let tparams = closing == T::RBrack;

        let pos0 = match (name0, typ0) {
            (Some(n), _) => n.span.start,
            (None, Some(t)) => self.espan(t).start,
            _ => self.pos,
        };

        let mut named = 0usize; // parameters with an explicit name and type
        let mut typed = 0usize; // parameters with an explicit type

        let mut name0 = name0;
        let mut typ0 = typ0;
        while name0.is_some() || (self.tok != closing && self.tok != T::Eof) {
            let par = if let Some(t0) = typ0 {
                let t = if tparams {
                    self.embedded_elem(Some(t0))
                } else {
                    t0
                };
                Param {
                    name: name0,
                    ty: Some(t),
                }
            } else {
                self.parse_param_decl(name0, tparams)
            };
            name0 = None; // 1st name was consumed if present
            typ0 = None; // 1st typ was consumed if present
            if par.name.is_some() || par.ty.is_some() {
                list.push(par);
                if par.name.is_some() && par.ty.is_some() {
                    named += 1;
                }
                if par.ty.is_some() {
                    typed += 1;
                }
            }
            if !self.at_comma("parameter list", closing) {
                break;
            }
            self.next();
        }

        if list.is_empty() {
            return Box::default();
        }

        // distribute parameter types (len(list) > 0)
        if named == 0 {
            // all unnamed => found names are type names
            for par in list.iter_mut() {
                if let Some(n) = par.name.take() {
                    let id = ExprId(self.exprs.len() as u32);
                    self.exprs.push(Expr {
                        span: n.span,
                        kind: ExprKind::Ident(n),
                    });
                    par.ty = Some(id);
                }
            }
            if tparams {
                let (err_pos, mut msg) = if named == typed {
                    (self.pos, "missing type constraint".to_string())
                } else {
                    (pos0, "missing type parameter name".to_string())
                };
                if named != typed && list.len() == 1 {
                    msg.push_str(" or invalid array length");
                }
                self.error(err_pos, msg);
            }
        } else if named != list.len() {
            // some named or we're in a type parameter list => all must be named
            let mut err_pos: Option<u32> = None;
            let mut typ: Option<ExprId> = None;
            for i in (0..list.len()).rev() {
                let par = list[i];
                if let Some(t) = par.ty {
                    typ = Some(t);
                    if par.name.is_none() {
                        let p = self.espan(t).start;
                        err_pos = Some(p);
                        list[i].name = Some(Ident {
                            span: Span::empty(p),
                        });
                    }
                } else if typ.is_some() {
                    list[i].ty = typ;
                } else if let Some(n) = par.name {
                    // par.typ == nil && typ == nil => we only have a par.name
                    err_pos = Some(n.span.start);
                    let bad = self.bad_expr(n.span.start, self.pos);
                    list[i].ty = Some(bad);
                }
            }
            if let Some(mut ep) = err_pos {
                // Not all parameters are named because named != len(list).
                let msg = if named == typed {
                    ep = self.pos; // position error at closing token ) or ]
                    if tparams {
                        "missing type constraint".to_string()
                    } else {
                        "missing parameter type".to_string()
                    }
                } else if tparams {
                    let mut m = "missing type parameter name".to_string();
                    if list.len() == 1 {
                        m.push_str(" or invalid array length");
                    }
                    m
                } else {
                    "missing parameter name".to_string()
                };
                self.error(ep, msg);
            }
        }

        // check use of ...
        let mut first = true; // only report first occurrence
        let n = list.len();
        for (i, par) in list.iter_mut().enumerate() {
            let Some(t) = par.ty else { continue };
            if let ExprKind::Ellipsis { .. } = self.ekind(t) {
                if !dddok || i + 1 < n {
                    let span = self.espan(t);
                    if first {
                        first = false;
                        if dddok {
                            self.error(span.start, "can only use ... with final parameter");
                        } else {
                            self.error(span.start, "invalid use of ...");
                        }
                    }
                    // use T instead of invalid ...T
                    par.ty = Some(self.bad_expr(span.start, span.end));
                }
            }
        }

        // Convert list to fields.
        if named == 0 {
            // parameter list consists of types only
            return list
                .iter()
                .map(|par| self.field(List::default(), par.ty, None))
                .collect();
        }

        // Collect all names with the same types into a single field.
        let groups = list
            .iter()
            .enumerate()
            .filter(|&(i, par)| i == 0 || par.ty != list[i - 1].ty)
            .count();
        let mut params = Vec::with_capacity(groups);
        let mark = self.ident_stack.len();
        let mut typ: Option<ExprId> = None;
        for par in list.iter() {
            if par.ty != typ {
                if self.ident_stack.len() > mark {
                    let names = self.take_idents(mark);
                    params.push(self.field(names, typ, None));
                }
                typ = par.ty;
            }
            if let Some(n) = par.name {
                self.ident_stack.push(n);
            }
        }
        if self.ident_stack.len() > mark {
            let names = self.take_idents(mark);
            params.push(self.field(names, typ, None));
        }
        params.into_boxed_slice()
    }

    fn parse_type_parameters(&mut self) -> Option<FieldList> {
        let lbrack = self.expect(T::LBrack);
        let mut list = Box::default();
        if self.tok != T::RBrack {
            list = self.parse_parameter_list(None, None, T::RBrack, false);
        }
        let rbrack = self.expect(T::RBrack);
        if list.is_empty() {
            self.error(rbrack, "empty type parameter list");
            return None; // avoid follow-on errors
        }
        Some(self.field_list(Some(lbrack), list, Some(rbrack)))
    }

    fn parse_parameters(&mut self, result: bool) -> Option<FieldList> {
        if !result || self.tok == T::LParen {
            let lparen = self.expect(T::LParen);
            let mut list = Box::default();
            if self.tok != T::RParen {
                list = self.parse_parameter_list(None, None, T::RParen, !result);
            }
            let rparen = self.expect(T::RParen);
            return Some(self.field_list(Some(lparen), list, Some(rparen)));
        }
        if let Some(typ) = self.try_ident_or_type() {
            let field = self.field(List::default(), Some(typ), None);
            return Some(self.field_list(None, Box::new([field]), None));
        }
        None
    }

    fn parse_signature(&mut self, func_kw: Option<u32>) -> FuncType {
        let params = self.parse_parameters(false).unwrap_or_default();
        let results = self.parse_parameters(true);
        FuncType {
            func_kw,
            type_params: None,
            params,
            results,
        }
    }

    fn func_type_span(ft: &FuncType) -> Span {
        let start = ft.func_kw.unwrap_or(ft.params.span.start);
        let end = match &ft.results {
            Some(r) => r.span.end,
            None => ft.params.span.end,
        };
        Span::new(start, end.max(start))
    }

    fn parse_func_type(&mut self) -> FuncType {
        let pos = self.expect(T::Func);
        // accept type parameters for more tolerant parsing but complain
        if self.tok == T::LBrack {
            if let Some(tparams) = self.parse_type_parameters() {
                if let Some(open) = tparams.opening {
                    self.error(open, "function type must have no type parameters");
                }
            }
        }
        self.parse_signature(Some(pos))
    }

    fn parse_method_spec(&mut self) -> Field {
        let mut idents: List<Ident> = List::default();
        let typ;
        let x = self.parse_type_name(None);
        if let ExprKind::Ident(ident) = *self.ekind(x) {
            if self.tok == T::LBrack {
                // generic method or embedded instantiated type
                let lbrack = self.pos;
                self.next();
                self.expr_lev += 1;
                let x0 = self.parse_expr();
                self.expr_lev -= 1;
                let name0 = match self.ekind(x0) {
                    ExprKind::Ident(i) => Some(*i),
                    _ => None,
                };
                if let (Some(name0), true) = (name0, self.tok != T::Comma && self.tok != T::RBrack)
                {
                    // generic method m[T any]: interface methods do not have
                    // type parameters; parse them for a better error.
                    let _ = self.parse_parameter_list(Some(name0), None, T::RBrack, false);
                    self.expect(T::RBrack);
                    self.error(lbrack, "interface method must have no type parameters");
                    let ft = self.parse_signature(None);
                    idents = List::one(ident);
                    let span = Self::func_type_span(&ft);
                    typ = new_expr!(self, span.start, span.end, ExprKind::FuncType(Box::new(ft)));
                } else {
                    // embedded instantiated type
                    let mut list = vec![x0];
                    if self.at_comma("type argument list", T::RBrack) {
                        self.expr_lev += 1;
                        self.next();
                        while self.tok != T::RBrack && self.tok != T::Eof {
                            list.push(self.parse_type());
                            if !self.at_comma("type argument list", T::RBrack) {
                                break;
                            }
                            self.next();
                        }
                        self.expr_lev -= 1;
                    }
                    let rbrack = self.expect_closing(T::RBrack, "type argument list");
                    typ = self.pack_index_expr(x, lbrack, list, rbrack);
                }
            } else if self.tok == T::LParen {
                // ordinary method
                let ft = self.parse_signature(None);
                idents = List::one(ident);
                let span = Self::func_type_span(&ft);
                typ = new_expr!(self, span.start, span.end, ExprKind::FuncType(Box::new(ft)));
            } else {
                // embedded type
                typ = x;
            }
        } else {
            // embedded, possibly instantiated type
            typ = if self.tok == T::LBrack {
                // embedded instantiated interface
                self.parse_type_instance(x)
            } else {
                x
            };
        }
        self.field(idents, Some(typ), None)
    }

    fn embedded_elem(&mut self, x: Option<ExprId>) -> ExprId {
        let mut x = match x {
            Some(x) => x,
            None => self.embedded_term(),
        };
        while self.tok == T::Or {
            let op_pos = self.pos;
            self.next();
            let y = self.embedded_term();
            let start = self.espan(x).start;
            let end = self.espan(y).end;
            x = new_expr!(
                self,
                start,
                end,
                ExprKind::Binary {
                    x,
                    op: Op::Or,
                    op_pos,
                    y,
                },
            );
        }
        x
    }

    fn embedded_term(&mut self) -> ExprId {
        if self.tok == T::Tilde {
            let pos = self.pos;
            self.next();
            let x = self.parse_type();
            let end = self.espan(x).end;
            return new_expr!(self, pos, end, ExprKind::Unary { op: Op::Tilde, x });
        }
        match self.try_ident_or_type() {
            Some(t) => t,
            None => {
                let pos = self.pos;
                self.error_expected(pos, "~ term or type");
                self.advance(SyncSet::ExprEnd);
                self.bad_expr(pos, self.pos)
            }
        }
    }

    fn parse_interface_type(&mut self) -> ExprId {
        let pos = self.expect(T::Interface);
        let lbrace = self.expect(T::LBrace);
        let mark = self.field_stack.len();
        loop {
            match self.tok {
                T::Ident => {
                    let mut f = self.parse_method_spec();
                    if f.names.is_empty() {
                        if let Some(t) = f.ty {
                            f.ty = Some(self.embedded_elem(Some(t)));
                            f.span = field_span(&f, &self.exprs);
                        }
                    }
                    self.expect_semi();
                    self.field_stack.push(f);
                }
                T::Tilde => {
                    let typ = self.embedded_elem(None);
                    self.expect_semi();
                    let field = self.field(List::default(), Some(typ), None);
                    self.field_stack.push(field);
                }
                _ => {
                    if let Some(t) = self.try_ident_or_type() {
                        let typ = self.embedded_elem(Some(t));
                        self.expect_semi();
                        let field = self.field(List::default(), Some(typ), None);
                        self.field_stack.push(field);
                    } else {
                        break;
                    }
                }
            }
        }
        let list = self.take_fields(mark);
        let rbrace = self.expect(T::RBrace);
        let methods = self.field_list(Some(lbrace), list, Some(rbrace));
        new_expr!(
            self,
            pos,
            rbrace + 1,
            ExprKind::InterfaceType {
                methods: Box::new(methods),
            },
        )
    }

    fn parse_map_type(&mut self) -> ExprId {
        let pos = self.expect(T::Map);
        self.expect(T::LBrack);
        let key = self.parse_type();
        self.expect(T::RBrack);
        let value = self.parse_type();
        let end = self.espan(value).end;
        new_expr!(self, pos, end, ExprKind::MapType { key, value })
    }

    fn parse_chan_type(&mut self) -> ExprId {
        let pos = self.pos;
        let mut dir = ChanDir::Both;
        let mut arrow = None;
        if self.tok == T::Chan {
            self.next();
            if self.tok == T::Arrow {
                arrow = Some(self.pos);
                self.next();
                dir = ChanDir::Send;
            }
        } else {
            arrow = Some(self.expect(T::Arrow));
            self.expect(T::Chan);
            dir = ChanDir::Recv;
        }
        let value = self.parse_type();
        let end = self.espan(value).end;
        new_expr!(self, pos, end, ExprKind::ChanType { dir, arrow, value })
    }

    fn parse_type_instance(&mut self, typ: ExprId) -> ExprId {
        let opening = self.expect(T::LBrack);
        self.expr_lev += 1;
        let mut list = Vec::new();
        while self.tok != T::RBrack && self.tok != T::Eof {
            list.push(self.parse_type());
            if !self.at_comma("type argument list", T::RBrack) {
                break;
            }
            self.next();
        }
        self.expr_lev -= 1;
        let closing = self.expect_closing(T::RBrack, "type argument list");
        if list.is_empty() {
            self.error_expected(closing, "type argument list");
            let index = self.bad_expr(opening + 1, closing);
            let start = self.espan(typ).start;
            return new_expr!(self, start, closing + 1, ExprKind::Index { x: typ, index });
        }
        self.pack_index_expr(typ, opening, list, closing)
    }

    fn try_ident_or_type(&mut self) -> Option<ExprId> {
        self.guard(|this| {
            let ok = this.inc_nest();
            let result = if ok {
                this.try_ident_or_type_inner()
            } else {
                None
            };
            this.nest_lev -= 1;
            result
        })
    }

    fn try_ident_or_type_inner(&mut self) -> Option<ExprId> {
        match self.tok {
            T::Ident => {
                let mut typ = self.parse_type_name(None);
                if self.tok == T::LBrack {
                    typ = self.parse_type_instance(typ);
                }
                Some(typ)
            }
            T::LBrack => {
                let lbrack = self.expect(T::LBrack);
                Some(self.parse_array_type(lbrack, None))
            }
            T::Struct => Some(self.parse_struct_type()),
            T::Mul => Some(self.parse_pointer_type()),
            T::Func => {
                let ft = self.parse_func_type();
                let span = Self::func_type_span(&ft);
                Some(new_expr!(
                    self,
                    span.start,
                    span.end,
                    ExprKind::FuncType(Box::new(ft))
                ))
            }
            T::Interface => Some(self.parse_interface_type()),
            T::Map => Some(self.parse_map_type()),
            T::Chan | T::Arrow => Some(self.parse_chan_type()),
            T::LParen => {
                let lparen = self.pos;
                self.next();
                let x = self.parse_type();
                let rparen = self.expect(T::RParen);
                Some(new_expr!(self, lparen, rparen + 1, ExprKind::Paren { x }))
            }
            _ => None,
        }
    }

    // ------------------------------------------------------------------
    // Blocks

    fn parse_stmt_list(&mut self) -> List<StmtId> {
        let mark = self.stmt_stack.len();
        while !matches!(self.tok, T::Case | T::Default | T::RBrace | T::Eof) {
            let s = self.parse_stmt();
            self.stmt_stack.push(s);
        }
        self.take_stmts(mark)
    }

    /// The statements pushed on the scratch stack since `mark`, popped.
    fn take_stmts(&mut self, mark: usize) -> List<StmtId> {
        let list: List<StmtId> = self.stmt_stack[mark..].into();
        self.stmt_stack.truncate(mark);
        list
    }

    /// The expressions pushed on the scratch stack since `mark`, popped.
    fn take_exprs(&mut self, mark: usize) -> List<ExprId> {
        let list: List<ExprId> = self.expr_stack[mark..].into();
        self.expr_stack.truncate(mark);
        list
    }

    fn parse_block_stmt(&mut self) -> Block {
        let lbrace = self.expect(T::LBrace);
        let list = self.parse_stmt_list();
        let rbrace = self.expect2(T::RBrace);
        self.block(lbrace, list, rbrace)
    }

    /// Skips a function body by matching braces (`ParseOptions::skip_func_bodies`).
    fn skip_body(&mut self) -> Block {
        let lbrace = self.pos;
        let mut depth = 0u32;
        loop {
            match self.tok {
                T::LBrace => depth += 1,
                T::RBrace => {
                    depth -= 1;
                    if depth == 0 {
                        let rbrace = self.pos;
                        self.next();
                        return self.block(lbrace, List::default(), Some(rbrace));
                    }
                }
                T::Eof => {
                    self.error_expected(self.pos, "'}'");
                    return self.block(lbrace, List::default(), None);
                }
                _ => {}
            }
            self.next();
        }
    }

    // ------------------------------------------------------------------
    // Expressions

    fn parse_func_type_or_lit(&mut self) -> ExprId {
        let ft = self.parse_func_type();
        let span = Self::func_type_span(&ft);
        if self.tok != T::LBrace {
            // function type only
            return new_expr!(self, span.start, span.end, ExprKind::FuncType(Box::new(ft)));
        }
        self.expr_lev += 1;
        let body = self.parse_block_stmt();
        self.expr_lev -= 1;
        let end = body.span.end;
        new_expr!(
            self,
            span.start,
            end,
            ExprKind::FuncLit {
                ty: Box::new(ft),
                body,
            },
        )
    }

    /// May return an expression or a raw type (incl. `[...]T`); callers check.
    fn parse_operand(&mut self) -> ExprId {
        match self.tok {
            T::Ident => {
                let ident = self.parse_ident();
                return self.ident_expr(ident);
            }
            T::Int | T::Float | T::Imag | T::Char | T::String => {
                let kind = match self.tok {
                    T::Int => LitKind::Int,
                    T::Float => LitKind::Float,
                    T::Imag => LitKind::Imag,
                    T::Char => LitKind::Char,
                    _ => LitKind::String,
                };
                let lit = BasicLit {
                    kind,
                    span: Span::new(self.pos, self.end),
                };
                let x = new_expr!(self, self.pos, self.end, ExprKind::BasicLit(lit));
                self.next();
                return x;
            }
            T::LParen => {
                let lparen = self.pos;
                self.next();
                self.expr_lev += 1;
                let x = self.parse_rhs(); // types may be parenthesized: (some type)
                self.expr_lev -= 1;
                let rparen = self.expect(T::RParen);
                return new_expr!(self, lparen, rparen + 1, ExprKind::Paren { x });
            }
            T::Func => return self.parse_func_type_or_lit(),
            _ => {}
        }
        if let Some(typ) = self.try_ident_or_type() {
            // could be type for composite literal or conversion
            return typ;
        }
        // we have an error
        let pos = self.pos;
        self.error_expected(pos, "operand");
        self.advance(SyncSet::StmtStart);
        self.bad_expr(pos, self.pos)
    }

    fn parse_type_assertion(&mut self, x: ExprId) -> ExprId {
        self.expect(T::LParen);
        let ty = if self.tok == T::Type {
            // type switch: ty == None
            self.next();
            None
        } else {
            Some(self.parse_type())
        };
        let rparen = self.expect(T::RParen);
        let start = self.espan(x).start;
        new_expr!(self, start, rparen + 1, ExprKind::TypeAssert { x, ty })
    }

    fn parse_index_or_slice_or_instance(&mut self, x: ExprId) -> ExprId {
        let lbrack = self.expect(T::LBrack);
        let start = self.espan(x).start;
        if self.tok == T::RBrack {
            // empty index, slice or index expressions are not permitted;
            // accept them for parsing tolerance, but complain
            self.error_expected(self.pos, "operand");
            let rbrack = self.pos;
            self.next();
            let index = self.bad_expr(rbrack, rbrack);
            return new_expr!(self, start, rbrack + 1, ExprKind::Index { x, index });
        }
        self.expr_lev += 1;

        let mut args = Vec::new();
        let mut index: [Option<ExprId>; 3] = [None; 3];
        let mut colons = [0u32; 2];
        if self.tok != T::Colon {
            // We can't know if we have an index expression or a type
            // instantiation; so even if we see a (named) type we are not
            // going to be in type context.
            index[0] = Some(self.parse_rhs());
        }
        let mut ncolons = 0;
        match self.tok {
            T::Colon => {
                // slice expression
                while self.tok == T::Colon && ncolons < colons.len() {
                    colons[ncolons] = self.pos;
                    ncolons += 1;
                    self.next();
                    if !matches!(self.tok, T::Colon | T::RBrack | T::Eof) {
                        index[ncolons] = Some(self.parse_rhs());
                    }
                }
            }
            T::Comma => {
                // instance expression
                if let Some(i0) = index[0] {
                    args.push(i0);
                }
                while self.tok == T::Comma {
                    self.next();
                    if self.tok != T::RBrack && self.tok != T::Eof {
                        args.push(self.parse_type());
                    }
                }
            }
            _ => {}
        }

        self.expr_lev -= 1;
        let rbrack = self.expect(T::RBrack);

        if ncolons > 0 {
            // slice expression
            let mut slice3 = false;
            if ncolons == 2 {
                slice3 = true;
                // Check presence of middle and final index here rather than
                // during type-checking (go.dev/issue/7305).
                if index[1].is_none() {
                    self.error(colons[0], "middle index required in 3-index slice");
                    index[1] = Some(self.bad_expr(colons[0] + 1, colons[1]));
                }
                if index[2].is_none() {
                    self.error(colons[1], "final index required in 3-index slice");
                    index[2] = Some(self.bad_expr(colons[1] + 1, rbrack));
                }
            }
            return new_expr!(
                self,
                start,
                rbrack + 1,
                ExprKind::Slice {
                    x,
                    low: index[0],
                    high: index[1],
                    max: index[2],
                    slice3,
                },
            );
        }

        if args.is_empty() {
            // index expression
            let index = match index[0] {
                Some(i) => i,
                None => self.bad_expr(lbrack + 1, rbrack),
            };
            return new_expr!(self, start, rbrack + 1, ExprKind::Index { x, index });
        }

        // instance expression
        self.pack_index_expr(x, lbrack, args, rbrack)
    }

    fn parse_call_or_conversion(&mut self, fun: ExprId) -> ExprId {
        self.expect(T::LParen);
        self.expr_lev += 1;
        let mark = self.expr_stack.len();
        let mut ellipsis = None;
        while self.tok != T::RParen && self.tok != T::Eof && ellipsis.is_none() {
            let x = self.parse_rhs(); // builtins may expect a type: make(some type, ...)
            self.expr_stack.push(x);
            if self.tok == T::Ellipsis {
                ellipsis = Some(self.pos);
                self.next();
            }
            if !self.at_comma("argument list", T::RParen) {
                break;
            }
            self.next();
        }
        self.expr_lev -= 1;
        let list = self.take_exprs(mark);
        let rparen = self.expect_closing(T::RParen, "argument list");
        let start = self.espan(fun).start;
        new_expr!(
            self,
            start,
            rparen + 1,
            ExprKind::Call {
                fun,
                args: list,
                ellipsis,
            },
        )
    }

    fn parse_value(&mut self) -> ExprId {
        if self.tok == T::LBrace {
            return self.parse_literal_value(None);
        }
        self.parse_expr()
    }

    fn parse_element(&mut self) -> ExprId {
        let x = self.parse_value();
        if self.tok == T::Colon {
            self.next();
            let value = self.parse_value();
            let start = self.espan(x).start;
            let end = self.espan(value).end;
            return new_expr!(self, start, end, ExprKind::KeyValue { key: x, value });
        }
        x
    }

    fn parse_element_list(&mut self) -> List<ExprId> {
        let mark = self.expr_stack.len();
        while self.tok != T::RBrace && self.tok != T::Eof {
            let x = self.parse_element();
            self.expr_stack.push(x);
            if !self.at_comma("composite literal", T::RBrace) {
                break;
            }
            self.next();
        }
        self.take_exprs(mark)
    }

    fn parse_literal_value(&mut self, typ: Option<ExprId>) -> ExprId {
        self.guard(|this| {
            let ok = this.inc_nest();
            let result = if ok {
                this.parse_literal_value_inner(typ)
            } else {
                this.bad_expr(this.pos, this.pos)
            };
            this.nest_lev -= 1;
            result
        })
    }

    fn parse_literal_value_inner(&mut self, typ: Option<ExprId>) -> ExprId {
        let lbrace = self.expect(T::LBrace);
        let mut elts = List::default();
        self.expr_lev += 1;
        if self.tok != T::RBrace {
            elts = self.parse_element_list();
        }
        self.expr_lev -= 1;
        let complete = self.tok == T::RBrace;
        let rbrace = self.expect_closing(T::RBrace, "composite literal");
        let start = typ.map(|t| self.espan(t).start).unwrap_or(lbrace);
        new_expr!(
            self,
            start,
            rbrace + 1,
            ExprKind::CompositeLit {
                ty: typ,
                lbrace,
                elts,
                rbrace,
                incomplete: !complete,
            },
        )
    }

    fn parse_primary_expr(&mut self, x: Option<ExprId>) -> ExprId {
        let mut x = match x {
            Some(x) => x,
            None => self.parse_operand(),
        };
        // Nesting is tracked per iteration: the loop builds nested output.
        let mut n = 0u32;
        let result = loop {
            n += 1;
            if !self.inc_nest() {
                break x;
            }
            match self.tok {
                T::Period => {
                    self.next();
                    match self.tok {
                        T::Ident => {
                            let sel = self.parse_ident();
                            let start = self.espan(x).start;
                            x = new_expr!(self, start, sel.span.end, ExprKind::Selector { x, sel });
                        }
                        T::LParen => x = self.parse_type_assertion(x),
                        _ => {
                            let pos = self.pos;
                            self.error_expected(pos, "selector or type assertion");
                            // Targeted error-recovery fix from go/parser.
                            if self.tok != T::RBrace {
                                self.next(); // make progress
                            }
                            let sel = Ident {
                                span: Span::empty(pos),
                            };
                            let start = self.espan(x).start;
                            x = new_expr!(self, start, pos, ExprKind::Selector { x, sel });
                        }
                    }
                }
                T::LBrack => x = self.parse_index_or_slice_or_instance(x),
                T::LParen => x = self.parse_call_or_conversion(x),
                T::LBrace => {
                    // operand may have returned a parenthesized complit type;
                    // accept it but complain if we have a complit
                    let t = self.unparen(x);
                    // determine if '{' belongs to a composite literal or a block statement
                    match self.ekind(t) {
                        ExprKind::Bad
                        | ExprKind::Ident(_)
                        | ExprKind::Selector { .. }
                        | ExprKind::Index { .. }
                        | ExprKind::IndexList { .. } => {
                            if self.expr_lev < 0 {
                                break x;
                            }
                            // x is possibly a composite literal type
                        }
                        ExprKind::ArrayType { .. }
                        | ExprKind::StructType { .. }
                        | ExprKind::MapType { .. } => {
                            // x is a composite literal type
                        }
                        _ => break x,
                    }
                    if t != x {
                        let pos = self.espan(t).start;
                        self.error(pos, "cannot parenthesize type in composite literal");
                    }
                    x = self.parse_literal_value(Some(x));
                }
                _ => break x,
            }
        };
        self.nest_lev -= n;
        result
    }

    fn parse_unary_expr(&mut self) -> ExprId {
        self.guard(|this| {
            let ok = this.inc_nest();
            let result = if ok {
                this.parse_unary_expr_inner()
            } else {
                this.bad_expr(this.pos, this.pos)
            };
            this.nest_lev -= 1;
            result
        })
    }

    fn parse_unary_expr_inner(&mut self) -> ExprId {
        match self.tok {
            T::Add | T::Sub | T::Not | T::Xor | T::And | T::Tilde => {
                let pos = self.pos;
                let op = self.tok.binary_op().unwrap_or(Op::Add);
                self.next();
                let x = self.parse_unary_expr();
                let end = self.espan(x).end;
                new_expr!(self, pos, end, ExprKind::Unary { op, x })
            }
            T::Arrow => {
                // channel type or receive expression
                let arrow0 = self.pos;
                self.next();
                // If the next token is `chan` we still don't know if it is a
                // channel type or a receive operation - we only know once we
                // have found the end of the unary expression:
                //
                //   <- type  => (<-type) must be channel type
                //   <- expr  => <-(expr) is a receive from an expression
                //
                // In the first case, the arrow must be re-associated with the
                // channel type parsed already:
                //
                //   <- (chan type)    =>  (<-chan type)
                //   <- (chan<- type)  =>  (<-chan (<-type))
                let x = self.parse_unary_expr();

                if let ExprKind::ChanType { .. } = self.ekind(x) {
                    // (<-type): re-associate position info and <-
                    let mut arrow = Some(arrow0);
                    let mut dir = ChanDir::Send;
                    let mut cur = Some(x);
                    while let Some(typ) = cur {
                        if dir != ChanDir::Send {
                            break;
                        }
                        let ExprKind::ChanType {
                            dir: tdir,
                            arrow: tarrow,
                            value,
                        } = self.exprs[typ.index()].kind
                        else {
                            break;
                        };
                        if tdir == ChanDir::Recv {
                            // error: (<-type) is (<-(<-chan T))
                            let p = tarrow.unwrap_or(self.espan(typ).start);
                            self.error_expected(p, "'chan'");
                        }
                        let node = &mut self.exprs[typ.index()];
                        let begin = arrow.unwrap_or(node.span.start);
                        node.span.start = begin;
                        node.kind = ExprKind::ChanType {
                            dir: ChanDir::Recv,
                            arrow,
                            value,
                        };
                        arrow = tarrow;
                        dir = tdir;
                        cur = match self.exprs[value.index()].kind {
                            ExprKind::ChanType { .. } => Some(value),
                            _ => None,
                        };
                    }
                    if dir == ChanDir::Send {
                        let p = arrow.unwrap_or(arrow0);
                        self.error_expected(p, "channel type");
                    }
                    return x;
                }

                // <-(expr)
                let end = self.espan(x).end;
                new_expr!(self, arrow0, end, ExprKind::Unary { op: Op::Arrow, x })
            }
            T::Mul => {
                // pointer type or unary "*" expression
                let pos = self.pos;
                self.next();
                let x = self.parse_unary_expr();
                let end = self.espan(x).end;
                new_expr!(self, pos, end, ExprKind::Star { x })
            }
            _ => self.parse_primary_expr(None),
        }
    }

    fn tok_prec(&self) -> (TokenKind, u8) {
        let mut tok = self.tok;
        if self.in_rhs && tok == T::Assign {
            tok = T::Eql;
        }
        (tok, tok.precedence())
    }

    /// Parses a (possibly) binary expression; `x`, if given, is the already
    /// parsed left operand.
    fn parse_binary_expr(&mut self, x: Option<ExprId>, prec1: u8) -> ExprId {
        // Not a stack-guard point: the recursion below reaches the guarded
        // parse_unary_expr within a bounded number of frames.
        self.parse_binary_expr_inner(x, prec1)
    }

    fn parse_binary_expr_inner(&mut self, x: Option<ExprId>, prec1: u8) -> ExprId {
        let mut x = match x {
            Some(x) => x,
            None => self.parse_unary_expr(),
        };
        let mut n = 0u32;
        let result = loop {
            n += 1;
            if !self.inc_nest() {
                break x;
            }
            let (op, oprec) = self.tok_prec();
            if oprec < prec1 {
                break x;
            }
            let pos = self.expect(op);
            let y = self.parse_binary_expr(None, oprec + 1);
            let start = self.espan(x).start;
            let end = self.espan(y).end;
            x = new_expr!(
                self,
                start,
                end,
                ExprKind::Binary {
                    x,
                    op: op.binary_op().unwrap_or(Op::Eql),
                    op_pos: pos,
                    y,
                },
            );
        };
        self.nest_lev -= n;
        result
    }

    /// The result may be a type or even a raw type (`[...]int`).
    fn parse_expr(&mut self) -> ExprId {
        self.parse_binary_expr(None, 1)
    }

    fn parse_rhs(&mut self) -> ExprId {
        let old = self.in_rhs;
        self.in_rhs = true;
        let x = self.parse_expr();
        self.in_rhs = old;
        x
    }

    // ------------------------------------------------------------------
    // Statements

    /// Like `parse_list(in_rhs)`, with the first element returned apart so
    /// that the common single-expression statement allocates nothing.
    fn parse_list_split(&mut self, in_rhs: bool) -> (ExprId, usize) {
        let old = self.in_rhs;
        self.in_rhs = in_rhs;
        let mark = self.expr_stack.len();
        let first = self.parse_expr();
        self.expr_stack.push(first);
        while self.tok == T::Comma {
            self.next();
            let x = self.parse_expr();
            self.expr_stack.push(x);
        }
        self.in_rhs = old;
        (first, mark)
    }

    fn parse_simple_stmt(&mut self, mode: SimpleMode) -> Simple {
        // The list stays on the scratch stack unless an assignment needs it.
        let (x0, mark) = self.parse_list_split(false);
        let several = self.expr_stack.len() - mark > 1;

        if let Some(op) = self.tok.assign_op() {
            // assignment statement, possibly part of a range clause
            let lhs = self.take_exprs(mark);
            let pos = self.pos;
            self.next();
            if mode == SimpleMode::RangeOk
                && self.tok == T::Range
                && matches!(op, AssignOp::Define | AssignOp::Assign)
            {
                self.next();
                let y = self.parse_rhs();
                return Simple::Range {
                    lhs,
                    op: Some(op),
                    x: y,
                };
            }
            let y = self.parse_list(true);
            let start = self.espan(x0).start;
            let end = y.last().map(|&e| self.espan(e).end).unwrap_or(pos);
            return Simple::Stmt(new_stmt!(
                self,
                start,
                end,
                StmtKind::Assign {
                    lhs,
                    op,
                    op_pos: pos,
                    rhs: y,
                },
            ));
        }

        self.expr_stack.truncate(mark);
        if several {
            let p = self.espan(x0).start;
            self.error_expected(p, "1 expression");
            // continue with first expression
        }
        let x0_span = self.espan(x0);

        match self.tok {
            T::Colon => {
                // labeled statement
                let colon = self.pos;
                self.next();
                if let (SimpleMode::LabelOk, ExprKind::Ident(label)) = (mode, self.ekind(x0)) {
                    let label = *label;
                    let stmt = self.parse_stmt();
                    let end = self.sspan(stmt).end;
                    return Simple::Stmt(new_stmt!(
                        self,
                        label.span.start,
                        end,
                        StmtKind::Labeled { label, stmt },
                    ));
                }
                // Use the (latest) colon position for error reporting.
                self.error(colon, "illegal label declaration");
                Simple::Stmt(new_stmt!(self, x0_span.start, colon + 1, StmtKind::Bad))
            }
            T::Arrow => {
                // send statement
                let arrow = self.pos;
                self.next();
                let y = self.parse_rhs();
                let end = self.espan(y).end;
                Simple::Stmt(new_stmt!(
                    self,
                    x0_span.start,
                    end,
                    StmtKind::Send {
                        chan: x0,
                        arrow,
                        value: y,
                    },
                ))
            }
            T::Inc | T::Dec => {
                // increment or decrement
                let inc = self.tok == T::Inc;
                let pos = self.pos;
                self.next();
                Simple::Stmt(new_stmt!(
                    self,
                    x0_span.start,
                    pos + 2,
                    StmtKind::IncDec { x: x0, inc }
                ))
            }
            _ => {
                // expression
                Simple::Stmt(new_stmt!(
                    self,
                    x0_span.start,
                    x0_span.end,
                    StmtKind::Expr(x0)
                ))
            }
        }
    }

    fn simple_stmt(&mut self, mode: SimpleMode) -> StmtId {
        match self.parse_simple_stmt(mode) {
            Simple::Stmt(s) => s,
            // Only reachable with RangeOk, which callers handle themselves.
            Simple::Range { x, .. } => {
                let span = self.espan(x);
                new_stmt!(self, span.start, span.end, StmtKind::Bad)
            }
        }
    }

    fn parse_call_expr(&mut self, call_type: &str) -> Option<ExprId> {
        let mut x = self.parse_rhs(); // could be a conversion: (some type)(x)
        let t = self.unparen(x);
        if t != x {
            let pos = self.espan(x).start;
            self.error(
                pos,
                format!("expression in {call_type} must not be parenthesized"),
            );
            x = t;
        }
        match self.ekind(x) {
            ExprKind::Call { .. } => Some(x),
            ExprKind::Bad => None,
            _ => {
                // only report error if it's a new one
                let end = self.espan(x).end;
                self.error(
                    end,
                    format!("expression in {call_type} must be function call"),
                );
                None
            }
        }
    }

    fn parse_go_or_defer_stmt(&mut self, is_go: bool) -> StmtId {
        let (tok, name, len) = if is_go {
            (T::Go, "go", 2)
        } else {
            (T::Defer, "defer", 5)
        };
        let pos = self.expect(tok);
        let call = self.parse_call_expr(name);
        self.expect_semi();
        match call {
            None => new_stmt!(self, pos, pos + len, StmtKind::Bad),
            Some(call) => {
                let end = self.espan(call).end;
                let kind = if is_go {
                    StmtKind::Go { call }
                } else {
                    StmtKind::Defer { call }
                };
                new_stmt!(self, pos, end, kind)
            }
        }
    }

    fn parse_return_stmt(&mut self) -> StmtId {
        let pos = self.pos;
        self.expect(T::Return);
        let mut x = List::default();
        if self.tok != T::Semicolon && self.tok != T::RBrace {
            x = self.parse_list(true);
        }
        self.expect_semi();
        let end = x.last().map(|&e| self.espan(e).end).unwrap_or(pos + 6);
        new_stmt!(self, pos, end, StmtKind::Return { results: x })
    }

    fn parse_branch_stmt(&mut self, tok: TokenKind) -> StmtId {
        let pos = self.expect(tok);
        let mut label = None;
        if tok == T::Goto || (matches!(tok, T::Continue | T::Break) && self.tok == T::Ident) {
            label = Some(self.parse_ident());
        }
        self.expect_semi();
        let kind = match tok {
            T::Break => BranchKind::Break,
            T::Continue => BranchKind::Continue,
            T::Goto => BranchKind::Goto,
            _ => BranchKind::Fallthrough,
        };
        let end = match label {
            Some(l) => l.span.end,
            None => pos + tok.as_str().len() as u32,
        };
        new_stmt!(self, pos, end, StmtKind::Branch { kind, label })
    }

    fn make_expr(&mut self, s: Option<StmtId>, want: &str) -> Option<ExprId> {
        let s = s?;
        let (span, found) = match &self.stmts[s.index()].kind {
            StmtKind::Expr(x) => return Some(*x),
            StmtKind::Assign { .. } => (self.sspan(s), "assignment"),
            _ => (self.sspan(s), "simple statement"),
        };
        self.error(
            span.start,
            format!(
                "expected {want}, found {found} (missing parentheses around composite literal?)"
            ),
        );
        Some(self.bad_expr(span.start, span.end))
    }

    fn parse_if_header(&mut self) -> (Option<StmtId>, ExprId) {
        if self.tok == T::LBrace {
            self.error(self.pos, "missing condition in if statement");
            let cond = self.bad_expr(self.pos, self.pos);
            return (None, cond);
        }

        let prev_lev = self.expr_lev;
        self.expr_lev = -1;

        let mut init = None;
        if self.tok != T::Semicolon {
            // accept potential variable declaration but complain
            if self.tok == T::Var {
                self.next();
                self.error(self.pos, "var declaration not allowed in if initializer");
            }
            init = Some(self.simple_stmt(SimpleMode::Basic));
        }

        let mut cond_stmt = None;
        let mut semi: Option<(u32, bool)> = None; // (pos, implicit)
        if self.tok != T::LBrace {
            if self.tok == T::Semicolon {
                semi = Some((self.pos, self.end == self.pos));
                self.next();
            } else {
                self.expect(T::Semicolon);
            }
            if self.tok != T::LBrace {
                cond_stmt = Some(self.simple_stmt(SimpleMode::Basic));
            }
        } else {
            cond_stmt = init.take();
        }

        let mut cond = None;
        if cond_stmt.is_some() {
            cond = self.make_expr(cond_stmt, "boolean expression");
        } else if let Some((pos, implicit)) = semi {
            if implicit {
                self.error(pos, "unexpected newline, expecting { after if clause");
            } else {
                self.error(pos, "missing condition in if statement");
            }
        }

        // make sure we have a valid AST
        let cond = match cond {
            Some(c) => c,
            None => self.bad_expr(self.pos, self.pos),
        };

        self.expr_lev = prev_lev;
        (init, cond)
    }

    fn parse_if_stmt(&mut self) -> StmtId {
        self.guard(|this| {
            let ok = this.inc_nest();
            let result = if ok {
                this.parse_if_stmt_inner()
            } else {
                new_stmt!(this, this.pos, this.pos, StmtKind::Bad)
            };
            this.nest_lev -= 1;
            result
        })
    }

    fn parse_if_stmt_inner(&mut self) -> StmtId {
        let pos = self.expect(T::If);
        let (init, cond) = self.parse_if_header();
        let body = self.parse_block_stmt();

        let mut els = None;
        if self.tok == T::Else {
            self.next();
            match self.tok {
                T::If => els = Some(self.parse_if_stmt()),
                T::LBrace => {
                    let block = self.parse_block_stmt();
                    let span = block.span;
                    els = Some(new_stmt!(
                        self,
                        span.start,
                        span.end,
                        StmtKind::Block(block)
                    ));
                    self.expect_semi();
                }
                _ => {
                    self.error_expected(self.pos, "if statement or block");
                    els = Some(new_stmt!(self, self.pos, self.pos, StmtKind::Bad));
                }
            }
        } else {
            self.expect_semi();
        }

        let end = match els {
            Some(e) => self.sspan(e).end,
            None => body.span.end,
        };
        new_stmt!(
            self,
            pos,
            end,
            StmtKind::If {
                init,
                cond,
                body,
                els,
            },
        )
    }

    fn clause_end(&self, colon: u32, body: &[StmtId]) -> u32 {
        body.last().map(|&s| self.sspan(s).end).unwrap_or(colon + 1)
    }

    fn parse_case_clause(&mut self) -> StmtId {
        let pos = self.pos;
        let list = if self.tok == T::Case {
            self.next();
            Some(self.parse_list(true))
        } else {
            self.expect(T::Default);
            None
        };
        let colon = self.expect(T::Colon);
        let body = self.parse_stmt_list();
        let end = self.clause_end(colon, &body);
        new_stmt!(self, pos, end, StmtKind::CaseClause { list, colon, body })
    }

    fn is_type_switch_assert(&self, x: ExprId) -> bool {
        matches!(self.ekind(x), ExprKind::TypeAssert { ty: None, .. })
    }

    fn is_type_switch_guard(&mut self, s: Option<StmtId>) -> bool {
        let Some(s) = s else { return false };
        match &self.stmts[s.index()].kind {
            StmtKind::Expr(x) => self.is_type_switch_assert(*x),
            StmtKind::Assign {
                lhs,
                op,
                op_pos,
                rhs,
            } if lhs.len() == 1 && rhs.len() == 1 && self.is_type_switch_assert(rhs[0]) => {
                match op {
                    AssignOp::Assign => {
                        // permit v = x.(type) but complain
                        let p = *op_pos;
                        self.error(p, "expected ':=', found '='");
                        true
                    }
                    AssignOp::Define => true,
                    AssignOp::Compound(_) => false,
                }
            }
            _ => false,
        }
    }

    fn parse_switch_stmt(&mut self) -> StmtId {
        let pos = self.expect(T::Switch);

        let mut s1 = None;
        let mut s2 = None;
        if self.tok != T::LBrace {
            let prev_lev = self.expr_lev;
            self.expr_lev = -1;
            if self.tok != T::Semicolon {
                s2 = Some(self.simple_stmt(SimpleMode::Basic));
            }
            if self.tok == T::Semicolon {
                self.next();
                s1 = s2.take();
                if self.tok != T::LBrace {
                    s2 = Some(self.simple_stmt(SimpleMode::Basic));
                }
            }
            self.expr_lev = prev_lev;
        }

        let type_switch = self.is_type_switch_guard(s2);
        let lbrace = self.expect(T::LBrace);
        let mark = self.stmt_stack.len();
        while self.tok == T::Case || self.tok == T::Default {
            let clause = self.parse_case_clause();
            self.stmt_stack.push(clause);
        }
        let list = self.take_stmts(mark);
        let rbrace = self.expect(T::RBrace);
        self.expect_semi();
        let body = self.block(lbrace, list, Some(rbrace));
        let end = body.span.end;

        if type_switch {
            if let Some(assign) = s2 {
                return new_stmt!(
                    self,
                    pos,
                    end,
                    StmtKind::TypeSwitch {
                        init: s1,
                        assign,
                        body,
                    },
                );
            }
        }
        let tag = self.make_expr(s2, "switch expression");
        new_stmt!(
            self,
            pos,
            end,
            StmtKind::Switch {
                init: s1,
                tag,
                body,
            },
        )
    }

    fn parse_comm_clause(&mut self) -> StmtId {
        let pos = self.pos;
        let mut comm = None;
        if self.tok == T::Case {
            self.next();
            let mut lhs = self.parse_list(false);
            if self.tok == T::Arrow {
                // SendStmt
                if lhs.len() > 1 {
                    let p = self.espan(lhs[0]).start;
                    self.error_expected(p, "1 expression");
                    // continue with first expression
                }
                let arrow = self.pos;
                self.next();
                let rhs = self.parse_rhs();
                let start = self.espan(lhs[0]).start;
                let end = self.espan(rhs).end;
                comm = Some(new_stmt!(
                    self,
                    start,
                    end,
                    StmtKind::Send {
                        chan: lhs[0],
                        arrow,
                        value: rhs,
                    },
                ));
            } else if let Some(op @ (AssignOp::Assign | AssignOp::Define)) = self.tok.assign_op() {
                // RecvStmt with assignment
                if lhs.len() > 2 {
                    let p = self.espan(lhs[0]).start;
                    self.error_expected(p, "1 or 2 expressions");
                    // continue with first two expressions
                    lhs = lhs[..2].into();
                }
                let op_pos = self.pos;
                self.next();
                let rhs = self.parse_rhs();
                let start = self.espan(lhs[0]).start;
                let end = self.espan(rhs).end;
                comm = Some(new_stmt!(
                    self,
                    start,
                    end,
                    StmtKind::Assign {
                        lhs,
                        op,
                        op_pos,
                        rhs: List::one(rhs),
                    },
                ));
            } else {
                // lhs must be single receive operation
                if lhs.len() > 1 {
                    let p = self.espan(lhs[0]).start;
                    self.error_expected(p, "1 expression");
                    // continue with first expression
                }
                let span = self.espan(lhs[0]);
                comm = Some(new_stmt!(
                    self,
                    span.start,
                    span.end,
                    StmtKind::Expr(lhs[0])
                ));
            }
        } else {
            self.expect(T::Default);
        }

        let colon = self.expect(T::Colon);
        let body = self.parse_stmt_list();
        let end = self.clause_end(colon, &body);
        new_stmt!(self, pos, end, StmtKind::CommClause { comm, colon, body })
    }

    fn parse_select_stmt(&mut self) -> StmtId {
        let pos = self.expect(T::Select);
        let lbrace = self.expect(T::LBrace);
        let mark = self.stmt_stack.len();
        while self.tok == T::Case || self.tok == T::Default {
            let clause = self.parse_comm_clause();
            self.stmt_stack.push(clause);
        }
        let list = self.take_stmts(mark);
        let rbrace = self.expect(T::RBrace);
        self.expect_semi();
        let body = self.block(lbrace, list, Some(rbrace));
        let end = body.span.end;
        new_stmt!(self, pos, end, StmtKind::Select { body })
    }

    fn parse_for_stmt(&mut self) -> StmtId {
        let pos = self.expect(T::For);

        let mut s1 = None;
        let mut s2 = None;
        let mut s3 = None;
        let mut range: Option<(List<ExprId>, Option<AssignOp>, ExprId)> = None;
        if self.tok != T::LBrace {
            let prev_lev = self.expr_lev;
            self.expr_lev = -1;
            if self.tok != T::Semicolon {
                if self.tok == T::Range {
                    // "for range x" (nil lhs in assignment)
                    self.next();
                    let y = self.parse_rhs();
                    range = Some((List::default(), None, y));
                } else {
                    match self.parse_simple_stmt(SimpleMode::RangeOk) {
                        Simple::Stmt(s) => s2 = Some(s),
                        Simple::Range { lhs, op, x } => range = Some((lhs, op, x)),
                    }
                }
            }
            if range.is_none() && self.tok == T::Semicolon {
                self.next();
                s1 = s2.take();
                if self.tok != T::Semicolon {
                    s2 = Some(self.simple_stmt(SimpleMode::Basic));
                }
                self.expect_semi();
                if self.tok != T::LBrace {
                    s3 = Some(self.simple_stmt(SimpleMode::Basic));
                }
            }
            self.expr_lev = prev_lev;
        }

        let body = self.parse_block_stmt();
        self.expect_semi();
        let end = body.span.end;

        if let Some((lhs, op, x)) = range {
            // check lhs
            let (key, value) = match lhs.len() {
                0 => (None, None),
                1 => (Some(lhs[0]), None),
                2 => (Some(lhs[0]), Some(lhs[1])),
                _ => {
                    let p = self.espan(lhs[lhs.len() - 1]).start;
                    self.error_expected(p, "at most 2 expressions");
                    return new_stmt!(self, pos, end, StmtKind::Bad);
                }
            };
            return new_stmt!(
                self,
                pos,
                end,
                StmtKind::Range {
                    key,
                    value,
                    op,
                    x,
                    body,
                },
            );
        }

        // regular for statement
        let cond = self.make_expr(s2, "boolean or range expression");
        new_stmt!(
            self,
            pos,
            end,
            StmtKind::For {
                init: s1,
                cond,
                post: s3,
                body,
            },
        )
    }

    fn parse_stmt(&mut self) -> StmtId {
        self.guard(|this| {
            let ok = this.inc_nest();
            let result = if ok {
                this.parse_stmt_inner()
            } else {
                new_stmt!(this, this.pos, this.pos, StmtKind::Bad)
            };
            this.nest_lev -= 1;
            result
        })
    }

    fn parse_stmt_inner(&mut self) -> StmtId {
        match self.tok {
            T::Const | T::Type | T::Var => {
                let d = self.parse_decl(SyncSet::StmtStart);
                let span = self.decls[d.index()].span;
                new_stmt!(self, span.start, span.end, StmtKind::Decl(d))
            }
            // tokens that may start an expression
            T::Ident
            | T::Int
            | T::Float
            | T::Imag
            | T::Char
            | T::String
            | T::Func
            | T::LParen
            | T::LBrack
            | T::Struct
            | T::Map
            | T::Chan
            | T::Interface
            | T::Add
            | T::Sub
            | T::Mul
            | T::And
            | T::Xor
            | T::Arrow
            | T::Not => {
                let s = self.simple_stmt(SimpleMode::LabelOk);
                // because of the required look-ahead, labeled statements are
                // parsed by parse_simple_stmt - don't expect a semicolon after them
                if !matches!(self.stmts[s.index()].kind, StmtKind::Labeled { .. }) {
                    self.expect_semi();
                }
                s
            }
            T::Go => self.parse_go_or_defer_stmt(true),
            T::Defer => self.parse_go_or_defer_stmt(false),
            T::Return => self.parse_return_stmt(),
            T::Break | T::Continue | T::Goto | T::Fallthrough => self.parse_branch_stmt(self.tok),
            T::LBrace => {
                let block = self.parse_block_stmt();
                self.expect_semi();
                let span = block.span;
                new_stmt!(self, span.start, span.end, StmtKind::Block(block))
            }
            T::If => self.parse_if_stmt(),
            T::Switch => self.parse_switch_stmt(),
            T::Select => self.parse_select_stmt(),
            T::For => self.parse_for_stmt(),
            T::Semicolon => {
                let implicit = self.end == self.pos;
                let pos = self.pos;
                self.next();
                let end = if implicit { pos } else { pos + 1 };
                new_stmt!(self, pos, end, StmtKind::Empty { implicit })
            }
            T::RBrace => {
                // a semicolon may be omitted before a closing "}"
                new_stmt!(self, self.pos, self.pos, StmtKind::Empty { implicit: true })
            }
            _ => {
                // no statement found
                let pos = self.pos;
                self.error_expected(pos, "statement");
                self.advance(SyncSet::StmtStart);
                new_stmt!(self, pos, self.pos, StmtKind::Bad)
            }
        }
    }

    // ------------------------------------------------------------------
    // Declarations

    fn parse_import_spec(&mut self) -> SpecId {
        let mut name = None;
        match self.tok {
            T::Ident => name = Some(self.parse_ident()),
            T::Period => {
                name = Some(Ident {
                    span: Span::new(self.pos, self.pos + 1),
                });
                self.next();
            }
            _ => {}
        }

        let pos = self.pos;
        let mut end = self.pos;
        if self.tok == T::String {
            end = self.end;
            self.next();
        } else if self.tok.is_literal() {
            self.error(pos, "import path must be a string");
            self.next();
        } else {
            self.error(pos, "missing import path");
            self.advance(SyncSet::ExprEnd);
        }
        self.expect_semi();

        let path = BasicLit {
            kind: LitKind::String,
            span: Span::new(pos, end),
        };
        let start = name.map(|n| n.span.start).unwrap_or(pos);
        let id = self.spec(start, end, SpecKind::Import { name, path });
        self.imports.push(id);
        id
    }

    fn parse_value_spec(&mut self, keyword: TokenKind) -> SpecId {
        let idents = self.parse_ident_list();
        let mut typ = None;
        let mut values = List::default();
        if keyword == T::Const {
            // always permit optional type and initialization for more tolerant parsing
            if !matches!(self.tok, T::Eof | T::Semicolon | T::RParen) {
                typ = self.try_ident_or_type();
                if self.tok == T::Assign {
                    self.next();
                    values = self.parse_list(true);
                }
            }
        } else {
            if self.tok != T::Assign {
                typ = Some(self.parse_type());
            }
            if self.tok == T::Assign {
                self.next();
                values = self.parse_list(true);
            }
        }
        self.expect_semi();

        let start = idents[0].span.start;
        let end = if let Some(&v) = values.last() {
            self.espan(v).end
        } else if let Some(t) = typ {
            self.espan(t).end
        } else {
            idents[idents.len() - 1].span.end
        };
        self.spec(
            start,
            end,
            SpecKind::Value {
                names: idents,
                ty: typ,
                values,
            },
        )
    }

    fn parse_generic_type(
        &mut self,
        open_pos: u32,
        name0: Ident,
        typ0: Option<ExprId>,
    ) -> (FieldList, Option<u32>, ExprId) {
        let list = self.parse_parameter_list(Some(name0), typ0, T::RBrack, false);
        let close_pos = self.expect(T::RBrack);
        let tparams = self.field_list(Some(open_pos), list, Some(close_pos));
        let mut assign = None;
        if self.tok == T::Assign {
            // type alias
            assign = Some(self.pos);
            self.next();
        }
        let ty = self.parse_type();
        (tparams, assign, ty)
    }

    fn parse_type_spec(&mut self) -> SpecId {
        let name = self.parse_ident();
        let mut type_params = None;
        let mut assign = None;
        let ty;

        if self.tok == T::LBrack {
            // name "[" ...: array/slice type or type parameter list
            let lbrack = self.pos;
            self.next();
            if self.tok == T::Ident {
                // We may have an array type or a type parameter list. In
                // either case we expect an expression x (which may just be a
                // name, or a more complex expression) which we can analyze
                // further.
                //
                // A type parameter list may have a type bound starting with a
                // "[" as in: P []E. In that case, simply parsing an expression
                // would lead to an error: P[] is invalid. But since index or
                // slice expressions are never constant and thus invalid array
                // length expressions, if the name is followed by "[" it must
                // be the start of an array or slice constraint. Only if we
                // don't see a "[" do we need to parse a full expression.
                let first = self.parse_ident();
                let mut x = self.ident_expr(first);
                if self.tok != T::LBrack {
                    // To parse the expression starting with name, expand the
                    // call sequence we would get by passing in name to
                    // parser.expr, and pass in name to parsePrimaryExpr.
                    self.expr_lev += 1;
                    let lhs = self.parse_primary_expr(Some(x));
                    x = self.parse_binary_expr(Some(lhs), 1);
                    self.expr_lev -= 1;
                }
                // Analyze expression x. If we can split x into a type
                // parameter name, possibly followed by a type parameter type,
                // we consider this the start of a type parameter list, with
                // some caveats: a single name followed by "]" tilts the
                // decision towards an array declaration; a type parameter
                // type that could also be an ordinary expression but which is
                // followed by a comma tilts the decision towards a type
                // parameter list.
                let force = self.tok == T::Comma;
                let (pname, ptype) = self.extract_name(x, force);
                match pname {
                    Some(pname) if ptype.is_some() || self.tok != T::RBrack => {
                        // name "[" pname ...
                        // name "[" pname ptype ...
                        // name "[" pname ptype "," ...
                        let (tp, a, t) = self.parse_generic_type(lbrack, pname, ptype);
                        type_params = Some(tp);
                        assign = a;
                        ty = t;
                    }
                    _ => {
                        // name "[" pname "]" ...
                        // name "[" x ...
                        ty = self.parse_array_type(lbrack, Some(x));
                    }
                }
            } else {
                // array type
                ty = self.parse_array_type(lbrack, None);
            }
        } else {
            // no type parameters
            if self.tok == T::Assign {
                // type alias
                assign = Some(self.pos);
                self.next();
            }
            ty = self.parse_type();
        }

        self.expect_semi();
        let end = self.espan(ty).end;
        self.spec(
            name.span.start,
            end,
            SpecKind::Type {
                name,
                type_params,
                assign,
                ty,
            },
        )
    }

    /// Splits `x` into (name, expr) if syntactically `x` can be written as
    /// `name expr`; see `extractName` in go/parser for the exact rules.
    fn extract_name(&mut self, x: ExprId, force: bool) -> (Option<Ident>, Option<ExprId>) {
        match self.exprs[x.index()].kind.clone() {
            ExprKind::Ident(i) => return (Some(i), None),
            ExprKind::Binary {
                x: bx,
                op,
                op_pos,
                y,
            } => match op {
                Op::Mul => {
                    if let ExprKind::Ident(name) = *self.ekind(bx) {
                        if force || self.is_type_elem(y) {
                            // x = name *x.Y
                            let end = self.espan(y).end;
                            let star = new_expr!(self, op_pos, end, ExprKind::Star { x: y });
                            return (Some(name), Some(star));
                        }
                    }
                }
                Op::Or => {
                    let force2 = force || self.is_type_elem(y);
                    if let (Some(name), Some(lhs)) = self.extract_name(bx, force2) {
                        // x = name lhs|x.Y
                        let start = self.espan(lhs).start;
                        let end = self.espan(y).end;
                        let op = new_expr!(
                            self,
                            start,
                            end,
                            ExprKind::Binary {
                                x: lhs,
                                op: Op::Or,
                                op_pos,
                                y,
                            },
                        );
                        return (Some(name), Some(op));
                    }
                }
                _ => {}
            },
            ExprKind::Call {
                fun,
                args,
                ellipsis,
            } => {
                if let ExprKind::Ident(name) = *self.ekind(fun) {
                    if args.len() == 1
                        && ellipsis.is_none()
                        && (force || self.is_type_elem(args[0]))
                    {
                        // x = name (x.Args[0])
                        let call_span = self.espan(x);
                        let name_end = name.span.end;
                        // Lparen directly follows the name in a call parsed here.
                        let lparen = self.find_lparen(name_end);
                        let paren =
                            new_expr!(self, lparen, call_span.end, ExprKind::Paren { x: args[0] });
                        return (Some(name), Some(paren));
                    }
                }
            }
            _ => {}
        }
        (None, Some(x))
    }

    /// Offset of the first `(` at or after `from` (skipping whitespace and
    /// comments), i.e. the Lparen of a call whose callee ends at `from`.
    fn find_lparen(&self, from: u32) -> u32 {
        let mut lexer = Lexer::new(self.src);
        lexer.seek(from as usize);
        loop {
            let t = lexer.next_token();
            match t.kind {
                T::Comment => continue,
                T::LParen => return t.start,
                _ => return from,
            }
        }
    }

    /// Whether `x` is a (possibly parenthesized) type element expression; false
    /// if it could be a type element OR an ordinary (value) expression.
    fn is_type_elem(&self, x: ExprId) -> bool {
        match self.ekind(x) {
            ExprKind::ArrayType { .. }
            | ExprKind::StructType { .. }
            | ExprKind::FuncType(_)
            | ExprKind::InterfaceType { .. }
            | ExprKind::MapType { .. }
            | ExprKind::ChanType { .. } => true,
            ExprKind::Binary { x, y, .. } => self.is_type_elem(*x) || self.is_type_elem(*y),
            ExprKind::Unary { op, .. } => *op == Op::Tilde,
            ExprKind::Paren { x } => self.is_type_elem(*x),
            _ => false,
        }
    }

    fn parse_gen_decl(&mut self, keyword: TokenKind) -> DeclId {
        let pos = self.expect(keyword);
        let mut lparen = None;
        let mut rparen = None;
        let list: List<SpecId>;
        if self.tok == T::LParen {
            lparen = Some(self.pos);
            self.next();
            let mark = self.spec_stack.len();
            while self.tok != T::RParen && self.tok != T::Eof {
                let spec = self.parse_spec(keyword);
                self.spec_stack.push(spec);
            }
            list = self.spec_stack[mark..].into();
            self.spec_stack.truncate(mark);
            rparen = Some(self.expect(T::RParen));
            self.expect_semi();
        } else {
            list = List::one(self.parse_spec(keyword));
        }
        let kind = match keyword {
            T::Import => GenDeclKind::Import,
            T::Const => GenDeclKind::Const,
            T::Type => GenDeclKind::Type,
            _ => GenDeclKind::Var,
        };
        let end = match rparen {
            Some(r) => r + 1,
            None => list
                .first()
                .map(|s| self.specs[s.index()].span.end)
                .unwrap_or(pos),
        };
        self.decl(
            pos,
            end,
            DeclKind::Gen {
                kind,
                lparen,
                specs: list,
                rparen,
            },
        )
    }

    fn parse_spec(&mut self, keyword: TokenKind) -> SpecId {
        match keyword {
            T::Import => self.parse_import_spec(),
            T::Type => self.parse_type_spec(),
            _ => self.parse_value_spec(keyword),
        }
    }

    fn parse_func_decl(&mut self) -> DeclId {
        let pos = self.expect(T::Func);

        let mut recv = None;
        if self.tok == T::LParen {
            recv = self.parse_parameters(false);
        }

        let name = self.parse_ident();

        let mut tparams = None;
        if self.tok == T::LBrack {
            tparams = self.parse_type_parameters();
            if recv.is_some() {
                if let Some(tp) = &tparams {
                    // Method declarations do not have type parameters; parse
                    // them for a better error message and recovery.
                    let open = tp.opening.unwrap_or(tp.span.start);
                    self.error(open, "method must have no type parameters");
                    tparams = None;
                }
            }
        }
        let mut ty = self.parse_signature(Some(pos));
        ty.type_params = tparams;

        let mut body = None;
        match self.tok {
            T::LBrace => {
                body = Some(self.parse_func_body());
                self.expect_semi();
            }
            T::Semicolon => {
                self.next();
                if self.tok == T::LBrace {
                    // opening { of function declaration on next line
                    self.error(self.pos, "unexpected semicolon or newline before {");
                    body = Some(self.parse_func_body());
                    self.expect_semi();
                }
            }
            _ => self.expect_semi(),
        }

        let end = match &body {
            Some(b) => b.span.end,
            None => Self::func_type_span(&ty).end,
        };
        self.decl(
            pos,
            end,
            DeclKind::Func {
                recv,
                name,
                ty,
                body,
            },
        )
    }

    fn parse_func_body(&mut self) -> Block {
        if self.options.skip_func_bodies {
            return self.skip_body();
        }
        self.parse_block_stmt()
    }

    fn parse_decl(&mut self, sync: SyncSet) -> DeclId {
        match self.tok {
            T::Import | T::Const | T::Var | T::Type => self.parse_gen_decl(self.tok),
            T::Func => self.parse_func_decl(),
            _ => {
                let pos = self.pos;
                self.error_expected(pos, "declaration");
                self.advance(sync);
                self.decl(pos, self.pos, DeclKind::Bad)
            }
        }
    }

    // ------------------------------------------------------------------
    // Source files

    pub(crate) fn parse_file(mut self) -> Parsed {
        let src_len = self.src.len();
        // package clause
        let package_kw = (self.tok == T::Package).then_some(self.pos);
        self.expect(T::Package);
        let name = self.parse_ident();
        let package_name = (!name.span.is_empty()).then_some(name);
        self.expect_semi();

        let mut decls = Vec::with_capacity(src_len / 512 + 4);
        // import decls
        while self.tok == T::Import {
            decls.push(self.parse_gen_decl(T::Import));
        }
        // rest of package body
        let mut prev = T::Import;
        while self.tok != T::Eof {
            // Continue to accept import declarations for error tolerance, but complain.
            if self.tok == T::Import && prev != T::Import {
                self.error(self.pos, "imports must appear before other declarations");
            }
            prev = self.tok;
            decls.push(self.parse_decl(SyncSet::DeclStart));
        }

        // The arenas were reserved generously up front; give the slack back
        // since files are usually kept for the whole analysis.
        self.exprs.shrink_to_fit();
        self.stmts.shrink_to_fit();
        self.decls.shrink_to_fit();
        self.specs.shrink_to_fit();
        self.comments.shrink_to_fit();
        decls.shrink_to_fit();
        let mut errors = self.errors;
        errors.sort_by_key(|e| (e.span.start, e.span.end));
        Parsed {
            package_kw,
            package_name,
            decls,
            imports: self.imports,
            comments: self.comments,
            errors,
            exprs: self.exprs,
            stmts: self.stmts,
            decl_nodes: self.decls,
            specs: self.specs,
        }
    }
}
