//! Build constraint expressions: a port of `go/build/constraint` (Go 1.26).
//!
//! `//go:build` lines use the boolean grammar `||`, `&&`, `!`, parentheses and
//! tags made of letters, digits, `_` and `.`; `&&` binds tighter than `||`, `!`
//! tighter than both, and `!!x` is rejected. Legacy `// +build` lines are
//! space-separated OR clauses of comma-separated AND literals; invalid literals
//! become the tag `ignore`, exactly as in Go.

use std::fmt;

use thiserror::Error;

/// Same bound as Go's `maxSize`: limits both the expression size and the parser's
/// recursion depth, so hostile input cannot overflow the stack.
const MAX_SIZE: usize = 1000;
/// Go's limit on the number of operators in one `// +build` line.
const MAX_OLD_SIZE: usize = 100;
/// Parenthesis nesting limit. Go has none beyond `MAX_SIZE`, but each level costs
/// several stack frames here; no real constraint nests more than a few levels.
const MAX_NESTING: usize = 100;

/// A parsed build constraint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expr {
    Tag(String),
    Not(Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
}

impl Expr {
    /// Evaluates the expression; `has_tag` says whether a tag is satisfied.
    ///
    /// Both operands of `&&`/`||` are always evaluated (Go does the same so that
    /// callers collecting "all tags mentioned" see every tag).
    pub fn eval(&self, has_tag: &mut dyn FnMut(&str) -> bool) -> bool {
        match self {
            Expr::Tag(tag) => has_tag(tag),
            Expr::Not(x) => !x.eval(has_tag),
            Expr::And(x, y) => {
                let left = x.eval(has_tag);
                let right = y.eval(has_tag);
                left && right
            }
            Expr::Or(x, y) => {
                let left = x.eval(has_tag);
                let right = y.eval(has_tag);
                left || right
            }
        }
    }

    fn tag(name: &str) -> Expr {
        Expr::Tag(name.to_string())
    }
}

impl fmt::Display for Expr {
    /// Canonical `//go:build` syntax (without the `//go:build ` prefix), with the
    /// minimal parentheses, as Go's `String` methods print it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Tag(tag) => f.write_str(tag),
            Expr::Not(x) => match **x {
                Expr::And(..) | Expr::Or(..) => write!(f, "!({x})"),
                _ => write!(f, "!{x}"),
            },
            Expr::And(x, y) => {
                write_operand(f, x, matches!(**x, Expr::Or(..)))?;
                f.write_str(" && ")?;
                write_operand(f, y, matches!(**y, Expr::Or(..)))
            }
            Expr::Or(x, y) => {
                write_operand(f, x, matches!(**x, Expr::And(..)))?;
                f.write_str(" || ")?;
                write_operand(f, y, matches!(**y, Expr::And(..)))
            }
        }
    }
}

fn write_operand(f: &mut fmt::Formatter<'_>, x: &Expr, parens: bool) -> fmt::Result {
    if parens {
        write!(f, "({x})")
    } else {
        write!(f, "{x}")
    }
}

/// Why a constraint line could not be parsed. `offset` is a byte offset into the
/// expression text (after `//go:build`), as in Go's `SyntaxError`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ConstraintError {
    #[error("{message}")]
    Syntax { offset: usize, message: String },
    #[error("not a build constraint")]
    NotConstraint,
    #[error("expression too complex for // +build lines")]
    TooComplex,
}

/// Parses a `//go:build` or `// +build` line (Go's `constraint.Parse`).
pub fn parse(line: &str) -> Result<Expr, ConstraintError> {
    if let Some(text) = split_go_build(line) {
        return parse_expr(text);
    }
    if let Some(text) = split_plus_build(line) {
        return parse_plus_build_expr(text);
    }
    Err(ConstraintError::NotConstraint)
}

/// Whether `line` is a `//go:build` constraint line.
pub fn is_go_build(line: &str) -> bool {
    split_go_build(line).is_some()
}

