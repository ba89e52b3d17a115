//! Spreading the runs of one evaluation over machines: shards and their merge.
//!
//! The runs are cut into blocks of `stats::BLOCK`; shard K of N computes a
//! contiguous slice of the blocks and keeps a [`Partial`]: exact counts, the
//! sums' tree nodes over its slice ([`SumTree`]), and the frame (names, ranges,
//! settings) the results need. Every shard runs the pilot (the first block's
//! runs, which set the histogram bounds) itself, the same way, so all shards
//! bin values alike. [`merge`] checks that the partials belong together — one
//! version, one identity (the sources, scenarios, overrides and options), every
//! shard once — adds them up and finishes the results, which are then the very
//! results an unsharded evaluation gives.
//!
//! Nothing here does I/O or knows about clusters: the batch engine that runs the
//! shards is the user's (see docs/scale-out.md).

use std::hash::Hasher as _;

use miette::Diagnostic;
use serde::{Deserialize, Serialize};
use siphasher::sip128::{Hasher128 as _, SipHasher13};
use thiserror::Error;

use super::results::{self, Frame, Results};
use super::stats::{Counts, Layout};
use super::sumtree::{Node, SumTree};
use super::{EvalError, Options, Prepared, montecarlo};
use crate::limits::Limits;
use crate::span::SourceMap;

/// The version of the partial format; merge refuses any other.
pub const PARTIAL_VERSION: u32 = 1;

/// The most shards one evaluation may be cut into.
pub const MAX_SHARDS: u64 = 1 << 20;

/// What a partial file says it is, so a stray JSON file is told apart.
const KIND: &str = "whatif partial result";

/// Slice K (from 1) of N.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    /// Which slice, 1..=n.
    pub k: u64,
    /// How many slices.
    pub n: u64,
}

impl Shard {
    /// Reads `K/N`.
    ///
    /// # Errors
    /// A message when the text is not `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "--shard takes K/N with 1 <= K <= N <= {MAX_SHARDS} (such as 2/8), not `{text}`"
            )
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let k: u64 = k.trim().parse().map_err(|_| bad())?;
        let n: u64 = n.trim().parse().map_err(|_| bad())?;
        if k == 0 || n == 0 || k > n || n > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }

    /// The blocks `first..last` of this slice, out of `blocks`: slices differ
    /// by at most one block, and a slice may be empty when N exceeds the blocks.
    #[must_use]
    pub fn blocks(self, blocks: u64) -> (u64, u64) {
        let at = |k: u64| (u128::from(k) * u128::from(blocks) / u128::from(self.n)) as u64;
        (at(self.k - 1), at(self.k))
    }
}

/// One scenario's share of a shard.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScenarioPart {
    /// The runs of the whole evaluation of this scenario (one when it has no
    /// random draw).
    pub runs: u64,
    /// Names, ranges and settings.
    pub frame: Frame,
    /// The layout, with the pilot's histogram bounds.
    pub layout: Layout,
    /// Exact counts over the shard's runs.
    pub counts: Counts,
    /// The sums' tree nodes over the shard's blocks.
    pub sums: Vec<Node>,
}

/// A shard's partial result, as written by `whatif eval --shard`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Partial {
    /// Always "whatif partial result".
    pub kind: String,
    /// [`PARTIAL_VERSION`].
    pub version: u32,
    /// The hash of everything the results depend on (see [`identity`]).
    pub identity: String,
    /// Which slice.
    pub shard: Shard,
    /// The runs of the whole evaluation.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// The confidence of intervals.
    pub confidence: f64,
    /// Whether every scenario was asked for (`--all`), which shapes the output.
    pub all: bool,
    /// Per scenario, in the order asked.
    pub scenarios: Vec<ScenarioPart>,
}

