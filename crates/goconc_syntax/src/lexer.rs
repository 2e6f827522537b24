//! A byte-oriented Go lexer that mirrors `go/scanner` (Go 1.26): the same
//! tokens, the same automatic semicolon insertion and the same set of
//! accepted inputs. Every error `go/scanner` reports is reported here too, at
//! the same offset and with the same message where practical.
//!
//! Tokens carry spans only; nothing is allocated on the happy path.

use crate::ast::{Span, SyntaxError};
use crate::token::{keyword, Token, TokenKind};
use crate::unicode_tables::{DIGIT, LETTER};

/// The lexer state. Call [`Lexer::next_token`] until it returns
/// [`TokenKind::Eof`] (it keeps returning `Eof` afterwards).
pub struct Lexer<'a> {
    src: &'a [u8],
    pos: usize,
    /// Insert a semicolon before the next newline (or at end of file).
    insert_semi: bool,
    /// An implicit semicolon to return next: a `/* */` comment that contained
    /// a newline ended a statement (the semicolon sits at that newline).
    pending_semi: Option<u32>,
    /// Offset of a NUL / non-ASCII character right after the previous token
    /// that was already checked (and reported) as lookahead; see
    /// [`Lexer::next_token`].
    checked_lookahead: Option<usize>,
    /// Errors found so far; the caller may drain them at any time.
    pub errors: Vec<SyntaxError>,
}

const BOM: char = '\u{FEFF}';
/// Largest line or column number a `//line` directive may name.
const MAX_LINE_COL: i64 = 1 << 30;

/// Splits `source` into tokens (comments included), ending with `Eof`.
pub fn tokenize(source: &[u8]) -> (Vec<Token>, Vec<SyntaxError>) {
    let mut lexer = Lexer::new(source);
    let mut tokens = Vec::with_capacity(source.len() / 4 + 1);
    loop {
        let token = lexer.next_token();
        tokens.push(token);
        if token.kind == TokenKind::Eof {
            break;
        }
    }
    (tokens, lexer.errors)
}

impl<'a> Lexer<'a> {
    /// A lexer over `src`. A UTF-8 byte order mark at offset 0 is skipped; a
    /// UTF-16 one is an error (and ends the input), as in `go/scanner`.
    ///
    /// `src` must be shorter than 4 GiB (offsets are `u32`); longer input is
    /// treated as ending at 4 GiB.
    pub fn new(src: &'a [u8]) -> Self {
        let src = &src[..src.len().min(u32::MAX as usize)];
        let mut lexer = Lexer {
            src,
            pos: 0,
            insert_semi: false,
            pending_semi: None,
            checked_lookahead: None,
            errors: Vec::new(),
        };
        if src.starts_with("\u{FEFF}".as_bytes()) {
            lexer.pos = 3;
        }
        lexer
    }

    /// Continues lexing at byte `pos` as if a fresh line started there (no
    /// semicolon pending). Used to re-scan a small region.
    pub fn seek(&mut self, pos: usize) {
        self.pos = pos.min(self.src.len());
        self.insert_semi = false;
        self.pending_semi = None;
    }

    fn error(&mut self, offset: usize, message: impl Into<String>) {
        let start = offset as u32;
        let end = (offset + 1).min(self.src.len()).max(offset) as u32;
        self.errors.push(SyntaxError {
            span: Span::new(start, end),
            message: message.into(),
        });
    }

    #[inline]
    fn byte(&self, pos: usize) -> u8 {
        // 0 doubles as "end of input": no caller treats NUL as part of a token.
        self.src.get(pos).copied().unwrap_or(0)
    }

    /// Consumes the character at `pos` inside a comment or literal, reporting
    /// NUL, invalid UTF-8 and stray byte order marks as `go/scanner` does.
    /// Returns its width in bytes.
    #[inline]
    fn consume_char(&mut self, pos: usize) -> usize {
        let b = self.src[pos];
        if b != 0 && b < 0x80 {
            return 1;
        }
        self.consume_char_slow(pos)
    }

    #[cold]
    fn consume_char_slow(&mut self, pos: usize) -> usize {
        match decode_char(&self.src[pos..]) {
            _ if self.src[pos] == 0 => {
                self.error(pos, "illegal character NUL");
                1
            }
            Some((c, width)) => {
                if c == BOM && pos > 0 {
                    self.error(pos, "illegal byte order mark");
                }
                width
            }
            None => {
                self.error(pos, "illegal UTF-8 encoding");
                1
            }
        }
    }

    /// Scans the next token. After the end of input it returns `Eof` forever.
    #[inline(always)]
    pub fn next_token(&mut self) -> Token {
        let token = self.scan_token();
        // go/scanner reads one character past every token and reports an
        // invalid character (NUL, bad UTF-8, misplaced BOM) as soon as it is
        // read, i.e. while scanning the token before it. Do the same, so that
        // errors come out in go/parser's order (which decides what its
        // same-line error filter keeps).
        let pos = self.pos;
        if let Some(&b) = self.src.get(pos) {
            if (b == 0 || b >= 0x80) && self.checked_lookahead != Some(pos) {
                self.check_lookahead(pos);
            }
        }
        token
    }

