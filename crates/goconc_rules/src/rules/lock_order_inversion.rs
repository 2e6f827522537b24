//! GC202 `lock-order-inversion`.

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
    pub struct LockOrderInversion {
        code: "GC202",
        name: "lock-order-inversion",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Two locks acquired in opposite orders (AB-BA)",
    }
}

impl Rule for LockOrderInversion {
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
        crate::testing::assert_rule_fixtures(&LockOrderInversion);
    }
}
