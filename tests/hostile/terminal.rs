//! Nothing a model, a file name or a partial result holds reaches the
//! terminal raw: refused characters are shown as escapes in diagnostics,
//! titles cannot forge lines, and file names found in a folder are escaped.

use std::process::Stdio;

use super::{folder, whatif};

/// Bytes a terminal acts on, that no output of whatif may hold unasked: ESC,
/// BEL, a lone CR, the 8-bit CSI (C2 9B) and the bidi override (E2 80 AE).
fn drives_a_terminal(bytes: &[u8]) -> bool {
    bytes.windows(2).any(|w| w == [0xC2, 0x9B])
        || bytes.windows(3).any(|w| w == [0xE2, 0x80, 0xAE])
        || bytes.iter().enumerate().any(|(i, &b)| {
            matches!(b, 0x1b | 0x07 | 0x00) || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'))
        })
}

#[test]
fn a_refused_escape_sequence_is_shown_escaped_in_the_diagnostic() {
    let dir = folder("escape-in-comment");
    std::fs::write(
        dir.join("m.whatif"),
        b"model \"m\" {\n horizon 5\n}\n// \x1b]0;pwn\x07\x1b[2J\n",
    )
    .expect("written");
    let out = whatif()
        .args(["check", "--color", "never", "m.whatif"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !drives_a_terminal(&out.stderr),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r"// \u{1b}]0;pwn\u{7}\u{1b}[2J"),
        "{stderr}"
    );
    assert!(stderr.contains("[m.whatif:4:4]"), "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn colour_on_a_terminal_keeps_our_styles_and_escapes_the_models() {
    let dir = folder("escape-colour");
    std::fs::write(
        dir.join("m.whatif"),
        "model \"m\" { horizon 5 }\nfactor x = 0.5 \"\u{9b}31mred\u{202e}\"\n",
    )
    .expect("written");
    let out = whatif()
        .args(["check", "--color", "always", "m.whatif"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Our colours pass (ESC [ … m), the model's CSI and override do not.
    assert!(stderr.contains("\u{1b}["), "{stderr:?}");
    assert!(
        !stderr.contains('\u{9b}') && !stderr.contains('\u{202e}'),
        "{stderr:?}"
    );
    assert!(stderr.contains(r"\u{9b}31mred\u{202e}"), "{stderr:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_title_with_a_line_break_cannot_forge_a_line_of_output() {
    let dir = folder("title-newline");
    std::fs::write(
        dir.join("m.whatif"),
        "model \"two\\nlines\" { horizon 5 }\nevent e prior = 0.5\n\
         scenario s \"forged\\nPASS everything\" { set e.prior = 0.2 }\n\
         expect s { P(e) < 0.5 }\n",
    )
    .expect("written");
    for args in [
        &["eval", "m.whatif", "--scenario", "s", "--runs", "50"][..],
        &["loops", "m.whatif"],
        &[
            "explain",
            "m.whatif",
            "--scenario",
            "s",
            "e",
            "--runs",
            "50",
        ],
        &["diff", "m.whatif", "s", "--runs", "50"],
        &["causes", "m.whatif", "--scenario", "s", "e"],
    ] {
        let out = whatif()
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("runs");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stdout}");
        let first = stdout.lines().next().unwrap_or_default();
        assert!(first.starts_with(r"two\nlines — "), "{args:?}: {first}");
        assert!(
            !stdout
                .lines()
                .any(|l| l.starts_with("PASS") || l == "lines — "),
            "{args:?}: {stdout}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[cfg(unix)]
#[test]
fn file_names_found_in_a_folder_are_printed_escaped() {
    let dir = folder("hostile-names");
    let name = "a\u{1b}[2J\nPASS forged.whatif";
    std::fs::write(
        dir.join(name),
        "model \"m\" { horizon 5 }\nevent e prior = 0.5\nexpect baseline { P(e) > 0.9 }\n",
    )
    .expect("written");
    let out = whatif()
        .args(["test", "--runs", "100", "."])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(!drives_a_terminal(&out.stdout) && !drives_a_terminal(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r"a\u{1b}[2J\nPASS forged.whatif"),
        "{stdout}"
    );
    assert!(
        !stdout.lines().any(|l| l.starts_with("PASS forged")),
        "{stdout}"
    );
    // JUnit is XML 1.0, which cannot hold an escape character at all.
    let out = whatif()
        .args(["test", "--runs", "100", "--format", "junit", "."])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert!(
        !drives_a_terminal(&out.stdout),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
