//! GC101 `abandoned-channel`.

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
    pub struct AbandonedChannel {
        code: "GC101",
        name: "abandoned-channel",
        category: GoroutineLeak,
        default: true,
        fixable: false,
        summary: "Goroutine blocks forever on a channel its counterpart can stop serving",
    }
}

impl Rule for AbandonedChannel {
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
        crate::testing::assert_rule_fixtures(&AbandonedChannel);
    }
}
