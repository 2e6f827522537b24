//! GC201 `double-lock`.

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
    pub struct DoubleLock {
        code: "GC201",
        name: "double-lock",
        category: Deadlock,
        default: true,
        fixable: false,
        summary: "Mutex locked again while already held",
    }
}

impl Rule for DoubleLock {
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
        crate::testing::assert_rule_fixtures(&DoubleLock);
    }
}
