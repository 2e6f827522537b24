//! Reader for binary pprof goroutine profiles (`debug=0`): gzipped or raw
//! protobuf following the public
//! [profile.proto](https://github.com/google/pprof/blob/main/proto/profile.proto).
//! The message structs below are derived by hand from that file (field numbers
//! and types match), so no `protoc` is needed at build time.

use crate::group::{state_from_function, Aggregator, GoroutineRecord};
use crate::intern::{normalize_function, strip_pc_offset};
use crate::model::InputFormat;
use flate2::read::MultiGzDecoder;
use prost::Message;
use std::collections::HashMap;
use std::io::Read;

/// Decompressed profiles larger than this are refused (a goroutine profile
/// is aggregated by stack, so real ones are orders of magnitude smaller).
pub const MAX_PROFILE_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Clone, PartialEq, Message)]
pub struct Profile {
    #[prost(message, repeated, tag = "1")]
    pub sample_type: Vec<ValueType>,
    #[prost(message, repeated, tag = "2")]
    pub sample: Vec<Sample>,
    #[prost(message, repeated, tag = "3")]
    pub mapping: Vec<Mapping>,
    #[prost(message, repeated, tag = "4")]
    pub location: Vec<Location>,
    #[prost(message, repeated, tag = "5")]
    pub function: Vec<Function>,
    #[prost(string, repeated, tag = "6")]
    pub string_table: Vec<String>,
    #[prost(int64, tag = "7")]
    pub drop_frames: i64,
    #[prost(int64, tag = "8")]
    pub keep_frames: i64,
    #[prost(int64, tag = "9")]
    pub time_nanos: i64,
    #[prost(int64, tag = "10")]
    pub duration_nanos: i64,
    #[prost(message, optional, tag = "11")]
    pub period_type: Option<ValueType>,
    #[prost(int64, tag = "12")]
    pub period: i64,
    #[prost(int64, repeated, tag = "13")]
    pub comment: Vec<i64>,
    #[prost(int64, tag = "14")]
    pub default_sample_type: i64,
    #[prost(int64, tag = "15")]
    pub doc_url: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValueType {
    #[prost(int64, tag = "1")]
    pub r#type: i64,
    #[prost(int64, tag = "2")]
    pub unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Sample {
    #[prost(uint64, repeated, tag = "1")]
    pub location_id: Vec<u64>,
    #[prost(int64, repeated, tag = "2")]
    pub value: Vec<i64>,
    #[prost(message, repeated, tag = "3")]
    pub label: Vec<Label>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Label {
    #[prost(int64, tag = "1")]
    pub key: i64,
    #[prost(int64, tag = "2")]
    pub str: i64,
    #[prost(int64, tag = "3")]
    pub num: i64,
    #[prost(int64, tag = "4")]
    pub num_unit: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Mapping {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub memory_start: u64,
    #[prost(uint64, tag = "3")]
    pub memory_limit: u64,
    #[prost(uint64, tag = "4")]
    pub file_offset: u64,
    #[prost(int64, tag = "5")]
    pub filename: i64,
    #[prost(int64, tag = "6")]
    pub build_id: i64,
    #[prost(bool, tag = "7")]
    pub has_functions: bool,
    #[prost(bool, tag = "8")]
    pub has_filenames: bool,
    #[prost(bool, tag = "9")]
    pub has_line_numbers: bool,
    #[prost(bool, tag = "10")]
    pub has_inline_frames: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Location {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(uint64, tag = "2")]
    pub mapping_id: u64,
    #[prost(uint64, tag = "3")]
    pub address: u64,
    #[prost(message, repeated, tag = "4")]
    pub line: Vec<Line>,
    #[prost(bool, tag = "5")]
    pub is_folded: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Line {
    #[prost(uint64, tag = "1")]
    pub function_id: u64,
    #[prost(int64, tag = "2")]
    pub line: i64,
    #[prost(int64, tag = "3")]
    pub column: i64,
}

#[derive(Clone, PartialEq, Message)]
pub struct Function {
    #[prost(uint64, tag = "1")]
    pub id: u64,
    #[prost(int64, tag = "2")]
    pub name: i64,
    #[prost(int64, tag = "3")]
    pub system_name: i64,
    #[prost(int64, tag = "4")]
    pub filename: i64,
    #[prost(int64, tag = "5")]
    pub start_line: i64,
}

/// Why a protobuf profile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum PprofError {
    #[error("reading the profile: {0}")]
    Io(#[from] std::io::Error),
    #[error("the profile is larger than {MAX_PROFILE_BYTES} bytes after decompression")]
    TooLarge,
    #[error("not a valid pprof protobuf: {0}")]
    Decode(#[from] prost::DecodeError),
}

/// Decompresses (when gzipped) and decodes a profile.
pub fn decode_profile(bytes: &[u8]) -> Result<Profile, PprofError> {
    let raw: Vec<u8>;
    let data = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        MultiGzDecoder::new(bytes)
            .take(MAX_PROFILE_BYTES + 1)
            .read_to_end(&mut out)?;
        if out.len() as u64 > MAX_PROFILE_BYTES {
            return Err(PprofError::TooLarge);
        }
        raw = out;
        &raw[..]
    } else {
        bytes
    };
    Ok(Profile::decode(data)?)
}

/// Reads a (possibly gzipped) goroutine or goroutineleak profile into the aggregator.
pub fn read_pprof(bytes: &[u8], aggregator: &mut Aggregator) -> Result<(), PprofError> {
    let profile = decode_profile(bytes)?;
    aggregator.meta.bytes_read += bytes.len() as u64;
    add_profile(&profile, aggregator);
    Ok(())
}

fn add_profile(profile: &Profile, agg: &mut Aggregator) {
    let string = |i: i64| -> &str {
        usize::try_from(i)
            .ok()
            .and_then(|i| profile.string_table.get(i))
            .map_or("", String::as_str)
    };
    let profile_name = profile
        .sample_type
        .first()
        .map(|t| string(t.r#type).to_string())
        .filter(|name| !name.is_empty());
    let leak_profile = profile_name.as_deref() == Some("goroutineleak");
    agg.meta.format = Some(InputFormat::Protobuf);
    agg.meta.profile = profile_name;

    let functions: HashMap<u64, &Function> = profile.function.iter().map(|f| (f.id, f)).collect();
    // location id → frame ids, innermost first.
    let mut locations: HashMap<u64, Vec<u32>> = HashMap::with_capacity(profile.location.len());
    for location in &profile.location {
        let mut frames = Vec::with_capacity(location.line.len());
        for line in &location.line {
            let (name, file) = match functions.get(&line.function_id) {
                Some(f) => (string(f.name), string(f.filename)),
                None => ("", ""),
            };
            let name = strip_pc_offset(name.as_bytes());
            let function = match normalize_function(name) {
                Some(n) => agg.interner.intern_bytes(&n),
                None => agg.interner.intern_bytes(name),
            };
            let file = agg.interner.intern(file);
            let line_no = u32::try_from(line.line).unwrap_or(0);
            frames.push(agg.interner.frame(function, file, line_no));
        }
        locations.insert(location.id, frames);
    }

    let goexit = agg.interner.intern("runtime.goexit");
    let mut record = GoroutineRecord::default();
    let mut total = 0u64;
    for sample in &profile.sample {
        record.clear();
        let count = sample.value.first().copied().unwrap_or(1);
        record.count = u64::try_from(count).unwrap_or(0).max(1);
        record.leaked = leak_profile;
        for id in &sample.location_id {
            if let Some(frames) = locations.get(id) {
                for &frame in frames {
                    if record.frames.len() < 1024 {
                        record.frames.push(frame);
                    }
                }
            }
        }
        // runtime.goexit closes every stack; it says nothing about the goroutine.
        while let Some(&last) = record.frames.last() {
            if agg.interner.frame_key(last).function == goexit {
                record.frames.pop();
            } else {
                break;
            }
        }
        // The state comes from the runtime frames (gopark, chansend1, ...);
        // then they are dropped so groups look like debug=2 tracebacks.
        let state = record.frames.iter().find_map(|&f| {
            let function = agg.interner.frame_key(f).function;
            state_from_function(agg.interner.str(function))
        });
        record.state = Some(agg.interner.intern(state.unwrap_or("unknown")));
        record.state_inferred = true;
        let runtime_prefix = record
            .frames
            .iter()
            .take_while(|&&f| {
                let function = agg.interner.frame_key(f).function;
                agg.interner.str(function).starts_with("runtime.")
            })
            .count();
        if runtime_prefix < record.frames.len() {
            record.frames.drain(..runtime_prefix);
        }
        for label in &sample.label {
            let key = string(label.key).to_string();
            let value = if label.str != 0 {
                string(label.str).to_string()
            } else {
                label.num.to_string()
            };
            record.labels.push((key, value));
        }
        total = total.saturating_add(record.count);
        agg.add(&record);
    }
    agg.meta.declared_total = Some(total);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(decode_profile(&[0x1f, 0x8b, 0, 1, 2]).is_err());
        assert!(decode_profile(&[0xff, 0xff, 0xff]).is_err());
    }
}
