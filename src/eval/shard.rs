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
//! A partial is read as untrusted input: it carries a checksum of its content,
//! so a partial edited or cut short is refused with its name, and every field
//! is checked (finite, in range, the shape its layout says, the runs its
//! shard holds) before anything is allocated from it or added up.
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

/// The version of the partial format; merge refuses any other. Version 2
/// wraps the content with its checksum.
pub const PARTIAL_VERSION: u32 = 2;

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

/// A shard's partial result, as written by `whatif eval --shard` (inside
/// the envelope [`Partial::to_json`] writes).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partial {
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
    /// A partial whose content was changed or cut short since it was written.
    #[error(
        "`{file}` was changed or cut short since whatif wrote it (its checksum does not match)"
    )]
    #[diagnostic(
        code(whatif::merge::checksum),
        help("compute this shard again with `whatif eval --shard K/N -o FILE`")
    )]
    Checksum {
        /// The file.
        file: String,
    },
    /// A partial with a field no evaluation writes.
    #[error("`{file}` holds {what}, which no evaluation writes")]
    #[diagnostic(
        code(whatif::merge::invalid),
        help(
            "the file was not written by whatif as it is; compute this shard again with `whatif eval --shard K/N -o FILE`"
        )
    )]
    Invalid {
        /// The file.
        file: String,
        /// What is wrong.
        what: String,
    },
    /// A partial too large to merge within the memory limit.
    #[error("`{file}` would need {needed} bytes of memory to merge, over the limit of {limit}")]
    #[diagnostic(
        code(whatif::merge::too_large),
        help("raise the limit with `--max-memory`")
    )]
    TooLarge {
        /// The file.
        file: String,
        /// The estimate.
        needed: u64,
        /// The limit.
        limit: u64,
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

/// A partial's file: what it is, its version, and its content with the
/// checksum of the content's bytes.
#[derive(Deserialize)]
struct Envelope<'a> {
    kind: Option<String>,
    version: Option<u64>,
    checksum: Option<String>,
    #[serde(borrow)]
    partial: Option<&'a serde_json::value::RawValue>,
}

/// The checksum of a partial's content: SipHash-1-3-128 of its bytes, keyed
/// apart from the identity's hash.
fn checksum(content: &str) -> String {
    let mut h = SipHasher13::new_with_keys(u64::from(PARTIAL_VERSION), 0x7061_7274);
    h.write(content.as_bytes());
    format!("{:032x}", h.finish128().as_u128())
}

