//! The syntax stage: text in, an AST (and the comments) out, or syntax errors.
//!
//! `scan` cuts the text into top-level items and bounds its nesting; `lower`
//! runs pest on batches of items, in parallel when the file is large, and builds
//! the AST; `print` is the formatter, the inverse of parsing. Nothing outside
//! this module knows pest.

pub mod ast;
pub mod canon;
mod error;
mod lower;
pub mod print;
mod scan;

pub use error::SyntaxError;
pub use scan::{Comment, CommentKind};

use crate::limits::Limits;
use crate::span::{FileId, SourceMap, Span};

/// A parsed file: its tree and its comments.
#[derive(Clone, Debug, Default)]
pub struct Parsed {
    /// The tree.
    pub ast: ast::File,
    /// Every comment, in order (the tree has none; the formatter puts them back).
    pub comments: Vec<Comment>,
}

/// Batches of about this many bytes are handed to pest one at a time. Large
/// enough that pest's per-call setup does not matter, small enough that its token
/// queue stays small and two cores share the work.
const BATCH_BYTES: usize = 64 * 1024;

/// pest descends recursively, so it runs on threads with a stack sized for the
/// nesting limit rather than on the caller's, whatever that is.
const PARSER_STACK_BYTES: usize = 256 << 20;

/// Decodes file contents, dropping a leading byte-order mark.
///
/// # Errors
/// Invalid UTF-8: the error carries the text as it can be shown (invalid bytes
/// replaced by U+FFFD) and the position of the first invalid byte in it.
pub fn decode(mut bytes: Vec<u8>) -> Result<String, (String, usize)> {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        (String::from_utf8_lossy(e.as_bytes()).into_owned(), at)
    })
}

/// Adds a file's bytes to `sources` as text and returns its id, or the error
/// that keeps it from being parsed: more bytes than `limits.source_bytes`, or
/// not UTF-8. Either way the file is added, as it can be shown (the bytes up to
/// the limit; invalid bytes as U+FFFD), and the error's span points into it.
///
/// # Errors
/// [`SyntaxError::TooLarge`] or [`SyntaxError::InvalidUtf8`].
pub fn add_source(
    sources: &mut SourceMap,
    name: &str,
    mut bytes: Vec<u8>,
    limits: &Limits,
) -> Result<FileId, SyntaxError> {
    if bytes.len() > limits.source_bytes {
        bytes.truncate(limits.source_bytes);
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        let end = shown.len();
        let id = sources.add(name, shown);
        return Err(SyntaxError::TooLarge {
            at: Span::new(id, end, end),
            limit: limits.source_bytes,
        });
    }
    match decode(bytes) {
        Ok(text) => Ok(sources.add(name, text)),
        Err((shown, at)) => {
            let end = shown[at..].chars().next().map_or(at, |c| at + c.len_utf8());
            let id = sources.add(name, shown);
            Err(SyntaxError::InvalidUtf8 {
                at: Span::new(id, at, end),
            })
        }
    }
}

/// Parses one file.
///
/// # Errors
/// Every syntax error found: one per top-level item that fails to parse.
pub fn parse(file: FileId, text: &str, limits: &Limits) -> Result<Parsed, Vec<SyntaxError>> {
    // Every later stage recurses as deep as the trees made here: no setting
    // makes them deeper than the stack is known to hold.
    let limits = &Limits {
        depth: limits.depth.min(crate::limits::MAX_DEPTH),
        ..*limits
    };
    if text.len() > limits.source_bytes {
        let at = Span::new(file, limits.source_bytes, limits.source_bytes);
        return Err(vec![SyntaxError::TooLarge {
            at,
            limit: limits.source_bytes,
        }]);
    }
    let scan =
        scan::scan(text, limits.depth).map_err(|e| vec![scan_error(file, text, e, limits)])?;

    // Batch boundaries fall on item starts; the first batch also holds whatever
    // precedes the first item (comments, or garbage that pest will report).
    let mut bounds = vec![0];
    for &start in &scan.item_starts {
        if start - bounds[bounds.len() - 1] >= BATCH_BYTES {
            bounds.push(start);
        }
    }
    bounds.push(text.len());
    let batches: Vec<(usize, usize)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();

    let results = run_parsers(&batches, |&(start, end)| {
        lower::parse_items(&scan.blanked(text, start, end), file, start, limits.depth)
    });

    let mut items = Vec::with_capacity(scan.item_starts.len());
    let mut errors = Vec::new();
    for ((start, end), result) in batches.iter().zip(results) {
        match result {
            Ok(mut batch) => items.append(&mut batch),
            Err(first) => errors.extend(item_errors(
                &scan.blanked(text, *start, *end),
                file,
                limits,
                &scan.item_starts,
                *start,
                *end,
                first,
            )),
        }
    }
    if errors.is_empty() {
        Ok(Parsed {
            ast: ast::File { items },
            comments: scan.comments,
        })
    } else {
        Err(errors)
    }
}

/// The forms of a measure, for its syntax errors.
pub const MEASURE_FORMS: &str = "a measure is written as an expectation writes what it measures: `P(EVENT)`, `P(CONDITION at S)`, `P(CONDITION by S)`, or `FACTOR at S` (S a number of steps or a duration such as `26 weeks`; the horizon when left out)";

