//! The build target (GOOS/GOARCH/tags) and go/build's tag-matching rules.

use crate::constraint::{self, ConstraintError, Expr};
use crate::version::GoVersion;

/// GOOS values known to go/build (`internal/syslist.KnownOS`, Go 1.26).
pub const KNOWN_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "js",
    "linux",
    "nacl",
    "netbsd",
    "openbsd",
    "plan9",
    "solaris",
    "wasip1",
    "windows",
    "zos",
];

/// GOOS values satisfying the `unix` tag (`internal/syslist.UnixOS`).
pub const UNIX_OS: &[&str] = &[
    "aix",
    "android",
    "darwin",
    "dragonfly",
    "freebsd",
    "hurd",
    "illumos",
    "ios",
    "linux",
    "netbsd",
    "openbsd",
    "solaris",
];

/// GOARCH values known to go/build (`internal/syslist.KnownArch`).
pub const KNOWN_ARCH: &[&str] = &[
    "386",
    "amd64",
    "amd64p32",
    "arm",
    "armbe",
    "arm64",
    "arm64be",
    "loong64",
    "mips",
    "mipsle",
    "mips64",
    "mips64le",
    "mips64p32",
    "mips64p32le",
    "ppc",
    "ppc64",
    "ppc64le",
    "riscv",
    "riscv64",
    "s390",
    "s390x",
    "sparc",
    "sparc64",
    "wasm",
];

/// Whether `name` is a GOOS known to go/build.
pub fn is_known_os(name: &str) -> bool {
    KNOWN_OS.contains(&name)
}

/// Whether `name` is a GOARCH known to go/build.
pub fn is_known_arch(name: &str) -> bool {
    KNOWN_ARCH.contains(&name)
}

/// The target a tree is analysed for, mirroring the fields of go/build's
/// `Context` that affect file selection.
///
/// Defaults ([`BuildContext::default`]): linux/amd64, compiler `gc`, release
/// tags `go1.1`..`go1.26`, the tool tags the Go 1.26 toolchain sets by default
/// for the target (`goexperiment.*` baseline experiments and the default
/// microarchitecture level such as `amd64.v1`), and **cgo enabled** when the
/// target is the host platform — what `go env CGO_ENABLED` reports on a host
/// with a C compiler, hence what `go vet`/`go list` see. Cross targets default
/// to cgo disabled, as in the go command. Override with [`BuildContext::with_cgo`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildContext {
    pub goos: String,
    pub goarch: String,
    pub compiler: String,
    pub cgo_enabled: bool,
    /// User tags (`-tags a,b`).
    pub build_tags: Vec<String>,
    /// Toolchain-provided tags (`goexperiment.*`, `amd64.v1`, ...).
    pub tool_tags: Vec<String>,
    /// `go1.1` .. `go1.N` for the toolchain version (not the module's go version,
    /// following go/build).
    pub release_tags: Vec<String>,
}

impl Default for BuildContext {
    fn default() -> Self {
        BuildContext::new("linux", "amd64")
    }
}

impl BuildContext {
    /// A context for `goos`/`goarch` with the Go 1.26 toolchain defaults.
    pub fn new(goos: &str, goarch: &str) -> BuildContext {
        let (host_os, host_arch) = host_platform();
        BuildContext {
            goos: goos.to_string(),
            goarch: goarch.to_string(),
            compiler: "gc".to_string(),
            cgo_enabled: host_os == Some(goos) && host_arch == Some(goarch),
            build_tags: Vec::new(),
            tool_tags: default_tool_tags(goos, goarch),
            release_tags: release_tags(GoVersion::CURRENT),
        }
    }

    /// Sets whether the `cgo` tag is satisfied and files importing "C" are kept.
    pub fn with_cgo(mut self, enabled: bool) -> BuildContext {
        self.cgo_enabled = enabled;
        self
    }

