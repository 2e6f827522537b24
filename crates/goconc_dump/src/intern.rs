//! Interning of function names, file paths and frames, so that a dump with
//! millions of goroutines keeps one copy of each distinct string and frame.

use rustc_hash::FxHashMap;

/// Index of an interned string.
pub type StrId = u32;
/// Index of an interned frame (function, file, line).
pub type FrameId = u32;

/// A frame as stored in the interner: ids instead of strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameKey {
    pub function: StrId,
    pub file: StrId,
    pub line: u32,
}

/// Distinct strings kept; later new strings all map to [`OVERFLOW`]. Real
/// dumps have a few thousand distinct names; the cap bounds memory on
/// garbage input.
pub const MAX_STRINGS: usize = 1 << 21;
/// Distinct frames kept; later new frames map to frame 0.
pub const MAX_FRAMES: usize = 1 << 22;
/// The id of the placeholder string that stands for every string past the cap.
pub const OVERFLOW: StrId = 0;

/// String and frame tables shared by the readers and the aggregator.
#[derive(Debug)]
pub struct Interner {
    strings: Vec<Box<str>>,
    string_index: FxHashMap<Box<[u8]>, StrId>,
    frames: Vec<FrameKey>,
    frame_index: FxHashMap<FrameKey, FrameId>,
}

impl Default for Interner {
    fn default() -> Self {
        let mut interner = Interner {
            strings: Vec::new(),
            string_index: FxHashMap::default(),
            frames: Vec::new(),
            frame_index: FxHashMap::default(),
        };
        let overflow = interner.intern("(too many distinct names)");
        interner.frame(overflow, overflow, 0);
        interner
    }
}

impl Interner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Interns raw bytes (invalid UTF-8 is replaced, so the id is stable for
    /// equal input bytes).
    pub fn intern_bytes(&mut self, bytes: &[u8]) -> StrId {
        if let Some(&id) = self.string_index.get(bytes) {
            return id;
        }
        if self.strings.len() >= MAX_STRINGS {
            return OVERFLOW;
        }
        let id = StrId::try_from(self.strings.len()).unwrap_or(StrId::MAX);
        self.strings
            .push(String::from_utf8_lossy(bytes).into_owned().into_boxed_str());
        self.string_index.insert(bytes.into(), id);
        id
    }

    pub fn intern(&mut self, text: &str) -> StrId {
        self.intern_bytes(text.as_bytes())
    }

    pub fn str(&self, id: StrId) -> &str {
        self.strings.get(id as usize).map_or("", |s| s)
    }

    pub fn frame(&mut self, function: StrId, file: StrId, line: u32) -> FrameId {
        let key = FrameKey {
            function,
            file,
            line,
        };
        if let Some(&id) = self.frame_index.get(&key) {
            return id;
        }
        if self.frames.len() >= MAX_FRAMES {
            return 0;
        }
        let id = FrameId::try_from(self.frames.len()).unwrap_or(FrameId::MAX);
        self.frames.push(key);
        self.frame_index.insert(key, id);
        id
    }

    pub fn frame_key(&self, id: FrameId) -> FrameKey {
        self.frames.get(id as usize).copied().unwrap_or(FrameKey {
            function: 0,
            file: 0,
            line: 0,
        })
    }

    /// Replaces the line of an already interned frame (a function line is
    /// interned before its location line is seen).
    pub fn with_location(&mut self, id: FrameId, file: StrId, line: u32) -> FrameId {
        let key = self.frame_key(id);
        self.frame(key.function, file, line)
    }
}

/// Normalises a Go function name for grouping: generic instantiations are
/// folded to `[...]` (`pkg.Map[go.shape.int]` → `pkg.Map[...]`); callers strip
/// a `+0x1f` pc offset first with [`strip_pc_offset`]. Returns `None` when nothing changes, so the
/// common case needs no allocation.
pub fn normalize_function(name: &[u8]) -> Option<Vec<u8>> {
    let needs_fold = memchr::memchr(b'[', name).is_some() && !is_already_folded(name);
    if !needs_fold {
        return None;
    }
    let mut out = Vec::with_capacity(name.len());
    let mut depth = 0usize;
    for &b in name {
        match b {
            b'[' => {
                if depth == 0 {
                    out.extend_from_slice(b"[...]");
                }
                depth += 1;
            }
            b']' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(b),
            _ => {}
        }
    }
    Some(out)
}

fn is_already_folded(name: &[u8]) -> bool {
    // Fast check: every '[' starts "[...]".
    let mut rest = name;
    while let Some(pos) = memchr::memchr(b'[', rest) {
        if !rest[pos..].starts_with(b"[...]") {
            return false;
        }
        rest = &rest[pos + 5..];
    }
    true
}

/// `main.worker+0x24` → `main.worker`.
pub fn strip_pc_offset(name: &[u8]) -> &[u8] {
    // Hot path: traceback names end in a letter or ']' and have no offset.
    if !name.last().is_some_and(u8::is_ascii_hexdigit) {
        return name;
    }
    match memchr::memrchr(b'+', name) {
        Some(pos)
            if name[pos + 1..].starts_with(b"0x")
                && name[pos + 3..].iter().all(u8::is_ascii_hexdigit) =>
        {
            &name[..pos]
        }
        _ => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_generic_instantiations() {
        assert_eq!(
            normalize_function(b"main.Map[go.shape.int,go.shape.string]").as_deref(),
            Some(&b"main.Map[...]"[..])
        );
        assert_eq!(
            normalize_function(b"main.(*Cache[go.shape.string]).Get").as_deref(),
            Some(&b"main.(*Cache[...]).Get"[..])
        );
        assert_eq!(normalize_function(b"main.Map[...]"), None);
        assert_eq!(normalize_function(b"main.worker"), None);
        assert_eq!(
            normalize_function(b"main.worker+0x24").as_deref(),
            None,
            "pc offsets alone are handled by strip_pc_offset"
        );
        assert_eq!(strip_pc_offset(b"main.worker+0x24"), b"main.worker");
    }

    #[test]
    fn frames_are_deduplicated() {
        let mut interner = Interner::new();
        let f = interner.intern("main.worker");
        let file = interner.intern("/x/main.go");
        let a = interner.frame(f, file, 10);
        let b = interner.frame(f, file, 10);
        let c = interner.frame(f, file, 11);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(interner.str(interner.frame_key(c).file), "/x/main.go");
    }
}
