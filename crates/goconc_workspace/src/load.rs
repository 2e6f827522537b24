//! Argument expansion, directory walking, file selection and package grouping.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

use rayon::prelude::*;
use thiserror::Error;

use crate::context::BuildContext;
use crate::header::{self, HeaderError};
use crate::model::{
    ExcludedFile, ExclusionReason, GoWorkFile, Module, Package, PackageKind, PathError,
    PathErrorKind, SourceFile, Workspace,
};
use crate::modfile;
use crate::version::GoVersion;

/// Default [`LoadOptions::max_file_size`]: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

/// How to find go.work.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GoWorkMode {
    /// Search the base directory and its parents (the go command with GOWORK unset).
    #[default]
    Auto,
    /// Ignore go.work files (GOWORK=off).
    Off,
    /// Use this file (GOWORK=/path/go.work).
    File(PathBuf),
}

/// Settings for [`load`].
#[derive(Debug, Clone)]
pub struct LoadOptions {
    pub context: BuildContext,
    /// Files larger than this are reported as [`PathErrorKind::FileTooLarge`].
    pub max_file_size: u64,
    /// Descend into nested modules even when the walk starts inside a module.
    pub include_nested_modules: bool,
    pub go_work: GoWorkMode,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            context: BuildContext::default(),
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            include_nested_modules: false,
            go_work: GoWorkMode::Auto,
        }
    }
}

impl LoadOptions {
    /// Applies go-command environment variables, read through `lookup` (pass
    /// `|k| std::env::var(k).ok()` for the real environment): `GOOS`, `GOARCH`
    /// (a new target recomputes the default tool tags and cgo setting),
    /// `CGO_ENABLED` (`0`/`1`) and `GOWORK` (`off`, or a go.work path). Empty
    /// values are ignored, as in the go command.
    pub fn with_go_env(mut self, lookup: impl Fn(&str) -> Option<String>) -> LoadOptions {
        let get = |key: &str| lookup(key).filter(|v| !v.is_empty());
        let goos = get("GOOS");
        let goarch = get("GOARCH");
        if goos.is_some() || goarch.is_some() {
            let goos = goos.unwrap_or_else(|| self.context.goos.clone());
            let goarch = goarch.unwrap_or_else(|| self.context.goarch.clone());
            let tags = std::mem::take(&mut self.context.build_tags);
            let release_tags = std::mem::take(&mut self.context.release_tags);
            self.context = BuildContext::new(&goos, &goarch).with_tags(tags);
            self.context.release_tags = release_tags;
        }
        match get("CGO_ENABLED").as_deref() {
            Some("0") => self.context.cgo_enabled = false,
            Some("1") => self.context.cgo_enabled = true,
            _ => {}
        }
        match get("GOWORK") {
            Some(v) if v == "off" => self.go_work = GoWorkMode::Off,
            Some(v) => self.go_work = GoWorkMode::File(PathBuf::from(v)),
            None => {}
        }
        self
    }
}

/// A command-line argument that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{argument}: {kind}")]
pub struct ArgumentError {
    pub argument: String,
    pub kind: ArgumentErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ArgumentErrorKind {
    #[error("no such file or directory")]
    NotFound,
    #[error("not a directory")]
    NotADirectory,
    #[error("named files must be .go files")]
    NotGoFile,
    #[error("{0}")]
    Io(String),
}

/// Failure of [`load`] as a whole. Problems with individual paths inside the
/// tree are not failures: they are collected in [`Workspace::errors`].
#[derive(Debug, Error)]
pub enum LoadError {
    /// At least one argument names nothing usable (the CLI exits 2). All bad
    /// arguments are listed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Arguments(Vec<ArgumentError>),
    #[error("cannot resolve base directory {}: {source}", path.display())]
    BaseDir { path: PathBuf, source: io::Error },
}

/// The go.work and go.mod files that govern `dir`: the nearest of each found by
/// walking up from `dir` (inclusive). `dir` should be absolute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovery {
    pub go_work: Option<PathBuf>,
    pub go_mod: Option<PathBuf>,
}

