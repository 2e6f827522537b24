//! Go release / language versions as a comparable value.

use std::fmt;

/// A Go version such as `1.22` or `1.21.3`.
///
/// Ordering is numeric (`1.9 < 1.10 < 1.22 < 1.22.1`). Pre-release suffixes
/// (`1.21rc1`, `1.21beta2`) are accepted by [`GoVersion::parse`] and dropped:
/// rules only care about the language version (major.minor), and a pre-release
/// of 1.21 already implements the 1.21 language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
}

impl GoVersion {
    /// The toolchain version this crate models (release tags `go1.1`..`go1.26`).
    pub const CURRENT: GoVersion = GoVersion::new(1, 26, 0);

    /// Version assumed by the go command for a go.mod file without a `go` directive.
    pub const MISSING_GO_DIRECTIVE: GoVersion = GoVersion::new(1, 16, 0);

    /// First language version with per-iteration loop variables (`for` loops, Go 1.22).
    pub const PER_ITERATION_LOOP_VARS: GoVersion = GoVersion::new(1, 22, 0);

    pub const fn new(major: u32, minor: u32, patch: u32) -> GoVersion {
        GoVersion {
            major,
            minor,
            patch,
        }
    }

    /// Parses `1`, `1.22`, `1.22.3`, `1.21rc1`, `1.21.0-rc.1`-free forms as used in
    /// go.mod `go` directives, `toolchain` names (`go1.22.3`) and `goX.Y` build tags.
    /// A leading `go` is allowed. Returns `None` for anything else.
    pub fn parse(text: &str) -> Option<GoVersion> {
        let text = text.strip_prefix("go").unwrap_or(text);
        // A toolchain name may carry a custom suffix: go1.22.3-custom.
        let text = text.split_once('-').map_or(text, |(head, _)| head);
        let (numbers, prerelease) = split_prerelease(text);
        if let Some(pre) = prerelease {
            // rc1 / beta2 / alpha1: a word followed by a positive number.
            let digits = pre
                .strip_prefix("rc")
                .or_else(|| pre.strip_prefix("beta"))
                .or_else(|| pre.strip_prefix("alpha"))?;
            parse_number(digits)?;
        }
        let mut parts = numbers.split('.');
        let major = parse_number(parts.next()?)?;
        let minor = match parts.next() {
            Some(p) => parse_number(p)?,
            None => 0,
        };
        let patch = match parts.next() {
            Some(p) => parse_number(p)?,
            None => 0,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(GoVersion::new(major, minor, patch))
    }

    /// The language version (patch dropped): what `go 1.22.3` means for semantics.
    pub fn lang(self) -> GoVersion {
        GoVersion::new(self.major, self.minor, 0)
    }

    /// Whether `for` loop variables are per-iteration (Go 1.22 and later).
    pub fn has_per_iteration_loop_vars(self) -> bool {
        self.lang() >= GoVersion::PER_ITERATION_LOOP_VARS
    }
}

fn split_prerelease(text: &str) -> (&str, Option<&str>) {
    match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(i) => (&text[..i], Some(&text[i..])),
        None => (text, None),
    }
}

fn parse_number(text: &str) -> Option<u32> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Go rejects leading zeros ("1.02"); so do we, to keep one spelling per version.
    if text.len() > 1 && text.starts_with('0') {
        return None;
    }
    text.parse().ok()
}

impl Default for GoVersion {
    fn default() -> Self {
        GoVersion::CURRENT
    }
}

impl fmt::Display for GoVersion {
    /// `1.22` for a language version, `1.22.3` when a patch is present.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.patch == 0 {
            write!(f, "{}.{}", self.major, self.minor)
        } else {
            write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(GoVersion::parse("1.22"), Some(GoVersion::new(1, 22, 0)));
        assert_eq!(GoVersion::parse("1.22.3"), Some(GoVersion::new(1, 22, 3)));
        assert_eq!(GoVersion::parse("go1.21.0"), Some(GoVersion::new(1, 21, 0)));
        assert_eq!(GoVersion::parse("1.21rc1"), Some(GoVersion::new(1, 21, 0)));
        assert_eq!(GoVersion::parse("1"), Some(GoVersion::new(1, 0, 0)));
        assert_eq!(
            GoVersion::parse("go1.22.3-custom"),
            Some(GoVersion::new(1, 22, 3))
        );
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            "", "go", "1.", "1..2", "x1.2", "1.2.3.4", "1.02", "1.2x", "1.21rc", "-1",
        ] {
            assert_eq!(GoVersion::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn ordering_is_numeric() {
        let v = |s| GoVersion::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert!(v("1.9") < v("1.10"));
        assert!(v("1.21") < v("1.21.1"));
        assert!(v("1.22") > v("1.21.9"));
        assert!(!v("1.21.9").has_per_iteration_loop_vars());
        assert!(v("1.22").has_per_iteration_loop_vars());
        assert!(v("1.22.5").has_per_iteration_loop_vars());
        assert_eq!(v("1.22.5").lang(), v("1.22"));
        assert_eq!(v("1.22.5").to_string(), "1.22.5");
        assert_eq!(v("1.22").to_string(), "1.22");
    }
}
