//! Inputs that once crashed or hung the parser (mostly found by fuzzing,
//! see `fuzz/`): each file in `tests/regressions/` must parse without
//! panicking and with every span inside the source.

use goconc_syntax::{parse_file, parse_file_with, ParseOptions};

#[test]
fn regression_inputs_parse() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/regressions");
    let mut count = 0;
    for entry in std::fs::read_dir(dir).expect("tests/regressions exists") {
        let path = entry.expect("dir entry").path();
        if !path.is_file() {
            continue;
        }
        let source = std::fs::read(&path).expect("read regression input");
        let len = source.len() as u32;
        for file in [
            parse_file(source.clone()),
            parse_file_with(
                source.clone(),
                ParseOptions {
                    skip_func_bodies: true,
                },
            ),
        ] {
            let spans = file
                .exprs
                .iter()
                .map(|e| e.span)
                .chain(file.stmts.iter().map(|s| s.span))
                .chain(file.decl_nodes.iter().map(|d| d.span))
                .chain(file.specs.iter().map(|s| s.span))
                .chain(file.comments.iter().map(|c| c.span))
                .chain(file.errors.iter().map(|e| e.span));
            for span in spans {
                assert!(
                    span.start <= span.end && span.end <= len,
                    "{}: bad span {span:?}",
                    path.display()
                );
            }
        }
        count += 1;
    }
    assert!(count > 0, "no regression inputs in {dir}");
}