/// Finds the enclosing go.work and go.mod of `dir` (no parsing).
pub fn discover(dir: &Path) -> Discovery {
    let find = |name: &str| dir.ancestors().map(|d| d.join(name)).find(|p| p.is_file());
    Discovery {
        go_work: find("go.work"),
        go_mod: find("go.mod"),
    }
}

/// Expands `args` (resolved against `base_dir`) into packages.
///
/// Arguments:
/// * `DIR/...`, `./...`, `../x/...`, `a/.../b`: directory patterns. `...` matches
///   any string; a trailing `/...` also matches the directory itself. The walk
///   starts at the literal prefix before the first `...`.
/// * a directory: its whole tree, like `DIR/...`.
/// * a `.go` file: that file, with build constraints and file-name rules
///   ignored (like `go run gen.go` on an `//go:build ignore` file).
/// * no arguments: `./...`.
///
/// Walks follow the go tool: below the walk root, directories named `vendor` or
/// `testdata` or starting with `.` or `_` are skipped (the root itself is used
/// whatever its name), symlinks to directories are not followed (symlinked
/// files are), and nested modules are skipped when the walk root is inside a
/// module, unless they are listed in the active go.work or
/// [`LoadOptions::include_nested_modules`] is set. When the walk root is not in
/// any module (a tree holding several modules), every module found is loaded,
/// each package attributed to its nearest module.
pub fn load<S: AsRef<str>>(
    base_dir: &Path,
    args: &[S],
    options: &LoadOptions,
) -> Result<Workspace, LoadError> {
    let base = std::path::absolute(base_dir).map_err(|source| LoadError::BaseDir {
        path: base_dir.to_path_buf(),
        source,
    })?;
    let base = clean(&base);
    let mut loader = Loader::new(base, options);
    loader.load_go_work();

    let default_args = ["./...".to_string()];
    let args: Vec<&str> = if args.is_empty() {
        default_args.iter().map(String::as_str).collect()
    } else {
        args.iter().map(AsRef::as_ref).collect()
    };
    let mut bad = Vec::new();
    let mut requests = Vec::new();
    for &arg in &args {
        match loader.resolve_argument(arg) {
            Ok(request) => requests.push(request),
            Err(kind) => bad.push(ArgumentError {
                argument: arg.to_string(),
                kind,
            }),
        }
    }
    if !bad.is_empty() {
        return Err(LoadError::Arguments(bad));
    }
    for (index, request) in requests.into_iter().enumerate() {
        match request {
            Request::Walk { root, matcher } => loader.walk(&root, &matcher, index),
            Request::File(path) => loader.add_explicit_file(&path, index),
        }
    }
    Ok(loader.finish(&args))
}

enum Request {
    Walk { root: PathBuf, matcher: Matcher },
    File(PathBuf),
}

/// Which walked directories a pattern selects.
enum Matcher {
    /// `root/...`: everything walked.
    All,
    /// General pattern over absolute slash paths.
    Pattern(String),
}

impl Matcher {
    fn matches(&self, dir: &Path) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Pattern(p) => match_pattern(p, &dir.to_string_lossy()),
        }
    }
}

/// A directory whose files are to be scanned.
struct DirRequest {
    /// Path as reached (for display and import paths).
    dir: PathBuf,
    module: Option<usize>,
    /// All `.go` entries (set when selected by a pattern): name, from the walk.
    all_files: Option<Vec<OsString>>,
    /// Files named on the command line.
    explicit: BTreeSet<OsString>,
    /// Indices of the arguments that selected this directory.
    arguments: BTreeSet<usize>,
}

