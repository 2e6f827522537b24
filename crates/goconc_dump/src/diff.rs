//! Leak diff: compares a dump against an earlier baseline of the same process.

use crate::model::{Analysis, BaselineSummary, Frame, Group, GroupDelta};
use std::collections::HashMap;

type GroupIdentity = (String, Option<Frame>, Vec<Frame>);

fn identity(group: &Group) -> GroupIdentity {
    (
        group.state.clone(),
        group.created_by.as_ref().map(|f| f.frame.clone()),
        group.frames.iter().map(|f| f.frame.clone()).collect(),
    )
}

/// Records per group of `after` how it changed against `baseline`, and the
/// groups that disappeared. Groups match on state, creation site and stack.
pub fn apply_baseline(after: &mut Analysis, baseline: &Analysis) {
    let mut before: HashMap<GroupIdentity, u64> = HashMap::new();
    for group in &baseline.groups {
        *before.entry(identity(group)).or_default() += group.count;
    }
    let mut seen: HashMap<GroupIdentity, bool> = HashMap::new();
    let mut grown = 0;
    let mut new = 0;
    for group in &mut after.groups {
        let id = identity(group);
        let baseline_count = before.get(&id).copied().unwrap_or(0);
        let delta = i128::from(group.count) - i128::from(baseline_count);
        let delta = i64::try_from(delta).unwrap_or(if delta > 0 { i64::MAX } else { i64::MIN });
        let is_new = baseline_count == 0;
        if is_new {
            new += 1;
        } else if delta > 0 {
            grown += 1;
        }
        group.baseline = Some(GroupDelta {
            baseline_count,
            delta,
            new: is_new,
        });
        seen.insert(id, true);
    }
    let mut gone: Vec<(u64, String, Option<Frame>)> = baseline
        .groups
        .iter()
        .filter(|g| !seen.contains_key(&identity(g)))
        .map(|g| {
            (
                g.count,
                g.state.clone(),
                g.frames.first().map(|f| f.frame.clone()),
            )
        })
        .collect();
    gone.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    after.baseline = Some(BaselineSummary {
        goroutines: baseline.goroutines,
        grown_groups: grown,
        new_groups: new,
        gone,
    });
}
