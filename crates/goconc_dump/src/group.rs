//! Streaming aggregation: readers hand over one goroutine (or one profile
//! sample) at a time; only per-group aggregates are kept, so memory grows
//! with the number of distinct stacks, not with the size of the dump.

use crate::intern::{FrameId, Interner, StrId};
use crate::model::{
    AddressWaiters, Analysis, CycleEdge, DeadlockView, DumpMeta, Frame, FrameView, Group, WaitKind,
    WaitStats,
};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;

/// Distinct label sets remembered per group; the rest are counted as "other".
const MAX_LABEL_SETS: usize = 16;
/// Goroutine ids remembered per group.
const MAX_SAMPLE_IDS: usize = 5;
/// Goroutines whose wait address is remembered for the deadlock view.
const MAX_WAIT_RECORDS: usize = 100_000;
/// Groups kept; goroutines with further new stacks are counted in one
/// overflow group per state, so memory stays bounded on garbage input.
const MAX_GROUPS: usize = 200_000;
/// Addresses remembered per goroutine as "referenced" (possible lock holders).
pub(crate) const MAX_REFS: usize = 16;

/// One goroutine (or one aggregated profile sample) as a reader saw it.
/// Readers reuse one record and call [`GoroutineRecord::clear`] between uses.
#[derive(Debug, Default)]
pub struct GoroutineRecord {
    pub id: Option<u64>,
    /// 1 for a traceback; the sample count for profiles.
    pub count: u64,
    /// The wait state from the header; `None` means infer it from the stack.
    pub state: Option<StrId>,
    /// `state` was derived from the stack by the reader.
    pub state_inferred: bool,
    /// The `[N minutes]` value; with `wait_known` an absent value means < 1 minute.
    pub wait_minutes: Option<u32>,
    pub wait_known: bool,
    pub locked: bool,
    pub leaked: bool,
    pub labels: Vec<(String, String)>,
    /// Innermost first.
    pub frames: Vec<FrameId>,
    pub created_by: Option<FrameId>,
    pub ancestors: Vec<FrameId>,
    pub elided: bool,
    /// The object the goroutine blocks on and the frame index that showed it.
    pub wait_on: Option<(WaitKind, u64, usize)>,
    /// Addresses passed to the goroutine's own (non-runtime) frames.
    pub refs: Vec<u64>,
}

impl GoroutineRecord {
    pub fn clear(&mut self) {
        self.id = None;
        self.count = 1;
        self.state = None;
        self.state_inferred = false;
        self.wait_minutes = None;
        self.wait_known = false;
        self.locked = false;
        self.leaked = false;
        self.labels.clear();
        self.frames.clear();
        self.created_by = None;
        self.ancestors.clear();
        self.elided = false;
        self.wait_on = None;
        self.refs.clear();
    }
}

#[derive(Debug)]
struct GroupAcc {
    state: StrId,
    state_inferred: bool,
    leaked: bool,
    created_by: Option<FrameId>,
    frames: Box<[FrameId]>,
    count: u64,
    /// minutes → goroutines; only goroutines whose wait time is known.
    waits: BTreeMap<u32, u64>,
    labels: BTreeMap<String, u64>,
    labels_other: u64,
    locked: u64,
    sample_ids: Vec<u64>,
    elided: bool,
    ancestors: Box<[FrameId]>,
}

#[derive(Debug)]
struct WaitRecord {
    goroutine: u64,
    group: u32,
    kind: WaitKind,
    address: u64,
    frame: FrameId,
    refs: Box<[u64]>,
}

/// Accumulates goroutines into groups.
#[derive(Debug, Default)]
pub struct Aggregator {
    pub interner: Interner,
    pub meta: DumpMeta,
    groups: Vec<GroupAcc>,
    index: FxHashMap<Box<[u32]>, u32>,
    key: Vec<u32>,
    goroutines: u64,
    waits: Vec<WaitRecord>,
    unknown_state: Option<StrId>,
    inferred_states: FxHashMap<StrId, StrId>,
}

impl Aggregator {
    pub fn new() -> Self {
        Self::default()
    }

    /// Total goroutines added so far.
    pub fn goroutines(&self) -> u64 {
        self.goroutines
    }

