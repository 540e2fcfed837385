//! Instantiation: turns cached entry summaries into one transaction's predicted access set.
//!
//! Input: a [`TxInput`], its [`BlockContext`], a read-only [`StateView`] of the pre-state, and
//! the summary cache. Output: a [`Prediction`]. Expressions are evaluated with the concrete
//! calldata, caller, value and block fields, and storage values from the pre-state (at most
//! [`MAX_STATE_READS`] reads per transaction); calls whose target resolves are followed (depth
//! [`MAX_CALL_DEPTH`], at most [`MAX_FRAMES`] frames) through proxies, precompiles, EIP-7702
//! delegations and creations; what a callee returns is evaluated in its frame and handed to
//! the caller's expressions that use it. Whatever cannot be resolved widens soundly, with a
//! reason.

use std::{
    borrow::Cow,
    hash::{BuildHasher, Hash, Hasher},
};

use alloy_primitives::{Address, B256, Bytes, U256, map::foldhash::fast::FixedState};
use serde::Serialize;

use crate::{
    AccessSet, Location, LocationSet, Widening, WideningReason,
    cache::{Cache, CodeEntry, Specialisation},
    expr::{
        Env, EvalEnv, Expr, ExprTable, FrameBlock, FrameFacts, FrameSenders, Memo, Seg,
        extend_zero_padded, hash_known_mask,
    },
    interpret::{AnalysisLimits, CalleeCheck, MAX_RETURN_WORDS, PreStateReaders},
    proxy::{self, BEACON_IMPLEMENTATION_SLOTS, BEACON_SLOT, CodeProxy, IMPLEMENTATION_SLOTS},
    summary::{CallInput, CallKind, Effect, EntryKey, EntrySummary, Guard},
    untrusted::UntrustedStorage,
};

/// Deepest call nesting followed (the transaction's own frame is depth 0). On the mainnet
/// corpus (`accuracy --runs 1`), 12 leaves 197 transactions widened to everything where 8 left
/// 199 (a fee-on-transfer token's `transferFrom` swapping its fee through a router and pair
/// nests deeper than 8); 16 changes nothing more.
pub const MAX_CALL_DEPTH: u32 = 12;
/// Most frames instantiated per transaction.
pub const MAX_FRAMES: u32 = 64;
/// Most pre-state reads (storage, nonce, code) per transaction.
pub const MAX_STATE_READS: u32 = 512;
/// Most frames per transaction analysed again with their own calldata. On the mainnet corpus
/// (`accuracy --runs 1`), 16 leaves 231 transactions widened to everything where 8 left 235
/// (a 1inch swap that calls one Uniswap-V3 pool four times), for 1.7% more cold steps.
pub const MAX_SPECIALISED: u32 = 16;
/// Most frames per transaction whose storage-aware summary is asked for (counted apart from
/// [`MAX_SPECIALISED`]: whether such a summary is asked depends on what the cache learnt, and
/// the frames specialised to their calldata must not).
pub const MAX_STORAGE_AWARE: u32 = 8;
/// Disjuncts kept per program point when a frame is analysed with its own calldata: enough
/// for the iterations of a loop over a calldata array to stay apart.
const SPECIALISED_STATES_PER_POINT: usize = 16;
/// Disjuncts kept per program point when a shape that recurs is analysed again: paid once per
/// shape, instead of an exact analysis per frame (a Uniswap-V2 router's two-hop swap keeps its
/// pairs apart only past 32 disjuncts).
const WIDE_STATES_PER_POINT: usize = 64;
/// Instructions interpreted when a frame's calldata shape is analysed (a little more than a
/// general summary: a Uniswap-V2 router's swap needs 21,520 with 16 states per point).
const SHAPE_MAX_STEPS: u32 = 24_000;
/// Instructions interpreted when a shape that recurs is analysed again.
const WIDE_MAX_STEPS: u32 = 40_000;
/// Instructions interpreted per frame specialised to its exact calldata (paid per frame,
/// unlike a shape's summary, which frames alike share): a frame that needs more keeps the
/// better of its general and shape summaries. A reflection token's `transfer` of an amount
/// its caller computed (unknown to the analysis) completes in 109,383 (12,265 with the amount
/// known), a lottery's `7ec45b49` of block 5283152 in 133,008. On the mainnet corpus
/// (`accuracy --runs 1`), 80,000 leaves 202 transactions widened to everything, a
/// parallelism ratio of 0.8222 and 46.4M cold steps; 120,000 201, 0.8229, 49.6M; 140,000 199,
/// 0.8223, 51.2M; 160,000 199, 0.8223, 52.4M; 200,000 199, 0.8223, 54.4M.
const EXACT_MAX_STEPS: u32 = 140_000;
/// Disjuncts kept per program point when a frame is analysed with its exact calldata. Since a
/// state joins the disjunct closest to it, a Uniswap-V2 router's three-token swap keeps its
/// pairs apart with 16 as with 32 (16,787 and 17,525 steps; before, 16 joined them). On the
/// mainnet corpus (`accuracy --runs 1`), 24 leaves 206 transactions widened to everything
/// (ratio 0.8208), 32 199 (0.8223), 48 200 (0.8173).
const EXACT_STATES_PER_POINT: usize = 32;
/// Longest calldata built for a nested call.
const MAX_CALLDATA: usize = 1 << 17;
/// Cancun's activation timestamp on mainnet (EIP-6780 changes SELFDESTRUCT).
const CANCUN_TIMESTAMP: u64 = 1_710_338_135;
/// Spurious Dragon's activation block on mainnet (EIP-161: touched empty accounts vanish).
const SPURIOUS_DRAGON_BLOCK: u64 = 2_675_000;

/// Read-only pre-state, implemented by the corpus / executor side.
pub trait StateView {
    /// The code of an account (`None`: no code).
    fn code(&self, address: Address) -> Option<Bytes>;
    /// The keccak256 of that code, when the state already holds it (accounts do): saves
    /// hashing the code on a cache miss. `None` (the default): the analyzer hashes the code.
    /// A hash that is not the code's would pair the code with another code's summaries.
    fn code_hash(&self, _address: Address) -> Option<B256> {
        None
    }
    /// A storage slot (zero when absent).
    fn storage(&self, address: Address, slot: U256) -> U256;
    /// The balance of an account.
    fn balance(&self, address: Address) -> U256;
    /// The nonce of an account.
    fn nonce(&self, address: Address) -> u64;
}

/// One transaction, as the analyzer needs it.
///
/// Its EIP-2930 access list is left out: revm marks the listed locations warm without reading
/// them, so the list is no access of its own (an entry the code uses, the code reads, and the
/// summary predicts there).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TxInput {
    /// Sender.
    pub from: Address,
    /// Recipient (`None`: contract creation).
    pub to: Option<Address>,
    /// Value sent.
    pub value: U256,
    /// Calldata (or init code for a creation).
    pub input: Bytes,
    /// Sender's nonce.
    pub nonce: u64,
    /// Gas limit.
    pub gas_limit: u64,
}

/// The block fields a prediction may depend on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockContext {
    /// Beneficiary (credited with fees).
    pub coinbase: Address,
    /// Block number.
    pub number: u64,
    /// Block timestamp.
    pub timestamp: u64,
}

/// Where and why a prediction widened.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct WideningDetail {
    /// Why.
    pub reason: WideningReason,
    /// Whether the whole state was widened (otherwise one contract's storage).
    pub everything: bool,
    /// The account whose frame widened.
    pub address: Option<Address>,
    /// The code hash that frame was running.
    pub code_hash: Option<B256>,
    /// The entry (selector) of that frame.
    pub entry: Option<EntryKey>,
}

/// A transaction's predicted access set and how it was obtained.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Prediction {
    /// The predicted reads, writes, credits and widenings.
    pub access: AccessSet,
    /// Every widening with the frame it came from, in discovery order.
    pub details: Vec<WideningDetail>,
    /// Frames instantiated (the transaction's own frame included).
    pub frames: u32,
    /// Pre-state reads made.
    pub state_reads: u32,
    /// The storage locations whose pre-state values the prediction used (to resolve slots,
    /// targets, calldata and proxies), sorted. If an earlier transaction of the block writes
    /// one of them, the prediction may be stale: see [`crate::widen_stale_loads`].
    #[serde(skip)]
    pub loads: Vec<Location>,
    /// The storage locations whose pre-state values decided the paths of a summary analysed
    /// for one frame (branches, loop bounds, targets), or told that the transaction leaves a
    /// slot it writes as it was (a re-entrancy lock: a read, not a write), sorted. If an
    /// earlier transaction of the block writes one of them, the whole prediction may be
    /// wrong, not only the slots derived from it: see [`crate::revise_stale_assumptions`].
    #[serde(skip)]
    pub assumed: Vec<Location>,
    /// The accounts whose pre-state nonce numbered the contracts the transaction creates
    /// with CREATE, each with how many it creates: an earlier transaction of the block that
    /// creates from the same account moves those numbers (see
    /// [`crate::revise_stale_nonces`]).
    #[serde(skip)]
    pub creators: Vec<(Address, u64)>,
}

impl Prediction {
    /// Adds what `other`, another prediction of the same transaction, names: the result
    /// covers both (a transaction predicted against two possible pre-states).
    pub fn absorb(&mut self, other: Prediction) {
        self.access.extend(&other.access);
        for d in other.details {
            if !self.details.contains(&d) {
                self.details.push(d);
            }
        }
        for (mine, theirs) in [
            (&mut self.loads, other.loads),
            (&mut self.assumed, other.assumed),
        ] {
            mine.extend(theirs);
            mine.sort_unstable();
            mine.dedup();
        }
    }
}

