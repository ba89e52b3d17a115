//! The results of evaluating one scenario.

use serde::{Deserialize, Serialize};

use super::compile::Program;
use super::explain::Explanation;
use super::normal;
use super::sim::NEVER;
use super::stats::{Counts, Layout, quantile};
use crate::check::scale::Scale;
use crate::render::json;

/// One event's results.
#[derive(Clone, Debug, PartialEq)]
pub struct EventResult {
    /// Its qualified name.
    pub name: String,
    /// P(happened by step t), for t = 0..=horizon.
    pub by_step: Vec<f64>,
    /// P(happened by the horizon).
    pub probability: f64,
    /// The confidence interval of `probability` (Wilson), at the requested level.
    pub ci: (f64, f64),
    /// The 95% interval.
    pub ci95: (f64, f64),
    /// The median first step among runs where it happened.
    pub median_step: Option<u32>,
    /// Runs where it happened.
    pub happened: u64,
}

/// One factor's results.
#[derive(Clone, Debug, PartialEq)]
pub struct FactorResult {
    /// Its qualified name.
    pub name: String,
    /// Its range.
    pub range: (f64, f64),
    /// The mean at each step.
    pub mean: Vec<f64>,
    /// The 5th percentile at each step.
    pub p5: Vec<f64>,
    /// The median at each step.
    pub p50: Vec<f64>,
    /// The 95th percentile at each step.
    pub p95: Vec<f64>,
    /// The standard deviation at each step.
    pub sd: Vec<f64>,
    /// Runs in which it was kept at a bound of its range.
    pub bounded_runs: u64,
    /// The earliest step it was kept at a bound, in any run.
    pub bounded_from: Option<u32>,
}

/// When runs became steady (`stop when steady`).
#[derive(Clone, Debug, PartialEq)]
pub struct Steady {
    /// The median step at which runs became steady (among those that did).
    pub median_step: Option<u32>,
    /// Runs that never became steady.
    pub never: u64,
}

/// The results of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Results {
    /// The model's title.
    pub model: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's title.
    pub title: Option<String>,
    /// The last step.
    pub horizon: u32,
    /// Runs computed.
    pub runs: u64,
    /// The seed.
    pub seed: u64,
    /// Whether the results are exact (no sampling error).
    pub exact: bool,
    /// The confidence level of `ci`.
    pub confidence: f64,
    /// Bins of the quantile histograms (0 when exact).
    pub quantile_bins: usize,
    /// Events, in model order.
    pub events: Vec<EventResult>,
    /// Factors, in model order.
    pub factors: Vec<FactorResult>,
    /// Steadiness, when the model stops when steady.
    pub steady: Option<Steady>,
    /// Per probe, P(holds at step t) and P(held at some step up to t).
    pub probes: Vec<(Vec<f64>, Vec<f64>)>,
    /// Explanations, for the events asked about.
    pub explanations: Vec<Explanation>,
    /// Per rule of the model (by id), runs in which its condition held at some
    /// step (rules that do not take part in the scenario are absent).
    pub rule_runs: Vec<(crate::check::model::RuleId, u64)>,
    /// The likelihood scale, to phrase probabilities.
    pub scale: Scale,
}

/// The two-sided standard normal quantile for confidence `c` (1.96 for 0.95).
#[must_use]
pub fn z(c: f64) -> f64 {
    normal::quantile(0.5 + c / 2.0)
}

/// The Wilson score interval for `k` successes in `n` trials at confidence `c`.
#[must_use]
pub fn wilson(k: u64, n: u64, c: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let z = normal::quantile(0.5 + c / 2.0);
    let n = n as f64;
    let p = k as f64 / n;
    let z2 = z * z;
    let denom = 1.0 + z2 / n;
    let centre = (p + z2 / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt() / denom; // At the edges the interval touches 0 or 1 exactly (rounding aside).
    let lo = if k == 0 {
        0.0
    } else {
        (centre - half).max(0.0)
    };
    let hi = if k as f64 >= n {
        1.0
    } else {
        (centre + half).min(1.0)
    };
    (lo, hi)
}

/// The median of a histogram of steps, or `None` when it is empty.
fn median_step(counts: &[u64]) -> Option<u32> {
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return None;
    }
    let mut seen = 0;
    for (t, &c) in counts.iter().enumerate() {
        seen += c;
        if 2 * seen >= total {
            return u32::try_from(t).ok();
        }
    }
    None
}

