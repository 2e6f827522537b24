//! Parser tests: spans of tricky nodes, generics ambiguities, error recovery,
//! deep nesting, huge inputs and invalid encodings.

use goconc_syntax::ast::*;
use goconc_syntax::{parse_file, parse_file_with, ParseOptions};

fn parse_ok(src: &str) -> File {
    let file = parse_file(src.as_bytes().to_vec());
    assert!(file.errors.is_empty(), "{src}\nerrors: {:?}", file.errors);
    file
}

fn errors_of(src: &[u8]) -> Vec<String> {
    parse_file(src.to_vec())
        .errors
        .into_iter()
        .map(|e| e.message)
        .collect()
}

/// The span text of `span`.
fn text(file: &File, span: Span) -> &str {
    file.text(span)
}

fn func_body<'f>(file: &'f File, name: &str) -> &'f Block {
    for &d in &file.decls {
        if let DeclKind::Func {
            name: n,
            body: Some(b),
            ..
        } = &file.decl(d).kind
        {
            if file.name(*n) == name {
                return b;
            }
        }
    }
    panic!("no func {name}");
}

fn first_spec(file: &File, decl_index: usize) -> &Spec {
    match &file.decl(file.decls[decl_index]).kind {
        DeclKind::Gen { specs, .. } => file.spec(specs[0]),
        other => panic!("not a GenDecl: {other:?}"),
    }
}

#[test]
fn package_clause_and_imports() {
    let file = parse_ok("package main\n\nimport (\n\t\"fmt\"\n\tx \"os\"\n\t. \"io\"\n)\n");
    assert_eq!(file.package(), "main");
    assert_eq!(file.package_kw, Some(0));
    assert_eq!(file.imports.len(), 3);
    assert_eq!(file.import_path(file.imports[1]), Some("os"));
    let decl = file.decl(file.decls[0]);
    // GenDecl with parentheses ends after ')'.
    assert_eq!(
        text(&file, decl.span),
        "import (\n\t\"fmt\"\n\tx \"os\"\n\t. \"io\"\n)"
    );
    match &file.spec(file.imports[2]).kind {
        SpecKind::Import { name: Some(n), .. } => assert_eq!(file.name(*n), "."),
        other => panic!("{other:?}"),
    }
}

#[test]
fn statement_spans_follow_go_ast() {
    let src = "package p\nfunc f() {\n\tif a { b() } else { c() }\n\tswitch x {\n\tcase 1:\n\t\ty()\n\tcase 2:\n\tdefault:\n\t}\n\treturn\n\tL: for {}\n\tx++\n}\n";
    let file = parse_ok(src);
    let body = func_body(&file, "f");
    let texts: Vec<&str> = body
        .stmts
        .iter()
        .map(|&s| text(&file, file.stmt(s).span))
        .collect();
    assert_eq!(
        texts,
        vec![
            "if a { b() } else { c() }",
            "switch x {\n\tcase 1:\n\t\ty()\n\tcase 2:\n\tdefault:\n\t}",
            "return",
            "L: for {}",
            "x++",
        ]
    );
    // Case clauses end at their last statement, or just after the colon.
    let StmtKind::Switch { body: sw, .. } = &file.stmt(body.stmts[1]).kind else {
        panic!()
    };
    let clauses: Vec<&str> = sw
        .stmts
        .iter()
        .map(|&s| text(&file, file.stmt(s).span))
        .collect();
    assert_eq!(clauses, vec!["case 1:\n\t\ty()", "case 2:", "default:"]);
}

#[test]
fn implicit_empty_statement_has_empty_span() {
    let file = parse_ok("package p\nfunc f() { L: }\n");
    let body = func_body(&file, "f");
    let StmtKind::Labeled { stmt, .. } = file.stmt(body.stmts[0]).kind else {
        panic!()
    };
    let empty = file.stmt(stmt);
    assert_eq!(empty.kind, StmtKind::Empty { implicit: true });
    assert!(empty.span.is_empty());
    assert_eq!(empty.span.start, "package p\nfunc f() { L: ".len() as u32);
}