/// Whether `line` is a legacy `// +build` constraint line.
pub fn is_plus_build(line: &str) -> bool {
    split_plus_build(line).is_some()
}

/// The minimum Go version implied by a constraint (`constraint.GoVersion`): the
/// lowest `go1.N` release tag that any satisfying assignment requires, or `None`
/// when the expression does not require one. `go1.21 && linux` → 1.21,
/// `go1.21 || go1.22` → 1.21, `!go1.21` → `None`.
pub fn go_version(expr: &Expr) -> Option<crate::GoVersion> {
    let minor = min_version(expr, true)?;
    Some(crate::GoVersion::new(1, minor, 0))
}

/// `positive` tracks negation; `None` means "no version required" (Go's -1).
fn min_version(expr: &Expr, positive: bool) -> Option<u32> {
    // and: both sides hold, so the larger requirement; or: the smaller. Negation
    // swaps the two. A side without a requirement (None) counts as -1.
    fn and_version(x: Option<u32>, y: Option<u32>) -> Option<u32> {
        x.max(y)
    }
    fn or_version(x: Option<u32>, y: Option<u32>) -> Option<u32> {
        match (x, y) {
            (Some(a), Some(b)) => Some(a.min(b)),
            _ => None,
        }
    }
    match expr {
        Expr::And(x, y) => {
            let (a, b) = (min_version(x, positive), min_version(y, positive));
            if positive {
                and_version(a, b)
            } else {
                or_version(a, b)
            }
        }
        Expr::Or(x, y) => {
            let (a, b) = (min_version(x, positive), min_version(y, positive));
            if positive {
                or_version(a, b)
            } else {
                and_version(a, b)
            }
        }
        Expr::Not(x) => min_version(x, !positive),
        Expr::Tag(tag) => {
            if !positive {
                return None;
            }
            if tag == "go1" {
                return Some(0);
            }
            // strings.Cut(tag, "go1.") then Atoi: the text after the first "go1.".
            let (_, rest) = tag.split_once("go1.")?;
            if rest.is_empty() || !rest.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            rest.parse().ok()
        }
    }
}

fn strip_one_newline(line: &str) -> Option<&str> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    if line.contains('\n') {
        None
    } else {
        Some(line)
    }
}

fn split_go_build(line: &str) -> Option<&str> {
    let line = strip_one_newline(line)?;
    if !line.starts_with("//go:build") {
        return None;
    }
    let rest = &go_trim_space(line)["//go:build".len()..];
    let trimmed = go_trim_space(rest);
    // "//go:buildx" is not a constraint: the keyword must be followed by space or end.
    if rest.len() == trimmed.len() && !rest.is_empty() {
        return None;
    }
    Some(trimmed)
}

fn split_plus_build(line: &str) -> Option<&str> {
    let line = strip_one_newline(line)?;
    let line = line.strip_prefix("//")?;
    let line = go_trim_space(line).strip_prefix("+build")?;
    let trimmed = go_trim_space(line);
    if line.len() == trimmed.len() && !line.is_empty() {
        return None;
    }
    Some(trimmed)
}

/// `strings.TrimSpace`: trims Unicode white space (Rust's `trim` uses the same
/// White_Space property).
fn go_trim_space(s: &str) -> &str {
    s.trim()
}

/// Go's `unicode.IsLetter || unicode.IsDigit || '_' || '.'`.
fn is_tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || c == '_' || c == '.'
}

struct ExprParser<'a> {
    text: &'a str,
    next: usize,
    tok: &'a str,
    is_tag: bool,
    pos: usize,
    size: usize,
    depth: usize,
}

fn syntax(offset: usize, message: impl Into<String>) -> ConstraintError {
    ConstraintError::Syntax {
        offset,
        message: message.into(),
    }
}