    /// Adds user build tags (`-tags`).
    pub fn with_tags<I, S>(mut self, tags: I) -> BuildContext
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.build_tags.extend(tags.into_iter().map(Into::into));
        self
    }

    /// Sets the toolchain version that determines the `goX.Y` release tags.
    pub fn with_toolchain_version(mut self, version: GoVersion) -> BuildContext {
        self.release_tags = release_tags(version);
        self
    }

    /// go/build's `matchTag`: whether a single tag is satisfied.
    pub fn match_tag(&self, name: &str) -> bool {
        if self.cgo_enabled && name == "cgo" {
            return true;
        }
        if name == self.goos || name == self.goarch || name == self.compiler {
            return true;
        }
        let goos = self.goos.as_str();
        if (goos == "android" && name == "linux")
            || (goos == "illumos" && name == "solaris")
            || (goos == "ios" && name == "darwin")
        {
            return true;
        }
        if name == "unix" && UNIX_OS.contains(&goos) {
            return true;
        }
        // boringcrypto is the old name of goexperiment.boringcrypto.
        let name = if name == "boringcrypto" {
            "goexperiment.boringcrypto"
        } else {
            name
        };
        [&self.build_tags, &self.tool_tags, &self.release_tags]
            .iter()
            .any(|list| list.iter().any(|t| t == name))
    }

    /// Evaluates a parsed constraint in this context.
    pub fn eval(&self, expr: &Expr) -> bool {
        expr.eval(&mut |tag| self.match_tag(tag))
    }

    /// go/build's `goodOSArchFile`: `Ok` if the file name's `_GOOS`, `_GOARCH` or
    /// `_GOOS_GOARCH` suffix (before an optional `_test`) matches the target.
    /// Only the part after the first `_` counts, so `linux.go` is unconstrained.
    pub fn check_file_name(&self, file_name: &str) -> Result<(), FileNameMismatch> {
        let stem = file_name
            .split_once('.')
            .map_or(file_name, |(stem, _)| stem);
        let Some(underscore) = stem.find('_') else {
            return Ok(());
        };
        let mut parts: Vec<&str> = stem[underscore..].split('_').collect();
        if parts.last() == Some(&"test") {
            parts.pop();
        }
        let n = parts.len();
        if n >= 2 && is_known_os(parts[n - 2]) && is_known_arch(parts[n - 1]) {
            let (os, arch) = (parts[n - 2], parts[n - 1]);
            if self.match_tag(arch) && self.match_tag(os) {
                return Ok(());
            }
            return Err(FileNameMismatch {
                suffix: format!("{os}_{arch}"),
            });
        }
        if n >= 1 && (is_known_os(parts[n - 1]) || is_known_arch(parts[n - 1])) {
            if self.match_tag(parts[n - 1]) {
                return Ok(());
            }
            return Err(FileNameMismatch {
                suffix: parts[n - 1].to_string(),
            });
        }
        Ok(())
    }

    /// go/build's `shouldBuild`: evaluates the constraints in a file header (the
    /// bytes from the start of the file, BOM removed, at least through the package
    /// clause). A `//go:build` line controls when present; otherwise every
    /// `// +build` line in the leading comment block (which must be followed by a
    /// blank line) must be satisfied. Unparsable `// +build` lines are ignored, as
    /// in Go; a bad or duplicated `//go:build` line is an error.
    pub fn should_build(&self, header: &[u8]) -> Result<bool, ConstraintError> {
        Ok(self.evaluate_header(header)?.builds)
    }

    /// Like [`BuildContext::should_build`], also returning the constraint text that
    /// decided (for "excluded because ..." messages).
    pub fn evaluate_header(&self, header: &[u8]) -> Result<HeaderVerdict, ConstraintError> {
        let parsed = parse_file_header(header)?;
        if let Some(line) = parsed.go_build {
            let text = String::from_utf8_lossy(line);
            let expr = constraint::parse(&text)?;
            return Ok(HeaderVerdict {
                builds: self.eval(&expr),
                go_version: constraint::go_version(&expr),
                constraint: Some(text.into_owned()),
            });
        }
        let mut verdict = HeaderVerdict {
            builds: true,
            constraint: None,
            go_version: None,
        };
        for line in parsed.plus_build_region.split(|&b| b == b'\n') {
            let line = trim_ascii_space(line);
            if !line.starts_with(b"//") || !contains(line, b"+build") {
                continue;
            }
            let text = String::from_utf8_lossy(line);
            if !constraint::is_plus_build(&text) {
                continue;
            }
            // Unparsable +build lines are ignored, as in go/build.
            if let Ok(expr) = constraint::parse(&text) {
                if !self.eval(&expr) && verdict.builds {
                    verdict.builds = false;
                    verdict.constraint = Some(text.into_owned());
                }
            }
        }
        Ok(verdict)
    }
}

/// Outcome of evaluating a file header's build constraints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderVerdict {
    pub builds: bool,
    /// The `//go:build` line, or the first unsatisfied `// +build` line.
    pub constraint: Option<String>,
    /// Minimum Go version required by the `//go:build` line (go/parser's
    /// `File.GoVersion`); `// +build` lines never set one.
    pub go_version: Option<GoVersion>,
}

