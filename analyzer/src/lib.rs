//! Foresight's analyzer: predicts, from bytecode and before execution, which state each
//! transaction of a block reads and writes.
//!
//! This crate also owns the vocabulary that every later stage speaks ([`Location`],
//! [`AccessSet`], [`Widening`]), because the dependency order is analyzer → scheduler → executor.

mod access;

pub use access::{AccessSet, Location, Widening, WideningReason};
