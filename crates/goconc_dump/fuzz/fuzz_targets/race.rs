//! Race-detector logs: read and render in every format.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(log) = goconc_dump::read_race_log(data) else {
        return;
    };
    for format in [
        goconc_dump::Format::Text,
        goconc_dump::Format::Markdown,
        goconc_dump::Format::Json,
    ] {
        let mut out = Vec::new();
        let _ = goconc_dump::render::write_race(&mut out, &log, format);
    }
});
