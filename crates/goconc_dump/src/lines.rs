//! A line reader over `BufRead` that never holds more than one capped line:
//! lines that fit the reader's buffer are returned without copying, longer
//! ones are copied up to [`MAX_LINE`] bytes and the rest is skipped, so a
//! file without newlines cannot exhaust memory.

use std::io::{self, BufRead};

/// Longest line kept; Go tracebacks lines are far shorter.
pub const MAX_LINE: usize = 64 * 1024;

pub struct LineReader<R> {
    inner: R,
    pending_consume: usize,
    long_line: Vec<u8>,
    /// Bytes consumed from the input so far.
    pub bytes_read: u64,
    /// Whether the last line returned ended with a newline.
    pub last_line_complete: bool,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(inner: R) -> Self {
        Self {
            inner,
            pending_consume: 0,
            long_line: Vec::new(),
            bytes_read: 0,
            last_line_complete: true,
        }
    }

    /// The next line without its `\n` or `\r\n`; `None` at end of input.
    pub fn next_line(&mut self) -> io::Result<Option<&[u8]>> {
        if self.pending_consume > 0 {
            self.inner.consume(self.pending_consume);
            self.pending_consume = 0;
        }
        let (newline, available) = {
            let buf = fill_buf_retrying(&mut self.inner)?;
            (memchr::memchr(b'\n', buf), buf.len())
        };
        if available == 0 {
            return Ok(None);
        }
        if let Some(end) = newline {
            self.pending_consume = end + 1;
            self.bytes_read += (end + 1) as u64;
            self.last_line_complete = true;
            let buf = fill_buf_retrying(&mut self.inner)?;
            return Ok(Some(trim_cr(&buf[..end])));
        }
        // The line continues past the buffer: copy it, capped.
        self.long_line.clear();
        self.last_line_complete = false;
        loop {
            let (consumed, done) = {
                let buf = fill_buf_retrying(&mut self.inner)?;
                if buf.is_empty() {
                    (0, true)
                } else {
                    match memchr::memchr(b'\n', buf) {
                        Some(end) => {
                            let room = MAX_LINE.saturating_sub(self.long_line.len());
                            self.long_line.extend_from_slice(&buf[..end.min(room)]);
                            self.last_line_complete = true;
                            (end + 1, true)
                        }
                        None => {
                            let room = MAX_LINE.saturating_sub(self.long_line.len());
                            self.long_line
                                .extend_from_slice(&buf[..buf.len().min(room)]);
                            (buf.len(), false)
                        }
                    }
                }
            };
            self.inner.consume(consumed);
            self.bytes_read += consumed as u64;
            if done {
                break;
            }
        }
        Ok(Some(trim_cr(&self.long_line)))
    }
}

fn fill_buf_retrying<R: BufRead>(reader: &mut R) -> io::Result<&[u8]> {
    // `Interrupted` is retried, as `read_until` does.
    loop {
        match reader.fill_buf() {
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    reader.fill_buf()
}

fn trim_cr(line: &[u8]) -> &[u8] {
    match line.last() {
        Some(b'\r') => &line[..line.len() - 1],
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::BufReader;

    fn collect(input: &[u8], capacity: usize) -> (Vec<Vec<u8>>, bool) {
        let mut reader = LineReader::new(BufReader::with_capacity(capacity, input));
        let mut lines = Vec::new();
        while let Some(line) = reader.next_line().unwrap() {
            lines.push(line.to_vec());
        }
        (lines, reader.last_line_complete)
    }

    #[test]
    fn splits_lf_and_crlf_and_keeps_unterminated_tail() {
        let (lines, complete) = collect(b"a\r\nbb\n\nccc", 4);
        assert_eq!(
            lines,
            vec![b"a".to_vec(), b"bb".to_vec(), b"".to_vec(), b"ccc".to_vec()]
        );
        assert!(!complete);
    }

    #[test]
    fn long_lines_are_capped() {
        let mut input = vec![b'x'; MAX_LINE * 3];
        input.extend_from_slice(b"\nnext\n");
        let (lines, complete) = collect(&input, 8192);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].len(), MAX_LINE);
        assert_eq!(lines[1], b"next");
        assert!(complete);
    }
}