/// Parses a measure of one run (`P(users.migration)`, `users.trust at 52`),
/// the whole text of file `file` in some [`SourceMap`], so that its errors
/// point into it. The per-run samples of an evaluation are such measures
/// (`crate::check::measure` reads one against a model).
///
/// # Errors
/// The text's syntax error, or a limit (its size, its nesting).
pub fn parse_measure(
    file: FileId,
    text: &str,
    limits: &Limits,
) -> Result<ast::Measure, SyntaxError> {
    if text.len() > limits.source_bytes {
        let at = Span::new(file, limits.source_bytes, limits.source_bytes);
        return Err(SyntaxError::TooLarge {
            at,
            limit: limits.source_bytes,
        });
    }
    let scan = scan::scan(text, limits.depth).map_err(|e| scan_error(file, text, e, limits))?;
    let blanked = scan.blanked(text, 0, text.len());
    // pest recurses as deep as the nesting the scan allowed: on a big-stack
    // thread, as for files, whatever the caller's stack.
    run_parsers(&[()], |()| {
        lower::parse_measure(&blanked, file, limits.depth, MEASURE_FORMS)
    })
    .pop()
    .unwrap_or(Err(SyntaxError::Internal {
        at: Span::new(file, 0, text.len()),
    }))
}

/// A batch failed: parse its items one by one so that every broken item is
/// reported, not only the first. `text` is the batch, which starts at byte
/// `start` of the file.
fn item_errors(
    text: &str,
    file: FileId,
    limits: &Limits,
    item_starts: &[usize],
    start: usize,
    end: usize,
    first: SyntaxError,
) -> Vec<SyntaxError> {
    // From now on pest records every token it tries, so that an error can list
    // the punctuation and keywords it expected (a missing `,`, `then` or `}`),
    // which its rule names alone leave out. The switch is global and stays on:
    // turning it off again could race with a parse on another thread and make
    // messages depend on timing. Parses that succeed pay a little for it.
    pest::set_error_detail(true);
    let mut cuts: Vec<usize> = vec![start];
    cuts.extend(
        item_starts
            .iter()
            .copied()
            .filter(|&s| s > start && s < end),
    );
    cuts.push(end);
    // Even a batch of one item is parsed again, with the detail on.
    let errors: Vec<SyntaxError> = cuts
        .windows(2)
        .filter_map(|w| {
            lower::parse_items(&text[w[0] - start..w[1] - start], file, w[0], limits.depth).err()
        })
        .collect();
    if errors.is_empty() {
        vec![first]
    } else {
        errors
    }
}

/// Runs `parse` over `batches` on a few big-stack threads, keeping their order.
/// Each thread takes the next batch not yet taken, so a thread that loses its
/// core for a while (a busy machine) does not hold the others up at the end.
fn run_parsers<T: Send + Sync, R: Send>(batches: &[T], parse: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let workers = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(batches.len())
        .max(1);
    let next = std::sync::atomic::AtomicUsize::new(0);
    let work = || {
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let Some(batch) = batches.get(i) else {
                return done;
            };
            done.push((i, parse(batch)));
        }
    };
    let work = &work;
    let outcome = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                std::thread::Builder::new()
                    .name("whatif-parse".into())
                    .stack_size(PARSER_STACK_BYTES)
                    .spawn_scoped(scope, work)
            })
            .collect();
        let mut slots: Vec<Option<R>> = std::iter::repeat_with(|| None)
            .take(batches.len())
            .collect();
        let mut spawned = false;
        for handle in handles {
            // A thread that could not be created takes no batch; the others
            // take them all.
            let Ok(h) = handle else { continue };
            spawned = true;
            match h.join() {
                Ok(part) => {
                    for (i, r) in part {
                        slots[i] = Some(r);
                    }
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        spawned.then_some(slots)
    });
    // No thread could be created (a resource limit): parse here instead.
    match outcome {
        Some(slots) if slots.iter().all(Option::is_some) => slots.into_iter().flatten().collect(),
        _ => batches.iter().map(parse).collect(),
    }
}

fn scan_error(file: FileId, text: &str, error: scan::ScanError, limits: &Limits) -> SyntaxError {
    match error {
        scan::ScanError::UnterminatedString { start, end } => SyntaxError::UnterminatedString {
            at: Span::new(file, start, end),
        },
        scan::ScanError::UnterminatedComment { start } => SyntaxError::UnterminatedComment {
            at: Span::new(file, start, (start + 2).min(text.len())),
        },
        scan::ScanError::Forbidden { at, len, ch } => SyntaxError::Forbidden {
            at: Span::new(file, at, at + len),
            code: u32::from(ch),
        },
        scan::ScanError::TooDeep { at, len } => SyntaxError::TooDeep {
            at: Span::new(file, at, at + len),
            limit: limits.depth,
        },
        scan::ScanError::Unclosed { at, ch } => SyntaxError::Unclosed {
            at: Span::new(file, at, at + 1),
            open: ch,
            close: scan::closing(ch),
        },
        scan::ScanError::Unmatched { at, ch } => SyntaxError::Unmatched {
            at: Span::new(file, at, at + 1),
            close: ch,
            open: match ch {
                ')' => '(',
                ']' => '[',
                _ => '{',
            },
        },
        scan::ScanError::Mismatched {
            open,
            open_ch,
            at,
            ch,
        } => SyntaxError::Mismatched {
            at: Span::new(file, at, at + 1),
            open_at: Span::new(file, open, open + 1),
            open: open_ch,
            close: scan::closing(open_ch),
            found: ch,
        },
    }
}

#[cfg(test)]
mod tests;