/// What results say besides statistics: names, ranges and settings taken from
/// the program, so that counts computed elsewhere (a shard) can be finished
/// without the model.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Frame {
    /// The model's title.
    pub model: String,
    /// The scenario's name.
    pub scenario: String,
    /// The scenario's title.
    pub title: Option<String>,
    /// The last step.
    pub horizon: u32,
    /// Whether any random draw happens.
    pub random: bool,
    /// Whether runs stop when steady.
    pub steady: bool,
    /// The events' names, in layout order.
    pub events: Vec<String>,
    /// The factors' names and ranges, in layout order.
    pub factors: Vec<(String, (f64, f64))>,
    /// The program's rules (model rule ids).
    pub rules: Vec<u32>,
    /// The likelihood scale.
    pub scale: Scale,
}

impl Frame {
    /// The frame of a program laid out as `layout`.
    #[must_use]
    pub fn of(p: &Program<'_>, layout: &Layout) -> Frame {
        let model = p.model;
        let scenario = model.scenario(p.scenario);
        Frame {
            model: model.title.clone(),
            scenario: scenario.name.clone(),
            title: scenario.title.clone(),
            horizon: p.horizon,
            random: p.random,
            steady: p.steady.is_some(),
            events: layout
                .events
                .iter()
                .map(|&e| model.nodes[e as usize].name.clone())
                .collect(),
            factors: layout
                .factors
                .iter()
                .map(|&f| {
                    (
                        model.nodes[f as usize].name.clone(),
                        p.nodes[f as usize].range,
                    )
                })
                .collect(),
            rules: p.rules.iter().map(|r| r.id.0).collect(),
            scale: model.scale.clone(),
        }
    }
}

/// Builds results from merged counts and the sums over every run.
#[must_use]
pub fn finish(
    p: &Program<'_>,
    layout: &Layout,
    counts: &Counts,
    sums: (&[f64], &[f64]),
    seed: u64,
    confidence: f64,
) -> Results {
    finish_frame(
        &Frame::of(p, layout),
        layout,
        counts,
        sums,
        seed,
        confidence,
    )
}

/// Builds results from a frame, merged counts and the sums over every run.
#[must_use]
pub fn finish_frame(
    frame: &Frame,
    layout: &Layout,
    counts: &Counts,
    (sums, sumsq): (&[f64], &[f64]),
    seed: u64,
    confidence: f64,
) -> Results {
    let runs = counts.runs.max(1);
    let steps = layout.steps;
    let width = steps + 1;
    let events = frame
        .events
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let row = &counts.first[k * width..(k + 1) * width];
            let mut by_step = Vec::with_capacity(steps);
            let mut cum = 0;
            for c in &row[..steps] {
                cum += c;
                by_step.push(cum as f64 / runs as f64);
            }
            EventResult {
                name: name.clone(),
                probability: by_step.last().copied().unwrap_or(0.0),
                ci: wilson(cum, counts.runs, confidence),
                ci95: wilson(cum, counts.runs, 0.95),
                median_step: median_step(&row[..steps]),
                happened: cum,
                by_step,
            }
        })
        .collect();
    let factors = frame
        .factors
        .iter()
        .enumerate()
        .map(|(k, (name, range))| {
            let range = *range;
            let q = |t: usize, level: f64| {
                let cell = k * steps + t;
                let row = &counts.hist[cell * layout.bins..(cell + 1) * layout.bins];
                quantile(
                    row,
                    counts.runs,
                    level,
                    layout.bounds[cell],
                    (counts.min[cell], counts.max[cell]),
                    (counts.at_min[cell], counts.at_max[cell]),
                )
            };
            FactorResult {
                name: name.clone(),
                range,
                mean: (0..steps)
                    .map(|t| sums[k * steps + t] / runs as f64)
                    .collect(),
                sd: (0..steps)
                    .map(|t| {
                        let n = runs as f64;
                        let m = sums[k * steps + t] / n;
                        if runs > 1 {
                            ((sumsq[k * steps + t] - n * m * m) / (n - 1.0))
                                .max(0.0)
                                .sqrt()
                        } else {
                            0.0
                        }
                    })
                    .collect(),
                p5: (0..steps).map(|t| q(t, 0.05)).collect(),
                p50: (0..steps).map(|t| q(t, 0.5)).collect(),
                p95: (0..steps).map(|t| q(t, 0.95)).collect(),
                bounded_runs: counts.bounded_runs[k],
                bounded_from: (counts.bounded_from[k] != NEVER).then_some(counts.bounded_from[k]),
            }
        })
        .collect();
    let steady = frame.steady.then(|| Steady {
        median_step: median_step(&counts.steady[..steps]),
        never: counts.steady[steps],
    });
    let probes = (0..layout.probes)
        .map(|q| {
            let at = (0..steps)
                .map(|t| counts.probes[q * steps + t] as f64 / runs as f64)
                .collect();
            let by = (0..steps)
                .map(|t| counts.probes_by[q * steps + t] as f64 / runs as f64)
                .collect();
            (at, by)
        })
        .collect();
    Results {
        model: frame.model.clone(),
        scenario: frame.scenario.clone(),
        title: frame.title.clone(),
        horizon: frame.horizon,
        runs: counts.runs,
        seed,
        exact: !frame.random,
        confidence,
        quantile_bins: if frame.random { layout.bins } else { 0 },
        events,
        factors,
        steady,
        probes,
        explanations: Vec::new(),
        rule_runs: frame
            .rules
            .iter()
            .zip(&counts.rule_runs)
            .map(|(&r, &n)| (crate::check::model::RuleId(r), n))
            .collect(),
        scale: frame.scale.clone(),
    }
}

