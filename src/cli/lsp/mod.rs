//! `whatif lsp`: a language server over standard input and output.
//!
//! Synchronous: one thread handles one message at a time, in order. Edits that
//! arrive together are applied together before anything is re-analysed, so a
//! fast typist does not queue an analysis per keystroke. A handler that fails
//! answers with an error instead of ending the session; only the protocol's
//! `exit` (or the end of the input) ends it, with 0 after a `shutdown` and 1
//! without, as the protocol asks.

mod convert;
mod server;
mod transport;

use clap::Args;
use lsp_server::{ErrorCode, Message, Response};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, OneOf, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions,
};
use whatif::limits::Limits;

use super::Outcome;
use server::Server;

/// `whatif lsp`
#[derive(Debug, Args)]
pub struct LspArgs {}

/// The extra room a message needs beyond the largest model it may carry:
/// JSON escaping and the envelope.
const ENVELOPE_BYTES: usize = 1 << 20;

fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::Supported(true)),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        ..ServerCapabilities::default()
    }
}

/// Runs the server until the client says `exit` or closes the input.
pub fn run(_args: &LspArgs, limits: &Limits) -> Outcome {
    // A message carries a whole model; JSON may escape every byte as `\u00XX`.
    let max_body = limits
        .source_bytes
        .saturating_mul(6)
        .saturating_add(ENVELOPE_BYTES);
    let (connection, writer) = match transport::stdio(max_body) {
        Ok(c) => c,
        Err(e) => {
            errorln!("error: cannot start the language server: {e}");
            return Outcome::Failure;
        }
    };
    let caps = serde_json::to_value(capabilities()).unwrap_or_default();
    let outcome = match connection.initialize(caps) {
        Ok(_) => serve(Server::new(connection, *limits)),
        Err(e) => {
            errorln!("error: the client did not initialize the session: {e}");
            drop(connection);
            Outcome::Failure
        }
    };
    let _ = writer.join();
    outcome
}

/// Whether a notification edits documents: such notifications arriving
/// together are applied before one analysis.
fn is_edit(message: &Message) -> bool {
    use lsp_types::notification::{
        DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
        Notification as _,
    };
    matches!(message, Message::Notification(n) if [
        DidOpenTextDocument::METHOD,
        DidChangeTextDocument::METHOD,
        DidSaveTextDocument::METHOD,
        DidCloseTextDocument::METHOD,
    ].contains(&n.method.as_str()))
}

fn serve(mut server: Server) -> Outcome {
    let mut shutdown = false;
    let mut next: Option<Message> = None;
    loop {
        let message = match next.take() {
            Some(m) => m,
            None => match server.connection().receiver.recv() {
                Ok(m) => m,
                // The input ended without `exit`.
                Err(_) => return Outcome::Found,
            },
        };
        match message {
            Message::Request(req) => {
                let response = if req.method == "shutdown" {
                    shutdown = true;
                    Response::new_ok(req.id, ())
                } else if shutdown {
                    Response::new_err(
                        req.id,
                        ErrorCode::InvalidRequest as i32,
                        "the server is shutting down".to_string(),
                    )
                } else {
                    let id = req.id.clone();
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| server.request(req)))
                        .unwrap_or_else(|_| server::internal_error(id))
                };
                let _ = server.connection().sender.send(response.into());
            }
            Message::Notification(n) if n.method == "exit" => {
                return if shutdown {
                    Outcome::Success
                } else {
                    Outcome::Found
                };
            }
            Message::Notification(n) => {
                let mut edited = guarded(|| server.notify(n));
                if edited {
                    // Take in every edit already waiting, then analyse once.
                    while let Ok(m) = server.connection().receiver.try_recv() {
                        if !is_edit(&m) {
                            next = Some(m);
                            break;
                        }
                        if let Message::Notification(n) = m {
                            edited |= guarded(|| server.notify(n));
                        }
                    }
                    guarded(|| {
                        server.refresh();
                        true
                    });
                }
            }
            Message::Response(_) => {}
        }
    }
}

/// Runs a notification handler; a panic (a bug) is reported on stderr and the
/// session goes on.
fn guarded(f: impl FnOnce() -> bool) -> bool {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        super::print_stderr("whatif lsp: a notification failed (a bug: please report it)\n");
        false
    })
}
