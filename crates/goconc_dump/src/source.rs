//! Source mapping: which frames are the module's own code, their source
//! lines, and static findings that fire at those lines.

use crate::model::{Analysis, FrameView, Origin, StaticFinding};
use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

/// The Go module goconc runs in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleInfo {
    pub root: PathBuf,
    pub path: String,
}

impl ModuleInfo {
    /// Walks up from `start` to the nearest `go.mod` and reads its `module` line.
    pub fn discover(start: &Path) -> Option<ModuleInfo> {
        let mut dir = Some(start);
        while let Some(d) = dir {
            let go_mod = d.join("go.mod");
            if let Ok(text) = std::fs::read_to_string(&go_mod) {
                let path = module_path_of(&text)?;
                return Some(ModuleInfo {
                    root: d.to_path_buf(),
                    path,
                });
            }
            dir = d.parent();
        }
        None
    }
}

/// The module path from go.mod text (`module example.com/x`, possibly quoted).
pub fn module_path_of(go_mod: &str) -> Option<String> {
    go_mod.lines().find_map(|line| {
        let line = line.split("//").next().unwrap_or("").trim();
        let rest = line.strip_prefix("module")?;
        if !rest.starts_with([' ', '\t', '"']) {
            return None;
        }
        let path = rest.trim().trim_matches(['"', '`']);
        (!path.is_empty()).then(|| path.to_string())
    })
}

/// Classifies a function by its package path.
pub fn origin_of(function: &str, module_path: Option<&str>) -> Origin {
    if let Some(module) = module_path {
        if let Some(rest) = function.strip_prefix(module) {
            if rest.starts_with('.') || rest.starts_with('/') {
                return Origin::Own;
            }
        }
    }
    if function.starts_with("main.") {
        return Origin::Own;
    }
    // The package path ends at the first '.' after the last '/'.
    let last_slash = function.rfind('/').map_or(0, |i| i + 1);
    let package_end = function[last_slash..]
        .find('.')
        .map_or(function.len(), |i| last_slash + i);
    let package = &function[..package_end];
    let first_element = package.split('/').next().unwrap_or("");
    if first_element.contains('.') {
        Origin::Dependency
    } else {
        Origin::Std
    }
}

/// Fills in origins, source lines and static-finding citations.
pub struct SourceMapper<'a> {
    module: Option<&'a ModuleInfo>,
    findings: &'a [StaticFinding],
    /// frame file → local file, or None when it cannot be found.
    local_paths: HashMap<String, Option<PathBuf>>,
    files: HashMap<PathBuf, Option<Vec<String>>>,
}

impl<'a> SourceMapper<'a> {
    pub fn new(module: Option<&'a ModuleInfo>, findings: &'a [StaticFinding]) -> Self {
        Self {
            module,
            findings,
            local_paths: HashMap::new(),
            files: HashMap::new(),
        }
    }

    /// Annotates every group of the analysis. Source text is read for own
    /// frames of the first `max_groups_with_source` groups only (those are
    /// the ones a human reads).
    pub fn annotate(&mut self, analysis: &mut Analysis, max_groups_with_source: usize) {
        analysis.module = self.module.map(|m| m.path.clone());
        let module_path = self.module.map(|m| m.path.as_str());
        for (i, group) in analysis.groups.iter_mut().enumerate() {
            let with_source = i < max_groups_with_source;
            let mut cited = Vec::new();
            for ancestor in &mut group.ancestors {
                // Ancestor lines are return addresses: origin only, no source text.
                ancestor.origin = origin_of(&ancestor.frame.function, module_path);
            }
            for frame in group.frames.iter_mut().chain(group.created_by.iter_mut()) {
                frame.origin = origin_of(&frame.frame.function, module_path);
                if frame.origin != Origin::Own {
                    continue;
                }
                if with_source {
                    frame.source = self.source_line(frame);
                }
                for finding in self.findings_at(frame) {
                    if !cited.contains(finding) {
                        cited.push(finding.clone());
                    }
                }
            }
            group.findings = cited;
        }
    }

