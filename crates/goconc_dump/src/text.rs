//! Reader for the text forms of goroutine dumps:
//! * `debug=2` dumps and panic / `SIGQUIT` / `fatal error` tracebacks,
//!   including `[originating from goroutine N]` ancestors, `(leaked)` states
//!   and `labels:{...}`;
//! * the `debug=1` aggregated profile (`goroutine profile: total N`,
//!   `goroutineleak profile: total N`).
//!
//! Input is streamed line by line; surrounding log lines are skipped, and a
//! fixed-width prefix (timestamps) before `goroutine N [` is stripped from the
//! lines that follow.

use crate::group::{is_machinery, wait_kind_of, Aggregator, GoroutineRecord, MAX_REFS};
use crate::intern::{normalize_function, strip_pc_offset, FrameId, StrId};
use crate::lines::LineReader;
use crate::model::{InputFormat, WaitKind};
use std::io::{self, BufRead};

/// Frames kept per goroutine; Go itself prints at most 100 (+ elision).
const MAX_FRAMES: usize = 1024;
const MAX_HEADLINE: usize = 400;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Outside,
    Goroutine,
    ProfileRecord,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Target {
    Stack,
    CreatedBy,
    Ancestors,
    /// Second and later ancestor blocks: read but not kept.
    Ignored,
}

struct PendingFunction {
    function: StrId,
    target: Target,
    wait: Option<(WaitKind, u64)>,
}

/// Reads a text dump into `aggregator`. Only I/O errors are returned; any
/// malformed input is skipped or recorded in [`crate::model::DumpMeta`].
pub fn read_text<R: BufRead>(input: R, aggregator: &mut Aggregator) -> io::Result<()> {
    let mut reader = TextReader {
        agg: aggregator,
        record: GoroutineRecord::default(),
        mode: Mode::Outside,
        target: Target::Stack,
        pending: None,
        prefix_len: 0,
        leak_profile: false,
        profile_goroutines: 0,
        scratch: Vec::new(),
    };
    reader.record.clear();
    let mut lines = LineReader::new(input);
    while let Some(line) = lines.next_line()? {
        reader.line(line);
    }
    // A dump always ends with a newline: a cut-off last line means the
    // input was truncated, even when it was cut inside a header.
    let ended_mid_goroutine = (reader.mode != Mode::Outside && reader.pending.is_some())
        || (!lines.last_line_complete && lines.bytes_read > 0);
    reader.flush();
    let meta = &mut reader.agg.meta;
    meta.bytes_read += lines.bytes_read;
    if ended_mid_goroutine && meta.format.is_some() {
        meta.truncated = true;
    }
    if let Some(total) = meta.declared_total {
        if reader.profile_goroutines < total && meta.format == Some(InputFormat::TextProfile) {
            meta.truncated = true;
        }
    }
    Ok(())
}

struct TextReader<'a> {
    agg: &'a mut Aggregator,
    record: GoroutineRecord,
    mode: Mode,
    target: Target,
    pending: Option<PendingFunction>,
    /// Width of a log prefix seen before the current goroutine header.
    prefix_len: usize,
    leak_profile: bool,
    profile_goroutines: u64,
    scratch: Vec<u8>,
}

