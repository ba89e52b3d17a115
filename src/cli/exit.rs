//! Exit codes, written once: `--help` of every command and the man page both
//! show this table.

/// Every exit code and what it means.
pub const CODES: [(u8, &str); 3] = [
    (
        0,
        "success (a report such as eval, explain or diff succeeds whatever it shows)",
    ),
    (
        1,
        "the tool ran and found a problem you asked about: an expectation failed, a snapshot differs or nothing was tested (test, unless --allow-empty), a file is not formatted (fmt --check), there are warnings (check --deny-warnings)",
    ),
    (
        2,
        "the input could not be read, parsed or validated (a model, whatif.toml, a WHATIF_* variable), a limit was exceeded, an evaluation failed, init would overwrite a file, or the command line was wrong",
    ),
];

/// The table as `--help` shows it, after the options.
pub fn help() -> String {
    let mut out = String::from("Exit codes:\n");
    for (code, meaning) in CODES {
        out.push_str(&format!("  {code}  {}\n", wrap(meaning, 72, "     ")));
    }
    out.trim_end().to_string()
}

/// `text` wrapped at `width` columns, continuation lines indented by `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        if line > 0 && line + 1 + word.chars().count() > width {
            out.push('\n');
            out.push_str(indent);
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.chars().count();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_help_lists_every_code_within_80_columns() {
        let text = help();
        for (code, _) in CODES {
            assert!(text.contains(&format!("\n  {code}  ")), "{text}");
        }
        assert!(text.lines().all(|l| l.chars().count() <= 80), "{text}");
    }
}