/// The calldata of one frame, possibly partly unknown.
struct Data<'t> {
    bytes: Cow<'t, [u8]>,
    /// Per-byte knownness; `None` when every byte is known.
    mask: Option<Vec<bool>>,
    /// Whether the length is known (then bytes past the end read as zero).
    size_known: bool,
}

impl Data<'_> {
    fn known(&self, p: usize) -> bool {
        self.mask
            .as_ref()
            .is_none_or(|m| m.get(p).copied().unwrap_or(false))
    }

    fn read(&self, off: U256, len: usize, out: &mut Vec<u8>) -> bool {
        let Ok(off) = usize::try_from(off) else {
            if self.size_known {
                out.extend(std::iter::repeat_n(0, len));
                return true;
            }
            return false;
        };
        if self.mask.is_none() && self.size_known {
            // Every byte known: copy what exists, zero-pad the rest.
            extend_zero_padded(out, &self.bytes, off, len);
            return true;
        }
        for i in 0..len {
            let p = off.saturating_add(i);
            match self.bytes.get(p) {
                Some(b) if self.known(p) => out.push(*b),
                Some(_) => return false,
                None if self.size_known => out.push(0),
                None => return false,
            }
        }
        true
    }

    /// Appends `len` bytes from `off` and their knownness (partly unknown calldata forwarded
    /// as a whole); `false` when the bytes past the end are of unknown number.
    fn copy(&self, off: U256, len: usize, out: &mut Vec<u8>, mask: &mut Vec<bool>) -> bool {
        let Ok(off) = usize::try_from(off) else {
            return false;
        };
        mask.truncate(out.len());
        for p in off..off.saturating_add(len) {
            match self.bytes.get(p) {
                Some(b) => {
                    out.push(*b);
                    mask.push(self.known(p));
                }
                None if self.size_known => {
                    out.push(0);
                    mask.push(true);
                }
                None => return false,
            }
        }
        true
    }

    fn key(&self) -> EntryKey {
        if self.size_known && self.bytes.is_empty() {
            return EntryKey::Empty;
        }
        let mut sel = Vec::with_capacity(4);
        if self.bytes.len() >= 4 && self.read(U256::ZERO, 4, &mut sel) {
            return EntryKey::Selector(u32::from_be_bytes([sel[0], sel[1], sel[2], sel[3]]));
        }
        EntryKey::Any
    }
}

/// One executing frame.
struct Frame<'t> {
    entry: std::sync::Arc<CodeEntry>,
    /// The account whose storage, balance and ADDRESS the frame uses.
    this: Address,
    caller: Address,
    value: Option<U256>,
    data: Data<'t>,
    depth: u32,
    key: EntryKey,
    /// How many writes the transaction had listed when this frame started: the storage
    /// those name no longer holds its pre-state values here.
    written_before: usize,
    /// The frame's number in the transaction (set when it is instantiated).
    serial: u32,
    /// Whether the frame runs init code: what it returns is the code of `this`.
    creation: bool,
    /// Whether the frame may run late: after frames instantiated after it (its call, or a
    /// caller's, is a late run; see [`crate::EntrySummary::late`]). What it reads from the
    /// pre-state and returns from storage may then be stale.
    late: bool,
}

impl Frame<'_> {
    /// A hash of everything the frame's effects depend on besides the pre-state.
    fn fingerprint(&self) -> u64 {
        let mut h = FixedState::default().build_hasher();
        self.entry.hash.hash(&mut h);
        self.key.hash(&mut h);
        self.this.hash(&mut h);
        self.caller.hash(&mut h);
        self.value.hash(&mut h);
        self.data.bytes.hash(&mut h);
        hash_known_mask(self.data.mask.as_deref(), &mut h);
        self.data.size_known.hash(&mut h);
        h.finish()
    }
}

/// Per-transaction instantiation state.
/// Pre-state a pass read that the transaction may have changed first (see
/// [`Inst::stale_reads`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct StaleReads {
    /// Accounts whose frames' words read from storage late runs do not take.
    pub(crate) accounts: Vec<Address>,
    /// Slots not read from the pre-state.
    pub(crate) slots: Vec<Location>,
}

impl StaleReads {
    /// Whether there is nothing to distrust.
    pub(crate) fn is_empty(&self) -> bool {
        self.accounts.is_empty() && self.slots.is_empty()
    }

    /// Adds `other`'s accounts and slots.
    pub(crate) fn extend(&mut self, other: StaleReads) {
        self.accounts.extend(other.accounts);
        self.slots.extend(other.slots);
    }
}

pub(crate) struct Inst<'a> {
    cache: &'a Cache,
    limits: &'a AnalysisLimits,
    state: &'a dyn StateView,
    block: &'a BlockContext,
    origin: Address,
    access: AccessSet,
    details: Vec<WideningDetail>,
    reads_left: u32,
    frames: u32,
    /// Frames analysed again with their own calldata.
    specialised: u32,
    /// Frames whose storage-aware summary was asked for.
    storage_aware: u32,
    /// Whether frames whose general summary leaves something open are analysed with their
    /// own calldata (the second pass, for a transaction the general summaries widen to the
    /// whole state).
    specialise: bool,
    /// Storage that storage-aware summaries (of frames analysed with their exact calldata, or
    /// `Specialisation::Stored`) do not take from the pre-state; they take the rest as known
    /// (see [`Prediction::assumed`]).
    untrusted: &'a UntrustedStorage,
    /// Whether the pass gives up at the first frame whose summary certainly widens to the
    /// whole state (see [`crate::EntrySummary::certainly_widens_everything`]), without instantiating
    /// the rest: for a first pass whose accesses a second pass replaces.
    give_up_early: bool,
    /// Whether it did: the accesses listed so far are not all the pass would list, so it
    /// must not be finished.
    gave_up_early: bool,
    everything: bool,
    sload_memo: Vec<(Address, U256, U256)>,
    /// Storage read from the pre-state (see [`Prediction::loads`]).
    loads: Vec<Location>,
    /// Storage whose pre-state values decided a summary (see [`Prediction::assumed`]).
    assumed: Vec<Location>,
    /// Fingerprints of the frames instantiated so far: a frame identical to one already
    /// instantiated (same code, entry, account, caller, value and calldata) adds nothing, so
    /// cycles of calls with unknown calldata end here instead of at the depth limit.
    seen_frames: Vec<u64>,
    /// Locations read, unsorted with repeats (sorted into `access` by [`Self::finish`]).
    reads: Vec<Location>,
    /// Locations written, likewise.
    writes: Vec<Location>,
    /// One evaluation memo per call depth (a caller's values survive its callees), reused
    /// across transactions of one thread.
    memos: Vec<Memo>,
    /// Accounts whose balance, nonce and code are already in `reads`.
    accounts: Vec<Address>,
    /// What the calls of the frames on the current call stack returned.
    returned: Vec<CallReturn>,
    /// Accounts the transaction creates (their runtime code is not in the pre-state).
    created: Vec<Address>,
    /// The code creations of this transaction deploy, where their constructors' summaries
    /// give it (what their RETURN returns), latest last.
    deployed: Vec<(Address, Bytes)>,
    /// See [`Prediction::creators`].
    creators: Vec<(Address, u64)>,
    /// Accounts whose frames returned to a late run of a call a word read from their
    /// storage (see [`Self::late_return`]).
    trusted_late: Vec<Address>,
    /// Accounts whose storage the transaction writes (as found by an earlier run of this
    /// pass): a late run takes no word their frames return from storage.
    stale_storage: Vec<Address>,
    /// Pre-state values frames took as known, with the number of the frame.
    known_loads: Vec<(Location, u32)>,
    /// The storage writes among `writes` (the only ones), with the number of the frame that
    /// made them.
    storage_writes: Vec<(Location, u32)>,
    /// Slots another frame of the transaction writes (as found by an earlier run of this
    /// pass): their pre-state values are not taken as known.
    stale_slots: Vec<Location>,
    /// The call depth of each frame, by number.
    frame_depths: Vec<u32>,
    /// Whether each frame, by number, may run late (see `Frame::late`).
    frame_late: Vec<bool>,
    /// Whether the call or creation being instantiated may run late: the frame making it
    /// may, or its summary lists a late run of it.
    late_callee: bool,
    /// What the frames on the call stack had stored at constant slots before the calls now
    /// running (see [`crate::EntrySummary::call_stores`]), innermost last; `None` once a
    /// frame wrote the slot since. Frames that re-enter those contracts read these values.
    in_flight: Vec<(Location, Option<U256>)>,
    /// What frames that returned had last stored on every returning path (see
    /// [`crate::EntrySummary::exit_stores`]), oldest first; `None` once a frame wrote the
    /// slot since. Later frames read these values.
    settled: Vec<(Location, Option<U256>)>,
    /// Per entry of `settled`, whether its slot and value depend on the frame's inputs alone
    /// (no storage value, no call result): what earlier transactions write cannot change it.
    settled_from_inputs: Vec<bool>,
    /// Whether a summary instantiated makes its calls out of the order it lists them (see
    /// [`crate::EntrySummary::ordered`]): frames instantiated later may then run earlier.
    unordered: bool,
}

