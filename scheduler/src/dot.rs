//! Graphviz rendering of a [`Schedule`].
//!
//! Input: a schedule. Output: a DOT digraph: one node per transaction (labelled by its index),
//! the edges labelled with their conflict and colored by kind (petgraph's `Dot` writes both),
//! and one `rank=same` subgraph per layer so that each layer is drawn on one row.

use std::fmt::Write;

use petgraph::dot::{Config, Dot};

use crate::{conflict::ConflictKind, schedule::Schedule};

impl Schedule {
    /// The schedule as a Graphviz DOT digraph, deterministic. Edge colors: read-after-write
    /// red, write-after-read blue, write-after-write purple, credits orange, contract widenings
    /// dark green, barriers black.
    ///
    /// ```
    /// use foresight_analyzer::{AccessSet, WideningReason};
    /// use foresight_scheduler::Schedule;
    ///
    /// let barrier = AccessSet::everything(WideningReason::NoPrediction);
    /// let dot = Schedule::new(&[AccessSet::new(), barrier]).to_dot();
    /// assert!(dot.contains("0 -> 1 [ label = \"barrier state\", color = black]"));
    /// assert!(dot.contains("{ rank=same; 1; }"));
    /// ```
    pub fn to_dot(&self) -> String {
        let graph = self.graph().as_petgraph();
        let edge_attributes = |_, edge: petgraph::graph::EdgeReference<'_, _>| {
            let conflict: &crate::Conflict = edge.weight();
            format!("label = \"{conflict}\", color = {}", color(conflict.kind))
        };
        let content = Dot::with_attr_getters(
            graph,
            &[
                Config::GraphContentOnly,
                Config::NodeIndexLabel,
                Config::EdgeNoLabel,
            ],
            &edge_attributes,
            &|_, _| String::new(),
        );

        let mut dot = format!("digraph schedule {{\n    node [shape = circle]\n{content:?}");
        for layer in self.layers().as_slice() {
            dot.push_str("    { rank=same;");
            for tx in layer {
                write!(dot, " {tx};").expect("writing to a String cannot fail");
            }
            dot.push_str(" }\n");
        }
        dot.push_str("}\n");
        dot
    }
}

/// The Graphviz color of an edge of `kind`.
const fn color(kind: ConflictKind) -> &'static str {
    match kind {
        ConflictKind::ReadAfterWrite => "red",
        ConflictKind::WriteAfterRead => "blue",
        ConflictKind::WriteAfterWrite => "purple",
        ConflictKind::AccessAfterCredit | ConflictKind::CreditAfterAccess => "orange",
        ConflictKind::ContractWidening => "darkgreen",
        ConflictKind::Barrier => "black",
    }
}
