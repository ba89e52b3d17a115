//! `whatif.toml`: the file that marks a project's root and holds its settings.
//!
//! The nearest `whatif.toml` upward from a model's folder is the root imports
//! stay inside (see [`crate::load::FsLoader`]) and holds the project's defaults:
//! runs, seed, threads and confidence of evaluations, the confidence of test
//! verdicts, resource limits, and the likelihood scale of models that do not
//! name one. Every setting is optional. This module finds and reads the file;
//! it does not decide precedence: the command line puts its flags and the
//! environment above the file (each layer is a [`Config`]).
//!
//! ```toml
//! [eval]
//! runs = 20000
//! seed = 7
//!
//! [test]
//! confidence = 0.99
//!
//! [limits]
//! max-horizon = 5000
//!
//! [scale]                       # or: scale = "ipcc"
//! almost_certain = { p = 0.93, in = [0.87, 0.99] }
//! probable = { p = 0.75, in = [0.63, 0.87] }
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use miette::Diagnostic;
use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};
use thiserror::Error;
use toml::Spanned;

use crate::check::scale::{self, Scale, Word};
use crate::limits::{Limit, Limits};
use crate::span::{FileId, Span};

/// The file's name.
pub const FILE_NAME: &str = "whatif.toml";

/// Settings from one source (a `whatif.toml`, the environment or flags); an
/// absent setting is `None`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    /// Monte Carlo runs (`[eval] runs`).
    pub runs: Option<u64>,
    /// The seed of every random draw (`[eval] seed`).
    pub seed: Option<u64>,
    /// Worker threads, 0 for one per core (`[eval] threads`).
    pub threads: Option<usize>,
    /// The confidence of reported intervals (`[eval] confidence`).
    pub confidence: Option<f64>,
    /// The confidence of test verdicts (`[test] confidence`).
    pub test_confidence: Option<f64>,
    /// Resource limits (`[limits] max-…`), at most one value per limit.
    pub limits: Vec<(Limit, u64)>,
    /// The likelihood scale of models that do not name one (`scale`).
    pub scale: Option<Scale>,
}

impl Config {
    /// The value this source gives `limit`, if any.
    #[must_use]
    pub fn limit(&self, limit: Limit) -> Option<u64> {
        self.limits
            .iter()
            .find(|(l, _)| *l == limit)
            .map(|&(_, v)| v)
    }

    /// `base` with the limits this source sets.
    #[must_use]
    pub fn apply_limits(&self, mut base: Limits) -> Limits {
        for &(limit, value) in &self.limits {
            base.set(limit, value);
        }
        base
    }
}

/// Whether `c` can be the confidence level of an interval: strictly between 0
/// and 1. The file, the environment and flags share this rule.
#[must_use]
pub fn valid_confidence(c: f64) -> bool {
    c > 0.0 && c < 1.0
}

/// The nearest `whatif.toml` from the folder `dir` upward, if any: whatever
/// that name holds (a folder, a FIFO, a broken link) marks the project's root,
/// so that it cannot silently move the root up; reading it then says what is
/// wrong with it.
#[must_use]
pub fn find(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(FILE_NAME))
        .find(|f| f.symlink_metadata().is_ok())
}

/// A count as written in the environment or on the command line: a whole
/// number, also in scientific notation (`100000`, `1e5`, `1.5e6`).
#[must_use]
pub fn parse_count(text: &str) -> Option<u64> {
    let t = text.trim();
    if let Ok(n) = t.parse::<u64>() {
        return Some(n);
    }
    // Only a number with an exponent: `2.5` or `1e-3` is no count, and
    // `inf` or `NaN` are not numbers here.
    if !t.contains(['e', 'E']) || !t.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let v: f64 = t.parse().ok()?;
    // 2^64, the first float past every u64.
    let whole = v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 18_446_744_073_709_551_616.0;
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    whole.then_some(v as u64)
}

