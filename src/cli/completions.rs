//! `whatif completions SHELL`: the shell's completion script (clap_complete).

use clap::Args;
use clap_complete::Shell;

use super::{Outcome, print_stdout};

/// `whatif completions SHELL`
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    ///
    /// Install the script where the shell looks for completions, e.g.
    /// bash: `whatif completions bash > ~/.local/share/bash-completion/completions/whatif`;
    /// zsh: `whatif completions zsh > ~/.zfunc/_whatif` (with `~/.zfunc` on `$fpath`);
    /// fish: `whatif completions fish > ~/.config/fish/completions/whatif.fish`;
    /// PowerShell: `whatif completions powershell >> $PROFILE`.
    #[arg(value_enum, value_name = "SHELL")]
    shell: Shell,
}

/// Runs `whatif completions`, for the command line `cmd`.
pub fn run(args: &CompletionsArgs, mut cmd: clap::Command) -> Outcome {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "whatif", &mut out);
    print_stdout(&String::from_utf8_lossy(&out))
}