/// Why partial results cannot be merged.
#[derive(Clone, Debug, Error, Diagnostic, PartialEq)]
pub enum MergeError {
    /// Not a partial result at all.
    #[error("`{file}` is not a whatif partial result: {reason}")]
    #[diagnostic(
        code(whatif::merge::not_partial),
        help("partial results are the files `whatif eval --shard K/N -o FILE` writes")
    )]
    NotPartial {
        /// The file.
        file: String,
        /// What is wrong.
        reason: String,
    },
    /// A partial of another version of whatif.
    #[error(
        "`{file}` is a partial result of format version {found}; this whatif reads version {PARTIAL_VERSION}"
    )]
    #[diagnostic(
        code(whatif::merge::version),
        help("compute every shard and merge them with the same version of whatif")
    )]
    Version {
        /// The file.
        file: String,
        /// Its version.
        found: u32,
    },
    /// Partials of different evaluations.
    #[error("`{a}` and `{b}` are shards of different evaluations ({what} differ)")]
    #[diagnostic(
        code(whatif::merge::mismatch),
        help(
            "every shard must be computed from the same model files with the same scenarios, --set, --runs, --seed and --confidence"
        )
    )]
    Mismatch {
        /// One file.
        a: String,
        /// The other.
        b: String,
        /// What differs.
        what: String,
    },
    /// The same shard twice.
    #[error("shard {k}/{n} is given twice: `{a}` and `{b}`")]
    #[diagnostic(code(whatif::merge::duplicate), help("give each shard once"))]
    Duplicate {
        /// The shard.
        k: u64,
        /// Of how many.
        n: u64,
        /// One file.
        a: String,
        /// The other.
        b: String,
    },
    /// Shards missing.
    #[error("missing shards (of {n}): {missing}")]
    #[diagnostic(
        code(whatif::merge::missing),
        help("merge needs every shard K/{n} for K = 1..{n}")
    )]
    Missing {
        /// The missing shards, as a list.
        missing: String,
        /// Of how many.
        n: u64,
    },
    /// Nothing to merge.
    #[error("no partial result to merge")]
    #[diagnostic(
        code(whatif::merge::empty),
        help("name the partial files: `whatif merge part-*.json`")
    )]
    Empty,
}

/// A hash of everything an evaluation's results depend on: every source
/// file's text, the scenarios asked for, the overrides, the runs, the seed
/// and the confidence. Shards of one evaluation share it.
#[must_use]
pub fn identity(
    sources: &SourceMap,
    scenarios: &[String],
    all: bool,
    overrides: &[String],
    options: &Options,
) -> String {
    let mut h = SipHasher13::new_with_keys(0, u64::from(PARTIAL_VERSION));
    let mut text = |s: &[u8]| {
        h.write_u64(s.len() as u64);
        h.write(s);
    };
    // Texts, not names: the same model read from another folder (another
    // machine's checkout) is the same model.
    for (_, file) in sources.files() {
        text(file.text.as_bytes());
    }
    text(b"scenarios");
    for s in scenarios {
        text(s.as_bytes());
    }
    text(if all { b"all" } else { b"some" });
    text(b"overrides");
    for o in overrides {
        text(o.as_bytes());
    }
    h.write_u64(options.runs);
    h.write_u64(options.seed);
    h.write_u64(options.confidence.to_bits());
    format!("{:032x}", h.finish128().as_u128())
}

/// Computes shard `shard` of one prepared scenario.
///
/// # Errors
/// A limit, or a fault in a run of the shard.
pub fn part(
    prepared: &Prepared<'_>,
    options: &Options,
    limits: &Limits,
    shard: Shard,
) -> Result<ScenarioPart, EvalError> {
    let p = &prepared.program;
    let runs = super::runs_within_limits(p, options, limits)?;
    let range = shard.blocks(montecarlo::blocks_of(runs));
    let aggregate = montecarlo::aggregate(p, runs, options, range, limits)?;
    Ok(ScenarioPart {
        runs,
        frame: Frame::of(p, &aggregate.layout),
        layout: aggregate.layout,
        counts: aggregate.counts,
        sums: aggregate.sums.into_nodes(),
    })
}

impl Partial {
    /// Reads a partial from its JSON text; `file` names it in errors.
    ///
    /// # Errors
    /// When the text is not a partial result of this version.
    pub fn from_json(file: &str, text: &str) -> Result<Partial, MergeError> {
        let not = |reason: String| MergeError::NotPartial {
            file: file.to_string(),
            reason,
        };
        let value: serde_json::Value =
            serde_json::from_str(text).map_err(|e| not(format!("not JSON ({e})")))?;
        if value.get("kind").and_then(serde_json::Value::as_str) != Some(KIND) {
            return Err(not(
                "it has no `kind: \"whatif partial result\"`".to_string()
            ));
        }
        let version = value.get("version").and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(PARTIAL_VERSION)) {
            return Err(MergeError::Version {
                file: file.to_string(),
                found: version.and_then(|v| u32::try_from(v).ok()).unwrap_or(0),
            });
        }
        serde_json::from_value(value).map_err(|e| not(e.to_string()))
    }

    /// The partial as compact JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A new partial.
    #[must_use]
    pub fn new(
        identity: String,
        shard: Shard,
        options: &Options,
        all: bool,
        scenarios: Vec<ScenarioPart>,
    ) -> Partial {
        Partial {
            kind: KIND.to_string(),
            version: PARTIAL_VERSION,
            identity,
            shard,
            runs: options.runs,
            seed: options.seed,
            confidence: options.confidence,
            all,
            scenarios,
        }
    }
}

