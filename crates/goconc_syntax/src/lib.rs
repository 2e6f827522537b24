//! Go lexer, parser and typed AST for goconc.
//!
//! Entry point: [`parse_file`]. It never fails and never panics: syntax errors
//! are collected in [`ast::File::errors`] and parsing resumes at the next
//! statement or declaration.

pub mod ast;
pub mod canonical;
mod line_index;

pub use ast::File;
pub use line_index::{LineCol, LineIndex};

/// Parses one Go source file. Never panics, whatever the bytes.
pub fn parse_file(source: Vec<u8>) -> File {
    let line_index = LineIndex::new(&source);
    // Replaced by the real parser (see parser.rs once it lands).
    File {
        source: source.into_boxed_slice(),
        line_index,
        ..File::default()
    }
}
