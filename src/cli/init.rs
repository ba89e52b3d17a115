//! `whatif init [DIR]`: a new model project on which `whatif test` passes at
//! once — an example model with sources, scenarios and expectations, a
//! `whatif.toml` that marks the project root, a README and a `.gitignore`.
//!
//! It never overwrites: when any of its files exists, it writes none and says
//! which. The files are written atomically, like every file whatif writes.

use std::path::{Path, PathBuf};

use clap::Args;

use super::atomic::write_if_changed;
use super::{Context, Outcome, print_stdout};

/// The files of a new project: (name, contents).
pub const FILES: [(&str, &str); 4] = [
    ("whatif.toml", include_str!("template/whatif.toml")),
    ("archive.whatif", include_str!("template/archive.whatif")),
    ("README.md", include_str!("template/README.md")),
    // Stored without its dot, so that it does not ignore files of this
    // repository.
    (".gitignore", include_str!("template/gitignore")),
];

/// `whatif init [DIR]`
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project's folder, created if needed [default: the current folder].
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

/// Runs `whatif init`.
pub fn run(args: &InitArgs, ctx: &Context) -> Outcome {
    let dir = &args.dir;
    let existing: Vec<String> = FILES
        .iter()
        .map(|(name, _)| dir.join(name))
        .filter(|p| p.exists())
        .map(|p| format!("`{}`", p.display()))
        .collect();
    if !existing.is_empty() {
        errorln!(
            "error: {} already exist{}; whatif init writes nothing over existing files\n  \
             help: start the project in a new folder (`whatif init NEW_FOLDER`), or move them away",
            existing.join(", "),
            if existing.len() == 1 { "s" } else { "" }
        );
        return Outcome::Failure;
    }
    if let Err(e) = std::fs::create_dir_all(dir) {
        errorln!("error: cannot create `{}`: {e}", dir.display());
        return Outcome::Failure;
    }
    for (name, text) in FILES {
        let path = dir.join(name);
        if let Err(e) = write_if_changed(&path, text.as_bytes()) {
            errorln!("error: cannot write `{}`: {e}", path.display());
            return Outcome::Failure;
        }
    }
    if ctx.quiet() {
        return Outcome::Success;
    }
    print_stdout(&created(dir))
}

/// What was created, and what to run next.
fn created(dir: &Path) -> String {
    let mut out = format!("created a whatif project in `{}`:\n", dir.display());
    for (name, _) in FILES {
        out.push_str(&format!("  {name}\n"));
    }
    let cd = if dir == Path::new(".") {
        String::new()
    } else {
        format!("cd {} && ", dir.display())
    };
    out.push_str(&format!(
        "next: `{cd}whatif test` judges the example's expectations; \
         `whatif eval archive.whatif --all` shows its consequences\n"
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::FILES;
    use whatif::config;
    use whatif::span::SourceMap;

    /// The starter `whatif.toml` reads, and still reads with every setting it
    /// shows uncommented: its comments are settings a user can turn on as they
    /// are.
    #[test]
    fn the_starter_config_reads_with_its_settings_on() {
        let (_, text) = FILES[0];
        let on: String = text
            .lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(setting) if setting.contains(" = ") => setting,
                _ => l,
            })
            .collect::<Vec<_>>()
            .join("\n");
        for text in [text.to_string(), on] {
            let mut sources = SourceMap::new();
            let id = sources.add("whatif.toml", text.clone());
            assert!(config::parse(id, &text).is_ok(), "{text}");
        }
    }
}
