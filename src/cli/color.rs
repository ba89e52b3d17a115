//! When to colour, and the few colours whatif uses.
//!
//! `--color always|never` decides; `auto` (the default) colours a stream only
//! when it is a terminal, unless `NO_COLOR` is set to anything but the empty
//! string (no colour, <https://no-color.org>) or `CLICOLOR_FORCE` is set to
//! anything but `0` or the empty string (colour even in a pipe). `NO_COLOR`
//! wins over `CLICOLOR_FORCE`. Standard output and standard error decide
//! separately, so `whatif test | less` keeps coloured diagnostics on the
//! terminal and plain verdicts in the pipe.

use std::ffi::OsString;

use anstyle::{AnsiColor, Style};
use clap::ValueEnum;

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour on a terminal, as `NO_COLOR` and `CLICOLOR_FORCE` allow.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Color {
    /// Whether to colour a stream that is (`tty`) or is not a terminal, reading
    /// the environment through `env`.
    pub fn enabled(self, tty: bool, env: impl Fn(&str) -> Option<OsString>) -> bool {
        match self {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                let no_color = env("NO_COLOR").is_some_and(|v| !v.is_empty());
                let force = env("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
                !no_color && (force || tty)
            }
        }
    }

    /// clap's own choice for its help (on standard output) and errors (on
    /// standard error): with `auto`, clap decides per stream by the same rules.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            Color::Auto => clap::ColorChoice::Auto,
            Color::Always => clap::ColorChoice::Always,
            Color::Never => clap::ColorChoice::Never,
        }
    }

    /// The `--color` value on a raw command line, before clap parses it (clap's
    /// own errors need it): the last one wins, as it does for clap.
    pub fn from_args(args: &[OsString]) -> Color {
        let mut color = Color::Auto;
        let mut iter = args.iter().map(|a| a.to_string_lossy());
        while let Some(arg) = iter.next() {
            if arg == "--" {
                break;
            }
            let value = match arg.strip_prefix("--color") {
                Some("") => iter.next().map(|v| v.into_owned()),
                Some(rest) => rest.strip_prefix('=').map(str::to_string),
                None => None,
            };
            if let Some(c) = value.and_then(|v| Color::from_str(&v, true).ok()) {
                color = c;
            }
        }
        color
    }
}

/// Colours for text on one stream, or none.
#[derive(Debug, Clone, Copy)]
pub struct Paint {
    on: bool,
}

impl Paint {
    /// Colours when `on`.
    pub fn new(on: bool) -> Paint {
        Paint { on }
    }

    fn styled(self, text: &str, style: Style) -> String {
        if self.on {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }

    /// Good news (a passing test).
    pub fn good(self, text: &str) -> String {
        self.styled(text, AnsiColor::Green.on_default().bold())
    }

    /// Bad news (a failing test).
    pub fn bad(self, text: &str) -> String {
        self.styled(text, AnsiColor::Red.on_default().bold())
    }

    /// Neither (an inconclusive test).
    pub fn unsure(self, text: &str) -> String {
        self.styled(text, AnsiColor::Yellow.on_default().bold())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::settings::tests::env;

    #[test]
    fn auto_follows_the_terminal_and_the_environment() {
        assert!(Color::Auto.enabled(true, env(&[])));
        assert!(!Color::Auto.enabled(false, env(&[])));
        assert!(!Color::Auto.enabled(true, env(&[("NO_COLOR", "1")])));
        // Any non-empty value disables colour, "0" included (no-color.org).
        assert!(!Color::Auto.enabled(true, env(&[("NO_COLOR", "0")])));
        assert!(Color::Auto.enabled(true, env(&[("NO_COLOR", "")])));
        assert!(Color::Auto.enabled(false, env(&[("CLICOLOR_FORCE", "1")])));
        assert!(!Color::Auto.enabled(false, env(&[("CLICOLOR_FORCE", "0")])));
        assert!(!Color::Auto.enabled(false, env(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")])));
    }

    #[test]
    fn flags_win_over_everything() {
        assert!(Color::Always.enabled(false, env(&[("NO_COLOR", "1")])));
        assert!(!Color::Never.enabled(true, env(&[("CLICOLOR_FORCE", "1")])));
    }

    #[test]
    fn the_flag_is_found_before_clap_runs() {
        let args = |a: &[&str]| a.iter().map(OsString::from).collect::<Vec<_>>();
        assert_eq!(Color::from_args(&args(&["whatif", "x"])), Color::Auto);
        assert_eq!(
            Color::from_args(&args(&["whatif", "--color", "never", "x"])),
            Color::Never
        );
        assert_eq!(
            Color::from_args(&args(&["whatif", "x", "--color=always"])),
            Color::Always
        );
        assert_eq!(
            Color::from_args(&args(&["whatif", "--", "--color=always"])),
            Color::Auto
        );
    }

    #[test]
    fn paint_adds_escapes_only_when_on() {
        assert_eq!(Paint::new(false).good("PASS"), "PASS");
        assert!(Paint::new(true).bad("FAIL").contains('\u{1b}'));
    }
}
