//! goconc_workspace: turns command-line arguments into Go packages the way the
//! go tool does, reading only file headers (never Go bodies).
//!
//! ```no_run
//! use goconc_workspace::{load, LoadError, LoadOptions};
//! let options = LoadOptions::default().with_go_env(|k| std::env::var(k).ok());
//! let ws = match load(std::path::Path::new("."), &["./..."], &options) {
//!     Ok(ws) => ws,
//!     Err(LoadError::Arguments(bad)) => {
//!         for b in &bad { eprintln!("goconc: {b}"); }
//!         std::process::exit(2);
//!     }
//!     Err(e) => { eprintln!("goconc: {e}"); std::process::exit(2); }
//! };
//! for pkg in &ws.packages {
//!     for file in &pkg.files {
//!         // file.go_version: language version incl. //go:build goX.Y upgrades.
//!         let loopvar = file.go_version.has_per_iteration_loop_vars();
//!         println!("{} {} {} {loopvar}", pkg.import_path, pkg.name, file.path.display());
//!     }
//! }
//! for err in &ws.errors { eprintln!("goconc: {err}"); } // per-path, non-fatal
//! ```
//!
//! # Behaviour (and the choices made where the go tool has none)
//!
//! * **Modules.** go.work is searched upward from the base directory
//!   ([`GoWorkMode`]; GOWORK=off → [`GoWorkMode::Off`]); each directory belongs to
//!   its nearest go.mod. The language version is the module's `go` directive
//!   (1.16 when absent, as in the go command; [`GoVersion::CURRENT`] = 1.26 when
//!   go.mod is unparsable or there is no module). Per file, a `//go:build` line
//!   requiring `go1.N` sets the version to max(N, 1.21), as go/types does
//!   ([`SourceFile::go_version`]).
//! * **Arguments** ([`load`]): `./...`-style patterns (`...` anywhere), plain
//!   directories (= whole tree), `.go` files (build constraints ignored, like
//!   `go run gen.go`); none = `./...`. Arguments are file-system paths relative
//!   to the base directory (not import paths). Non-existent paths →
//!   [`LoadError::Arguments`] (CLI: exit 2).
//! * **Walks**: below the walk root, `vendor`, `testdata`, `.x` and `_x`
//!   directories are skipped, but a root is used whatever its name. Symlinked
//!   directories are not followed (listed in
//!   [`Workspace::ignored_dir_symlinks`]), so walks cannot loop; symlinked files
//!   are. GOROOT/src/builtin is never matched (go command special case).
//! * **Nested modules**: skipped ([`Workspace::skipped_modules`]) when the walk
//!   root is inside a module — unless listed in go.work or
//!   [`LoadOptions::include_nested_modules`]. If the walk root is in no module
//!   (a checkout holding several modules, no go.work), every module is loaded and
//!   each package gets its own module's path and version.
//! * **Build context** ([`BuildContext`]): default linux/amd64, compiler gc,
//!   release tags go1.1..go1.26 (toolchain, not module, version — as go/build),
//!   Go 1.26 default tool tags, cgo enabled iff the target is the host platform
//!   (what `go env CGO_ENABLED` says with a C compiler present). Constraint
//!   parsing/evaluation and file-name (`_GOOS_GOARCH[_test]`) rules are ports of
//!   go/build and go/build/constraint; only the comment block before the package
//!   clause counts, `// +build` lines only when no `//go:build` line exists and
//!   only if followed by a blank line.
//! * **Files**: `_x.go`/`.x.go`, mismatching constraints, `package
//!   documentation`, and "C"-importing files with cgo off are listed in
//!   [`Workspace::excluded`]. Unreadable files, non-regular files, files over
//!   [`LoadOptions::max_file_size`] (64 MiB), bad headers and bad `//go:build`
//!   lines are [`Workspace::errors`]; loading continues.
//! * **Packages**: per directory, by package clause. In-package `_test.go`
//!   files join the regular [`Package`]; `X_test` files form a separate
//!   [`PackageKind::ExternalTest`] package with import path `path_test`. Several
//!   package names in one directory (a go error) → one package per name plus a
//!   [`PathErrorKind::MultiplePackages`] error. Import paths are module path +
//!   relative directory (`std` packages unprefixed); outside modules, the path
//!   relative to the base directory.
//! * **Determinism**: everything is sorted; directory read order never shows.
//!
//! Verified against `go list` for all of std (linux/amd64 with and without cgo,
//! windows/arm64, darwin/arm64, js/wasm) and cmd: see `tests/goroot.rs`.

pub mod constraint;
pub mod context;
pub mod header;
mod load;
mod model;
pub mod modfile;
mod version;

pub use context::{BuildContext, FileNameMismatch, HeaderVerdict};
pub use load::{
    clean, discover, load, match_pattern, ArgumentError, ArgumentErrorKind, Discovery, GoWorkMode,
    LoadError, LoadOptions, DEFAULT_MAX_FILE_SIZE,
};
pub use model::{
    ExcludedFile, ExclusionReason, GoWorkFile, Module, Package, PackageKind, PathError,
    PathErrorKind, SourceFile, Workspace,
};
pub use version::GoVersion;