    #[cold]
    fn check_lookahead(&mut self, pos: usize) {
        self.checked_lookahead = Some(pos);
        if self.src[pos] == 0 {
            self.error(pos, "illegal character NUL");
            return;
        }
        match decode_char(&self.src[pos..]) {
            Some((c, _)) => {
                if c == BOM && pos > 0 {
                    self.error(pos, "illegal byte order mark");
                }
            }
            None => {
                let src = self.src;
                let utf16 = pos == 0
                    && src.len() >= 2
                    && matches!((src[0], src[1]), (0xFF, 0xFE) | (0xFE, 0xFF));
                if !utf16 {
                    self.error(pos, "illegal UTF-8 encoding");
                }
            }
        }
    }

    #[inline(always)]
    fn scan_token(&mut self) -> Token {
        if let Some(pos) = self.pending_semi.take() {
            return Token {
                kind: TokenKind::Semicolon,
                start: pos,
                end: pos,
            };
        }
        let src = self.src;
        let len = src.len();
        let mut pos = self.pos;
        while pos < len {
            match src[pos] {
                b' ' | b'\t' | b'\r' => pos += 1,
                b'\n' if !self.insert_semi => pos += 1,
                _ => break,
            }
        }
        let start = pos;
        if pos >= len {
            self.pos = len;
            let kind = if self.insert_semi {
                self.insert_semi = false;
                TokenKind::Semicolon
            } else {
                TokenKind::Eof
            };
            return Token {
                kind,
                start: len as u32,
                end: len as u32,
            };
        }
        let b = src[pos];
        let mut insert_semi = false;
        use TokenKind as T;
        let kind = match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                pos += 1;
                while pos < len && is_ascii_ident_byte(src[pos]) {
                    pos += 1;
                }
                if pos < len && src[pos] >= 0x80 {
                    pos = self.scan_unicode_ident_tail(pos);
                }
                let kind = if pos - start > 1 {
                    keyword(&src[start..pos]).unwrap_or(T::Ident)
                } else {
                    T::Ident
                };
                insert_semi = matches!(
                    kind,
                    T::Ident | T::Break | T::Continue | T::Fallthrough | T::Return
                );
                kind
            }
            b'0'..=b'9' => {
                insert_semi = true;
                // Fast path: a plain decimal integer (or a lone 0) that no
                // letter, digit, '.' or '_' follows; anything else (prefixes,
                // octal, floats, separators, errors) goes to `scan_number`.
                let mut end = pos + 1;
                if b != b'0' {
                    while end < len && src[end].is_ascii_digit() {
                        end += 1;
                    }
                }
                match src.get(end) {
                    Some(&c) if c.is_ascii_alphanumeric() || c == b'.' || c == b'_' => {
                        let (kind, end) = self.scan_number(start);
                        pos = end;
                        kind
                    }
                    _ => {
                        pos = end;
                        T::Int
                    }
                }
            }
            b'.' => {
                if self.byte(pos + 1).is_ascii_digit() {
                    insert_semi = true;
                    let (kind, end) = self.scan_number(start);
                    pos = end;
                    kind
                } else if self.byte(pos + 1) == b'.' && self.byte(pos + 2) == b'.' {
                    pos += 3;
                    T::Ellipsis
                } else {
                    pos += 1;
                    T::Period
                }
            }
            b'\n' => {
                // Only reached when a semicolon is due.
                self.insert_semi = false;
                self.pos = pos + 1;
                return Token {
                    kind: T::Semicolon,
                    start: start as u32,
                    end: start as u32,
                };
            }
            b'"' => {
                insert_semi = true;
                pos = self.scan_string(start);
                T::String
            }
            b'\'' => {
                insert_semi = true;
                pos = self.scan_rune(start);
                T::Char
            }
            b'`' => {
                insert_semi = true;
                pos = self.scan_raw_string(start);
                T::String
            }
            b'/' if matches!(self.byte(pos + 1), b'/' | b'*') => {
                let (end, newline) = self.scan_comment(start);
                pos = end;
                match newline {
                    Some(nl) if self.insert_semi => {
                        self.pending_semi = Some(nl as u32);
                        self.insert_semi = false;
                    }
                    _ => insert_semi = self.insert_semi,
                }
                self.pos = pos;
                // For `//` comments the token excludes a final '\r'.
                let mut end = pos;
                if src[start + 1] == b'/' && end > start + 2 && src[end - 1] == b'\r' {
                    end -= 1;
                }
                self.insert_semi = insert_semi;
                return Token {
                    kind: T::Comment,
                    start: start as u32,
                    end: end as u32,
                };
            }
            b':' => self.switch2(&mut pos, T::Colon, T::Define),
            b',' => {
                pos += 1;
                T::Comma
            }
            b';' => {
                pos += 1;
                T::Semicolon
            }
            b'(' => {
                pos += 1;
                T::LParen
            }
            b')' => {
                pos += 1;
                insert_semi = true;
                T::RParen
            }
            b'[' => {
                pos += 1;
                T::LBrack
            }
            b']' => {
                pos += 1;
                insert_semi = true;
                T::RBrack
            }
            b'{' => {
                pos += 1;
                T::LBrace
            }
            b'}' => {
                pos += 1;
                insert_semi = true;
                T::RBrace
            }
            b'+' => {
                let kind = self.switch3(&mut pos, T::Add, T::AddAssign, b'+', T::Inc);
                insert_semi = kind == T::Inc;
                kind
            }
            b'-' => {
                let kind = self.switch3(&mut pos, T::Sub, T::SubAssign, b'-', T::Dec);
                insert_semi = kind == T::Dec;
                kind
            }
            b'*' => self.switch2(&mut pos, T::Mul, T::MulAssign),
            b'/' => self.switch2(&mut pos, T::Quo, T::QuoAssign),
            b'%' => self.switch2(&mut pos, T::Rem, T::RemAssign),
            b'^' => self.switch2(&mut pos, T::Xor, T::XorAssign),
            b'<' => {
                if self.byte(pos + 1) == b'-' {
                    pos += 2;
                    T::Arrow
                } else {
                    self.switch4(&mut pos, T::Lss, T::Leq, b'<', T::Shl, T::ShlAssign)
                }
            }
            b'>' => self.switch4(&mut pos, T::Gtr, T::Geq, b'>', T::Shr, T::ShrAssign),
            b'=' => self.switch2(&mut pos, T::Assign, T::Eql),
            b'!' => self.switch2(&mut pos, T::Not, T::Neq),
            b'&' => {
                if self.byte(pos + 1) == b'^' {
                    pos += 1;
                    self.switch2(&mut pos, T::AndNot, T::AndNotAssign)
                } else {
                    self.switch3(&mut pos, T::And, T::AndAssign, b'&', T::LAnd)
                }
            }
            b'|' => self.switch3(&mut pos, T::Or, T::OrAssign, b'|', T::LOr),
            b'~' => {
                pos += 1;
                T::Tilde
            }
            _ => {
                let (kind, end, semi) = self.scan_other(start);
                pos = end;
                insert_semi = semi;
                kind
            }
        };
        self.pos = pos;
        self.insert_semi = insert_semi;
        Token {
            kind,
            start: start as u32,
            end: pos as u32,
        }
    }

    /// A token starting with a NUL or non-ASCII byte: a Unicode identifier
    /// or an illegal character. Returns (kind, end, insert_semi).
    #[cold]
    fn scan_other(&mut self, start: usize) -> (TokenKind, usize, bool) {
        let src = self.src;
        let b = src[start];
        let keep_semi = self.insert_semi;
        // The character-level error may already have been reported as lookahead.
        let checked = self.checked_lookahead == Some(start);
        if b == 0 {
            if !checked {
                self.error(start, "illegal character NUL");
            }
            self.error(start, "illegal character U+0000");
            return (TokenKind::Illegal, start + 1, keep_semi);
        }
        if b < 0x80 {
            // Any other ASCII byte (e.g. '@', '#', '$', '?', '\\', control characters).
            self.error(
                start,
                format!("illegal character {}", format_rune_u(b as char)),
            );
            return (TokenKind::Illegal, start + 1, keep_semi);
        }
        match decode_char(&src[start..]) {
            None => {
                if start == 0
                    && src.len() >= 2
                    && matches!((src[0], src[1]), (0xFF, 0xFE) | (0xFE, 0xFF))
                {
                    self.error(start, "illegal UTF-8 encoding (got UTF-16)");
                    self.error(start, "illegal character U+FFFD '\u{FFFD}'");
                    return (TokenKind::Illegal, src.len(), keep_semi);
                }
                if !checked {
                    self.error(start, "illegal UTF-8 encoding");
                }
                self.error(start, "illegal character U+FFFD '\u{FFFD}'");
                (TokenKind::Illegal, start + 1, keep_semi)
            }
            Some((c, width)) => {
                if is_letter(c) {
                    let end = self.scan_unicode_ident_tail(start + width);
                    return (TokenKind::Ident, end, true);
                }
                if c == BOM {
                    // Offset 0 was skipped in `new`, so this one is misplaced.
                    if !checked {
                        self.error(start, "illegal byte order mark");
                    }
                } else if c == '\u{201C}' || c == '\u{201D}' {
                    self.error(
                        start,
                        format!("curly quotation mark '{c}' (use neutral '\"')"),
                    );
                } else {
                    self.error(start, format!("illegal character {}", format_rune_u(c)));
                }
                (TokenKind::Illegal, start + width, keep_semi)
            }
        }
    }

    /// Continues an identifier at `pos` with Unicode letters and digits.
    fn scan_unicode_ident_tail(&mut self, mut pos: usize) -> usize {
        let src = self.src;
        while pos < src.len() {
            let b = src[pos];
            if b < 0x80 {
                if is_ascii_ident_byte(b) {
                    pos += 1;
                    continue;
                }
                break;
            }
            match decode_char(&src[pos..]) {
                Some((c, width)) if is_letter(c) || is_digit(c) => pos += width,
                _ => break,
            }
        }
        pos
    }

    fn switch2(&mut self, pos: &mut usize, tok0: TokenKind, tok1: TokenKind) -> TokenKind {
        *pos += 1;
        if self.byte(*pos) == b'=' {
            *pos += 1;
            return tok1;
        }
        tok0
    }

    fn switch3(
        &mut self,
        pos: &mut usize,
        tok0: TokenKind,
        tok1: TokenKind,
        ch2: u8,
        tok2: TokenKind,
    ) -> TokenKind {
        *pos += 1;
        let b = self.byte(*pos);
        if b == b'=' {
            *pos += 1;
            return tok1;
        }
        if b == ch2 {
            *pos += 1;
            return tok2;
        }
        tok0
    }

    fn switch4(
        &mut self,
        pos: &mut usize,
        tok0: TokenKind,
        tok1: TokenKind,
        ch2: u8,
        tok2: TokenKind,
        tok3: TokenKind,
    ) -> TokenKind {
        *pos += 1;
        let b = self.byte(*pos);
        if b == b'=' {
            *pos += 1;
            return tok1;
        }
        if b == ch2 {
            *pos += 1;
            if self.byte(*pos) == b'=' {
                *pos += 1;
                return tok3;
            }
            return tok2;
        }
        tok0
    }

    /// Scans a comment starting at `start` (`//` or `/*`). Returns the end of
    /// the comment (before the newline for `//`) and, for a `/* */` comment,
    /// the offset of its first newline.
    fn scan_comment(&mut self, start: usize) -> (usize, Option<usize>) {
        let src = self.src;
        let len = src.len();
        let mut pos = start + 2;
        if src[start + 1] == b'/' {
            // Fast path: a comment of plain ASCII without NULs needs no
            // per-character checks.
            let line_end = memchr::memchr(b'\n', &src[pos..]).map_or(len, |i| pos + i);
            if is_plain_ascii(&src[pos..line_end]) {
                pos = line_end;
            }
            while pos < len {
                let b = src[pos];
                if b == b'\n' {
                    break;
                }
                pos += self.consume_char(pos);
            }
            let mut lit_end = pos;
            if lit_end > start + 2 && src[lit_end - 1] == b'\r' {
                lit_end -= 1;
            }
            let at_line_start = start == 0 || src[start - 1] == b'\n';
            if at_line_start && src[start + 2..lit_end].starts_with(b"line ") {
                self.check_line_directive(start, &src[start + 7..lit_end]);
            }
            return (pos, None);
        }
        // Fast path: a terminated comment of plain ASCII without NULs.
        if let Some(i) = memchr::memmem::find(&src[pos..], b"*/") {
            let body = &src[pos..pos + i];
            if is_plain_ascii(body) {
                let newline = memchr::memchr(b'\n', body).map(|j| pos + j);
                pos += i + 2;
                if src[start + 2..pos].starts_with(b"line ") && pos - start >= 9 {
                    self.check_line_directive(start, &src[start + 7..pos - 2]);
                }
                return (pos, newline);
            }
        }
        let mut newline = None;
        loop {
            if pos >= len {
                self.error(start, "comment not terminated");
                return (pos, newline);
            }
            let b = src[pos];
            if b == b'\n' && newline.is_none() {
                newline = Some(pos);
            }
            pos += self.consume_char(pos);
            if b == b'*' && self.byte(pos) == b'/' && pos < len {
                pos += 1;
                break;
            }
        }
        if src[start + 2..pos].starts_with(b"line ") && pos - start >= 9 {
            self.check_line_directive(start, &src[start + 7..pos - 2]);
        }
        (pos, newline)
    }

    /// Reports the errors `go/scanner` reports for a malformed `//line` or
    /// `/*line */` directive. `text` follows the `line ` prefix.
    fn check_line_directive(&mut self, comment_start: usize, text: &[u8]) {
        let offs = comment_start + 7;
        let (i, n, ok) = trailing_digits(text);
        if i == 0 {
            return; // not a line directive
        }
        if !ok {
            let msg = format!(
                "invalid line number: {}",
                String::from_utf8_lossy(&text[i..])
            );
            self.error(offs + i, msg);
            return;
        }
        let mut i = i;
        let mut text = text;
        let line;
        let (i2, n2, ok2) = trailing_digits(&text[..i - 1]);
        if ok2 {
            let col = n;
            line = n2;
            let col_index = i;
            i = i2;
            if col == 0 || col > MAX_LINE_COL {
                let msg = format!(
                    "invalid column number: {}",
                    String::from_utf8_lossy(&text[col_index..])
                );
                self.error(offs + col_index, msg);
                return;
            }
            text = &text[..col_index - 1];
        } else {
            line = n;
        }
        if line == 0 || line > MAX_LINE_COL {
            let msg = format!(
                "invalid line number: {}",
                String::from_utf8_lossy(&text[i..])
            );
            self.error(offs + i, msg);
        }
    }

    /// Scans `{ digit | '_' }` in `base` at `*pos`; returns bit 0 set if a
    /// digit was seen and bit 1 if a separator was. For bases up to 10 a
    /// decimal digit too large for the base is recorded in `invalid`.
    fn digits(&self, pos: &mut usize, base: u8, invalid: &mut Option<usize>) -> u8 {
        let mut digsep = 0;
        if base <= 10 {
            let max = b'0' + base;
            loop {
                let b = self.byte(*pos);
                if b == b'_' {
                    digsep |= 2;
                } else if b.is_ascii_digit() {
                    if b >= max && invalid.is_none() {
                        *invalid = Some(*pos);
                    }
                    digsep |= 1;
                } else {
                    break;
                }
                *pos += 1;
            }
        } else {
            loop {
                let b = self.byte(*pos);
                if b == b'_' {
                    digsep |= 2;
                } else if b.is_ascii_hexdigit() {
                    digsep |= 1;
                } else {
                    break;
                }
                *pos += 1;
            }
        }
        digsep
    }

    fn scan_number(&mut self, start: usize) -> (TokenKind, usize) {
        let mut pos = start;
        let mut kind = TokenKind::Illegal;
        let mut base = 10u8;
        let mut prefix = 0u8; // 0 (decimal), b'0' (0-octal), b'x', b'o' or b'b'
        let mut digsep = 0u8;
        let mut invalid = None;

        if self.byte(pos) != b'.' {
            kind = TokenKind::Int;
            if self.byte(pos) == b'0' {
                pos += 1;
                match lower(self.byte(pos)) {
                    b'x' => {
                        pos += 1;
                        base = 16;
                        prefix = b'x';
                    }
                    b'o' => {
                        pos += 1;
                        base = 8;
                        prefix = b'o';
                    }
                    b'b' => {
                        pos += 1;
                        base = 2;
                        prefix = b'b';
                    }
                    _ => {
                        base = 8;
                        prefix = b'0';
                        digsep = 1; // leading 0
                    }
                }
            }
            digsep |= self.digits(&mut pos, base, &mut invalid);
        }

        if self.byte(pos) == b'.' {
            kind = TokenKind::Float;
            if prefix == b'o' || prefix == b'b' {
                self.error(pos, format!("invalid radix point in {}", lit_name(prefix)));
            }
            pos += 1;
            digsep |= self.digits(&mut pos, base, &mut invalid);
        }

        if digsep & 1 == 0 {
            self.error(pos, format!("{} has no digits", lit_name(prefix)));
        }

        let e = lower(self.byte(pos));
        if e == b'e' || e == b'p' {
            let ch = self.byte(pos) as char;
            if e == b'e' && prefix != 0 && prefix != b'0' {
                self.error(pos, format!("'{ch}' exponent requires decimal mantissa"));
            } else if e == b'p' && prefix != b'x' {
                self.error(
                    pos,
                    format!("'{ch}' exponent requires hexadecimal mantissa"),
                );
            }
            pos += 1;
            kind = TokenKind::Float;
            if matches!(self.byte(pos), b'+' | b'-') {
                pos += 1;
            }
            let ds = self.digits(&mut pos, 10, &mut None);
            digsep |= ds;
            if ds & 1 == 0 {
                self.error(pos, "exponent has no digits");
            }
        } else if prefix == b'x' && kind == TokenKind::Float {
            self.error(pos, "hexadecimal mantissa requires a 'p' exponent");
        }

        if self.byte(pos) == b'i' {
            kind = TokenKind::Imag;
            pos += 1;
        }

        if kind == TokenKind::Int {
            if let Some(at) = invalid {
                let digit = self.src[at] as char;
                self.error(
                    at,
                    format!("invalid digit '{digit}' in {}", lit_name(prefix)),
                );
            }
        }
        if digsep & 2 != 0 {
            if let Some(i) = invalid_sep(&self.src[start..pos]) {
                self.error(start + i, "'_' must separate successive digits");
            }
        }
        (kind, pos)
    }

    /// Scans an escape sequence after a backslash at `*pos`; on error it
    /// stops at the offending character without consuming it.
    fn scan_escape(&mut self, pos: &mut usize, quote: u8) -> bool {
        let offs = *pos;
        let b = self.byte(*pos);
        let at_end = *pos >= self.src.len();
        let (mut n, base, max): (u32, u32, u32) = match b {
            b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' | b'\\' if !at_end => {
                *pos += 1;
                return true;
            }
            _ if b == quote && !at_end => {
                *pos += 1;
                return true;
            }
            b'0'..=b'7' => (3, 8, 255),
            b'x' => {
                *pos += 1;
                (2, 16, 255)
            }
            b'u' => {
                *pos += 1;
                (4, 16, 0x10FFFF)
            }
            b'U' => {
                *pos += 1;
                (8, 16, 0x10FFFF)
            }
            _ => {
                let msg = if at_end {
                    "escape sequence not terminated"
                } else {
                    "unknown escape sequence"
                };
                self.error(offs, msg);
                return false;
            }
        };
        let mut x: u32 = 0;
        while n > 0 {
            let b = self.byte(*pos);
            let d = (b as char).to_digit(16).unwrap_or(16);
            if *pos >= self.src.len() || d >= base {
                let msg = if *pos >= self.src.len() {
                    "escape sequence not terminated".to_string()
                } else {
                    let c = decode_char(&self.src[*pos..]).map_or('\u{FFFD}', |(c, _)| c);
                    format!("illegal character {} in escape sequence", format_rune_u(c))
                };
                self.error(*pos, msg);
                return false;
            }
            x = x.wrapping_mul(base).wrapping_add(d);
            *pos += 1;
            n -= 1;
        }
        if x > max || (0xD800..0xE000).contains(&x) {
            self.error(offs, "escape sequence is invalid Unicode code point");
            return false;
        }
        true
    }

    fn scan_rune(&mut self, start: usize) -> usize {
        let mut pos = start + 1;
        let mut valid = true;
        let mut n = 0;
        loop {
            if pos >= self.src.len() || self.src[pos] == b'\n' {
                if valid {
                    self.error(start, "rune literal not terminated");
                    valid = false;
                }
                break;
            }
            let b = self.src[pos];
            pos += self.consume_char(pos);
            if b == b'\'' {
                break;
            }
            n += 1;
            if b == b'\\' && !self.scan_escape(&mut pos, b'\'') {
                valid = false;
            }
        }
        if valid && n != 1 {
            self.error(start, "illegal rune literal");
        }
        pos
    }

    fn scan_string(&mut self, start: usize) -> usize {
        let src = self.src;
        let mut pos = start + 1;
        loop {
            if pos >= src.len() || src[pos] == b'\n' {
                self.error(start, "string literal not terminated");
                break;
            }
            let b = src[pos];
            pos += self.consume_char(pos);
            if b == b'"' {
                break;
            }
            if b == b'\\' {
                self.scan_escape(&mut pos, b'"');
            }
        }
        pos
    }

    fn scan_raw_string(&mut self, start: usize) -> usize {
        let src = self.src;
        let mut pos = start + 1;
        loop {
            if pos >= src.len() {
                self.error(start, "raw string literal not terminated");
                break;
            }
            let b = src[pos];
            pos += self.consume_char(pos);
            if b == b'`' {
                break;
            }
        }
        pos
    }
}