    /// Distinct groups so far.
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    pub fn add(&mut self, record: &GoroutineRecord) {
        let count = record.count.max(1);
        let (state, inferred) = match record.state {
            Some(state) => (state, record.state_inferred),
            None => (self.infer_state(&record.frames), true),
        };
        self.key.clear();
        self.key.push(state);
        self.key.push(u32::from(record.leaked));
        self.key
            .push(record.created_by.map_or(0, |f| f.saturating_add(1)));
        self.key.extend_from_slice(&record.frames);
        let mut overflow = false;
        if self.groups.len() >= MAX_GROUPS && !self.index.contains_key(self.key.as_slice()) {
            self.key.truncate(2);
            self.key.push(u32::MAX);
            overflow = true;
        }
        let group_index = match self.index.get(self.key.as_slice()) {
            Some(&i) => i,
            None => {
                let frames: &[FrameId] = if overflow { &[] } else { &record.frames };
                let i = u32::try_from(self.groups.len()).unwrap_or(u32::MAX);
                self.groups.push(GroupAcc {
                    state,
                    state_inferred: inferred,
                    leaked: record.leaked,
                    created_by: if overflow { None } else { record.created_by },
                    frames: frames.into(),
                    count: 0,
                    waits: BTreeMap::new(),
                    labels: BTreeMap::new(),
                    labels_other: 0,
                    locked: 0,
                    sample_ids: Vec::new(),
                    elided: false,
                    ancestors: record.ancestors.as_slice().into(),
                });
                self.index.insert(self.key.as_slice().into(), i);
                i
            }
        };
        self.goroutines = self.goroutines.saturating_add(count);
        let Some(acc) = self.groups.get_mut(group_index as usize) else {
            return;
        };
        acc.count = acc.count.saturating_add(count);
        if record.wait_known {
            *acc.waits
                .entry(record.wait_minutes.unwrap_or(0))
                .or_default() += count;
        }
        if record.locked {
            acc.locked = acc.locked.saturating_add(count);
        }
        acc.elided |= record.elided || overflow;
        if acc.ancestors.is_empty() && !record.ancestors.is_empty() {
            acc.ancestors = record.ancestors.as_slice().into();
        }
        if let Some(id) = record.id {
            if acc.sample_ids.len() < MAX_SAMPLE_IDS {
                acc.sample_ids.push(id);
            }
        }
        if !record.labels.is_empty() {
            let mut text = String::new();
            for (i, (k, v)) in record.labels.iter().enumerate() {
                if i > 0 {
                    text.push_str(", ");
                }
                text.push_str(k);
                text.push('=');
                text.push_str(v);
            }
            if let Some(n) = acc.labels.get_mut(&text) {
                *n += count;
            } else if acc.labels.len() < MAX_LABEL_SETS {
                acc.labels.insert(text, count);
            } else {
                acc.labels_other += count;
            }
        }
        if let Some((kind, address, frame_index)) = record.wait_on {
            if self.waits.len() < MAX_WAIT_RECORDS {
                let mut refs: Vec<u64> = record
                    .refs
                    .iter()
                    .copied()
                    .filter(|&r| r != address)
                    .collect();
                refs.sort_unstable();
                refs.dedup();
                self.waits.push(WaitRecord {
                    goroutine: record.id.unwrap_or(0),
                    group: group_index,
                    kind,
                    address,
                    frame: self.blocking_frame(&record.frames, frame_index),
                    refs: refs.into(),
                });
            }
        }
    }

    /// The program's own frame that blocks: the first frame at or after the
    /// waiting runtime/sync frame that is not runtime or sync machinery.
    fn blocking_frame(&self, frames: &[FrameId], wait_index: usize) -> FrameId {
        let own = frames.iter().skip(wait_index).copied().find(|&f| {
            let function = self.interner.frame_key(f).function;
            !is_machinery(self.interner.str(function).as_bytes())
        });
        own.or_else(|| frames.get(wait_index).copied()).unwrap_or(0)
    }

    fn infer_state(&mut self, frames: &[FrameId]) -> StrId {
        for &frame in frames {
            let function = self.interner.frame_key(frame).function;
            if let Some(&state) = self.inferred_states.get(&function) {
                return state;
            }
            if let Some(state) = state_from_function(self.interner.str(function)) {
                let id = self.interner.intern(state);
                self.inferred_states.insert(function, id);
                return id;
            }
        }
        *self
            .unknown_state
            .get_or_insert_with(|| self.interner.intern("unknown"))
    }

    fn frame(&self, id: FrameId) -> Frame {
        let key = self.interner.frame_key(id);
        Frame {
            function: self.interner.str(key.function).to_string(),
            file: self.interner.str(key.file).to_string(),
            line: key.line,
        }
    }

    fn view(&self, id: FrameId) -> FrameView {
        let frame = self.frame(id);
        let origin = crate::source::origin_of(&frame.function, None);
        FrameView {
            frame,
            origin,
            source: None,
        }
    }

