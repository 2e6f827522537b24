//! Dependency loading: declarations of imported packages from their real
//! source (GOROOT, module cache, `vendor/`, replace directories), or from the
//! embedded stub model when no source is on disk.
//!
//! Each import path is loaded at most once per [`Loader`] (a `OnceLock` per
//! path), on first use, from any thread. Loading a package only parses it and
//! indexes its declarations; it never loads another package, so there is no
//! recursion and no lock-order problem.

use goconc_workspace::BuildContext;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

use rustc_hash::FxHashMap;

use crate::package::{Package, PackageInput};

/// Where dependency sources live.
#[derive(Clone, Debug, Default)]
pub struct GoEnv {
    /// `$(go env GOROOT)`; `None` when Go is not installed.
    pub goroot: Option<PathBuf>,
    /// `$(go env GOMODCACHE)`.
    pub modcache: Option<PathBuf>,
    /// `(module path, version)` pairs from go.mod `require` / go.sum.
    pub modules: Vec<(String, String)>,
    /// `(module path, directory)` from go.mod `replace` with a local directory.
    pub replaces: Vec<(String, PathBuf)>,
    /// The main module's `vendor/` directory, if any.
    pub vendor_dir: Option<PathBuf>,
    pub goos: String,
    pub goarch: String,
    /// Use the embedded stub model when an import is not found on disk.
    pub use_stubs: bool,
}

impl GoEnv {
    /// The go/build context for this target (cgo on for the host platform,
    /// release tags of the current toolchain), as the workspace loader uses.
    pub fn build_context(&self) -> BuildContext {
        BuildContext::new(&self.goos, &self.goarch)
    }

    /// Finds GOROOT and GOMODCACHE: `go env`, then `$GOROOT`/`$GOMODCACHE`,
    /// then `/usr/local/go` and `$HOME/go/pkg/mod`.
    pub fn detect() -> GoEnv {
        let mut env = GoEnv::embedded_only();
        if let Ok(out) = std::process::Command::new("go")
            .args(["env", "GOROOT", "GOMODCACHE"])
            .output()
        {
            if out.status.success() {
                let text = String::from_utf8_lossy(&out.stdout);
                let mut lines = text.lines();
                env.goroot = lines.next().filter(|l| !l.is_empty()).map(PathBuf::from);
                env.modcache = lines.next().filter(|l| !l.is_empty()).map(PathBuf::from);
            }
        }
        if env.goroot.is_none() {
            env.goroot = std::env::var_os("GOROOT")
                .map(PathBuf::from)
                .or_else(|| Some(PathBuf::from("/usr/local/go")))
                .filter(|p| p.join("src").is_dir());
        }
        if env.modcache.is_none() {
            env.modcache = std::env::var_os("GOMODCACHE")
                .map(PathBuf::from)
                .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join("go/pkg/mod")))
                .filter(|p| p.is_dir());
        }
        env
    }

    /// No Go installation: only the embedded model of the concurrency-relevant
    /// standard library and `golang.org/x` packages.
    pub fn embedded_only() -> GoEnv {
        GoEnv {
            goos: "linux".into(),
            goarch: "amd64".into(),
            use_stubs: true,
            ..GoEnv::default()
        }
    }
}

/// A package loaded at most once (`None`: not found).
type LoadCell = Arc<OnceLock<Option<Arc<Package>>>>;

/// Loads and caches declaration-only packages.
#[derive(Debug)]
pub struct Loader {
    env: GoEnv,
    cache: RwLock<FxHashMap<String, LoadCell>>,
}

