//! The formatter never breaks a model: a comment at any token boundary of any
//! shipped model survives `fmt`, and the formatted model means the same.

use std::path::Path;

use super::{folder, run_in};

/// Byte offsets where a comment may go: the start of every token (and the end
/// of the text), outside strings and comments. Some of them split a token that
/// cannot be split (a dotted name); those variants do not parse and are skipped.
fn boundaries(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut prev_space = true;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'"' {
            out.push(i);
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            prev_space = false;
            continue;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |k| i + k);
            continue;
        }
        if text[i..].starts_with("/*") {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |k| i + 2 + k + 2);
            continue;
        }
        let word = b.is_ascii_alphanumeric() || b == b'_' || b == b'.';
        if b.is_ascii_whitespace() {
            if !prev_space {
                out.push(i);
            }
            prev_space = true;
        } else if !word || prev_space || !is_word(bytes[i - 1]) {
            out.push(i);
            prev_space = false;
        } else {
            prev_space = false;
        }
        i += 1;
    }
    out.push(bytes.len());
    out.dedup();
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.'
}

fn shipped_models() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files = Vec::new();
    for dir in [root.clone(), root.join("lib")] {
        for entry in std::fs::read_dir(&dir).expect("scenarios/ is readable") {
            let path = entry.expect("an entry").path();
            if path.extension().is_some_and(|e| e == "whatif") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The shipped model cut at its top-level items: each piece runs from an
/// item's start to the next one's (with the text before the first item in the
/// first piece), so every byte of the file is in one piece and a comment
/// anywhere is tried with the item around it. The formatter places comments
/// line by line, so a piece shows what the whole file would, at a fraction of
/// the cost.
fn pieces(text: &str) -> Vec<&str> {
    let parsed = whatif::syntax::parse(
        whatif::span::FileId(0),
        text,
        &whatif::limits::Limits::default(),
    )
    .expect("a shipped model parses");
    let mut starts: Vec<usize> = parsed
        .ast
        .items
        .iter()
        .map(|i| i.span().start as usize)
        .collect();
    starts[0] = 0;
    starts.push(text.len());
    starts.windows(2).map(|w| &text[w[0]..w[1]]).collect()
}

/// Every shipped model, with a line comment, a block comment and a block
/// comment spanning two lines inserted in turn at every token boundary: each
/// variant formats into text that parses to the same tree, keeps every
/// comment, and formats to itself (`whatif::fuzz::fmt` checks all three).
#[test]
fn a_comment_at_any_token_boundary_of_any_shipped_model_survives_fmt() {
    let comments = [" // c\n", " /* c */ ", " /* c\n  d */ "];
    let mut tried = 0;
    for path in shipped_models() {
        let text = std::fs::read_to_string(&path).expect("a shipped model");
        whatif::fuzz::fmt(text.as_bytes());
        for piece in pieces(&text) {
            for at in boundaries(piece) {
                for comment in comments {
                    let variant = format!("{}{comment}{}", &piece[..at], &piece[at..]);
                    // `fuzz::fmt` returns early when the variant does not parse.
                    whatif::fuzz::fmt(variant.as_bytes());
                    tried += 1;
                }
            }
        }
    }
    assert!(tried > 10_000, "only {tried} placements were tried");
}

#[test]
fn fmt_write_keeps_a_block_comment_inside_a_setting_and_the_model_checks() {
    let dir = folder("fmt-block-in-setting");
    let model = "model \"t\" { // c\n  horizon /* x\ny */ 10\n}\n";
    std::fs::write(dir.join("d.whatif"), model).expect("written");
    let (code, stderr) = run_in(&dir, &["fmt", "--write", "d.whatif"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run_in(&dir, &["check", "d.whatif"]);
    assert_eq!(code, 0, "fmt --write broke the model:\n{stderr}");
    let written = std::fs::read_to_string(dir.join("d.whatif")).expect("read back");
    assert!(
        written.contains("// c") && written.contains("/* x\ny */"),
        "{written}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_comment_trailing_a_line_comment_is_not_swallowed_by_it() {
    let model = "model \"t\" {\n  horizon // a\n /* b */ 10 /* c */ // d\n}\n";
    whatif::fuzz::fmt(model.as_bytes());
    let dir = folder("fmt-after-line-comment");
    std::fs::write(dir.join("d.whatif"), model).expect("written");
    let (code, stderr) = run_in(&dir, &["fmt", "--write", "d.whatif"]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stderr) = run_in(&dir, &["check", "d.whatif"]);
    assert_eq!(code, 0, "fmt --write broke the model:\n{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
