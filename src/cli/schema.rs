//! `whatif schema`: the JSON Schema of each `--format json` output, derived
//! from the types that produce the output (`whatif::render::json`).

use clap::Args;
use whatif::render::json::schemas;

use super::{Outcome, print_stdout};

/// `whatif schema [NAME]`
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The output whose schema to print (`causes`, `check`, `diff`, `eval`,
    /// `explain`, `graph`, `loops`, `sensitivity`, `sweep`, `test`); without
    /// it, the list.
    #[arg(value_name = "NAME")]
    name: Option<String>,
}

/// Runs `whatif schema`.
pub fn run(args: &SchemaArgs) -> Outcome {
    let all = schemas();
    let Some(name) = &args.name else {
        let list: String = all
            .iter()
            .map(|(name, what, _)| format!("{name:<12} {what}\n"))
            .collect();
        return print_stdout(&list);
    };
    match all.iter().find(|(n, _, _)| n == name) {
        Some((_, _, schema)) => print_stdout(&super::json(schema)),
        None => {
            let names: Vec<&str> = all.iter().map(|(n, _, _)| *n).collect();
            errorln!(
                "error: no JSON output is called `{name}` (the outputs are {})",
                names.join(", ")
            );
            Outcome::Failure
        }
    }
}
