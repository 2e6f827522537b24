//! The list of all rules and their metadata.

use crate::{Category, Rule};
use serde::Serialize;

/// Static description of a rule. `doc` is the rule's doc comment verbatim
/// (each line keeps the single leading space rustdoc leaves).
#[derive(Clone, Copy, Debug, Serialize)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    pub default: bool,
    pub fixable: bool,
    pub summary: &'static str,
    #[serde(skip)]
    pub doc: &'static str,
}

impl RuleMeta {
    /// The documentation as Markdown: a title line followed by the doc comment
    /// with rustdoc's leading space removed.
    pub fn markdown(&self) -> String {
        let mut out = format!("# {} `{}`\n\n", self.code, self.name);
        out.push_str(&format!(
            "Category: {} · Enabled by default: {} · Autofix: {}\n\n",
            self.category.as_str(),
            if self.default { "yes" } else { "no" },
            if self.fixable { "yes" } else { "no" }
        ));
        out.push_str(&format!("{}\n\n", self.summary));
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }
}

/// Syntax errors are reported by the front end, not by a [`Rule`], but they
/// are listed and documented like any rule.
pub const SYNTAX_ERROR: RuleMeta = RuleMeta {
    code: "GC000",
    name: "syntax-error",
    category: Category::Syntax,
    default: true,
    fixable: false,
    summary: "The file is not valid Go",
    doc: " ## What it does\n Reports source that the Go parser rejects: the rest of the file and\n package is still analysed, but code inside broken declarations is not.\n\n ## Why is this bad?\n `go build` fails on the file, and every goconc finding in it may be\n incomplete.\n",
};

/// Every rule goconc has, in code order.
pub fn all_rules() -> Vec<&'static dyn Rule> {
    let mut rules: Vec<&'static dyn Rule> = crate::rules::ALL.to_vec();
    rules.sort_by_key(|rule| rule.meta().code);
    rules
}

/// Metadata of every rule, including the front end's `GC000`, in code order.
pub fn all_metas() -> Vec<&'static RuleMeta> {
    let mut metas: Vec<&'static RuleMeta> = vec![&SYNTAX_ERROR];
    metas.extend(all_rules().into_iter().map(|rule| rule.meta()));
    metas.sort_by_key(|meta| meta.code);
    metas
}

/// Looks a rule up by code (`GC201`) or name (`double-lock`), case-insensitively.
pub fn rule_by_code(code_or_name: &str) -> Option<&'static RuleMeta> {
    all_metas().into_iter().find(|meta| {
        meta.code.eq_ignore_ascii_case(code_or_name) || meta.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// A rule selector that matches no rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown rule selector {0:?}: use a code (GC201), a code prefix (GC2), a rule name (double-lock) or ALL"
)]
pub struct UnknownSelector(pub String);

/// The rules one run reports, chosen the way ruff chooses them: start from
/// `select` (or, without it, every rule enabled by default), add
/// `extend_select`, then remove `ignore`. A selector is `ALL`, a code
/// (`GC201`), a code prefix (`GC2`, `GC10`) or a rule name
/// (`double-lock`), all case-insensitive. The syntax diagnostic `GC000` is
/// selected like any rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSelection {
    codes: Vec<&'static str>,
}

impl Default for RuleSelection {
    /// The rules enabled by default.
    fn default() -> Self {
        RuleSelection {
            codes: all_metas()
                .into_iter()
                .filter(|meta| meta.default)
                .map(|meta| meta.code)
                .collect(),
        }
    }
}

impl RuleSelection {
    /// Resolves the three selector lists; an unknown selector is an error
    /// rather than a silently empty match, so a typo cannot turn checks off.
    pub fn resolve(
        select: Option<&[String]>,
        extend_select: &[String],
        ignore: &[String],
    ) -> Result<RuleSelection, UnknownSelector> {
        let mut codes: Vec<&'static str> = match select {
            Some(selectors) => matching_codes(selectors)?,
            None => RuleSelection::default().codes,
        };
        codes.extend(matching_codes(extend_select)?);
        let ignored = matching_codes(ignore)?;
        codes.retain(|code| !ignored.contains(code));
        codes.sort_unstable();
        codes.dedup();
        Ok(RuleSelection { codes })
    }

    /// Every rule, including the ones that are off by default.
    pub fn all() -> RuleSelection {
        RuleSelection {
            codes: all_metas().into_iter().map(|meta| meta.code).collect(),
        }
    }

    pub fn contains(&self, code: &str) -> bool {
        self.codes.binary_search(&code).is_ok()
    }

    /// The selected rules (without `GC000`, which is not a [`Rule`]), in code order.
    pub fn rules(&self) -> Vec<&'static dyn Rule> {
        all_rules()
            .into_iter()
            .filter(|rule| self.contains(rule.meta().code))
            .collect()
    }
}

