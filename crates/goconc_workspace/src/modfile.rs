//! go.mod and go.work parsing (the subset of `golang.org/x/mod/modfile` goconc
//! needs): `module`, `go`, `toolchain`, `require`, `exclude`, `replace` and, for
//! go.work, `use`. Other directives (`godebug`, `retract`, `tool`, `ignore`, and
//! unknown ones) are accepted and skipped, like modfile's lax mode.

use thiserror::Error;

use crate::version::GoVersion;

/// A syntax or semantic error in a go.mod/go.work file.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line}: {message}")]
pub struct ModFileError {
    /// 1-based line number.
    pub line: usize,
    pub message: String,
}

/// `path version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleVersion {
    pub path: String,
    pub version: String,
}

/// A `require` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Require {
    pub path: String,
    pub version: String,
    /// Marked `// indirect`.
    pub indirect: bool,
}

/// Where a `replace` points.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplaceTarget {
    /// Another module version.
    Module { path: String, version: String },
    /// A directory (`./x`, `../x`, `/abs`), relative to the file's directory.
    LocalDir(String),
}

/// A `replace old [v] => new [v]` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replace {
    pub old_path: String,
    /// `None` replaces every version.
    pub old_version: Option<String>,
    pub new: ReplaceTarget,
}

/// A parsed go.mod file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoMod {
    /// The `module` path; `None` when the directive is missing.
    pub module: Option<String>,
    /// The `go` directive as written.
    pub go: Option<String>,
    pub toolchain: Option<String>,
    pub require: Vec<Require>,
    pub exclude: Vec<ModuleVersion>,
    pub replace: Vec<Replace>,
}

impl GoMod {
    /// The language version: the `go` directive, or 1.16 when it is absent or
    /// unparsable (the go command's assumption for go.mod files without one).
    pub fn go_version(&self) -> GoVersion {
        self.go
            .as_deref()
            .and_then(GoVersion::parse)
            .unwrap_or(GoVersion::MISSING_GO_DIRECTIVE)
    }
}

/// A `use` directive of go.work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    /// The directory as written, relative to the go.work directory unless absolute.
    pub dir: String,
}

/// A parsed go.work file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GoWork {
    pub go: Option<String>,
    pub toolchain: Option<String>,
    pub uses: Vec<Use>,
    pub replace: Vec<Replace>,
}

/// Parses the text of a go.mod file.
pub fn parse_go_mod(text: &str) -> Result<GoMod, ModFileError> {
    let mut m = GoMod::default();
    for stmt in statements(text)? {
        let args = &stmt.args;
        match stmt.verb.as_str() {
            "module" => {
                if stmt.in_block {
                    return Err(stmt.error("module directive cannot be in a block"));
                }
                if m.module.is_some() {
                    return Err(stmt.error("repeated module statement"));
                }
                match args.as_slice() {
                    [path] => m.module = Some(path.clone()),
                    _ => return Err(stmt.error("usage: module module/path")),
                }
            }
            "go" => {
                if m.go.is_some() {
                    return Err(stmt.error("repeated go statement"));
                }
                match args.as_slice() {
                    [v] if GoVersion::parse(v).is_some() && !v.starts_with("go") => {
                        m.go = Some(v.clone())
                    }
                    [v] => return Err(stmt.error(format!("invalid go version '{v}'"))),
                    _ => return Err(stmt.error("usage: go 1.23")),
                }
            }
            "toolchain" => match args.as_slice() {
                [name] => m.toolchain = Some(name.clone()),
                _ => return Err(stmt.error("usage: toolchain go1.23.4")),
            },
            "require" => match args.as_slice() {
                [path, version] => m.require.push(Require {
                    path: path.clone(),
                    version: version.clone(),
                    indirect: stmt.comment.as_deref().is_some_and(is_indirect_comment),
                }),
                _ => return Err(stmt.error("usage: require module/path v1.2.3")),
            },
            "exclude" => match args.as_slice() {
                [path, version] => m.exclude.push(ModuleVersion {
                    path: path.clone(),
                    version: version.clone(),
                }),
                _ => return Err(stmt.error("usage: exclude module/path v1.2.3")),
            },
            "replace" => m.replace.push(parse_replace(&stmt)?),
            _ => {}
        }
    }
    Ok(m)
}