/// True if `bytes` has neither NULs nor non-ASCII bytes, i.e. nothing that
/// `consume_char` would have to check. Branch-free so that it vectorises.
#[inline]
fn is_plain_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(0u8, |acc, &b| acc | u8::from(b.wrapping_sub(1) >= 0x7F))
        == 0
}

/// ASCII letters, digits and `_`: the bytes that continue an identifier.
static IDENT_BYTE: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    table
};

#[inline]
fn is_ascii_ident_byte(b: u8) -> bool {
    IDENT_BYTE[b as usize]
}

#[inline]
fn lower(b: u8) -> u8 {
    b | 0x20
}

fn in_table(table: &[(u32, u32)], c: u32) -> bool {
    table
        .binary_search_by(|&(lo, hi)| {
            if hi < c {
                std::cmp::Ordering::Less
            } else if lo > c {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_ok()
}

/// `unicode.IsLetter` of Go, plus `_`.
pub fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic() || c == '_';
    }
    in_table(LETTER, c as u32)
}

/// `unicode.IsDigit` of Go.
pub fn is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    in_table(DIGIT, c as u32)
}

/// Decodes one UTF-8 character like `utf8.DecodeRune`; `None` where Go
/// would return `(RuneError, 1)`.
pub(crate) fn decode_char(bytes: &[u8]) -> Option<(char, usize)> {
    let first = *bytes.first()?;
    let width = match first {
        0x00..=0x7F => return Some((first as char, 1)),
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => return None,
    };
    let chunk = bytes.get(..width)?;
    let c = std::str::from_utf8(chunk).ok()?.chars().next()?;
    Some((c, width))
}

