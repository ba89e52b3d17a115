//! The estimators, on numbers alone: paired differences, Morris's elementary
//! effects, Sobol's first-order and total indices with bootstrap intervals.
//!
//! They know nothing of models, so their tests compare them with closed forms
//! on plain functions. Sobol's indices use the estimators SALib publishes:
//! Saltelli et al. (2010) for the first order, Jansen (1999) for the total,
//! both over the variance of the outputs of A and B together.

use crate::rng::{self, Purpose, Rng};

/// The mean (0 for nothing).
#[must_use]
pub fn mean(x: &[f64]) -> f64 {
    if x.is_empty() {
        0.0
    } else {
        x.iter().sum::<f64>() / x.len() as f64
    }
}

/// The population variance (divided by n, as numpy's default and SALib).
#[must_use]
pub fn variance(x: &[f64]) -> f64 {
    let m = mean(x);
    if x.is_empty() {
        0.0
    } else {
        x.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / x.len() as f64
    }
}

/// The variance of the mean of `x` as an estimate: s² / n with the sample
/// variance (0 for fewer than two values).
#[must_use]
pub fn variance_of_mean(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    if x.len() < 2 {
        0.0
    } else {
        variance(x) * n / (n - 1.0) / n
    }
}

/// The mean of `b − a` run by run, with the half-width of its interval at
/// normal quantile `z`: the paired comparison of two points evaluated on the
/// same random numbers.
#[must_use]
pub fn paired(a: &[f64], b: &[f64], z: f64) -> (f64, f64) {
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y - x).collect();
    (mean(&d), z * variance_of_mean(&d).sqrt())
}

/// Elementary effects of one input, summarised: μ* (the mean of their
/// absolute values), μ (their mean) and σ (their standard deviation, n − 1).
#[must_use]
pub fn morris(effects: &[f64]) -> (f64, f64, f64) {
    let abs: Vec<f64> = effects.iter().map(|e| e.abs()).collect();
    let n = effects.len() as f64;
    let sigma = if effects.len() < 2 {
        0.0
    } else {
        (variance(effects) * n / (n - 1.0)).sqrt()
    };
    (mean(&abs), mean(effects), sigma)
}

/// First-order and total indices of each input from f(A), f(B) and f(AB(i))
/// over the rows `rows` (indices into them, repeats allowed for a bootstrap).
fn indices(fa: &[f64], fb: &[f64], fab: &[Vec<f64>], rows: &[usize]) -> Vec<(f64, f64)> {
    let pick = |f: &[f64]| -> Vec<f64> { rows.iter().map(|&r| f[r]).collect() };
    let (a, b) = (pick(fa), pick(fb));
    let both: Vec<f64> = a.iter().chain(&b).copied().collect();
    let v = variance(&both);
    fab.iter()
        .map(|column| {
            let ab = pick(column);
            if v <= 0.0 {
                return (0.0, 0.0);
            }
            let first: Vec<f64> = b
                .iter()
                .zip(&ab)
                .zip(&a)
                .map(|((b, ab), a)| b * (ab - a))
                .collect();
            let total: Vec<f64> = a
                .iter()
                .zip(&ab)
                .map(|(a, ab)| (a - ab) * (a - ab))
                .collect();
            (mean(&first) / v, 0.5 * mean(&total) / v)
        })
        .collect()
}

/// One input's Sobol indices with their bootstrap intervals.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Sobol {
    /// The first-order index S1.
    pub first: f64,
    /// Its interval.
    pub first_interval: (f64, f64),
    /// The total index ST.
    pub total: f64,
    /// Its interval.
    pub total_interval: (f64, f64),
}

/// The indices of every input, with percentile intervals at `confidence` from
/// `resamples` bootstrap resamples of the rows (drawn from `seed`, so the
/// intervals are the same on every machine).
#[must_use]
pub fn sobol(
    fa: &[f64],
    fb: &[f64],
    fab: &[Vec<f64>],
    resamples: usize,
    confidence: f64,
    seed: u64,
) -> Vec<Sobol> {
    let n = fa.len();
    let all: Vec<usize> = (0..n).collect();
    let point = indices(fa, fb, fab, &all);
    let rng = Rng::new(seed);
    let stream = rng::stream("study:bootstrap");
    let mut firsts = vec![Vec::with_capacity(resamples); fab.len()];
    let mut totals = vec![Vec::with_capacity(resamples); fab.len()];
    for b in 0..resamples as u64 {
        let rows: Vec<usize> = (0..n as u32)
            .map(|j| {
                let u = rng.unit(b, stream, j, Purpose::Generate);
                ((u * n as f64) as usize).min(n.saturating_sub(1))
            })
            .collect();
        for (i, (s1, st)) in indices(fa, fb, fab, &rows).into_iter().enumerate() {
            firsts[i].push(s1);
            totals[i].push(st);
        }
    }
    let alpha = (1.0 - confidence) / 2.0;
    point
        .iter()
        .enumerate()
        .map(|(i, &(first, total))| Sobol {
            first,
            first_interval: percentiles(&mut firsts[i], alpha),
            total,
            total_interval: percentiles(&mut totals[i], alpha),
        })
        .collect()
}

/// The `alpha` and `1 − alpha` percentiles (nearest rank).
fn percentiles(x: &mut [f64], alpha: f64) -> (f64, f64) {
    if x.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    x.sort_by(f64::total_cmp);
    let at = |q: f64| x[((q * (x.len() - 1) as f64).round() as usize).min(x.len() - 1)];
    (at(alpha), at(1.0 - alpha))
}

#[cfg(test)]
mod tests;
