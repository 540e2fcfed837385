//! Why two transactions must run in block order: the [`Conflict`] carried by every edge of the
//! conflict graph, made of a [`ConflictKind`] and the [`Resource`] both transactions access.
//!
//! Input: how the earlier and the later transaction access one resource. Output: the kind of
//! their conflict, if any, and its serializable and printable description.

use std::fmt;

use alloy_primitives::Address;
use foresight_analyzer::Location;
use serde::{Deserialize, Serialize};

use crate::footprint::AccessFlags;

/// What kind of dependency orders two transactions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The later transaction reads what the earlier one writes.
    ReadAfterWrite,
    /// The later transaction writes what the earlier one reads.
    WriteAfterRead,
    /// Both write the same location.
    WriteAfterWrite,
    /// The later transaction reads or writes a balance that the earlier one credits.
    AccessAfterCredit,
    /// The later transaction credits a balance that the earlier one reads or writes.
    CreditAfterAccess,
    /// One of them may access the whole storage of a contract whose storage the other accesses.
    ContractWidening,
    /// One of them may access anything: it is ordered against every transaction.
    Barrier,
}

impl ConflictKind {
    /// The kind of conflict between an earlier and a later access of one location, or `None` if
    /// they commute (two reads, or two credits).
    ///
    /// When several kinds apply, a read-after-write is preferred, then a write-after-write, then
    /// a write-after-read, then the credit kinds.
    pub(crate) const fn between(earlier: AccessFlags, later: AccessFlags) -> Option<Self> {
        if earlier.writes() && later.reads() {
            Some(Self::ReadAfterWrite)
        } else if earlier.writes() && later.writes() {
            Some(Self::WriteAfterWrite)
        } else if earlier.reads() && later.writes() {
            Some(Self::WriteAfterRead)
        } else if earlier.credits() && (later.reads() || later.writes()) {
            Some(Self::AccessAfterCredit)
        } else if (earlier.reads() || earlier.writes()) && later.credits() {
            Some(Self::CreditAfterAccess)
        } else {
            None
        }
    }

    /// A short name for labels: `RAW`, `WAR`, `WAW`, `credit→access`, `access→credit`,
    /// `widening`, `barrier`.
    pub const fn label(self) -> &'static str {
        match self {
            Self::ReadAfterWrite => "RAW",
            Self::WriteAfterRead => "WAR",
            Self::WriteAfterWrite => "WAW",
            Self::AccessAfterCredit => "credit→access",
            Self::CreditAfterAccess => "access→credit",
            Self::ContractWidening => "widening",
            Self::Barrier => "barrier",
        }
    }
}

/// The state two conflicting transactions both access.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "scope", rename_all = "snake_case")]
pub enum Resource {
    /// One concrete location.
    Location(Location),
    /// The whole storage of a contract (one side widened to it).
    Storage {
        /// The contract.
        address: Address,
    },
    /// The whole state (one side is a barrier).
    State,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Location(Location::Balance { address }) => write!(f, "balance {address}"),
            Self::Location(Location::Nonce { address }) => write!(f, "nonce {address}"),
            Self::Location(Location::Code { address }) => write!(f, "code {address}"),
            Self::Location(Location::Storage { address, slot }) => {
                write!(f, "storage {address}[{slot:#x}]")
            }
            Self::Storage { address } => write!(f, "storage {address}[*]"),
            Self::State => f.write_str("state"),
        }
    }
}

/// Why an edge exists: the kind of conflict and the resource it is on.
///
/// Two transactions may conflict on several resources; their edge carries one of those
/// conflicts: the first found while scanning the later transaction's accesses in a fixed order
/// (its writes, reads and credits, each sorted, with the contract-wide check of a storage access
/// right after it; then its contract widenings; then the barrier check), so the choice is
/// deterministic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Conflict {
    /// The kind of dependency.
    pub kind: ConflictKind,
    /// The state both transactions access.
    pub resource: Resource,
}

impl Conflict {
    /// The conflict of a barrier with any other transaction.
    pub(crate) const BARRIER: Self = Self {
        kind: ConflictKind::Barrier,
        resource: Resource::State,
    };

    /// The conflict between a widening of `address`'s storage and another access of it.
    pub(crate) const fn contract_widening(address: Address) -> Self {
        Self {
            kind: ConflictKind::ContractWidening,
            resource: Resource::Storage { address },
        }
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind.label(), self.resource)
    }
}

/// One edge of the conflict graph: `from` precedes `to` in block order and must run first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Edge {
    /// The earlier transaction (index in the block).
    pub from: usize,
    /// The later transaction (index in the block).
    pub to: usize,
    /// Why they are ordered.
    #[serde(flatten)]
    pub conflict: Conflict,
}