/// Formats a rune like Go's `%#U`: `U+0040 '@'`, or `U+0007` when unprintable.
fn format_rune_u(c: char) -> String {
    let code = c as u32;
    if c.is_control() || (c.is_whitespace() && c != ' ') {
        format!("U+{code:04X}")
    } else {
        format!("U+{code:04X} '{c}'")
    }
}

fn lit_name(prefix: u8) -> &'static str {
    match prefix {
        b'x' => "hexadecimal literal",
        b'o' | b'0' => "octal literal",
        b'b' => "binary literal",
        _ => "decimal literal",
    }
}

/// Index of the first misplaced `_` in a number literal (`invalidSep`).
fn invalid_sep(x: &[u8]) -> Option<usize> {
    let mut x1 = b' '; // prefix char, we only care if it's 'x'
    let mut d = b'.'; // digit: '_', '0' (a digit) or '.' (anything else)
    let mut i = 0;
    if x.len() >= 2 && x[0] == b'0' {
        x1 = lower(x[1]);
        if x1 == b'x' || x1 == b'o' || x1 == b'b' {
            d = b'0';
            i = 2;
        }
    }
    while i < x.len() {
        let p = d;
        d = x[i];
        if d == b'_' {
            if p != b'0' {
                return Some(i);
            }
        } else if d.is_ascii_digit() || (x1 == b'x' && d.is_ascii_hexdigit()) {
            d = b'0';
        } else {
            if p == b'_' {
                return Some(i - 1);
            }
            d = b'.';
        }
        i += 1;
    }
    if d == b'_' {
        return Some(x.len() - 1);
    }
    None
}