/// The words a frame returned (`None`: not known), and the storage it loaded from the
/// pre-state to know them: those count as the prediction's loads only once a caller uses a
/// word.
#[derive(Debug, Clone, PartialEq)]
struct FrameReturn {
    /// The account whose storage the frame used.
    account: Address,
    words: Box<[Option<U256>]>,
    /// Bit `i` set: word `i` reads the frame's storage (at most [`MAX_RETURN_WORDS`] words).
    stored: u8,
    loads: Box<[Location]>,
}

impl FrameReturn {
    /// What two runs of one call instruction both returned: the words they agree on, known
    /// from the loads of either; `None` when they agree on none.
    fn merge(self, other: Self) -> Option<Self> {
        let n = self.words.len().max(other.words.len());
        let words: Box<[Option<U256>]> = (0..n)
            .map(|i| match (self.words.get(i), other.words.get(i)) {
                (Some(Some(a)), Some(Some(b))) if a == b => Some(*a),
                _ => None,
            })
            .collect();
        if words.iter().all(Option::is_none) {
            return None;
        }
        let stored = self.stored | other.stored;
        let mut loads = self.loads.into_vec();
        for l in &other.loads {
            if !loads.contains(l) {
                loads.push(*l);
            }
        }
        Some(Self {
            account: self.account,
            words,
            stored,
            loads: loads.into_boxed_slice(),
        })
    }

    fn reads_storage(&self, word: usize) -> bool {
        word < MAX_RETURN_WORDS as usize && self.stored & (1 << word) != 0
    }

    /// The words that do not read the frame's storage (`None` when there are none).
    fn without_storage(&self) -> Option<Self> {
        let words: Box<[Option<U256>]> = (0..self.words.len())
            .map(|i| self.words[i].filter(|_| !self.reads_storage(i)))
            .collect();
        words.iter().any(Option::is_some).then(|| Self {
            account: self.account,
            words,
            stored: self.stored,
            loads: self.loads.clone(),
        })
    }
}

/// What the call instruction at `pc` of the frame at `depth` returned (`None`: unknown, or
/// calls made there agreed on no word).
struct CallReturn {
    depth: u32,
    pc: u32,
    ret: Option<FrameReturn>,
}

thread_local! {
    /// The evaluation memos of the thread's last prediction, reused by the next one.
    static MEMOS: std::cell::Cell<Vec<Memo>> = const { std::cell::Cell::new(Vec::new()) };
}

struct FrameEnv<'x, 't> {
    frame: &'x Frame<'t>,
    state: &'x dyn StateView,
    block: &'x BlockContext,
    origin: Address,
    reads_left: &'x mut u32,
    memo: &'x mut Vec<(Address, U256, U256)>,
    loads: &'x mut Vec<Location>,
    /// What the frames before this one wrote: those slots no longer hold their pre-state
    /// values. (The frame's own writes are not among them: their order against its loads is
    /// its summary's business.)
    written: &'x [Location],
    /// See [`Inst::in_flight`].
    in_flight: &'x [(Location, Option<U256>)],
    /// See [`Inst::settled`].
    settled: &'x [(Location, Option<U256>)],
    /// Slots whose pre-state values another frame of the transaction may have changed before
    /// this one reads them (see [`Inst::stale_reads`]).
    stale: &'x [Location],
    /// Pre-state values taken as known, with the number of the frame that took them.
    known_loads: &'x mut Vec<(Location, u32)>,
    returned: &'x [CallReturn],
}

impl EvalEnv for FrameEnv<'_, '_> {
    fn calldata(&mut self, offset: U256, len: usize, out: &mut Vec<u8>) -> bool {
        self.frame.data.read(offset, len, out)
    }

    fn calldata_word(&mut self, offset: U256, out: &mut [u8; 32]) -> bool {
        let d = &self.frame.data;
        if d.mask.is_none() && d.size_known {
            if let Ok(off) = usize::try_from(offset) {
                let have = d.bytes.get(off..).unwrap_or(&[]);
                let n = have.len().min(32);
                out[..n].copy_from_slice(&have[..n]);
                out[n..].fill(0);
            } else {
                out.fill(0);
            }
            return true;
        }
        let mut buf = Vec::with_capacity(32);
        if !d.read(offset, 32, &mut buf) || buf.len() != 32 {
            return false;
        }
        out.copy_from_slice(&buf);
        true
    }

    fn env(&mut self, v: Env) -> Option<U256> {
        Some(match v {
            Env::Caller => self.frame.caller.into_word().into(),
            Env::Origin => self.origin.into_word().into(),
            Env::CallValue => self.frame.value?,
            Env::Address => self.frame.this.into_word().into(),
            Env::CallDataSize => {
                if !self.frame.data.size_known {
                    return None;
                }
                U256::from(self.frame.data.bytes.len())
            }
            Env::Coinbase => self.block.coinbase.into_word().into(),
            Env::Timestamp => U256::from(self.block.timestamp),
            Env::Number => U256::from(self.block.number),
        })
    }

    fn returned(&mut self, pc: u32, offset: u32) -> Option<U256> {
        if !offset.is_multiple_of(32) {
            return None;
        }
        let depth = self.frame.depth;
        let call = self
            .returned
            .iter()
            .find(|r| r.depth == depth && r.pc == pc)?;
        let ret = call.ret.as_ref()?;
        let word = (*ret.words.get(offset as usize / 32)?)?;
        self.loads.extend_from_slice(&ret.loads);
        Some(word)
    }

    fn sload(&mut self, slot: U256) -> Option<U256> {
        let this = self.frame.this;
        let location = Location::storage(this, slot);
        if self.written.contains(&location) || self.stale.contains(&location) {
            // Written earlier in the transaction (a proxy's message sender, set by one call
            // and read by the next): the pre-state value is stale, unless a caller stored
            // a known value there before calling, or a frame that returned left one.
            return known_value(self.in_flight, self.settled, &location);
        }
        self.known_loads.push((location, self.frame.serial));
        if let Some(&(_, _, v)) = self.memo.iter().find(|(a, s, _)| *a == this && *s == slot) {
            // Recorded again: the first load may have been for a return value never used.
            self.loads.push(Location::storage(this, slot));
            return Some(v);
        }
        if *self.reads_left == 0 {
            return None;
        }
        *self.reads_left -= 1;
        let v = self.state.storage(this, slot);
        self.loads.push(Location::storage(this, slot));
        if self.memo.len() < 64 {
            self.memo.push((this, slot, v));
        }
        Some(v)
    }

    fn code(&mut self, start: u32, len: usize, out: &mut Vec<u8>) {
        extend_zero_padded(out, self.frame.entry.code.bytes(), start as usize, len);
    }
}

/// Whether `a` is a precompile on some fork the corpus covers (0x01..=0x11, P256 at 0x100).
fn is_precompile(a: Address) -> bool {
    let b = a.as_slice();
    if b[..18].iter().any(|x| *x != 0) {
        return false;
    }
    let n = u16::from_be_bytes([b[18], b[19]]);
    (1..=0x11).contains(&n) || n == 0x100
}

/// Reads the pre-state storage of `this` for an analysis, spending the transaction's read
/// budget (`None` once it is spent).
fn pre_state_reader<'a>(
    state: &'a dyn StateView,
    this: Address,
    reads_left: &'a mut u32,
) -> impl FnMut(U256) -> Option<U256> + 'a {
    move |slot| {
        *reads_left = reads_left.checked_sub(1)?;
        Some(state.storage(this, slot))
    }
}

/// The value the transaction is known to have left at `l`: the innermost entry of
/// `in_flight` (see [`Inst::in_flight`]), else the newest of `settled` ([`Inst::settled`]), if
/// not written since.
fn known_value(
    in_flight: &[(Location, Option<U256>)],
    settled: &[(Location, Option<U256>)],
    l: &Location,
) -> Option<U256> {
    let newest =
        |v: &[(Location, Option<U256>)]| v.iter().rev().find(|(x, _)| x == l).and_then(|&(_, v)| v);
    newest(in_flight).or_else(|| newest(settled))
}

/// What a summary of one frame may take as known of its storage (see
/// [`Inst::frame_storage`]).
#[derive(Debug, Default)]
struct FrameStorage {
    /// Slots read as unknown, sorted.
    withheld: Box<[U256]>,
    /// Slots whose values the transaction is known to have left there (see
    /// [`Inst::known_storage`]), `(slot, value)` sorted by slot.
    stored: Box<[(U256, U256)]>,
}

/// Whether a CALL from `this` to `target`, running `entry`, leaves `this`'s storage as it
/// was, in the pre-state (see [`CalleeCheck`]): `target` is a precompile, or another account
/// whose pre-state code, on that entry, makes no call other than STATICCALL and creates
/// nothing, as far as its complete summary shows; or a proxy whose entry only delegates (to
/// an address its pre-state storage holds at a constant slot) to such code. An account
/// without code is not cleared: the transaction may have created a contract there.
fn cannot_reenter(
    cache: &Cache,
    limits: &AnalysisLimits,
    state: &dyn StateView,
    deployed: &[(Address, Bytes)],
    this: Address,
    target: Address,
    entry: EntryKey,
) -> bool {
    if is_precompile(target) {
        return true;
    }
    let runs_quietly = |code_of: Address, delegates: bool| {
        if code_of == this || deployed.iter().any(|(d, _)| *d == code_of) {
            return None;
        }
        let code = state.code(code_of).filter(|c| !c.is_empty())?;
        let code_entry = cache.get(Some(code_of), &code, || state.code_hash(code_of));
        if code_entry.proxy.is_some() {
            return None;
        }
        let summary = code_entry.entry(entry, limits);
        let mut implementations = Vec::new();
        for e in summary.effects.iter() {
            match e {
                Effect::Call {
                    kind: CallKind::StaticCall,
                    ..
                } => {}
                Effect::Call {
                    kind: CallKind::DelegateCall,
                    target: to,
                    ..
                } if delegates => {
                    let slot = summary.exprs.stored_address_slot(*to)?;
                    implementations.push(proxy::to_address(state.storage(code_of, slot)));
                }
                Effect::Call { .. }
                | Effect::Create { .. }
                | Effect::Widen(WideningReason::UnresolvedJump) => return None,
                _ => {}
            }
        }
        summary.complete.then_some(implementations)
    };
    if target == this {
        return false;
    }
    // The implementations run in the proxy's storage, not in `this`'s: only their calls
    // could re-enter.
    runs_quietly(target, true).is_some_and(|implementations| {
        implementations
            .into_iter()
            .all(|i| runs_quietly(i, false).is_some_and(|more| more.is_empty()))
    })
}

