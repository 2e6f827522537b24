//! Binary pprof goroutine profiles: raw protobuf, and the same bytes gzipped.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Write;

fuzz_target!(|data: &[u8]| {
    let mut aggregator = goconc_dump::group::Aggregator::new();
    if goconc_dump::pprof::read_pprof(data, &mut aggregator).is_ok() {
        let _ = aggregator.finish();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    if gz.write_all(data).is_ok() {
        if let Ok(compressed) = gz.finish() {
            let _ = goconc_dump::read_dump(&compressed[..]);
        }
    }
});
