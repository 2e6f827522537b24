//! Semantic model: scopes, name resolution, types-lite, CFG, call graph, summaries.