/// Like [`pre_state_reader`], but a slot of `known.withheld` reads as unknown and one of
/// `known.stored` as the value stored there, without spending the budget.
fn trusted_pre_state_reader<'a>(
    state: &'a dyn StateView,
    this: Address,
    known: &'a FrameStorage,
    reads_left: &'a mut u32,
) -> impl FnMut(U256) -> Option<U256> + 'a {
    let mut read = pre_state_reader(state, this, reads_left);
    move |slot| {
        if known.withheld.binary_search(&slot).is_ok() {
            return None;
        }
        match known.stored.binary_search_by_key(&slot, |&(s, _)| s) {
            Ok(i) => Some(known.stored[i].1),
            Err(_) => read(slot),
        }
    }
}

impl Drop for Inst<'_> {
    /// Hands the memo buffers back to the thread, whether or not the prediction was finished
    /// (a whole-state prediction that is analysed again is dropped unfinished).
    fn drop(&mut self) {
        MEMOS.set(std::mem::take(&mut self.memos));
    }
}

impl<'a> Inst<'a> {
    pub(crate) fn new(
        cache: &'a Cache,
        limits: &'a AnalysisLimits,
        state: &'a dyn StateView,
        block: &'a BlockContext,
        origin: Address,
        specialise: bool,
        untrusted: &'a UntrustedStorage,
    ) -> Self {
        Self {
            cache,
            limits,
            state,
            block,
            origin,
            access: AccessSet::new(),
            details: Vec::new(),
            reads_left: MAX_STATE_READS,
            frames: 0,
            specialised: 0,
            storage_aware: 0,
            specialise,
            untrusted,
            give_up_early: false,
            gave_up_early: false,
            everything: false,
            sload_memo: Vec::new(),
            loads: Vec::new(),
            assumed: Vec::new(),
            seen_frames: Vec::new(),
            reads: Vec::with_capacity(8),
            writes: Vec::with_capacity(4),
            memos: MEMOS.take(),
            accounts: Vec::with_capacity(8),
            returned: Vec::new(),
            created: Vec::new(),
            deployed: Vec::new(),
            creators: Vec::new(),
            trusted_late: Vec::new(),
            stale_storage: Vec::new(),
            known_loads: Vec::new(),
            storage_writes: Vec::new(),
            stale_slots: Vec::new(),
            in_flight: Vec::new(),
            settled: Vec::new(),
            settled_from_inputs: Vec::new(),
            frame_depths: Vec::new(),
            frame_late: Vec::new(),
            late_callee: false,
            unordered: false,
        }
    }

    /// This pass, taking none of `reads.slots` from the pre-state, and no word the frames of
    /// `reads.accounts` return from storage at a late run (see [`Self::stale_reads`]).
    pub(crate) fn distrusting(mut self, reads: &StaleReads) -> Self {
        self.stale_storage.clone_from(&reads.accounts);
        self.stale_slots.clone_from(&reads.slots);
        self
    }

    /// What this pass read as the pre-state that the transaction may have changed first.
    ///
    /// A frame's loads see the writes of the frames instantiated before it, and its own are
    /// its summary's business. Two cases escape that:
    /// - a frame's load of a slot one of its callees writes (a delegate writing the caller's
    ///   storage): the load may come after the call;
    /// - a frame that may run late (see `Frame::late`) runs after frames instantiated after
    ///   it: a balance read back, by a call that also ran before, after the swap that
    ///   transfers to it. Its loads of a slot another frame writes are suspect, and so are
    ///   the words a late run took from the storage of an account the transaction writes.
    ///
    /// A pass with such reads is run again, distrusting them.
    pub(crate) fn stale_reads(&self) -> StaleReads {
        let mut accounts: Vec<Address> = self
            .trusted_late
            .iter()
            .copied()
            .filter(|a| {
                !self.stale_storage.contains(a)
                    && self.storage_writes.iter().any(|(l, _)| l.address() == *a)
            })
            .collect();
        accounts.sort_unstable();
        accounts.dedup();
        let late = |f: u32| self.frame_late.get(f as usize).copied().unwrap_or(true);
        let mut slots: Vec<Location> = self
            .known_loads
            .iter()
            .filter(|&&(l, f)| {
                !self.stale_slots.contains(&l)
                    && self
                        .storage_writes
                        .iter()
                        .any(|&(w, g)| w == l && g != f && (late(f) || self.descends(g, f)))
            })
            .map(|&(l, _)| l)
            .collect();
        slots.sort_unstable();
        slots.dedup();
        StaleReads { accounts, slots }
    }

    /// Whether frame `g` ran inside frame `f` (was instantiated after it, and every frame
    /// from `f`'s next to `g` is deeper than `f`).
    fn descends(&self, g: u32, f: u32) -> bool {
        let depth = |n: u32| self.frame_depths.get(n as usize).copied().unwrap_or(0);
        g > f && (f + 1..=g).all(|n| depth(n) > depth(f))
    }

    /// Whether the prediction so far widens to the whole state.
    pub(crate) fn everything(&self) -> bool {
        self.everything
    }

    /// This pass, giving up at the first frame whose summary certainly widens to the whole
    /// state (general summaries only): its accesses are then incomplete.
    pub(crate) fn giving_up_early(mut self) -> Self {
        self.give_up_early = true;
        self
    }

    pub(crate) fn finish(mut self) -> Prediction {
        debug_assert!(
            !self.gave_up_early,
            "a pass that gave up early lists too little"
        );
        if !self.unordered {
            self.drop_restored_writes();
        }
        let mut access = std::mem::take(&mut self.access);
        // Nothing else inserts into these sets: one sort per list, far cheaper than one
        // insertion per access.
        debug_assert!(access.reads.is_empty() && access.writes.is_empty());
        for list in [
            &mut self.reads,
            &mut self.writes,
            &mut self.loads,
            &mut self.assumed,
        ] {
            list.sort_unstable();
            list.dedup();
        }
        access.reads = LocationSet::from_sorted(std::mem::take(&mut self.reads));
        access.writes = LocationSet::from_sorted(std::mem::take(&mut self.writes));
        Prediction {
            access,
            details: std::mem::take(&mut self.details),
            frames: self.frames,
            state_reads: MAX_STATE_READS - self.reads_left,
            loads: std::mem::take(&mut self.loads),
            assumed: std::mem::take(&mut self.assumed),
            creators: std::mem::take(&mut self.creators),
        }
    }

    /// Drops the storage writes that leave a slot as it was (a re-entrancy lock taken and
    /// released): where the last frame to write the slot left, on every path that returned,
    /// a value decided by its inputs alone and equal to the pre-state one, the transaction
    /// changes nothing there, so no other transaction depends on its write. The slot stays
    /// read, and its pre-state value is assumed ([`Prediction::assumed`]): an earlier
    /// transaction that may write it invalidates the prediction. Only for a transaction whose
    /// frames run in the order instantiated (otherwise a frame listed earlier may have written
    /// last).
    fn drop_restored_writes(&mut self) {
        let mut restored: Vec<Location> = Vec::new();
        let mut decided: Vec<Location> = Vec::new();
        for (&(l, v), &from_inputs) in self.settled.iter().zip(&self.settled_from_inputs).rev() {
            if decided.contains(&l) {
                continue;
            }
            decided.push(l);
            let Location::Storage { address, slot } = l else {
                continue;
            };
            if !from_inputs || self.untrusted.contains(&l) || self.reads_left == 0 {
                continue;
            }
            self.reads_left -= 1;
            if v == Some(self.state.storage(address, slot)) {
                restored.push(l);
            }
        }
        if restored.is_empty() {
            return;
        }
        self.writes.retain(|l| !restored.contains(l));
        self.assumed.extend_from_slice(&restored);
    }

    fn account(&mut self, a: Address) {
        // Most transactions touch a handful of accounts, many of them repeatedly.
        if self.accounts.contains(&a) {
            return;
        }
        self.accounts.push(a);
        self.reads.push(Location::balance(a));
        self.reads.push(Location::nonce(a));
        self.reads.push(Location::code(a));
    }

    /// Credits `a` with value (or touches it before Spurious Dragon, when touching created
    /// empty accounts): its balance is written, and if it may not exist yet, so is its code
    /// (a new account gets the empty code hash).
    fn receive(&mut self, a: Address, value_maybe_nonzero: bool) {
        self.receive_known(a, value_maybe_nonzero, false);
    }

