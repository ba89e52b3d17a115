//! Resource bounds on everything a model file can make whatif do.
//!
//! A `.whatif` file may come from anyone, so parsing, checking and evaluation are
//! bounded. Every limit has a default here, a command-line flag of the same name
//! (`--max-…`), and a diagnostic naming both when it is exceeded.

/// The bounds one invocation works within.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Bytes of source in one file (`--max-source-bytes`).
    pub source_bytes: usize,
    /// Nesting depth of brackets, braces, `if`s and expression trees (`--max-depth`).
    pub depth: usize,
    /// Events and factors in a model, imports included (`--max-nodes`).
    pub nodes: usize,
    /// Rules in a model, scenario rules included (`--max-rules`).
    pub rules: usize,
    /// Files imported by one model, transitively (`--max-imports`).
    pub imports: usize,
    /// Steps in a horizon (`--max-horizon`).
    pub horizon: u64,
    /// Monte Carlo runs in one evaluation (`--max-runs`).
    pub runs: u64,
    /// Units of work of one evaluation: runs × steps × (rules + nodes) (`--max-work`).
    pub work: u64,
    /// Bytes of memory one evaluation may hold, as estimated before it starts
    /// (and counted as it goes, for exact evaluation) (`--max-memory`).
    pub memory: u64,
}

/// The deepest nesting any setting allows. Every stage that walks an
/// expression tree recurses as deep as the tree, so the depth limit is what
/// keeps the stack bounded: the command line runs on a thread whose stack holds
/// a tree this deep, and the library reads a larger `depth` as this one.
pub const MAX_DEPTH: usize = 10_000;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            source_bytes: 64 << 20,
            depth: 256,
            nodes: 1_000_000,
            rules: 1_000_000,
            imports: 1_000,
            horizon: 100_000,
            runs: 100_000_000,
            work: 100_000_000_000,
            memory: 2 << 30,
        }
    }
}

/// A limit by name, for diagnostics: what was exceeded and which flag raises it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// [`Limits::source_bytes`].
    SourceBytes,
    /// [`Limits::depth`].
    Depth,
    /// [`Limits::nodes`].
    Nodes,
    /// [`Limits::rules`].
    Rules,
    /// [`Limits::imports`].
    Imports,
    /// [`Limits::horizon`].
    Horizon,
    /// [`Limits::runs`].
    Runs,
    /// [`Limits::work`].
    Work,
    /// [`Limits::memory`].
    Memory,
}

impl Limit {
    /// Every limit.
    pub const ALL: [Limit; 9] = [
        Limit::SourceBytes,
        Limit::Depth,
        Limit::Nodes,
        Limit::Rules,
        Limit::Imports,
        Limit::Horizon,
        Limit::Runs,
        Limit::Work,
        Limit::Memory,
    ];

