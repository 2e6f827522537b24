//! goconc_dump: runtime triage for Go programs.
//!
//! * Readers for goroutine dumps in every form: `debug=2` / panic / `SIGQUIT`
//!   tracebacks and the `debug=1` text profile ([`text`]), binary pprof
//!   profiles ([`pprof`]), including Go's `goroutineleak` profile.
//! * Streaming grouping by wait state, normalised stack and creation site
//!   ([`group`]), leak-suspect ranking ([`analyze`]), baseline diffs
//!   ([`diff`]), the deadlock view, source mapping ([`source`]).
//! * Race-detector log deduplication ([`race`]).
//! * Text, Markdown and JSON output ([`render`]).

pub mod analyze;
pub mod diff;
pub mod group;
pub mod intern;
pub mod lines;
pub mod model;
pub mod pprof;
pub mod race;
pub mod render;
pub mod source;
pub mod text;

pub use analyze::AnalysisOptions;
pub use model::{Analysis, Frame, Group, StaticFinding};
pub use race::{read_race_log, RaceLog};
pub use render::{Format, RenderOptions};
pub use source::ModuleInfo;

use group::Aggregator;
use std::io::{self, BufRead, BufReader, Read};

/// Why a dump could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DumpError {
    #[error("reading the dump: {0}")]
    Io(#[from] io::Error),
    #[error(transparent)]
    Pprof(#[from] pprof::PprofError),
}

/// Buffer size for streaming reads.
const READ_BUFFER: usize = 1 << 20;

/// Reads a dump of any supported form, detecting the form from its first
/// bytes, and returns the unranked grouping. Text is streamed; protobuf
/// profiles (small by construction) are read whole.
pub fn read_dump<R: Read>(input: R) -> Result<Analysis, DumpError> {
    let mut aggregator = Aggregator::new();
    read_dump_into(input, &mut aggregator)?;
    Ok(aggregator.finish())
}

/// Like [`read_dump`], into an existing aggregator.
pub fn read_dump_into<R: Read>(input: R, aggregator: &mut Aggregator) -> Result<(), DumpError> {
    let mut reader = BufReader::with_capacity(READ_BUFFER, input);
    let head = loop {
        match reader.fill_buf() {
            Ok(buf) => break buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e.into()),
        }
    };
    if looks_like_protobuf(head) {
        let mut bytes = Vec::new();
        reader
            .take(pprof::MAX_PROFILE_BYTES)
            .read_to_end(&mut bytes)?;
        pprof::read_pprof(&bytes, aggregator)?;
    } else {
        text::read_text(reader, aggregator)?;
    }
    Ok(())
}

/// gzip magic, or a raw protobuf `Profile`: the first byte is the tag of one
/// of its fields (Go writes `period_type`, field 11, first) and binary bytes
/// that text dumps never contain follow.
fn looks_like_protobuf(head: &[u8]) -> bool {
    if head.starts_with(&[0x1f, 0x8b]) {
        return true;
    }
    let Some(&first) = head.first() else {
        return false;
    };
    let field = first >> 3;
    let wire_type = first & 7;
    let is_profile_tag = (1..=15).contains(&field) && (wire_type == 0 || wire_type == 2);
    is_profile_tag
        && head
            .iter()
            .take(64)
            .any(|&b| b < 0x09 || (0x0e..0x20).contains(&b))
}

/// Reads, classifies and ranks a dump, optionally against a baseline, with
/// source mapping and static-finding citations.
pub fn analyze_dump<R: Read, B: Read>(
    input: R,
    baseline: Option<B>,
    options: &AnalysisOptions,
    module: Option<&ModuleInfo>,
    findings: &[StaticFinding],
    source_groups: usize,
) -> Result<Analysis, DumpError> {
    let mut analysis = read_dump(input)?;
    let mut mapper = source::SourceMapper::new(module, findings);
    // Origins must be known before classification (reasons name own frames).
    mapper.annotate(&mut analysis, 0);
    if let Some(baseline) = baseline {
        let before = read_dump(baseline)?;
        diff::apply_baseline(&mut analysis, &before);
    }
    analyze::classify(&mut analysis, options);
    analyze::rank(&mut analysis);
    mapper.annotate(&mut analysis, source_groups);
    Ok(analysis)
}
