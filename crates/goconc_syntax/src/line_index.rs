//! Byte offset → (line, column) mapping, 1-based, columns counted in bytes as
//! `go/token` does.

/// Start offsets of every line of a file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

/// A 1-based line and 1-based byte column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Bit `i` set iff `block[i]` is a newline (`block` has 64 bytes).
#[inline]
fn newline_mask(block: &[u8]) -> u64 {
    const LO7: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const NEWLINES: u64 = 0x0A0A_0A0A_0A0A_0A0A;
    let mut mask = 0u64;
    for (w, word) in block.chunks_exact(8).enumerate() {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let x = u64::from_le_bytes(bytes) ^ NEWLINES;
        // The high bit of every zero byte of `x`, i.e. of every newline.
        let hits = !(((x & LO7) + LO7) | x | LO7);
        // Gather those eight bits into the low byte.
        let bits = ((hits >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56;
        mask |= bits << (8 * w);
    }
    mask
}

impl LineIndex {
    pub fn new(source: &[u8]) -> Self {
        // Lines are short (~30 bytes in Go code), so pushing each newline
        // found by a `memchr` call costs more than finding them. Instead:
        // count them (fast), then walk 64-byte blocks, taking a bit mask of
        // the newlines of each block and writing their offsets in groups of
        // four without branching on each one. `SLACK` entries past the end
        // absorb the unused writes of the last group.
        const SLACK: usize = 8;
        let count = memchr::memchr_iter(b'\n', source).count();
        let mut line_starts = vec![0u32; count + 1 + SLACK];
        let mut next = 1;
        let mut base = 0u32;
        let mut blocks = source.chunks_exact(64);
        for block in &mut blocks {
            let mut mask = newline_mask(block);
            let n = mask.count_ones() as usize;
            let mut written = 0;
            while written < n {
                for slot in &mut line_starts[next + written..next + written + 4] {
                    *slot = base.wrapping_add(mask.trailing_zeros() + 1);
                    mask &= mask.wrapping_sub(1);
                }
                written += 4;
            }
            next += n;
            // Offsets are `u32` (wrapping like the casts elsewhere; files of
            // 4 GiB or more are rejected before parsing).
            base = base.wrapping_add(64);
        }
        for (i, &b) in blocks.remainder().iter().enumerate() {
            if b == b'\n' {
                line_starts[next] = base.wrapping_add(i as u32 + 1);
                next += 1;
            }
        }
        line_starts.truncate(next);
        LineIndex {
            line_starts,
            len: source.len() as u32,
        }
    }

    /// Line and column of `offset`; offsets past the end clamp to the end.
    pub fn line_col(&self, offset: u32) -> LineCol {
        let offset = offset.min(self.len);
        let line = match self.line_starts.binary_search(&offset) {
            Ok(exact) => exact,
            Err(next) => next.saturating_sub(1),
        };
        let start = self.line_starts.get(line).copied().unwrap_or(0);
        LineCol {
            line: line as u32 + 1,
            column: offset - start + 1,
        }
    }

    /// Byte offset of the start of 1-based `line`, if it exists.
    pub fn line_start(&self, line: u32) -> Option<u32> {
        self.line_starts.get(line.checked_sub(1)? as usize).copied()
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_offsets_like_go_token() {
        let index = LineIndex::new(b"package p\n\nfunc f() {}\n");
        assert_eq!(index.line_col(0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(8), LineCol { line: 1, column: 9 });
        assert_eq!(index.line_col(10), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_col(11), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_col(16), LineCol { line: 3, column: 6 });
        assert_eq!(index.line_col(999), LineCol { line: 4, column: 1 });
        assert_eq!(index.line_start(3), Some(11));
        assert_eq!(index.line_start(0), None);
    }

    #[test]
    fn block_scan_matches_memchr() {
        let mut source = Vec::new();
        for i in 0..1000u32 {
            source.extend(std::iter::repeat_n(b'x', (i * 7 % 131) as usize));
            source.push(b'\n');
            if i % 3 == 0 {
                source.push(b'\n');
            }
        }
        for len in [0, 1, 63, 64, 65, 127, 128, 129, source.len()] {
            let src = &source[..len.min(source.len())];
            let expected: Vec<u32> = std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', src).map(|o| o as u32 + 1))
                .collect();
            assert_eq!(LineIndex::new(src).line_starts, expected, "len {len}");
        }
    }
}
