//! Every elementary cycle of a directed graph, by Johnson's algorithm.
//!
//! D. B. Johnson, "Finding all the elementary circuits of a directed graph",
//! SIAM Journal on Computing 4(1), 1975: the time is O((V + E)(C + 1)) for C
//! cycles. The search keeps its own stack instead of recursing, so a graph of
//! any size cannot overflow the native stack, and it stops once it has found
//! more cycles than the caller's limit: the number of cycles can grow
//! exponentially with the size of a graph.
//!
//! The algorithm works on plain successor lists (node indices); parallel edges
//! are one edge here. What the edges mean is the caller's business
//! ([`crate::loops`] reads signs and rules off the model's graph).

use std::collections::HashMap;

use petgraph::graph::{DiGraph, NodeIndex};

/// More cycles than the limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooManyCycles {
    /// The limit that was exceeded.
    pub limit: usize,
}

/// Every elementary cycle of the graph whose node `v` has the successors
/// `succ[v]`, each as its nodes in order (the last links back to the first),
/// starting at its smallest node; or an error once there are more than `limit`.
///
/// # Errors
/// [`TooManyCycles`] when the graph has more than `limit` cycles.
pub fn elementary_cycles(
    succ: &[Vec<usize>],
    limit: usize,
) -> Result<Vec<Vec<usize>>, TooManyCycles> {
    let n = succ.len();
    let mut found = Found {
        cycles: Vec::new(),
        limit,
    };
    // Self-loops are cycles of one node; Johnson's search runs without them.
    let mut adj: Vec<Vec<usize>> = Vec::with_capacity(n);
    for (v, s) in succ.iter().enumerate() {
        let mut list: Vec<usize> = s.iter().copied().filter(|&w| w < n).collect();
        list.sort_unstable();
        list.dedup();
        if let Ok(i) = list.binary_search(&v) {
            found.push(vec![v])?;
            list.remove(i);
        }
        adj.push(list);
    }
    let all: Vec<usize> = (0..n).collect();
    let mut pending = components(&adj, &all);
    let mut search = Search {
        member: vec![false; n],
        blocked: vec![false; n],
        b: vec![Vec::new(); n],
    };
    while let Some(mut scc) = pending.pop() {
        scc.sort_unstable();
        let start = scc[0];
        for &v in &scc {
            search.member[v] = true;
            search.blocked[v] = false;
            search.b[v].clear();
        }
        let result = search.circuits(start, &adj, &mut found);
        for &v in &scc {
            search.member[v] = false;
        }
        result?;
        // Every cycle through `start` is found: the rest are in what remains.
        pending.extend(components(&adj, &scc[1..]));
    }
    Ok(found.cycles)
}

/// The cycles found so far, and the limit.
struct Found {
    cycles: Vec<Vec<usize>>,
    limit: usize,
}

impl Found {
    fn push(&mut self, cycle: Vec<usize>) -> Result<(), TooManyCycles> {
        if self.cycles.len() >= self.limit {
            return Err(TooManyCycles { limit: self.limit });
        }
        self.cycles.push(cycle);
        Ok(())
    }
}

/// Johnson's blocking bookkeeping, reused from one strongly connected
/// component to the next.
struct Search {
    /// Whether a node is in the component being searched.
    member: Vec<bool>,
    blocked: Vec<bool>,
    /// `B(v)` of the paper: nodes to unblock when `v` is unblocked.
    b: Vec<Vec<usize>>,
}

impl Search {
    /// Every cycle through `start` within the current component.
    fn circuits(
        &mut self,
        start: usize,
        adj: &[Vec<usize>],
        found: &mut Found,
    ) -> Result<(), TooManyCycles> {
        let mut path = vec![start];
        // Per path entry: whether a cycle was found below it (the paper's `f`).
        let mut closed = vec![false];
        // Per path entry: the next successor to try.
        let mut next = vec![0usize];
        self.blocked[start] = true;
        while let Some(&v) = path.last() {
            let i = next.last().copied().unwrap_or(usize::MAX);
            if let Some(&w) = adj[v].get(i) {
                if let Some(n) = next.last_mut() {
                    *n += 1;
                }
                if !self.member[w] {
                    continue;
                }
                if w == start {
                    found.push(path.clone())?;
                    if let Some(c) = closed.last_mut() {
                        *c = true;
                    }
                } else if !self.blocked[w] {
                    self.blocked[w] = true;
                    path.push(w);
                    closed.push(false);
                    next.push(0);
                }
                continue;
            }
            // Every successor of `v` is done: return from it.
            path.pop();
            next.pop();
            if closed.pop().unwrap_or(false) {
                self.unblock(v);
                if let Some(c) = closed.last_mut() {
                    *c = true;
                }
            } else {
                for &w in &adj[v] {
                    if self.member[w] && !self.b[w].contains(&v) {
                        self.b[w].push(v);
                    }
                }
            }
        }
        Ok(())
    }