struct Loader<'a> {
    options: &'a LoadOptions,
    base: PathBuf,
    go_work: Option<GoWorkFile>,
    modules: Vec<Module>,
    module_by_root: HashMap<PathBuf, usize>,
    /// Cache: directory -> root of the nearest enclosing module.
    enclosing: HashMap<PathBuf, Option<usize>>,
    /// Keyed by canonical directory path, so one directory reached twice (two
    /// arguments, a symlinked root) is scanned once.
    dirs: BTreeMap<PathBuf, DirRequest>,
    errors: Vec<PathError>,
    excluded: Vec<ExcludedFile>,
    skipped_modules: BTreeSet<PathBuf>,
    ignored_dir_symlinks: BTreeSet<PathBuf>,
}

impl<'a> Loader<'a> {
    fn new(base: PathBuf, options: &'a LoadOptions) -> Self {
        Loader {
            options,
            base,
            go_work: None,
            modules: Vec::new(),
            module_by_root: HashMap::new(),
            enclosing: HashMap::new(),
            dirs: BTreeMap::new(),
            errors: Vec::new(),
            excluded: Vec::new(),
            skipped_modules: BTreeSet::new(),
            ignored_dir_symlinks: BTreeSet::new(),
        }
    }

    fn error(&mut self, path: &Path, kind: PathErrorKind) {
        self.errors.push(PathError {
            path: path.to_path_buf(),
            kind,
        });
    }

