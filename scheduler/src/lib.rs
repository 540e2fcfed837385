//! Foresight's scheduler: builds the conflict graph of a block from predicted (or observed)
//! access sets and cuts it into layers of mutually independent transactions, to run one layer
//! after the other, each on all cores.
//!
//! The entry point is [`Schedule::new`]: access sets in block order in, the sparse
//! [`ConflictGraph`] and its earliest [`Layers`] out. [`Schedule::balanced`] evens out the gas
//! of the layers for a thread count, [`Schedule::stats`] measures the schedule
//! ([`ScheduleStats`]: critical path, parallelism, speedup on N threads), the schedule
//! serializes to JSON with serde, and [`Schedule::to_dot`] renders it for Graphviz. Everything
//! is deterministic: the same access sets give the same schedule, byte for byte.
//!
//! The executor does not follow layers: it follows [`start_points`], a cheaper plan that keeps
//! only the read-after-write conflicts (it commits in block order and validates every read, so
//! the other conflicts cannot make a run wrong). [`waves`] counts the rounds that plan needs.
//!
//! ```
//! use std::num::NonZeroUsize;
//!
//! use alloy_primitives::Address;
//! use foresight_analyzer::{AccessSet, Location};
//! use foresight_scheduler::Schedule;
//!
//! let coinbase = Address::repeat_byte(0xc0);
//! let transfer = |sender: u8| {
//!     let mut set = AccessSet::new();
//!     set.writes.insert(Location::nonce(Address::repeat_byte(sender)));
//!     set.writes.insert(Location::balance(Address::repeat_byte(sender)));
//!     set.credits.insert(coinbase); // fees commute with one another
//!     set
//! };
//! let schedule = Schedule::new(&[transfer(1), transfer(2), transfer(3)]);
//! assert_eq!(schedule.layers().len(), 1);
//! let stats = schedule.stats(&[21_000; 3], NonZeroUsize::new(4).unwrap())?;
//! assert_eq!(stats.speedup, 3.0);
//! # Ok::<(), foresight_scheduler::ScheduleError>(())
//! ```

mod balance;
mod conflict;
mod dot;
mod error;
mod footprint;
mod full;
mod graph;
mod layers;
mod makespan;
mod schedule;
mod sparse;
mod start;
mod stats;

pub use conflict::{Conflict, ConflictKind, Edge, Resource};
pub use error::ScheduleError;
pub use graph::ConflictGraph;
pub use layers::Layers;
pub use schedule::Schedule;
pub use start::{start_points, waves};
pub use stats::ScheduleStats;
