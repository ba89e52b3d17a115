//! Settings: each from a flag, else the environment (`WHATIF_*`), else the
//! project's `whatif.toml`, else the built-in default — and where it came from
//! (`-v` prints it).
//!
//! Each layer is a [`Config`] with some settings present; the first layer that
//! has a setting gives it. The project is found by walking up from the folder
//! of the model named on the command line (see `whatif::config`), so the file
//! that holds the settings is the one that marks the root for imports.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use whatif::check::scale::Scale;
use whatif::config::{self, Config, valid_confidence};
use whatif::eval::Options;
use whatif::expect::TEST_CONFIDENCE;
use whatif::limits::{Limit, Limits};

/// Where a setting's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A command-line flag.
    Flag,
    /// A `WHATIF_*` environment variable.
    Env,
    /// The project's `whatif.toml`.
    File,
    /// The built-in default.
    Default,
}

impl Origin {
    fn word(self) -> &'static str {
        match self {
            Origin::Flag => "flag",
            Origin::Env => "environment",
            Origin::File => "whatif.toml",
            Origin::Default => "default",
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting<T> {
    /// The value.
    pub value: T,
    /// Where it came from.
    pub origin: Origin,
}

/// Every setting, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Monte Carlo runs.
    pub runs: Setting<u64>,
    /// The seed.
    pub seed: Setting<u64>,
    /// Worker threads (0: one per core).
    pub threads: Setting<usize>,
    /// The confidence of reported intervals (`eval`, `explain`, `diff`).
    pub confidence: Setting<f64>,
    /// The confidence of test verdicts (`test`).
    pub test_confidence: Setting<f64>,
    /// The likelihood scale of models whose header names none.
    pub scale: Setting<Scale>,
    /// The resource limits.
    pub limits: Limits,
    /// Where each limit came from, in the order of [`Limit::ALL`].
    limit_origins: Vec<Origin>,
    /// The project's `whatif.toml`, if there is one.
    pub config: Option<PathBuf>,
}

impl Settings {
    /// Resolves every setting from the layers, highest first.
    pub fn resolve(flags: &Config, env: &Config, file: &Config, config: Option<PathBuf>) -> Self {
        let layers = [
            (Origin::Flag, flags),
            (Origin::Env, env),
            (Origin::File, file),
        ];
        fn pick<T>(
            layers: &[(Origin, &Config)],
            get: impl Fn(&Config) -> Option<T>,
            default: T,
        ) -> Setting<T> {
            layers
                .iter()
                .find_map(|(origin, c)| {
                    get(c).map(|value| Setting {
                        value,
                        origin: *origin,
                    })
                })
                .unwrap_or(Setting {
                    value: default,
                    origin: Origin::Default,
                })
        }
        let defaults = Options::default();
        let mut limits = Limits::default();
        let mut limit_origins = Vec::new();
        for limit in Limit::ALL {
            let s = pick(&layers, |c| c.limit(limit), limit.value(&limits));
            limits.set(limit, s.value);
            limit_origins.push(s.origin);
        }
        Settings {
            runs: pick(&layers, |c| c.runs, defaults.runs),
            seed: pick(&layers, |c| c.seed, defaults.seed),
            threads: pick(&layers, |c| c.threads, defaults.threads),
            confidence: pick(&layers, |c| c.confidence, defaults.confidence),
            test_confidence: pick(&layers, |c| c.test_confidence, TEST_CONFIDENCE),
            scale: pick(&layers, |c| c.scale.clone(), Scale::ipcc()),
            limits,
            limit_origins,
            config,
        }
    }