    fn load_go_work(&mut self) {
        let path = match &self.options.go_work {
            GoWorkMode::Off => return,
            GoWorkMode::File(p) => clean(&self.base.join(p)),
            GoWorkMode::Auto => {
                match self
                    .base
                    .ancestors()
                    .map(|d| d.join("go.work"))
                    .find(|p| p.is_file())
                {
                    Some(p) => p,
                    None => return,
                }
            }
        };
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                self.error(&path, PathErrorKind::Io(e.to_string()));
                return;
            }
        };
        let parsed = match modfile::parse_go_work(&text) {
            Ok(w) => w,
            Err(e) => {
                self.error(&path, PathErrorKind::BadGoWork(e.to_string()));
                return;
            }
        };
        let work_dir = path.parent().map_or_else(PathBuf::new, Path::to_path_buf);
        for used in &parsed.uses {
            let root = clean(&work_dir.join(&used.dir));
            if !root.join("go.mod").is_file() {
                self.error(&root, PathErrorKind::MissingGoMod);
                continue;
            }
            let index = self.module_at(&root);
            self.modules[index].in_go_work = true;
        }
        self.go_work = Some(GoWorkFile { path, parsed });
    }

    /// The module rooted at `root` (which holds a go.mod), loading it once.
    fn module_at(&mut self, root: &Path) -> usize {
        if let Some(&i) = self.module_by_root.get(root) {
            return i;
        }
        let go_mod_path = root.join("go.mod");
        let parsed = match fs::read_to_string(&go_mod_path) {
            Ok(text) => match modfile::parse_go_mod(&text) {
                Ok(m) => Some(m),
                Err(e) => {
                    self.error(&go_mod_path, PathErrorKind::BadGoMod(e.to_string()));
                    None
                }
            },
            Err(e) => {
                self.error(&go_mod_path, PathErrorKind::Io(e.to_string()));
                None
            }
        };
        let module = Module {
            root: root.to_path_buf(),
            path: parsed
                .as_ref()
                .and_then(|m| m.module.clone())
                .unwrap_or_default(),
            go_version: parsed
                .as_ref()
                .map_or(GoVersion::CURRENT, modfile::GoMod::go_version),
            go_mod: parsed,
            in_go_work: false,
        };
        self.modules.push(module);
        let index = self.modules.len() - 1;
        self.module_by_root.insert(root.to_path_buf(), index);
        index
    }

    /// Nearest module at or above `dir`.
    fn enclosing_module(&mut self, dir: &Path) -> Option<usize> {
        if let Some(&m) = self.enclosing.get(dir) {
            return m;
        }
        let root = dir
            .ancestors()
            .find(|d| d.join("go.mod").is_file())
            .map(Path::to_path_buf);
        let module = root.map(|r| self.module_at(&r));
        self.enclosing.insert(dir.to_path_buf(), module);
        module
    }

    fn resolve_argument(&self, arg: &str) -> Result<Request, ArgumentErrorKind> {
        if let Some(wild) = arg.find("...") {
            // Walk from the directory containing the literal prefix.
            let prefix = &arg[..wild];
            let root_text = match prefix.rfind('/') {
                Some(0) => "/",
                Some(i) => &prefix[..i],
                None => ".",
            };
            let root = clean(&self.base.join(root_text));
            let meta = fs::metadata(&root).map_err(|e| io_argument_error(&e))?;
            if !meta.is_dir() {
                return Err(ArgumentErrorKind::NotADirectory);
            }
            let pattern = clean_pattern(&self.base, arg);
            let everything = format!("{}/...", root.to_string_lossy().trim_end_matches('/'));
            let matcher = if pattern == everything {
                Matcher::All
            } else {
                Matcher::Pattern(pattern)
            };
            return Ok(Request::Walk { root, matcher });
        }
        let path = clean(&self.base.join(arg));
        let meta = fs::metadata(&path).map_err(|e| io_argument_error(&e))?;
        if meta.is_dir() {
            return Ok(Request::Walk {
                root: path,
                matcher: Matcher::All,
            });
        }
        if !arg.ends_with(".go") {
            return Err(ArgumentErrorKind::NotGoFile);
        }
        Ok(Request::File(path))
    }

    fn walk(&mut self, root: &Path, matcher: &Matcher, argument: usize) {
        let canonical_root = fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        let root_module = self.enclosing_module(root);
        // Explicit stack: deep trees cannot overflow the call stack.
        let mut stack: Vec<(PathBuf, Option<usize>)> = vec![(root.to_path_buf(), root_module)];
        while let Some((dir, module)) = stack.pop() {
            let entries = match read_dir_sorted(&dir) {
                Ok(entries) => entries,
                Err(e) => {
                    self.error(&dir, PathErrorKind::Io(e.to_string()));
                    continue;
                }
            };
            let mut go_files = Vec::new();
            let mut subdirs = Vec::new();
            for (name, file_type) in entries {
                let path = dir.join(&name);
                if file_type.is_dir() {
                    if skip_dir_name(&name) {
                        continue;
                    }
                    if path.join("go.mod").is_file() {
                        let listed = self
                            .module_by_root
                            .get(&path)
                            .map(|&i| self.modules[i].in_go_work);
                        let include = self.options.include_nested_modules
                            || root_module.is_none()
                            || listed == Some(true);
                        if !include {
                            self.skipped_modules.insert(path);
                            continue;
                        }
                        let nested = self.module_at(&path);
                        subdirs.push((path, Some(nested)));
                    } else {
                        subdirs.push((path, module));
                    }
                } else if file_type.is_symlink() {
                    match fs::metadata(&path) {
                        Ok(target) if target.is_dir() => {
                            if !skip_dir_name(&name) {
                                self.ignored_dir_symlinks.insert(path);
                            }
                        }
                        // Symlinked files, and dangling links (reported when read).
                        _ => {
                            if is_go_file_name(&name) {
                                go_files.push(name);
                            }
                        }
                    }
                } else if is_go_file_name(&name) {
                    go_files.push(name);
                }
            }
            if matcher.matches(&dir) && !(dir != root && self.is_std_builtin(&dir, module)) {
                let key = match dir.strip_prefix(root) {
                    Ok(rel) => canonical_root.join(rel),
                    Err(_) => dir.clone(),
                };
                let request = self.dirs.entry(key).or_insert_with(|| DirRequest {
                    dir: dir.clone(),
                    module,
                    all_files: None,
                    explicit: BTreeSet::new(),
                    arguments: BTreeSet::new(),
                });
                request.all_files = Some(go_files);
                request.arguments.insert(argument);
            }
            // Reverse so the sorted order is popped first (only cosmetic: output is
            // sorted at the end anyway).
            stack.extend(subdirs.into_iter().rev());
        }
    }

    /// GOROOT/src/builtin only documents predeclared identifiers; the go command
    /// never matches it with patterns (`go list std`, `./...`).
    fn is_std_builtin(&self, dir: &Path, module: Option<usize>) -> bool {
        module
            .and_then(|m| self.modules.get(m))
            .is_some_and(|m| m.path == "std" && dir == m.root.join("builtin"))
    }

    fn add_explicit_file(&mut self, path: &Path, argument: usize) {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return;
        };
        let dir = dir.to_path_buf();
        let key = fs::canonicalize(&dir).unwrap_or_else(|_| dir.clone());
        let module = self.enclosing_module(&dir);
        let request = self.dirs.entry(key).or_insert_with(|| DirRequest {
            dir,
            module,
            all_files: None,
            explicit: BTreeSet::new(),
            arguments: BTreeSet::new(),
        });
        request.explicit.insert(name.to_os_string());
        request.arguments.insert(argument);
    }

    fn finish(mut self, args: &[&str]) -> Workspace {
        let dirs = std::mem::take(&mut self.dirs);
        let jobs: Vec<(DirRequest, GoVersion)> = dirs
            .into_values()
            .map(|request| {
                let version = request
                    .module
                    .map_or(GoVersion::CURRENT, |m| self.modules[m].go_version);
                (request, version)
            })
            .collect();
        // Header reads dominate; directories are independent. `collect` keeps the
        // (sorted) order, so the result does not depend on scheduling.
        let options = self.options;
        let scans: Vec<DirScan> = jobs
            .into_par_iter()
            .map(|(request, version)| scan_dir(options, request, version))
            .collect();
        let mut packages = Vec::new();
        let mut matched = BTreeSet::new();
        for scan in scans {
            self.excluded.extend(scan.excluded);
            self.errors.extend(scan.errors);
            if !scan.files.is_empty() {
                matched.extend(scan.request.arguments.iter().copied());
                self.group(&scan.request, scan.files, &mut packages);
            }
        }
        let unmatched_arguments = args
            .iter()
            .enumerate()
            .filter(|(i, _)| !matched.contains(i))
            .map(|(_, a)| (*a).to_string())
            .collect();
        // Modules sorted by root; remap package indices.
        let mut order: Vec<usize> = (0..self.modules.len()).collect();
        order.sort_by(|&a, &b| self.modules[a].root.cmp(&self.modules[b].root));
        let mut new_index = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_index[old] = new;
        }
        let modules: Vec<Module> = order.iter().map(|&i| self.modules[i].clone()).collect();
        for p in &mut packages {
            p.module = p.module.map(|m| new_index[m]);
        }
        packages.sort_by(|a, b| (&a.dir, a.kind, &a.name).cmp(&(&b.dir, b.kind, &b.name)));
        self.excluded.sort_by(|a, b| a.path.cmp(&b.path));
        self.errors.sort_by(|a, b| {
            a.path
                .cmp(&b.path)
                .then_with(|| a.kind.to_string().cmp(&b.kind.to_string()))
        });
        self.errors.dedup();
        Workspace {
            base_dir: self.base,
            context: self.options.context.clone(),
            go_work: self.go_work,
            modules,
            packages,
            excluded: self.excluded,
            errors: self.errors,
            skipped_modules: self.skipped_modules.into_iter().collect(),
            ignored_dir_symlinks: self.ignored_dir_symlinks.into_iter().collect(),
            unmatched_arguments,
        }
    }

    /// Groups a directory's files by package clause. Non-test files define the
    /// package names; a `_test.go` file whose package is `X_test` (and no non-test
    /// file uses that name) belongs to X's external test package; other test files
    /// join the regular package of their name.
    fn group(
        &mut self,
        request: &DirRequest,
        files: Vec<SelectedFile>,
        packages: &mut Vec<Package>,
    ) {
        let regular_names: BTreeSet<String> = files
            .iter()
            .filter(|f| !f.file.is_test)
            .map(|f| f.package_name.clone())
            .collect();
        let mut regular: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
        let mut external: BTreeMap<String, Vec<SourceFile>> = BTreeMap::new();
        for f in files {
            let xtest_base = f.package_name.strip_suffix("_test").filter(|base| {
                f.file.is_test && !base.is_empty() && !regular_names.contains(&f.package_name)
            });
            match xtest_base {
                Some(base) => external.entry(base.to_string()).or_default().push(f.file),
                None => regular.entry(f.package_name).or_default().push(f.file),
            }
        }
        let names: BTreeSet<&String> = regular.keys().chain(external.keys()).collect();
        if names.len() > 1 {
            let names = names.into_iter().cloned().collect();
            self.error(&request.dir, PathErrorKind::MultiplePackages { names });
        }
        let import_path = self.import_path(&request.dir, request.module);
        let go_version = request
            .module
            .map_or(GoVersion::CURRENT, |m| self.modules[m].go_version);
        for (name, files) in regular {
            packages.push(Package {
                dir: request.dir.clone(),
                import_path: import_path.clone(),
                name,
                kind: PackageKind::Regular,
                files,
                module: request.module,
                go_version,
            });
        }
        for (base, files) in external {
            packages.push(Package {
                dir: request.dir.clone(),
                import_path: format!("{import_path}_test"),
                name: format!("{base}_test"),
                kind: PackageKind::ExternalTest,
                files,
                module: request.module,
                go_version,
            });
        }
    }

    fn import_path(&self, dir: &Path, module: Option<usize>) -> String {
        if let Some(m) = module.and_then(|m| self.modules.get(m)) {
            let rel = dir
                .strip_prefix(&m.root)
                .map(slash_path)
                .unwrap_or_default();
            return match (m.path.as_str(), rel.is_empty()) {
                // GOROOT/src: std packages are "fmt", not "std/fmt".
                ("std" | "", false) => rel,
                ("", true) => ".".to_string(),
                (path, true) => path.to_string(),
                (path, false) => format!("{path}/{rel}"),
            };
        }
        match dir.strip_prefix(&self.base) {
            Ok(rel) if rel.as_os_str().is_empty() => ".".to_string(),
            Ok(rel) => slash_path(rel),
            Err(_) => slash_path(dir),
        }
    }
}