impl Partial {
    /// Reads a partial from its JSON text; `file` names it in errors.
    ///
    /// # Errors
    /// When the text is not a partial result of this version, or its content
    /// does not match its checksum.
    pub fn from_json(file: &str, text: &str) -> Result<Partial, MergeError> {
        let not = |reason: String| MergeError::NotPartial {
            file: file.to_string(),
            reason,
        };
        let envelope: Envelope<'_> =
            serde_json::from_str(text).map_err(|e| not(format!("not JSON of a partial ({e})")))?;
        if envelope.kind.as_deref() != Some(KIND) {
            return Err(not(
                "it has no `kind: \"whatif partial result\"`".to_string()
            ));
        }
        if envelope.version != Some(u64::from(PARTIAL_VERSION)) {
            return Err(MergeError::Version {
                file: file.to_string(),
                found: envelope
                    .version
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0),
            });
        }
        let (Some(sum), Some(content)) = (envelope.checksum, envelope.partial) else {
            return Err(not("it has no checksum or no content".to_string()));
        };
        if checksum(content.get()) != sum {
            return Err(MergeError::Checksum {
                file: file.to_string(),
            });
        }
        serde_json::from_str(content.get()).map_err(|e| not(e.to_string()))
    }

    /// The partial as compact JSON: its kind, version and content, with the
    /// content's checksum.
    #[must_use]
    pub fn to_json(&self) -> String {
        Partial::seal(&serde_json::to_string(self).unwrap_or_default())
    }

    /// A partial's file for `content`, the JSON of a [`Partial`]: its kind,
    /// version and checksum around it. (The fuzz target seals what it makes
    /// up, to reach the checks behind the checksum.)
    #[must_use]
    pub fn seal(content: &str) -> String {
        format!(
            "{{\"kind\":\"{KIND}\",\"version\":{PARTIAL_VERSION},\"checksum\":\"{}\",\"partial\":{content}}}",
            checksum(content)
        )
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
            identity,
            shard,
            runs: options.runs,
            seed: options.seed,
            confidence: options.confidence,
            all,
            scenarios,
        }
    }

    /// Checks every field against what an evaluation writes, before anything
    /// is allocated from it: the shard in range, settings in range, each
    /// scenario's layout coherent with its frame and within `memory` bytes,
    /// its counts of the layout's shape and at most the runs the shard holds,
    /// its values finite.
    ///
    /// # Errors
    /// [`MergeError::Invalid`] naming the first field that no evaluation
    /// writes; [`MergeError::TooLarge`] for a layout over the memory limit.
    pub fn validate(&self, file: &str, memory: u64) -> Result<(), MergeError> {
        let bad = |what: String| MergeError::Invalid {
            file: file.to_string(),
            what,
        };
        let Shard { k, n } = self.shard;
        if k == 0 || k > n || n > MAX_SHARDS {
            return Err(bad(format!("shard {k}/{n}")));
        }
        if !(self.confidence > 0.0 && self.confidence < 1.0) {
            return Err(bad(format!("the confidence {}", self.confidence)));
        }
        if self.runs == 0 {
            return Err(bad("0 runs".to_string()));
        }
        for (i, sp) in self.scenarios.iter().enumerate() {
            let at = |what: &str| format!("{what} in scenario {}", i + 1);
            if sp.runs != self.runs && sp.runs != 1 {
                return Err(bad(at(&format!("{} runs of {}", sp.runs, self.runs))));
            }
            let cells = check_layout(&sp.layout, &sp.frame).map_err(|w| bad(at(&w)))?;
            let needed = layout_bytes(&sp.layout, cells);
            if needed > memory {
                return Err(MergeError::TooLarge {
                    file: file.to_string(),
                    needed,
                    limit: memory,
                });
            }
            let (first, last) = self.shard.blocks(montecarlo::blocks_of(sp.runs));
            let runs = (last * super::stats::BLOCK).min(sp.runs)
                - (first * super::stats::BLOCK).min(sp.runs);
            check_counts(&sp.counts, &sp.layout, runs).map_err(|w| bad(at(&w)))?;
            for node in &sp.sums {
                let finite = node.sums.iter().chain(&node.sumsq).all(|v| v.is_finite());
                if node.sums.len() != cells || node.sumsq.len() != cells || !finite {
                    return Err(bad(at("a block's sums of another shape or not finite")));
                }
            }
        }
        Ok(())
    }
}

/// Checks a layout against its frame; the number of factor cells.
fn check_layout(layout: &Layout, frame: &Frame) -> Result<usize, String> {
    let steps = usize::try_from(frame.horizon)
        .ok()
        .and_then(|h| h.checked_add(1));
    if Some(layout.steps) != steps {
        return Err(format!(
            "{} steps for a horizon of {}",
            layout.steps, frame.horizon
        ));
    }
    if layout.events.len() != frame.events.len()
        || layout.factors.len() != frame.factors.len()
        || layout.rules != frame.rules.len()
    {
        return Err("a layout that does not match its names".to_string());
    }
    // Two bins outside the bounds and one inside at least.
    if layout.bins < 3 || layout.bins > 1 << 16 {
        return Err(format!("{} bins per histogram", layout.bins));
    }
    let cells = layout
        .factors
        .len()
        .checked_mul(layout.steps)
        .ok_or("a layout too large for this machine")?;
    let sound = |&(lo, hi): &(f64, f64)| lo.is_finite() && hi.is_finite() && lo <= hi;
    if layout.bounds.len() != cells || !layout.bounds.iter().all(sound) {
        return Err("histogram bounds of another shape or not finite".to_string());
    }
    if frame
        .factors
        .iter()
        .any(|(_, (lo, hi))| !(lo.is_finite() && hi.is_finite() && lo <= hi))
    {
        return Err("a factor range that is not finite".to_string());
    }
    if frame.scale.words.is_empty() || !frame.scale.words.iter().all(|w| w.is_ordered()) {
        return Err("a likelihood scale whose words are not probabilities".to_string());
    }
    Ok(cells)
}