    /// Every setting with its value and origin, for `-v`.
    pub fn report(&self) -> String {
        let mut out = String::new();
        match &self.config {
            Some(path) => {
                let _ = writeln!(out, "project settings: {}", path.display());
            }
            None => {
                let _ = writeln!(out, "project settings: no whatif.toml");
            }
        }
        let mut line = |name: &str, value: String, origin: Origin| {
            let _ = writeln!(out, "  {name:<18} {value:<14} ({})", origin.word());
        };
        line("runs", self.runs.value.to_string(), self.runs.origin);
        line("seed", self.seed.value.to_string(), self.seed.origin);
        let threads = match self.threads.value {
            0 => "one per core".to_string(),
            n => n.to_string(),
        };
        line("threads", threads, self.threads.origin);
        line(
            "confidence",
            self.confidence.value.to_string(),
            self.confidence.origin,
        );
        line(
            "test confidence",
            self.test_confidence.value.to_string(),
            self.test_confidence.origin,
        );
        line("scale", self.scale.value.name.clone(), self.scale.origin);
        for (limit, origin) in Limit::ALL.iter().zip(&self.limit_origins) {
            line(limit.key(), limit.value(&self.limits).to_string(), *origin);
        }
        out
    }
}

/// The environment variable of a setting: `WHATIF_RUNS`, `WHATIF_MAX_NODES`.
pub fn env_name(key: &str) -> String {
    format!("WHATIF_{}", key.to_uppercase().replace(['-', '.'], "_"))
}

/// The settings the environment gives, read through `get` (a variable set to
/// the empty string counts as unset).
///
/// # Errors
/// A variable whose value is not what the setting takes.
pub fn from_env(get: impl Fn(&str) -> Option<OsString>) -> Result<Config, String> {
    let read = |key: &str| -> Result<Option<String>, String> {
        let name = env_name(key);
        match get(&name) {
            None => Ok(None),
            Some(v) if v.is_empty() => Ok(None),
            Some(v) => v
                .into_string()
                .map(Some)
                .map_err(|_| format!("{name} is not valid UTF-8")),
        }
    };
    fn number<T: TryFrom<u64>>(key: &str, text: Option<String>) -> Result<Option<T>, String> {
        text.map(|t| {
            config::parse_count(&t)
                .and_then(|n| T::try_from(n).ok())
                .ok_or_else(|| {
                    format!(
                        "{} must be a whole number of 0 or more (such as 20000 or 2e4), not `{t}`",
                        env_name(key)
                    )
                })
        })
        .transpose()
    }
    let confidence = |key: &str| -> Result<Option<f64>, String> {
        read(key)?
            .map(|t| match t.trim().parse::<f64>() {
                Ok(c) if valid_confidence(c) => Ok(c),
                _ => Err(format!(
                    "{} must be between 0 and 1 (exclusive), not `{t}`",
                    env_name(key)
                )),
            })
            .transpose()
    };
    let mut limits = Vec::new();
    for limit in Limit::ALL {
        if let Some(v) = number(limit.key(), read(limit.key())?)? {
            if let Some(why) = limit.refuse(v) {
                return Err(format!("{} {why}", env_name(limit.key())));
            }
            limits.push((limit, v));
        }
    }
    let scale = read("scale")?
        .map(|name| {
            Scale::builtin(name.trim()).ok_or_else(|| {
                format!(
                    "{} names no built-in scale (`{name}`); the built-in scales are {}",
                    env_name("scale"),
                    Scale::BUILTIN.join(", ")
                )
            })
        })
        .transpose()?;
    let runs = number("runs", read("runs")?)?;
    if runs == Some(0) {
        return Err(format!(
            "{} must be at least 1: an evaluation needs a run",
            env_name("runs")
        ));
    }
    Ok(Config {
        runs,
        seed: number("seed", read("seed")?)?,
        threads: number("threads", read("threads")?)?,
        confidence: confidence("confidence")?,
        test_confidence: confidence("test.confidence")?,
        limits,
        scale,
    })
}

/// Every `WHATIF_*` variable whatif reads.
fn env_names() -> Vec<String> {
    [
        "runs",
        "seed",
        "threads",
        "confidence",
        "test.confidence",
        "scale",
    ]
    .into_iter()
    .chain(Limit::ALL.iter().map(|l| l.key()))
    .map(env_name)
    .collect()
}

/// Refuses a `WHATIF_*` variable that is a misspelling of a setting's, as a
/// `whatif.toml` refuses a key it does not know: `WHATIF_RUN=100` must not be
/// silently ignored. A name that is no near miss (`WHATIF_BIN`, set by some
/// script for its own use) is not whatif's business and is left alone.
///
/// # Errors
/// The first misspelt variable, with the one it may have meant.
pub fn unknown_env(names: impl Iterator<Item = OsString>) -> Result<(), String> {
    let known = env_names();
    let settings: Vec<&str> = known
        .iter()
        .filter_map(|k| k.strip_prefix("WHATIF_"))
        .collect();
    for name in names {
        let Some(name) = name.to_str() else { continue };
        let Some(setting) = name.strip_prefix("WHATIF_") else {
            continue;
        };
        if settings.contains(&setting) {
            continue;
        }
        // "did you mean `RUNS`?": the setting meant is between the quotes.
        let meant = whatif::check::did_you_mean(setting, settings.iter().copied());
        if let Some(meant) = meant.as_deref().and_then(|m| m.split('`').nth(1)) {
            return Err(format!(
                "the environment variable `{}` is not a whatif setting; did you mean `WHATIF_{meant}`?",
                whatif::render::escape::inline(name)
            ));
        }
    }
    Ok(())
}

/// The folder whose project holds the settings for `path` as named on the
/// command line (`-` is standard input, placed at `--stdin-filename` if given).
fn folder_of(path: &str, stdin_filename: Option<&str>) -> PathBuf {
    let path = match (path, stdin_filename) {
        ("-", Some(name)) => Path::new(name),
        ("-", None) => Path::new("."),
        (p, _) => Path::new(p),
    };
    let dir = if path.is_dir() {
        path
    } else {
        path.parent().unwrap_or(Path::new("."))
    };
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let absolute = std::env::current_dir()
        .map(|cwd| cwd.join(dir))
        .unwrap_or_else(|_| dir.to_path_buf());
    absolute.canonicalize().unwrap_or(absolute)
}

/// The `whatif.toml` of the models named on the command line (the current
/// folder's project when none is named).
///
/// # Errors
/// When the models belong to different projects.
pub fn find_config(
    paths: &[&str],
    stdin_filename: Option<&str>,
) -> Result<Option<PathBuf>, String> {
    let paths = if paths.is_empty() {
        vec!["."]
    } else {
        paths.to_vec()
    };
    let mut found: Option<(Option<PathBuf>, &str)> = None;
    for p in paths {
        let config = config::find(&folder_of(p, stdin_filename));
        match &found {
            None => found = Some((config, p)),
            Some((first, first_path)) if *first != config => {
                let show = |c: &Option<PathBuf>| {
                    c.as_ref().map_or("no whatif.toml".to_string(), |c| {
                        format!("`{}`", c.display())
                    })
                };
                return Err(format!(
                    "`{first_path}` and `{p}` belong to different projects ({} and {}); run whatif once per project",
                    show(first),
                    show(&config)
                ));
            }
            Some(_) => {}
        }
    }
    Ok(found.and_then(|(c, _)| c))
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// An environment of `vars` alone, as the functions that read it take it.
    pub(in crate::cli) fn env<'a>(
        vars: &'a [(&'a str, &'a str)],
    ) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn a_flag_beats_the_environment_which_beats_the_file() {
        let flags = Config {
            runs: Some(1),
            ..Config::default()
        };
        let env = from_env(env(&[("WHATIF_RUNS", "2"), ("WHATIF_SEED", "20")])).expect("valid");
        let file = Config {
            runs: Some(3),
            seed: Some(30),
            threads: Some(3),
            limits: vec![(Limit::Horizon, 300)],
            ..Config::default()
        };
        let s = Settings::resolve(&flags, &env, &file, None);
        assert_eq!((s.runs.value, s.runs.origin), (1, Origin::Flag));
        assert_eq!((s.seed.value, s.seed.origin), (20, Origin::Env));
        assert_eq!((s.threads.value, s.threads.origin), (3, Origin::File));
        assert_eq!(s.confidence.value, 0.95);
        assert_eq!(s.confidence.origin, Origin::Default);
        assert_eq!(s.test_confidence.value, TEST_CONFIDENCE);
        assert_eq!(s.limits.horizon, 300);
        assert_eq!(s.limits.nodes, Limits::default().nodes);
        assert!(
            s.report()
                .contains("max-horizon        300            (whatif.toml)"),
            "{}",
            s.report()
        );
    }