#[test]
fn func_type_and_decl_spans() {
    let file = parse_ok("package p\nfunc (r *T) M(a, b int) (x int, err error)\nfunc g() {}\n");
    let d = file.decl(file.decls[0]);
    assert_eq!(
        text(&file, d.span),
        "func (r *T) M(a, b int) (x int, err error)"
    );
    let DeclKind::Func { recv, ty, .. } = &d.kind else {
        panic!()
    };
    assert_eq!(recv.as_ref().map(|r| r.num_fields()), Some(1));
    assert_eq!(ty.params.fields.len(), 1, "a, b share one field");
    assert_eq!(ty.params.num_fields(), 2);
    assert_eq!(text(&file, ty.params.fields[0].span), "a, b int");
    assert_eq!(ty.results.as_ref().map(|r| r.fields.len()), Some(2));
    // An interface method's FuncType starts at its parameters.
    let file = parse_ok("package p\ntype I interface{ M(int) string }\n");
    let SpecKind::Type { ty, .. } = first_spec(&file, 0).kind else {
        panic!()
    };
    let ExprKind::InterfaceType { methods } = &file.expr(ty).kind else {
        panic!()
    };
    let method = &methods.fields[0];
    assert_eq!(text(&file, method.span), "M(int) string");
    let mty = file.expr(method.ty.unwrap());
    assert_eq!(text(&file, mty.span), "(int) string");
}

#[test]
fn generic_type_parameters_vs_array_lengths() {
    // (source, is a type parameter list)
    let cases = [
        ("type T[P any] struct{}", true),
        ("type T[P *C] struct{}", false), // an array length P*C, as in go/parser
        ("type T[P *C,] struct{}", true),
        ("type T[P *[]int] struct{}", true),
        ("type T[P (C)] struct{}", false),
        ("type T[P (C),] struct{}", true),
        ("type T[P ([]C)] struct{}", true),
        ("type T[P ~int | string] struct{}", true),
        ("type T[P interface{}] struct{}", true),
        ("type T[P1, P2 any, Q comparable] struct{}", true),
        ("type T[N] int", false),
        ("type T[N * M] int", false),
        ("type T[N(M)] int", false),
        ("type T[2] int", false),
        ("type T[N+1] int", false),
        ("type T [N]int", false),
        ("type T []int", false),
        ("type T[...]int", false),
    ];
    for (decl, generic) in cases {
        let src = format!("package p\n{decl}\n");
        let file = parse_file(src.clone().into_bytes());
        if decl.contains("...") {
            // go/parser accepts `[...]T` syntactically in a type spec.
            assert!(file.errors.is_empty(), "{decl}: {:?}", file.errors);
        } else {
            assert!(file.errors.is_empty(), "{decl}: {:?}", file.errors);
        }
        let SpecKind::Type {
            type_params, ty, ..
        } = &first_spec(&file, 0).kind
        else {
            panic!()
        };
        assert_eq!(type_params.is_some(), generic, "{decl}");
        if !generic {
            assert!(
                matches!(file.expr(*ty).kind, ExprKind::ArrayType { .. }),
                "{decl}"
            );
        }
    }
}

#[test]
fn generic_functions_and_instantiation() {
    let file = parse_ok(
        "package p\nfunc Map[S ~[]E, E, R any](s S, f func(E) R) []R { return nil }\nvar _ = Map[[]int, int, string]\nvar _ = F[int]\nvar m = Pair[int, string]{1, \"a\"}\ntype L[T any] = []T\n",
    );
    let DeclKind::Func { ty, .. } = &file.decl(file.decls[0]).kind else {
        panic!()
    };
    let tp = ty.type_params.as_ref().expect("type params");
    assert_eq!(tp.num_fields(), 3);
    let value = |i: usize| match &first_spec(&file, i).kind {
        SpecKind::Value { values, .. } => file.expr(values[0]),
        other => panic!("{other:?}"),
    };
    assert!(matches!(value(1).kind, ExprKind::IndexList { ref indices, .. } if indices.len() == 3));
    assert!(matches!(value(2).kind, ExprKind::Index { .. }));
    assert!(matches!(value(3).kind, ExprKind::CompositeLit { .. }));
    assert!(matches!(
        first_spec(&file, 4).kind,
        SpecKind::Type {
            assign: Some(_),
            type_params: Some(_),
            ..
        }
    ));
}