pub(crate) fn matching_codes(selectors: &[String]) -> Result<Vec<&'static str>, UnknownSelector> {
    let metas = all_metas();
    let mut codes = Vec::new();
    for selector in selectors {
        let selector = selector.trim();
        let matched: Vec<&'static str> = metas
            .iter()
            .filter(|meta| {
                selector.eq_ignore_ascii_case("ALL")
                    || meta.name.eq_ignore_ascii_case(selector)
                    || (selector.len() >= 3
                        && meta.code.len() >= selector.len()
                        && meta.code[..selector.len()].eq_ignore_ascii_case(selector))
            })
            .map(|meta| meta.code)
            .collect();
        if matched.is_empty() {
            return Err(UnknownSelector(selector.to_string()));
        }
        codes.extend(matched);
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// `docs/rules/CODE.md` is the rule's own doc comment, rendered as
    /// `goconc rule CODE` prints it. `GOCONC_BLESS=1 cargo test -p
    /// goconc_rules docs_` rewrites the pages after a doc comment changes.
    #[test]
    fn docs_pages_match_the_rules_doc_comments() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/rules");
        let bless = std::env::var_os("GOCONC_BLESS").is_some();
        let mut stale = Vec::new();
        let mut index = String::from("# Rules\n\nEach page is the rule's doc comment, as `goconc rule CODE` prints it.\n\n| code | name | summary |\n|---|---|---|\n");
        for meta in all_metas() {
            let page = format!("{}\n", meta.markdown());
            index.push_str(&format!(
                "| [{code}]({code}.md) | `{}` | {} |\n",
                meta.name,
                meta.summary,
                code = meta.code
            ));
            let path = dir.join(format!("{}.md", meta.code));
            if bless {
                std::fs::create_dir_all(&dir).expect("create docs/rules");
                std::fs::write(&path, &page).expect("write rule page");
            } else if std::fs::read_to_string(&path).ok().as_deref() != Some(page.as_str()) {
                stale.push(meta.code);
            }
        }
        let index_path = dir.join("README.md");
        if bless {
            std::fs::write(&index_path, &index).expect("write rules index");
        } else if std::fs::read_to_string(&index_path).ok().as_deref() != Some(index.as_str()) {
            stale.push("README");
        }
        assert!(
            stale.is_empty(),
            "docs/rules out of date for {stale:?}; run GOCONC_BLESS=1 cargo test -p goconc_rules docs_"
        );
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|item| item.to_string()).collect()
    }

    #[test]
    fn selection_starts_from_the_default_rules() {
        let default = RuleSelection::resolve(None, &[], &[]).expect("no selectors");
        for meta in all_metas() {
            assert_eq!(default.contains(meta.code), meta.default, "{}", meta.code);
        }
        assert_eq!(default, RuleSelection::default());
        let off: Vec<&str> = all_metas()
            .into_iter()
            .filter(|meta| !meta.default)
            .map(|meta| meta.code)
            .collect();
        let extended = RuleSelection::resolve(None, &strings(&off), &[]).expect("known codes");
        assert_eq!(extended, RuleSelection::all());
    }

    #[test]
    fn selectors_are_codes_prefixes_names_or_all() {
        let select = |items: &[&str]| {
            RuleSelection::resolve(Some(&strings(items)), &[], &[]).expect("known selectors")
        };
        let only_201 = select(&["gc201"]);
        assert!(only_201.contains("GC201") && !only_201.contains("GC202"));
        assert_eq!(select(&["double-lock"]), only_201);
        let leaks = select(&["GC1"]);
        assert!(leaks.contains("GC101") && leaks.contains("GC103") && !leaks.contains("GC201"));
        assert!(!leaks.contains("GC000"));
        assert_eq!(select(&["ALL"]), RuleSelection::all());
        let ignored = RuleSelection::resolve(
            Some(&strings(&["ALL"])),
            &[],
            &strings(&["GC2", "syntax-error"]),
        )
        .expect("known selectors");
        assert!(
            ignored.contains("GC101") && !ignored.contains("GC201") && !ignored.contains("GC000")
        );
        assert_eq!(
            ignored.rules().len(),
            all_rules()
                .iter()
                .filter(|rule| rule.meta().code.starts_with("GC1"))
                .count()
        );
    }

    #[test]
    fn unknown_or_too_short_selectors_are_errors() {
        for bad in ["GC9", "G", "GC", "double_lock", ""] {
            assert_eq!(
                RuleSelection::resolve(Some(&strings(&[bad])), &[], &[]),
                Err(UnknownSelector(bad.to_string())),
                "{bad:?}"
            );
        }
        assert!(RuleSelection::resolve(None, &[], &strings(&["GC999"])).is_err());
    }

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for meta in all_metas() {
            assert!(codes.insert(meta.code), "duplicate code {}", meta.code);
            assert!(names.insert(meta.name), "duplicate name {}", meta.name);
            assert!(
                meta.doc.contains("## What it does") && meta.doc.contains("## Why is this bad?"),
                "{} lacks the required doc sections",
                meta.code
            );
            if meta.category != Category::Syntax {
                assert!(
                    meta.doc.contains("## Example") && meta.doc.contains("## Use instead"),
                    "{} lacks Example / Use instead",
                    meta.code
                );
            }
        }
    }

    #[test]
    fn lookup_by_code_or_name() {
        assert_eq!(rule_by_code("gc000").map(|m| m.name), Some("syntax-error"));
        assert_eq!(rule_by_code("syntax-error").map(|m| m.code), Some("GC000"));
        assert!(rule_by_code("GC999").is_none());
    }
}