impl TextReader<'_> {
    fn line(&mut self, line: &[u8]) {
        match self.mode {
            Mode::Goroutine => {
                if self.goroutine_line(line) {
                    return;
                }
                if self.prefix_len > 0 && line.len() > self.prefix_len {
                    let stripped = &line[self.prefix_len..];
                    if self.goroutine_line(stripped) {
                        return;
                    }
                }
                self.flush();
                self.outside_line(line);
            }
            Mode::ProfileRecord => {
                if self.profile_line(line) {
                    return;
                }
                self.flush();
                self.outside_line(line);
            }
            Mode::Outside => self.outside_line(line),
        }
    }

    /// Handles a line inside a goroutine block; false when the line does not
    /// belong to one (the block ended).
    fn goroutine_line(&mut self, line: &[u8]) -> bool {
        if line.is_empty() {
            self.flush();
            return true;
        }
        if line.starts_with(b"goroutine ") {
            if let Some(header) = parse_header(line) {
                self.flush();
                self.start_goroutine(header);
                return true;
            }
        }
        match line[0] {
            b'\t' => {
                self.location_line(&line[1..]);
                true
            }
            b'[' if line.starts_with(b"[originating from goroutine ") => {
                self.finish_pending();
                self.target =
                    if self.target == Target::Ancestors || !self.record.ancestors.is_empty() {
                        Target::Ignored
                    } else {
                        Target::Ancestors
                    };
                true
            }
            b'.' if line.starts_with(b"...additional frames elided...") => {
                self.finish_pending();
                self.record.elided = true;
                true
            }
            _ => {
                if let Some(rest) = line.strip_prefix(b"created by ") {
                    self.finish_pending();
                    let name = match memchr::memchr(b' ', rest) {
                        Some(pos) => &rest[..pos],
                        None => rest,
                    };
                    let target = if self.target == Target::Stack {
                        Target::CreatedBy
                    } else {
                        Target::Ignored
                    };
                    let function = self.intern_function(name);
                    self.pending = Some(PendingFunction {
                        function,
                        target,
                        wait: None,
                    });
                    return true;
                }
                if line.starts_with(b"goroutine running on other thread") {
                    return true;
                }
                self.function_line(line)
            }
        }
    }

    fn function_line(&mut self, line: &[u8]) -> bool {
        let Some((name, args)) = split_call(line) else {
            return false;
        };
        if name.is_empty() || name.contains(&b' ') {
            return false;
        }
        self.finish_pending();
        let function = self.intern_function(name);
        let mut wait = None;
        if self.target == Target::Stack {
            if let Some(kind) = wait_kind_of(name) {
                if let Some(address) = first_exact_hex(args) {
                    wait = Some((kind, address));
                }
            } else if self.record.wait_on.is_some() && !is_machinery(name) {
                // Only goroutines that block on a known object take part in
                // the wait graph; the blocking frame comes first (innermost).
                collect_refs(args, &mut self.record.refs);
            }
        }
        self.pending = Some(PendingFunction {
            function,
            target: self.target,
            wait,
        });
        true
    }

    fn location_line(&mut self, location: &[u8]) {
        let Some(pending) = self.pending.take() else {
            return;
        };
        let (file, line) = parse_location(location);
        let file = self.agg.interner.intern_bytes(file);
        let frame = self.agg.interner.frame(pending.function, file, line);
        self.push_frame(frame, pending.target, pending.wait);
    }

    /// A function line whose location line never came (truncated input).
    fn finish_pending(&mut self) {
        if let Some(pending) = self.pending.take() {
            let file = self.agg.interner.intern("");
            let frame = self.agg.interner.frame(pending.function, file, 0);
            self.push_frame(frame, pending.target, pending.wait);
        }
    }

    fn push_frame(&mut self, frame: FrameId, target: Target, wait: Option<(WaitKind, u64)>) {
        match target {
            Target::Stack => {
                if self.record.frames.len() >= MAX_FRAMES {
                    self.record.elided = true;
                    return;
                }
                if let (Some((kind, address)), None) = (wait, self.record.wait_on) {
                    self.record.wait_on = Some((kind, address, self.record.frames.len()));
                }
                self.record.frames.push(frame);
            }
            Target::CreatedBy => {
                self.record.created_by = Some(frame);
                self.target = Target::Stack;
            }
            Target::Ancestors => {
                if self.record.ancestors.len() < MAX_FRAMES {
                    self.record.ancestors.push(frame);
                }
            }
            Target::Ignored => {}
        }
    }

    fn start_goroutine(&mut self, header: Header<'_>) {
        self.record.clear();
        self.mode = Mode::Goroutine;
        self.target = Target::Stack;
        self.agg.meta.format.get_or_insert(InputFormat::Traceback);
        let record = &mut self.record;
        record.id = Some(header.id);
        record.leaked = header.leaked;
        record.locked = header.locked;
        record.wait_minutes = header.minutes;
        record.wait_known = !matches!(
            header.state,
            b"running" | b"runnable" | b"idle" | b"dead" | b"copystack"
        );
        record.labels = header.labels;
        record.state = Some(self.agg.interner.intern_bytes(header.state));
    }

    fn flush(&mut self) {
        if self.mode == Mode::Outside {
            return;
        }
        self.finish_pending();
        if self.mode == Mode::ProfileRecord {
            self.record.leaked |= self.leak_profile;
            self.profile_goroutines = self.profile_goroutines.saturating_add(self.record.count);
        }
        self.agg.add(&self.record);
        self.record.clear();
        self.mode = Mode::Outside;
        self.target = Target::Stack;
    }

    fn outside_line(&mut self, line: &[u8]) {
        if line.starts_with(b"goroutine ") {
            if let Some(header) = parse_header(line) {
                self.prefix_len = 0;
                self.start_goroutine(header);
                return;
            }
            if let Some((name, total)) = parse_profile_header(line) {
                self.start_profile(name, total);
                return;
            }
        }
        if let Some(rest) = line.strip_prefix(b"goroutineleak profile: total ") {
            if let Some(total) = parse_u64(rest) {
                self.start_profile(b"goroutineleak", total);
                return;
            }
        }
        if let Some((count, _)) = parse_profile_record_start(line) {
            if self.agg.meta.format == Some(InputFormat::TextProfile) {
                self.record.clear();
                self.record.count = count;
                self.mode = Mode::ProfileRecord;
                return;
            }
        }
        if self.headline(line) {
            return;
        }
        // An embedded dump: "<log prefix>goroutine 1 [running]:".
        if let Some(pos) = memchr::memmem::find(line, b"goroutine ") {
            if pos > 0 {
                if let Some(header) = parse_header(&line[pos..]) {
                    self.prefix_len = pos;
                    self.start_goroutine(header);
                    return;
                }
            }
        }
        self.agg.meta.skipped_lines += 1;
    }

    fn start_profile(&mut self, name: &[u8], total: u64) {
        let meta = &mut self.agg.meta;
        meta.format = Some(InputFormat::TextProfile);
        meta.profile = Some(String::from_utf8_lossy(name).into_owned());
        meta.declared_total = Some(total);
        self.leak_profile = name == b"goroutineleak";
    }

    fn headline(&mut self, line: &[u8]) -> bool {
        let is_headline = line.starts_with(b"fatal error: ")
            || line.starts_with(b"panic: ")
            || line.starts_with(b"SIGQUIT: ")
            || line.starts_with(b"SIGABRT: ")
            || line.starts_with(b"SIGSEGV: ")
            || line.starts_with(b"fatal: morestack");
        if !is_headline {
            return false;
        }
        let meta = &mut self.agg.meta;
        if memchr::memmem::find(line, b"all goroutines are asleep").is_some() {
            meta.all_asleep = true;
        }
        if meta.headline.is_none() {
            let end = line.len().min(MAX_HEADLINE);
            meta.headline = Some(String::from_utf8_lossy(&line[..end]).into_owned());
        }
        true
    }

    fn profile_line(&mut self, line: &[u8]) -> bool {
        if line.is_empty() {
            self.flush();
            return true;
        }
        if let Some(labels) = line.strip_prefix(b"# labels: ") {
            self.record.labels = parse_label_map(labels);
            return true;
        }
        let Some(rest) = line.strip_prefix(b"#") else {
            return false;
        };
        // "#\t0x4712a0\tmain.worker+0x40\t\t/x/main.go:12" (tabwriter pads with tabs).
        let mut fields = rest
            .split(|&b| b == b'\t' || b == b' ')
            .filter(|f| !f.is_empty());
        let (Some(_pc), Some(function), Some(location)) =
            (fields.next(), fields.next(), fields.next())
        else {
            return true;
        };
        if self.record.frames.len() >= MAX_FRAMES {
            self.record.elided = true;
            return true;
        }
        let function = self.intern_function(function);
        let (file, line_no) = parse_location(location);
        let file = self.agg.interner.intern_bytes(file);
        let frame = self.agg.interner.frame(function, file, line_no);
        self.record.frames.push(frame);
        true
    }

    fn intern_function(&mut self, name: &[u8]) -> StrId {
        let name = strip_pc_offset(name);
        match normalize_function(name) {
            Some(normalized) => {
                self.scratch = normalized;
                self.agg.interner.intern_bytes(&self.scratch)
            }
            None => self.agg.interner.intern_bytes(name),
        }
    }
}