    /// [`Self::receive`] when the caller already knows whether `a` has code.
    fn receive_known(&mut self, a: Address, value_maybe_nonzero: bool, has_code: bool) {
        if value_maybe_nonzero {
            self.writes.push(Location::balance(a));
        }
        if has_code || !(value_maybe_nonzero || self.block.number < SPURIOUS_DRAGON_BLOCK) {
            return;
        }
        self.write_code_if_new(a, value_maybe_nonzero);
    }

    /// Writes the code location of `a` (and its balance when no value arrives) if `a` may not
    /// exist yet: receiving makes it exist, with the empty code hash.
    fn write_code_if_new(&mut self, a: Address, value_maybe_nonzero: bool) {
        if self.reads_left < 3 {
            self.writes.push(Location::code(a));
            return;
        }
        self.reads_left -= 3;
        if self.state.nonce(a) == 0
            && self.state.balance(a).is_zero()
            && self.state.code(a).is_none_or(|c| c.is_empty())
        {
            self.writes.push(Location::code(a));
            if !value_maybe_nonzero {
                self.writes.push(Location::balance(a));
            }
        }
    }

    fn widen(&mut self, reason: WideningReason, everything: bool, frame: Option<&Frame<'_>>) {
        if everything {
            self.everything = true;
            self.access
                .widenings
                .insert(Widening::Everything { reason });
        } else if let Some(f) = frame {
            self.access.widenings.insert(Widening::Contract {
                address: f.this,
                reason,
            });
        }
        // The first whole-state widening is always kept: it is the one that matters.
        if self.details.len() < 32 || everything {
            self.details.push(WideningDetail {
                reason,
                everything,
                address: frame.map(|f| f.this),
                code_hash: frame.map(|f| f.entry.hash),
                entry: frame.map(|f| f.key),
            });
        }
    }

    /// What a summary of a frame of `address` may take as known of its storage (`None`:
    /// nothing, its storage or the whole state being widened, or untrusted): the pre-state,
    /// but for the slots this transaction may have written so far and the untrusted ones,
    /// which are withheld unless the transaction is known to have left a value there (a
    /// caller up the stack stored it, or a frame that returned: [`Self::known_storage`]).
    fn frame_storage(&self, address: Address) -> Option<FrameStorage> {
        let untrusted = self.untrusted.slots_of(address)?;
        if self.access.widenings.iter().any(|w| match w {
            Widening::Contract { address: a, .. } => *a == address,
            Widening::Everything { .. } => true,
        }) {
            return None;
        }
        let mut slots: Vec<U256> = self
            .storage_writes
            .iter()
            .map(|(l, _)| l)
            .chain(&self.stale_slots)
            .filter_map(|l| match *l {
                Location::Storage { address: a, slot } if a == address => Some(slot),
                _ => None,
            })
            .chain(untrusted.iter().copied())
            .collect();
        slots.sort_unstable();
        slots.dedup();
        let stored = self.known_storage(address);
        slots.retain(|s| stored.binary_search_by_key(s, |&(slot, _)| slot).is_err());
        Some(FrameStorage {
            withheld: slots.into(),
            stored,
        })
    }

    /// Pushes onto [`Self::in_flight`] what the paths of `f` had stored at constant slots
    /// before the call at `index` of `summary`'s effects, where the value is known and no
    /// callee of `f` wrote the slot since `f` began.
    fn note_stores_before(&mut self, summary: &EntrySummary, index: usize, f: &Frame<'_>) {
        let t = &summary.exprs;
        for (slot, value) in summary.stores_before(index) {
            let (Some(slot), Some(value)) = (self.eval(t, slot, f), self.eval(t, value, f)) else {
                continue;
            };
            let l = Location::storage(f.this, slot);
            if !self.written_by_callee(&l, f) {
                self.in_flight.push((l, Some(value)));
            }
        }
    }

    /// Pushes onto [`Self::settled`] what every returning path of `f` had last stored, where
    /// the value is known and no callee of `f` wrote the slot since `f` began.
    fn note_exit_stores(&mut self, summary: &EntrySummary, f: &Frame<'_>) {
        let t = &summary.exprs;
        for &(slot, value) in &summary.exit_stores {
            let from_inputs = [slot, value]
                .iter()
                .all(|&e| !t.reads_storage(e) && !t.has_top_or_returned(e));
            let (loads, known_loads) = (self.loads.len(), self.known_loads.len());
            let known = self.with_env(f, |env, _| Some((t.eval(slot, env)?, t.eval(value, env)?)));
            self.loads.truncate(loads);
            self.known_loads.truncate(known_loads);
            let Some((slot, value)) = known else {
                continue;
            };
            let l = Location::storage(f.this, slot);
            if !self.written_by_callee(&l, f) {
                self.settled.push((l, Some(value)));
                self.settled_from_inputs.push(from_inputs);
            }
        }
    }

    /// Whether a frame `f` called (directly or not) wrote `l`: what `f`'s paths stored there
    /// may no longer be what it holds.
    fn written_by_callee(&self, l: &Location, f: &Frame<'_>) -> bool {
        self.storage_writes
            .iter()
            .any(|&(w, serial)| w == *l && serial > f.serial)
    }

    /// The values [`Self::in_flight`] and [`Self::settled`] hold for `address`'s storage, by
    /// slot, ascending.
    fn known_storage(&self, address: Address) -> Box<[(U256, U256)]> {
        let mut values: Vec<(U256, U256)> = Vec::new();
        let mut seen: Vec<U256> = Vec::new();
        for (l, _) in self.in_flight.iter().chain(&self.settled) {
            if let Location::Storage { address: a, slot } = *l
                && a == address
                && !seen.contains(&slot)
            {
                seen.push(slot);
                if let Some(v) = known_value(&self.in_flight, &self.settled, l) {
                    values.push((slot, v));
                }
            }
        }
        values.sort_unstable();
        values.into()
    }

    /// The memo of `f`'s depth, begun for a new frame when `begin` (table of `len` nodes).
    fn memo(&mut self, depth: u32) -> &mut Memo {
        let d = depth as usize;
        if self.memos.len() <= d {
            self.memos.resize_with(d + 1, Memo::default);
        }
        &mut self.memos[d]
    }

    /// Runs `run` with an evaluation environment for frame `f` and the memo of its depth.
    fn with_env<R>(
        &mut self,
        f: &Frame<'_>,
        run: impl FnOnce(&mut FrameEnv<'_, '_>, &mut Memo) -> R,
    ) -> R {
        let d = f.depth as usize;
        if self.memos.len() <= d {
            self.memos.resize_with(d + 1, Memo::default);
        }
        let mut env = FrameEnv {
            frame: f,
            state: self.state,
            block: self.block,
            origin: self.origin,
            reads_left: &mut self.reads_left,
            memo: &mut self.sload_memo,
            loads: &mut self.loads,
            written: &self.writes[..f.written_before.min(self.writes.len())],
            in_flight: &self.in_flight,
            settled: &self.settled,
            stale: &self.stale_slots,
            known_loads: &mut self.known_loads,
            returned: &self.returned,
        };
        run(&mut env, &mut self.memos[d])
    }

    fn eval(&mut self, t: &ExprTable, e: Expr, f: &Frame<'_>) -> Option<U256> {
        self.with_env(f, |env, memo| t.eval_memo(e, env, memo))
    }

    /// Evaluates `e` for `f` taking the slots this pass distrusts ([`Self::distrusting`])
    /// from the pre-state all the same: for the words a frame returns from its storage. A
    /// run of its call that is not late comes after every frame instantiated before it and
    /// before every other, so that storage holds what the pre-state and those frames' writes
    /// say; a late run takes such words only while the transaction writes none of that
    /// storage (see [`Self::late_return`]).
    fn eval_trusting(&mut self, t: &ExprTable, e: Expr, f: &Frame<'_>) -> Option<U256> {
        if self.stale_slots.is_empty() {
            return self.eval(t, e, f);
        }
        let distrusted = std::mem::take(&mut self.stale_slots);
        // Not through the memo: it holds the values taken with the slots distrusted.
        let v = self.with_env(f, |env, _| t.eval(e, env));
        self.stale_slots = distrusted;
        v
    }

    fn eval_seg(&mut self, t: &ExprTable, s: &Seg, f: &Frame<'_>, out: &mut Vec<u8>) -> bool {
        self.with_env(f, |env, memo| {
            t.eval_segs_memo(std::slice::from_ref(s), env, out, memo)
                .is_some()
        })
    }

    /// The cache entry of `code`, read from `address`.
    fn code_entry(&self, address: Address, code: &Bytes) -> std::sync::Arc<CodeEntry> {
        self.cache
            .get(Some(address), code, || self.state.code_hash(address))
    }

    /// The code that runs for `a`: what a creation of this transaction deployed there, else the
    /// pre-state's (following an EIP-7702 delegation, whose target is loaded).
    fn load_code(&mut self, a: Address) -> Option<(Address, Bytes)> {
        if let Some((_, code)) = self.deployed.iter().rev().find(|(d, _)| *d == a) {
            return (!code.is_empty()).then(|| (a, code.clone()));
        }
        if self.reads_left == 0 {
            return None;
        }
        self.reads_left -= 1;
        let code = self.state.code(a).filter(|c| !c.is_empty())?;
        if let Some(CodeProxy::Eip7702(t)) = proxy::detect(&code) {
            self.account(t);
            let inner = self.state.code(t).filter(|c| !c.is_empty())?;
            return Some((t, inner));
        }
        Some((a, code))
    }