/// Result of scanning one directory's candidate files.
struct DirScan {
    request: DirRequest,
    files: Vec<SelectedFile>,
    excluded: Vec<ExcludedFile>,
    errors: Vec<PathError>,
}

fn scan_dir(options: &LoadOptions, request: DirRequest, package_version: GoVersion) -> DirScan {
    let mut names: BTreeMap<OsString, bool> = BTreeMap::new();
    for name in request.all_files.iter().flatten() {
        names.insert(name.clone(), false);
    }
    for name in &request.explicit {
        names.insert(name.clone(), true);
    }
    let mut scan = DirScan {
        request,
        files: Vec::new(),
        excluded: Vec::new(),
        errors: Vec::new(),
    };
    for (name, explicit) in names {
        let path = scan.request.dir.join(&name);
        match select_file(options, &path, &name, explicit, package_version) {
            FileOutcome::Selected(file) => scan.files.push(file),
            FileOutcome::Excluded(reason) => scan.excluded.push(ExcludedFile { path, reason }),
            FileOutcome::Error(kind) => scan.errors.push(PathError { path, kind }),
            FileOutcome::NotSource => {}
        }
    }
    scan
}

enum FileOutcome {
    Selected(SelectedFile),
    Excluded(ExclusionReason),
    Error(PathErrorKind),
    /// A directory (or link to one) named `x.go`.
    NotSource,
}

