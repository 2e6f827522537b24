//! GC205 `waitgroup-misuse`.

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
    pub struct WaitgroupMisuse {
        code: "GC205",
        name: "waitgroup-misuse",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "WaitGroup Add/Done/Wait used in a way that hangs or races",
    }
}

impl Rule for WaitgroupMisuse {
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
        crate::testing::assert_rule_fixtures(&WaitgroupMisuse);
    }
}
