//! goconc_report
