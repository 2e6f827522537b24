//! Reader for Go race-detector output (`go test -race`, race-enabled
//! binaries): `WARNING: DATA RACE` blocks, possibly interleaved with test
//! output and log lines. Reports are deduplicated by the pair of access sites.

use crate::lines::LineReader;
use crate::model::Frame;
use serde::Serialize;
use std::collections::HashMap;
use std::io::{self, BufRead};

/// Distinct races remembered; further distinct ones are only counted.
const MAX_DISTINCT_RACES: usize = 10_000;
const MAX_FRAMES: usize = 256;

/// Read or write.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AccessKind {
    Read,
    Write,
}

/// One side of a race.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RaceAccess {
    pub kind: AccessKind,
    pub atomic: bool,
    /// The earlier access ("Previous write at ...").
    pub previous: bool,
    /// Innermost frame of the stack that created the accessing goroutine;
    /// `None` for the main goroutine or when the report does not say.
    pub goroutine_created_by: Option<Frame>,
    /// The full creation stack, innermost first.
    pub created_at: Vec<Frame>,
    /// Innermost first.
    pub frames: Vec<Frame>,
}

/// A distinct race: the same pair of access sites.
#[derive(Clone, Debug, Serialize)]
pub struct Race {
    pub occurrences: u64,
    pub accesses: Vec<RaceAccess>,
    /// `Location is global 'hits' of size 8 at ...`, without the address.
    pub location: Option<String>,
    /// Tests that were running when the race was reported.
    pub tests: Vec<String>,
}

/// All races in a log.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RaceLog {
    pub races: Vec<Race>,
    /// `WARNING: DATA RACE` blocks read.
    pub reports: u64,
    /// Distinct races beyond the memory cap (counted, not kept).
    pub dropped: u64,
    /// The log ended inside a report.
    pub truncated: bool,
}

#[derive(Default)]
struct Section {
    access: Option<(AccessKind, bool, bool, Option<u64>)>,
    creation_of: Option<u64>,
}

#[derive(Default)]
struct Block {
    accesses: Vec<(RaceAccess, Option<u64>)>,
    creations: HashMap<u64, Vec<Frame>>,
    location: Option<String>,
    section: Section,
    frames: Vec<Frame>,
    pending_function: Option<String>,
    test: Option<String>,
}

type RaceKey = Vec<(AccessKind, bool, Option<Frame>)>;

/// Reads a race log; only I/O errors are returned.
pub fn read_race_log<R: BufRead>(input: R) -> io::Result<RaceLog> {
    let mut lines = LineReader::new(input);
    let mut log = RaceLog::default();
    let mut index: HashMap<RaceKey, usize> = HashMap::new();
    let mut block: Option<Block> = None;
    let mut current_test: Option<String> = None;
    while let Some(raw) = lines.next_line()? {
        let decoded = String::from_utf8_lossy(raw);
        // `go test -json`: the report lines are in "Output" fields.
        let (line, json_test) = match test_json_output(&decoded) {
            Some(Some((output, test))) => (output, test),
            // Other events (run, pass, ...) carry no output.
            Some(None) => continue,
            None => (decoded.into_owned(), None),
        };
        if json_test.is_some() && json_test != current_test {
            current_test = json_test;
        }
        let line = line.as_str();
        let trimmed = line.trim();
        if trimmed == "WARNING: DATA RACE" {
            if let Some(b) = block.take() {
                finish_block(b, &mut log, &mut index);
            }
            log.reports += 1;
            block = Some(Block {
                test: current_test.clone(),
                ..Block::default()
            });
            continue;
        }
        if let Some(test) = test_name(trimmed) {
            current_test = Some(test.to_string());
        }
        let Some(b) = block.as_mut() else {
            continue;
        };
        if trimmed.starts_with("==================") {
            if let Some(b) = block.take() {
                finish_block(b, &mut log, &mut index);
            }
            continue;
        }
        block_line(b, line);
    }
    if let Some(b) = block.take() {
        log.truncated = true;
        finish_block(b, &mut log, &mut index);
    }
    log.races.sort_by(|a, b| {
        b.occurrences
            .cmp(&a.occurrences)
            .then_with(|| key_of_race(a).cmp(&key_of_race(b)))
    });
    Ok(log)
}

