//! A database wrapper that records every value revm reads during one transaction.
//!
//! Input: a read-only view ([`DatabaseRef`]). Output: the same view as a revm [`Database`], and
//! afterwards the locations read, sorted, each with the first value seen. An account load
//! counts as a read of its balance, nonce and code; the code is read as its hash, or zero when
//! the account does not exist (so that existence is validated too).

use alloy_primitives::{Address, B256, U256};
use foresight_analyzer::Location;
use revm::{Database, DatabaseRef, bytecode::Bytecode, state::AccountInfo};

/// The value recorded for an account's code: its hash, or zero when the account is absent.
pub(crate) fn code_value(info: Option<&AccountInfo>) -> U256 {
    info.map_or(U256::ZERO, |i| U256::from_be_bytes(i.code_hash.0))
}

/// Records reads of `inner` made through revm's [`Database`] interface.
#[derive(Debug)]
pub(crate) struct RecordingDb<D> {
    inner: D,
    reads: Vec<(Location, U256)>,
}

impl<D> RecordingDb<D> {
    pub(crate) fn new(inner: D) -> Self {
        Self {
            inner,
            reads: Vec::with_capacity(16),
        }
    }

    /// The reads recorded since the last call, sorted by location, each location once with
    /// the first value read. The recording buffer is kept for the next transaction; the list
    /// returned is allocated at its exact size.
    pub(crate) fn take_reads(&mut self) -> Vec<(Location, U256)> {
        self.reads.sort_by_key(|(location, _)| *location);
        self.reads.dedup_by(|later, earlier| later.0 == earlier.0);
        let reads = self.reads.to_vec();
        self.reads.clear();
        reads
    }

    pub(crate) fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    pub(crate) fn into_inner(self) -> D {
        self.inner
    }
}

impl<D: DatabaseRef> Database for RecordingDb<D> {
    type Error = D::Error;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let info = self.inner.basic_ref(address)?;
        let (balance, nonce) = info
            .as_ref()
            .map_or((U256::ZERO, 0), |i| (i.balance, i.nonce));
        self.reads.push((Location::balance(address), balance));
        self.reads
            .push((Location::nonce(address), U256::from(nonce)));
        self.reads
            .push((Location::code(address), code_value(info.as_ref())));
        Ok(info)
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        self.inner.code_by_hash_ref(code_hash)
    }

    fn storage(&mut self, address: Address, index: U256) -> Result<U256, Self::Error> {
        let value = self.inner.storage_ref(address, index)?;
        self.reads.push((Location::storage(address, index), value));
        Ok(value)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, Self::Error> {
        self.inner.block_hash_ref(number)
    }
}