/// Decides whether one `.go` file is part of the build, reading its header.
fn select_file(
    options: &LoadOptions,
    path: &Path,
    name: &OsString,
    explicit: bool,
    package_version: GoVersion,
) -> FileOutcome {
    let name = name.to_string_lossy();
    if !explicit && (name.starts_with('_') || name.starts_with('.')) {
        return FileOutcome::Excluded(ExclusionReason::IgnoredName);
    }
    let context = &options.context;
    if !explicit {
        if let Err(mismatch) = context.check_file_name(&name) {
            return FileOutcome::Excluded(ExclusionReason::FileName {
                suffix: mismatch.suffix,
            });
        }
    }
    let meta = match fs::metadata(path) {
        Ok(m) => m,
        Err(e) => return FileOutcome::Error(PathErrorKind::Io(e.to_string())),
    };
    if meta.is_dir() {
        return FileOutcome::NotSource;
    }
    if !meta.is_file() {
        return FileOutcome::Error(PathErrorKind::NotRegularFile);
    }
    let limit = options.max_file_size;
    if meta.len() > limit {
        return FileOutcome::Error(PathErrorKind::FileTooLarge {
            size: meta.len(),
            limit,
        });
    }
    let header = match header::read_header(path, meta.len(), limit) {
        Ok(h) => h,
        Err(HeaderError::Io(e)) => return FileOutcome::Error(PathErrorKind::Io(e.to_string())),
        Err(e) => return FileOutcome::Error(PathErrorKind::BadHeader(e.to_string())),
    };
    let verdict = match context.evaluate_header(&header.header) {
        Ok(v) => v,
        Err(e) => return FileOutcome::Error(PathErrorKind::BadConstraint(e.to_string())),
    };
    if !verdict.builds && !explicit {
        return FileOutcome::Excluded(ExclusionReason::BuildConstraint {
            constraint: verdict.constraint.unwrap_or_default(),
        });
    }
    if header.package_name == "documentation" {
        return FileOutcome::Excluded(ExclusionReason::Documentation);
    }
    let is_test = name.ends_with("_test.go");
    let uses_cgo = header.imports.iter().any(|i| i == "C");
    if uses_cgo && !is_test && !context.cgo_enabled && !explicit {
        return FileOutcome::Excluded(ExclusionReason::CgoDisabled);
    }
    FileOutcome::Selected(SelectedFile {
        package_name: header.package_name,
        file: SourceFile {
            path: path.to_path_buf(),
            is_test,
            imports: header.imports,
            uses_cgo,
            explicit,
            go_version: verdict
                .go_version
                .map_or(package_version, |v| v.max(GoVersion::new(1, 21, 0))),
            size: meta.len(),
        },
    })
}