#[test]
fn composite_literals_in_control_clauses() {
    // In a control clause `T{` starts the block unless parenthesized.
    parse_ok("package p\nfunc f() {\n\tif x == (T{}) {}\n\tfor _, v := range []int{1, 2} { _ = v }\n\tswitch (struct{}{}) {}\n}\n");
    let errs = errors_of(b"package p\nfunc f() {\n\tif x == T{} {}\n}\n");
    assert!(!errs.is_empty());
}

#[test]
fn range_forms_and_channel_types() {
    let file = parse_ok(
        "package p\nfunc f() {\n\tfor range 10 {}\n\tfor i := range n {}\n\tfor k, v = range m {}\n\tvar c <-chan <-chan int\n\tx := <-c\n\t_ = x\n}\n",
    );
    let body = func_body(&file, "f");
    assert!(matches!(
        file.stmt(body.stmts[0]).kind,
        StmtKind::Range {
            key: None,
            op: None,
            ..
        }
    ));
    assert!(matches!(
        file.stmt(body.stmts[1]).kind,
        StmtKind::Range {
            key: Some(_),
            value: None,
            op: Some(AssignOp::Define),
            ..
        }
    ));
    assert!(matches!(
        file.stmt(body.stmts[2]).kind,
        StmtKind::Range {
            value: Some(_),
            op: Some(AssignOp::Assign),
            ..
        }
    ));
    // `<-chan <-chan int`: both are receive-only channel types.
    let StmtKind::Decl(d) = file.stmt(body.stmts[3]).kind else {
        panic!()
    };
    let DeclKind::Gen { specs, .. } = &file.decl(d).kind else {
        panic!()
    };
    let SpecKind::Value { ty: Some(ty), .. } = &file.spec(specs[0]).kind else {
        panic!()
    };
    let outer = file.expr(*ty);
    assert_eq!(text(&file, outer.span), "<-chan <-chan int");
    let ExprKind::ChanType {
        dir: ChanDir::Recv,
        value,
        ..
    } = outer.kind
    else {
        panic!("{:?}", outer.kind)
    };
    assert!(matches!(
        file.expr(value).kind,
        ExprKind::ChanType {
            dir: ChanDir::Recv,
            ..
        }
    ));
    // `<-chan<- chan int` re-associates to `<-chan (<-chan int)`... of which the
    // inner one starts at the second arrow.
    let file = parse_ok("package p\nvar c = (<-chan<- chan int)(nil)\n");
    assert!(file
        .exprs
        .iter()
        .any(|e| text(&file, e.span) == "<- chan int"
            && matches!(
                e.kind,
                ExprKind::ChanType {
                    dir: ChanDir::Recv,
                    ..
                }
            )));
}

#[test]
fn select_goto_labels_and_method_expressions() {
    parse_ok(
        "package p\nfunc f() {\nL:\n\tselect {\n\tcase v, ok := <-c:\n\t\t_, _ = v, ok\n\tcase c <- 1:\n\tcase <-c:\n\tdefault:\n\t\tgoto L\n\t}\n\tg := (*T).M\n\th := T.M\n\t_, _ = g, h\n\tbreak L\n}\n",
    );
}

#[test]
fn comment_groups_follow_go_parser() {
    let src = "// a\n// b\n\n// c\npackage p // d\n/* e */ // f\n\n// g\nvar x int\n";
    let file = parse_ok(src);
    let groups: Vec<Vec<&str>> = file
        .comments
        .iter()
        .map(|g| g.comments.iter().map(|c| text(&file, c.span)).collect())
        .collect();
    assert_eq!(
        groups,
        vec![
            vec!["// a", "// b"],
            vec!["// c"],
            // A line comment group stops at the end of its line.
            vec!["// d"],
            vec!["/* e */", "// f"],
            vec!["// g"],
        ]
    );
}