    /// Resolves the aggregates into an unranked [`Analysis`]; see
    /// [`crate::analyze::rank`] for classification and ordering.
    pub fn finish(self) -> Analysis {
        let groups: Vec<Group> = self
            .groups
            .iter()
            .map(|acc| {
                let mut labels: Vec<(String, u64)> =
                    acc.labels.iter().map(|(k, &v)| (k.clone(), v)).collect();
                if acc.labels_other > 0 {
                    labels.push(("(other label sets)".to_string(), acc.labels_other));
                }
                labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Group {
                    count: acc.count,
                    state: self.interner.str(acc.state).to_string(),
                    state_inferred: acc.state_inferred,
                    wait_minutes: wait_stats(&acc.waits),
                    frames: acc.frames.iter().map(|&f| self.view(f)).collect(),
                    created_by: acc.created_by.map(|f| self.view(f)),
                    labels,
                    proven_leak: acc.leaked,
                    locked_to_thread: acc.locked,
                    goroutine_ids: acc.sample_ids.clone(),
                    elided: acc.elided,
                    ancestors: acc.ancestors.iter().map(|&f| self.view(f)).collect(),
                    idle_by_design: None,
                    suspect: false,
                    reason: None,
                    findings: Vec::new(),
                    baseline: None,
                }
            })
            .collect();
        let deadlock = self.deadlock_view();
        Analysis {
            meta: self.meta,
            goroutines: self.goroutines,
            groups,
            deadlock,
            baseline: None,
            module: None,
        }
    }

    fn deadlock_view(&self) -> Option<DeadlockView> {
        if self.waits.is_empty() && !self.meta.all_asleep {
            return None;
        }
        let mut by_address: BTreeMap<(WaitKind, u64), (u64, Vec<usize>)> = BTreeMap::new();
        for w in &self.waits {
            let entry = by_address.entry((w.kind, w.address)).or_default();
            entry.0 += 1;
            let g = w.group as usize;
            if !entry.1.contains(&g) {
                entry.1.push(g);
            }
        }
        let mut by_address: Vec<AddressWaiters> = by_address
            .into_iter()
            .map(|((kind, address), (goroutines, groups))| AddressWaiters {
                kind,
                address: format!("{address:#x}"),
                goroutines,
                groups,
            })
            .collect();
        by_address.sort_by_key(|w| std::cmp::Reverse(w.goroutines));
        let cycle = self.find_cycle();
        Some(DeadlockView {
            all_asleep: self.meta.all_asleep,
            all_blocked: false,
            by_address,
            cycle,
        })
    }

    /// Infers "goroutine A waits on X, and X is held by goroutine B" when B's
    /// own frames were passed address X while B blocks on something else —
    /// the shape of a lock-order inversion — and returns the first cycle.
    fn find_cycle(&self) -> Vec<CycleEdge> {
        let mut referencing: FxHashMap<u64, Vec<usize>> = FxHashMap::default();
        for (i, w) in self.waits.iter().enumerate() {
            for &r in w.refs.iter() {
                let list = referencing.entry(r).or_default();
                if list.len() < 8 {
                    list.push(i);
                }
            }
        }
        // successor[i] = a goroutine inferred to hold what i waits on.
        let successor: Vec<Option<usize>> = self
            .waits
            .iter()
            .enumerate()
            .map(|(i, w)| {
                referencing.get(&w.address).and_then(|holders| {
                    holders
                        .iter()
                        .copied()
                        .find(|&h| h != i && self.waits[h].address != w.address)
                })
            })
            .collect();
        // Each node has at most one successor: walk with colouring.
        let mut colour = vec![0u8; self.waits.len()];
        for start in 0..self.waits.len() {
            if colour[start] != 0 {
                continue;
            }
            let mut path: Vec<usize> = Vec::new();
            let mut node = start;
            loop {
                if colour[node] == 1 {
                    let Some(pos) = path.iter().position(|&n| n == node) else {
                        break;
                    };
                    return path[pos..]
                        .iter()
                        .map(|&n| {
                            let w = &self.waits[n];
                            let holder = successor[n].map_or(0, |h: usize| self.waits[h].goroutine);
                            CycleEdge {
                                goroutine: w.goroutine,
                                waits_on: w.kind,
                                address: format!("{:#x}", w.address),
                                held_by: holder,
                                at: Some(self.frame(w.frame)),
                            }
                        })
                        .collect();
                }
                if colour[node] == 2 {
                    break;
                }
                colour[node] = 1;
                path.push(node);
                match successor[node] {
                    Some(next) => node = next,
                    None => break,
                }
            }
            for n in path {
                colour[n] = 2;
            }
        }
        Vec::new()
    }
}