fn parse_expr(text: &str) -> Result<Expr, ConstraintError> {
    let mut p = ExprParser {
        text,
        next: 0,
        tok: "",
        is_tag: false,
        pos: 0,
        size: 0,
        depth: 0,
    };
    let x = p.or()?;
    if !p.tok.is_empty() {
        return Err(syntax(p.pos, format!("unexpected token {}", p.tok)));
    }
    Ok(x)
}

impl<'a> ExprParser<'a> {
    fn or(&mut self) -> Result<Expr, ConstraintError> {
        let mut x = self.and()?;
        while self.tok == "||" {
            x = Expr::Or(Box::new(x), Box::new(self.and()?));
        }
        Ok(x)
    }

    fn and(&mut self) -> Result<Expr, ConstraintError> {
        let mut x = self.not()?;
        while self.tok == "&&" {
            x = Expr::And(Box::new(x), Box::new(self.not()?));
        }
        Ok(x)
    }

    fn not(&mut self) -> Result<Expr, ConstraintError> {
        self.size += 1;
        if self.size > MAX_SIZE {
            return Err(syntax(self.pos, "build expression too large"));
        }
        self.lex()?;
        if self.tok == "!" {
            self.lex()?;
            if self.tok == "!" {
                return Err(syntax(self.pos, "double negation not allowed"));
            }
            return Ok(Expr::Not(Box::new(self.atom()?)));
        }
        self.atom()
    }

    fn atom(&mut self) -> Result<Expr, ConstraintError> {
        if self.tok == "(" {
            let open = self.pos;
            self.depth += 1;
            if self.depth > MAX_NESTING {
                return Err(syntax(open, "build expression nested too deeply"));
            }
            let parsed = self.or();
            self.depth -= 1;
            let x = match parsed {
                Ok(x) => x,
                Err(ConstraintError::Syntax { offset, message })
                    if message == "unexpected end of expression" =>
                {
                    return Err(syntax(offset, "missing close paren"));
                }
                Err(e) => return Err(e),
            };
            if self.tok != ")" {
                return Err(syntax(open, "missing close paren"));
            }
            self.lex()?;
            return Ok(x);
        }
        if !self.is_tag {
            if self.tok.is_empty() {
                return Err(syntax(self.pos, "unexpected end of expression"));
            }
            return Err(syntax(self.pos, format!("unexpected token {}", self.tok)));
        }
        let tag = self.tok;
        self.lex()?;
        Ok(Expr::tag(tag))
    }

    fn lex(&mut self) -> Result<(), ConstraintError> {
        self.is_tag = false;
        let bytes = self.text.as_bytes();
        while self.next < bytes.len() && (bytes[self.next] == b' ' || bytes[self.next] == b'\t') {
            self.next += 1;
        }
        if self.next >= bytes.len() {
            self.tok = "";
            self.pos = self.next;
            return Ok(());
        }
        match bytes[self.next] {
            b'(' | b')' | b'!' => {
                self.pos = self.next;
                self.next += 1;
                self.tok = &self.text[self.pos..self.next];
                return Ok(());
            }
            b'&' | b'|' => {
                let c = bytes[self.next];
                if self.next + 1 >= bytes.len() || bytes[self.next + 1] != c {
                    return Err(syntax(
                        self.next,
                        format!("invalid syntax at {}", char::from(c)),
                    ));
                }
                self.pos = self.next;
                self.next += 2;
                self.tok = &self.text[self.pos..self.next];
                return Ok(());
            }
            _ => {}
        }
        let rest = &self.text[self.next..];
        let len = rest
            .char_indices()
            .find(|&(_, c)| !is_tag_char(c))
            .map_or(rest.len(), |(i, _)| i);
        if len == 0 {
            let c = rest.chars().next().unwrap_or('\u{fffd}');
            return Err(syntax(self.next, format!("invalid syntax at {c}")));
        }
        self.pos = self.next;
        self.next += len;
        self.tok = &self.text[self.pos..self.next];
        self.is_tag = true;
        Ok(())
    }
}

fn is_valid_tag(word: &str) -> bool {
    !word.is_empty() && word.chars().all(is_tag_char)
}

