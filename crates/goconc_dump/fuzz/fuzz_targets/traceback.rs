//! Text dumps (debug=2, panics, SIGQUIT, debug=1) through the whole
//! pipeline: read, classify, rank, render in every format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(analysis) = goconc_dump::analyze_dump(
        data,
        Some(data),
        &goconc_dump::AnalysisOptions::default(),
        None,
        &[],
        0,
    ) else {
        return;
    };
    for format in [
        goconc_dump::Format::Text,
        goconc_dump::Format::Markdown,
        goconc_dump::Format::Json,
    ] {
        let mut out = Vec::new();
        let _ = goconc_dump::render::write_dump(
            &mut out,
            &analysis,
            format,
            &goconc_dump::RenderOptions::default(),
        );
    }
});