/// Merges every shard of one evaluation into its results, and whether every
/// scenario was asked for. `parts` pairs each partial with its file name.
///
/// # Errors
/// Partials of different evaluations or versions, a shard missing or given
/// twice, or partials that disagree where they should not.
pub fn merge(parts: Vec<(String, Partial)>) -> Result<(Vec<Results>, bool), MergeError> {
    let Some((first_file, first)) = parts.first() else {
        return Err(MergeError::Empty);
    };
    let n = first.shard.n;
    let mismatch = |b: &str, what: &str| MergeError::Mismatch {
        a: first_file.clone(),
        b: b.to_string(),
        what: what.to_string(),
    };
    for (file, part) in &parts {
        let Shard { k, n } = part.shard;
        if k == 0 || k > n || n > MAX_SHARDS {
            return Err(MergeError::NotPartial {
                file: file.clone(),
                reason: format!("its shard {k}/{n} is out of range"),
            });
        }
    }
    let mut seen: Vec<Option<&str>> = vec![None; n as usize];
    for (file, part) in &parts {
        if part.identity != first.identity {
            return Err(mismatch(file, "the model, scenarios or options"));
        }
        if part.shard.n != n {
            return Err(mismatch(file, "the numbers of shards"));
        }
        let slot = &mut seen[(part.shard.k - 1) as usize];
        if let Some(a) = slot {
            return Err(MergeError::Duplicate {
                k: part.shard.k,
                n,
                a: (*a).to_string(),
                b: file.clone(),
            });
        }
        *slot = Some(file);
        if part.scenarios.len() != first.scenarios.len() {
            return Err(mismatch(file, "the scenarios"));
        }
    }
    let missing: Vec<String> = (1..=n)
        .filter(|&k| seen[(k - 1) as usize].is_none())
        .map(|k| k.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(MergeError::Missing {
            missing: short_list(&missing),
            n,
        });
    }
    let mut results = Vec::new();
    for s in 0..first.scenarios.len() {
        let base = &first.scenarios[s];
        let mut counts = base.layout.counts();
        let mut tree = SumTree::new(montecarlo::blocks_of(base.runs));
        for (file, part) in &parts {
            let this = &part.scenarios[s];
            if this.frame != base.frame || this.runs != base.runs {
                return Err(mismatch(file, "the scenarios' frames"));
            }
            if this.layout != base.layout {
                return Err(mismatch(file, "the histogram bounds"));
            }
            if !this.counts.fits(&base.layout) {
                return Err(mismatch(file, "the shapes of the counts"));
            }
            counts.merge(&this.counts);
            for node in &this.sums {
                if node.sums.len() != base.layout.cells() || node.sumsq.len() != base.layout.cells()
                {
                    return Err(mismatch(file, "the shapes of the sums"));
                }
                tree.insert(node.clone())
                    .map_err(|_| mismatch(file, "the blocks of runs"))?;
            }
        }
        // Every shard present and every node fitting, the root is complete.
        let Some(sums) = tree.total() else {
            return Err(mismatch(first_file, "the blocks of runs"));
        };
        results.push(results::finish_frame(
            &base.frame,
            &base.layout,
            &counts,
            sums,
            first.seed,
            first.confidence,
        ));
    }
    Ok((results, first.all))
}

/// "1, 2, 3" or "1, 2, 3, … (40 in all)".
fn short_list(items: &[String]) -> String {
    if items.len() <= 10 {
        items.join(", ")
    } else {
        format!("{}, … ({} in all)", items[..10].join(", "), items.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_block_once() {
        for blocks in [1u64, 2, 3, 7, 40, 1000] {
            for n in [1u64, 2, 3, 5, 8, 64] {
                let mut next = 0;
                for k in 1..=n {
                    let (a, b) = Shard { k, n }.blocks(blocks);
                    assert_eq!(a, next);
                    assert!(b - a <= blocks.div_ceil(n));
                    next = b;
                }
                assert_eq!(next, blocks);
            }
        }
    }

    #[test]
    fn shard_flags_are_read_strictly() {
        assert_eq!(Shard::parse("2/3"), Ok(Shard { k: 2, n: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
