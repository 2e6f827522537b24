//! GC204 `channel-under-lock`.

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
    pub struct ChannelUnderLock {
        code: "GC204",
        name: "channel-under-lock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Blocking channel operation while holding a lock the counterpart needs",
    }
}

impl Rule for ChannelUnderLock {
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
        crate::testing::assert_rule_fixtures(&ChannelUnderLock);
    }
}