struct Header<'a> {
    id: u64,
    state: &'a [u8],
    minutes: Option<u32>,
    locked: bool,
    leaked: bool,
    labels: Vec<(String, String)>,
}

/// Parses `goroutine 23 [chan send (leaked), 31 minutes, locked to thread labels:{"k": "v"}]:`
/// (also with ` gp=… m=… mp=…` after the id).
fn parse_header(line: &[u8]) -> Option<Header<'_>> {
    let rest = line.strip_prefix(b"goroutine ")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    let id = parse_u64(rest.get(..digits)?)?;
    let rest = &rest[digits..];
    let open = memchr::memchr(b'[', rest)?;
    if !rest[..open].is_empty() && rest[0] != b' ' {
        return None;
    }
    let trimmed = trim_end(rest);
    let inner = trimmed.strip_suffix(b"]:")?.get(open + 1..)?;
    let (status, labels) = match memchr::memmem::find(inner, b"labels:{") {
        Some(pos) => (trim_end(&inner[..pos]), parse_label_map(&inner[pos + 7..])),
        None => (inner, Vec::new()),
    };
    let mut parts = status.split(|&b| b == b',').map(trim);
    let mut state = parts.next()?;
    let mut leaked = false;
    loop {
        if let Some(s) = state.strip_suffix(b" (leaked)") {
            state = s;
            leaked = true;
        } else if let Some(s) = state.strip_suffix(b" (scan)") {
            state = s;
        } else {
            break;
        }
    }
    if state.is_empty() {
        return None;
    }
    let mut minutes = None;
    let mut locked = false;
    for part in parts {
        if let Some(n) = part.strip_suffix(b" minutes") {
            minutes = parse_u64(n).map(|m| u32::try_from(m).unwrap_or(u32::MAX));
        } else if part == b"locked to thread" {
            locked = true;
        }
    }
    Some(Header {
        id,
        state,
        minutes,
        locked,
        leaked,
        labels,
    })
}