struct SelectedFile {
    package_name: String,
    file: SourceFile,
}

fn io_argument_error(e: &io::Error) -> ArgumentErrorKind {
    match e.kind() {
        io::ErrorKind::NotFound => ArgumentErrorKind::NotFound,
        io::ErrorKind::NotADirectory => ArgumentErrorKind::NotFound,
        _ => ArgumentErrorKind::Io(e.to_string()),
    }
}

fn is_go_file_name(name: &OsString) -> bool {
    name.as_encoded_bytes().ends_with(b".go")
}

/// Directories a `...` walk never enters below its root.
fn skip_dir_name(name: &OsString) -> bool {
    let bytes = name.as_encoded_bytes();
    bytes.starts_with(b".") || bytes.starts_with(b"_") || bytes == b"testdata" || bytes == b"vendor"
}

fn read_dir_sorted(dir: &Path) -> io::Result<Vec<(OsString, fs::FileType)>> {
    let mut entries = Vec::new();
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.file_type()?));
    }
    entries.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(entries)
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
        .replace("//", "/")
}

/// Lexical path cleaning (`filepath.Clean`): removes `.` and resolves `..`
/// against preceding elements, without touching the file system.
pub fn clean(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            _ => out.push(c),
        }
    }
    if out.is_empty() {
        return PathBuf::from(".");
    }
    out.iter().collect()
}

