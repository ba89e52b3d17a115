//! `whatif sensitivity`: which inputs drive a measure, by one of three methods.
//!
//! - `oat`, the tornado: each input at the low and the high end of its span,
//!   the others at their values; the swing between the two ends with its
//!   paired interval (both ends run on the same random numbers).
//! - `morris`: elementary effects along random trajectories; μ* ranks the
//!   inputs, σ shows non-linearity and interaction.
//! - `sobol`: first-order and total indices (Saltelli 2010, Jansen 1999),
//!   with bootstrap intervals, over each input's spread.
//!
//! Each reports how much of what it sees is Monte Carlo noise: the interval
//! of a swing, the standard error of an elementary effect, and the share of
//! the measure's variance across Sobol's points that the runs' own noise
//! explains.

use serde::Serialize;

use super::estimate;
use super::space::Space;
use super::{Estimate, Study, StudyError};

/// A sensitivity method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// One at a time: the tornado.
    Oat,
    /// Morris's elementary effects.
    Morris {
        /// Trajectories.
        trajectories: usize,
    },
    /// Sobol's indices.
    Sobol {
        /// Base samples (rows of A and of B).
        samples: usize,
    },
}

impl Method {
    /// Its name on the command line.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Method::Oat => "oat",
            Method::Morris { .. } => "morris",
            Method::Sobol { .. } => "sobol",
        }
    }

    /// Design points for `k` inputs, the point at the inputs' values included.
    #[must_use]
    pub fn points(self, k: usize) -> u64 {
        let k = k as u64;
        match self {
            Method::Oat => 2 * k + 1,
            Method::Morris { trajectories } => (trajectories as u64)
                .saturating_mul(k + 1)
                .saturating_add(1),
            Method::Sobol { samples } => (samples as u64).saturating_mul(k + 2).saturating_add(1),
        }
    }
}

/// Levels of the Morris grid.
pub const MORRIS_LEVELS: usize = 4;
/// Bootstrap resamples of the Sobol indices.
pub const RESAMPLES: usize = 500;

/// One input's result.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InputResult {
    /// The high end of its span.
    pub high: f64,
    /// The low end of its span.
    pub low: f64,
    /// Morris: μ*, μ, σ of the elementary effects (change in the measure over
    /// the input's whole span), and the standard error of one effect from
    /// Monte Carlo noise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub morris: Option<MorrisResult>,
    /// The parameter's name, or `rule NAME` for a likelihood word.
    pub name: String,
    /// One at a time: the measure at each end and the swing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oat: Option<OatResult>,
    /// Sobol's indices.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sobol: Option<SobolResult>,
    /// `uniform` or `triangular`.
    pub spread: String,
    /// Its value in the scenario.
    pub value: f64,
}

/// One input's tornado bar.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct OatResult {
    /// The measure with the input at its high end.
    pub at_high: f64,
    /// The measure with the input at its low end.
    pub at_low: f64,
    /// at_high − at_low, run by run on the same random numbers, with its interval.
    pub swing: Estimate,
}

/// One input's elementary effects.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MorrisResult {
    /// The mean effect.
    pub mu: f64,
    /// The mean absolute effect, the ranking.
    pub mu_star: f64,
    /// The root mean square of the effects' standard errors from Monte Carlo
    /// noise: a μ* not well above it is noise.
    pub noise: f64,
    /// The standard deviation of the effects.
    pub sigma: f64,
}

/// One input's Sobol indices.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SobolResult {
    /// The first-order index.
    pub first: f64,
    /// Its bootstrap interval.
    pub first_interval: (f64, f64),
    /// The total index.
    pub total: f64,
    /// Its bootstrap interval.
    pub total_interval: (f64, f64),
}

/// `whatif sensitivity --format json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Sensitivity {
    /// The measure at the inputs' values, with its Monte Carlo interval.
    pub at_values: Estimate,
    /// The confidence of every interval.
    pub confidence: f64,
    /// The parameters held at their values, having no range.
    pub fixed: Vec<String>,
    /// The inputs, the most influential first.
    pub inputs: Vec<InputResult>,
    /// The measure.
    pub measure: String,
    /// `oat`, `morris` or `sobol`.
    pub method: String,
    /// How much is Monte Carlo noise, in words and a number: the typical
    /// half-width of a swing's interval (oat), the typical standard error of
    /// an elementary effect (morris), the share of the measure's variance
    /// across the points that is the runs' noise (sobol).
    pub noise: f64,
    /// Design points evaluated.
    pub points: u64,
    /// Runs at each point.
    pub runs: u64,
    /// The scenario.
    pub scenario: String,
    /// The seed every point shares.
    pub seed: u64,
}

