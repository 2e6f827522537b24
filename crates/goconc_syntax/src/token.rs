//! Go tokens (`go/token`), as produced by [`crate::lexer::Lexer`].
//!
//! A token carries no text: its literal is `source[start..end]`. An
//! automatically inserted semicolon has an empty span (at the newline, or at
//! the end of the file), an explicit `;` a span of one byte.

use crate::ast::{AssignOp, Op, Span};

/// The kind of a token. The numeric order matters only inside this module.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
#[repr(u8)]
pub enum TokenKind {
    Eof,
    /// A character that starts no token (reported as a syntax error).
    Illegal,
    Comment,

    Ident,
    Int,
    Float,
    Imag,
    Char,
    String,

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

    AddAssign,    // +=
    SubAssign,    // -=
    MulAssign,    // *=
    QuoAssign,    // /=
    RemAssign,    // %=
    AndAssign,    // &=
    OrAssign,     // |=
    XorAssign,    // ^=
    ShlAssign,    // <<=
    ShrAssign,    // >>=
    AndNotAssign, // &^=

    LAnd,  // &&
    LOr,   // ||
    Arrow, // <-
    Inc,   // ++
    Dec,   // --

    Eql,    // ==
    Lss,    // <
    Gtr,    // >
    Assign, // =
    Not,    // !

    Neq,      // !=
    Leq,      // <=
    Geq,      // >=
    Define,   // :=
    Ellipsis, // ...

    LParen, // (
    LBrack, // [
    LBrace, // {
    Comma,  // ,
    Period, // .

    RParen,    // )
    RBrack,    // ]
    RBrace,    // }
    Semicolon, // ;
    Colon,     // :
    Tilde,     // ~

    Break,
    Case,
    Chan,
    Const,
    Continue,
    Default,
    Defer,
    Else,
    Fallthrough,
    For,
    Func,
    Go,
    Goto,
    If,
    Import,
    Interface,
    Map,
    Package,
    Range,
    Return,
    Select,
    Struct,
    Switch,
    Type,
    Var,
}

