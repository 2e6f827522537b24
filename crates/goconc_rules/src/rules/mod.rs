//! One module per rule. Add a rule: write `rules/<name>.rs` with a
//! `declare_rule!` type implementing [`crate::Rule`], fixtures under
//! `testdata/<CODE>/`, and list it in [`ALL`].

use crate::Rule;

/// Every rule, in any order (the registry sorts by code).
pub static ALL: &[&dyn Rule] = &[];
