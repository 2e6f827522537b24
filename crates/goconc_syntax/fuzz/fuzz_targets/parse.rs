//! Fuzz target: `parse_file` must never panic, hang or overflow the stack,
//! and every node it produces must have a well-formed span inside the source.
#![no_main]

use goconc_syntax::ast::Span;
use goconc_syntax::{parse_file, parse_file_with, ParseOptions};
use libfuzzer_sys::fuzz_target;

fn check(span: Span, len: u32, what: &str) {
    assert!(span.start <= span.end, "{what} span {span:?} is reversed");
    assert!(
        span.end <= len,
        "{what} span {span:?} exceeds source length {len}"
    );
}

fuzz_target!(|data: &[u8]| {
    let file = parse_file(data.to_vec());
    let len = data.len() as u32;
    for e in &file.exprs {
        check(e.span, len, "expr");
    }
    for s in &file.stmts {
        check(s.span, len, "stmt");
    }
    for d in &file.decl_nodes {
        check(d.span, len, "decl");
    }
    for s in &file.specs {
        check(s.span, len, "spec");
    }
    for g in &file.comments {
        check(g.span, len, "comment group");
        for c in &g.comments {
            check(c.span, len, "comment");
        }
    }
    for e in &file.errors {
        check(e.span, len, "error");
    }
    // Declaration-only parsing must agree on the declarations' extents.
    let skipped = parse_file_with(
        data.to_vec(),
        ParseOptions {
            skip_func_bodies: true,
        },
    );
    for d in &skipped.decl_nodes {
        check(d.span, len, "decl (skip bodies)");
    }
});