    #[test]
    fn the_environment_is_read_and_checked() {
        let c = from_env(env(&[
            ("WHATIF_MAX_NODES", "12"),
            ("WHATIF_TEST_CONFIDENCE", "0.9"),
            ("WHATIF_THREADS", ""),
            ("WHATIF_SCALE", "ipcc"),
        ]))
        .expect("valid");
        assert_eq!(c.limit(Limit::Nodes), Some(12));
        assert_eq!(c.test_confidence, Some(0.9));
        assert_eq!(c.threads, None);
        assert_eq!(c.scale, Some(Scale::ipcc()));
        let bad = |k: &str, v: &str| from_env(env(&[(k, v)])).expect_err(k);
        assert!(bad("WHATIF_RUNS", "many").contains("WHATIF_RUNS must be a whole number"));
        assert!(bad("WHATIF_CONFIDENCE", "1").contains("between 0 and 1"));
        assert!(bad("WHATIF_SCALE", "kent").contains("no built-in scale"));
        assert!(bad("WHATIF_MAX_DEPTH", "-1").contains("WHATIF_MAX_DEPTH"));
        assert!(bad("WHATIF_MAX_DEPTH", "10001").contains("at most 10000"));
        let c = from_env(env(&[("WHATIF_MAX_WORK", "1e11"), ("WHATIF_RUNS", "2e4")]))
            .expect("counts with an exponent");
        assert_eq!(c.limit(Limit::Work), Some(100_000_000_000));
        assert_eq!(c.runs, Some(20_000));
    }

    #[test]
    fn a_misspelt_variable_is_refused_with_the_one_meant() {
        let names = |v: &[&str]| v.iter().map(OsString::from).collect::<Vec<_>>().into_iter();
        assert!(unknown_env(names(&["PATH", "WHATIF_RUNS", "WHATIF_MAX_WORK"])).is_ok());
        let e = unknown_env(names(&["WHATIF_RUN"])).expect_err("misspelt");
        assert!(e.ends_with("did you mean `WHATIF_RUNS`?"), "{e}");
        let e = unknown_env(names(&["WHATIF_MAX_WORKS"])).expect_err("misspelt");
        assert!(e.contains("did you mean `WHATIF_MAX_WORK`?"), "{e}");
        // Not a near miss: another tool's variable.
        assert!(unknown_env(names(&["WHATIF_BIN", "WHATIF_HOME"])).is_ok());
    }
}
