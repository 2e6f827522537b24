//! GC203 `missing-unlock`.

use crate::{declare_rule, Finding, Rule, RuleContext, RuleMeta};

declare_rule! {
    /// ## What it does
    /// (to be written with the rule)
    ///
    /// ## Why is this bad?
    /// (to be written with the rule)
    ///
    /// ## Example
    /// ```go
    /// ```
    ///
    /// ## Use instead
    /// ```go
    /// ```
    pub struct MissingUnlock {
        code: "GC203",
        name: "missing-unlock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Mutex left locked on some path, or unlocked when not held",
    }
}

impl Rule for MissingUnlock {
    fn meta(&self) -> &'static RuleMeta {
        &Self::META
    }

    fn check(&self, _ctx: &RuleContext<'_>, _findings: &mut Vec<Finding>) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixtures() {
        crate::testing::assert_rule_fixtures(&MissingUnlock);
    }
}