/// Parses the text of a go.work file.
pub fn parse_go_work(text: &str) -> Result<GoWork, ModFileError> {
    let mut w = GoWork::default();
    for stmt in statements(text)? {
        let args = &stmt.args;
        match stmt.verb.as_str() {
            "go" => match args.as_slice() {
                [v] if GoVersion::parse(v).is_some() && !v.starts_with("go") => {
                    w.go = Some(v.clone())
                }
                _ => return Err(stmt.error("usage: go 1.23")),
            },
            "toolchain" => match args.as_slice() {
                [name] => w.toolchain = Some(name.clone()),
                _ => return Err(stmt.error("usage: toolchain go1.23.4")),
            },
            "use" => match args.as_slice() {
                [dir] => w.uses.push(Use { dir: dir.clone() }),
                _ => return Err(stmt.error("usage: use local/dir")),
            },
            "replace" => w.replace.push(parse_replace(&stmt)?),
            _ => {}
        }
    }
    Ok(w)
}

fn is_indirect_comment(comment: &str) -> bool {
    // modfile: the comment is "indirect" or starts with "indirect;".
    let c = comment.trim();
    c == "indirect" || c.starts_with("indirect;")
}

/// modfile's `IsDirectoryPath` (Unix and Windows spellings).
fn is_directory_path(p: &str) -> bool {
    p == "."
        || p == ".."
        || p.starts_with("./")
        || p.starts_with("../")
        || p.starts_with('/')
        || p.starts_with(".\\")
        || p.starts_with("..\\")
        || p.starts_with('\\')
        || (p.len() >= 3
            && p.as_bytes()[0].is_ascii_alphabetic()
            && p.as_bytes()[1] == b':'
            && matches!(p.as_bytes()[2], b'/' | b'\\'))
}

fn parse_replace(stmt: &Statement) -> Result<Replace, ModFileError> {
    let args = &stmt.args;
    let arrow = args
        .iter()
        .position(|a| a == "=>")
        .ok_or_else(|| stmt.error("usage: replace module/path [v1.2.3] => other/module v1.4"))?;
    let (old, new) = (&args[..arrow], &args[arrow + 1..]);
    let (old_path, old_version) = match old {
        [path] => (path.clone(), None),
        [path, version] => (path.clone(), Some(version.clone())),
        _ => return Err(stmt.error("usage: replace module/path [v1.2.3] => other/module v1.4")),
    };
    let new = match new {
        [dir] if is_directory_path(dir) => ReplaceTarget::LocalDir(dir.clone()),
        [_] => {
            return Err(stmt.error(
                "replacement module without version must be directory path (rooted or starting with ./ or ../)",
            ))
        }
        [path, version] => {
            if is_directory_path(path) {
                return Err(stmt.error(
                    "replacement module directory path must not have a version",
                ));
            }
            ReplaceTarget::Module {
                path: path.clone(),
                version: version.clone(),
            }
        }
        _ => return Err(stmt.error("usage: replace module/path [v1.2.3] => other/module v1.4")),
    };
    Ok(Replace {
        old_path,
        old_version,
        new,
    })
}

/// One directive line, flattened out of blocks.
struct Statement {
    line: usize,
    verb: String,
    args: Vec<String>,
    /// Trailing `//` comment text (without the slashes).
    comment: Option<String>,
    in_block: bool,
}