fn parse_profile_header(line: &[u8]) -> Option<(&[u8], u64)> {
    let rest = line.strip_prefix(b"goroutine profile: total ")?;
    Some((b"goroutine", parse_u64(rest)?))
}

/// `12 @ 0x43e8ae 0x40a3c5` → 12.
fn parse_profile_record_start(line: &[u8]) -> Option<(u64, &[u8])> {
    let at = memchr::memmem::find(line, b" @ ")?;
    let count = parse_u64(&line[..at])?;
    Some((count, &line[at + 3..]))
}

/// Splits `pkg.(*T).method(0x1, {0x2, 0x3}, ...)` into name and argument text.
fn split_call(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let line = trim_end(line);
    if line.last() != Some(&b')') {
        return None;
    }
    let mut depth = 0usize;
    for (i, &b) in line.iter().enumerate().rev() {
        match b {
            b')' => depth += 1,
            b'(' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return Some((&line[..i], &line[i + 1..line.len() - 1]));
                }
            }
            _ => {}
        }
    }
    None
}

/// `/x/main.go:88 +0x1d fp=0x.. sp=0x.. pc=0x..` → (`/x/main.go`, 88).
fn parse_location(location: &[u8]) -> (&[u8], u32) {
    let location = trim(location);
    // The suffixes (` +0x1d`, ` fp=…`) contain no ':', so the last ':' ends
    // the path (which may itself contain ':' or spaces).
    let Some(colon) = memchr::memrchr(b':', location) else {
        return (location, 0);
    };
    let after = &location[colon + 1..];
    let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
    let rest_ok = after.len() == digits || after.get(digits) == Some(&b' ');
    match (digits > 0 && rest_ok)
        .then(|| parse_u64(&after[..digits]))
        .flatten()
    {
        Some(n) => (&location[..colon], u32::try_from(n).unwrap_or(u32::MAX)),
        None => (location, 0),
    }
}

/// The first argument when it is an exact (not `?`-marked) hex value.
fn first_exact_hex(args: &[u8]) -> Option<u64> {
    let first = args.split(|&b| b == b',').next()?;
    parse_hex_exact(trim(first))
}

fn collect_refs(args: &[u8], refs: &mut Vec<u64>) {
    for arg in args.split(|&b| b == b',') {
        if refs.len() >= MAX_REFS {
            return;
        }
        let arg = trim(arg);
        let arg = arg.strip_prefix(b"{").unwrap_or(arg);
        let arg = arg.strip_suffix(b"}").unwrap_or(arg);
        // Small values are lengths and flags, not heap addresses.
        if let Some(value) = parse_hex_exact(arg).filter(|&v| v >= 0x10000) {
            refs.push(value);
        }
    }
}

