//! Float sums over blocks of runs, added along one fixed binary tree.
//!
//! Floating-point addition is not associative, so a sum over runs must be added
//! in an order that does not depend on threads or on how the runs were split
//! across machines. The order here is a binary tree over block indices: node
//! (level j, index i) is the sum of blocks `i·2^j .. (i+1)·2^j` (clipped to the
//! last block), its value the left child's plus the right child's, or the left
//! child's alone when the right one holds no block. Each node's value is thus a
//! fixed function of the blocks' sums whatever order they arrive in, and:
//!
//! - a worker pool folds finished blocks as they come, keeping only the nodes
//!   still waiting for a sibling (about log₂ of the blocks, plus the blocks
//!   that finished out of order), so memory does not grow with the runs;
//! - a shard that computed a range of blocks keeps just the maximal nodes inside
//!   its range (at most about 2·log₂ of the blocks), and [`SumTree::insert`]ing
//!   every shard's nodes anywhere gives the very same root as one machine.
//!
//! A block is the unit of `stats::BLOCK` runs.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// One node of the tree: the sums over a range of blocks.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    /// The level: the node covers up to 2^level blocks.
    pub level: u32,
    /// Its index within the level: it starts at block `index << level`.
    pub index: u64,
    /// Per factor and step, the sum of its values over the node's runs, as
    /// IEEE 754 bits (JSON has no infinities, and bits round-trip exactly).
    #[serde(with = "super::stats::f64_bits")]
    pub sums: Vec<f64>,
    /// Per factor and step, the sum of the squares.
    #[serde(with = "super::stats::f64_bits")]
    pub sumsq: Vec<f64>,
}

/// A node that sits in a tree with a different shape, twice, or out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Misfit {
    /// Its level.
    pub level: u32,
    /// Its index.
    pub index: u64,
}

/// The tree over `blocks` blocks, holding the nodes that wait for a sibling.
#[derive(Clone, Debug)]
pub struct SumTree {
    blocks: u64,
    top: u32,
    waiting: BTreeMap<(u32, u64), Node>,
}

impl SumTree {
    /// An empty tree over `blocks` blocks (at least one).
    #[must_use]
    pub fn new(blocks: u64) -> SumTree {
        let blocks = blocks.max(1);
        SumTree {
            blocks,
            top: u64::BITS - (blocks - 1).leading_zeros(),
            waiting: BTreeMap::new(),
        }
    }

    /// Adds block `block`'s sums.
    ///
    /// # Errors
    /// When the block is out of range or already added.
    pub fn add_block(&mut self, block: u64, sums: Vec<f64>, sumsq: Vec<f64>) -> Result<(), Misfit> {
        self.insert(Node {
            level: 0,
            index: block,
            sums,
            sumsq,
        })
    }

    /// Adds a node (a block, or a node another tree over the same blocks kept),
    /// combining it with its sibling as far up as the siblings are there.
    ///
    /// # Errors
    /// When the node does not fit the tree (a wrong level or index for these
    /// blocks) or overlaps one already added.
    pub fn insert(&mut self, mut node: Node) -> Result<(), Misfit> {
        let misfit = Misfit {
            level: node.level,
            index: node.index,
        };
        if node.level > self.top || self.start(node.level, node.index) >= self.blocks {
            return Err(misfit);
        }
        // A node overlaps another when an ancestor or descendant is waiting.
        let overlaps = self.waiting.keys().any(|&(l, i)| {
            if l >= node.level {
                i == node.index >> (l - node.level)
            } else {
                node.index == i >> (node.level - l)
            }
        });
        if overlaps {
            return Err(misfit);
        }
        while node.level < self.top {
            let sibling = node.index ^ 1;
            if self.start(node.level, sibling) >= self.blocks {
                // Nothing to the right: the parent is this node, unchanged.
            } else if let Some(other) = self.waiting.remove(&(node.level, sibling)) {
                let (mut left, right) = if node.index & 1 == 0 {
                    (node, other)
                } else {
                    (other, node)
                };
                add(&mut left.sums, &right.sums);
                add(&mut left.sumsq, &right.sumsq);
                node = left;
            } else {
                break;
            }
            node.level += 1;
            node.index >>= 1;
        }
        self.waiting.insert((node.level, node.index), node);
        Ok(())
    }

