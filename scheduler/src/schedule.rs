//! [`Schedule`]: the entry point, a block's conflict graph together with its layers.
//!
//! Input: the access sets of a block in block order (and, for the balanced variant, gas weights
//! and a thread count). Output: the graph and the layers, serializable as JSON
//! (`{"transactions", "layers", "edges"}`), renderable as DOT (`dot.rs`) and measurable
//! (`stats.rs`).

use std::num::NonZeroUsize;

use foresight_analyzer::AccessSet;
use serde::{Serialize, Serializer, ser::SerializeStruct};

use crate::{error::ScheduleError, graph::ConflictGraph, layers::Layers};

/// A block's conflict graph and the layers it is cut into.
///
/// Serializes as `{"transactions": n, "layers": [[tx, …], …], "edges": [{"from", "to", "kind",
/// "resource"}, …]}`, deterministically.
#[derive(Debug, Clone)]
pub struct Schedule {
    graph: ConflictGraph,
    layers: Layers,
}

impl Schedule {
    /// Schedules a block: the sparse conflict graph of `access_sets` (in block order) cut into
    /// its earliest layers.
    ///
    /// ```
    /// use std::num::NonZeroUsize;
    ///
    /// use alloy_primitives::{Address, U256};
    /// use foresight_analyzer::{AccessSet, Location};
    /// use foresight_scheduler::{ConflictKind, Schedule};
    ///
    /// let pool = Location::storage(Address::repeat_byte(0xaa), U256::ZERO);
    /// let mut swap = AccessSet::new();
    /// swap.reads.insert(pool);
    /// swap.writes.insert(pool);
    /// let mut transfer = AccessSet::new();
    /// transfer.writes.insert(Location::balance(Address::repeat_byte(1)));
    ///
    /// // Two swaps on one pool and an unrelated transfer.
    /// let schedule = Schedule::new(&[swap.clone(), transfer, swap]);
    /// assert_eq!(schedule.layers().as_slice(), [vec![0, 1], vec![2]]);
    /// let edge = schedule.graph().edges().next().unwrap();
    /// assert_eq!((edge.from, edge.to, edge.conflict.kind), (0, 2, ConflictKind::ReadAfterWrite));
    ///
    /// let stats = schedule.stats(&[100, 30, 100], NonZeroUsize::new(2).unwrap())?;
    /// assert_eq!(stats.critical_path_gas, 200);
    /// assert_eq!(stats.makespan, 200);
    /// # Ok::<(), foresight_scheduler::ScheduleError>(())
    /// ```
    pub fn new(access_sets: &[AccessSet]) -> Self {
        Self::from_graph(ConflictGraph::sparse(access_sets))
    }

    /// Cuts `graph` into its earliest layers.
    pub fn from_graph(graph: ConflictGraph) -> Self {
        let layers = Layers::longest_path(&graph);
        Self { graph, layers }
    }

    /// The same graph with layers balanced by `gas` for `threads` threads (see
    /// [`Layers::balanced`]): as many layers, and a makespan on `threads` threads no larger.
    ///
    /// # Errors
    ///
    /// If `gas` does not have one weight per transaction.
    pub fn balanced(self, gas: &[u64], threads: NonZeroUsize) -> Result<Self, ScheduleError> {
        let layers = Layers::balanced(&self.graph, gas, threads)?;
        Ok(Self {
            graph: self.graph,
            layers,
        })
    }

    /// The conflict graph.
    pub fn graph(&self) -> &ConflictGraph {
        &self.graph
    }

    /// The layers, to run one after the other.
    pub fn layers(&self) -> &Layers {
        &self.layers
    }
}

impl Serialize for Schedule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut schedule = serializer.serialize_struct("Schedule", 3)?;
        schedule.serialize_field("transactions", &self.graph.len())?;
        schedule.serialize_field("layers", &self.layers)?;
        schedule.serialize_field("edges", &EdgeList(&self.graph))?;
        schedule.end()
    }
}

/// The edges of a graph, serialized as a sequence without collecting them.
struct EdgeList<'a>(&'a ConflictGraph);

impl Serialize for EdgeList<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.edges())
    }
}
