//! The protocol's framing over standard input and output, with bounds.
//!
//! lsp-server's own stdio transport trusts the `Content-Length` header (a huge
//! one is a huge allocation) and stops at the first malformed message. Here
//! frames are read by the library's bounded `ide::frame` (fuzzed as
//! `lsp_frame`), a body that is not JSON-RPC is
//! reported on stderr and skipped (the framing is intact, so the next message
//! can still be read), and only broken framing ends the session. Messages
//! cross over to the server through an in-memory [`Connection`].

use std::io::{BufRead, Write};
use std::thread::JoinHandle;

use lsp_server::{Connection, Message};
use whatif::ide::frame::read_frame;

/// Starts the reader and writer threads; returns the server's end of the
/// connection and the writer thread, which ends (having flushed everything)
/// once the server's end is dropped. `max_body` bounds one message.
pub fn stdio(max_body: usize) -> std::io::Result<(Connection, JoinHandle<()>)> {
    let (server, client) = Connection::memory();
    let Connection {
        sender: to_server,
        receiver: from_server,
    } = client;
    // The reader is never joined: it may be blocked reading standard input
    // when the session ends, and the process's exit ends it.
    std::thread::Builder::new()
        .name("whatif-lsp-reader".into())
        .spawn(move || {
            let stdin = std::io::stdin();
            let mut input = stdin.lock();
            loop {
                match read_message(&mut input, max_body) {
                    Ok(Some(Ok(message))) => {
                        if to_server.send(message).is_err() {
                            return;
                        }
                    }
                    Ok(Some(Err(problem))) => {
                        super::super::print_stderr(&format!("whatif lsp: {problem}\n"));
                    }
                    Ok(None) => return,
                    Err(problem) => {
                        super::super::print_stderr(&format!("whatif lsp: {problem}\n"));
                        return;
                    }
                }
            }
        })?;
    let writer = std::thread::Builder::new()
        .name("whatif-lsp-writer".into())
        .spawn(move || {
            let stdout = std::io::stdout();
            let mut output = stdout.lock();
            for message in from_server {
                if message.write(&mut output).is_err() {
                    return;
                }
            }
            let _ = output.flush();
        })?;
    Ok((server, writer))
}

/// Reads one message: `None` at the end of the input, `Some(Err)` for a body
/// that is not a JSON-RPC message (skipped), `Err` for broken framing.
fn read_message(
    input: &mut impl BufRead,
    max_body: usize,
) -> Result<Option<Result<Message, String>>, String> {
    let Some(body) = read_frame(input, max_body).map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    Ok(Some(serde_json::from_slice::<Message>(&body).map_err(
        |e| format!("skipped a message that is not JSON-RPC: {e}"),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The framing's own cases are `ide::frame`'s tests; here, what the server
    /// does with a frame: a body that is not JSON-RPC is skipped, the next one
    /// read.
    #[test]
    fn a_bad_body_is_skipped_and_the_next_message_read() {
        let good = r#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
        let input = format!(
            "Content-Length: 5\r\n\r\nhello\
             Content-Length: {}\r\nContent-Type: x\r\n\r\n{good}",
            good.len()
        );
        let mut input = std::io::BufReader::new(input.as_bytes());
        assert!(matches!(read_message(&mut input, 1000), Ok(Some(Err(_)))));
        assert!(matches!(
            read_message(&mut input, 1000),
            Ok(Some(Ok(Message::Notification(_))))
        ));
        assert!(matches!(read_message(&mut input, 1000), Ok(None)));
        let mut broken = std::io::BufReader::new(&b"Content-Length: x\r\n\r\n"[..]);
        assert!(read_message(&mut broken, 1000).is_err());
    }
}