fn parse_hex_exact(text: &[u8]) -> Option<u64> {
    let digits = text.strip_prefix(b"0x")?;
    if digits.is_empty() || digits.len() > 16 {
        return None;
    }
    let mut value = 0u64;
    for &b in digits {
        let d = (b as char).to_digit(16)?;
        value = (value << 4) | u64::from(d);
    }
    Some(value)
}

fn parse_u64(text: &[u8]) -> Option<u64> {
    let text = trim(text);
    if text.is_empty() || text.len() > 19 {
        return None;
    }
    let mut value = 0u64;
    for &b in text {
        if !b.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(value)
}

/// Parses `{"k": "v", "k2":"v2"}` (Go-quoted keys and values); stops at the
/// first malformed element.
pub(crate) fn parse_label_map(text: &[u8]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = trim(text);
    rest = rest.strip_prefix(b"{").unwrap_or(rest);
    while out.len() < 64 {
        rest = trim(rest);
        let Some((key, after_key)) = parse_quoted(rest) else {
            break;
        };
        let after_colon = match trim(after_key).strip_prefix(b":") {
            Some(r) => trim(r),
            None => break,
        };
        let Some((value, after_value)) = parse_quoted(after_colon) else {
            break;
        };
        out.push((key, value));
        rest = trim(after_value);
        match rest.strip_prefix(b",") {
            Some(r) => rest = r,
            None => break,
        }
    }
    out
}

fn parse_quoted(text: &[u8]) -> Option<(String, &[u8])> {
    let body = text.strip_prefix(b"\"")?;
    let mut out = Vec::new();
    let mut i = 0;
    while i < body.len() {
        match body[i] {
            b'"' => return Some((String::from_utf8_lossy(&out).into_owned(), &body[i + 1..])),
            b'\\' => {
                let escaped = *body.get(i + 1)?;
                out.push(match escaped {
                    b'n' => b'\n',
                    b't' => b'\t',
                    other => other,
                });
                i += 2;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    None
}

fn trim(text: &[u8]) -> &[u8] {
    trim_end(trim_start(text))
}

fn trim_start(mut text: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = text {
        if first.is_ascii_whitespace() {
            text = rest;
        } else {
            break;
        }
    }
    text
}

fn trim_end(mut text: &[u8]) -> &[u8] {
    while let [rest @ .., last] = text {
        if last.is_ascii_whitespace() {
            text = rest;
        } else {
            break;
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_variants() {
        let h = parse_header(b"goroutine 23 [chan send (leaked), 31 minutes, locked to thread labels:{\"pool\": \"ingest\", \"a\\\"b\": \"c\"}]:").unwrap();
        assert_eq!(h.id, 23);
        assert_eq!(h.state, b"chan send");
        assert!(h.leaked && h.locked);
        assert_eq!(h.minutes, Some(31));
        assert_eq!(
            h.labels,
            vec![
                ("pool".to_string(), "ingest".to_string()),
                ("a\"b".to_string(), "c".to_string())
            ]
        );
        let h = parse_header(b"goroutine 1 gp=0x18ef892b41e0 m=nil [select]:").unwrap();
        assert_eq!((h.id, h.state), (1, &b"select"[..]));
        assert!(parse_header(b"goroutine 1 [select]").is_none());
        assert!(parse_header(b"goroutine x [select]:").is_none());
        assert!(parse_header(b"goroutine 99999999999999999999999 [select]:").is_none());
    }

    #[test]
    fn calls_and_locations() {
        let (name, args) =
            split_call(b"main.(*T).run[...](0xc000010000, {0x1, 0x2}, ...)").unwrap();
        assert_eq!(name, b"main.(*T).run[...]");
        assert_eq!(args, b"0xc000010000, {0x1, 0x2}, ...");
        assert!(split_call(b"not a call").is_none());
        assert_eq!(
            parse_location(b"/x/y.go:88 +0x1d fp=0x1 sp=0x2 pc=0x3"),
            (&b"/x/y.go"[..], 88)
        );
        assert_eq!(parse_location(b"C:/x/y.go:7"), (&b"C:/x/y.go"[..], 7));
        assert_eq!(first_exact_hex(b"0x3c87030bc0c0"), Some(0x3c87030bc0c0));
        assert_eq!(first_exact_hex(b"0x3c87030bc0c0?, 0x1"), None);
    }
}
