//! Running rules over a whole [`Program`]: shared by the CLI and the fixture
//! harness so both see exactly the same behaviour.

use crate::{Finding, Rule, RuleContext};
use goconc_semantic::loader::GoEnv;
use goconc_semantic::Program;
use goconc_workspace::modfile::ReplaceTarget;
use goconc_workspace::Module;
use rayon::prelude::*;

/// The dependency environment for `modules`: GOROOT and the module cache as
/// `go env` reports them, every `require`d module version, local `replace`
/// directories and the first module's `vendor/` directory.
pub fn go_env_for(modules: &[Module]) -> GoEnv {
    let mut env = GoEnv::detect();
    for module in modules {
        let Some(go_mod) = &module.go_mod else {
            continue;
        };
        for require in &go_mod.require {
            env.modules
                .push((require.path.clone(), require.version.clone()));
        }
        for replace in &go_mod.replace {
            match &replace.new {
                ReplaceTarget::LocalDir(dir) => env
                    .replaces
                    .push((replace.old_path.clone(), module.root.join(dir))),
                ReplaceTarget::Module { path, version } => {
                    env.modules
                        .retain(|(existing, _)| existing != &replace.old_path);
                    env.modules.push((path.clone(), version.clone()));
                }
            }
        }
        if env.vendor_dir.is_none() && module.root.join("vendor").is_dir() {
            env.vendor_dir = Some(module.root.join("vendor"));
        }
    }
    env.modules.sort();
    env.modules.dedup();
    env
}

/// Runs `rules` on every package of `program` (in parallel) and returns the
/// findings tagged with their package index, in a deterministic order.
/// Removes the findings a `//goconc:ignore` or `//goconc:file-ignore`
/// directive covers (see [`crate::suppress`]).
fn drop_suppressed(program: &Program, package: u32, found: &mut Vec<Finding>) {
    let Some(model) = program.packages.get(package as usize) else {
        return;
    };
    let by_file: Vec<crate::suppress::Suppressions> = model
        .pkg
        .files
        .iter()
        .map(|file| crate::suppress::Suppressions::of(&file.ast))
        .collect();
    if by_file.iter().all(crate::suppress::Suppressions::is_empty) {
        return;
    }
    found.retain(|finding| {
        let (Some(suppressions), Some(file)) = (
            by_file.get(finding.file.0),
            model.pkg.files.get(finding.file.0),
        ) else {
            return true;
        };
        let line = file.ast.line_index.line_col(finding.span.start).line;
        !suppressions.covers(finding.code, line)
    });
}

pub fn run_rules(program: &Program, rules: &[&'static dyn Rule]) -> Vec<(u32, Finding)> {
    let mut findings: Vec<(u32, Finding)> = (0..program.packages.len() as u32)
        .into_par_iter()
        .flat_map_iter(|package| {
            let ctx = RuleContext::new(program, package);
            let mut found = Vec::new();
            for rule in rules {
                rule.check(&ctx, &mut found);
            }
            if !found.is_empty() {
                drop_suppressed(program, package, &mut found);
            }
            found.into_iter().map(move |finding| (package, finding))
        })
        .collect();
    findings.sort_by(|(pa, a), (pb, b)| {
        (pa, a.file, a.span.start, a.code, &a.message).cmp(&(
            pb,
            b.file,
            b.span.start,
            b.code,
            &b.message,
        ))
    });
    findings.dedup();
    findings
}
