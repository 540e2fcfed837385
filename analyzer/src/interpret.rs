//! The abstract interpreter: walks the bytecode from pc 0 for one entry, resolving jumps from
//! the abstract stack (constant targets and return tags carried through internal calls), and
//! records every state effect as symbolic expressions.
//!
//! Input: a [`Code`], an [`EntryKey`] (what is known of the calldata) and [`AnalysisLimits`].
//! Output: an [`EntrySummary`]. States are kept at JUMPDESTs and JUMPI fall-throughs, keyed by
//! the jump-destination constants on the stack (the context of internal calls), with up to
//! `max_states_per_point` disjuncts before joining (a further state joins the disjunct whose
//! stack agrees with its own the most); joins move values to ⊤ (bounded widening),
//! and the whole walk stops at `max_steps` instructions, recording an `AnalysisBudget` widening.
//! A branch that compares the sender for equality (`msg.sender == owner`), or, in an analysis
//! specialised to a frame's calldata, compares two inputs that are not constants, becomes a
//! guard of the path, and decides a later branch on the same condition; each effect keeps the
//! guards common to the paths that had it. The words an entry
//! RETURNs are joined into the summary, and each word of a call's one- or two-word output
//! holds a placeholder for the word it returned (`ret@pc[offset]`), known once instantiation
//! follows the call.

use alloy_primitives::{Address, U256, map::HashMap};
use revm::bytecode::{OpCode, opcode};

use crate::{
    WideningReason,
    cfg::{Code, is_defined},
    domain::{DYN_EXTENT, FREE_POINTER, MAX_READ, MemSrc, ReturnData, State},
    expr::{BinOp, Env, Expr, FREE_POINTER_NAMES, FrameFacts, Known, Node, Pool, Seg, TOP, UnOp},
    summary::{CallInput, CallKind, Effect, EntryKey, EntrySummary, Guard},
};

/// The cost bound of one entry's analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalysisLimits {
    /// Instructions interpreted per entry (over all paths and fixed-point iterations).
    pub max_steps: u32,
    /// Distinct states kept per (program point, context) before they are joined.
    pub max_states_per_point: usize,
    /// Expression nodes per entry (past it, new values are ⊤).
    pub max_nodes: usize,
    /// Distinct contexts per program point. An internal function has one per call site (a
    /// reflection token's fee arithmetic reaches SafeMath's `add` from 40 and more); past the
    /// bound the contexts explode (recursion, or a loop that grows the stack, makes a new
    /// context per level): such an entry would exhaust `max_steps` and widen anyway, so it is
    /// widened as soon as the bound is passed.
    pub max_contexts_per_point: usize,
    /// Most words of a call's output region that name what the call returned (see
    /// [`DEFAULT_OUTPUT_WORDS`]); a longer region becomes unknown.
    pub max_output_words: u32,
}

impl Default for AnalysisLimits {
    fn default() -> Self {
        Self {
            max_steps: 20_000,
            max_states_per_point: 2,
            max_nodes: 40_000,
            max_contexts_per_point: 128,
            max_output_words: DEFAULT_OUTPUT_WORDS,
        }
    }
}

/// The chain the analysed code runs on: Ethereum mainnet, as for the executor. CHAINID is
/// this constant, so that an EIP-712 domain separator cached for it decides its branch.
pub const CHAIN_ID: u64 = 1;

/// Longest init code a CREATE keeps as segments.
const MAX_INIT: u32 = 0xc000;
/// Deepest EVM stack.
const MAX_STACK: usize = 1024;
/// Most distinct effects per summary; past it the analysis stops and widens, like a summary
/// out of steps (an effect must never be dropped silently).
const MAX_EFFECTS: usize = 4096;

/// The states kept at one (program point, context).
#[derive(Default)]
struct Point {
    /// The disjuncts; once the list is full, each new state joins the one closest to it.
    list: Vec<State>,
    /// Per disjunct: whether its joined form waits in the worklist already.
    pending: Vec<bool>,
}

struct Interp<'a, 's> {
    code: &'a Code,
    limits: AnalysisLimits,
    pool: Pool,
    states: HashMap<(u32, u64), Point>,
    /// Contexts seen per program point.
    contexts: HashMap<u32, u32>,
    /// Whether the analysis passed a bound other than its steps: `max_contexts_per_point` at
    /// some point, or [`MAX_EFFECTS`].
    exploded: bool,
    /// New disjuncts to run, with their program counters.
    work: Vec<(usize, State)>,
    /// Joined disjuncts waiting to run again (their point and index), newest first, once `work`
    /// is empty: the paths still under way may join them further, and each runs once for all
    /// those joins (a Universal Router's three-command `execute` completes in 111,846 steps
    /// instead of 233,925).
    rejoin: Vec<((u32, u64), usize)>,
    effects: Vec<Effect>,
    /// Per effect, the guards common to every path that had it.
    guards: Vec<Vec<Guard>>,
    /// Each effect's index in `effects`.
    seen: HashMap<Effect, usize>,
    steps: u32,
    complete: bool,
    creates: u8,
    /// Per expression, once computed: the JUMPDEST it names if it is such a constant
    /// (`None` inside: it is not; `None` outside: not computed yet). Contexts are computed at
    /// every join point from these.
    tags: Vec<Option<Option<u32>>>,
    /// Per PUSH program counter: the interned constant, filled lazily.
    pushes: HashMap<u32, Expr>,
    /// `(effect index, pc)` of every call instruction reached.
    call_sites: Vec<(u32, u32)>,
    /// `(effect index, pc)` of the runs of call and create instructions that some path makes
    /// after a call listed later, or past the bound on effects (see [`EntrySummary::late`]).
    late: Vec<(u32, u32)>,
    /// Per call effect, the `(slot, value)` pairs every path that made it had last stored at
    /// a constant slot (see [`EntrySummary::call_stores`]).
    call_stores: HashMap<usize, Vec<(Expr, Expr)>>,
    /// What every path that returned had last stored (see [`EntrySummary::exit_stores`];
    /// `None` until a path returns).
    exit_stores: Option<Vec<(Expr, Expr)>>,
    /// What the RETURNs reached so far return.
    returns: Returns,
    /// What they deploy, were the frame a creation.
    deployed: Deployed,
    /// The pre-state of the frame's storage, for an analysis specialised to one frame.
    storage: Option<StorageReader<'s>>,
    /// Which callees cannot re-enter the frame (with `storage`, in an analysis of a frame of
    /// a known block).
    callees: Option<CalleeCheck<'s>>,
    /// The answers `callees` gave, per target and entry (a call in a loop is reached often).
    cleared: Vec<(U256, EntryKey, bool)>,
    /// The pre-state slots the analysis read through `storage`, with their values.
    assumed: Vec<(U256, U256)>,
    /// Whether a branch left undecided depends on a fixed storage slot (see
    /// [`EntrySummary::storage_branches`]).
    storage_branches: bool,
}