    fn findings_at(&mut self, frame: &FrameView) -> Vec<&'a StaticFinding> {
        if self.findings.is_empty() || frame.frame.line == 0 {
            return Vec::new();
        }
        let local = self.local_path(&frame.frame.file);
        let findings = self.findings;
        let root = self.module.map(|m| m.root.as_path());
        findings
            .iter()
            .filter(|f| f.line == frame.frame.line)
            .filter(|f| {
                let finding_path = Path::new(&f.path);
                let absolute = match (finding_path.is_absolute(), root) {
                    (true, _) => Some(finding_path.to_path_buf()),
                    (false, Some(root)) => Some(root.join(finding_path)),
                    (false, None) => None,
                };
                let same_local = matches!((&local, &absolute), (Some(l), Some(a)) if l == a);
                same_local || path_ends_with(&frame.frame.file, &f.path)
            })
            .collect()
    }

    fn source_line(&mut self, frame: &FrameView) -> Option<String> {
        let path = self.local_path(&frame.frame.file)?;
        let lines = self
            .files
            .entry(path.clone())
            .or_insert_with(|| read_lines(&path))
            .as_ref()?;
        let index = usize::try_from(frame.frame.line).ok()?.checked_sub(1)?;
        lines.get(index).map(|l| l.trim().to_string())
    }

    /// The local file for a frame's path: the path itself when it exists,
    /// otherwise the longest suffix of it that exists under the module root
    /// (dumps are often taken on another machine or in a container).
    fn local_path(&mut self, file: &str) -> Option<PathBuf> {
        if let Some(found) = self.local_paths.get(file) {
            return found.clone();
        }
        let found = self.find_local(file);
        self.local_paths.insert(file.to_string(), found.clone());
        found
    }

    fn find_local(&self, file: &str) -> Option<PathBuf> {
        if file.is_empty() {
            return None;
        }
        let path = Path::new(file);
        if path.is_file() {
            return Some(path.to_path_buf());
        }
        let root = &self.module?.root;
        let parts: Vec<&str> = path
            .components()
            .filter_map(|c| match c {
                Component::Normal(p) => p.to_str(),
                _ => None,
            })
            .collect();
        (0..parts.len()).find_map(|skip| {
            let candidate = parts[skip..]
                .iter()
                .fold(root.clone(), |acc, part| acc.join(part));
            candidate.is_file().then_some(candidate)
        })
    }
}

fn read_lines(path: &Path) -> Option<Vec<String>> {
    let bytes = std::fs::read(path).ok()?;
    // Only Go sources of sane size are shown.
    if bytes.len() > 16 * 1024 * 1024 {
        return None;
    }
    Some(
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(str::to_string)
            .collect(),
    )
}

/// Whether `file` ends with the path components of `suffix`.
fn path_ends_with(file: &str, suffix: &str) -> bool {
    let file_parts: Vec<&str> = file.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
    let suffix_parts: Vec<&str> = suffix
        .split(['/', '\\'])
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    !suffix_parts.is_empty() && file_parts.ends_with(&suffix_parts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins() {
        let m = Some("example.com/svc");
        assert_eq!(
            origin_of("example.com/svc/worker.(*Pool).run", m),
            Origin::Own
        );
        assert_eq!(origin_of("example.com/svc.main", m), Origin::Own);
        assert_eq!(origin_of("example.com/svcx.main", m), Origin::Dependency);
        assert_eq!(origin_of("main.worker", None), Origin::Own);
        assert_eq!(origin_of("net/http.(*conn).serve", m), Origin::Std);
        assert_eq!(origin_of("runtime.gopark", m), Origin::Std);
        assert_eq!(origin_of("github.com/x/y.(*Z).F", m), Origin::Dependency);
        assert_eq!(
            origin_of("gopkg.in/yaml%2ev3.Unmarshal", m),
            Origin::Dependency
        );
    }

    #[test]
    fn go_mod_module_line() {
        assert_eq!(
            module_path_of("// c\nmodule \"example.com/x\" // trailing\n\ngo 1.22\n").as_deref(),
            Some("example.com/x")
        );
        assert_eq!(module_path_of("modulex y\n"), None);
    }

    #[test]
    fn suffix_match() {
        assert!(path_ends_with(
            "/build/app/worker/pool.go",
            "worker/pool.go"
        ));
        assert!(path_ends_with(
            "/build/app/worker/pool.go",
            "./worker/pool.go"
        ));
        assert!(!path_ends_with("/build/app/worker/pool.go", "ker/pool.go"));
    }
}
