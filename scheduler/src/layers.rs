//! [`Layers`]: a partition of a block's transactions into layers whose transactions are mutually
//! independent, run one layer after the other.
//!
//! Input: a [`ConflictGraph`]. Output: the earliest layers ([`Layers::longest_path`]): a
//! transaction's layer is one more than the highest layer among its predecessors (0 without
//! predecessors), the fewest layers any valid schedule has. Inside a layer, block order.

use serde::Serialize;

use crate::graph::ConflictGraph;

/// The layers of a schedule: each a list of transaction indices in block order.
///
/// Every edge of the graph they were built from goes from a lower layer to a higher one.
/// Serializes as a list of lists of transaction indices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Layers {
    layers: Vec<Vec<usize>>,
    #[serde(skip)]
    layer_of: Vec<usize>,
}

impl Layers {
    /// The earliest layers of `graph`: each transaction one layer after its latest predecessor.
    ///
    /// Linear in the transactions plus the edges.
    pub fn longest_path(graph: &ConflictGraph) -> Self {
        let mut layer_of = Vec::with_capacity(graph.len());
        for tx in 0..graph.len() {
            // Block order is a topological order: predecessors have their layers already.
            let layer = graph
                .predecessors(tx)
                .map(|(predecessor, _)| layer_of[predecessor] + 1)
                .max()
                .unwrap_or(0);
            layer_of.push(layer);
        }
        Self::from_assignment(layer_of)
    }

    /// Layers from each transaction's layer number, which must leave no layer empty below the
    /// highest one.
    pub(crate) fn from_assignment(layer_of: Vec<usize>) -> Self {
        let count = layer_of.iter().max().map_or(0, |&highest| highest + 1);
        let mut layers = vec![Vec::new(); count];
        for (tx, &layer) in layer_of.iter().enumerate() {
            layers[layer].push(tx);
        }
        debug_assert!(layers.iter().all(|layer| !layer.is_empty()));
        Self { layers, layer_of }
    }

    /// The number of layers.
    pub fn len(&self) -> usize {
        self.layers.len()
    }

    /// Whether there are no layers (an empty block).
    pub fn is_empty(&self) -> bool {
        self.layers.is_empty()
    }

    /// The number of transactions scheduled.
    pub fn transactions(&self) -> usize {
        self.layer_of.len()
    }

    /// The layers in execution order, each with its transactions in block order.
    pub fn as_slice(&self) -> &[Vec<usize>] {
        &self.layers
    }

    /// The layer of transaction `tx`.
    ///
    /// # Panics
    ///
    /// If `tx` is not a transaction of the block.
    pub fn layer_of(&self, tx: usize) -> usize {
        self.layer_of[tx]
    }
}
