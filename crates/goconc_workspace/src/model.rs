//! The data model returned by [`crate::load`].

use std::fmt;
use std::path::{Path, PathBuf};

use crate::context::BuildContext;
use crate::modfile::{GoMod, GoWork, Replace, ReplaceTarget};
use crate::version::GoVersion;

/// A loaded set of packages plus everything learned on the way.
#[derive(Debug, Clone)]
pub struct Workspace {
    /// Absolute directory the arguments were resolved against.
    pub base_dir: PathBuf,
    pub context: BuildContext,
    /// The active go.work file, if any.
    pub go_work: Option<GoWorkFile>,
    /// Every module a package belongs to, plus the go.work `use` modules; sorted
    /// by root directory. [`Package::module`] indexes this list.
    pub modules: Vec<Module>,
    /// Sorted by (directory, kind, name).
    pub packages: Vec<Package>,
    /// Files left out (build constraints, names, ...), sorted by path.
    pub excluded: Vec<ExcludedFile>,
    /// Per-path problems; loading continued past each. Sorted by path.
    pub errors: Vec<PathError>,
    /// Roots of nested modules that `...` patterns did not descend into.
    pub skipped_modules: Vec<PathBuf>,
    /// Symbolic links to directories met during `...` walks (not followed).
    pub ignored_dir_symlinks: Vec<PathBuf>,
    /// Arguments (in command-line order; `./...` when none were given) that
    /// selected no Go file — go's "matched no packages" warning.
    pub unmatched_arguments: Vec<String>,
}

impl Workspace {
    /// All selected Go files (packages' files), sorted and deduplicated.
    pub fn files(&self) -> Vec<&Path> {
        let mut files: Vec<&Path> = self
            .packages
            .iter()
            .flat_map(|p| p.files.iter().map(|f| f.path.as_path()))
            .collect();
        files.sort();
        files.dedup();
        files
    }

    /// The module a package belongs to.
    pub fn module_of(&self, package: &Package) -> Option<&Module> {
        package.module.and_then(|i| self.modules.get(i))
    }

    /// Best-effort mapping of an import path to a local directory: first the
    /// go.work `replace` directives with directory targets, then those of the
    /// loaded modules' go.mod files, then the loaded modules themselves (longest
    /// module path wins; module `std` serves dot-free paths like `sync`).
    /// Returns `None` for anything not on disk here (e.g. the module cache is not
    /// consulted).
    pub fn resolve_import(&self, import_path: &str) -> Option<PathBuf> {
        let existing = |dir: PathBuf| dir.is_dir().then_some(dir);
        if let Some(work) = &self.go_work {
            let base = work.path.parent().unwrap_or(Path::new(""));
            if let Some(dir) = resolve_replace(&work.parsed.replace, base, import_path) {
                return existing(dir);
            }
        }
        for module in &self.modules {
            if let Some(go_mod) = &module.go_mod {
                if let Some(dir) = resolve_replace(&go_mod.replace, &module.root, import_path) {
                    return existing(dir);
                }
            }
        }
        let mut best: Option<(&Module, &str)> = None;
        for module in &self.modules {
            let rest = if module.path == "std" {
                let first = import_path.split('/').next().unwrap_or("");
                (!first.contains('.')).then_some(import_path)
            } else {
                strip_module_prefix(import_path, &module.path)
            };
            if let Some(rest) = rest {
                let longer = match best {
                    Some((b, _)) => module.path.len() > b.path.len(),
                    None => true,
                };
                if longer {
                    best = Some((module, rest));
                }
            }
        }
        let (module, rest) = best?;
        existing(if rest.is_empty() {
            module.root.clone()
        } else {
            module.root.join(rest)
        })
    }
}

/// `import_path` relative to `module_path`: `Some("")` for the module itself,
/// `Some("a/b")` for a package inside, `None` otherwise.
fn strip_module_prefix<'a>(import_path: &'a str, module_path: &str) -> Option<&'a str> {
    if module_path.is_empty() {
        return None;
    }
    let rest = import_path.strip_prefix(module_path)?;
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix('/')
    }
}

fn resolve_replace(replaces: &[Replace], base: &Path, import_path: &str) -> Option<PathBuf> {
    // The longest replaced module path wins.
    replaces
        .iter()
        .filter_map(|r| match &r.new {
            ReplaceTarget::LocalDir(dir) => {
                strip_module_prefix(import_path, &r.old_path).map(|rest| (r, dir, rest))
            }
            ReplaceTarget::Module { .. } => None,
        })
        .max_by_key(|(r, _, _)| r.old_path.len())
        .map(|(_, dir, rest)| {
            let root = crate::load::clean(&base.join(dir));
            if rest.is_empty() {
                root
            } else {
                root.join(rest)
            }
        })
}

/// The go.work file in effect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GoWorkFile {
    pub path: PathBuf,
    pub parsed: GoWork,
}

