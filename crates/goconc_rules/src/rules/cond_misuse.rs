//! GC206 `cond-misuse`.

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
    pub struct CondMisuse {
        code: "GC206",
        name: "cond-misuse",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "sync.Cond Wait/Signal used in a way that misses wake-ups",
    }
}

impl Rule for CondMisuse {
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
        crate::testing::assert_rule_fixtures(&CondMisuse);
    }
}
