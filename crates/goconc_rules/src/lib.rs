//! goconc's rules: one file per rule under `rules/`, each declared with
//! [`declare_rule!`] so that its documentation is its own doc comment
//! (*What it does / Why is this bad? / Example / Use instead*). `goconc rule
//! CODE` and `docs/rules/CODE.md` render that same text.
//!
//! Codes: `GC0xx` tool diagnostics (syntax errors), `GC1xx` goroutine leaks,
//! `GC2xx` deadlocks.

pub mod constflags;
pub mod driver;
pub mod lockstate;
pub mod registry;
pub mod rules;
pub mod suppress;
pub mod testing;

use goconc_semantic::ops::FuncId;
use goconc_semantic::program::{Function, PackageModel};
use goconc_semantic::Program;
use goconc_syntax::ast::Span;
use goconc_syntax::File;
use lockstate::LockFlow;
use rustc_hash::FxHashMap as HashMap;
use std::sync::OnceLock;

pub use registry::{all_rules, rule_by_code, RuleMeta, RuleSelection, UnknownSelector};

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

/// Index of a file in the checked package (`PackageModel::pkg.files`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileIdx(pub usize);

/// What a rule looks at: the whole-program semantic model and the package
/// (an index into [`Program::packages`]) whose findings it must report.
/// Rules may read any package's functions and summaries (callees live in
/// other packages) but report only in their own.
pub struct RuleContext<'a> {
    pub program: &'a Program,
    pub package: u32,
    /// Held-lock dataflow of every function of the package with lock
    /// effects, solved once and shared by the rules that need it.
    lock_flows: OnceLock<HashMap<FuncId, LockFlow<'a>>>,
    /// References of channel variables and fields in the package's source,
    /// found once and shared by the channel rules' escape checks.
    chan_mentions: OnceLock<crate::rules::unmatched_channel_op::ChanMentions>,
    /// Which of the package's local channels escape, shared by the leak rules.
    local_chan_escapes: OnceLock<crate::rules::unmatched_channel_op::Escapes>,
    /// Functions of the package with a WaitGroup or errgroup op.
    wait_group_users: OnceLock<Vec<&'a Function>>,
    /// Channel-field operations and makes of the package, shared by the
    /// field-channel checks of GC101 and GC207.
    field_chan_ops: OnceLock<crate::rules::abandoned_channel::FieldChanOps>,
    /// Functions of the package run as goroutines, with a spawn site each.
    goroutine_targets: OnceLock<HashMap<FuncId, (goconc_syntax::ast::Span, FuncId)>>,
    /// Channel fields made in composite literals, shared by the channel rules.
    literal_field_makes: OnceLock<
        Vec<(
            goconc_semantic::types::Type,
            goconc_semantic::types::Sym,
            Option<i64>,
        )>,
    >,
    /// For each function, the package's functions calling it directly, one
    /// entry per call op.
    package_callers: OnceLock<HashMap<FuncId, Vec<&'a Function>>>,
    /// Answers of `singletons::singleton_type`, by type name: each one
    /// scans every composite literal of the package.
    singleton_types: std::cell::RefCell<
        HashMap<(goconc_semantic::types::Sym, goconc_semantic::types::Sym), bool>,
    >,
    /// The package's functions that are not test drivers, in package order.
    production_functions: OnceLock<Vec<&'a Function>>,
    /// Method selectors of the package's source, by name, for GC102's
    /// uncalled test methods.
    method_selectors: OnceLock<crate::rules::unmatched_channel_op::MethodSelectors<'a>>,
    /// Per (package, file): the value of each local declared by a
    /// multi-value assignment (`ch, err := f()`), found on first use.
    multi_value_inits: std::cell::RefCell<
        HashMap<(u32, u32), std::rc::Rc<crate::rules::unmatched_channel_op::MultiValueInits>>,
    >,
}

impl<'a> RuleContext<'a> {
    pub fn new(program: &'a Program, package: u32) -> Self {
        RuleContext {
            program,
            package,
            lock_flows: OnceLock::new(),
            chan_mentions: OnceLock::new(),
            local_chan_escapes: OnceLock::new(),
            wait_group_users: OnceLock::new(),
            field_chan_ops: OnceLock::new(),
            goroutine_targets: OnceLock::new(),
            literal_field_makes: OnceLock::new(),
            package_callers: OnceLock::new(),
            singleton_types: Default::default(),
            production_functions: OnceLock::new(),
            method_selectors: OnceLock::new(),
            multi_value_inits: Default::default(),
        }
    }