/// A problem in a `whatif.toml`.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum ConfigError {
    /// Not TOML, an unknown key, or a value of the wrong type.
    #[error("{message}")]
    #[diagnostic(
        code(whatif::config::invalid),
        help(
            "the keys are `[eval]` runs, seed, threads, confidence; `[test]` confidence; `[limits]` max-…; and `scale` (see docs/configuration.md)"
        )
    )]
    Invalid {
        /// Where.
        #[label("here")]
        at: Span,
        /// What the TOML reader says.
        message: String,
    },
    /// A value of the right type that no setting allows.
    #[error("`{key}` {problem}")]
    #[diagnostic(code(whatif::config::bad_value))]
    BadValue {
        /// The value.
        #[label("this value")]
        at: Span,
        /// The setting.
        key: String,
        /// What is wrong with it.
        problem: String,
        /// What to write instead.
        #[help]
        help: Option<String>,
    },
    /// A key of `[limits]` that names no limit.
    #[error("`{name}` is not a limit")]
    #[diagnostic(code(whatif::config::unknown_limit))]
    UnknownLimit {
        /// The key.
        #[label("not a limit")]
        at: Span,
        /// The key as written.
        name: String,
        /// The limits, or the one meant.
        #[help]
        help: String,
    },
}

impl ConfigError {
    /// The span the error points at.
    #[must_use]
    pub fn span(&self) -> Span {
        match self {
            ConfigError::Invalid { at, .. }
            | ConfigError::BadValue { at, .. }
            | ConfigError::UnknownLimit { at, .. } => *at,
        }
    }
}