    /// The transaction's own effects and frames.
    pub(crate) fn transaction(&mut self, tx: &TxInput) {
        self.account(tx.from);
        self.writes.push(Location::balance(tx.from));
        self.writes.push(Location::nonce(tx.from));
        self.access.credits.insert(self.block.coinbase);
        let value = tx.value;
        match tx.to {
            None => {
                let new = tx.from.create(tx.nonce);
                self.account(new);
                self.writes.push(Location::code(new));
                self.writes.push(Location::nonce(new));
                if !value.is_zero() {
                    self.writes.push(Location::balance(new));
                }
                let entry = self.cache.get(None, &tx.input, || None);
                let frame = Frame {
                    key: EntryKey::Empty,
                    entry,
                    this: new,
                    caller: tx.from,
                    value: Some(value),
                    data: Data {
                        bytes: Cow::Borrowed(&[]),
                        mask: None,
                        size_known: true,
                    },
                    depth: 0,
                    written_before: 0,
                    serial: 0,
                    creation: true,
                    late: false,
                };
                self.run_frame(frame);
            }
            Some(to) => {
                let low = to.as_slice()[..18].iter().all(|b| *b == 0);
                let budget = self.reads_left > 0;
                let loaded = if is_precompile(to) {
                    None
                } else {
                    self.load_code(to)
                };
                if loaded.is_none()
                    && budget
                    && !low
                    && !value.is_zero()
                    && to != tx.from
                    && to != self.block.coinbase
                    && !self.accounts.contains(&to)
                {
                    // A code-less recipient never looks at its balance: the executor records the
                    // transfer as a commutative credit, so predict exactly that.
                    self.accounts.push(to);
                    self.reads.push(Location::nonce(to));
                    self.reads.push(Location::code(to));
                    self.access.credits.insert(to);
                    self.write_code_if_new(to, true);
                    return;
                }
                self.account(to);
                self.receive_known(to, !value.is_zero(), loaded.is_some());
                let Some((code_addr, code)) = loaded else {
                    return;
                };
                let entry = self.code_entry(code_addr, &code);
                let data = Data {
                    bytes: Cow::Borrowed(&tx.input[..]),
                    mask: None,
                    size_known: true,
                };
                let frame = Frame {
                    key: data.key(),
                    entry,
                    this: to,
                    caller: tx.from,
                    value: Some(value),
                    data,
                    depth: 0,
                    written_before: 0,
                    serial: 0,
                    creation: false,
                    late: false,
                };
                self.run_frame(frame);
            }
        }
    }