fn key_of_race(race: &Race) -> Vec<Option<Frame>> {
    race.accesses
        .iter()
        .map(|a| a.frames.first().cloned())
        .collect()
}

/// A `go test -json` event line: `Some(Some((output, test)))` for output
/// events, `Some(None)` for other events, `None` for non-JSON lines.
#[allow(clippy::option_option)]
fn test_json_output(line: &str) -> Option<Option<(String, Option<String>)>> {
    if !line.starts_with('{') {
        return None;
    }
    let event: serde_json::Value = serde_json::from_str(line).ok()?;
    let action = event.get("Action")?.as_str()?;
    if action != "output" {
        return Some(None);
    }
    let Some(output) = event.get("Output").and_then(|o| o.as_str()) else {
        return Some(None);
    };
    let test = event
        .get("Test")
        .and_then(|t| t.as_str())
        .map(str::to_string);
    Some(Some((
        output.trim_end_matches(['\n', '\r']).to_string(),
        test,
    )))
}

/// `=== RUN   TestX`, `=== CONT  TestX`, `--- FAIL: TestX (0.00s)`.
fn test_name(line: &str) -> Option<&str> {
    let rest = line
        .strip_prefix("=== RUN")
        .or_else(|| line.strip_prefix("=== CONT"))?;
    rest.split_whitespace().next()
}

fn block_line(b: &mut Block, line: &str) {
    if line.trim().is_empty() {
        close_section(b);
        return;
    }
    let indented = line.starts_with(' ') || line.starts_with('\t');
    if !indented {
        close_section(b);
        if let Some(access) = parse_access_header(line) {
            b.section.access = Some(access);
        } else if let Some(id) = parse_creation_header(line) {
            b.section.creation_of = Some(id);
        } else if let Some(location) = line.strip_prefix("Location is ") {
            b.location = Some(strip_addresses(location));
        }
        return;
    }
    let trimmed = line.trim();
    if b.section.access.is_none() && b.section.creation_of.is_none() {
        return;
    }
    if let Some(function) = b.pending_function.take() {
        if let Some((file, line_no)) = parse_race_location(trimmed) {
            if b.frames.len() < MAX_FRAMES {
                b.frames.push(Frame {
                    function,
                    file,
                    line: line_no,
                });
            }
            return;
        }
        push_unlocated(b, function);
    }
    if trimmed.ends_with(')') {
        let name = match trimmed.rfind('(') {
            Some(open) if trimmed[..open].ends_with(')') || !trimmed[..open].is_empty() => {
                &trimmed[..open]
            }
            _ => trimmed,
        };
        if !name.contains(' ') {
            b.pending_function = Some(name.to_string());
        }
    }
}

fn push_unlocated(b: &mut Block, function: String) {
    if b.frames.len() < MAX_FRAMES {
        b.frames.push(Frame {
            function,
            file: String::new(),
            line: 0,
        });
    }
}

fn close_section(b: &mut Block) {
    if let Some(function) = b.pending_function.take() {
        push_unlocated(b, function);
    }
    let frames = std::mem::take(&mut b.frames);
    let section = std::mem::take(&mut b.section);
    if let Some((kind, atomic, previous, goroutine)) = section.access {
        b.accesses.push((
            RaceAccess {
                kind,
                atomic,
                previous,
                goroutine_created_by: None,
                created_at: Vec::new(),
                frames,
            },
            goroutine,
        ));
    } else if let Some(id) = section.creation_of {
        b.creations.insert(id, frames);
    }
}

