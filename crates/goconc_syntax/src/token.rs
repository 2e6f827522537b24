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
#[inline]
pub fn keyword(ident: &[u8]) -> Option<TokenKind> {
    // Keywords are 2..=11 bytes of lower-case ASCII. `keyword_slot` is a
    // perfect hash of the keywords (checked by a test), so one comparison
    // decides.
    let [b0, b1, ..] = *ident else {
        return None;
    };
    if ident.len() > 11 || !b0.is_ascii_lowercase() {
        return None;
    }
    let (text, kind) = KEYWORD_TABLE[keyword_slot(b0, b1, ident.len())];
    // Compare as zero-padded words rather than with a `memcmp` call.
    let same = text.len() == ident.len()
        && pack8(text) == pack8(ident)
        && pack8(text.get(8..).unwrap_or_default()) == pack8(ident.get(8..).unwrap_or_default());
    same.then_some(kind)
}

/// The first (up to) eight bytes of `bytes` as a little-endian word, padded
/// with zeros. A fixed number of steps, so no branch depends on the length.
#[inline]
fn pack8(bytes: &[u8]) -> u64 {
    let mut word = 0u64;
    for i in 0..8 {
        word |= u64::from(bytes.get(i).copied().unwrap_or(0)) << (8 * i);
    }
    word
}

#[inline]
const fn keyword_slot(b0: u8, b1: u8, len: usize) -> usize {
    (b0 as usize + 4 * b1 as usize + 6 * len) & 63
}

const KEYWORDS: [(&[u8], TokenKind); 25] = {
    use TokenKind::*;
    [
        (b"break", Break),
        (b"case", Case),
        (b"chan", Chan),
        (b"const", Const),
        (b"continue", Continue),
        (b"default", Default),
        (b"defer", Defer),
        (b"else", Else),
        (b"fallthrough", Fallthrough),
        (b"for", For),
        (b"func", Func),
        (b"go", Go),
        (b"goto", Goto),
        (b"if", If),
        (b"import", Import),
        (b"interface", Interface),
        (b"map", Map),
        (b"package", Package),
        (b"range", Range),
        (b"return", Return),
        (b"select", Select),
        (b"struct", Struct),
        (b"switch", Switch),
        (b"type", Type),
        (b"var", Var),
    ]
};

/// `KEYWORDS` by `keyword_slot`; empty slots hold `("", Ident)`, which no
/// identifier of two or more bytes equals.
static KEYWORD_TABLE: [(&[u8], TokenKind); 64] = {
    let mut table: [(&[u8], TokenKind); 64] = [(b"", TokenKind::Ident); 64];
    let mut i = 0;
    while i < KEYWORDS.len() {
        let (text, kind) = KEYWORDS[i];
        table[keyword_slot(text[0], text[1], text.len())] = (text, kind);
        i += 1;
    }
    table
};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keyword_table_is_a_perfect_hash() {
        let mut seen = [false; 64];
        for (text, kind) in KEYWORDS {
            let slot = keyword_slot(text[0], text[1], text.len());
            assert!(!seen[slot], "{:?} collides", kind);
            seen[slot] = true;
            assert_eq!(keyword(text), Some(kind));
            assert_eq!(kind.as_str().as_bytes(), text);
        }
        for word in [
            "",
            "x",
            "go1",
            "Go",
            "iff",
            "types",
            "fallthroughs",
            "_",
            "mapp",
            "ma",
        ] {
            assert_eq!(keyword(word.as_bytes()), None, "{word}");
        }
    }
}