/// `trailingDigits` of go/scanner: the index after the last ':' (0 if
/// none), the number after it (wrapped like Go's `int(uint64)`) and whether
/// it parsed as an unsigned decimal.
fn trailing_digits(text: &[u8]) -> (usize, i64, bool) {
    let Some(colon) = text.iter().rposition(|&b| b == b':') else {
        return (0, 0, false);
    };
    let digits = &text[colon + 1..];
    let mut value: u64 = 0;
    let mut ok = !digits.is_empty();
    for &b in digits {
        if !b.is_ascii_digit() {
            ok = false;
            break;
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
        {
            Some(v) => value = v,
            None => {
                ok = false;
                break;
            }
        }
    }
    (colon + 1, value as i64, ok)
}

#[cfg(test)]
mod tests {
    use super::*;
    use TokenKind as T;

    fn kinds(src: &str) -> Vec<TokenKind> {
        let (tokens, errors) = tokenize(src.as_bytes());
        assert!(errors.is_empty(), "{src:?}: {errors:?}");
        tokens.into_iter().map(|t| t.kind).collect()
    }

    fn errors(src: &[u8]) -> Vec<String> {
        tokenize(src).1.into_iter().map(|e| e.message).collect()
    }

    #[test]
    fn literal_forms() {
        for (src, kind) in [
            ("0", T::Int),
            ("123", T::Int),
            ("0x1F", T::Int),
            ("0X_1f", T::Int),
            ("0o17", T::Int),
            ("0O17", T::Int),
            ("017", T::Int),
            ("0b1010", T::Int),
            ("1_000_000", T::Int),
            ("1.5", T::Float),
            (".5", T::Float),
            ("1.", T::Float),
            ("1e10", T::Float),
            ("1E-10", T::Float),
            ("0x1p-2", T::Float),
            ("0x1.8p+3", T::Float),
            ("0X.8P0", T::Float),
            ("089.5", T::Float),
            ("1i", T::Imag),
            ("0x1p2i", T::Imag),
            ("1.5e3i", T::Imag),
            ("0i", T::Imag),
            ("'a'", T::Char),
            ("'\\n'", T::Char),
            ("'\\x41'", T::Char),
            ("'\\u00e9'", T::Char),
            ("'\\U0001F600'", T::Char),
            ("'\\377'", T::Char),
            ("'é'", T::Char),
            ("'\\''", T::Char),
            ("\"hello\\t\\\"world\\\"\"", T::String),
            ("`raw\nstring\\n`", T::String),
            ("\"\\u00e9\"", T::String),
        ] {
            let (tokens, errs) = tokenize(src.as_bytes());
            assert!(errs.is_empty(), "{src}: {errs:?}");
            assert_eq!(tokens[0].kind, kind, "{src}");
            assert_eq!(tokens[0].end as usize, src.len(), "{src}");
        }
    }

    #[test]
    fn invalid_literals() {
        for (src, msg) in [
            ("0x", "hexadecimal literal has no digits"),
            ("0b102", "invalid digit '2' in binary literal"),
            ("09", "invalid digit '9' in octal literal"),
            ("1__0", "'_' must separate successive digits"),
            ("1_", "'_' must separate successive digits"),
            ("0x1.0", "hexadecimal mantissa requires a 'p' exponent"),
            ("0b1.0", "invalid radix point in binary literal"),
            ("1e", "exponent has no digits"),
            ("0x1e3p", "exponent has no digits"),
            ("1p3", "'p' exponent requires hexadecimal mantissa"),
            ("'ab'", "illegal rune literal"),
            ("''", "illegal rune literal"),
            ("'a", "rune literal not terminated"),
            ("\"abc", "string literal not terminated"),
            ("\"a\nb\"", "string literal not terminated"),
            ("`abc", "raw string literal not terminated"),
            ("/* abc", "comment not terminated"),
            ("\"\\q\"", "unknown escape sequence"),
            (
                "\"\\xZZ\"",
                "illegal character U+005A 'Z' in escape sequence",
            ),
            ("'\\ud800'", "escape sequence is invalid Unicode code point"),
            (
                "'\\U00110000'",
                "escape sequence is invalid Unicode code point",
            ),
            ("'\\400'", "escape sequence is invalid Unicode code point"),
            ("@", "illegal character U+0040 '@'"),
            (
                "\u{201C}x\u{201D}",
                "curly quotation mark '\u{201C}' (use neutral '\"')",
            ),
        ] {
            let errs = errors(src.as_bytes());
            assert!(errs.iter().any(|e| e == msg), "{src}: {errs:?}");
        }
    }

    #[test]
    fn encoding_errors() {
        assert_eq!(errors(b"\xEF\xBB\xBFpackage p"), Vec::<String>::new());
        assert!(errors(b"package p\xEF\xBB\xBF").contains(&"illegal byte order mark".to_string()));
        assert!(errors(b"x // \xEF\xBB\xBF").contains(&"illegal byte order mark".to_string()));
        assert!(errors(b"\"a\x00\"").contains(&"illegal character NUL".to_string()));
        assert!(errors(b"// \xff").contains(&"illegal UTF-8 encoding".to_string()));
        assert!(errors(b"`\xc3`").contains(&"illegal UTF-8 encoding".to_string()));
        assert!(errors(b"\xff\xfep").contains(&"illegal UTF-8 encoding (got UTF-16)".to_string()));
        assert!(errors(b"a\x00").contains(&"illegal character NUL".to_string()));
        // Unicode letters and digits in identifiers, but no digit first.
        assert_eq!(kinds("héllo_ж٣"), vec![T::Ident, T::Semicolon, T::Eof]);
        assert!(!errors("٣x".as_bytes()).is_empty());
        assert!(!errors("€".as_bytes()).is_empty());
    }

    #[test]
    fn keywords_far_from_and_near_the_end() {
        let words = [
            "break",
            "case",
            "chan",
            "const",
            "continue",
            "default",
            "defer",
            "else",
            "fallthrough",
            "for",
            "func",
            "go",
            "goto",
            "if",
            "import",
            "interface",
            "map",
            "package",
            "range",
            "return",
            "select",
            "struct",
            "switch",
            "type",
            "var",
        ];
        for word in words {
            // Far from the end (word compare) and at the very end (fallback).
            let kind = kinds(&format!("{word}                ;"))[0];
            assert!(kind.is_keyword(), "{word}");
            assert_eq!(kind.as_str(), word);
            assert_eq!(kinds(word)[0], kind);
            // Prefixes and extensions are identifiers.
            assert_eq!(kinds(&format!("{word}x                ;"))[0], T::Ident);
            assert_eq!(kinds(&format!("{word}_"))[0], T::Ident);
            let prefix = &word[..word.len() - 1];
            assert_eq!(kinds(&format!("{prefix}                ;"))[0], T::Ident);
        }
    }

    #[test]
    fn semicolon_insertion() {
        assert_eq!(
            kinds("x\n"),
            vec![T::Ident, T::Semicolon, T::Eof],
            "after identifier"
        );
        assert_eq!(kinds("x"), vec![T::Ident, T::Semicolon, T::Eof], "at EOF");
        assert_eq!(kinds("+\n"), vec![T::Add, T::Eof]);
        assert_eq!(kinds("x++\n"), vec![T::Ident, T::Inc, T::Semicolon, T::Eof]);
        assert_eq!(kinds("return\n"), vec![T::Return, T::Semicolon, T::Eof]);
        assert_eq!(kinds("func\n"), vec![T::Func, T::Eof]);
        assert_eq!(
            kinds(")\n]\n}\n"),
            vec![
                T::RParen,
                T::Semicolon,
                T::RBrack,
                T::Semicolon,
                T::RBrace,
                T::Semicolon,
                T::Eof
            ]
        );
        // A line comment keeps the pending semicolon, which lands on the newline.
        let (tokens, _) = tokenize(b"x // c\ny");
        assert_eq!(
            tokens.iter().map(|t| t.kind).collect::<Vec<_>>(),
            vec![
                T::Ident,
                T::Comment,
                T::Semicolon,
                T::Ident,
                T::Semicolon,
                T::Eof
            ]
        );
        assert_eq!(tokens[2].span(), Span::new(6, 6));
        // A block comment containing a newline ends the statement at that newline.
        let (tokens, _) = tokenize(b"x /* a\nb */ y");
        assert_eq!(
            tokens.iter().map(|t| t.kind).collect::<Vec<_>>(),
            vec![
                T::Ident,
                T::Comment,
                T::Semicolon,
                T::Ident,
                T::Semicolon,
                T::Eof
            ]
        );
        assert_eq!(tokens[2].span(), Span::new(6, 6));
        // A block comment on one line does not.
        assert_eq!(
            kinds("x /* a */ y"),
            vec![T::Ident, T::Comment, T::Ident, T::Semicolon, T::Eof]
        );
        // Explicit semicolons have a one-byte span.
        let (tokens, _) = tokenize(b"x;");
        assert_eq!(tokens[1].span(), Span::new(1, 2));
        assert!(!tokens[1].is_implicit_semicolon());
    }

    #[test]
    fn operators() {
        assert_eq!(
            kinds("&^= &^ && &= & <<= << <= <- < >>= >> >= > ... . := : ~ != ! == ="),
            vec![
                T::AndNotAssign,
                T::AndNot,
                T::LAnd,
                T::AndAssign,
                T::And,
                T::ShlAssign,
                T::Shl,
                T::Leq,
                T::Arrow,
                T::Lss,
                T::ShrAssign,
                T::Shr,
                T::Geq,
                T::Gtr,
                T::Ellipsis,
                T::Period,
                T::Define,
                T::Colon,
                T::Tilde,
                T::Neq,
                T::Not,
                T::Eql,
                T::Assign,
                T::Eof
            ]
        );
    }

    #[test]
    fn line_directives() {
        assert!(errors(b"//line foo.go:10\n").is_empty());
        assert!(errors(b"//line foo.go:10:5\n").is_empty());
        assert!(errors(b"/*line foo.go:10*/").is_empty());
        assert!(
            errors(b"//line foo.go\n").is_empty(),
            "no colon: not a directive"
        );
        assert_eq!(errors(b"//line foo.go:0\n"), vec!["invalid line number: 0"]);
        assert_eq!(errors(b"//line foo.go:x\n"), vec!["invalid line number: x"]);
        assert_eq!(
            errors(b"//line foo.go:1:0\n"),
            vec!["invalid column number: 0"]
        );
        assert!(
            errors(b" //line foo.go:0\n").is_empty(),
            "not at line start"
        );
    }

    #[test]
    fn comment_spans_are_source_extents() {
        // A `//` comment stops before the newline and one '\r' before it.
        let (tokens, _) = tokenize(b"// x\r\n");
        assert_eq!(tokens[0].span(), Span::new(0, 4));
        let (tokens, _) = tokenize(b"// a\rb\r\n");
        assert_eq!(tokens[0].span(), Span::new(0, 6));
        // A block comment keeps every byte up to and including `*/`.
        let (tokens, _) = tokenize(b"/* a\r\nb */ x");
        assert_eq!(tokens[0].span(), Span::new(0, 10));
    }
}