/// `Previous atomic write at 0x00c000 by goroutine 7:` / `Read at 0x.. by main goroutine:`
/// (older runtimes: `Read by goroutine 7:`).
fn parse_access_header(line: &str) -> Option<(AccessKind, bool, bool, Option<u64>)> {
    let line = line.trim_end();
    let mut words = line.strip_suffix(':').unwrap_or(line);
    // Newer runtimes append "(mutexes: write M1)".
    if let Some(paren) = words.find(" (mutexes:") {
        words = &words[..paren];
    }
    let mut rest = words;
    let previous = match rest.strip_prefix("Previous ") {
        Some(r) => {
            rest = r;
            true
        }
        None => false,
    };
    let lower = rest.to_ascii_lowercase();
    let (atomic, after_atomic) = match lower.strip_prefix("atomic ") {
        Some(r) => (true, r.to_string()),
        None => (false, lower.clone()),
    };
    let kind = if after_atomic.starts_with("read ") {
        AccessKind::Read
    } else if after_atomic.starts_with("write ") {
        AccessKind::Write
    } else {
        return None;
    };
    let by = after_atomic.find(" by ")?;
    let who = &after_atomic[by + 4..];
    let goroutine = if who.starts_with("main goroutine") {
        None
    } else {
        let id = who.strip_prefix("goroutine ")?;
        let digits: String = id.chars().take_while(char::is_ascii_digit).collect();
        Some(digits.parse().ok()?)
    };
    Some((kind, atomic, previous, goroutine))
}

/// `Goroutine 7 (running) created at:` → 7.
fn parse_creation_header(line: &str) -> Option<u64> {
    let rest = line.strip_prefix("Goroutine ")?;
    if !line.trim_end().ends_with("created at:") {
        return None;
    }
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// `/x/main.go:31 +0x74` → (`/x/main.go`, 31); anything else → None.
fn parse_race_location(text: &str) -> Option<(String, u32)> {
    let path_line = text.split(" +0x").next()?.trim();
    let colon = path_line.rfind(':')?;
    let line: u32 = path_line[colon + 1..].parse().ok()?;
    let file = &path_line[..colon];
    (!file.is_empty()).then(|| (file.to_string(), line))
}

/// Removes `0x…` addresses so equal locations compare equal across runs.
fn strip_addresses(text: &str) -> String {
    text.split(' ')
        .filter(|w| !w.contains("0x"))
        .collect::<Vec<_>>()
        .join(" ")
        .trim_end_matches(" at")
        .trim_end_matches(':')
        .to_string()
}

fn finish_block(mut b: Block, log: &mut RaceLog, index: &mut HashMap<RaceKey, usize>) {
    close_section(&mut b);
    let creations = std::mem::take(&mut b.creations);
    let mut accesses: Vec<RaceAccess> = b
        .accesses
        .into_iter()
        .map(|(mut access, goroutine)| {
            if let Some(stack) = goroutine.and_then(|g| creations.get(&g)) {
                access.goroutine_created_by = stack.first().cloned();
                access.created_at = stack.clone();
            }
            access
        })
        .collect();
    if accesses.is_empty() {
        return;
    }
    accesses.truncate(2);
    let mut key: RaceKey = accesses
        .iter()
        .map(|a| (a.kind, a.atomic, a.frames.first().cloned()))
        .collect();
    key.sort();
    match index.get(&key) {
        Some(&i) => {
            if let Some(race) = log.races.get_mut(i) {
                race.occurrences += 1;
                if let Some(test) = b.test {
                    if !race.tests.contains(&test) {
                        race.tests.push(test);
                    }
                }
                if race.location.is_none() {
                    race.location = b.location;
                }
            }
        }
        None => {
            if log.races.len() >= MAX_DISTINCT_RACES {
                log.dropped += 1;
                return;
            }
            index.insert(key, log.races.len());
            log.races.push(Race {
                occurrences: 1,
                accesses,
                location: b.location,
                tests: b.test.into_iter().collect(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_headers() {
        assert_eq!(
            parse_access_header("Previous write at 0x00c000100000 by goroutine 15:"),
            Some((AccessKind::Write, false, true, Some(15)))
        );
        assert_eq!(
            parse_access_header("Atomic read at 0x00c000100000 by main goroutine:"),
            Some((AccessKind::Read, true, false, None))
        );
        assert_eq!(
            parse_access_header("Write at 0x1 by goroutine 7 (mutexes: write M1):"),
            Some((AccessKind::Write, false, false, Some(7)))
        );
        assert_eq!(parse_access_header("Readme at home"), None);
        assert_eq!(
            parse_creation_header("Goroutine 9 (finished) created at:"),
            Some(9)
        );
        assert_eq!(
            strip_addresses("global 'hits' of size 8 at 0x0000006234d8 (racy+0x6234d8)"),
            "global 'hits' of size 8"
        );
    }
}
