//! Go lexer, parser and typed AST for goconc.
//!
//! Entry points: [`parse_file`] and [`parse_file_with`]. They never fail and
//! never panic: syntax errors are collected in [`ast::File::errors`] and
//! parsing resumes at the next statement or declaration. A file that
//! `go/parser` (mode `ParseComments|SkipObjectResolution`) accepts parses
//! with zero errors and the same tree; a file it rejects gets at least one
//! error. The lexer is public ([`lexer`], [`token`]) for tools that need a
//! token stream.

pub mod ast;
pub mod canonical;
pub mod lexer;
mod line_index;
mod parser;
pub mod token;
mod unicode_tables;

pub use ast::File;
pub use line_index::{LineCol, LineIndex};
pub use parser::ParseOptions;

/// Parses one Go source file. Never panics, whatever the bytes.
pub fn parse_file(source: Vec<u8>) -> File {
    parse_file_with(source, ParseOptions::default())
}

/// Parses one Go source file with `options`. Never panics, whatever the bytes.
///
/// Offsets are `u32`, so a source of 4 GiB or more cannot be represented: the
/// result is then an empty [`File`] with a single error.
pub fn parse_file_with(source: Vec<u8>, options: ParseOptions) -> File {
    if source.len() >= u32::MAX as usize {
        return File {
            errors: vec![ast::SyntaxError {
                span: ast::Span::empty(0),
                message: format!(
                    "file too large: {} bytes (at most {} are supported)",
                    source.len(),
                    u32::MAX - 1
                ),
            }],
            source: ast::Source::from(source),
            ..File::default()
        };
    }
    let line_index = LineIndex::new(&source);
    let parsed = parser::Parser::new(&source, &line_index, options).parse_file();
    File {
        package_kw: parsed.package_kw,
        package_name: parsed.package_name,
        decls: parsed.decls,
        imports: parsed.imports,
        comments: parsed.comments,
        errors: parsed.errors,
        exprs: parsed.exprs,
        stmts: parsed.stmts,
        decl_nodes: parsed.decl_nodes,
        specs: parsed.specs,
        source: ast::Source::from(source),
        line_index,
    }
}