    /// Instantiates one frame and its callees; returns what the frame returns, if known.
    fn run_frame(&mut self, mut f: Frame<'_>) -> Option<FrameReturn> {
        if self.everything {
            return None;
        }
        f.written_before = self.writes.len();
        // Cycles arise from frames with partly unknown calldata (their summaries cover every
        // path); frames with known calldata are cheap to tell apart by depth alone.
        if f.data.mask.is_some() || !f.data.size_known {
            let print = f.fingerprint();
            if self.seen_frames.contains(&print) {
                return None;
            }
            self.seen_frames.push(print);
        }
        f.serial = self.frames;
        self.frame_depths.push(f.depth);
        self.frame_late.push(f.late);
        self.frames += 1;
        // What earlier frames at this depth (and their callees) returned is not this frame's.
        self.returned.retain(|r| r.depth < f.depth);
        if let Some(CodeProxy::Eip1167(target)) = f.entry.proxy {
            // DELEGATECALL with the whole calldata.
            self.account(target);
            if f.depth >= MAX_CALL_DEPTH || self.frames >= MAX_FRAMES {
                self.widen(WideningReason::CallDepth, true, Some(&f));
                return None;
            }
            let (code_addr, code) = self.load_code(target)?;
            let entry = self.code_entry(code_addr, &code);
            let inner = Frame {
                entry,
                depth: f.depth + 1,
                ..f
            };
            return self.run_frame(inner);
        }
        let mut summary = f.entry.entry(f.key, self.limits);
        // The slots whose values the summary took from what the transaction left there, not
        // from the pre-state (see `Inst::known_storage`).
        let mut stored_in_transaction: Box<[(U256, U256)]> = Box::default();
        if self.specialise
            && summary.open
            && f.data.size_known
            && self.specialised < MAX_SPECIALISED
        {
            // The general summary leaves something open and the frame's calldata is known, so
            // analyse this frame on its own: loops over calldata arrays get their real bounds,
            // branches on calldata are decided.
            self.specialised += 1;
            let limits = AnalysisLimits {
                max_states_per_point: SPECIALISED_STATES_PER_POINT,
                max_steps: self.limits.max_steps.max(SHAPE_MAX_STEPS),
                ..*self.limits
            };
            // First the frame's calldata shape (shared by frames alike); if that is not
            // enough and an earlier frame had the same shape, the shape again with a larger
            // bound; failing that, everything known of this very frame.
            let frame = FixedState::default().hash_one((&f.data.bytes, f.value));
            let facts = FrameFacts::shape(&f.data.bytes, f.data.mask.as_deref(), f.value);
            let (mut frame_summary, recurs) = f.entry.specialised_entry(
                f.key,
                facts.clone(),
                Specialisation::Shape,
                &limits,
                frame,
                None,
            );
            if recurs && frame_summary.complete && frame_summary.open {
                let limits = AnalysisLimits {
                    max_states_per_point: WIDE_STATES_PER_POINT,
                    max_steps: limits.max_steps.max(WIDE_MAX_STEPS),
                    ..limits
                };
                let (wide, _) = f.entry.specialised_entry(
                    f.key,
                    facts,
                    Specialisation::WideShape,
                    &limits,
                    frame,
                    None,
                );
                if wide.complete {
                    frame_summary = wide;
                }
            }
            if frame_summary.open || !frame_summary.complete {
                // Slots the transaction may have written before this frame, or an earlier
                // transaction of the block, read as unknown: the rest is taken as known.
                let storage = self.frame_storage(f.this);
                let facts = FrameFacts {
                    calldata: Bytes::copy_from_slice(&f.data.bytes),
                    known: f.data.mask.clone(),
                    value: f.value,
                    senders: Some(FrameSenders {
                        caller: f.caller.into_word().into(),
                        origin: self.origin.into_word().into(),
                        address: f.this.into_word().into(),
                    }),
                    block: Some(FrameBlock {
                        number: self.block.number,
                        timestamp: self.block.timestamp,
                    }),
                    pre_state: storage.is_some(),
                    withheld: storage
                        .as_ref()
                        .map(|s| s.withheld.clone())
                        .unwrap_or_default(),
                    stored: storage
                        .as_ref()
                        .map(|s| s.stored.clone())
                        .unwrap_or_default(),
                };
                let limits = AnalysisLimits {
                    max_steps: limits.max_steps.max(EXACT_MAX_STEPS),
                    max_states_per_point: EXACT_STATES_PER_POINT,
                    max_output_words: MAX_RETURN_WORDS,
                    ..limits
                };
                let known = storage.unwrap_or_default();
                let mut read =
                    trusted_pre_state_reader(self.state, f.this, &known, &mut self.reads_left);
                let (cache, general, state) = (self.cache, self.limits, self.state);
                let (deployed, this) = (&self.deployed, f.this);
                let mut callees = |target: Address, entry: EntryKey| {
                    cannot_reenter(cache, general, state, deployed, this, target, entry)
                };
                let pre_state = facts.pre_state.then_some(PreStateReaders {
                    storage: &mut read,
                    callees: Some(&mut callees as CalleeCheck<'_>),
                });
                let (exact, _) = f.entry.specialised_entry(
                    f.key,
                    facts,
                    Specialisation::Exact,
                    &limits,
                    frame,
                    pre_state,
                );
                drop(read);
                stored_in_transaction = known.stored;
                if exact.complete || !frame_summary.complete {
                    frame_summary = exact;
                }
            }
            if frame_summary.complete || !summary.complete {
                summary = frame_summary;
            }
        } else if summary.storage_branches
            && summary.complete
            && f.data.size_known
            && self.storage_aware < MAX_STORAGE_AWARE
            && f.entry.storage_may_decide(f.key)
            && let Some(known) = self.frame_storage(f.this)
        {
            // A summary whose branches read fixed slots (a fee rate, a pause flag, a lock):
            // with the storage known, the side not taken drops its effects. An open summary
            // not specialised to its calldata (past `MAX_SPECIALISED`, or in the general
            // pass) may close so: a token re-entered under its swap lock skips the swap.
            self.storage_aware += 1;
            let facts = FrameFacts {
                withheld: known.withheld.clone(),
                stored: known.stored.clone(),
                ..FrameFacts::selector_with_storage(&f.data.bytes, f.data.mask.as_deref(), f.value)
            };
            let mut read =
                trusted_pre_state_reader(self.state, f.this, &known, &mut self.reads_left);
            let (stored, _) = f.entry.specialised_entry(
                f.key,
                facts,
                Specialisation::Stored,
                self.limits,
                0,
                Some(PreStateReaders {
                    storage: &mut read,
                    callees: None,
                }),
            );
            drop(read);
            if stored.complete && !stored.open && stored.effects.len() < summary.effects.len() {
                summary = stored;
                stored_in_transaction = known.stored;
            } else if known.withheld.is_empty() && known.stored.is_empty() {
                f.entry.storage_decided_nothing(f.key);
            }
        }
        // An open summary is implied by, and far cheaper to ask than, a certain widening: most
        // frames are closed and pay one test.
        if self.give_up_early
            && !self.specialise
            && summary.open
            && summary.certainly_widens_everything(f.entry.external)
        {
            // No widening is recorded: a pass that gave up is never finished (the second pass
            // replaces it), so no reason it could name is reported.
            self.gave_up_early = true;
            self.everything = true;
            return None;
        }
        self.unordered |= !summary.ordered();
        // The pre-state values the summary took as known decided its paths: an earlier
        // transaction that writes one invalidates the prediction.
        self.assumed.extend(
            summary
                .assumed
                .iter()
                .filter(|(slot, _)| {
                    stored_in_transaction
                        .binary_search_by_key(slot, |&(s, _)| s)
                        .is_err()
                })
                .map(|&(slot, _)| Location::storage(f.this, slot)),
        );
        let t = &summary.exprs;
        // Reads and writes of one slot share its expression (and mapping slots share their
        // inner hashes): the memo evaluates each once.
        self.memo(f.depth).begin(t.len());
        let mut creates: u64 = 0;
        for (index, (e, guards)) in summary.effects.iter().zip(&summary.guards).enumerate() {
            if self.everything {
                return None;
            }
            if self.ruled_out(t, guards, &f) {
                continue;
            }
            match e {
                Effect::Read(s) | Effect::Write(s) => match self.eval(t, *s, &f) {
                    Some(slot) => {
                        let l = Location::storage(f.this, slot);
                        self.reads.push(l);
                        if matches!(e, Effect::Write(_)) {
                            self.writes.push(l);
                            self.storage_writes.push((l, f.serial));
                            for (_, v) in self
                                .in_flight
                                .iter_mut()
                                .chain(&mut self.settled)
                                .filter(|(x, _)| *x == l)
                            {
                                *v = None;
                            }
                        }
                    }
                    None => {
                        let reason = if t.has_top(*s) {
                            WideningReason::UnboundedLoop
                        } else if self.reads_left == 0 {
                            WideningReason::StateBudget
                        } else {
                            WideningReason::UnresolvedSlot
                        };
                        self.widen(reason, false, Some(&f));
                    }
                },
                Effect::Account(a) => match self.eval(t, *a, &f) {
                    Some(v) => self.account(proxy::to_address(v)),
                    None => self.widen(WideningReason::UnresolvedCallTarget, true, Some(&f)),
                },
                Effect::Call {
                    kind,
                    target,
                    value,
                    input,
                } => {
                    let mark = self.in_flight.len();
                    self.note_stores_before(&summary, index, &f);
                    self.late_callee = f.late || summary.runs_late(index);
                    let ret = self.call(&f, t, *kind, *target, *value, input);
                    self.in_flight.truncate(mark);
                    for pc in summary.call_pcs(index) {
                        let ret = match &ret {
                            Some(r) if f.late || summary.late_at(pc) => self.late_return(r),
                            _ => ret.clone(),
                        };
                        self.record_return(f.depth, pc, ret);
                    }
                }
                Effect::Create {
                    value, salt, init, ..
                } => {
                    self.late_callee = f.late || summary.runs_late(index);
                    self.create(&f, t, *value, *salt, init, creates);
                    creates += 1;
                }
                Effect::SelfDestruct(b) => match self.eval(t, *b, &f) {
                    Some(v) => {
                        let b = proxy::to_address(v);
                        self.account(b);
                        self.receive(b, true);
                        self.writes.push(Location::balance(f.this));
                        if self.block.timestamp < CANCUN_TIMESTAMP {
                            self.writes.push(Location::code(f.this));
                            self.writes.push(Location::nonce(f.this));
                            self.widen(WideningReason::Selfdestruct, false, Some(&f));
                        }
                    }
                    None => self.widen(WideningReason::Selfdestruct, true, Some(&f)),
                },
                Effect::Widen(r) => {
                    self.widen(*r, false, Some(&f));
                    if f.entry.external {
                        self.widen(*r, true, Some(&f));
                    }
                }
            }
        }
        self.note_exit_stores(&summary, &f);
        if !summary.complete {
            return None;
        }
        if f.creation
            && let Some(segs) = summary.deployed.as_deref()
        {
            let mut code = Vec::new();
            if segs.iter().all(|s| self.eval_seg(t, s, &f, &mut code)) {
                self.deployed.push((f.this, Bytes::from(code)));
            }
        }
        // Storage values come from the pre-state: once the transaction may have written this
        // account's storage, a value returned from it may be stale (a balance read back
        // after a transfer), so it stays unknown.
        let wrote_here = self
            .storage_writes
            .iter()
            .any(|(l, _)| l.address() == f.this);
        let before = self.loads.len();
        let returns = summary.returns.as_deref()?;
        let n = returns.len().min(MAX_RETURN_WORDS as usize);
        let (mut words, mut stored) = (Vec::with_capacity(n), 0u8);
        for (i, &w) in returns[..n].iter().enumerate() {
            let from_storage = t.reads_storage(w);
            words.push(match (wrote_here, from_storage) {
                (true, true) => None,
                (false, true) => self.eval_trusting(t, w, &f),
                (_, false) => self.eval(t, w, &f),
            });
            stored |= u8::from(from_storage) << i;
        }
        let loads = self.loads.split_off(before).into_boxed_slice();
        words.iter().any(Option::is_some).then(|| FrameReturn {
            account: f.this,
            words: words.into_boxed_slice(),
            stored,
            loads,
        })
    }

    /// What a late run of a call (see `Frame::late`) takes of what its frame returned: it may
    /// come after frames instantiated since, so the words read from the frame's storage only
    /// while the transaction is not found to write that storage (the account joins
    /// `trusted_late`, which [`Self::stale_reads`] checks).
    fn late_return(&mut self, r: &FrameReturn) -> Option<FrameReturn> {
        if self.stale_storage.contains(&r.account) {
            return r.without_storage();
        }
        if (0..r.words.len()).any(|i| r.words[i].is_some() && r.reads_storage(i)) {
            self.trusted_late.push(r.account);
        }
        Some(r.clone())
    }

    /// Records what the call instruction at `pc` of the frame at `depth` returned; the words
    /// in which calls made there returned different data stay unknown.
    fn record_return(&mut self, depth: u32, pc: u32, ret: Option<FrameReturn>) {
        match self
            .returned
            .iter_mut()
            .find(|r| r.depth == depth && r.pc == pc)
        {
            Some(r) => {
                r.ret = match (r.ret.take(), ret) {
                    (Some(old), Some(new)) => old.merge(new),
                    _ => None,
                }
            }
            None => self.returned.push(CallReturn { depth, pc, ret }),
        }
    }

    /// Whether some guard of an effect is false for this frame (its paths cannot be taken).
    fn ruled_out(&mut self, t: &ExprTable, guards: &[Guard], f: &Frame<'_>) -> bool {
        guards.iter().any(|g| {
            self.eval(t, g.cond, f)
                .is_some_and(|v| v.is_zero() == g.holds)
        })
    }

    /// A DELEGATECALL target the summary could not resolve: the well-known proxy slots.
    fn proxy_target(&mut self, f: &Frame<'_>) -> Option<Address> {
        for slot in IMPLEMENTATION_SLOTS {
            let v = self.sload_in(f.this, slot)?;
            let a = proxy::to_address(v);
            if !a.is_zero() && self.has_code(a) {
                return Some(a);
            }
        }
        let beacon = proxy::to_address(self.sload_in(f.this, BEACON_SLOT)?);
        if beacon.is_zero() || !self.has_code(beacon) {
            return None;
        }
        self.account(beacon);
        for slot in BEACON_IMPLEMENTATION_SLOTS {
            let v = self.sload_in(beacon, slot)?;
            self.reads.push(Location::storage(beacon, slot));
            let a = proxy::to_address(v);
            if !a.is_zero() && self.has_code(a) {
                return Some(a);
            }
        }
        None
    }

    fn sload_in(&mut self, a: Address, slot: U256) -> Option<U256> {
        if self.reads_left == 0 {
            return None;
        }
        self.reads_left -= 1;
        self.loads.push(Location::storage(a, slot));
        Some(self.state.storage(a, slot))
    }

    fn has_code(&mut self, a: Address) -> bool {
        if self.reads_left == 0 {
            return false;
        }
        self.reads_left -= 1;
        self.state.code(a).is_some_and(|c| !c.is_empty())
    }

    fn call(
        &mut self,
        f: &Frame<'_>,
        t: &ExprTable,
        kind: CallKind,
        target: Expr,
        value: Expr,
        input: &CallInput,
    ) -> Option<FrameReturn> {
        let target = match self.eval(t, target, f) {
            Some(v) => proxy::to_address(v),
            None => {
                let fallback = if kind == CallKind::DelegateCall {
                    self.proxy_target(f)
                } else {
                    None
                };
                match fallback {
                    Some(a) => a,
                    None => {
                        self.widen(WideningReason::UnresolvedCallTarget, true, Some(f));
                        return None;
                    }
                }
            }
        };
        self.account(target);
        let v = match kind {
            CallKind::Call | CallKind::CallCode => self.eval(t, value, f),
            _ => Some(U256::ZERO),
        };
        let nonzero = v != Some(U256::ZERO);
        if nonzero {
            self.writes.push(Location::balance(f.this));
        }
        if kind == CallKind::Call {
            self.receive(target, nonzero);
        }
        if is_precompile(target) {
            return None;
        }
        let Some((code_addr, code)) = self.load_code(target) else {
            if self.created.contains(&target) && !self.deployed.iter().any(|(d, _)| *d == target) {
                // Code this very transaction deploys, and its constructor's summary does not
                // say what.
                self.widen(WideningReason::UnresolvedCreate, true, Some(f));
                return None;
            }
            // A call to an account without code returns nothing.
            return None;
        };
        if f.depth + 1 >= MAX_CALL_DEPTH || self.frames >= MAX_FRAMES {
            self.widen(WideningReason::CallDepth, true, Some(f));
            return None;
        }
        let data = self.callee_data(f, t, input);
        let entry = self.code_entry(code_addr, &code);
        let (this, caller, value) = match kind {
            CallKind::Call => (target, f.this, v),
            CallKind::StaticCall => (target, f.this, Some(U256::ZERO)),
            CallKind::CallCode => (f.this, f.this, v),
            CallKind::DelegateCall => (f.this, f.caller, f.value),
        };
        let callee = Frame {
            key: data.key(),
            entry,
            this,
            caller,
            value,
            data,
            depth: f.depth + 1,
            written_before: 0,
            serial: 0,
            creation: false,
            late: self.late_callee,
        };
        self.run_frame(callee)
    }

    fn callee_data(&mut self, f: &Frame<'_>, t: &ExprTable, input: &CallInput) -> Data<'static> {
        let mut bytes = Vec::with_capacity(input.segs.iter().map(Seg::len).sum::<usize>());
        let mut mask: Vec<bool> = Vec::with_capacity(bytes.capacity());
        let mut all = true;
        for s in input.segs.iter() {
            let before = bytes.len();
            if self.eval_seg(t, s, f, &mut bytes) {
                mask.extend(std::iter::repeat_n(true, bytes.len() - before));
                continue;
            }
            bytes.truncate(before);
            all = false;
            match *s {
                Seg::Word { e, shift, len } => {
                    // Keep the bytes that are known (a selector in a partly unknown word).
                    let (v, known) = self.with_env(f, |env, memo| t.eval_partial(e, env, memo));
                    let b = v.to_be_bytes::<32>();
                    let end = (shift as usize + len as usize).min(32);
                    for (i, byte) in b.iter().enumerate().take(end).skip(shift as usize) {
                        let k = known & (1 << (31 - i)) != 0;
                        bytes.push(if k { *byte } else { 0 });
                        mask.push(k);
                    }
                }
                _ => {
                    bytes.extend(std::iter::repeat_n(0, s.len()));
                    mask.extend(std::iter::repeat_n(false, s.len()));
                }
            }
        }
        if let Some((start, len)) = input.tail {
            let start = self.eval(t, start, f);
            let len = self.eval(t, len, f);
            match (start, len.and_then(|l| usize::try_from(l).ok())) {
                (Some(s), Some(l)) if l <= MAX_CALLDATA && f.data.read(s, l, &mut bytes) => {
                    mask.resize(bytes.len(), true);
                }
                // Forwarding partly known calldata (a proxy): the known bytes stay known.
                (Some(s), Some(l))
                    if l <= MAX_CALLDATA && f.data.copy(s, l, &mut bytes, &mut mask) =>
                {
                    all = false;
                }
                _ => {
                    return Data {
                        bytes: Cow::Owned(bytes),
                        mask: Some(mask),
                        size_known: false,
                    };
                }
            }
        }
        let size = self
            .eval(t, input.len, f)
            .and_then(|l| usize::try_from(l).ok())
            .filter(|l| *l <= MAX_CALLDATA);
        if let Some(n) = size {
            if n > bytes.len() {
                all = false;
            }
            bytes.resize(n, 0);
            mask.resize(n, false);
        } else {
            all = false;
        }
        Data {
            bytes: Cow::Owned(bytes),
            mask: if all { None } else { Some(mask) },
            size_known: size.is_some(),
        }
    }

    fn create(
        &mut self,
        f: &Frame<'_>,
        t: &ExprTable,
        value: Expr,
        salt: Option<Expr>,
        init: &[Seg],
        index: u64,
    ) {
        let mut code = Vec::new();
        let mut known = true;
        for s in init {
            if !self.eval_seg(t, s, f, &mut code) {
                known = false;
                break;
            }
        }
        // The cache's memo of init code spares hashing it again (CREATE2 needs its hash).
        let entry = known.then(|| self.cache.get(None, &Bytes::from(code), || None));
        let address = match salt {
            Some(salt) => match (self.eval(t, salt, f), &entry) {
                (Some(salt), Some(entry)) => {
                    Some(f.this.create2(salt.to_be_bytes::<32>(), entry.hash))
                }
                _ => None,
            },
            None => {
                if self.reads_left == 0 {
                    None
                } else {
                    self.reads_left -= 1;
                    match self.creators.iter_mut().find(|(a, _)| *a == f.this) {
                        Some((_, n)) => *n += 1,
                        None => self.creators.push((f.this, 1)),
                    }
                    Some(
                        f.this
                            .create(self.state.nonce(f.this).saturating_add(index)),
                    )
                }
            }
        };
        self.writes.push(Location::nonce(f.this));
        let Some(new) = address else {
            self.widen(WideningReason::UnresolvedCreate, true, Some(f));
            return;
        };
        self.account(new);
        self.created.push(new);
        self.writes.push(Location::code(new));
        self.writes.push(Location::nonce(new));
        let v = self.eval(t, value, f);
        if v != Some(U256::ZERO) {
            self.writes.push(Location::balance(new));
            self.writes.push(Location::balance(f.this));
        }
        let Some(entry) = entry else {
            self.widen(WideningReason::UnresolvedCreate, true, Some(f));
            return;
        };
        if f.depth + 1 >= MAX_CALL_DEPTH || self.frames >= MAX_FRAMES {
            self.widen(WideningReason::CallDepth, true, Some(f));
            return;
        }
        let frame = Frame {
            key: EntryKey::Empty,
            entry,
            this: new,
            caller: f.this,
            value: v,
            data: Data {
                bytes: Cow::Borrowed(&[]),
                mask: None,
                size_known: true,
            },
            depth: f.depth + 1,
            written_before: 0,
            serial: 0,
            creation: true,
            late: self.late_callee,
        };
        self.run_frame(frame);
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::hex;

    use super::*;

    /// Code at some accounts, and one storage slot; no balance or nonce.
    struct Codes(Vec<(Address, Bytes)>, (Address, U256, U256));

    impl StateView for Codes {
        fn code(&self, address: Address) -> Option<Bytes> {
            self.0
                .iter()
                .find(|(a, _)| *a == address)
                .map(|(_, c)| c.clone())
        }
        fn storage(&self, address: Address, slot: U256) -> U256 {
            let (a, s, v) = self.1;
            if (a, s) == (address, slot) {
                v
            } else {
                U256::ZERO
            }
        }
        fn balance(&self, _: Address) -> U256 {
            U256::ZERO
        }
        fn nonce(&self, _: Address) -> u64 {
            0
        }
    }

    #[test]
    fn only_a_callee_that_calls_out_nowhere_cannot_re_enter() {
        let (this, quiet, reader, loud, proxy) = (
            Address::repeat_byte(1),
            Address::repeat_byte(2),
            Address::repeat_byte(3),
            Address::repeat_byte(4),
            Address::repeat_byte(6),
        );
        // sstore(0, 1); a STATICCALL to 0x09; a CALL to 0x09; a DELEGATECALL to sload(7).
        let stores = Bytes::from_static(&hex!("600160005500"));
        let peeks = Bytes::from_static(&hex!("600080808060095afa5000"));
        let calls = Bytes::from_static(&hex!("60008080808060095af15000"));
        let delegates = Bytes::from_static(&hex!("60008080806007545af45000"));
        let codes = vec![
            (this, stores.clone()),
            (quiet, stores),
            (reader, peeks),
            (loud, calls),
            (proxy, delegates),
        ];
        let (cache, limits) = (Cache::default(), AnalysisLimits::default());
        let clears = |state: &Codes, target: Address, deployed: &[(Address, Bytes)]| {
            cannot_reenter(
                &cache,
                &limits,
                state,
                deployed,
                this,
                target,
                EntryKey::Any,
            )
        };
        let implementation = |a: Address| (proxy, U256::from(7), a.into_word().into());
        let state = Codes(codes.clone(), implementation(quiet));
        assert!(clears(&state, quiet, &[]));
        assert!(clears(&state, reader, &[]), "a static call changes nothing");
        let precompile = Address::with_last_byte(9);
        assert!(clears(&state, precompile, &[]), "a precompile runs no code");
        assert!(!clears(&state, loud, &[]));
        assert!(
            !clears(&state, this, &[]),
            "the frame's code writes its storage"
        );
        let nowhere = Address::repeat_byte(5);
        assert!(!clears(&state, nowhere, &[]), "no code yet: may be created");
        let created = [(quiet, Bytes::new())];
        assert!(
            !clears(&state, quiet, &created),
            "created by the transaction"
        );
        assert!(clears(&state, proxy, &[]), "a proxy of quiet code");
        let state = Codes(codes.clone(), implementation(loud));
        assert!(
            !clears(&state, proxy, &[]),
            "a proxy of code that calls out"
        );
        let state = Codes(codes, implementation(this));
        assert!(
            !clears(&state, proxy, &[]),
            "a proxy of the frame's own code"
        );
    }
}