/// A Go module (a directory with a go.mod file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Module {
    /// Directory holding go.mod.
    pub root: PathBuf,
    /// Module path; empty when go.mod could not be parsed or has no `module` line.
    pub path: String,
    /// Language version from the `go` directive (1.16 if absent, [`GoVersion::CURRENT`]
    /// if go.mod is unreadable).
    pub go_version: GoVersion,
    /// The parsed go.mod; `None` if it could not be read or parsed (see
    /// [`Workspace::errors`]).
    pub go_mod: Option<GoMod>,
    /// Listed in the active go.work.
    pub in_go_work: bool,
}

/// Whether a package is a regular package (with its in-package tests) or the
/// external test package `name_test` of a directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PackageKind {
    Regular,
    ExternalTest,
}

/// Go files of one directory sharing a package clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub dir: PathBuf,
    /// Module path + directory relative to the module root (`std` packages have no
    /// prefix, as in the go command); `_test` appended for external tests. Outside
    /// any module: the directory relative to [`Workspace::base_dir`] (`.` for the
    /// base itself), or the absolute path when not below it.
    pub import_path: String,
    /// Package clause name (`foo_test` for external tests).
    pub name: String,
    pub kind: PackageKind,
    /// Sorted by file name. A regular package holds both its non-test files and
    /// its in-package `_test.go` files ([`SourceFile::is_test`]).
    pub files: Vec<SourceFile>,
    /// Index into [`Workspace::modules`].
    pub module: Option<usize>,
    /// Language version the package is compiled with.
    pub go_version: GoVersion,
}

impl Package {
    /// Non-test files (go list's GoFiles + CgoFiles).
    pub fn go_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| !f.is_test)
    }

    /// `_test.go` files.
    pub fn test_files(&self) -> impl Iterator<Item = &SourceFile> {
        self.files.iter().filter(|f| f.is_test)
    }
}

/// One selected Go file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: PathBuf,
    /// Name ends in `_test.go`.
    pub is_test: bool,
    /// Import paths from the header, in order.
    pub imports: Vec<String>,
    /// Imports "C".
    pub uses_cgo: bool,
    /// Named on the command line: build constraints and name rules were not applied.
    pub explicit: bool,
    /// Language version this file is type-checked with, following go/types: the
    /// package's version, unless the file's `//go:build` line requires a Go
    /// version N, in which case max(N, 1.21). So a `//go:build go1.22` file in a
    /// `go 1.21` module has per-iteration loop variables, and a `//go:build go1.21`
    /// file in a `go 1.22` module does not.
    pub go_version: GoVersion,
    /// Size in bytes when read.
    pub size: u64,
}

/// A Go file that was left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExcludedFile {
    pub path: PathBuf,
    pub reason: ExclusionReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExclusionReason {
    /// Name starts with `_` or `.` (ignored by the go tool).
    IgnoredName,
    /// `_GOOS`/`_GOARCH` file-name suffix for another target.
    FileName { suffix: String },
    /// Unsatisfied `//go:build` or `// +build` line.
    BuildConstraint { constraint: String },
    /// `package documentation` (ignored by go/build).
    Documentation,
    /// Imports "C" while cgo is disabled.
    CgoDisabled,
}

impl fmt::Display for ExclusionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExclusionReason::IgnoredName => f.write_str("file name starts with '_' or '.'"),
            ExclusionReason::FileName { suffix } => {
                write!(f, "file name suffix _{suffix} does not match target")
            }
            ExclusionReason::BuildConstraint { constraint } => {
                write!(f, "build constraint not satisfied: {constraint}")
            }
            ExclusionReason::Documentation => f.write_str("package documentation"),
            ExclusionReason::CgoDisabled => f.write_str("imports \"C\" but cgo is disabled"),
        }
    }
}

/// A problem with one path; the rest of the tree was still loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind}", path.display())]
pub struct PathError {
    pub path: PathBuf,
    pub kind: PathErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathErrorKind {
    /// Reading a directory or file failed (permissions, vanished, dangling link).
    #[error("{0}")]
    Io(String),
    #[error("file too large ({size} bytes, limit {limit})")]
    FileTooLarge { size: u64, limit: u64 },
    #[error("not a regular file")]
    NotRegularFile,
    /// The package clause could not be read.
    #[error("cannot read package clause: {0}")]
    BadHeader(String),
    /// Malformed `//go:build` line (the file is left out, as go/build does).
    #[error("invalid build constraint: {0}")]
    BadConstraint(String),
    #[error("invalid go.mod: {0}")]
    BadGoMod(String),
    #[error("invalid go.work: {0}")]
    BadGoWork(String),
    /// A go.work `use` directory without go.mod.
    #[error("go.work uses a directory without go.mod")]
    MissingGoMod,
    /// Files of one directory declare different packages; each name became its own
    /// [`Package`].
    #[error("found packages {} in one directory", names.join(", "))]
    MultiplePackages { names: Vec<String> },
}
