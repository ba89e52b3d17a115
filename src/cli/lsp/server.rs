//! The server's state — the open documents and their analyses — and one
//! handler per request and notification.
//!
//! Every document is analysed from the text the editor holds, with the texts
//! of the other open documents taking the place of their files; a change to a
//! document re-analyses it and every open document that imports it. Handlers
//! answer from the last analysis, which is always that of the current text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use lsp_server::{ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest, References,
    Request as _,
};
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionParams, CompletionResponse, CompletionTextEdit,
    DiagnosticRelatedInformation, DiagnosticSeverity, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentFormattingParams,
    DocumentSymbol, DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams,
    GotoDefinitionResponse, Hover, HoverContents, HoverParams, Location, MarkupContent, MarkupKind,
    NumberOrString, PublishDiagnosticsParams, Range, ReferenceParams, TextEdit, Url,
};
use serde::de::DeserializeOwned;
use whatif::ide::index::{Index, SymbolKind, Target};
use whatif::ide::lines::LineIndex;
use whatif::ide::{self, complete, hover};
use whatif::limits::Limits;
use whatif::span::{FileId, Span};
use whatif::syntax;

use super::convert::{TextView, path_of, uri_of};

/// One open document.
struct Doc {
    text: String,
    version: i32,
    lines: LineIndex,
    /// Its canonical path, when it is a file.
    path: Option<PathBuf>,
    /// The analysis of `text`.
    analysis: ide::Document,
    /// The index of the last text that parsed: completion is asked for most
    /// while a name is half typed, when the text does not parse.
    names: Index,
}

impl Doc {
    fn view(&self) -> TextView<'_> {
        TextView::new(&self.text, Some(&self.lines))
    }
}

/// The server.
pub struct Server {
    limits: Limits,
    docs: HashMap<Url, Doc>,
    /// Documents to re-analyse before the next request.
    dirty: Vec<Url>,
    /// Files whose text changed (opened, edited, saved or closed): every
    /// document that read one is re-analysed.
    changed: Vec<PathBuf>,
    out: lsp_server::Connection,
}

impl Server {
    /// A server sending through `out`.
    pub fn new(out: lsp_server::Connection, limits: Limits) -> Server {
        Server {
            limits,
            docs: HashMap::new(),
            dirty: Vec::new(),
            changed: Vec::new(),
            out,
        }
    }

    /// The connection.
    pub fn connection(&self) -> &lsp_server::Connection {
        &self.out
    }

    fn send(&self, message: Message) {
        // A closed connection ends the main loop at its next receive.
        let _ = self.out.sender.send(message);
    }