fn wait_stats(waits: &BTreeMap<u32, u64>) -> Option<WaitStats> {
    let total: u64 = waits.values().sum();
    if total == 0 {
        return None;
    }
    let min = *waits.keys().next()?;
    let max = *waits.keys().next_back()?;
    // Lower median: the value at position (total-1)/2.
    let target = (total - 1) / 2;
    let mut seen = 0u64;
    let mut median = max;
    for (&minutes, &n) in waits {
        seen += n;
        if seen > target {
            median = minutes;
            break;
        }
    }
    Some(WaitStats { min, median, max })
}

/// The wait state implied by a frame's function, for inputs (profiles) that
/// carry no state of their own.
pub fn state_from_function(function: &str) -> Option<&'static str> {
    Some(match function {
        "runtime.chansend" | "runtime.chansend1" => "chan send",
        "runtime.chanrecv" | "runtime.chanrecv1" | "runtime.chanrecv2" => "chan receive",
        "runtime.selectgo" => "select",
        "runtime.block" => "select (no cases)",
        "sync.runtime_SemacquireMutex"
        | "internal/sync.runtime_SemacquireMutex"
        | "internal/sync.(*Mutex).lockSlow"
        | "sync.(*Mutex).Lock" => "sync.Mutex.Lock",
        "sync.runtime_SemacquireRWMutexR" | "sync.(*RWMutex).RLock" => "sync.RWMutex.RLock",
        "sync.runtime_SemacquireRWMutex" | "sync.(*RWMutex).Lock" => "sync.RWMutex.Lock",
        "sync.runtime_SemacquireWaitGroup" | "sync.(*WaitGroup).Wait" => "sync.WaitGroup.Wait",
        "sync.runtime_notifyListWait" | "sync.(*Cond).Wait" => "sync.Cond.Wait",
        "sync.runtime_Semacquire" => "semacquire",
        "time.Sleep" | "runtime.timeSleep" => "sleep",
        "internal/poll.runtime_pollWait" | "runtime.netpollblock" => "IO wait",
        "syscall.Syscall"
        | "syscall.Syscall6"
        | "syscall.RawSyscall"
        | "syscall.RawSyscall6"
        | "internal/runtime/syscall.Syscall6" => "syscall",
        "runtime/pprof.writeRuntimeProfile" | "runtime/pprof.writeGoroutineStacks" => "running",
        "os/signal.signal_recv" => "signal wait",
        _ => return None,
    })
}

/// The object a blocking frame's first argument points to, for functions
/// whose first argument is that object.
pub fn wait_kind_of(function: &[u8]) -> Option<WaitKind> {
    Some(match function {
        b"internal/sync.(*Mutex).lockSlow"
        | b"internal/sync.(*Mutex).Lock"
        | b"sync.(*Mutex).Lock" => WaitKind::Mutex,
        b"sync.(*RWMutex).Lock" | b"sync.(*RWMutex).RLock" => WaitKind::RWMutex,
        b"sync.(*WaitGroup).Wait" => WaitKind::WaitGroup,
        b"sync.(*Cond).Wait" => WaitKind::Cond,
        b"runtime.chansend" | b"runtime.chansend1" | b"runtime.chanrecv" | b"runtime.chanrecv1"
        | b"runtime.chanrecv2" => WaitKind::Chan,
        _ => return None,
    })
}

/// Whether a frame belongs to the runtime / sync machinery (its arguments are
/// not the program's own objects).
pub fn is_machinery(function: &[u8]) -> bool {
    function.starts_with(b"runtime.")
        || function.starts_with(b"internal/")
        || function.starts_with(b"sync.")
        || function.starts_with(b"runtime/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_stacks_past_the_cap_share_an_overflow_group() {
        let mut agg = Aggregator::new();
        let state = agg.interner.intern("chan send");
        let file = agg.interner.intern("/x.go");
        let function = agg.interner.intern("main.f");
        let mut record = GoroutineRecord::default();
        for line in 0..(MAX_GROUPS as u32 + 10) {
            record.clear();
            record.state = Some(state);
            let frame = agg.interner.frame(function, file, line);
            record.frames.push(frame);
            agg.add(&record);
        }
        assert_eq!(agg.group_count(), MAX_GROUPS + 1);
        let analysis = agg.finish();
        let overflow = analysis.groups.last().expect("overflow group");
        assert_eq!(overflow.count, 10);
        assert!(overflow.frames.is_empty() && overflow.elided);
        assert_eq!(analysis.goroutines, MAX_GROUPS as u64 + 10);
    }

    #[test]
    fn median_of_histogram() {
        let mut h = BTreeMap::new();
        h.insert(1, 2);
        h.insert(5, 1);
        h.insert(30, 2);
        assert_eq!(
            wait_stats(&h),
            Some(WaitStats {
                min: 1,
                median: 5,
                max: 30
            })
        );
        assert_eq!(wait_stats(&BTreeMap::new()), None);
    }
}