/// The bytes merging a scenario of this layout holds: its counts (the
/// histograms above all) and a block's sums, twice (the partial and the
/// total).
fn layout_bytes(layout: &Layout, cells: usize) -> u64 {
    let cells = cells as u64;
    let per_cell = (layout.bins as u64).saturating_mul(4).saturating_add(8 * 6);
    let rows = (layout.events.len() as u64 + layout.probes as u64 * 2)
        .saturating_mul(layout.steps as u64 + 1)
        .saturating_mul(8);
    cells
        .saturating_mul(per_cell)
        .saturating_add(rows)
        .saturating_mul(2)
}

/// Checks counts against the shape `layout` gives them and the `runs` of the
/// shard: no count exceeds them, no extreme is NaN.
fn check_counts(counts: &Counts, layout: &Layout, runs: u64) -> Result<(), String> {
    if counts.runs != runs {
        return Err(format!("{} runs where its shard holds {runs}", counts.runs));
    }
    if !counts.fits(layout) {
        return Err("counts of another shape than their layout".to_string());
    }
    let within = |v: &[u64]| v.iter().all(|&c| c <= runs);
    let all_within = within(&counts.first)
        && within(&counts.at_min)
        && within(&counts.at_max)
        && within(&counts.rule_runs)
        && within(&counts.bounded_runs)
        && within(&counts.steady)
        && within(&counts.probes)
        && within(&counts.probes_by)
        && counts.hist.iter().all(|&c| u64::from(c) <= runs);
    if !all_within {
        return Err("a count larger than the shard's runs".to_string());
    }
    // Per cell, either no value was seen (the extremes at their starting
    // infinities, no run at them) or the smallest is at most the largest.
    let sound = |i: usize| {
        let (lo, hi) = (counts.min[i], counts.max[i]);
        if lo == f64::INFINITY && hi == f64::NEG_INFINITY {
            counts.at_min[i] == 0 && counts.at_max[i] == 0
        } else {
            lo.is_finite() && hi.is_finite() && lo <= hi
        }
    };
    if !(0..counts.min.len()).all(sound) {
        return Err("extreme values out of order or not finite".to_string());
    }
    let horizon = layout.steps.saturating_sub(1);
    if counts
        .bounded_from
        .iter()
        .any(|&b| b != super::sim::NEVER && b as usize > horizon)
    {
        return Err("a step past the horizon".to_string());
    }
    Ok(())
}

/// Merges every shard of one evaluation into its results, and whether every
/// scenario was asked for. `parts` pairs each partial with its file name;
/// each is validated first (see [`Partial::validate`]), within `limits.memory`.
///
/// # Errors
/// Partials of different evaluations or versions, a shard missing or given
/// twice, partials that disagree where they should not, or a partial that no
/// evaluation wrote.
pub fn merge(
    parts: Vec<(String, Partial)>,
    limits: &Limits,
) -> Result<(Vec<Results>, bool), MergeError> {
    let Some((first_file, first)) = parts.first() else {
        return Err(MergeError::Empty);
    };
    for (file, part) in &parts {
        part.validate(file, limits.memory)?;
    }
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