    /// Answers a request.
    pub fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            HoverRequest::METHOD => self.with(req, Self::hover),
            GotoDefinition::METHOD => self.with(req, Self::definition),
            References::METHOD => self.with(req, Self::references),
            Completion::METHOD => self.with(req, Self::completion),
            Formatting::METHOD => self.with(req, Self::formatting),
            DocumentSymbolRequest::METHOD => self.with(req, Self::symbols),
            _ => Err((
                ErrorCode::MethodNotFound,
                format!("whatif lsp does not handle `{}`", req.method),
            )),
        };
        match result {
            Ok(value) => Response::new_ok(id, value),
            Err((code, message)) => Response::new_err(id, code as i32, message),
        }
    }

    /// Decodes a request's parameters and runs `handler`.
    fn with<P: DeserializeOwned, R: serde::Serialize>(
        &mut self,
        req: Request,
        handler: fn(&mut Self, P) -> Option<R>,
    ) -> Result<serde_json::Value, (ErrorCode, String)> {
        let params: P = serde_json::from_value(req.params)
            .map_err(|e| (ErrorCode::InvalidParams, format!("invalid parameters: {e}")))?;
        let result = handler(self, params);
        Ok(serde_json::to_value(result).unwrap_or(serde_json::Value::Null))
    }

    /// Handles a notification; whether it changed a document.
    pub fn notify(&mut self, n: Notification) -> bool {
        fn params<P: DeserializeOwned>(n: Notification) -> Option<P> {
            serde_json::from_value(n.params).ok()
        }
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Some(p) = params::<DidOpenTextDocumentParams>(n) else {
                    return false;
                };
                let doc = p.text_document;
                self.set_text(doc.uri, doc.text, doc.version);
                true
            }
            DidChangeTextDocument::METHOD => {
                let Some(p) = params::<DidChangeTextDocumentParams>(n) else {
                    return false;
                };
                // Full synchronisation: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return false;
                };
                if !self.docs.contains_key(&p.text_document.uri) {
                    return false;
                }
                self.set_text(p.text_document.uri, change.text, p.text_document.version);
                true
            }
            DidSaveTextDocument::METHOD => {
                // Files that are not open may have changed on disk too.
                self.dirty.extend(self.docs.keys().cloned());
                true
            }
            DidCloseTextDocument::METHOD => {
                let Some(p) = params::<DidCloseTextDocumentParams>(n) else {
                    return false;
                };
                let uri = p.text_document.uri;
                if let Some(doc) = self.docs.remove(&uri) {
                    self.changed.extend(doc.path);
                    self.publish(uri, Vec::new(), None);
                }
                true
            }
            _ => false,
        }
    }

    fn set_text(&mut self, uri: Url, text: String, version: i32) {
        let path = path_of(&uri).map(|p| p.canonicalize().unwrap_or(p));
        self.changed.extend(path.clone());
        let lines = LineIndex::new(&text);
        let old = self.docs.remove(&uri);
        let names = old.map(|d| d.names).unwrap_or_default();
        self.docs.insert(
            uri.clone(),
            Doc {
                text,
                version,
                lines,
                path,
                analysis: ide::Document::default(),
                names,
            },
        );
        self.dirty.push(uri);
    }

    /// Re-analyses what changed and publishes the diagnostics.
    pub fn refresh(&mut self) {
        let changed = std::mem::take(&mut self.changed);
        let mut todo = std::mem::take(&mut self.dirty);
        for (uri, doc) in &self.docs {
            if doc
                .analysis
                .files_read()
                .any(|p| changed.iter().any(|c| c == p))
            {
                todo.push(uri.clone());
            }
        }
        todo.sort();
        todo.dedup();
        for uri in todo {
            let Some(doc) = self.docs.get(&uri) else {
                continue;
            };
            let open = |p: &Path| {
                self.docs
                    .values()
                    .find(|d| d.path.as_deref() == Some(p))
                    .map(|d| d.text.clone())
            };
            let path = path_of(&uri);
            let analysis =
                ide::analyze_document(path.as_deref(), doc.view().source(), &open, &self.limits);
            let parsed =
                analysis.analysis.diagnostics.iter().all(|d| {
                    !matches!(d, whatif::Diagnostic::Syntax(_)) || d.span().file != FileId(0)
                });
            let Some(doc) = self.docs.get_mut(&uri) else {
                continue;
            };
            if parsed {
                doc.names = analysis.index.clone();
            }
            doc.analysis = analysis;
            let diagnostics = diagnostics(&uri, doc);
            let version = Some(doc.version);
            self.publish(uri, diagnostics, version);
        }
    }

    fn publish(&self, uri: Url, diagnostics: Vec<lsp_types::Diagnostic>, version: Option<i32>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Message::Notification(Notification::new(
            PublishDiagnostics::METHOD.to_string(),
            params,
        )));
    }

    fn doc(&self, uri: &Url) -> Option<&Doc> {
        self.docs.get(uri)
    }

    fn hover(&mut self, p: HoverParams) -> Option<Hover> {
        let at = p.text_document_position_params;
        let doc = self.doc(&at.text_document.uri)?;
        let offset = doc.view().offset(at.position);
        let target = doc.analysis.index.at(FileId(0), offset)?;
        let name = |file: usize| {
            doc.analysis
                .paths
                .get(file)
                .cloned()
                .flatten()
                .map_or_else(|| "this file".to_string(), |p| p.display().to_string())
        };
        let text = hover::hover(&doc.analysis.index, target, &name);
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value: text,
            }),
            range: None,
        })
    }

    fn definition(&mut self, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let at = p.text_document_position_params;
        let uri = at.text_document.uri;
        let doc = self.doc(&uri)?;
        let offset = doc.view().offset(at.position);
        let location = match doc.analysis.index.at(FileId(0), offset)? {
            Target::Symbol(s) => location(&uri, doc, doc.analysis.index.symbols[s].at)?,
            Target::Import(link) => {
                let file = doc.analysis.index.links[link].file;
                Location::new(file_uri(&uri, doc, file)?, Range::default())
            }
        };
        Some(GotoDefinitionResponse::Scalar(location))
    }

    fn references(&mut self, p: ReferenceParams) -> Option<Vec<Location>> {
        let at = p.text_document_position;
        let uri = at.text_document.uri;
        let doc = self.doc(&uri)?;
        let offset = doc.view().offset(at.position);
        let Target::Symbol(s) = doc.analysis.index.at(FileId(0), offset)? else {
            return None;
        };
        let index = &doc.analysis.index;
        let mut spans: Vec<Span> = Vec::new();
        if p.context.include_declaration {
            spans.push(index.symbols[s].at);
        }
        spans.extend(index.references_to(s).map(|r| r.at));
        Some(
            spans
                .into_iter()
                .filter_map(|span| location(&uri, doc, span))
                .collect(),
        )
    }

    fn completion(&mut self, p: CompletionParams) -> Option<CompletionResponse> {
        let at = p.text_document_position;
        let doc = self.doc(&at.text_document.uri)?;
        let view = doc.view();
        let offset = view.offset(at.position);
        let (start, found) = complete::completions(&doc.names, view.source(), offset);
        let range = view.range(start, offset);
        let items = found
            .into_iter()
            .map(|c| CompletionItem {
                kind: Some(match c.kind {
                    Some(SymbolKind::Event) => CompletionItemKind::EVENT,
                    Some(SymbolKind::Factor) => CompletionItemKind::FIELD,
                    Some(SymbolKind::Param) => CompletionItemKind::CONSTANT,
                    Some(SymbolKind::Rule) => CompletionItemKind::FUNCTION,
                    Some(SymbolKind::Actor) => CompletionItemKind::MODULE,
                    Some(SymbolKind::Scenario) | None => CompletionItemKind::ENUM_MEMBER,
                }),
                detail: c.detail,
                filter_text: Some(c.label.clone()),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                    range,
                    c.label.clone(),
                ))),
                label: c.label,
                ..CompletionItem::default()
            })
            .collect();
        Some(CompletionResponse::Array(items))
    }

    fn formatting(&mut self, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let doc = self.doc(&p.text_document.uri)?;
        let view = doc.view();
        let source = view.source();
        // A text that does not parse is left alone; its diagnostics say why.
        let parsed = syntax::parse(FileId(0), source, &self.limits).ok()?;
        let formatted = syntax::print::format(&parsed, source);
        if formatted == source {
            return Some(Vec::new());
        }
        Some(vec![TextEdit::new(view.whole(), formatted)])
    }

    #[allow(deprecated)] // `DocumentSymbol::deprecated` must be written, as `None`.
    fn symbols(&mut self, p: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let doc = self.doc(&p.text_document.uri)?;
        let view = doc.view();
        let index = &doc.analysis.index;
        let mine: Vec<usize> = (0..index.symbols.len())
            .filter(|&i| index.symbols[i].at.file == FileId(0))
            .collect();
        let make = |i: usize, children: Option<Vec<DocumentSymbol>>| {
            let s = &index.symbols[i];
            DocumentSymbol {
                name: s.name.clone(),
                detail: s.description.clone(),
                kind: match s.kind {
                    SymbolKind::Event => lsp_types::SymbolKind::EVENT,
                    SymbolKind::Factor => lsp_types::SymbolKind::FIELD,
                    SymbolKind::Param => lsp_types::SymbolKind::CONSTANT,
                    SymbolKind::Actor => lsp_types::SymbolKind::MODULE,
                    SymbolKind::Rule => lsp_types::SymbolKind::FUNCTION,
                    SymbolKind::Scenario => lsp_types::SymbolKind::NAMESPACE,
                },
                tags: None,
                deprecated: None,
                range: view.range(s.span.start as usize, s.span.end as usize),
                selection_range: view.range(s.at.start as usize, s.at.end as usize),
                children,
            }
        };
        // Nodes sit inside their actor, a scenario's rules inside the scenario.
        let parent = |i: usize| -> Option<usize> {
            let s = &index.symbols[i];
            match s.kind {
                SymbolKind::Rule => s.scenario,
                SymbolKind::Factor | SymbolKind::Event => mine.iter().copied().find(|&a| {
                    let actor = &index.symbols[a];
                    actor.kind == SymbolKind::Actor
                        && actor.span.start <= s.span.start
                        && s.span.end <= actor.span.end
                }),
                _ => None,
            }
        };
        let out = mine
            .iter()
            .copied()
            .filter(|&i| parent(i).is_none())
            .map(|i| {
                let children: Vec<DocumentSymbol> = mine
                    .iter()
                    .copied()
                    .filter(|&c| parent(c) == Some(i))
                    .map(|c| make(c, None))
                    .collect();
                make(i, (!children.is_empty()).then_some(children))
            })
            .collect();
        Some(DocumentSymbolResponse::Nested(out))
    }
}