    /// Its key in `whatif.toml`'s `[limits]`: the flag without its dashes
    /// (`max-nodes`).
    #[must_use]
    pub fn key(self) -> &'static str {
        self.flag().trim_start_matches('-')
    }

    /// The command-line flag that changes this limit.
    #[must_use]
    pub fn flag(self) -> &'static str {
        match self {
            Limit::SourceBytes => "--max-source-bytes",
            Limit::Depth => "--max-depth",
            Limit::Nodes => "--max-nodes",
            Limit::Rules => "--max-rules",
            Limit::Imports => "--max-imports",
            Limit::Horizon => "--max-horizon",
            Limit::Runs => "--max-runs",
            Limit::Work => "--max-work",
            Limit::Memory => "--max-memory",
        }
    }

    /// What the limit counts, in words.
    #[must_use]
    pub fn what(self) -> &'static str {
        match self {
            Limit::SourceBytes => "bytes of source",
            Limit::Depth => "levels of nesting",
            Limit::Nodes => "nodes",
            Limit::Rules => "rules",
            Limit::Imports => "imported files",
            Limit::Horizon => "steps of horizon",
            Limit::Runs => "runs",
            Limit::Work => "units of work (runs × steps × (rules + nodes))",
            Limit::Memory => "bytes of memory (estimated)",
        }
    }

    /// `n` of what the limit counts, in words: "1000 runs", "2.5 GiB of
    /// memory".
    #[must_use]
    pub fn amount(self, n: u64) -> String {
        if self != Limit::Memory {
            return format!("{n} {}", self.what());
        }
        let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        #[allow(clippy::cast_precision_loss)]
        let mut v = n as f64;
        let mut unit = 0;
        while v >= 1024.0 && unit + 1 < units.len() {
            v /= 1024.0;
            unit += 1;
        }
        let shown = if unit == 0 || v >= 100.0 || v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        };
        format!("{shown} {} of memory", units[unit])
    }

    /// The largest value the limit may be set to, where there is one: the
    /// depth is bounded by the stack (see [`MAX_DEPTH`]).
    #[must_use]
    pub fn ceiling(self) -> Option<u64> {
        match self {
            Limit::Depth => u64::try_from(MAX_DEPTH).ok(),
            _ => None,
        }
    }

    /// Why a value for this limit is refused, if it is (above its ceiling),
    /// to follow the limit's name: "can be at most …".
    #[must_use]
    pub fn refuse(self, value: u64) -> Option<String> {
        let ceiling = self.ceiling()?;
        (value > ceiling).then(|| {
            format!(
                "can be at most {ceiling}: a deeper tree would overflow the stack of the stages that walk it"
            )
        })
    }

    /// The limit's value in `limits`.
    #[must_use]
    pub fn value(self, limits: &Limits) -> u64 {
        let as_u64 = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        match self {
            Limit::SourceBytes => as_u64(limits.source_bytes),
            Limit::Depth => as_u64(limits.depth),
            Limit::Nodes => as_u64(limits.nodes),
            Limit::Rules => as_u64(limits.rules),
            Limit::Imports => as_u64(limits.imports),
            Limit::Horizon => limits.horizon,
            Limit::Runs => limits.runs,
            Limit::Work => limits.work,
            Limit::Memory => limits.memory,
        }
    }
}

impl Limits {
    /// Sets one limit (a value too large for the machine is the largest it has).
    pub fn set(&mut self, limit: Limit, value: u64) {
        let size = usize::try_from(value).unwrap_or(usize::MAX);
        match limit {
            Limit::SourceBytes => self.source_bytes = size,
            Limit::Depth => self.depth = size.min(MAX_DEPTH),
            Limit::Nodes => self.nodes = size,
            Limit::Rules => self.rules = size,
            Limit::Imports => self.imports = size,
            Limit::Horizon => self.horizon = value,
            Limit::Runs => self.runs = value,
            Limit::Work => self.work = value,
            Limit::Memory => self.memory = value,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_said_in_their_unit() {
        assert_eq!(Limit::Runs.amount(1000), "1000 runs");
        assert_eq!(Limit::Memory.amount(2 << 30), "2 GiB of memory");
        assert_eq!(Limit::Memory.amount(320_019_200_096), "298 GiB of memory");
        assert_eq!(Limit::Memory.amount(1536), "1.5 KiB of memory");
        assert_eq!(Limit::Memory.amount(12), "12 bytes of memory");
    }

    #[test]
    fn every_limit_names_its_flag() {
        let defaults = Limits::default();
        for limit in Limit::ALL {
            assert!(limit.flag().starts_with("--max-"));
            assert!(limit.value(&defaults) > 0);
        }
    }

    #[test]
    fn every_limit_is_set_and_read_by_name() {
        let mut limits = Limits::default();
        for (i, limit) in Limit::ALL.into_iter().enumerate() {
            limits.set(limit, 1000 + i as u64);
            assert_eq!(limit.value(&limits), 1000 + i as u64, "{}", limit.key());
            assert_eq!(format!("--{}", limit.key()), limit.flag());
        }
    }
}
