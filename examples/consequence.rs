//! whatif as a library: load a model, run a scenario, print one consequence.
//!
//! ```sh
//! cargo run --example consequence -- scenarios/x_platform.whatif outages_continue advertisers.withdrawal
//! ```
//!
//! It needs only the library: `cargo run --no-default-features --example
//! consequence` builds it without the command line's dependencies.

use std::error::Error;
use std::path::Path;
use std::process::ExitCode;

use whatif::eval::{self, Options};
use whatif::limits::Limits;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, scenario, event] = match args.as_slice() {
        [m, s, e] => [m.as_str(), s.as_str(), e.as_str()],
        [] => [
            "scenarios/x_platform.whatif",
            "outages_continue",
            "advertisers.withdrawal",
        ],
        _ => {
            eprintln!("usage: consequence [MODEL SCENARIO EVENT]");
            return ExitCode::from(2);
        }
    };
    match consequence(Path::new(model), scenario, event) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

/// One line on how likely `event` is in `scenario` of the model at `path`, and
/// how soon: "advertisers.withdrawal in `outages_continue`: likely (80%), median
/// step 17".
pub fn consequence(path: &Path, scenario: &str, event: &str) -> Result<String, Box<dyn Error>> {
    let limits = Limits::default();
    let analysis = whatif::analyze_file(path, &limits)?;
    // The diagnostics are miette reports: a real program renders them with
    // their source (see the `whatif` binary); here the first one will do.
    if let Some(d) = analysis.diagnostics.iter().find(|d| d.is_error()) {
        return Err(format!("{}: {d}", path.display()).into());
    }
    let model = analysis.model.ok_or("the model does not check")?;
    let id = model
        .scenario_named(scenario)
        .ok_or_else(|| format!("no scenario `{scenario}`"))?;
    let options = Options {
        runs: 2_000,
        ..Options::default()
    };
    let results = eval::run(&model, &analysis.sources, id, &[], &options, &limits)?;
    let e = results
        .event(event)
        .ok_or_else(|| format!("no event `{event}`"))?;
    let when = e
        .median_step
        .map_or(String::new(), |t| format!(", median step {t}"));
    Ok(format!(
        "{event} in `{scenario}`: {}{when}",
        results.scale.describe(e.probability)
    ))
}
