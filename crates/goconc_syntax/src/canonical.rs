//! Canonical text form of the AST, compared against tools/astdump (go/parser).