/// Reads one slot of a frame's pre-state storage (`None`: the read budget ran out).
pub type StorageReader<'a> = &'a mut dyn FnMut(U256) -> Option<U256>;

/// Whether a CALL to an account, running the entry its calldata selects ([`EntryKey::Empty`]
/// for none, [`EntryKey::Any`] when unknown), certainly leaves the calling frame's storage as
/// it was: the account runs no code, or code that on that entry neither calls out nor
/// creates, and is not the frame itself. Asked, in the pre-state of the frame's block, by an
/// analysis that knows the frame's storage.
pub type CalleeCheck<'a> = &'a mut dyn FnMut(Address, EntryKey) -> bool;

/// What an analysis of one frame may read of the pre-state: the frame's storage, and, in a
/// frame of a known block, which callees cannot re-enter it.
pub struct PreStateReaders<'a> {
    /// The frame's storage.
    pub storage: StorageReader<'a>,
    /// Which callees cannot re-enter the frame (`None`: any may).
    pub callees: Option<CalleeCheck<'a>>,
}

/// What a storage load gives in an analysis that knows the frame's storage.
enum PreState {
    /// The pre-state value.
    Value(U256),
    /// Unknown: the path may have stored to the slot.
    Stored,
    /// The symbolic load (evaluated against the pre-state when the summary is instantiated).
    Symbolic,
}

/// Most pre-state slots one frame's analysis reads.
const MAX_ASSUMED: usize = 64;

/// Most words of an entry's RETURN that its summary keeps.
pub(crate) const MAX_RETURN_WORDS: u32 = 8;
// Instantiation keeps, per returned word, whether it reads storage in one byte.
const _: () = assert!(MAX_RETURN_WORDS <= 8);

/// Most words of a call's output region that name what the call returned, by default: two
/// (a pair of addresses). Naming the three words of `getReserves()` multiplied the states of
/// the swaps workload's router analysis past its budget, for no gain on the mainnet corpus.
/// The analysis of one frame's exact calldata names as many as a summary returns (eight): a
/// struct getter of seven words, whose third names the seller paid (block 5283152).
pub const DEFAULT_OUTPUT_WORDS: u32 = 2;

/// What an entry returns, joined over the RETURNs (and STOPs) reached so far.
enum Returns {
    /// None reached yet.
    Unseen,
    /// The same number of words everywhere; a word that differs is ⊤.
    Words(Vec<Expr>),
    /// Lengths differ, or one is not a constant number of whole words.
    Unknown,
}

/// The code the RETURNs (and STOPs) of a creation frame reached so far deploy.
enum Deployed {
    /// None reached yet.
    Unseen,
    /// The same bytes everywhere, as segments (empty after a STOP).
    Segs(Vec<Seg>),
    /// They differ, or one is longer than a contract may be or not at a known offset; also
    /// what an entry other than [`EntryKey::Empty`] (which no creation frame runs) keeps.
    Unknown,
}

/// Longest code a contract may have (EIP-170): a longer RETURN deploys nothing the
/// summary keeps.
const MAX_DEPLOYED: u32 = 0x6000;

/// Analyses one entry of `code`.
pub fn analyze_entry(code: &Code, key: EntryKey, limits: &AnalysisLimits) -> EntrySummary {
    analyze(code, key, Known::of_entry(key), limits, None)
}

/// Analyses one entry of `code` for one frame whose calldata length (and some or all of its
/// bytes, and maybe its value) are known: a specialisation, not cached by code hash. Loops over
/// calldata arrays unroll with their real lengths, branches on known calldata are decided,
/// and targets computed from calldata resolve.
pub fn analyze_frame(
    code: &Code,
    key: EntryKey,
    facts: FrameFacts,
    limits: &AnalysisLimits,
    pre_state: Option<PreStateReaders<'_>>,
) -> EntrySummary {
    let known = Known {
        frame: Some(facts),
        ..Known::of_entry(key)
    };
    analyze(code, key, known, limits, pre_state)
}

