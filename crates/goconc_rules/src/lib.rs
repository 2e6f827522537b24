//! goconc's rules: one file per rule under `rules/`, each declared with
//! [`declare_rule!`] so that its documentation is its own doc comment
//! (*What it does / Why is this bad? / Example / Use instead*). `goconc rule
//! CODE` and `docs/rules/CODE.md` render that same text.
//!
//! Codes: `GC0xx` tool diagnostics (syntax errors), `GC1xx` goroutine leaks,
//! `GC2xx` deadlocks.

pub mod registry;
pub mod rules;
pub mod testing;

use goconc_syntax::ast::Span;
use goconc_syntax::File;
use std::path::PathBuf;
use std::sync::Arc;

pub use registry::{all_rules, rule_by_code, RuleMeta};

/// What a rule is about; used for grouping in `goconc rules` and the docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Problems with the input itself (syntax errors).
    Syntax,
    /// Goroutines that can block forever and never exit.
    GoroutineLeak,
    /// Goroutines that wait on each other (locks, channels, WaitGroups).
    Deadlock,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::GoroutineLeak => "goroutine-leak",
            Category::Deadlock => "deadlock",
        }
    }
}

/// One parsed file of the package being checked.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Path as it should appear in reports (relative to the working directory).
    pub path: PathBuf,
    pub file: Arc<File>,
}

/// Index of a file in [`PackageView::files`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileIdx(pub usize);

/// The package a rule looks at.
#[derive(Clone, Debug)]
pub struct PackageView {
    pub import_path: String,
    pub files: Vec<SourceFile>,
    /// The module's `go` version (major, minor), e.g. (1, 22).
    pub go_version: (u32, u32),
}

/// A secondary location of a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelatedSpan {
    pub file: FileIdx,
    pub span: Span,
    pub message: String,
}

/// A finding produced by a rule, positioned by byte spans; the CLI maps it to
/// lines and columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub code: &'static str,
    pub file: FileIdx,
    pub span: Span,
    pub message: String,
    pub related: Vec<RelatedSpan>,
    /// A one-line description of the suggested fix, shown under the finding.
    pub suggestion: Option<String>,
}

/// A rule: metadata plus a check over one package.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, package: &PackageView, findings: &mut Vec<Finding>);
}

/// Declares a rule type whose doc comment becomes its documentation.
///
/// ```ignore
/// declare_rule! {
///     /// ## What it does
///     /// ...
///     pub struct DoubleLock {
///         code: "GC201",
///         name: "double-lock",
///         category: Deadlock,
///         default: true,
///         fixable: false,
///         summary: "Mutex locked again while already held",
///     }
/// }
/// ```
#[macro_export]
macro_rules! declare_rule {
    (
        $(#[doc = $doc:literal])*
        pub struct $name:ident {
            code: $code:literal,
            name: $rule_name:literal,
            category: $category:ident,
            default: $default:literal,
            fixable: $fixable:literal,
            summary: $summary:literal $(,)?
        }
    ) => {
        $(#[doc = $doc])*
        #[derive(Debug, Default, Clone, Copy)]
        pub struct $name;

        impl $name {
            pub const META: $crate::RuleMeta = $crate::RuleMeta {
                code: $code,
                name: $rule_name,
                category: $crate::Category::$category,
                default: $default,
                fixable: $fixable,
                summary: $summary,
                doc: concat!($($doc, "\n"),*),
            };
        }
    };
}