/// An error response for a request that panicked (a bug: the session goes on).
pub fn internal_error(req_id: lsp_server::RequestId) -> Response {
    Response::new_err(
        req_id,
        ErrorCode::InternalError as i32,
        "whatif lsp failed on this request (a bug: please report it)".to_string(),
    )
}

/// The URI of one of the files a document's analysis read.
fn file_uri(uri: &Url, doc: &Doc, file: FileId) -> Option<Url> {
    if file == FileId(0) {
        return Some(uri.clone());
    }
    doc.analysis
        .paths
        .get(file.0 as usize)?
        .as_deref()
        .and_then(uri_of)
}

/// The location of a span in any of the files a document's analysis read.
fn location(uri: &Url, doc: &Doc, span: Span) -> Option<Location> {
    let target = file_uri(uri, doc, span.file)?;
    let range = if span.file == FileId(0) {
        doc.view().range(span.start as usize, span.end as usize)
    } else {
        let text = &doc.analysis.analysis.sources.get(span.file).text;
        TextView::new(text, None).range(span.start as usize, span.end as usize)
    };
    Some(Location::new(target, range))
}

/// A document's diagnostics as the protocol has them. A diagnostic in an
/// imported file is shown on the document's import that reached the file, and
/// points to where it is.
fn diagnostics(uri: &Url, doc: &Doc) -> Vec<lsp_types::Diagnostic> {
    let view = doc.view();
    let sources = &doc.analysis.analysis.sources;
    doc.analysis
        .analysis
        .diagnostics
        .iter()
        .filter_map(|d| {
            let span = d.span();
            let file = span.file;
            let mut message = d.to_string();
            if let Some(help) = d.help_str() {
                message.push_str(&format!("\nhelp: {help}"));
            }
            let mut related = Vec::new();
            let range = if file == FileId(0) {
                view.range(span.start as usize, span.end as usize)
            } else {
                let site = doc.analysis.import_site(file)?;
                let elsewhere = location(uri, doc, span)?;
                let name = &sources.get(file).name;
                let line = elsewhere.range.start.line + 1;
                message = format!("in `{name}` (line {line}): {message}");
                related.push(DiagnosticRelatedInformation {
                    location: elsewhere,
                    message: d.to_string(),
                });
                view.range(site.start as usize, site.end as usize)
            };
            for (offset, len, label) in d.label_list() {
                let Some(label) = label else { continue };
                let at = Span::new(file, offset, offset + len);
                if let Some(location) = location(uri, doc, at) {
                    related.push(DiagnosticRelatedInformation {
                        location,
                        message: label,
                    });
                }
            }
            Some(lsp_types::Diagnostic {
                range,
                severity: Some(if d.is_error() {
                    DiagnosticSeverity::ERROR
                } else {
                    DiagnosticSeverity::WARNING
                }),
                code: Some(NumberOrString::String(d.code_str())),
                source: Some("whatif".to_string()),
                message,
                related_information: (!related.is_empty()).then_some(related),
                ..lsp_types::Diagnostic::default()
            })
        })
        .collect()
}