fn analyze(
    code: &Code,
    key: EntryKey,
    known: Known,
    limits: &AnalysisLimits,
    pre_state: Option<PreStateReaders<'_>>,
) -> EntrySummary {
    let (storage, callees) = match pre_state {
        Some(p) => (Some(p.storage), p.callees),
        None => (None, None),
    };
    let mut it = Interp {
        code,
        limits: *limits,
        pool: Pool::new(code.bytes().clone(), known, limits.max_nodes),
        states: HashMap::default(),
        contexts: HashMap::default(),
        exploded: false,
        work: vec![(0, State::default())],
        rejoin: Vec::new(),
        effects: Vec::new(),
        guards: Vec::new(),
        seen: HashMap::default(),
        steps: 0,
        complete: true,
        creates: 0,
        tags: Vec::new(),
        pushes: HashMap::default(),
        call_sites: Vec::new(),
        late: Vec::new(),
        call_stores: HashMap::default(),
        exit_stores: None,
        returns: Returns::Unseen,
        deployed: match key {
            EntryKey::Empty => Deployed::Unseen,
            _ => Deployed::Unknown,
        },
        storage,
        callees,
        cleared: Vec::new(),
        assumed: Vec::new(),
        storage_branches: false,
    };
    loop {
        let (pc, st) = match it.work.pop() {
            Some(w) => w,
            None => match it.rejoin.pop() {
                Some((key, i)) => match it.states.get_mut(&key) {
                    Some(p) => {
                        p.pending[i] = false;
                        (key.0 as usize, p.list[i].clone())
                    }
                    None => continue,
                },
                None => break,
            },
        };
        if !it.run(pc, st) || it.exploded {
            it.complete = false;
            it.effect(Effect::Widen(WideningReason::AnalysisBudget), &[]);
            break;
        }
    }
    it.call_sites.sort_unstable();
    it.call_sites.dedup();
    it.late.sort_unstable();
    it.late.dedup();
    let block = it.pool.used_block();
    let mut call_stores: Vec<(u32, (Expr, Expr))> = it
        .call_stores
        .into_iter()
        .flat_map(|(i, stores)| {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            stores.into_iter().map(move |store| (i, store))
        })
        .collect();
    call_stores.sort_unstable();
    let mut summary = EntrySummary {
        key,
        exprs: it.pool.freeze(),
        effects: it.effects,
        guards: it.guards.into_iter().map(Vec::into_boxed_slice).collect(),
        call_sites: it.call_sites.into_boxed_slice(),
        late: it.late.into_boxed_slice(),
        // Paths an incomplete analysis did not follow may have stored otherwise.
        call_stores: match it.complete {
            true => call_stores.into_boxed_slice(),
            false => Box::default(),
        },
        exit_stores: match it.complete {
            true => it.exit_stores.unwrap_or_default().into_boxed_slice(),
            false => Box::default(),
        },
        returns: match it.returns {
            Returns::Words(words) => Some(words.into_boxed_slice()),
            Returns::Unseen | Returns::Unknown => None,
        },
        deployed: match it.deployed {
            Deployed::Segs(segs) => Some(segs.into_boxed_slice()),
            Deployed::Unseen | Deployed::Unknown => None,
        },
        steps: it.steps,
        complete: it.complete,
        open: false,
        assumed: it.assumed.into_boxed_slice(),
        block,
        storage_branches: it.storage_branches,
    };
    summary.open = summary.has_open_effect();
    summary
}

fn bin_op(op: u8) -> Option<BinOp> {
    Some(match op {
        opcode::ADD => BinOp::Add,
        opcode::MUL => BinOp::Mul,
        opcode::SUB => BinOp::Sub,
        opcode::DIV => BinOp::Div,
        opcode::SDIV => BinOp::SDiv,
        opcode::MOD => BinOp::Mod,
        opcode::SMOD => BinOp::SMod,
        opcode::EXP => BinOp::Exp,
        opcode::SIGNEXTEND => BinOp::SignExtend,
        opcode::LT => BinOp::Lt,
        opcode::GT => BinOp::Gt,
        opcode::SLT => BinOp::SLt,
        opcode::SGT => BinOp::SGt,
        opcode::EQ => BinOp::Eq,
        opcode::AND => BinOp::And,
        opcode::OR => BinOp::Or,
        opcode::XOR => BinOp::Xor,
        opcode::BYTE => BinOp::Byte,
        opcode::SHL => BinOp::Shl,
        opcode::SHR => BinOp::Shr,
        opcode::SAR => BinOp::Sar,
        _ => return None,
    })
}

impl Interp<'_, '_> {
    /// Records an effect of a path that took `guards`; an effect seen before keeps only the
    /// guards both paths took. Returns the effect's index (`None`: too many effects; the
    /// analysis then stops, widened).
    fn effect(&mut self, e: Effect, guards: &[Guard]) -> Option<usize> {
        if let Some(&i) = self.seen.get(&e) {
            self.guards[i].retain(|g| guards.contains(g));
            return Some(i);
        }
        // The widening that ends an exploded analysis always fits (there are few kinds).
        if self.effects.len() >= MAX_EFFECTS && !matches!(e, Effect::Widen(_)) {
            self.exploded = true;
            return None;
        }
        let i = self.effects.len();
        self.seen.insert(e.clone(), i);
        self.effects.push(e);
        self.guards.push(guards.to_vec());
        Some(i)
    }

    /// Notes that the path of `st` made the call or creation at `index` of the effects
    /// (`None`: past the bound, whose order is not known) with the instruction at `pc`.
    fn called(&mut self, st: &mut State, index: Option<usize>, pc: usize) {
        let index = index.map_or(u32::MAX, |i| u32::try_from(i).unwrap_or(u32::MAX));
        if st.last_call > index || index == u32::MAX {
            self.late.push((index, pc as u32));
        }
        st.last_call = st.last_call.max(index.saturating_add(1));
    }

    /// Notes what the path of `st` had last stored at constant slots when it made the call at
    /// `index` of the effects: only what every path to that call agrees on is kept.
    fn note_call_stores(&mut self, index: usize, st: &State) {
        let pool = &self.pool;
        let now = st
            .stored_values
            .iter()
            .filter(|&&(slot, _)| pool.as_const(slot).is_some())
            .copied();
        match self.call_stores.get_mut(&index) {
            Some(kept) => {
                let now: Vec<_> = now.collect();
                kept.retain(|v| now.contains(v));
            }
            None => {
                self.call_stores.insert(index, now.collect());
            }
        }
    }

    /// Notes what the path of `st`, which returns, had last stored: only what every returning
    /// path agrees on is kept.
    fn note_exit_stores(&mut self, st: &State) {
        match self.exit_stores.as_mut() {
            Some(kept) => kept.retain(|v| st.stored_values.contains(v)),
            None => self.exit_stores = Some(st.stored_values.clone()),
        }
    }

    /// A path returns `words` (`None`: not a constant number of whole words).
    fn join_returns(&mut self, words: Option<Vec<Expr>>) {
        self.returns = match (
            std::mem::replace(&mut self.returns, Returns::Unknown),
            words,
        ) {
            (Returns::Unseen, Some(words)) => Returns::Words(words),
            (Returns::Words(mut old), Some(words)) if old.len() == words.len() => {
                for (o, n) in old.iter_mut().zip(words) {
                    if *o != n {
                        *o = TOP;
                    }
                }
                Returns::Words(old)
            }
            _ => Returns::Unknown,
        };
    }

    fn join_deployed(&mut self, segs: Option<Vec<Seg>>) {
        self.deployed = match (
            std::mem::replace(&mut self.deployed, Deployed::Unknown),
            segs,
        ) {
            (Deployed::Unseen, Some(segs)) => Deployed::Segs(segs),
            (Deployed::Segs(old), Some(segs)) if old == segs => Deployed::Segs(old),
            _ => Deployed::Unknown,
        };
    }