/// The embedded model: (import path, package name, Go stub source).
const STUBS: &[(&str, &str, &str)] = &[
    ("sync", "sync", include_str!("../stubs/sync.go")),
    ("sync/atomic", "atomic", include_str!("../stubs/atomic.go")),
    ("context", "context", include_str!("../stubs/context.go")),
    ("time", "time", include_str!("../stubs/time.go")),
    ("os", "os", include_str!("../stubs/os.go")),
    ("os/signal", "signal", include_str!("../stubs/signal.go")),
    ("log", "log", include_str!("../stubs/log.go")),
    ("errors", "errors", include_str!("../stubs/errors.go")),
    ("runtime", "runtime", include_str!("../stubs/runtime.go")),
    ("net/http", "http", include_str!("../stubs/http.go")),
    ("testing", "testing", include_str!("../stubs/testing.go")),
    ("unsafe", "unsafe", include_str!("../stubs/unsafe.go")),
    (
        "golang.org/x/sync/errgroup",
        "errgroup",
        include_str!("../stubs/errgroup.go"),
    ),
    (
        "golang.org/x/sync/semaphore",
        "semaphore",
        include_str!("../stubs/semaphore.go"),
    ),
    (
        "golang.org/x/time/rate",
        "rate",
        include_str!("../stubs/rate.go"),
    ),
];

/// The import paths the embedded model covers.
pub fn stub_paths() -> impl Iterator<Item = &'static str> {
    STUBS.iter().map(|(p, _, _)| *p)
}

impl Loader {
    pub fn new(env: GoEnv) -> Loader {
        Loader {
            env,
            cache: RwLock::new(FxHashMap::default()),
        }
    }

    pub fn env(&self) -> &GoEnv {
        &self.env
    }

    /// The declarations of `import_path`, loading them on first use.
    pub fn load(&self, import_path: &str) -> Option<Arc<Package>> {
        let existing = {
            let cache = match self.cache.read() {
                Ok(guard) => guard,
                Err(poisoned) => poisoned.into_inner(),
            };
            cache.get(import_path).cloned()
        };
        let cell = match existing {
            Some(cell) => cell,
            None => {
                let mut cache = match self.cache.write() {
                    Ok(guard) => guard,
                    Err(poisoned) => poisoned.into_inner(),
                };
                cache.entry(import_path.to_string()).or_default().clone()
            }
        };
        cell.get_or_init(|| self.load_uncached(import_path)).clone()
    }

    /// Number of packages loaded so far (for statistics).
    pub fn loaded_count(&self) -> usize {
        let cache = match self.cache.read() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        cache
            .values()
            .filter(|c| c.get().is_some_and(|p| p.is_some()))
            .count()
    }

    fn load_uncached(&self, import_path: &str) -> Option<Arc<Package>> {
        if import_path == "C" {
            return None;
        }
        if import_path == "unsafe" {
            return self.load_stub(import_path);
        }
        if let Some(dir) = self.find_dir(import_path) {
            if let Some(pkg) = load_dir(&dir, import_path, &self.env) {
                return Some(Arc::new(pkg));
            }
        }
        if self.env.use_stubs {
            return self.load_stub(import_path);
        }
        None
    }

    fn load_stub(&self, import_path: &str) -> Option<Arc<Package>> {
        let (_, name, src) = STUBS.iter().find(|(p, _, _)| *p == import_path)?;
        let file = goconc_syntax::parse_file(src.as_bytes().to_vec());
        Some(Arc::new(Package::new(PackageInput {
            import_path: import_path.to_string(),
            dir: PathBuf::from(format!("<stub>/{import_path}")),
            name: name.to_string(),
            files: vec![(
                PathBuf::from(format!("<stub>/{import_path}/stub.go")),
                Arc::new(file),
            )],
            go_version: (1, 25),
        })))
    }

    /// The directory holding `import_path`, following Go's lookup order.
    pub fn find_dir(&self, import_path: &str) -> Option<PathBuf> {
        let env = &self.env;
        if let Some((module, dir)) = longest_module(&env.replaces, import_path) {
            let rest = &import_path[module.len()..];
            let candidate = dir.join(rest.trim_start_matches('/'));
            if has_go_files(&candidate) {
                return Some(candidate);
            }
        }
        if let Some(vendor) = &env.vendor_dir {
            let candidate = vendor.join(import_path);
            if has_go_files(&candidate) {
                return Some(candidate);
            }
        }
        if let Some(goroot) = &env.goroot {
            let first = import_path.split('/').next().unwrap_or("");
            if !first.contains('.') {
                let candidate = goroot.join("src").join(import_path);
                if has_go_files(&candidate) {
                    return Some(candidate);
                }
            } else {
                // The standard library vendors golang.org/x packages.
                let candidate = goroot.join("src/vendor").join(import_path);
                if has_go_files(&candidate) {
                    return Some(candidate);
                }
            }
        }
        if let Some(modcache) = &env.modcache {
            if let Some((module, version)) = longest_module(&env.modules, import_path) {
                let rest = &import_path[module.len()..];
                let root = modcache.join(format!("{}@{}", escape_module_path(module), version));
                let candidate = root.join(rest.trim_start_matches('/'));
                if has_go_files(&candidate) {
                    return Some(candidate);
                }
            }
        }
        None
    }
}