    /// Every `T{field: make(chan ...)}` of the package: the literal's type,
    /// the field and the capacity.
    pub(crate) fn literal_field_makes(
        &self,
    ) -> &[(
        goconc_semantic::types::Type,
        goconc_semantic::types::Sym,
        Option<i64>,
    )] {
        self.literal_field_makes
            .get_or_init(|| crate::rules::unmatched_channel_op::scan_literal_field_makes(self))
    }

    /// The package's functions that are not test drivers (see
    /// [`Self::is_test_driver`]), in package order; found once.
    pub(crate) fn production_functions(&self) -> &[&'a Function] {
        self.production_functions.get_or_init(|| {
            self.functions()
                .filter(|f| !self.is_test_driver(f))
                .collect()
        })
    }

    /// Every method selector of the package's source, by name.
    pub(crate) fn method_selectors(
        &self,
    ) -> &crate::rules::unmatched_channel_op::MethodSelectors<'a> {
        self.method_selectors
            .get_or_init(|| crate::rules::unmatched_channel_op::MethodSelectors::scan(self.model()))
    }

    /// The locals of file `file` of package `pkg` declared by a
    /// multi-value assignment, with the assigned call.
    pub(crate) fn multi_value_inits(
        &self,
        pkg: u32,
        file: u32,
        compute: impl FnOnce() -> crate::rules::unmatched_channel_op::MultiValueInits,
    ) -> std::rc::Rc<crate::rules::unmatched_channel_op::MultiValueInits> {
        if let Some(known) = self.multi_value_inits.borrow().get(&(pkg, file)) {
            return known.clone();
        }
        let answer = std::rc::Rc::new(compute());
        self.multi_value_inits
            .borrow_mut()
            .insert((pkg, file), answer.clone());
        answer
    }

    /// The package's functions with a direct call of `func`, one entry per
    /// call op (functions in package order, ops in function order).
    pub(crate) fn package_callers(&self, func: FuncId) -> &[&'a Function] {
        self.package_callers
            .get_or_init(|| {
                let mut callers: HashMap<FuncId, Vec<&'a Function>> = HashMap::default();
                for caller in self.functions() {
                    for (_, op) in &caller.ops {
                        if let goconc_semantic::ops::OpKind::Call {
                            callee: goconc_semantic::ops::Callee::Func(c),
                            ..
                        } = &op.kind
                        {
                            callers.entry(*c).or_default().push(caller);
                        }
                    }
                }
                callers
            })
            .get(&func)
            .map_or(&[], Vec::as_slice)
    }

    /// The cached answer for the type `pkg.name`, or `compute()`'s.
    pub(crate) fn singleton_type(
        &self,
        pkg: &goconc_semantic::types::Sym,
        name: &goconc_semantic::types::Sym,
        compute: impl FnOnce() -> bool,
    ) -> bool {
        let key = (pkg.clone(), name.clone());
        if let Some(&known) = self.singleton_types.borrow().get(&key) {
            return known;
        }
        let answer = compute();
        self.singleton_types.borrow_mut().insert(key, answer);
        answer
    }

    /// Functions of the package run as goroutines (`go`, library and
    /// wrapper spawns), each with one spawn site and its function.
    pub(crate) fn goroutine_targets(&self) -> &HashMap<FuncId, (goconc_syntax::ast::Span, FuncId)> {
        self.goroutine_targets
            .get_or_init(|| crate::rules::unmatched_channel_op::compute_goroutine_targets(self))
    }

    /// Every op on a channel field in the package, by field, and the
    /// capacities of every `make` of each field.
    pub(crate) fn field_chan_ops(&self) -> &crate::rules::abandoned_channel::FieldChanOps {
        self.field_chan_ops
            .get_or_init(|| crate::rules::abandoned_channel::field_chan_ops(self))
    }

    /// The package's functions with a WaitGroup (or errgroup) operation.
    pub(crate) fn wait_group_users(&self) -> &[&'a Function] {
        self.wait_group_users.get_or_init(|| {
            self.functions()
                .filter(|f| {
                    f.ops.iter().any(|(_, op)| {
                        matches!(op.kind, goconc_semantic::ops::OpKind::WaitGroup { .. })
                    })
                })
                .collect()
        })
    }

    /// Every source reference of a channel variable or field in the package.
    pub(crate) fn chan_mentions(&self) -> &crate::rules::unmatched_channel_op::ChanMentions {
        self.chan_mentions
            .get_or_init(|| crate::rules::unmatched_channel_op::ChanMentions::scan(self))
    }

    /// Escape facts for every local channel the package creates.
    pub(crate) fn local_chan_escapes(&self) -> &crate::rules::unmatched_channel_op::Escapes {
        self.local_chan_escapes
            .get_or_init(|| crate::rules::unmatched_channel_op::Escapes::of_local_channels(self))
    }

    /// The solved held-lock dataflow of `func` (a function of this package),
    /// or `None` when it has no lock effects.
    pub fn lock_flow(&self, func: &Function) -> Option<&LockFlow<'a>> {
        self.lock_flows
            .get_or_init(|| {
                let caches = std::rc::Rc::new(crate::lockstate::LockCaches::default());
                self.functions()
                    .filter_map(|func| {
                        LockFlow::analyze_shared(self.program, func, caches.clone())
                            .map(|flow| (func.id, flow))
                    })
                    .collect()
            })
            .get(&func.id)
    }

    /// The function a closure of this package is declared in.
    pub fn parent(&self, func: &Function) -> Option<&'a Function> {
        let id = *self.model()?.funcs.get(func.def.parent? as usize)?;
        self.program.function(id)
    }

    /// Whether `func` is test-driving code: it is in a `_test.go` file and
    /// is not (a closure of) a method of a type declared for the test. Test
    /// functions, benchmarks, examples, helpers taking a `testing` handle and
    /// other plain functions drive goroutines and locks deliberately (lock in
    /// one order to set up, in another to assert) and are bounded by the test
    /// timeout. Methods of types declared in test files (fakes, servers,
    /// reproductions of a production type) are code like any other.
    pub fn is_test_driver(&self, func: &Function) -> bool {
        let Some(model) = self.model() else {
            return false;
        };
        let in_test_file = model
            .pkg
            .files
            .get(func.def.file as usize)
            .is_some_and(|src| crate::is_test_path(&src.path));
        if !in_test_file {
            return false;
        }
        let mut top = func;
        for _ in 0..64 {
            let Some(parent) = self.parent(top) else {
                break;
            };
            top = parent;
        }
        if top.def.recv.is_none() {
            return true;
        }
        let name = crate::lockstate::short_name(top);
        let test_entry = ["Test", "Benchmark", "Fuzz", "Example"]
            .iter()
            .any(|prefix| name.starts_with(prefix));
        let takes_testing = top.def.sig.params.iter().any(|t| {
            let t = t.strip_pointer();
            ["T", "B", "F", "TB"]
                .iter()
                .any(|name| t.is_named("testing", name))
        });
        test_entry || takes_testing
    }

    /// The package being checked.
    pub fn model(&self) -> Option<&'a PackageModel> {
        self.program.packages.get(self.package as usize)
    }

    /// The functions (declared and closures) of the package, in source order.
    pub fn functions(&self) -> impl Iterator<Item = &'a Function> + 'a {
        let program = self.program;
        self.model()
            .into_iter()
            .flat_map(|model| model.funcs.iter())
            .filter_map(move |&id| program.function(id))
    }

    /// The parsed file `file` of the package.
    pub fn file(&self, file: FileIdx) -> Option<&'a File> {
        self.model()?.pkg.files.get(file.0).map(|f| &*f.ast)
    }

    /// The `go` version of the package's module, e.g. `(1, 22)`.
    pub fn go_version(&self) -> (u32, u32) {
        self.model().map(|m| m.pkg.go_version).unwrap_or((1, 26))
    }
}

/// Whether `path` names a `_test.go` file. Compares the raw bytes: the
/// same answer as `path.to_string_lossy().ends_with("_test.go")` (a
/// replacement character is never ASCII) without validating the whole path
/// as UTF-8 on every call.
pub(crate) fn is_test_path(path: &std::path::Path) -> bool {
    path.as_os_str().as_encoded_bytes().ends_with(b"_test.go")
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

impl Finding {
    pub fn new(code: &'static str, file: FileIdx, span: Span, message: impl Into<String>) -> Self {
        Finding {
            code,
            file,
            span,
            message: message.into(),
            related: Vec::new(),
            suggestion: None,
        }
    }

    pub fn related(mut self, file: FileIdx, span: Span, message: impl Into<String>) -> Self {
        self.related.push(RelatedSpan {
            file,
            span,
            message: message.into(),
        });
        self
    }

    pub fn suggest(mut self, suggestion: impl Into<String>) -> Self {
        self.suggestion = Some(suggestion.into());
        self
    }
}

/// A rule: metadata plus a check over one package.
pub trait Rule: Send + Sync {
    fn meta(&self) -> &'static RuleMeta;
    fn check(&self, ctx: &RuleContext<'_>, findings: &mut Vec<Finding>);
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
