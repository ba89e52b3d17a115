//! The framing of the Language Server Protocol's messages on a byte stream:
//! header lines, a blank line, then `Content-Length` bytes of body. Bounded:
//! a header line and a body are limited, so a hostile `Content-Length` is an
//! error, not an allocation. The body's meaning (JSON-RPC) is the caller's.
//!
//! It lives in the library, not beside the server, so that the fuzz target
//! `lsp_frame` reads frames exactly as `whatif lsp` does.

use std::io::{BufRead, Read};

use thiserror::Error;

/// The longest header line accepted.
pub const MAX_HEADER_LINE: u64 = 1024;

/// Why the framing is broken: the session cannot go on, since where the next
/// message begins is unknown.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    /// Reading failed.
    #[error("cannot read standard input: {0}")]
    Read(String),
    /// The input ended between a message's first byte and its end.
    #[error("the input ended inside a message's header")]
    EndInHeader,
    /// The body was shorter than its `Content-Length`.
    #[error("the input ended inside a message: {0}")]
    EndInBody(String),
    /// A header line without CR LF, or longer than [`MAX_HEADER_LINE`].
    #[error("a header line does not end with CR LF")]
    NoCrLf,
    /// A header line without a colon.
    #[error("a malformed header line: {0:?}")]
    Malformed(String),
    /// A `Content-Length` that is not a number.
    #[error("a malformed Content-Length: {0:?}")]
    BadLength(String),
    /// A body over the limit.
    #[error("a message of {length} bytes is larger than the {limit} bytes allowed")]
    TooLarge {
        /// What the header said.
        length: usize,
        /// The limit.
        limit: usize,
    },
    /// Headers without a `Content-Length`.
    #[error("a message without a Content-Length")]
    NoLength,
}

/// Reads one message's body: `None` at the end of the input (between
/// messages), an error for broken framing.
///
/// # Errors
/// See [`FrameError`].
pub fn read_frame(
    input: &mut impl BufRead,
    max_body: usize,
) -> Result<Option<Vec<u8>>, FrameError> {
    let mut length: Option<usize> = None;
    let mut first = true;
    loop {
        let mut line = Vec::new();
        let read = input
            .by_ref()
            .take(MAX_HEADER_LINE)
            .read_until(b'\n', &mut line)
            .map_err(|e| FrameError::Read(e.to_string()))?;
        if read == 0 {
            return if first {
                Ok(None)
            } else {
                Err(FrameError::EndInHeader)
            };
        }
        first = false;
        let Some(line) = line.strip_suffix(b"\r\n") else {
            return Err(FrameError::NoCrLf);
        };
        if line.is_empty() {
            break;
        }
        let line = String::from_utf8_lossy(line);
        let Some((name, value)) = line.split_once(':') else {
            return Err(FrameError::Malformed(line.into_owned()));
        };
        if name.trim().eq_ignore_ascii_case("content-length") {
            let n: usize = value
                .trim()
                .parse()
                .map_err(|_| FrameError::BadLength(value.to_string()))?;
            if n > max_body {
                return Err(FrameError::TooLarge {
                    length: n,
                    limit: max_body,
                });
            }
            length = Some(n);
        }
    }
    let length = length.ok_or(FrameError::NoLength)?;
    let mut body = vec![0; length];
    input
        .read_exact(&mut body)
        .map_err(|e| FrameError::EndInBody(e.to_string()))?;
    Ok(Some(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Vec<Result<Option<Vec<u8>>, FrameError>> {
        let mut input = std::io::BufReader::new(bytes);
        let mut out = Vec::new();
        loop {
            let r = read_frame(&mut input, 1000);
            let stop = !matches!(r, Ok(Some(_)));
            out.push(r);
            if stop {
                return out;
            }
        }
    }

    #[test]
    fn frames_are_read_and_bad_framing_stops() {
        let input = "Content-Length: 5\r\n\r\nhelloContent-Length: 2\r\nContent-Type: x\r\n\r\n{}";
        let out = read_all(input.as_bytes());
        assert_eq!(out[0], Ok(Some(b"hello".to_vec())));
        assert_eq!(out[1], Ok(Some(b"{}".to_vec())));
        assert_eq!(out[2], Ok(None));
        for broken in [
            "Content-Length: 99999999999999\r\n\r\n",
            "Content-Length: x\r\n\r\n",
            "no colon\r\n\r\n",
            "Content-Length: 5\n\n",
            "\r\n",
            "Content-Length: 10\r\n\r\nshort",
        ] {
            let out = read_all(broken.as_bytes());
            assert!(matches!(out.last(), Some(Err(_))), "{broken:?}: {out:?}");
        }
        let long = format!("X-{}: 1\r\n", "a".repeat(5000));
        assert!(matches!(read_all(long.as_bytes()).last(), Some(Err(_))));
    }
}