    /// Memory `[off, off + len)` as segments, read in chunks of at most [`MAX_READ`] bytes;
    /// `None` when `off` is not a known base and offset.
    fn memory_segs(&mut self, st: &State, off: Expr, len: u32) -> Option<Vec<Seg>> {
        let (base, o) = self.pool.split_offset(off)?;
        let mut segs = Vec::new();
        let mut p = o;
        while p < o + len {
            let chunk = (o + len - p).min(MAX_READ);
            segs.extend(st.read(&mut self.pool, base, p, chunk));
            p += chunk;
        }
        Some(segs)
    }

    /// The words of memory `[off, off + len)`, when `len` is a small constant number of words.
    fn memory_words(&mut self, st: &State, off: Expr, len: Expr) -> Option<Vec<Expr>> {
        let n = self
            .small(len)
            .filter(|n| n.is_multiple_of(32) && *n <= 32 * MAX_RETURN_WORDS)?;
        let words = (0..n / 32)
            .map(|k| {
                let delta = self.pool.small(32 * k as u64);
                let at = self.pool.bin(BinOp::Add, delta, off);
                let segs = self.read_mem(st, at, 32);
                self.pool.concat(segs)
            })
            .collect();
        Some(words)
    }

    /// After the call at `pc`: an output region of one or two words holds the words it
    /// returned, each named by its offset: addresses from getters (`implementation()`,
    /// `getPair(a, b)`, the second of two tokens), followed at instantiation. A longer region
    /// (reserves, amounts) becomes unknown, as values that paths would split on. Values built
    /// on what an earlier run of this call returned (in a loop) become ⊤: a returned word
    /// always names the latest run.
    fn call_output(&mut self, st: &mut State, pc: usize, off: Expr, len: Expr) {
        let pool = &self.pool;
        st.forget(|e| pool.mentions_returned(e, pc as u32));
        let words = self
            .small(len)
            .filter(|n| *n > 0 && n.is_multiple_of(32) && *n <= 32 * self.limits.max_output_words);
        match (words, self.pool.split_offset(off)) {
            (Some(n), Some(at)) => self.write_returned_words(st, pc as u32, at, n / 32),
            _ => self.clobber(st, off, len),
        }
    }

    /// Writes the first `words` words the call at `pc` returned, each named by its offset,
    /// to memory from `at` on.
    fn write_returned_words(
        &mut self,
        st: &mut State,
        pc: u32,
        at: (Option<Expr>, u32),
        words: u32,
    ) {
        let (base, off) = at;
        for k in 0..words {
            let e = self.pool.returned(pc, 32 * k);
            st.write(
                Some((base, off.saturating_add(32 * k))),
                32,
                MemSrc::Word { e, shift: 0 },
            );
        }
    }

    /// RETURNDATACOPY, from offset 0 and of a length not known, of the output of the call the
    /// path made last to `m`: its first words name what that call returned, as an output
    /// region does (see [`Self::call_output`]), so that a proxy returning them forwards them.
    /// The length is taken to be the whole output: after a call RETURNDATASIZE is the ⊤ that
    /// code copies return data with (a shorter copy of an unknown length would leave older
    /// memory under words named here).
    fn copy_return_data(&mut self, st: &mut State, m: Expr) {
        if let (ReturnData::Call(pc), Some(at)) = (st.return_data, self.pool.split_offset(m)) {
            self.write_returned_words(st, pc, at, DEFAULT_OUTPUT_WORDS);
        }
    }

    /// The words of a RETURN of unknown length at `off` that forwards what the path's last
    /// call returned (a proxy's `returndatacopy(p, 0, returndatasize())` then
    /// `return(p, returndatasize())`; the length is taken to be RETURNDATASIZE, as in
    /// [`Self::copy_return_data`]): the first words of that output, still in memory.
    /// Instantiation evaluates each to the callee's word, or to unknown where the callee
    /// returned fewer.
    fn forwarded_return_data(&mut self, st: &State, off: Expr) -> Option<Vec<Expr>> {
        let ReturnData::Call(pc) = st.return_data else {
            return None;
        };
        let len = self.pool.small(u64::from(32 * DEFAULT_OUTPUT_WORDS));
        let words = self.memory_words(st, off, len)?;
        let forwarded = (0..DEFAULT_OUTPUT_WORDS)
            .zip(&words)
            .all(|(k, w)| *w == self.pool.returned(pc, 32 * k));
        forwarded.then_some(words)
    }