impl TokenKind {
    /// The spelling `go/token` uses for this token (`Token.String()`).
    pub fn as_str(self) -> &'static str {
        use TokenKind::*;
        match self {
            Eof => "EOF",
            Illegal => "ILLEGAL",
            Comment => "COMMENT",
            Ident => "IDENT",
            Int => "INT",
            Float => "FLOAT",
            Imag => "IMAG",
            Char => "CHAR",
            String => "STRING",
            Add => "+",
            Sub => "-",
            Mul => "*",
            Quo => "/",
            Rem => "%",
            And => "&",
            Or => "|",
            Xor => "^",
            Shl => "<<",
            Shr => ">>",
            AndNot => "&^",
            AddAssign => "+=",
            SubAssign => "-=",
            MulAssign => "*=",
            QuoAssign => "/=",
            RemAssign => "%=",
            AndAssign => "&=",
            OrAssign => "|=",
            XorAssign => "^=",
            ShlAssign => "<<=",
            ShrAssign => ">>=",
            AndNotAssign => "&^=",
            LAnd => "&&",
            LOr => "||",
            Arrow => "<-",
            Inc => "++",
            Dec => "--",
            Eql => "==",
            Lss => "<",
            Gtr => ">",
            Assign => "=",
            Not => "!",
            Neq => "!=",
            Leq => "<=",
            Geq => ">=",
            Define => ":=",
            Ellipsis => "...",
            LParen => "(",
            LBrack => "[",
            LBrace => "{",
            Comma => ",",
            Period => ".",
            RParen => ")",
            RBrack => "]",
            RBrace => "}",
            Semicolon => ";",
            Colon => ":",
            Tilde => "~",
            Break => "break",
            Case => "case",
            Chan => "chan",
            Const => "const",
            Continue => "continue",
            Default => "default",
            Defer => "defer",
            Else => "else",
            Fallthrough => "fallthrough",
            For => "for",
            Func => "func",
            Go => "go",
            Goto => "goto",
            If => "if",
            Import => "import",
            Interface => "interface",
            Map => "map",
            Package => "package",
            Range => "range",
            Return => "return",
            Select => "select",
            Struct => "struct",
            Switch => "switch",
            Type => "type",
            Var => "var",
        }
    }

    /// Identifiers and basic literals (`token.IsLiteral`).
    pub fn is_literal(self) -> bool {
        matches!(
            self,
            TokenKind::Ident
                | TokenKind::Int
                | TokenKind::Float
                | TokenKind::Imag
                | TokenKind::Char
                | TokenKind::String
        )
    }

    pub fn is_keyword(self) -> bool {
        (self as u8) >= (TokenKind::Break as u8)
    }

    /// Binary operator precedence (`token.Precedence`); 0 for non-operators.
    pub fn precedence(self) -> u8 {
        use TokenKind::*;
        match self {
            LOr => 1,
            LAnd => 2,
            Eql | Neq | Lss | Leq | Gtr | Geq => 3,
            Add | Sub | Or | Xor => 4,
            Mul | Quo | Rem | Shl | Shr | And | AndNot => 5,
            _ => 0,
        }
    }

    /// The AST operator of a binary or unary operator token.
    pub fn binary_op(self) -> Option<Op> {
        use TokenKind::*;
        Some(match self {
            Add => Op::Add,
            Sub => Op::Sub,
            Mul => Op::Mul,
            Quo => Op::Quo,
            Rem => Op::Rem,
            And => Op::And,
            Or => Op::Or,
            Xor => Op::Xor,
            Shl => Op::Shl,
            Shr => Op::Shr,
            AndNot => Op::AndNot,
            LAnd => Op::LAnd,
            LOr => Op::LOr,
            Arrow => Op::Arrow,
            Eql => Op::Eql,
            Lss => Op::Lss,
            Gtr => Op::Gtr,
            Not => Op::Not,
            Neq => Op::Neq,
            Leq => Op::Leq,
            Geq => Op::Geq,
            Tilde => Op::Tilde,
            _ => return None,
        })
    }

    /// The assignment operator of `=`, `:=` and `op=` tokens.
    pub fn assign_op(self) -> Option<AssignOp> {
        use TokenKind::*;
        Some(match self {
            Assign => AssignOp::Assign,
            Define => AssignOp::Define,
            AddAssign => AssignOp::Compound(Op::Add),
            SubAssign => AssignOp::Compound(Op::Sub),
            MulAssign => AssignOp::Compound(Op::Mul),
            QuoAssign => AssignOp::Compound(Op::Quo),
            RemAssign => AssignOp::Compound(Op::Rem),
            AndAssign => AssignOp::Compound(Op::And),
            OrAssign => AssignOp::Compound(Op::Or),
            XorAssign => AssignOp::Compound(Op::Xor),
            ShlAssign => AssignOp::Compound(Op::Shl),
            ShrAssign => AssignOp::Compound(Op::Shr),
            AndNotAssign => AssignOp::Compound(Op::AndNot),
            _ => return None,
        })
    }
}

/// Maps an identifier to its keyword token, if it is one.
pub fn keyword(ident: &[u8]) -> Option<TokenKind> {
    use TokenKind::*;
    // Keywords are 2..=11 bytes of lower-case ASCII; reject the rest cheaply.
    if ident.len() < 2 || ident.len() > 11 || !ident[0].is_ascii_lowercase() {
        return None;
    }
    Some(match ident {
        b"break" => Break,
        b"case" => Case,
        b"chan" => Chan,
        b"const" => Const,
        b"continue" => Continue,
        b"default" => Default,
        b"defer" => Defer,
        b"else" => Else,
        b"fallthrough" => Fallthrough,
        b"for" => For,
        b"func" => Func,
        b"go" => Go,
        b"goto" => Goto,
        b"if" => If,
        b"import" => Import,
        b"interface" => Interface,
        b"map" => Map,
        b"package" => Package,
        b"range" => Range,
        b"return" => Return,
        b"select" => Select,
        b"struct" => Struct,
        b"switch" => Switch,
        b"type" => Type,
        b"var" => Var,
        _ => return None,
    })
}

/// One token: its kind and byte span.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn span(self) -> Span {
        Span::new(self.start, self.end)
    }

    /// A semicolon inserted by the lexer at a newline or at end of file
    /// (`go/scanner` gives it the literal `"\n"`).
    pub fn is_implicit_semicolon(self) -> bool {
        self.kind == TokenKind::Semicolon && self.start == self.end
    }
}
