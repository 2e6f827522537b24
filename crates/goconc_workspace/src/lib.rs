//! goconc_workspace