impl Statement {
    fn error(&self, message: impl Into<String>) -> ModFileError {
        ModFileError {
            line: self.line,
            message: message.into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    /// A quoted or raw string, already unquoted.
    Str(String),
    LParen,
    RParen,
    Punct(char),
}

struct Line {
    number: usize,
    tokens: Vec<Token>,
    comment: Option<String>,
}

fn err(line: usize, message: impl Into<String>) -> ModFileError {
    ModFileError {
        line,
        message: message.into(),
    }
}

/// modfile's identifier rule: printable, non-space, not one of `()[]{},`.
fn is_word_char(c: char) -> bool {
    !matches!(c, ' ' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | '"' | '`')
        && !c.is_whitespace()
        && !c.is_control()
}

fn tokenize(text: &str) -> Result<Vec<Line>, ModFileError> {
    let mut lines = Vec::new();
    let mut current = Line {
        number: 1,
        tokens: Vec::new(),
        comment: None,
    };
    let mut chars = text.char_indices().peekable();
    let mut line_no = 1usize;
    while let Some(&(i, c)) = chars.peek() {
        match c {
            '\n' => {
                chars.next();
                line_no += 1;
                let next = Line {
                    number: line_no,
                    tokens: Vec::new(),
                    comment: None,
                };
                lines.push(std::mem::replace(&mut current, next));
            }
            c if c.is_whitespace() || c == '\u{feff}' => {
                chars.next();
            }
            '/' if text[i..].starts_with("//") => {
                let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                current.comment = Some(text[i + 2..end].trim().to_string());
                while chars.peek().is_some_and(|&(j, _)| j < end) {
                    chars.next();
                }
            }
            '(' => {
                chars.next();
                current.tokens.push(Token::LParen);
            }
            ')' => {
                chars.next();
                current.tokens.push(Token::RParen);
            }
            '[' | ']' | '{' | '}' | ',' => {
                chars.next();
                current.tokens.push(Token::Punct(c));
            }
            '"' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None | Some((_, '\n')) => {
                            return Err(err(line_no, "unterminated quoted string"))
                        }
                        Some((_, '"')) => break,
                        Some((_, '\\')) => match chars.next() {
                            Some((_, 'n')) => s.push('\n'),
                            Some((_, 't')) => s.push('\t'),
                            Some((_, e @ ('\\' | '"' | '\''))) => s.push(e),
                            _ => return Err(err(line_no, "invalid escape in quoted string")),
                        },
                        Some((_, other)) => s.push(other),
                    }
                }
                current.tokens.push(Token::Str(s));
            }
            '`' => {
                chars.next();
                let mut s = String::new();
                loop {
                    match chars.next() {
                        None | Some((_, '\n')) => {
                            return Err(err(line_no, "unterminated raw string"))
                        }
                        Some((_, '`')) => break,
                        Some((_, other)) => s.push(other),
                    }
                }
                current.tokens.push(Token::Str(s));
            }
            _ => {
                let mut word = String::new();
                while let Some(&(j, c)) = chars.peek() {
                    // A comment may start right after a word, as in modfile's lexer.
                    if !is_word_char(c) || text[j..].starts_with("//") {
                        break;
                    }
                    word.push(c);
                    chars.next();
                }
                if word.is_empty() {
                    return Err(err(line_no, format!("unexpected input character {c:?}")));
                }
                current.tokens.push(Token::Word(word));
            }
        }
    }
    lines.push(current);
    Ok(lines)
}

fn token_text(t: &Token) -> Option<String> {
    match t {
        Token::Word(w) | Token::Str(w) => Some(w.clone()),
        _ => None,
    }
}

