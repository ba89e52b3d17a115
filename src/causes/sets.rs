//! Monotone Boolean formulas as their minimal sets: a disjunction of
//! conjunctions of leaves (root causes), with no set containing another. This
//! is the algebra of MOCUS, the fault-tree method of cut sets (Fussell and
//! Vesely, 1972): `or` unites the lists, `and` multiplies them, and absorption
//! (`a or (a and b)` is `a`) keeps only minimal sets.
//!
//! Products grow fast, so every operation is bounded: past the limit it stops
//! with [`TooManySets`] instead of using up the memory.

/// A list of sets longer than the limit, or a product too large to form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManySets {
    /// The limit.
    pub limit: usize,
}

/// A monotone formula as its minimal sets of leaves (each sorted, without
/// repeats). No set: false. One empty set: true.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sets(pub Vec<Vec<u32>>);

impl Sets {
    /// False: no set of causes leads to it.
    #[must_use]
    pub fn none() -> Sets {
        Sets(Vec::new())
    }

    /// True: it needs no cause.
    #[must_use]
    pub fn certain() -> Sets {
        Sets(vec![Vec::new()])
    }

    /// One leaf.
    #[must_use]
    pub fn leaf(l: u32) -> Sets {
        Sets(vec![vec![l]])
    }

    /// Whether no set leads to it.
    #[must_use]
    pub fn is_none(&self) -> bool {
        self.0.is_empty()
    }

    /// `self or other`.
    ///
    /// # Errors
    /// [`TooManySets`] past `limit` sets.
    pub fn or(&self, other: &Sets, limit: usize) -> Result<Sets, TooManySets> {
        let mut all = self.0.clone();
        all.extend(other.0.iter().cloned());
        minimal(all, limit)
    }

    /// `self and other`.
    ///
    /// # Errors
    /// [`TooManySets`] past `limit` sets, or when the product would have more
    /// than a hundred times as many before absorption.
    pub fn and(&self, other: &Sets, limit: usize) -> Result<Sets, TooManySets> {
        if self.0.len().saturating_mul(other.0.len()) > limit.saturating_mul(100) {
            return Err(TooManySets { limit });
        }
        let mut all = Vec::with_capacity(self.0.len() * other.0.len());
        for a in &self.0 {
            for b in &other.0 {
                let mut t: Vec<u32> = a.iter().chain(b.iter()).copied().collect();
                t.sort_unstable();
                t.dedup();
                all.push(t);
            }
        }
        minimal(all, limit)
    }

    /// At least `k` of `items`: `f[j]` is "at least j of the items seen so
    /// far", so the cost is k × n operations rather than C(n, k) products.
    ///
    /// # Errors
    /// [`TooManySets`] past `limit` sets.
    pub fn at_least(k: usize, items: &[Sets], limit: usize) -> Result<Sets, TooManySets> {
        if k == 0 {
            return Ok(Sets::certain());
        }
        if k > items.len() {
            return Ok(Sets::none());
        }
        let mut f = vec![Sets::none(); k + 1];
        f[0] = Sets::certain();
        for x in items {
            for j in (1..=k).rev() {
                let with = f[j - 1].and(x, limit)?;
                f[j] = f[j].or(&with, limit)?;
            }
        }
        Ok(f.swap_remove(k))
    }

    /// Each leaf replaced as `value` says: kept, false (its sets go), or the
    /// conjunction of other leaves (none: true).
    ///
    /// # Errors
    /// [`TooManySets`] past `limit` sets.
    pub fn substitute(
        &self,
        value: impl Fn(u32) -> Replace,
        limit: usize,
    ) -> Result<Sets, TooManySets> {
        let mut kept = Vec::new();
        'sets: for t in &self.0 {
            let mut out = Vec::new();
            for &l in t {
                match value(l) {
                    Replace::Keep => out.push(l),
                    Replace::False => continue 'sets,
                    Replace::With(others) => out.extend(others),
                }
            }
            out.sort_unstable();
            out.dedup();
            kept.push(out);
        }
        minimal(kept, limit)
    }
}

/// What a leaf becomes in [`Sets::substitute`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replace {
    /// It stays.
    Keep,
    /// It is false: every set holding it goes.
    False,
    /// It is the conjunction of these leaves (none: it is true).
    With(Vec<u32>),
}

/// The minimal sets among `all`: sorted by size, then leaves; repeats and
/// supersets of a kept set dropped.
fn minimal(mut all: Vec<Vec<u32>>, limit: usize) -> Result<Sets, TooManySets> {
    all.sort_unstable_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
    all.dedup();
    let mut kept: Vec<Vec<u32>> = Vec::new();
    for t in all {
        if !kept.iter().any(|k| subset(k, &t)) {
            if kept.len() >= limit {
                return Err(TooManySets { limit });
            }
            kept.push(t);
        }
    }
    Ok(Sets(kept))
}

/// Whether sorted `a` is a subset of sorted `b`.
fn subset(a: &[u32], b: &[u32]) -> bool {
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j == b.len() || b[j] != *x {
            return false;
        }
        j += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(x: u32) -> Sets {
        Sets::leaf(x)
    }

    #[test]
    fn absorption_keeps_minimal_sets() {
        // a or (a and b) = a
        let ab = l(0).and(&l(1), 10).expect("small");
        assert_eq!(l(0).or(&ab, 10), Ok(l(0)));
        // (a or b) and (a or c) = a or (b and c)
        let a_or_b = l(0).or(&l(1), 10).expect("small");
        let a_or_c = l(0).or(&l(2), 10).expect("small");
        assert_eq!(a_or_b.and(&a_or_c, 10), Ok(Sets(vec![vec![0], vec![1, 2]])));
        assert_eq!(Sets::certain().and(&l(3), 10), Ok(l(3)));
        assert_eq!(Sets::none().and(&l(3), 10), Ok(Sets::none()));
        assert_eq!(Sets::certain().or(&l(3), 10), Ok(Sets::certain()));
    }

    #[test]
    fn two_of_three_is_every_pair() {
        let items = [l(0), l(1), l(2)];
        assert_eq!(
            Sets::at_least(2, &items, 10),
            Ok(Sets(vec![vec![0, 1], vec![0, 2], vec![1, 2]]))
        );
        assert_eq!(Sets::at_least(4, &items, 10), Ok(Sets::none()));
        assert_eq!(Sets::at_least(0, &items, 10), Ok(Sets::certain()));
    }

    #[test]
    fn substitution_drops_false_sets_and_true_leaves() {
        let s = Sets(vec![vec![0, 1], vec![2], vec![1, 3]]);
        let v = |x: u32| match x {
            1 => Replace::With(vec![]),
            2 => Replace::False,
            3 => Replace::With(vec![0, 4]),
            _ => Replace::Keep,
        };
        assert_eq!(s.substitute(v, 10), Ok(Sets(vec![vec![0]])));
    }

    #[test]
    fn products_past_the_limit_stop() {
        let wide = |base: u32| Sets((0..20).map(|i| vec![base + i]).collect());
        assert_eq!(wide(0).and(&wide(100), 10), Err(TooManySets { limit: 10 }));
        assert!(wide(0).and(&wide(100), 400).is_ok());
    }
}