fn parse_plus_build_expr(text: &str) -> Result<Expr, ConstraintError> {
    let mut size = 0usize;
    let mut x: Option<Expr> = None;
    for clause in text.split_whitespace() {
        let mut y: Option<Expr> = None;
        for lit in clause.split(',') {
            let z = if lit.starts_with("!!") || lit == "!" {
                Expr::tag("ignore")
            } else {
                let (neg, name) = match lit.strip_prefix('!') {
                    Some(rest) => (true, rest),
                    None => (false, lit),
                };
                let tag = if is_valid_tag(name) {
                    Expr::tag(name)
                } else {
                    Expr::tag("ignore")
                };
                if neg {
                    Expr::Not(Box::new(tag))
                } else {
                    tag
                }
            };
            y = Some(match y {
                None => z,
                Some(prev) => {
                    size += 1;
                    if size > MAX_OLD_SIZE {
                        return Err(ConstraintError::TooComplex);
                    }
                    Expr::And(Box::new(prev), Box::new(z))
                }
            });
        }
        let Some(y) = y else { continue };
        x = Some(match x {
            None => y,
            Some(prev) => {
                size += 1;
                if size > MAX_OLD_SIZE {
                    return Err(ConstraintError::TooComplex);
                }
                Expr::Or(Box::new(prev), Box::new(y))
            }
        });
    }
    Ok(x.unwrap_or_else(|| Expr::tag("ignore")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval_with(line: &str, tags: &[&str]) -> bool {
        let x = parse(line).unwrap_or_else(|e| panic!("{line}: {e}"));
        x.eval(&mut |t| tags.contains(&t))
    }

    #[test]
    fn go_build_precedence() {
        // && binds tighter than ||.
        let x = parse("//go:build a || b && c").unwrap();
        // Go's String() parenthesizes && operands of ||, though not needed.
        assert_eq!(x.to_string(), "a || (b && c)");
        assert!(matches!(x, Expr::Or(..)));
        assert!(eval_with("//go:build a || b && c", &["a"]));
        assert!(!eval_with("//go:build a || b && c", &["b"]));
        assert!(eval_with("//go:build a || b && c", &["b", "c"]));
        assert!(!eval_with("//go:build (a || b) && c", &["a"]));
        assert!(eval_with("//go:build (a || b) && c", &["a", "c"]));
        // ! binds tightest.
        assert!(!eval_with("//go:build !a && b", &["a", "b"]));
        assert!(eval_with("//go:build !a && b", &["b"]));
        assert!(eval_with("//go:build !(a && b)", &["b"]));
        assert!(!eval_with("//go:build !(a && b)", &["a", "b"]));
        assert_eq!(
            parse("//go:build (a && b) || !(c || d)")
                .unwrap()
                .to_string(),
            "(a && b) || !(c || d)"
        );
        assert_eq!(
            parse("//go:build a && (b || c)").unwrap().to_string(),
            "a && (b || c)"
        );
        // Left associativity.
        assert_eq!(
            parse("//go:build a && b && c").unwrap(),
            Expr::And(
                Box::new(Expr::And(
                    Box::new(Expr::tag("a")),
                    Box::new(Expr::tag("b"))
                )),
                Box::new(Expr::tag("c"))
            )
        );
    }

    #[test]
    fn go_build_syntax_errors_match_go() {
        let err = |line: &str| match parse(line) {
            Err(ConstraintError::Syntax { message, .. }) => message,
            other => panic!("{line}: {other:?}"),
        };
        assert_eq!(err("//go:build"), "unexpected end of expression");
        assert_eq!(err("//go:build !!x"), "double negation not allowed");
        assert_eq!(err("//go:build (x"), "missing close paren");
        assert_eq!(err("//go:build (x ||"), "missing close paren");
        assert_eq!(err("//go:build x)"), "unexpected token )");
        assert_eq!(err("//go:build x & y"), "invalid syntax at &");
        assert_eq!(err("//go:build x | y"), "invalid syntax at |");
        assert_eq!(err("//go:build x y"), "unexpected token y");
        assert_eq!(err("//go:build x,y"), "invalid syntax at ,");
        assert_eq!(err("//go:build &&"), "unexpected token &&");
    }

    #[test]
    fn go_build_line_recognition() {
        assert!(is_go_build("//go:build linux"));
        assert!(is_go_build("//go:build linux\n"));
        assert!(is_go_build("//go:build\tlinux"));
        assert!(!is_go_build("//go:buildlinux"));
        assert!(!is_go_build("// go:build linux"));
        assert!(!is_go_build("//go:build a\nb"));
        assert!(is_go_build("//go:build"));
        assert_eq!(parse("// hello"), Err(ConstraintError::NotConstraint));
    }

    #[test]
    fn tags_allow_unicode_letters_dots_and_underscores() {
        assert!(eval_with(
            "//go:build go1.21 && amd64.v1",
            &["go1.21", "amd64.v1"]
        ));
        assert!(eval_with("//go:build ünïcode_1", &["ünïcode_1"]));
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let line = format!("//go:build {}x{}", "(".repeat(5000), ")".repeat(5000));
        assert!(matches!(parse(&line), Err(ConstraintError::Syntax { .. })));
        let long = format!("//go:build {}", vec!["a"; 2000].join(" || "));
        assert!(matches!(parse(&long), Err(ConstraintError::Syntax { .. })));
        let ok = format!("//go:build {}x{}", "(".repeat(50), ")".repeat(50));
        assert!(parse(&ok).is_ok());
    }

    #[test]
    fn minimum_go_version() {
        let v = |line: &str| go_version(&parse(line).unwrap()).map(|v| v.to_string());
        assert_eq!(v("//go:build go1.22").as_deref(), Some("1.22"));
        assert_eq!(v("//go:build go1.21 && linux").as_deref(), Some("1.21"));
        assert_eq!(v("//go:build go1.21 || go1.22").as_deref(), Some("1.21"));
        assert_eq!(v("//go:build go1.21 && go1.23").as_deref(), Some("1.23"));
        assert_eq!(v("//go:build go1.21 || linux"), None);
        assert_eq!(v("//go:build !go1.21"), None);
        assert_eq!(
            v("//go:build !(!go1.20 || !go1.22)").as_deref(),
            Some("1.22")
        );
        assert_eq!(v("//go:build linux"), None);
        assert_eq!(v("//go:build go1").as_deref(), Some("1.0"));
        assert_eq!(v("//go:build go1.x"), None);
    }

    #[test]
    fn plus_build_lines() {
        assert!(is_plus_build("// +build linux"));
        assert!(is_plus_build("//+build linux"));
        assert!(!is_plus_build("// +buildlinux"));
        assert!(!is_plus_build("/* +build linux */"));
        // Space = OR, comma = AND.
        let x = parse("// +build linux,amd64 darwin,!cgo").unwrap();
        assert_eq!(x.to_string(), "(linux && amd64) || (darwin && !cgo)");
        assert!(eval_with(
            "// +build linux,amd64 darwin",
            &["linux", "amd64"]
        ));
        assert!(!eval_with("// +build linux,amd64 darwin", &["linux"]));
        assert!(eval_with("// +build linux,amd64 darwin", &["darwin"]));
        // Invalid literals become "ignore".
        assert_eq!(parse("// +build !!x").unwrap().to_string(), "ignore");
        assert_eq!(parse("// +build !").unwrap().to_string(), "ignore");
        assert_eq!(parse("// +build a-b").unwrap().to_string(), "ignore");
        assert_eq!(parse("// +build !a-b").unwrap().to_string(), "!ignore");
        assert_eq!(parse("// +build").unwrap().to_string(), "ignore");
        let many = format!("// +build {}", vec!["a"; 102].join(" "));
        assert_eq!(parse(&many), Err(ConstraintError::TooComplex));
    }
}
