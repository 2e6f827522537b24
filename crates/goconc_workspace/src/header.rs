//! Reading a Go file's header (package clause and imports) without parsing the
//! whole file: a port of go/build's `read.go` import reader.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// What the header scan found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoFileHeader {
    /// The package clause name.
    pub package_name: String,
    /// Import paths in source order (unquoted when possible).
    pub imports: Vec<String>,
    /// The header bytes (BOM removed) through the end of the import block: the
    /// input for [`crate::BuildContext::should_build`].
    pub header: Vec<u8>,
    /// The import block is malformed; the parser will report it. Imports after the
    /// error are missing from `imports`.
    pub import_syntax_error: bool,
}

/// Why a header could not be read.
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("expected 'package' clause at start of file")]
    MissingPackageClause,
    #[error("invalid package name {0:?}")]
    InvalidPackageName(String),
    #[error("unexpected NUL in input")]
    Nul,
}

/// Bytes read before the first scan; typical headers (license, package clause,
/// imports) fit. Longer headers trigger a read of the rest of the file.
pub const INITIAL_READ: usize = 4096;

const BOM: &[u8] = b"\xef\xbb\xbf";

/// Reads `path`'s header: the first [`INITIAL_READ`] bytes, or the whole file
/// (at most `max_size` bytes) when the header is longer. `size` is the file size
/// from metadata: a file that size or smaller is read with a single `read` and
/// treated as complete once `size` bytes arrived (a file growing concurrently is
/// seen as its earlier snapshot). Callers must make sure `path` is a regular
/// file (opening a FIFO would block).
pub fn read_header(path: &Path, size: u64, max_size: u64) -> Result<GoFileHeader, HeaderError> {
    let mut file = File::open(path)?;
    let small = size < INITIAL_READ as u64;
    let want = if small {
        // One spare byte so that growth past `size` is noticed as "not complete".
        size as usize + 1
    } else {
        INITIAL_READ
    };
    let mut buf = vec![0u8; want];
    let mut filled = 0;
    let mut eof = false;
    while filled < want {
        if small && filled == size as usize && filled > 0 {
            break;
        }
        match file.read(&mut buf[filled..]) {
            Ok(0) => {
                eof = true;
                break;
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    buf.truncate(filled);
    let mut complete = eof || (small && filled == size as usize);
    loop {
        match scan_header(&buf, complete) {
            Ok(header) => return Ok(header),
            Err(ScanStop::NeedMore) if !complete => {
                let remaining = max_size.saturating_sub(buf.len() as u64);
                (&mut file).take(remaining).read_to_end(&mut buf)?;
                complete = true;
            }
            Err(ScanStop::NeedMore) => return Err(HeaderError::MissingPackageClause),
            Err(ScanStop::Error(e)) => return Err(e),
        }
    }
}

/// Outcome of a scan that did not produce a header.
#[derive(Debug)]
pub enum ScanStop {
    /// The buffer ended before the header did and `complete` was false.
    NeedMore,
    Error(HeaderError),
}

#[derive(Debug, PartialEq, Eq)]
enum Fault {
    /// Ran off the end of an incomplete buffer.
    NeedMore,
    Syntax,
    Nul,
}

/// Scans `content` (a file prefix, or the whole file when `complete`).
pub fn scan_header(content: &[u8], complete: bool) -> Result<GoFileHeader, ScanStop> {
    let content = content.strip_prefix(BOM).unwrap_or(content);
    let mut s = Scanner {
        src: content,
        pos: 0,
        complete,
    };
    let package_name = match s.package_clause() {
        Ok(name) => name,
        Err(Fault::NeedMore) => return Err(ScanStop::NeedMore),
        Err(Fault::Nul) => return Err(ScanStop::Error(HeaderError::Nul)),
        Err(Fault::Syntax) => return Err(ScanStop::Error(HeaderError::MissingPackageClause)),
    };
    if package_name == "_" {
        return Err(ScanStop::Error(HeaderError::InvalidPackageName(
            package_name,
        )));
    }
    let mut imports = Vec::new();
    let import_syntax_error = match s.import_decls(&mut imports) {
        Ok(()) => false,
        Err(Fault::NeedMore) => return Err(ScanStop::NeedMore),
        Err(Fault::Nul) => return Err(ScanStop::Error(HeaderError::Nul)),
        Err(Fault::Syntax) => true,
    };
    Ok(GoFileHeader {
        package_name,
        imports,
        header: content[..s.pos.min(content.len())].to_vec(),
        import_syntax_error,
    })
}

struct Scanner<'a> {
    src: &'a [u8],
    pos: usize,
    complete: bool,
}

fn is_ident_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80
}

impl Scanner<'_> {
    fn end_of_input(&self) -> Fault {
        if self.complete {
            Fault::Syntax
        } else {
            Fault::NeedMore
        }
    }

    /// Next byte without consuming it; `Ok(None)` at the true end of the file.
    fn peek(&self) -> Result<Option<u8>, Fault> {
        match self.src.get(self.pos) {
            Some(0) => Err(Fault::Nul),
            Some(&c) => Ok(Some(c)),
            None if self.complete => Ok(None),
            None => Err(Fault::NeedMore),
        }
    }

    /// Skips white space, `;` and comments (go/build's `peekByte(true)`).
    fn skip_space(&mut self) -> Result<Option<u8>, Fault> {
        loop {
            let Some(c) = self.peek()? else {
                return Ok(None);
            };
            match c {
                b' ' | b'\x0c' | b'\t' | b'\r' | b'\n' | b';' => self.pos += 1,
                b'/' => {
                    let next = self.src.get(self.pos + 1).copied();
                    match next {
                        Some(b'/') => {
                            let rest = &self.src[self.pos..];
                            match rest.iter().position(|&b| b == b'\n') {
                                Some(i) => {
                                    check_nul(&rest[..i])?;
                                    self.pos += i + 1;
                                }
                                None if self.complete => {
                                    check_nul(rest)?;
                                    self.pos = self.src.len();
                                }
                                None => return Err(Fault::NeedMore),
                            }
                        }
                        Some(b'*') => {
                            let body = &self.src[self.pos + 2..];
                            match body.windows(2).position(|w| w == b"*/") {
                                Some(i) => {
                                    check_nul(&body[..i])?;
                                    self.pos += 2 + i + 2;
                                }
                                None => return Err(self.end_of_input()),
                            }
                        }
                        None if !self.complete => return Err(Fault::NeedMore),
                        _ => return Err(Fault::Syntax),
                    }
                }
                _ => return Ok(Some(c)),
            }
        }
    }

    fn keyword(&mut self, kw: &[u8]) -> Result<(), Fault> {
        self.skip_space()?;
        for &expected in kw {
            match self.peek()? {
                Some(c) if c == expected => self.pos += 1,
                _ => return Err(Fault::Syntax),
            }
        }
        match self.peek()? {
            Some(c) if is_ident_byte(c) => Err(Fault::Syntax),
            _ => Ok(()),
        }
    }

    fn ident(&mut self) -> Result<&[u8], Fault> {
        match self.skip_space()? {
            Some(c) if is_ident_byte(c) => {}
            _ => return Err(Fault::Syntax),
        }
        let start = self.pos;
        while let Some(c) = self.peek()? {
            if !is_ident_byte(c) {
                break;
            }
            self.pos += 1;
        }
        Ok(&self.src[start..self.pos])
    }

    fn package_clause(&mut self) -> Result<String, Fault> {
        self.keyword(b"package")?;
        let name = self.ident()?;
        let name = String::from_utf8_lossy(name).into_owned();
        // Go requires the package name to be followed by a separator (or EOF) before
        // anything else; the ident loop already stopped at a non-ident byte.
        Ok(name)
    }

    fn import_decls(&mut self, imports: &mut Vec<String>) -> Result<(), Fault> {
        while self.skip_space()? == Some(b'i') {
            self.keyword(b"import")?;
            if self.skip_space()? == Some(b'(') {
                self.pos += 1;
                loop {
                    match self.skip_space()? {
                        Some(b')') => {
                            self.pos += 1;
                            break;
                        }
                        Some(_) => imports.push(self.import_spec()?),
                        None => return Err(Fault::Syntax),
                    }
                }
            } else {
                imports.push(self.import_spec()?);
            }
        }
        Ok(())
    }

    fn import_spec(&mut self) -> Result<String, Fault> {
        match self.skip_space()? {
            Some(b'.') => self.pos += 1,
            Some(c) if is_ident_byte(c) => {
                self.ident()?;
            }
            _ => {}
        }
        self.string_literal()
    }

    fn string_literal(&mut self) -> Result<String, Fault> {
        let quote = match self.skip_space()? {
            Some(q @ (b'"' | b'`')) => q,
            _ => return Err(Fault::Syntax),
        };
        let start = self.pos;
        self.pos += 1;
        loop {
            let Some(c) = self.peek()? else {
                return Err(Fault::Syntax);
            };
            self.pos += 1;
            if c == quote {
                break;
            }
            if quote == b'"' {
                if c == b'\n' {
                    return Err(Fault::Syntax);
                }
                if c == b'\\' {
                    if self.peek()?.is_none() {
                        return Err(Fault::Syntax);
                    }
                    self.pos += 1;
                }
            }
        }
        Ok(unquote(&self.src[start..self.pos]))
    }
}

