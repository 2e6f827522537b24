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