impl Results {
    /// The results as JSON, following the documented contract
    /// (`schema_version` 1): see [`json::Results`].
    #[must_use]
    pub fn to_json(&self) -> json::Results {
        let events = self
            .events
            .iter()
            .map(|e| {
                let result = json::EventResult {
                    probability: e.probability,
                    ci95: [e.ci95.0, e.ci95.1],
                    ci: [e.ci.0, e.ci.1],
                    words: self.scale.phrase(e.probability).map(|w| w.name.clone()),
                    median_step: e.median_step,
                    happened_runs: e.happened,
                    by_step: e.by_step.clone(),
                };
                (e.name.clone(), result)
            })
            .collect();
        let factors = self
            .factors
            .iter()
            .map(|f| {
                let result = json::FactorResult {
                    range: [f.range.0, f.range.1],
                    mean: f.mean.clone(),
                    p5: f.p5.clone(),
                    p50: f.p50.clone(),
                    p95: f.p95.clone(),
                    bounded_runs: f.bounded_runs,
                    bounded_from: f.bounded_from,
                };
                (f.name.clone(), result)
            })
            .collect();
        json::Results {
            schema_version: json::SCHEMA_VERSION,
            model: self.model.clone(),
            scenario: self.scenario.clone(),
            title: self.title.clone(),
            horizon: self.horizon,
            runs: self.runs,
            seed: self.seed,
            exact: self.exact,
            confidence: self.confidence,
            quantile_bins: self.quantile_bins,
            events,
            factors,
            steady: self.steady.as_ref().map(|s| json::Steadiness {
                median_step: s.median_step,
                never_steady_runs: s.never,
            }),
            explanations: (!self.explanations.is_empty())
                .then(|| self.explanations.iter().map(Explanation::to_json).collect()),
        }
    }

    /// The document `whatif eval --format json` prints for `results`, the
    /// scenarios in the order asked for: a list when `all` scenarios were
    /// asked for or there are several, else the one scenario's object. Write
    /// it with [`json::document`].
    #[must_use]
    pub fn eval_output(results: &[Results], all: bool) -> json::EvalOutput {
        let mut list: Vec<_> = results.iter().map(Results::to_json).collect();
        match list.pop() {
            Some(one) if list.is_empty() && !all => json::EvalOutput::One(one),
            last => json::EvalOutput::Many(list.into_iter().chain(last).collect()),
        }
    }

    /// An event's results by name.
    #[must_use]
    pub fn event(&self, name: &str) -> Option<&EventResult> {
        self.events.iter().find(|e| e.name == name)
    }

    /// A factor's results by name.
    #[must_use]
    pub fn factor(&self, name: &str) -> Option<&FactorResult> {
        self.factors.iter().find(|f| f.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wilson_matches_a_textbook_value() {
        // 81 successes in 263 trials at 95%: [0.2553, 0.3662] (Wilson 1927,
        // as tabulated by Newcombe 1998).
        let (lo, hi) = wilson(81, 263, 0.95);
        assert!((lo - 0.2553).abs() < 1e-4, "{lo}");
        assert!((hi - 0.3662).abs() < 1e-4, "{hi}");
        assert_eq!(wilson(0, 10, 0.95).0, 0.0);
    }

    #[test]
    fn medians_of_step_histograms() {
        assert_eq!(median_step(&[0, 0, 3, 1, 1]), Some(2));
        assert_eq!(median_step(&[0, 0]), None);
    }
}
