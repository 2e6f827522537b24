//! GC102 `unmatched-channel-op`.

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
    pub struct UnmatchedChannelOp {
        code: "GC102",
        name: "unmatched-channel-op",
        category: GoroutineLeak,
        default: true,
        fixable: false,
        summary: "Channel operation that nothing in the package can ever complete",
    }
}

impl Rule for UnmatchedChannelOp {
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
        crate::testing::assert_rule_fixtures(&UnmatchedChannelOp);
    }
}