fn statements(text: &str) -> Result<Vec<Statement>, ModFileError> {
    let mut out = Vec::new();
    let mut block: Option<(String, usize)> = None;
    for line in tokenize(text)? {
        if line.tokens.is_empty() {
            continue;
        }
        if let Some((verb, _)) = &block {
            if line.tokens == [Token::RParen] {
                block = None;
                continue;
            }
            if line
                .tokens
                .iter()
                .any(|t| matches!(t, Token::LParen | Token::RParen))
            {
                return Err(err(line.number, "unexpected parenthesis in block"));
            }
            out.push(Statement {
                line: line.number,
                verb: verb.clone(),
                args: line.tokens.iter().filter_map(token_text).collect(),
                comment: line.comment,
                in_block: true,
            });
            continue;
        }
        let Token::Word(verb) = &line.tokens[0] else {
            return Err(err(line.number, "expected directive keyword"));
        };
        let rest = &line.tokens[1..];
        if rest == [Token::LParen] {
            block = Some((verb.clone(), line.number));
            continue;
        }
        if rest
            .iter()
            .any(|t| matches!(t, Token::LParen | Token::RParen))
        {
            return Err(err(line.number, "unexpected parenthesis"));
        }
        out.push(Statement {
            line: line.number,
            verb: verb.clone(),
            args: rest.iter().filter_map(token_text).collect(),
            comment: line.comment,
            in_block: false,
        });
    }
    if let Some((verb, line)) = block {
        return Err(err(line, format!("unterminated {verb} block")));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO_MOD: &str = r#"// Leading comment.
module example.com/m // trailing comment

go 1.22.3

toolchain go1.23.4

require golang.org/x/sync v0.7.0

require (
	// a comment line inside a block
	example.com/a v1.0.0
	example.com/b v1.2.0 // indirect
	"example.com/quoted" v0.1.0
)

exclude (
	example.com/a v0.9.0
)

replace example.com/a => ../a
replace (
	example.com/b v1.2.0 => example.com/fork v1.2.1
	example.com/c => /abs/c
)

retract [v1.0.0, v1.0.5]
godebug default=go1.21
tool example.com/tool
"#;

    #[test]
    fn parses_go_mod() {
        let m = parse_go_mod(GO_MOD).unwrap();
        assert_eq!(m.module.as_deref(), Some("example.com/m"));
        assert_eq!(m.go.as_deref(), Some("1.22.3"));
        assert_eq!(m.go_version(), GoVersion::new(1, 22, 3));
        assert_eq!(m.toolchain.as_deref(), Some("go1.23.4"));
        assert_eq!(
            m.require,
            [
                Require {
                    path: "golang.org/x/sync".into(),
                    version: "v0.7.0".into(),
                    indirect: false
                },
                Require {
                    path: "example.com/a".into(),
                    version: "v1.0.0".into(),
                    indirect: false
                },
                Require {
                    path: "example.com/b".into(),
                    version: "v1.2.0".into(),
                    indirect: true
                },
                Require {
                    path: "example.com/quoted".into(),
                    version: "v0.1.0".into(),
                    indirect: false
                },
            ]
        );
        assert_eq!(
            m.exclude,
            [ModuleVersion {
                path: "example.com/a".into(),
                version: "v0.9.0".into()
            }]
        );
        assert_eq!(
            m.replace,
            [
                Replace {
                    old_path: "example.com/a".into(),
                    old_version: None,
                    new: ReplaceTarget::LocalDir("../a".into())
                },
                Replace {
                    old_path: "example.com/b".into(),
                    old_version: Some("v1.2.0".into()),
                    new: ReplaceTarget::Module {
                        path: "example.com/fork".into(),
                        version: "v1.2.1".into()
                    }
                },
                Replace {
                    old_path: "example.com/c".into(),
                    old_version: None,
                    new: ReplaceTarget::LocalDir("/abs/c".into())
                },
            ]
        );
    }

    #[test]
    fn missing_go_directive_means_1_16() {
        let m = parse_go_mod("module m\n").unwrap();
        assert_eq!(m.go, None);
        assert_eq!(m.go_version(), GoVersion::new(1, 16, 0));
        assert_eq!(parse_go_mod("").unwrap(), GoMod::default());
    }

    #[test]
    fn crlf_and_quoted_module() {
        let m = parse_go_mod("module \"example.com/q\"\r\ngo 1.21\r\n").unwrap();
        assert_eq!(m.module.as_deref(), Some("example.com/q"));
        assert_eq!(m.go_version(), GoVersion::new(1, 21, 0));
    }

    #[test]
    fn go_mod_errors_carry_lines() {
        let e = |src: &str| parse_go_mod(src).unwrap_err();
        assert_eq!(e("module a\nmodule b\n").line, 2);
        assert_eq!(e("module a\ngo one.two\n").line, 2);
        assert_eq!(e("module a\nrequire (\n x v1\n").line, 2);
        assert!(e("module a\nrequire (\n x v1\n")
            .message
            .contains("unterminated"));
        assert_eq!(e("module a\n\nreplace x => y\n").line, 3);
        assert_eq!(e("module a\nreplace x => ./y v1.0.0\n").line, 2);
        assert_eq!(e("module \"a\n").line, 1);
        assert_eq!(e("module a b\n").line, 1);
        assert_eq!(e("require x\n").line, 1);
    }

    #[test]
    fn parses_go_work() {
        let w = parse_go_work(
            "go 1.23\n\nuse (\n\t./a // first\n\t./b\n)\nuse ../c\nreplace x v1.0.0 => ./x\n",
        )
        .unwrap();
        assert_eq!(w.go.as_deref(), Some("1.23"));
        let dirs: Vec<&str> = w.uses.iter().map(|u| u.dir.as_str()).collect();
        assert_eq!(dirs, ["./a", "./b", "../c"]);
        assert_eq!(w.replace.len(), 1);
        assert!(parse_go_work("use (\n./a\n").is_err());
        assert!(parse_go_work("use\n").is_err());
    }
}
