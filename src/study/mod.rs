//! Studies of a model's assumptions: sweeps over parameters, and sensitivity
//! analyses (one at a time, Morris screening, Sobol indices) of a measure.
//!
//! A study is many evaluations of one scenario at design points. The model is
//! parsed and checked once; each point sets its inputs as `--set` overrides
//! would, so its values are resolved and value-checked and its program compiled
//! again (a point whose values break a check is reported, not run wrong),
//! without a second parse or name check. Every point draws the same random
//! numbers (common random numbers: the seed is the study's), so differences
//! between points are the inputs' doing, and paired differences run by run
//! measure the noise that remains. Points are evaluated one after the other,
//! each over the threads as an evaluation is, so a study's result does not
//! depend on the thread count.
//!
//! The whole study is priced against [`Limits::work`] before any point runs.
//! What is measured is [`crate::check::measure`]'s measure of one run. No I/O.

pub mod design;
mod error;
pub mod estimate;
pub mod methods;
pub mod space;
pub mod sweep;

pub use error::StudyError;
pub use methods::{Method, Sensitivity};
pub use space::{Input, InputKind, Space};
pub use sweep::{Axis, Sweep};

use serde::Serialize;

use crate::check::Model;
use crate::check::measure::Measure;
use crate::check::model::ScenarioId;
use crate::check::values::Override;
use crate::eval::samples::{self, Samples};
use crate::eval::{self, EvalError, Options};
use crate::limits::Limits;
use crate::span::SourceMap;

/// What a study evaluates: one scenario of a checked model, the measures, and
/// how each point is evaluated.
#[derive(Clone, Copy)]
pub struct Study<'a> {
    /// The checked model.
    pub model: &'a Model,
    /// Its sources and the measures'.
    pub sources: &'a SourceMap,
    /// The scenario.
    pub scenario: ScenarioId,
    /// The measures.
    pub measures: &'a [Measure],
    /// Overrides every point starts from (`--set`).
    pub overrides: &'a [Override],
    /// Runs, seed, threads and confidence of each point.
    pub options: &'a Options,
    /// The limits.
    pub limits: &'a Limits,
}

/// A measure's estimate at one point: its mean over the runs and the interval
/// of that mean from Monte Carlo noise alone.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Estimate {
    /// The upper end of the interval.
    pub high: f64,
    /// The lower end of the interval.
    pub low: f64,
    /// The mean over the runs.
    pub mean: f64,
}

impl<'a> Study<'a> {
    /// The normal quantile of the options' confidence.
    #[must_use]
    pub fn z(&self) -> f64 {
        eval::normal::quantile(0.5 + self.options.confidence / 2.0)
    }

    /// The runs of one point and its work (runs × steps × (rules + nodes)).
    fn per_point(&self) -> Result<(u64, u64), StudyError> {
        let prepared = eval::prepare(
            self.model,
            self.sources,
            self.scenario,
            self.overrides,
            &[],
            self.limits,
        )
        .map_err(|e| point_error(&[], e))?;
        let p = &prepared.program;
        let runs = eval::runs_within_limits(p, self.options, self.limits)
            .map_err(|e| point_error(&[], e))?;
        let work = runs
            .saturating_mul(u64::from(p.horizon) + 1)
            .saturating_mul((p.rules.len() + p.nodes.len()) as u64);
        Ok((runs, work))
    }

    /// Prices a study of `points` points against the work limit, before any
    /// runs; the runs of each point when it fits.
    ///
    /// # Errors
    /// [`StudyError::OverBudget`] with the estimate, or the scenario's values.
    pub fn price(&self, points: u64) -> Result<u64, StudyError> {
        let (runs, per_point) = self.per_point()?;
        let requested = per_point.saturating_mul(points);
        if requested > self.limits.work {
            return Err(StudyError::OverBudget {
                points,
                per_point,
                requested,
                limit: self.limits.work,
            });
        }
        Ok(runs)
    }

    /// Every measure in every run at the point that sets `settings` over the
    /// study's overrides.
    ///
    /// # Errors
    /// The point's values fail a check, or a run fails.
    pub fn point(&self, settings: &[Override]) -> Result<Samples, StudyError> {
        let mut overrides = self.overrides.to_vec();
        // A setting replaces a `--set` of the same target.
        overrides.retain(|o| settings.iter().all(|s| s.target != o.target));
        overrides.extend_from_slice(settings);
        samples::collect(
            self.model,
            self.sources,
            self.scenario,
            &overrides,
            self.measures,
            self.options,
            self.limits,
        )
        .map_err(|e| point_error(settings, e))
    }

    /// The estimate of measure `k` from a point's samples.
    #[must_use]
    pub fn estimate(&self, samples: &Samples, k: usize) -> Estimate {
        let column = samples.column(k);
        let mean = estimate::mean(column);
        let half = self.z() * estimate::variance_of_mean(column).sqrt();
        Estimate {
            high: mean + half,
            low: mean - half,
            mean,
        }
    }
}

fn point_error(settings: &[Override], e: EvalError) -> StudyError {
    let point: Vec<&str> = settings.iter().map(|o| o.text.as_str()).collect();
    StudyError::Point {
        point: point.join(", "),
        error: Box::new(e),
    }
}
