//! GC103 `select-without-cancel`.

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
    pub struct SelectWithoutCancel {
        code: "GC103",
        name: "select-without-cancel",
        category: GoroutineLeak,
        default: true,
        fixable: false,
        summary: "Blocking select in a loop without a ctx.Done() case",
    }
}

impl Rule for SelectWithoutCancel {
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
        crate::testing::assert_rule_fixtures(&SelectWithoutCancel);
    }
}