#[test]
fn error_recovery_keeps_later_declarations() {
    let src = b"package p\nvar v = )\ntype T struct{}\nfunc h() {}\nfunc g() { if }\nfunc k() {}\n";
    let file = parse_file(src.to_vec());
    assert!(!file.errors.is_empty());
    let names: Vec<&str> = file
        .decls
        .iter()
        .filter_map(|&d| match &file.decl(d).kind {
            DeclKind::Func { name, .. } => Some(file.name(*name)),
            DeclKind::Gen { specs, .. } => specs.first().and_then(|&s| match &file.spec(s).kind {
                SpecKind::Type { name, .. } => Some(file.name(*name)),
                _ => None,
            }),
            DeclKind::Bad => None,
        })
        .collect();
    assert!(names.contains(&"T"), "{names:?}");
    assert!(names.contains(&"h"), "{names:?}");
    for e in &file.errors {
        assert!(e.span.start <= e.span.end && e.span.end as usize <= src.len());
    }
}

#[test]
fn rejects_what_go_parser_rejects() {
    for src in [
        "package p\nfunc f() { x := 1 +; }\n",
        "package p\nfunc f() { if x { } else y }\n",
        "package p\nfunc f() { for a, b, c := range x {} }\n",
        "package p\nfunc f() { go f }\n",
        "package p\nfunc f() { defer (f()) }\n",
        "package p\nfunc f() { s[1:2:] }\n",
        "package p\nfunc f() { a, b }\n",
        "package p\nfunc f() { x = y = z }\n",
        "package p\nfunc f() { switch x := y.(type); z = w.(type) {} }\n",
        "package p\ntype T[P] int\nfunc (T[P]) m[Q any]() {}\n",
        "package p\nfunc f(a ...int, b int)\n",
        "package p\ntype I interface{ m[T any]() }\n",
        "package p\nimport \"a\"\nvar x int\nimport \"b\"\n",
        "package p\nfunc f()\n{\n}\n",
        "package p\nvar x = [...]int\n;",
        "package p\nfunc f() { L: }\nfunc g() { 1: }\n",
        "package\n",
        "",
        "package p; var s = \"abc",
        "package p\nvar c = 'ab'\n",
        "package p\nvar x = 0x\n",
        "package p\nvar x = 1__0\n",
        "package p\n/* unterminated",
    ] {
        assert!(!errors_of(src.as_bytes()).is_empty(), "accepted {src:?}");
    }
}

#[test]
fn go_parser_messages() {
    let errs = errors_of(b"package p\nfunc f() {\n\tx :=\n}\n");
    assert_eq!(errs[0], "expected operand, found '}'");
    let errs = errors_of(b"package p\nvar x = f(a\n\tb)\n");
    assert_eq!(errs[0], "missing ',' before newline in argument list");
    let errs = errors_of(b"package p\nfunc f() { if x {} else y }\n");
    assert_eq!(errs[0], "expected if statement or block, found y");
}

#[test]
fn invalid_encodings() {
    // A BOM is skipped at offset 0 only.
    let mut src = "\u{FEFF}package p\n".as_bytes().to_vec();
    assert!(parse_file(src.clone()).errors.is_empty());
    src.extend_from_slice("var x = 1\u{FEFF}\n".as_bytes());
    assert!(errors_of(&src)
        .iter()
        .any(|e| e == "illegal byte order mark"));
    assert!(errors_of(b"package p\nvar s = \"a\x00b\"\n")
        .iter()
        .any(|e| e == "illegal character NUL"));
    assert!(errors_of(b"package p\n// \xff\xfe\n")
        .iter()
        .any(|e| e == "illegal UTF-8 encoding"));
    assert!(!errors_of(b"package p\nvar x\xc0 int\n").is_empty());
    assert!(!errors_of(b"\xff\xfep\x00a\x00").is_empty());
}

fn nested(depth: usize, open: &str, mid: &str, close: &str) -> String {
    let mut s = String::with_capacity(depth * (open.len() + close.len()) + 64);
    s.push_str("package p\nfunc f() {\n\t_ = ");
    for _ in 0..depth {
        s.push_str(open);
    }
    s.push_str(mid);
    for _ in 0..depth {
        s.push_str(close);
    }
    s.push_str("\n}\n");
    s
}