/// A file-name suffix that excludes a file for the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileNameMismatch {
    /// The constraining suffix, e.g. `windows` or `darwin_arm64`.
    pub suffix: String,
}

/// Result of scanning a file's leading comments (go/build `parseFileHeader`).
struct FileHeaderConstraints<'a> {
    /// The leading comments up to the last blank line before the first non-comment
    /// line: the only place `// +build` lines count.
    plus_build_region: &'a [u8],
    go_build: Option<&'a [u8]>,
}

fn parse_file_header(content: &[u8]) -> Result<FileHeaderConstraints<'_>, ConstraintError> {
    let mut end = 0usize;
    let mut rest = content;
    let mut ended = false; // saw a non-blank, non-// line
    let mut in_slash_star = false;
    let mut go_build: Option<&[u8]> = None;

    'lines: while !rest.is_empty() {
        let mut line = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let line = &rest[..i];
                rest = &rest[i + 1..];
                line
            }
            None => std::mem::take(&mut rest),
        };
        line = trim_ascii_space(line);
        if line.is_empty() && !ended {
            // Latest position where a // +build line may still end.
            end = content.len() - rest.len();
            continue 'lines;
        }
        if !line.starts_with(b"//") {
            ended = true;
        }
        if !in_slash_star && is_go_build_comment(line) {
            if go_build.is_some() {
                return Err(ConstraintError::Syntax {
                    offset: 0,
                    message: "multiple //go:build comments".to_string(),
                });
            }
            go_build = Some(line);
        }
        loop {
            if line.is_empty() {
                continue 'lines;
            }
            if in_slash_star {
                match find(line, b"*/") {
                    Some(i) => {
                        in_slash_star = false;
                        line = trim_ascii_space(&line[i + 2..]);
                        continue;
                    }
                    None => continue 'lines,
                }
            }
            if line.starts_with(b"//") {
                continue 'lines;
            }
            if line.starts_with(b"/*") {
                in_slash_star = true;
                line = trim_ascii_space(&line[2..]);
                continue;
            }
            // Non-comment text: the header ends here.
            break 'lines;
        }
    }
    Ok(FileHeaderConstraints {
        plus_build_region: &content[..end],
        go_build,
    })
}

fn is_go_build_comment(line: &[u8]) -> bool {
    let Some(rest) = line.strip_prefix(b"//go:build") else {
        return false;
    };
    rest.is_empty() || trim_ascii_space(rest).len() < rest.len()
}

/// `bytes.TrimSpace` restricted to ASCII white space; Go also trims Unicode
/// spaces, which cannot start a `//` line anyway.
fn trim_ascii_space(mut s: &[u8]) -> &[u8] {
    while let [first, tail @ ..] = s {
        if is_ascii_space(*first) {
            s = tail;
        } else {
            break;
        }
    }
    while let [head @ .., last] = s {
        if is_ascii_space(*last) {
            s = head;
        } else {
            break;
        }
    }
    s
}

fn is_ascii_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// `go1.1` .. `go1.<minor>` for a Go 1.x toolchain.
pub fn release_tags(toolchain: GoVersion) -> Vec<String> {
    if toolchain.major != 1 {
        return Vec::new();
    }
    (1..=toolchain.minor).map(|m| format!("go1.{m}")).collect()
}

/// The tool tags Go 1.26 sets for a target with GOEXPERIMENT and GOAMD64/GOARM/...
/// unset (internal/buildcfg: baseline experiments and `gogoarchTags`).
pub fn default_tool_tags(goos: &str, goarch: &str) -> Vec<String> {
    let regabi = matches!(
        goarch,
        "amd64" | "arm64" | "loong64" | "ppc64le" | "ppc64" | "riscv64" | "s390x"
    );
    let dwarf5 = !matches!(goos, "darwin" | "ios" | "aix");
    let mut tags = Vec::new();
    // Order as printed by `go list -f {{context.ToolTags}}`.
    if regabi {
        tags.push("goexperiment.regabiwrappers".to_string());
        tags.push("goexperiment.regabiargs".to_string());
    }
    if dwarf5 {
        tags.push("goexperiment.dwarf5".to_string());
    }
    tags.push("goexperiment.greenteagc".to_string());
    tags.push("goexperiment.randomizedheapbase64".to_string());
    let arch_levels: &[&str] = match goarch {
        "386" => &["386.sse2"],
        "amd64" => &["amd64.v1"],
        "arm" => &["arm.5", "arm.6", "arm.7"],
        "arm64" => &["arm64.v8.0"],
        "mips" => &["mips.hardfloat"],
        "mipsle" => &["mipsle.hardfloat"],
        "mips64" => &["mips64.hardfloat"],
        "mips64le" => &["mips64le.hardfloat"],
        "ppc64" => &["ppc64.power8"],
        "ppc64le" => &["ppc64le.power8"],
        "riscv64" => &["riscv64.rva20u64"],
        "wasm" => &["wasm.satconv", "wasm.signext"],
        _ => &[],
    };
    tags.extend(arch_levels.iter().map(|t| (*t).to_string()));
    tags
}