    /// The context of a state at a join point: the jump destinations on its stack, by depth
    /// from the top.
    fn context(&mut self, st: &State) -> u64 {
        // Not the stack height: a loop that grows the stack would get a context per level.
        let mut h: u64 = 0;
        for (depth, e) in st.stack.iter().rev().enumerate() {
            if let Some(pc) = self.tag(*e) {
                h = (h.rotate_left(5) ^ (depth as u64) << 32 ^ pc as u64)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15);
            }
        }
        h
    }

    /// The JUMPDEST that `e` names, if it is such a constant.
    fn tag(&mut self, e: Expr) -> Option<u32> {
        let i = e.0 as usize;
        if let Some(Some(t)) = self.tags.get(i) {
            return *t;
        }
        let t = self
            .pool
            .as_const(e)
            .filter(|c| *c < U256::from(self.code.len()))
            .map(|c| c.as_limbs()[0] as usize)
            .filter(|pc| self.code.is_jumpdest(*pc))
            .map(|pc| pc as u32);
        if self.tags.len() <= i {
            self.tags.resize(i + 1, None);
        }
        self.tags[i] = Some(t);
        t
    }

    /// A state reaches a join point: keep it, subsume it, or join it.
    fn arrive(&mut self, pc: usize, st: State) {
        let key = (pc as u32, self.context(&st));
        let k = self.limits.max_states_per_point.max(1);
        if !self.states.contains_key(&key) {
            let n = self.contexts.entry(key.0).or_insert(0);
            *n += 1;
            if *n as usize > self.limits.max_contexts_per_point {
                self.exploded = true;
                return;
            }
        }
        let point = self.states.entry(key).or_default();
        // Newest first: the likeliest to have absorbed joins.
        if point
            .list
            .iter()
            .rev()
            .any(|t| t.subsumes(&st, &self.pool, pc as u32))
        {
            return;
        }
        // A state that differs from a kept one only in its guards: the paths merge here, so
        // what follows holds whichever way they branched.
        if let Some(t) = point
            .list
            .iter_mut()
            .find(|t| t.guards != st.guards && t.same_but_guards(&st))
        {
            t.guards.retain(|g| st.guards.contains(g));
            self.work.push((pc, t.clone()));
            return;
        }
        if point.list.len() < k {
            point.list.push(st.clone());
            point.pending.push(false);
            self.work.push((pc, st));
            return;
        }
        // The state that agrees with the new one on the most stack words (the newest of
        // those): a loop's paths join within one iteration, and its counter stays a constant.
        let Some(i) = (0..point.list.len()).max_by_key(|i| {
            let t = &point.list[*i];
            t.stack
                .iter()
                .rev()
                .zip(st.stack.iter().rev())
                .filter(|(x, y)| x == y)
                .count()
        }) else {
            // Not reached: the list is full, and holds at least one state.
            return;
        };
        let joined = point.list[i].join(&st, &mut self.pool, pc as u32);
        if joined == point.list[i] {
            // Nothing new: the state already kept here was run, or is about to be.
            return;
        }
        point.list[i] = joined;
        if !point.pending[i] {
            point.pending[i] = true;
            self.rejoin.push((key, i));
        }
    }

    fn jump(&mut self, target: Expr, st: State) {
        match self.pool.as_const(target) {
            Some(t) if t < U256::from(self.code.len()) => {
                let t = t.as_limbs()[0] as usize;
                if self.code.is_jumpdest(t) {
                    self.arrive(t, st);
                }
                // else: the EVM halts exceptionally; the path has no effects.
            }
            Some(_) => {}
            None => {
                self.effect(Effect::Widen(WideningReason::UnresolvedJump), &st.guards);
            }
        }
    }

    fn read_mem(&mut self, st: &State, off: Expr, len: u32) -> Vec<Seg> {
        match self.pool.split_offset(off) {
            Some((base, o)) => st.read(&mut self.pool, base, o, len),
            None => vec![Seg::Unknown {
                len: len.min(u16::MAX as u32) as u16,
            }],
        }
    }

    fn small(&self, e: Expr) -> Option<u32> {
        self.pool
            .as_const(e)
            .filter(|c| *c <= U256::from(u32::MAX))
            .map(|c| c.as_limbs()[0] as u32)
    }

    /// Records that `len` bytes at `off` became unknown (return data, EXTCODECOPY, ...).
    fn clobber(&mut self, st: &mut State, off: Expr, len: Expr) {
        match self.small(len) {
            Some(0) => {}
            Some(l) => st.write(self.pool.split_offset(off), l, MemSrc::Unknown),
            None => st.write(self.pool.split_offset(off), DYN_EXTENT, MemSrc::Unknown),
        }
    }

    fn call_input(&mut self, st: &State, off: Expr, len: Expr) -> CallInput {
        if let Some(l) = self.small(len) {
            let segs = self.read_mem(st, off, l.min(MAX_READ));
            return CallInput {
                segs: segs.into_boxed_slice(),
                tail: None,
                len,
            };
        }
        let Some((base, o)) = self.pool.split_offset(off) else {
            return CallInput {
                segs: Box::new([]),
                tail: None,
                len,
            };
        };
        if let Some(m) = st.entry_at(base, o)
            && let MemSrc::CallDataDyn { start, len: l } = m.src
        {
            return CallInput {
                segs: Box::new([]),
                tail: Some((start, l)),
                len,
            };
        }
        let ext = st.extent(base, o);
        let segs = st.read(&mut self.pool, base, o, ext.saturating_sub(o));
        CallInput {
            segs: segs.into_boxed_slice(),
            tail: None,
            len,
        }
    }

    /// Interprets from `pc` until the path ends or reaches a join point. `false` when the
    /// step budget ran out.
    fn run(&mut self, mut pc: usize, mut st: State) -> bool {
        let mut start = pc;
        loop {
            if self.steps >= self.limits.max_steps {
                return false;
            }
            self.steps += 1;
            if pc != start && self.code.is_leader(pc) {
                self.arrive(pc, st);
                return true;
            }
            if st.stack.len() > MAX_STACK {
                return true;
            }
            let insn = self.code.insn(pc);
            let op = insn.op;
            if let Some(b) = bin_op(op) {
                let a = st.pop();
                let c = st.pop();
                let r = self.pool.bin(b, a, c);
                st.push(r);
                pc = insn.next;
                continue;
            }
            match op {
                opcode::PUSH0..=opcode::PUSH32 => {
                    let e = *self
                        .pushes
                        .entry(pc as u32)
                        .or_insert_with(|| self.pool.constant(self.code.push_value(pc)));
                    st.push(e);
                }
                opcode::DUP1..=opcode::DUP16 => {
                    let n = (op - opcode::DUP1) as usize;
                    let v = st.peek(n);
                    st.push(v);
                }
                opcode::SWAP1..=opcode::SWAP16 => {
                    let n = (op - opcode::SWAP1 + 1) as usize;
                    while st.stack.len() < n + 1 {
                        st.stack.insert(0, TOP);
                    }
                    let l = st.stack.len();
                    st.stack.swap(l - 1, l - 1 - n);
                }
                opcode::POP => {
                    st.pop();
                }
                opcode::JUMPDEST => {}
                opcode::NOT | opcode::ISZERO => {
                    let a = st.pop();
                    let u = if op == opcode::NOT {
                        UnOp::Not
                    } else {
                        UnOp::IsZero
                    };
                    let r = self.pool.un(u, a);
                    st.push(r);
                }
                opcode::CALLER
                | opcode::ORIGIN
                | opcode::CALLVALUE
                | opcode::ADDRESS
                | opcode::CALLDATASIZE
                | opcode::COINBASE
                | opcode::TIMESTAMP
                | opcode::NUMBER => {
                    let v = match op {
                        opcode::CALLER => Env::Caller,
                        opcode::ORIGIN => Env::Origin,
                        opcode::CALLVALUE => Env::CallValue,
                        opcode::ADDRESS => Env::Address,
                        opcode::CALLDATASIZE => Env::CallDataSize,
                        opcode::COINBASE => Env::Coinbase,
                        opcode::TIMESTAMP => Env::Timestamp,
                        _ => Env::Number,
                    };
                    let e = self.pool.env(v);
                    st.push(e);
                }
                opcode::PC => {
                    let e = self.pool.small(pc as u64);
                    st.push(e);
                }
                opcode::CODESIZE => {
                    let e = self.pool.small(self.code.len() as u64);
                    st.push(e);
                }
                opcode::CALLDATALOAD => {
                    let o = st.pop();
                    let e = self.pool.calldata(o);
                    st.push(e);
                }
                opcode::SLOAD => {
                    let s = st.pop();
                    self.effect(Effect::Read(s), &st.guards);
                    let e = match st.stored_value(s) {
                        Some(v) => v,
                        None => match self.pre_state_value(&st, s) {
                            PreState::Value(v) => self.pool.constant(v),
                            PreState::Stored => TOP,
                            PreState::Symbolic => self.pool.sload(s),
                        },
                    };
                    st.push(e);
                }
                opcode::SSTORE => {
                    let s = st.pop();
                    let v = st.pop();
                    self.effect(Effect::Write(s), &st.guards);
                    st.store(&self.pool, s, v);
                    if self.storage.is_some() && !st.stored.contains(&s) {
                        st.stored.push(s);
                    }
                }
                opcode::MLOAD => {
                    let o = st.pop();
                    let segs = self.read_mem(&st, o, 32);
                    let e = self.pool.concat(segs);
                    st.push(e);
                }
                opcode::MSTORE | opcode::MSTORE8 => {
                    let o = st.pop();
                    let v = st.pop();
                    let at = self.pool.split_offset(o);
                    if op == opcode::MSTORE {
                        // A free pointer with ⊤ in it would make every later allocation an
                        // address that is not definite (unreadable): it gets a name of its
                        // own, as Solidity's allocator hands out memory no one else uses.
                        // What is stored there starts an allocation: a memory base.
                        let v = match at {
                            Some((None, FREE_POINTER)) => {
                                let v = match self.pool.is_definite(v) {
                                    true => v,
                                    false => self.name_free_pointer(&mut st, pc as u32),
                                };
                                self.pool.allocated(v);
                                v
                            }
                            _ => v,
                        };
                        self.mstore(&mut st, at, v);
                    } else {
                        st.write(at, 1, MemSrc::Word { e: v, shift: 31 });
                    }
                }
                opcode::KECCAK256 => {
                    let o = st.pop();
                    let l = st.pop();
                    let e = match self.small(l) {
                        Some(l) if l as usize <= crate::expr::MAX_HASH_BYTES => {
                            let segs = self.read_mem(&st, o, l);
                            self.pool.keccak(segs)
                        }
                        _ => TOP,
                    };
                    st.push(e);
                }
                opcode::CALLDATACOPY => {
                    let m = st.pop();
                    let o = st.pop();
                    let l = st.pop();
                    let at = self.pool.split_offset(m);
                    let src_known = o != TOP;
                    match self.small(l) {
                        Some(0) => {}
                        Some(n) => st.write(
                            at,
                            n.min(DYN_EXTENT),
                            if src_known {
                                MemSrc::CallData { start: o }
                            } else {
                                MemSrc::Unknown
                            },
                        ),
                        None => st.write(
                            at,
                            DYN_EXTENT,
                            if src_known && l != TOP {
                                MemSrc::CallDataDyn { start: o, len: l }
                            } else {
                                MemSrc::Unknown
                            },
                        ),
                    }
                }
                opcode::CODECOPY => {
                    let m = st.pop();
                    let o = st.pop();
                    let l = st.pop();
                    match (self.small(o), self.small(l)) {
                        (Some(o), Some(n)) if n > 0 => {
                            st.write(
                                self.pool.split_offset(m),
                                n.min(DYN_EXTENT),
                                MemSrc::Code { start: o },
                            );
                        }
                        _ => self.clobber(&mut st, m, l),
                    }
                }
                opcode::RETURNDATASIZE => {
                    let size = match st.return_data {
                        ReturnData::Empty => self.pool.small(0),
                        ReturnData::Call(_) | ReturnData::Unknown => TOP,
                    };
                    st.push(size);
                }
                opcode::RETURNDATACOPY => {
                    let m = st.pop();
                    let from = st.pop();
                    let l = st.pop();
                    self.clobber(&mut st, m, l);
                    if l == TOP && self.small(from) == Some(0) {
                        self.copy_return_data(&mut st, m);
                    }
                }
                opcode::MCOPY => {
                    let d = st.pop();
                    let s = st.pop();
                    let l = st.pop();
                    match (self.small(l), self.pool.split_offset(d)) {
                        (Some(n), Some((base, mut off))) if n <= MAX_READ => {
                            let segs = self.read_mem(&st, s, n);
                            for seg in segs {
                                let len = seg.len() as u32;
                                let src = match seg {
                                    Seg::Word { e, shift, .. } => MemSrc::Word { e, shift },
                                    Seg::CallData { start, .. } => MemSrc::CallData { start },
                                    Seg::Code { start, .. } => MemSrc::Code { start },
                                    Seg::Unknown { .. } => MemSrc::Unknown,
                                };
                                st.write(Some((base, off)), len, src);
                                off = off.saturating_add(len);
                            }
                        }
                        _ => self.clobber(&mut st, d, l),
                    }
                }
                opcode::BALANCE | opcode::EXTCODESIZE | opcode::EXTCODEHASH => {
                    let a = st.pop();
                    self.effect(Effect::Account(a), &st.guards);
                    st.push(TOP);
                }
                opcode::EXTCODECOPY => {
                    let a = st.pop();
                    let m = st.pop();
                    st.pop();
                    let l = st.pop();
                    self.effect(Effect::Account(a), &st.guards);
                    self.clobber(&mut st, m, l);
                }
                opcode::CALL | opcode::CALLCODE | opcode::DELEGATECALL | opcode::STATICCALL => {
                    st.pop(); // gas
                    let target = st.pop();
                    let (kind, value) = match op {
                        opcode::CALL => (CallKind::Call, st.pop()),
                        opcode::CALLCODE => (CallKind::CallCode, st.pop()),
                        opcode::DELEGATECALL => (CallKind::DelegateCall, self.pool.small(0)),
                        _ => (CallKind::StaticCall, self.pool.small(0)),
                    };
                    let in_off = st.pop();
                    let in_len = st.pop();
                    let out_off = st.pop();
                    let out_len = st.pop();
                    let input = self.call_input(&st, in_off, in_len);
                    let may_reenter = self.storage.is_some()
                        && kind != CallKind::StaticCall
                        && !self.cannot_reenter(kind, target, &input);
                    let call = Effect::Call {
                        kind,
                        target,
                        value,
                        input,
                    };
                    let index = self.effect(call, &st.guards);
                    if let Some(i) = index {
                        self.call_sites.push((i as u32, pc as u32));
                        self.note_call_stores(i, &st);
                    }
                    self.called(&mut st, index, pc);
                    self.call_output(&mut st, pc, out_off, out_len);
                    st.return_data = ReturnData::Call(pc as u32);
                    st.dirty |= may_reenter;
                    st.push(TOP);
                }
                opcode::CREATE | opcode::CREATE2 => {
                    let value = st.pop();
                    let off = st.pop();
                    let len = st.pop();
                    let salt = (op == opcode::CREATE2).then(|| st.pop());
                    let init = match self.small(len) {
                        Some(n) if n <= MAX_INIT => self
                            .memory_segs(&st, off, n)
                            .unwrap_or_else(|| vec![Seg::Unknown { len: n as u16 }]),
                        _ => vec![Seg::Unknown { len: 0 }],
                    };
                    let address = match salt {
                        Some(salt) => self.create2_address(salt, &init),
                        None => TOP,
                    };
                    let index = self.effect(
                        Effect::Create {
                            value,
                            salt,
                            init: init.into_boxed_slice(),
                            index: self.creates,
                        },
                        &st.guards,
                    );
                    self.called(&mut st, index, pc);
                    st.return_data = ReturnData::Unknown;
                    self.creates = self.creates.saturating_add(1);
                    st.dirty |= self.storage.is_some();
                    st.push(address);
                }
                opcode::SELFDESTRUCT => {
                    let b = st.pop();
                    self.effect(Effect::SelfDestruct(b), &st.guards);
                    return true;
                }
                opcode::JUMP => {
                    let t = st.pop();
                    self.jump(t, st);
                    return true;
                }
                opcode::JUMPI => {
                    let t = st.pop();
                    let c = st.pop();
                    let decided = self
                        .pool
                        .as_const(c)
                        .map(|c| !c.is_zero())
                        .or_else(|| self.pool.decided_by(c, &st.guards));
                    match decided {
                        Some(true) => {
                            self.jump(t, st);
                            return true;
                        }
                        Some(false) => {}
                        None if self.pool.is_sender_condition(c)
                            || self.pool.is_input_condition(c) =>
                        {
                            let mut taken = st.clone();
                            taken.guard(Guard {
                                cond: c,
                                holds: true,
                            });
                            self.jump(t, taken);
                            st.guard(Guard {
                                cond: c,
                                holds: false,
                            });
                        }
                        None => {
                            self.storage_branches |=
                                self.storage.is_none() && self.pool.reads_fixed_slot(c);
                            self.jump(t, st.clone());
                        }
                    }
                    // The fall-through has no other predecessor unless it is a JUMPDEST: go
                    // on without storing the state there.
                    if self.code.is_jumpdest(insn.next) {
                        self.arrive(insn.next, st);
                        return true;
                    }
                    pc = insn.next;
                    start = pc;
                    continue;
                }
                opcode::STOP => {
                    self.note_exit_stores(&st);
                    self.join_returns(Some(Vec::new()));
                    self.join_deployed(Some(Vec::new()));
                    return true;
                }
                opcode::RETURN => {
                    self.note_exit_stores(&st);
                    let off = st.pop();
                    let len = st.pop();
                    let words = match len == TOP {
                        true => self.forwarded_return_data(&st, off),
                        false => self.memory_words(&st, off, len),
                    };
                    self.join_returns(words);
                    if !matches!(self.deployed, Deployed::Unknown) {
                        let segs = self
                            .small(len)
                            .filter(|n| *n <= MAX_DEPLOYED)
                            .and_then(|n| self.memory_segs(&st, off, n));
                        self.join_deployed(segs);
                    }
                    return true;
                }
                opcode::REVERT | opcode::INVALID => return true,
                opcode::CHAINID => {
                    let id = self.pool.small(CHAIN_ID);
                    st.push(id);
                }
                opcode::ADDMOD | opcode::MULMOD => {
                    let (a, b, n) = (st.pop(), st.pop(), st.pop());
                    st.push(self.modular(op, a, b, n));
                }
                _ => {
                    if !is_defined(op) {
                        return true;
                    }
                    let (i, o) = OpCode::new(op).map_or((0, 0), |c| (c.inputs(), c.outputs()));
                    for _ in 0..i {
                        st.pop();
                    }
                    for _ in 0..o {
                        st.push(TOP);
                    }
                }
            }
            pc = insn.next;
        }
    }

    /// ADDMOD or MULMOD (`op`) of `a` and `b` modulo `n`: folded when all three are
    /// constants (a 512-bit product, as `mulDiv` needs), ⊤ otherwise.
    fn modular(&mut self, op: u8, a: Expr, b: Expr, n: Expr) -> Expr {
        let (Some(a), Some(b), Some(n)) = (
            self.pool.as_const(a),
            self.pool.as_const(b),
            self.pool.as_const(n),
        ) else {
            return TOP;
        };
        let folded = match op {
            opcode::ADDMOD => a.add_mod(b, n),
            _ => a.mul_mod(b, n),
        };
        self.pool.constant(folded)
    }

    /// Whether the call cannot change the frame's storage (see [`CalleeCheck`]): a CALL (not
    /// CALLCODE or DELEGATECALL, which run other code on this storage) to a constant address
    /// the check clears. A summary that relies on it holds in the frame's block only.
    fn cannot_reenter(&mut self, kind: CallKind, target: Expr, input: &CallInput) -> bool {
        if kind != CallKind::Call {
            return false;
        }
        let Some(target) = self.pool.as_const(target) else {
            return false;
        };
        let entry = self.callee_entry(input);
        if let Some(&(.., known)) = self
            .cleared
            .iter()
            .find(|(t, e, _)| *t == target && *e == entry)
        {
            return known;
        }
        let Some(check) = self.callees.as_mut() else {
            return false;
        };
        let cleared = check(crate::proxy::to_address(target), entry) && self.pool.use_block();
        self.cleared.push((target, entry, cleared));
        cleared
    }

    /// The entry a call's calldata selects: its selector when its first four bytes are
    /// constants, [`EntryKey::Empty`] when it is empty, else [`EntryKey::Any`].
    fn callee_entry(&self, input: &CallInput) -> EntryKey {
        if input.tail.is_none() && self.pool.as_const(input.len) == Some(U256::ZERO) {
            return EntryKey::Empty;
        }
        let mut selector = Vec::with_capacity(4);
        for seg in input.segs.iter() {
            let Seg::Word { e, shift, len } = *seg else {
                break;
            };
            let Some(word) = self.pool.as_const(e) else {
                break;
            };
            let bytes = word.to_be_bytes::<32>();
            let (from, to) = (usize::from(shift), usize::from(shift) + usize::from(len));
            let Some(taken) = bytes.get(from..to.min(32)) else {
                break;
            };
            selector.extend_from_slice(taken);
            if selector.len() >= 4 {
                break;
            }
        }
        match selector.get(..4) {
            Some(s) => EntryKey::Selector(u32::from_be_bytes([s[0], s[1], s[2], s[3]])),
            None => EntryKey::Any,
        }
    }

    /// What a load of `slot` gives on the path of `st`: nothing known, when the path may have
    /// stored to that slot; the pre-state value, when the analysis knows the frame's storage,
    /// the slot is a constant and no call on the path may have re-entered; otherwise the
    /// symbolic load.
    fn pre_state_value(&mut self, st: &State, slot: Expr) -> PreState {
        let Some(read) = self.storage.as_mut() else {
            return PreState::Symbolic;
        };
        let constant = self.pool.as_const(slot);
        if st
            .stored
            .iter()
            .any(|&s| !self.pool.distinct_slots(s, slot))
        {
            return PreState::Stored;
        }
        let Some(slot) = constant.filter(|_| !st.dirty) else {
            return PreState::Symbolic;
        };
        if let Some(&(_, v)) = self.assumed.iter().find(|(s, _)| *s == slot) {
            return PreState::Value(v);
        }
        if self.assumed.len() >= MAX_ASSUMED {
            return PreState::Symbolic;
        }
        match read(slot) {
            Some(v) => {
                self.assumed.push((slot, v));
                PreState::Value(v)
            }
            None => PreState::Symbolic,
        }
    }

    /// The name the MSTORE at `pc` gives the free pointer it sets to a value with ⊤ in it:
    /// the first of its names ([`FREE_POINTER_NAMES`]) the path holds nothing under, else the
    /// first the allocation being made (the pointer's current value) does not go by.
    /// Whatever the path still holds under the name taken (an older allocation's address,
    /// words written there) is forgotten: the name now means the new allocation.
    fn name_free_pointer(&mut self, st: &mut State, pc: u32) -> Expr {
        let names: Vec<Expr> = (0..FREE_POINTER_NAMES)
            .map(|k| self.pool.stored_free_pointer(pc, k))
            .collect();
        let pool = &self.pool;
        let current = st.free_pointer();
        let name = names
            .iter()
            .copied()
            .find(|&n| !st.holds(|e| pool.mentions(e, n)))
            .or_else(|| {
                names
                    .iter()
                    .copied()
                    .find(|&n| current.is_none_or(|c| !pool.mentions(c, n)))
            })
            .unwrap_or(names[0]);
        st.forget(|e| pool.mentions(e, name));
        st.forget_base(name);
        name
    }

    /// MSTORE, splitting `(x & low_mask) | high_bytes` into the bytes it really sets: solc
    /// writes a selector into the top bytes of a word it read back, whose rest may be unknown.
    fn mstore(&mut self, st: &mut State, at: Option<(Option<Expr>, u32)>, v: Expr) {
        if let Node::Bin(BinOp::Or, x, c) = self.pool.node(v).clone()
            && let Some(c) = self.pool.as_const(c)
            && let Node::Bin(BinOp::And, y, m) = self.pool.node(x).clone()
            && let Some(m) = self.pool.as_const(m)
            && m.count_ones() % 8 == 0
            && m.count_ones() > 0
            && m == U256::MAX >> (256 - m.count_ones())
            && c & m == U256::ZERO
            && let Some((base, off)) = at
        {
            let k = 32 - (m.count_ones() / 8) as u32; // bytes set by `c`
            let ce = self.pool.constant(c);
            // An unknown `x` is taken to be the word read back from this very offset (solc's
            // pattern), so its bytes stay as they are; a prediction, validated by the executor.
            // So does an `x` that is that word: the pieces it was read from stay as they were.
            let unchanged = y == TOP || {
                let segs = st.read(&mut self.pool, base, off, 32);
                self.pool.concat(segs) == y
            };
            if !unchanged {
                st.write(Some((base, off)), 32, MemSrc::Word { e: y, shift: 0 });
            }
            st.write(Some((base, off)), k, MemSrc::Word { e: ce, shift: 0 });
            return;
        }
        st.write(at, 32, MemSrc::Word { e: v, shift: 0 });
    }

    /// `keccak(0xff . address . salt . keccak(init))[12..]` as an expression.
    fn create2_address(&mut self, salt: Expr, init: &[Seg]) -> Expr {
        let h = self.pool.keccak(init.to_vec());
        if h == TOP {
            return TOP;
        }
        let ff = self.pool.small(0xff);
        let me = self.pool.env(Env::Address);
        let k = self.pool.keccak(vec![
            Seg::Word {
                e: ff,
                shift: 31,
                len: 1,
            },
            Seg::Word {
                e: me,
                shift: 12,
                len: 20,
            },
            Seg::Word {
                e: salt,
                shift: 0,
                len: 32,
            },
            Seg::Word {
                e: h,
                shift: 0,
                len: 32,
            },
        ]);
        let mask = self.pool.constant((U256::from(1) << 160) - U256::from(1));
        self.pool.bin(BinOp::And, k, mask)
    }
}
