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

impl LineIndex {
    pub fn new(source: &[u8]) -> Self {
        let mut line_starts = Vec::with_capacity(source.len() / 32 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', source).map(|offset| offset as u32 + 1));
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
}
