//! One module per rule. Add a rule: write `rules/<name>.rs` with a
//! `declare_rule!` type implementing [`crate::Rule`], fixtures under
//! `testdata/<CODE>/`, and list it in [`ALL`].

use crate::Rule;

pub mod abandoned_channel;
pub mod channel_order_deadlock;
pub mod channel_under_lock;
pub mod cond_misuse;
pub mod double_lock;
pub mod lock_order_inversion;
pub mod missing_unlock;
pub mod select_without_cancel;
pub mod unmatched_channel_op;
pub mod waitgroup_misuse;

/// Every rule, in any order (the registry sorts by code).
pub static ALL: &[&dyn Rule] = &[
    &abandoned_channel::AbandonedChannel,
    &unmatched_channel_op::UnmatchedChannelOp,
    &select_without_cancel::SelectWithoutCancel,
    &double_lock::DoubleLock,
    &lock_order_inversion::LockOrderInversion,
    &missing_unlock::MissingUnlock,
    &channel_under_lock::ChannelUnderLock,
    &waitgroup_misuse::WaitgroupMisuse,
    &cond_misuse::CondMisuse,
    &channel_order_deadlock::ChannelOrderDeadlock,
];