fn longest_module<'a, T>(list: &'a [(String, T)], import_path: &str) -> Option<(&'a str, &'a T)> {
    list.iter()
        .filter(|(m, _)| {
            import_path == m.as_str()
                || (import_path.starts_with(m.as_str())
                    && import_path.as_bytes().get(m.len()) == Some(&b'/'))
        })
        .max_by_key(|(m, _)| m.len())
        .map(|(m, v)| (m.as_str(), v))
}

/// Module cache escaping: upper-case letters become `!` + lower case.
pub fn escape_module_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn has_go_files(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.ends_with(".go") && !n.ends_with("_test.go"))
        })
    })
}

/// Whether a file is part of its package for the target: go/build's
/// file-name (`_GOOS_GOARCH`) and header (`//go:build`, `// +build`) rules,
/// shared with the workspace loader so dependencies are selected exactly as
/// the packages being analysed.
pub fn file_selected(context: &BuildContext, file_name: &str, src: &[u8]) -> bool {
    context.check_file_name(file_name).is_ok() && context.should_build(src).unwrap_or(false)
}

/// Parses the non-test Go files of `dir` that match the target platform,
/// keeping the majority package name. Declaration-only loading.
pub fn load_dir(dir: &Path, import_path: &str, env: &GoEnv) -> Option<Package> {
    let context = env.build_context();
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.ends_with(".go")
                    && !n.ends_with("_test.go")
                    && !n.starts_with('.')
                    && !n.starts_with('_')
                    && context.check_file_name(n).is_ok()
            })
        })
        .collect();
    names.sort();
    let mut files = Vec::new();
    for path in names {
        let Ok(src) = std::fs::read(&path) else {
            continue;
        };
        if !context.should_build(&src).unwrap_or(false) {
            continue;
        }
        let file = goconc_syntax::parse_file_with(
            src,
            goconc_syntax::ParseOptions {
                skip_func_bodies: true,
            },
        );
        files.push((path, Arc::new(file)));
    }
    let mut counts: FxHashMap<String, usize> = FxHashMap::default();
    for (_, f) in &files {
        let name = f.package();
        if !name.is_empty() && name != "documentation" {
            *counts.entry(name.to_string()).or_default() += 1;
        }
    }
    let mut best: Vec<(String, usize)> = counts.into_iter().collect();
    best.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let name = best.first()?.0.clone();
    files.retain(|(_, f)| f.package() == name);
    Some(Package::new(PackageInput {
        import_path: import_path.to_string(),
        dir: dir.to_path_buf(),
        name,
        files,
        go_version: (1, 25),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_selected_like_go_build() {
        let context = BuildContext::new("linux", "amd64");
        let plain = b"package x\n";
        assert!(file_selected(&context, "a.go", plain));
        assert!(file_selected(&context, "a_linux_amd64.go", plain));
        assert!(!file_selected(&context, "a_windows.go", plain));
        assert!(!file_selected(&context, "zsys_darwin_amd64.go", plain));
        let src = b"//go:build windows || (darwin && arm64)\n\npackage x\n";
        assert!(!file_selected(&context, "a.go", src));
        let src = b"//go:build ignore\n\npackage main\n";
        assert!(!file_selected(&context, "gen.go", src));
        let src = b"//go:build linux && go1.21\n\npackage x\n";
        assert!(file_selected(&context, "a.go", src));
    }

    #[test]
    fn escaping() {
        assert_eq!(
            escape_module_path("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
    }
}
