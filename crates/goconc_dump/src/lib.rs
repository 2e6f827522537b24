//! goconc_dump