/// The file as written, before its values are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    eval: Option<RawEval>,
    test: Option<RawTest>,
    limits: Option<BTreeMap<Spanned<String>, Spanned<u64>>>,
    scale: Option<Spanned<RawScale>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEval {
    runs: Option<Spanned<u64>>,
    seed: Option<u64>,
    threads: Option<usize>,
    confidence: Option<Spanned<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTest {
    confidence: Option<Spanned<f64>>,
}

/// `scale = "NAME"`, or a table of words.
enum RawScale {
    Named(String),
    Words(Vec<(Spanned<String>, Spanned<RawWord>)>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWord {
    p: f64,
    #[serde(rename = "in")]
    interval: [f64; 2],
}

impl<'de> Deserialize<'de> for RawScale {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ScaleVisitor;
        impl<'de> Visitor<'de> for ScaleVisitor {
            type Value = RawScale;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("the name of a built-in scale, or a table of words")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawScale, E> {
                Ok(RawScale::Named(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawScale, A::Error> {
                let mut words = Vec::new();
                while let Some(key) = map.next_key::<Spanned<String>>()? {
                    words.push((key, map.next_value::<Spanned<RawWord>>()?));
                }
                Ok(RawScale::Words(words))
            }
        }
        d.deserialize_any(ScaleVisitor)
    }
}

/// Reads the text of a `whatif.toml` (file `file` of a source map, for spans).
///
/// # Errors
/// Every problem found: TOML that does not parse or has an unknown key stops
/// at the first; values are then all checked.
pub fn parse(file: FileId, text: &str) -> Result<Config, Vec<ConfigError>> {
    let at = |r: std::ops::Range<usize>| Span::new(file, r.start, r.end);
    let raw: Raw = toml::from_str(text).map_err(|e| {
        let span = e.span().unwrap_or(0..0);
        vec![ConfigError::Invalid {
            at: at(span),
            message: e.message().trim_end().to_string(),
        }]
    })?;
    let mut errors = Vec::new();
    let mut config = Config::default();
    let mut confidence = |key: &str, value: Option<Spanned<f64>>| {
        let v = value?;
        if valid_confidence(*v.get_ref()) {
            return Some(*v.get_ref());
        }
        errors.push(ConfigError::BadValue {
            at: at(v.span()),
            key: key.to_string(),
            problem: "must be between 0 and 1 (exclusive)".to_string(),
            help: Some("e.g. 0.95 for 95% intervals".to_string()),
        });
        None
    };
    let mut zero_runs = None;
    if let Some(eval) = raw.eval {
        config.runs = eval.runs.and_then(|runs| {
            if *runs.get_ref() == 0 {
                zero_runs = Some(runs.span());
                return None;
            }
            Some(*runs.get_ref())
        });
        config.seed = eval.seed;
        config.threads = eval.threads;
        config.confidence = confidence("eval.confidence", eval.confidence);
    }
    if let Some(test) = raw.test {
        config.test_confidence = confidence("test.confidence", test.confidence);
    }
    if let Some(span) = zero_runs {
        errors.push(ConfigError::BadValue {
            at: at(span),
            key: "eval.runs".to_string(),
            problem: "must be at least 1: an evaluation needs a run".to_string(),
            help: None,
        });
    }
    for (key, value) in raw.limits.unwrap_or_default() {
        match Limit::ALL.iter().find(|l| l.key() == key.get_ref()) {
            Some(&limit) => match limit.refuse(*value.get_ref()) {
                None => config.limits.push((limit, *value.get_ref())),
                Some(why) => errors.push(ConfigError::BadValue {
                    at: at(value.span()),
                    key: format!("limits.{}", key.get_ref()),
                    problem: why,
                    help: None,
                }),
            },
            None => {
                let names: Vec<&str> = Limit::ALL.iter().map(|l| l.key()).collect();
                let help = crate::check::did_you_mean(key.get_ref(), names.iter().copied())
                    .unwrap_or_else(|| format!("the limits are {}", names.join(", ")));
                errors.push(ConfigError::UnknownLimit {
                    at: at(key.span()),
                    name: key.get_ref().clone(),
                    help,
                });
            }
        }
    }
    if let Some(s) = raw.scale {
        let span = at(s.span());
        config.scale = read_scale(s.into_inner(), span, &at, &mut errors);
    }
    if errors.is_empty() {
        Ok(config)
    } else {
        Err(errors)
    }
}

/// The scale a `scale` setting names or defines, checked by the rules of the
/// language's `scale { … }`.
fn read_scale(
    raw: RawScale,
    span: Span,
    at: &dyn Fn(std::ops::Range<usize>) -> Span,
    errors: &mut Vec<ConfigError>,
) -> Option<Scale> {
    let words = match raw {
        RawScale::Named(name) => {
            let found = Scale::builtin(&name);
            if found.is_none() {
                errors.push(ConfigError::BadValue {
                    at: span,
                    key: "scale".to_string(),
                    problem: format!("names no built-in scale (`{name}`)"),
                    help: Some(format!(
                        "the built-in scales are {}; or define words in a `[scale]` table",
                        Scale::BUILTIN.join(", ")
                    )),
                });
            }
            return found;
        }
        RawScale::Words(words) => words,
    };
    if words.is_empty() {
        errors.push(ConfigError::BadValue {
            at: span,
            key: "scale".to_string(),
            problem: "has no words".to_string(),
            help: Some("e.g. `likely = { p = 0.83, in = [0.66, 1] }`".to_string()),
        });
        return None;
    }
    let before = errors.len();
    let mut out = Vec::new();
    for (name, word) in words {
        let word_span = at(word.span());
        let word = word.into_inner();
        if !scale::can_be_word(name.get_ref()) {
            errors.push(ConfigError::BadValue {
                at: at(name.span()),
                key: format!("scale.{}", name.get_ref()),
                problem: "cannot be a likelihood word".to_string(),
                help: Some(
                    "a word is an identifier (letters, digits, `_`) other than a keyword or a word that may follow a rule (`after`, `p`, `source`, …)"
                        .to_string(),
                ),
            });
            continue;
        }
        let w = Word {
            name: name.into_inner(),
            point: word.p,
            lo: word.interval[0],
            hi: word.interval[1],
        };
        if !w.is_ordered() {
            errors.push(ConfigError::BadValue {
                at: word_span,
                key: format!("scale.{}", w.name),
                problem: "needs 0 ≤ lo ≤ p ≤ hi ≤ 1".to_string(),
                help: Some("e.g. `likely = { p = 0.83, in = [0.66, 1] }`".to_string()),
            });
        }
        out.push(w);
    }
    (errors.len() == before).then(|| Scale {
        name: "custom".to_string(),
        words: out,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::span::SourceMap;

    fn read(text: &str) -> Result<Config, Vec<ConfigError>> {
        let mut sources = SourceMap::new();
        let id = sources.add(FILE_NAME, text.to_string());
        parse(id, text)
    }

    /// The (line, column) an error points at.
    fn where_(text: &str, e: &ConfigError) -> (usize, usize) {
        crate::span::line_col(text, e.span().start as usize)
    }

    #[test]
    fn counts_may_be_written_with_an_exponent() {
        assert_eq!(parse_count("100000000000"), Some(100_000_000_000));
        assert_eq!(parse_count("1e11"), Some(100_000_000_000));
        assert_eq!(parse_count(" 2.5E3 "), Some(2500));
        for bad in ["2.5", "1e-3", "-1", "inf", "NaN", "1e20", "e5", "", "1e11x"] {
            assert_eq!(parse_count(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_setting_is_read() {
        let text = "[eval]\nruns = 500\nseed = 7\nthreads = 2\nconfidence = 0.9\n\
                    [test]\nconfidence = 0.999\n[limits]\nmax-horizon = 50\nmax-runs = 9\n\
                    [scale]\nsure = { p = 0.9, in = [0.8, 1] }\n";
        let c = read(text).expect("a valid file");
        assert_eq!(c.runs, Some(500));
        assert_eq!(c.seed, Some(7));
        assert_eq!(c.threads, Some(2));
        assert_eq!(c.confidence, Some(0.9));
        assert_eq!(c.test_confidence, Some(0.999));
        assert_eq!(c.limit(Limit::Horizon), Some(50));
        assert_eq!(c.limit(Limit::Runs), Some(9));
        assert_eq!(c.limit(Limit::Depth), None);
        let limits = c.apply_limits(Limits::default());
        assert_eq!((limits.horizon, limits.runs), (50, 9));
        let scale = c.scale.expect("a scale");
        assert_eq!(
            scale.word("sure").map(|w| (w.point, w.lo, w.hi)),
            Some((0.9, 0.8, 1.0))
        );
    }

    #[test]
    fn an_empty_file_sets_nothing() {
        assert_eq!(read(""), Ok(Config::default()));
        assert_eq!(
            read("scale = \"ipcc\"\n").ok().and_then(|c| c.scale),
            Some(Scale::ipcc())
        );
    }

    #[test]
    fn problems_point_at_their_line_and_column() {
        let text = "[eval]\nrusn = 5\n";
        let errors = read(text).expect_err("an unknown key");
        assert!(
            matches!(&errors[0], ConfigError::Invalid { message, .. } if message.contains("unknown field `rusn`")),
            "{errors:?}"
        );
        assert_eq!(where_(text, &errors[0]), (2, 1));

        // (file, what is wrong, where each problem is)
        type Case<'a> = (&'a str, &'a str, &'a [(usize, usize)]);
        let cases: [Case<'_>; 3] = [
            (
                "[eval]\nruns = \"many\"\n",
                "a string for a number",
                &[(2, 8)],
            ),
            (
                "[eval]\nconfidence = 1.5\n[test]\nconfidence = 0\n",
                "two bad values",
                &[(2, 14), (4, 14)],
            ),
            ("[limits]\nmax-nodez = 5\n", "an unknown limit", &[(2, 1)]),
        ];
        for (text, what, places) in cases {
            let errors = read(text).expect_err(what);
            let found: Vec<(usize, usize)> = errors.iter().map(|e| where_(text, e)).collect();
            assert_eq!(found, places, "{what}");
        }

        let text = "[eval\nruns = 5\n";
        let errors = read(text).expect_err("not TOML");
        assert_eq!(where_(text, &errors[0]).0, 1);
    }

    #[test]
    fn scale_words_follow_the_language_rules() {
        let text =
            "[scale]\nafter = { p = 0.5, in = [0.4, 0.6] }\nodd = { p = 0.9, in = [0, 0.5] }\n";
        let errors = read(text).expect_err("a reserved word and a point outside its interval");
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(where_(text, &errors[0]), (2, 1));
        assert_eq!(where_(text, &errors[1]), (3, 7));
        assert!(read("scale = \"kent\"\n").is_err());
        assert!(read("[scale]\n").is_err());
    }
}
