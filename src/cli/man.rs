//! `whatif man [COMMAND]`: the manual page, in roff (clap_mangen), with the
//! exit codes, the environment and the files that the generated sections
//! leave out.

use clap::Args;
use clap_mangen::Man;
use roff::{Roff, bold, italic, roman};

use super::{Outcome, exit, print_stdout};

/// `whatif man [COMMAND]`
#[derive(Debug, Args)]
pub struct ManArgs {
    /// A command whose own page to print (`whatif-eval(1)`) instead of the
    /// main page.
    ///
    /// Install the main page with, e.g.,
    /// `whatif man > ~/.local/share/man/man1/whatif.1`.
    #[arg(value_name = "COMMAND")]
    command: Option<String>,
}

/// Runs `whatif man`, for the command line `cmd`.
pub fn run(args: &ManArgs, mut cmd: clap::Command) -> Outcome {
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            Some(sub) => sub.clone(),
            None => {
                let names: Vec<&str> = cmd.get_subcommands().map(|c| c.get_name()).collect();
                errorln!(
                    "error: no command `{name}` (the commands are {})",
                    names.join(", ")
                );
                return Outcome::Failure;
            }
        },
    };
    match render(page, args.command.is_none()) {
        Ok(text) => print_stdout(&text),
        Err(e) => {
            errorln!("error: cannot render the manual page: {e}");
            Outcome::Failure
        }
    }
}

/// The page: clap_mangen's sections, then EXIT STATUS, and for the main page
/// ENVIRONMENT and FILES.
fn render(cmd: clap::Command, main: bool) -> std::io::Result<String> {
    let has_subcommands = cmd.get_subcommands().next().is_some();
    let man = Man::new(cmd);
    let mut out = Vec::new();
    man.render_title(&mut out)?;
    man.render_name_section(&mut out)?;
    man.render_synopsis_section(&mut out)?;
    man.render_description_section(&mut out)?;
    man.render_options_section(&mut out)?;
    if has_subcommands {
        man.render_subcommands_section(&mut out)?;
    }
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit::CODES {
        roff.control("TP", [])
            .text([bold(code.to_string())])
            .text([roman(meaning)]);
    }
    if main {
        roff.control("SH", ["ENVIRONMENT"]);
        let vars = [
            (
                "WHATIF_RUNS, WHATIF_SEED, WHATIF_THREADS, WHATIF_CONFIDENCE, WHATIF_TEST_CONFIDENCE, WHATIF_SCALE, WHATIF_MAX_…",
                "Settings, each between its flag (which wins) and whatif.toml.",
            ),
            (
                "NO_COLOR",
                "Set to anything but the empty string: no colour (unless --color always).",
            ),
            (
                "CLICOLOR_FORCE",
                "Set to anything but 0 or the empty string: colour even in a pipe.",
            ),
            (
                "COLUMNS",
                "The width diagnostics are drawn to on a terminal.",
            ),
        ];
        for (name, meaning) in vars {
            roff.control("TP", [])
                .text([bold(name)])
                .text([roman(meaning)]);
        }
        roff.control("SH", ["FILES"]);
        roff.control("TP", [])
            .text([italic("whatif.toml")])
            .text([roman(
                "The nearest one upward from a model's folder marks the project root (imports stay inside it) and holds the project's settings.",
            )]);
    }
    roff.to_writer(&mut out)?;
    man.render_version_section(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}