/// The absolute, cleaned form of a `...` pattern, with `/` separators.
fn clean_pattern(base: &Path, pattern: &str) -> String {
    let joined = base.join(pattern);
    let cleaned = clean(&joined);
    let mut s = cleaned.to_string_lossy().into_owned();
    if s.len() > 1 && s.ends_with('/') {
        s.pop();
    }
    s
}

/// go's `MatchPattern` semantics: `...` matches any string (including `/`), and
/// a trailing `/...` also matches the empty string (`foo/...` matches `foo`).
pub fn match_pattern(pattern: &str, name: &str) -> bool {
    if let Some(prefix) = pattern.strip_suffix("/...") {
        if wildcard_match(prefix, name) {
            return true;
        }
    }
    wildcard_match(pattern, name)
}

/// Linear-space glob match where `...` is the only wildcard.
fn wildcard_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split("...").collect();
    let Some((first, rest)) = parts.split_first() else {
        return name.is_empty();
    };
    let Some(mut remaining) = name.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return remaining.is_empty();
    };
    // Greedy leftmost matching of the middle literals is optimal for a single
    // wildcard kind.
    for lit in middle {
        match remaining.find(lit) {
            Some(i) => remaining = &remaining[i + lit.len()..],
            None => return false,
        }
    }
    remaining.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_matching() {
        assert!(match_pattern("/a/...", "/a"));
        assert!(match_pattern("/a/...", "/a/b/c"));
        assert!(!match_pattern("/a/...", "/ab"));
        assert!(match_pattern("/a...", "/ab"));
        assert!(match_pattern("/a/.../c", "/a/b/c"));
        assert!(match_pattern("/a/.../c", "/a/b/d/c"));
        assert!(!match_pattern("/a/.../c", "/a/b/cd"));
        assert!(match_pattern("/a/.../c/...", "/a/x/c"));
        assert!(match_pattern("/x", "/x"));
        assert!(!match_pattern("/x", "/xy"));
        assert!(match_pattern("/a/...b...c", "/a/1b2c"));
        assert!(!match_pattern("/a/...b...c", "/a/1c2b"));
    }

    #[test]
    fn go_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map(|(_, v)| (*v).to_string())
            }
        };
        let base = LoadOptions {
            context: BuildContext::default().with_tags(["x"]),
            ..LoadOptions::default()
        };
        let o = base.clone().with_go_env(env(&[
            ("GOOS", "windows"),
            ("GOARCH", "arm64"),
            ("CGO_ENABLED", "1"),
            ("GOWORK", "off"),
        ]));
        assert_eq!(
            (o.context.goos.as_str(), o.context.goarch.as_str()),
            ("windows", "arm64")
        );
        assert!(o.context.cgo_enabled && o.context.match_tag("x"));
        assert!(o.context.tool_tags.contains(&"arm64.v8.0".to_string()));
        assert_eq!(o.go_work, GoWorkMode::Off);
        let o = base.clone().with_go_env(env(&[
            ("GOOS", ""),
            ("CGO_ENABLED", "0"),
            ("GOWORK", "/w/go.work"),
        ]));
        assert_eq!(o.context.goos, "linux");
        assert!(!o.context.cgo_enabled);
        assert_eq!(o.go_work, GoWorkMode::File(PathBuf::from("/w/go.work")));
    }

    #[test]
    fn lexical_clean() {
        assert_eq!(clean(Path::new("/a/./b/../c/")), PathBuf::from("/a/c"));
        assert_eq!(clean(Path::new("/../a")), PathBuf::from("/a"));
        assert_eq!(clean(Path::new("a/../..")), PathBuf::from(".."));
        assert_eq!(clean(Path::new("./")), PathBuf::from("."));
    }
}
