//! Calibrated likelihood words: the scale that reads `likely` in a rule and
//! phrases 0.72 as "likely (72%)" in a report.
//!
//! The standard scale is the IPCC's calibrated language (Mastrandrea et al.,
//! *Guidance Note for Lead Authors of the IPCC Fifth Assessment Report on
//! Consistent Treatment of Uncertainties*, IPCC, 2010, Table 1). Its intervals
//! nest ("likely" is 66–100%, "very likely" 90–100%), which suits both uses: an
//! expectation `x is likely` holds when P(x) ≥ 0.66, and a result is named by the
//! narrowest word whose interval holds it. A word's point value, used when a rule
//! says `likely`, is the midpoint of its interval.

/// One word of a scale.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Word {
    /// The word, as written in a model (`very_likely`).
    pub name: String,
    /// The probability the word stands for in a rule.
    pub point: f64,
    /// The lower end of its interval (inclusive).
    pub lo: f64,
    /// The upper end of its interval (inclusive).
    pub hi: f64,
}

impl Word {
    /// Whether its point and interval are probabilities with lo ≤ point ≤ hi,
    /// as every word of a scale needs.
    #[must_use]
    pub fn is_ordered(&self) -> bool {
        [self.point, self.lo, self.hi]
            .iter()
            .all(|v| (0.0..=1.0).contains(v))
            && self.lo <= self.point
            && self.point <= self.hi
    }
}

/// Whether `name` can be a likelihood word: an identifier other than a keyword,
/// or a word that may follow a rule's effects (the grammar would take it for
/// the clause it begins).
#[must_use]
pub fn can_be_word(name: &str) -> bool {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier && !is_reserved(name)
}

/// Whether `name` is a keyword or a word that may follow a rule's effects.
#[must_use]
pub(crate) fn is_reserved(name: &str) -> bool {
    super::KEYWORDS.contains(&name) || super::items::RESERVED_WORDS.contains(&name)
}

/// A likelihood scale.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Scale {
    /// Its name (`ipcc`, or `custom` for a model's own).
    pub name: String,
    /// Its words.
    pub words: Vec<Word>,
}

/// How close to an interval's edge counts as on it.
const EDGE: f64 = 1e-9;

/// The IPCC AR5 words: (word, lower end, upper end, point value). The point is
/// the interval's midpoint, written out so that it is exact.
const IPCC: [(&str, f64, f64, f64); 10] = [
    ("virtually_certain", 0.99, 1.0, 0.995),
    ("extremely_likely", 0.95, 1.0, 0.975),
    ("very_likely", 0.90, 1.0, 0.95),
    ("likely", 0.66, 1.0, 0.83),
    ("more_likely_than_not", 0.50, 1.0, 0.75),
    ("about_as_likely_as_not", 0.33, 0.66, 0.495),
    ("unlikely", 0.0, 0.33, 0.165),
    ("very_unlikely", 0.0, 0.10, 0.05),
    ("extremely_unlikely", 0.0, 0.05, 0.025),
    ("exceptionally_unlikely", 0.0, 0.01, 0.005),
];

impl Scale {
    /// The IPCC AR5 calibrated language, the default scale.
    #[must_use]
    pub fn ipcc() -> Scale {
        let words = IPCC
            .iter()
            .map(|&(name, lo, hi, point)| Word {
                name: name.to_string(),
                point,
                lo,
                hi,
            })
            .collect();
        Scale {
            name: "ipcc".to_string(),
            words,
        }
    }

    /// A built-in scale by name.
    #[must_use]
    pub fn builtin(name: &str) -> Option<Scale> {
        (name == "ipcc").then(Scale::ipcc)
    }

    /// The names of the built-in scales.
    pub const BUILTIN: [&'static str; 1] = ["ipcc"];

    /// A word of the scale.
    #[must_use]
    pub fn word(&self, name: &str) -> Option<&Word> {
        self.words.iter().find(|w| w.name == name)
    }

    /// The narrowest word whose interval holds `p` (the first such word on a
    /// tie), for phrasing results.
    #[must_use]
    pub fn phrase(&self, p: f64) -> Option<&Word> {
        self.words
            .iter()
            // A value a rounding error away from an edge belongs to the word:
            // 0.05 computed as 0.049999999999999996 or 0.05000000000000001 is
            // "extremely unlikely" either way.
            .filter(|w| w.lo - EDGE <= p && p <= w.hi + EDGE)
            .min_by(|a, b| (a.hi - a.lo).total_cmp(&(b.hi - b.lo)))
    }

    /// `p` in words: "likely (72%)".
    #[must_use]
    pub fn describe(&self, p: f64) -> String {
        let pct = percent(p);
        match self.phrase(p) {
            Some(w) => format!("{} ({pct})", w.name.replace('_', " ")),
            None => pct,
        }
    }
}

/// A probability as a percentage with sensible precision: "72%", "0.3%", "<0.1%".
#[must_use]
pub fn percent(p: f64) -> String {
    let pct = p * 100.0;
    if p <= 0.0 {
        "0%".to_string()
    } else if p >= 1.0 {
        "100%".to_string()
    } else if pct < 0.1 {
        "<0.1%".to_string()
    } else if pct > 99.9 {
        ">99.9%".to_string()
    } else if !(1.0..=99.0).contains(&pct) {
        format!("{pct:.1}%")
    } else {
        format!("{pct:.0}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_are_midpoints() {
        let s = Scale::ipcc();
        for w in &s.words {
            assert!((w.point - (w.lo + w.hi) / 2.0).abs() < 1e-12, "{}", w.name);
        }
        assert_eq!(s.word("likely").map(|w| w.point), Some(0.83));
        assert_eq!(s.word("very_likely").map(|w| w.point), Some(0.95));
        assert_eq!(s.word("unlikely").map(|w| w.point), Some(0.165));
    }

    #[test]
    fn results_take_the_narrowest_word() {
        let s = Scale::ipcc();
        assert_eq!(s.describe(0.72), "likely (72%)");
        assert_eq!(s.describe(0.5), "about as likely as not (50%)");
        assert_eq!(s.describe(0.93), "very likely (93%)");
        assert_eq!(s.describe(0.9995), "virtually certain (>99.9%)");
        assert_eq!(s.describe(0.999), "virtually certain (99.9%)");
        assert_eq!(s.describe(0.2), "unlikely (20%)");
        assert_eq!(s.describe(0.004), "exceptionally unlikely (0.4%)");
        assert_eq!(s.describe(0.0), "exceptionally unlikely (0%)");
        assert_eq!(s.describe(0.6), "about as likely as not (60%)");
        assert_eq!(
            s.phrase(0.049_999_999_999_999_996),
            s.phrase(0.050_000_000_000_000_01)
        );
    }
}