fn check_nul(bytes: &[u8]) -> Result<(), Fault> {
    if bytes.contains(&0) {
        Err(Fault::Nul)
    } else {
        Ok(())
    }
}

/// Unquotes a Go string literal as used in import paths. Escapes other than the
/// simple ones are kept verbatim: import paths cannot contain them anyway.
fn unquote(literal: &[u8]) -> String {
    let inner = &literal[1..literal.len().saturating_sub(1).max(1)];
    if literal.first() == Some(&b'`') {
        return String::from_utf8_lossy(inner).replace('\r', "");
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut i = 0;
    while i < inner.len() {
        let c = inner[i];
        if c == b'\\' && i + 1 < inner.len() {
            let e = inner[i + 1];
            let mapped = match e {
                b'\\' => Some(b'\\'),
                b'"' => Some(b'"'),
                b'\'' => Some(b'\''),
                b'n' => Some(b'\n'),
                b't' => Some(b'\t'),
                _ => None,
            };
            if let Some(m) = mapped {
                out.push(m);
                i += 2;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(src: &str) -> GoFileHeader {
        match scan_header(src.as_bytes(), true) {
            Ok(h) => h,
            Err(e) => panic!("{src:?}: {e:?}"),
        }
    }

    #[test]
    fn package_and_imports() {
        let h = scan(
            "// Copyright\n\n/* block */ package foo // trailing\n\nimport \"fmt\"\nimport (\n\t\"os\"\n\tx \"a/b\"; . `c/d`\n\t_ \"e\" // c\n)\nimport \"C\"\n\nfunc main() {}\n",
        );
        assert_eq!(h.package_name, "foo");
        assert_eq!(h.imports, ["fmt", "os", "a/b", "c/d", "e", "C"]);
        assert!(!h.import_syntax_error);
        assert!(String::from_utf8_lossy(&h.header).ends_with("import \"C\"\n\n"));
    }

    #[test]
    fn bom_and_unicode_names() {
        let h = scan("\u{feff}package ünï\n");
        assert_eq!(h.package_name, "ünï");
        assert!(!h.header.starts_with(BOM));
    }

    #[test]
    fn header_errors() {
        let err = |src: &str| scan_header(src.as_bytes(), true).err();
        assert!(matches!(
            err(""),
            Some(ScanStop::Error(HeaderError::MissingPackageClause))
        ));
        assert!(matches!(
            err("func main() {}"),
            Some(ScanStop::Error(HeaderError::MissingPackageClause))
        ));
        assert!(matches!(
            err("packagefoo"),
            Some(ScanStop::Error(HeaderError::MissingPackageClause))
        ));
        assert!(matches!(
            err("/* unterminated"),
            Some(ScanStop::Error(HeaderError::MissingPackageClause))
        ));
        assert!(matches!(
            err("package _\n"),
            Some(ScanStop::Error(HeaderError::InvalidPackageName(_)))
        ));
        assert!(matches!(
            err("// a\0b\npackage p"),
            Some(ScanStop::Error(HeaderError::Nul))
        ));
        assert!(matches!(
            err("package p\0"),
            Some(ScanStop::Error(HeaderError::Nul))
        ));
        // A malformed import block keeps the package.
        let h = scan("package p\nimport (\n\"fmt\"\n\"unterminated\n)\n");
        assert!(h.import_syntax_error);
        assert_eq!(h.imports, ["fmt"]);
        // "if" at top level looks like "import" to the reader, as in Go.
        assert!(scan("package p\nif x {}\n").import_syntax_error);
    }

    #[test]
    fn incomplete_buffers_ask_for_more() {
        let full = "// long comment\npackage p\n\nimport \"fmt\"\n\nfunc f() {}\n";
        for cut in 0..full.len() {
            match scan_header(&full.as_bytes()[..cut], false) {
                Ok(h) => {
                    // Only succeeds once the import block was fully seen.
                    assert_eq!(h.imports, ["fmt"], "cut {cut}");
                    assert_eq!(h.package_name, "p");
                }
                Err(ScanStop::NeedMore) => {}
                Err(ScanStop::Error(e)) => panic!("cut {cut}: {e}"),
            }
        }
        assert!(scan_header(full.as_bytes(), false).is_ok());
    }

    #[test]
    fn no_trailing_newline() {
        assert_eq!(scan("package p").package_name, "p");
        assert_eq!(scan("package p // c").package_name, "p");
        assert_eq!(scan("package p\nimport \"x\"").imports, ["x"]);
    }
}