    /// The sums over every block, once every block has been added.
    #[must_use]
    pub fn total(&self) -> Option<(&[f64], &[f64])> {
        self.waiting
            .get(&(self.top, 0))
            .map(|n| (n.sums.as_slice(), n.sumsq.as_slice()))
    }

    /// The nodes waiting for a sibling: after adding a range of blocks, the
    /// maximal nodes inside it, which another tree can insert.
    #[must_use]
    pub fn into_nodes(self) -> Vec<Node> {
        self.waiting.into_values().collect()
    }

    /// How many nodes wait (memory held).
    #[must_use]
    pub fn waiting(&self) -> usize {
        self.waiting.len()
    }

    fn start(&self, level: u32, index: u64) -> u64 {
        index.checked_shl(level).unwrap_or(u64::MAX)
    }
}

fn add(a: &mut [f64], b: &[f64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x += y;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Block `b`'s made-up sums: values whose sum depends on the order added.
    fn block(b: u64) -> Vec<f64> {
        vec![
            1.0 / (b as f64 + 3.0),
            1e16 * (b % 3) as f64 + 0.1 * b as f64,
        ]
    }

    fn tree_of(blocks: u64, order: impl Iterator<Item = u64>) -> SumTree {
        let mut t = SumTree::new(blocks);
        for b in order {
            t.add_block(b, block(b), block(b + 1)).expect("fits");
        }
        t
    }

    #[test]
    fn the_total_does_not_depend_on_the_order_blocks_arrive_in() {
        for blocks in [1, 2, 3, 5, 8, 13, 40] {
            let forward = tree_of(blocks, 0..blocks);
            let backward = tree_of(blocks, (0..blocks).rev());
            let odd_first = tree_of(
                blocks,
                (0..blocks)
                    .filter(|b| b % 2 == 1)
                    .chain((0..blocks).step_by(2)),
            );
            let total = forward.total().expect("complete");
            assert_eq!(backward.total(), Some(total));
            assert_eq!(odd_first.total(), Some(total));
            assert_eq!(forward.waiting(), 1);
        }
    }

    #[test]
    fn three_blocks_add_up_in_block_order() {
        // Up to three blocks the tree adds exactly as a running sum does.
        let t = tree_of(3, 0..3);
        let (sums, _) = t.total().expect("complete");
        let running = (block(0)[1] + block(1)[1]) + block(2)[1];
        assert_eq!(sums[1].to_bits(), running.to_bits());
    }

    #[test]
    fn ranges_merge_into_the_same_total() {
        let blocks = 37;
        let whole = tree_of(blocks, 0..blocks);
        for cuts in [
            vec![0, 37],
            vec![0, 12, 37],
            vec![0, 1, 2, 20, 36, 37],
            vec![0, 5, 5, 37],
        ] {
            let mut merged = SumTree::new(blocks);
            for w in cuts.windows(2) {
                let part = tree_of(blocks, w[0]..w[1]);
                assert!(part.waiting() <= 12, "{}", part.waiting());
                for node in part.into_nodes() {
                    merged.insert(node).expect("fits");
                }
            }
            assert_eq!(merged.total(), whole.total());
        }
    }

    #[test]
    fn overlapping_or_foreign_nodes_are_refused() {
        let mut t = tree_of(8, 0..4);
        assert!(t.add_block(2, block(2), block(2)).is_err());
        assert!(t.add_block(8, block(8), block(8)).is_err());
        assert!(t.add_block(5, block(5), block(5)).is_ok());
        assert!(t.total().is_none());
    }
}