    fn unblock(&mut self, u: usize) {
        let mut todo = vec![u];
        while let Some(x) = todo.pop() {
            if self.blocked[x] {
                self.blocked[x] = false;
                todo.append(&mut self.b[x]);
            }
        }
    }
}

/// The strongly connected components of more than one node of the subgraph
/// that `nodes` induce (Kosaraju's algorithm, which petgraph runs without
/// recursion).
fn components(adj: &[Vec<usize>], nodes: &[usize]) -> Vec<Vec<usize>> {
    let local: HashMap<usize, u32> = nodes
        .iter()
        .enumerate()
        .map(|(i, &v)| (v, u32::try_from(i).unwrap_or(u32::MAX)))
        .collect();
    let mut g: DiGraph<usize, ()> = DiGraph::with_capacity(nodes.len(), nodes.len());
    for &v in nodes {
        g.add_node(v);
    }
    for (i, &v) in nodes.iter().enumerate() {
        for w in &adj[v] {
            if let Some(&j) = local.get(w) {
                g.add_edge(NodeIndex::new(i), NodeIndex::new(j as usize), ());
            }
        }
    }
    petgraph::algo::kosaraju_scc(&g)
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| c.into_iter().map(|i| g[i]).collect())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycles(edges: &[(usize, usize)], n: usize) -> Vec<Vec<usize>> {
        let mut succ = vec![Vec::new(); n];
        for &(a, b) in edges {
            succ[a].push(b);
        }
        let mut c = elementary_cycles(&succ, 1000).expect("under the limit");
        c.sort();
        c
    }

    #[test]
    fn a_triangle_has_one_cycle() {
        assert_eq!(cycles(&[(0, 1), (1, 2), (2, 0)], 3), vec![vec![0, 1, 2]]);
    }

    #[test]
    fn self_loops_two_cycles_and_parallel_edges() {
        let c = cycles(&[(0, 0), (0, 1), (1, 0), (1, 0), (1, 2), (2, 1), (2, 3)], 4);
        assert_eq!(c, vec![vec![0], vec![0, 1], vec![1, 2]]);
    }

    #[test]
    fn a_complete_graph_has_every_cycle() {
        // K4 has C(4,2)·1 + C(4,3)·2 + C(4,4)·3! = 6 + 8 + 6 = 20 elementary cycles.
        let mut edges = Vec::new();
        for a in 0..4 {
            for b in 0..4 {
                if a != b {
                    edges.push((a, b));
                }
            }
        }
        let c = cycles(&edges, 4);
        assert_eq!(c.len(), 20);
        let mut unique = c.clone();
        unique.dedup();
        assert_eq!(unique.len(), 20, "no cycle found twice");
        assert!(
            c.iter()
                .all(|cycle| cycle[0] == *cycle.iter().min().unwrap_or(&0))
        );
    }

    #[test]
    fn the_limit_stops_the_search() {
        let mut succ = vec![Vec::new(); 8];
        for (a, s) in succ.iter_mut().enumerate() {
            *s = (0..8).filter(|&b| b != a).collect();
        }
        assert_eq!(
            elementary_cycles(&succ, 100),
            Err(TooManyCycles { limit: 100 })
        );
    }

    #[test]
    fn a_long_ring_does_not_overflow_the_stack() {
        let n = 200_000;
        let succ: Vec<Vec<usize>> = (0..n).map(|v| vec![(v + 1) % n]).collect();
        let c = elementary_cycles(&succ, 10).expect("one cycle");
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].len(), n);
    }

    #[test]
    fn no_cycle_in_a_dag() {
        assert!(cycles(&[(0, 1), (1, 2), (0, 2)], 3).is_empty());
    }
}