impl Study<'_> {
    /// Runs `method` over the inputs of `space` for the study's first measure.
    ///
    /// # Errors
    /// No input, the study over budget, or a point's failure.
    pub fn sensitivity(&self, space: &Space, method: Method) -> Result<Sensitivity, StudyError> {
        let k = space.inputs.len();
        let points = method.points(k);
        let runs = self.price(points)?;
        let base = self.point(&[])?;
        let at_values = self.estimate(&base, 0);
        let (mut inputs, noise) = match method {
            Method::Oat => self.oat(space)?,
            Method::Morris { trajectories } => self.morris(space, trajectories)?,
            Method::Sobol { samples } => self.sobol(space, samples)?,
        };
        let key = |r: &InputResult| match (&r.oat, &r.morris, &r.sobol) {
            (Some(o), _, _) => o.swing.mean.abs(),
            (_, Some(m), _) => m.mu_star,
            (_, _, Some(s)) => s.total,
            _ => 0.0,
        };
        inputs.sort_by(|a, b| key(b).total_cmp(&key(a)).then(a.name.cmp(&b.name)));
        Ok(Sensitivity {
            at_values,
            confidence: self.options.confidence,
            fixed: space
                .fixed
                .iter()
                .map(|(p, _)| self.model.params[p.index()].name.clone())
                .collect(),
            inputs,
            measure: self.measures[0].text.clone(),
            method: method.name().to_string(),
            noise,
            points,
            runs,
            scenario: self.model.scenarios[self.scenario.index()].name.clone(),
            seed: self.options.seed,
        })
    }

    fn oat(&self, space: &Space) -> Result<(Vec<InputResult>, f64), StudyError> {
        let z = self.z();
        let mut out = Vec::with_capacity(space.inputs.len());
        let mut halves = Vec::with_capacity(space.inputs.len());
        for input in &space.inputs {
            let low = self.point(&[input.set(input.lo)])?;
            let high = self.point(&[input.set(input.hi)])?;
            let (swing, half) = estimate::paired(low.column(0), high.column(0), z);
            halves.push(half);
            let mut r = blank(input);
            r.oat = Some(OatResult {
                at_high: estimate::mean(high.column(0)),
                at_low: estimate::mean(low.column(0)),
                swing: Estimate {
                    high: swing + half,
                    low: swing - half,
                    mean: swing,
                },
            });
            out.push(r);
        }
        Ok((out, estimate::mean(&halves)))
    }

    fn morris(
        &self,
        space: &Space,
        trajectories: usize,
    ) -> Result<(Vec<InputResult>, f64), StudyError> {
        let names: Vec<String> = space.inputs.iter().map(|i| i.name.clone()).collect();
        let design = super::design::morris(&names, trajectories, MORRIS_LEVELS, self.options.seed);
        let k = space.inputs.len();
        let mut effects = vec![Vec::with_capacity(trajectories); k];
        let mut errors = vec![Vec::with_capacity(trajectories); k];
        for t in design {
            let mut previous: Option<Vec<f64>> = None;
            for (j, x) in t.points.iter().enumerate() {
                let now = self.point(&space.at_quantiles(x))?.column(0).to_vec();
                if let (Some(before), Some(&(i, delta))) =
                    (&previous, t.moves.get(j.wrapping_sub(1)))
                {
                    let (d, _) = estimate::paired(before, &now, 1.0);
                    let d2: Vec<f64> = before.iter().zip(&now).map(|(a, b)| b - a).collect();
                    effects[i].push(d / delta);
                    errors[i].push(estimate::variance_of_mean(&d2) / (delta * delta));
                }
                previous = Some(now);
            }
        }
        let mut all_errors = Vec::new();
        let out = space
            .inputs
            .iter()
            .enumerate()
            .map(|(i, input)| {
                let (mu_star, mu, sigma) = estimate::morris(&effects[i]);
                let noise = estimate::mean(&errors[i]).sqrt();
                all_errors.extend_from_slice(&errors[i]);
                let mut r = blank(input);
                r.morris = Some(MorrisResult {
                    mu,
                    mu_star,
                    noise,
                    sigma,
                });
                r
            })
            .collect();
        Ok((out, estimate::mean(&all_errors).sqrt()))
    }

    fn sobol(&self, space: &Space, n: usize) -> Result<(Vec<InputResult>, f64), StudyError> {
        let names: Vec<String> = space.inputs.iter().map(|i| i.name.clone()).collect();
        let (a, b) = super::design::saltelli(&names, n, self.options.seed);
        // Each point's mean, and the variance of that mean from the runs.
        let mut noise = Vec::new();
        let mut eval_matrix = |m: &[Vec<f64>]| -> Result<Vec<f64>, StudyError> {
            m.iter()
                .map(|x| {
                    let s = self.point(&space.at_quantiles(x))?;
                    noise.push(estimate::variance_of_mean(s.column(0)));
                    Ok(estimate::mean(s.column(0)))
                })
                .collect()
        };
        let fa = eval_matrix(&a)?;
        let fb = eval_matrix(&b)?;
        let mut fab = Vec::with_capacity(names.len());
        for i in 0..names.len() {
            fab.push(eval_matrix(&super::design::mixed(&a, &b, i))?);
        }
        let indices = estimate::sobol(
            &fa,
            &fb,
            &fab,
            RESAMPLES,
            self.options.confidence,
            self.options.seed,
        );
        let both: Vec<f64> = fa.iter().chain(&fb).copied().collect();
        let total = estimate::variance(&both);
        let share = if total > 0.0 {
            (estimate::mean(&noise) / total).min(1.0)
        } else {
            0.0
        };
        let out = space
            .inputs
            .iter()
            .zip(indices)
            .map(|(input, s)| {
                let mut r = blank(input);
                r.sobol = Some(SobolResult {
                    first: s.first,
                    first_interval: s.first_interval,
                    total: s.total,
                    total_interval: s.total_interval,
                });
                r
            })
            .collect();
        Ok((out, share))
    }
}

fn blank(input: &super::Input) -> InputResult {
    InputResult {
        high: input.hi,
        low: input.lo,
        morris: None,
        name: input.name.clone(),
        oat: None,
        sobol: None,
        spread: input.spread.keyword().to_string(),
        value: input.value,
    }
}