#[test]
fn ten_thousand_levels_parse() {
    let depth = 10_000;
    let cases = [
        nested(depth, "(", "1", ")"),
        nested(depth, "[]", "int{}", ""),
        nested(depth, "- ", "1", ""),
        nested(depth, "!", "x", ""),
        nested(depth, "*", "p", ""),
        nested(depth, "func() int { return ", "1", " }()"),
        nested(depth, "T{", "", "}"),
        nested(depth, "a[", "0", "]"),
        format!(
            "package p\nfunc f() {{\n{}\n{}\n}}\n",
            "{".repeat(depth),
            "}".repeat(depth)
        ),
        format!(
            "package p\nfunc f() {{\n if x {{}}{}\n}}\n",
            " else if x {}".repeat(depth)
        ),
        format!("package p\nvar x {}int\n", "chan ".repeat(depth)),
        format!(
            "package p\ntype T {}int{}\n",
            "struct{ f ".repeat(depth),
            "}".repeat(depth)
        ),
    ];
    for src in cases {
        let file = parse_file(src.clone().into_bytes());
        assert!(
            file.errors.is_empty(),
            "{}...: {:?}",
            &src[..60.min(src.len())],
            &file.errors[..1]
        );
    }
}

#[test]
fn excessive_nesting_is_an_error_not_a_crash() {
    let depth = 200_000;
    for src in [
        nested(depth, "(", "1", ")"),
        nested(depth, "[]", "int{}", ""),
        format!(
            "package p\nfunc f() {{\n{}\n{}\n}}\n",
            "{".repeat(depth),
            "}".repeat(depth)
        ),
        format!("package p\nvar x = 1{}\n", "+1".repeat(depth)),
    ] {
        let errs = errors_of(src.as_bytes());
        assert!(
            errs.iter().any(|e| e == "exceeded max nesting depth"),
            "{errs:?}"
        );
    }
}

#[test]
fn fifty_megabyte_file_parses() {
    let unit = "func f%(a, b int) (int, error) {\n\tfor i := range a {\n\t\tif i%2 == 0 {\n\t\t\tb += i * a\n\t\t}\n\t}\n\treturn b, nil\n}\n\n";
    let mut src = String::with_capacity(52 << 20);
    src.push_str("package p\n\n");
    let mut i = 0;
    while src.len() < 50 << 20 {
        src.push_str(&unit.replacen('%', &i.to_string(), 1));
        i += 1;
    }
    let len = src.len();
    let file = parse_file(src.into_bytes());
    assert!(file.errors.is_empty(), "{:?}", &file.errors[..1]);
    assert_eq!(file.decls.len(), i);
    assert_eq!(
        file.decl(*file.decls.last().unwrap()).span.end as usize,
        len - 2
    );
}

#[test]
fn skip_func_bodies_keeps_declarations_and_body_spans() {
    let src = "package p\nimport \"fmt\"\nfunc f() {\n\tif x { fmt.Println(\"}\") }\n\t{ }\n}\ntype T struct{ a int }\nfunc (T) M() int { return 1 }\nvar v = func() int { return 2 }()\n";
    let full = parse_ok(src);
    let skipped = parse_file_with(
        src.as_bytes().to_vec(),
        ParseOptions {
            skip_func_bodies: true,
        },
    );
    assert!(skipped.errors.is_empty());
    assert_eq!(full.decls.len(), skipped.decls.len());
    for (&a, &b) in full.decls.iter().zip(&skipped.decls) {
        assert_eq!(full.decl(a).span, skipped.decl(b).span);
        if let DeclKind::Func {
            body: Some(body), ..
        } = &skipped.decl(b).kind
        {
            assert!(body.stmts.is_empty());
        }
    }
}

#[test]
fn every_span_lies_in_the_source() {
    let src =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/src/lib.rs")).expect("read own source");
    // Rust source is not Go: lots of errors, but spans must stay sane.
    let file = parse_file(src.clone());
    let len = src.len() as u32;
    for span in file
        .exprs
        .iter()
        .map(|e| e.span)
        .chain(file.stmts.iter().map(|s| s.span))
        .chain(file.decl_nodes.iter().map(|d| d.span))
        .chain(file.errors.iter().map(|e| e.span))
    {
        assert!(span.start <= span.end && span.end <= len, "{span:?}");
    }
}