/// The host platform in GOOS/GOARCH spelling, if it has one.
fn host_platform() -> (Option<&'static str>, Option<&'static str>) {
    let os = match std::env::consts::OS {
        "linux" => Some("linux"),
        "macos" => Some("darwin"),
        "windows" => Some("windows"),
        "freebsd" => Some("freebsd"),
        "netbsd" => Some("netbsd"),
        "openbsd" => Some("openbsd"),
        "dragonfly" => Some("dragonfly"),
        "solaris" => Some("solaris"),
        "illumos" => Some("illumos"),
        "android" => Some("android"),
        "ios" => Some("ios"),
        "aix" => Some("aix"),
        _ => None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => Some("amd64"),
        "x86" => Some("386"),
        "aarch64" => Some("arm64"),
        "arm" => Some("arm"),
        "riscv64" => Some("riscv64"),
        "powerpc64" if cfg!(target_endian = "little") => Some("ppc64le"),
        "powerpc64" => Some("ppc64"),
        "s390x" => Some("s390x"),
        "loongarch64" => Some("loong64"),
        "mips64" if cfg!(target_endian = "little") => Some("mips64le"),
        "mips64" => Some("mips64"),
        "mips" if cfg!(target_endian = "little") => Some("mipsle"),
        "mips" => Some("mips"),
        "wasm32" => Some("wasm"),
        _ => None,
    };
    (os, arch)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn linux() -> BuildContext {
        BuildContext::new("linux", "amd64").with_cgo(true)
    }

    #[test]
    fn tags() {
        let ctx = linux();
        for yes in [
            "linux",
            "amd64",
            "unix",
            "gc",
            "cgo",
            "go1.1",
            "go1.22",
            "go1.26",
            "amd64.v1",
            "goexperiment.regabiargs",
        ] {
            assert!(ctx.match_tag(yes), "{yes}");
        }
        for no in [
            "windows",
            "arm64",
            "gccgo",
            "go1.27",
            "ignore",
            "amd64.v2",
            "boringcrypto",
            "",
        ] {
            assert!(!ctx.match_tag(no), "{no}");
        }
        assert!(!ctx.clone().with_cgo(false).match_tag("cgo"));
        assert!(ctx
            .clone()
            .with_tags(["integration"])
            .match_tag("integration"));
        let old = ctx.with_toolchain_version(GoVersion::new(1, 21, 0));
        assert!(old.match_tag("go1.21") && !old.match_tag("go1.22"));
    }

    #[test]
    fn os_aliases() {
        assert!(BuildContext::new("android", "arm64").match_tag("linux"));
        assert!(BuildContext::new("ios", "arm64").match_tag("darwin"));
        assert!(BuildContext::new("illumos", "amd64").match_tag("solaris"));
        assert!(!BuildContext::new("linux", "amd64").match_tag("android"));
        assert!(!BuildContext::new("windows", "amd64").match_tag("unix"));
        assert!(!BuildContext::new("plan9", "amd64").match_tag("unix"));
        assert!(!BuildContext::new("js", "wasm").match_tag("unix"));
    }

    #[test]
    fn tool_tags_match_go_defaults() {
        assert_eq!(
            default_tool_tags("linux", "amd64"),
            [
                "goexperiment.regabiwrappers",
                "goexperiment.regabiargs",
                "goexperiment.dwarf5",
                "goexperiment.greenteagc",
                "goexperiment.randomizedheapbase64",
                "amd64.v1"
            ]
        );
        let arm = default_tool_tags("linux", "arm");
        assert!(arm.contains(&"arm.7".to_string()) && !arm.iter().any(|t| t.contains("regabi")));
        assert!(default_tool_tags("linux", "mips").contains(&"mips.hardfloat".to_string()));
        assert!(!default_tool_tags("darwin", "arm64").contains(&"goexperiment.dwarf5".to_string()));
    }

    #[test]
    fn file_name_suffixes() {
        let ctx = linux();
        let ok = |name: &str| ctx.check_file_name(name).is_ok();
        assert!(ok("foo.go"));
        assert!(ok("foo_linux.go"));
        assert!(ok("foo_amd64.go"));
        assert!(ok("foo_linux_amd64.go"));
        assert!(ok("foo_linux_test.go"));
        assert!(ok("foo_linux_amd64_test.go"));
        assert!(!ok("foo_windows.go"));
        assert!(!ok("foo_arm64.go"));
        assert!(!ok("foo_linux_arm64.go"));
        assert!(!ok("foo_windows_amd64.go"));
        assert!(!ok("foo_windows_test.go"));
        assert!(!ok("foo_darwin_amd64_test.go"));
        // No underscore before the OS: not a constraint (Go 1.4+).
        assert!(ok("linux.go"));
        assert!(ok("windows.go"));
        assert!(ok("windows_test.go"));
        // The prefix before the first underscore is dropped, then the last one or
        // two elements count.
        assert!(!ok("x_windows.go"));
        assert!(!ok("windows_386.go")); // "_386" is an arch suffix
        assert!(ok("windows_linux.go")); // prefix dropped, then _linux
        assert!(!ok("foo_linux_windows.go")); // last element wins: windows
        assert!(ok("foo_windows_linux.go"));
        // Unknown words are not constraints.
        assert!(ok("foo_bar.go"));
        assert!(ok("foo_test.go"));
        assert!(ok("foo_linux_bar.go"));
        // Only the part before the first dot counts.
        assert!(ok("foo.windows.go"));
        assert!(!ok("foo_windows.x.go"));
        assert_eq!(
            ctx.check_file_name("a_windows_arm64_test.go"),
            Err(FileNameMismatch {
                suffix: "windows_arm64".to_string()
            })
        );
        assert!(BuildContext::new("android", "arm64")
            .check_file_name("a_linux.go")
            .is_ok());
    }

    fn builds(src: &str) -> bool {
        linux()
            .should_build(src.as_bytes())
            .unwrap_or_else(|e| panic!("{src}: {e}"))
    }

    #[test]
    fn go_build_lines_in_header() {
        assert!(builds("//go:build linux\n\npackage p\n"));
        assert!(!builds("//go:build windows\n\npackage p\n"));
        // //go:build needs no blank line after it.
        assert!(!builds("//go:build windows\npackage p\n"));
        assert!(!builds(
            "// Copyright\n\n//go:build ignore\n\n// Doc.\npackage p\n"
        ));
        // After the package clause it is not a constraint.
        assert!(builds("package p\n\n//go:build windows\n"));
        // Inside /* */ it does not count.
        assert!(builds("/*\n//go:build windows\n*/\n\npackage p\n"));
        // //go:build overrides +build lines.
        assert!(builds("// +build windows\n//go:build linux\n\npackage p\n"));
        assert!(matches!(
            linux().should_build(b"//go:build linux\n//go:build linux\n\npackage p\n"),
            Err(ConstraintError::Syntax { .. })
        ));
        assert!(linux()
            .should_build(b"//go:build linux &&\n\npackage p\n")
            .is_err());
        // CRLF line endings.
        assert!(!builds("//go:build windows\r\n\r\npackage p\r\n"));
    }

    #[test]
    fn plus_build_lines_in_header() {
        assert!(!builds("// +build windows\n\npackage p\n"));
        assert!(builds("// +build linux darwin\n\npackage p\n"));
        // Every line must hold (AND across lines).
        assert!(!builds("// +build linux\n// +build arm64\n\npackage p\n"));
        assert!(builds("// +build linux\n// +build amd64\n\npackage p\n"));
        // A +build line must be followed by a blank line to count.
        assert!(builds("// +build windows\npackage p\n"));
        assert!(builds("// +build windows\n// Package p.\npackage p\n"));
        // Within /* */ block: the blank-line rule stops at the block.
        assert!(builds("/* x */\n// +build windows\n\npackage p\n"));
        assert!(!builds(
            "// c\n\n// +build windows\n\n/* doc */\npackage p\n"
        ));
        // A malformed // +build line is ignored.
        // A literal that is not a valid tag becomes "ignore".
        assert!(!builds("// +build (x)\n\npackage p\n"));
        assert!(!builds("// +build ignore\n\npackage main\n"));
    }
}
