//! The [`ConflictGraph`] of a block: one node per transaction, an edge from an earlier to a later
//! transaction that must run after it, each edge carrying its [`Conflict`].
//!
//! Input: edges found by the builders ([`ConflictGraph::full`] in `full.rs`,
//! [`ConflictGraph::sparse`] in `sparse.rs`). Output: the graph, queried by transaction index.
//! Node `i` is transaction `i`; every edge goes from a lower to a higher index, so block order is
//! a topological order.

use petgraph::{
    Direction,
    graph::{DiGraph, NodeIndex},
    visit::EdgeRef,
};

use crate::conflict::{Conflict, Edge};

/// The conflict graph of a block.
///
/// Built by [`ConflictGraph::full`] (every conflicting pair) or [`ConflictGraph::sparse`] (only
/// the edges that decide the order; same reachability, fewer edges).
#[derive(Debug, Clone)]
pub struct ConflictGraph {
    graph: DiGraph<(), Conflict>,
}

impl ConflictGraph {
    /// The number of transactions.
    pub fn len(&self) -> usize {
        self.graph.node_count()
    }

    /// Whether the block has no transactions.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of edges.
    pub fn edge_count(&self) -> usize {
        self.graph.edge_count()
    }

    /// Every edge, grouped by target in block order; deterministic.
    pub fn edges(&self) -> impl ExactSizeIterator<Item = Edge> + '_ {
        self.graph.raw_edges().iter().map(|edge| Edge {
            from: edge.source().index(),
            to: edge.target().index(),
            conflict: edge.weight,
        })
    }

    /// The transactions that `tx` must wait for, with why.
    ///
    /// # Panics
    ///
    /// If `tx` is not a transaction of the block.
    pub fn predecessors(&self, tx: usize) -> impl Iterator<Item = (usize, &Conflict)> + '_ {
        self.neighbors(tx, Direction::Incoming)
            .map(|edge| (edge.source().index(), edge.weight()))
    }

    /// The transactions that must wait for `tx`, with why.
    ///
    /// # Panics
    ///
    /// If `tx` is not a transaction of the block.
    pub fn successors(&self, tx: usize) -> impl Iterator<Item = (usize, &Conflict)> + '_ {
        self.neighbors(tx, Direction::Outgoing)
            .map(|edge| (edge.target().index(), edge.weight()))
    }

    /// The underlying petgraph graph, for its algorithms (node `i` is transaction `i`).
    pub fn as_petgraph(&self) -> &DiGraph<(), Conflict> {
        &self.graph
    }

    fn neighbors(
        &self,
        tx: usize,
        direction: Direction,
    ) -> petgraph::graph::Edges<'_, Conflict, petgraph::Directed> {
        assert!(
            tx < self.len(),
            "transaction {tx} not in a block of {}",
            self.len()
        );
        self.graph.edges_directed(NodeIndex::new(tx), direction)
    }
}

/// Assembles a [`ConflictGraph`] transaction by transaction, in block order.
///
/// All edges into one transaction are linked before any edge into a later one; a pair linked
/// twice keeps its first conflict.
#[derive(Debug)]
pub(crate) struct GraphBuilder {
    graph: DiGraph<(), Conflict>,
    /// Per transaction, the last transaction an edge from it was linked to.
    last_linked_to: Vec<Option<NodeIndex>>,
}

impl GraphBuilder {
    /// A builder for a block of `transactions`, expecting about `edges` edges.
    pub(crate) fn new(transactions: usize, edges: usize) -> Self {
        let mut graph = DiGraph::with_capacity(transactions, edges);
        for _ in 0..transactions {
            graph.add_node(());
        }
        Self {
            graph,
            last_linked_to: vec![None; transactions],
        }
    }

    /// Orders `from` before `to` because of `conflict`, unless they are linked already.
    pub(crate) fn link(&mut self, from: NodeIndex, to: NodeIndex, conflict: Conflict) {
        debug_assert!(from < to, "edges go forward in block order");
        let last = &mut self.last_linked_to[from.index()];
        if *last != Some(to) {
            *last = Some(to);
            self.graph.add_edge(from, to, conflict);
        }
    }

    /// The graph with the edges linked so far.
    pub(crate) fn finish(self) -> ConflictGraph {
        ConflictGraph { graph: self.graph }
    }
}
