//! Symbolic expressions: the values the abstract interpreter puts on the stack and in memory.
//!
//! Input: constants, transaction inputs (calldata words, caller, callvalue, block fields, ...),
//! storage loads, keccak256 over byte segments, and EVM arithmetic. Output: a hash-consed,
//! constant-folded DAG ([`Pool`] while analysing, frozen into an [`ExprTable`] inside a summary)
//! that can be printed (`keccak(caller . 0x3)`) and evaluated against one transaction.

use std::fmt::{self, Write as _};

use crate::summary::Guard;
use alloy_primitives::{
    U256, keccak256,
    map::{HashMap, HashSet},
};
use revm::interpreter::instructions::i256::{i256_cmp, i256_div, i256_mod};
use serde::Serialize;

/// Deepest expression the pool builds; anything deeper becomes ⊤ (bounds evaluation recursion).
pub const MAX_DEPTH: u8 = 40;
/// Longest byte string a keccak or a concatenation may cover.
pub const MAX_HASH_BYTES: usize = 1024;

/// A handle to a node of a [`Pool`] or [`ExprTable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Expr(pub u32);

/// The handle of ⊤ in every pool.
pub const TOP: Expr = Expr(0);

/// A transaction or block input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Env {
    /// CALLER of the frame.
    Caller,
    /// ORIGIN (the transaction sender).
    Origin,
    /// CALLVALUE of the frame.
    CallValue,
    /// ADDRESS of the frame (whose storage it uses).
    Address,
    /// CALLDATASIZE of the frame.
    CallDataSize,
    /// COINBASE of the block.
    Coinbase,
    /// TIMESTAMP of the block.
    Timestamp,
    /// NUMBER of the block.
    Number,
}

/// Binary operators, with EVM operand order: `a` is the value that was on top of the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[allow(missing_docs)]
pub enum BinOp {
    Add,
    Mul,
    Sub,
    Div,
    SDiv,
    Mod,
    SMod,
    Exp,
    SignExtend,
    Lt,
    Gt,
    SLt,
    SGt,
    Eq,
    And,
    Or,
    Xor,
    Byte,
    Shl,
    Shr,
    Sar,
}

impl BinOp {
    /// The EVM semantics of the operator on constants.
    pub fn apply(self, a: U256, b: U256) -> U256 {
        let bool_u = |x: bool| if x { U256::from(1) } else { U256::ZERO };
        match self {
            Self::Add => a.wrapping_add(b),
            Self::Mul => a.wrapping_mul(b),
            Self::Sub => a.wrapping_sub(b),
            Self::Div => a.checked_div(b).unwrap_or_default(),
            Self::SDiv => i256_div(a, b),
            Self::Mod => a.checked_rem(b).unwrap_or_default(),
            Self::SMod => i256_mod(a, b),
            Self::Exp => a.pow(b),
            Self::SignExtend => {
                if a < U256::from(31) {
                    let ext = a.as_limbs()[0] as usize;
                    let bit = ext * 8 + 7;
                    let mask = (U256::from(1) << bit) - U256::from(1);
                    if b.bit(bit) { b | !mask } else { b & mask }
                } else {
                    b
                }
            }
            Self::Lt => bool_u(a < b),
            Self::Gt => bool_u(a > b),
            Self::SLt => bool_u(i256_cmp(&a, &b).is_lt()),
            Self::SGt => bool_u(i256_cmp(&a, &b).is_gt()),
            Self::Eq => bool_u(a == b),
            Self::And => a & b,
            Self::Or => a | b,
            Self::Xor => a ^ b,
            Self::Byte => {
                if a < U256::from(32) {
                    U256::from(b.byte(31 - a.as_limbs()[0] as usize))
                } else {
                    U256::ZERO
                }
            }
            Self::Shl => {
                if a < U256::from(256) {
                    b << a.as_limbs()[0] as usize
                } else {
                    U256::ZERO
                }
            }
            Self::Shr => {
                if a < U256::from(256) {
                    b >> a.as_limbs()[0] as usize
                } else {
                    U256::ZERO
                }
            }
            Self::Sar => {
                let neg = b.bit(255);
                if a < U256::from(256) {
                    let s = a.as_limbs()[0] as usize;
                    if neg && s > 0 {
                        (b >> s) | !(U256::MAX >> s)
                    } else {
                        b >> s
                    }
                } else if neg {
                    U256::MAX
                } else {
                    U256::ZERO
                }
            }
        }
    }

    fn commutative(self) -> bool {
        matches!(
            self,
            Self::Add | Self::Mul | Self::And | Self::Or | Self::Xor | Self::Eq
        )
    }

    fn symbol(self) -> &'static str {
        match self {
            Self::Add => "+",
            Self::Mul => "*",
            Self::Sub => "-",
            Self::Div => "/",
            Self::Mod => "%",
            Self::Lt => "<",
            Self::Gt => ">",
            Self::Eq => "==",
            Self::And => "&",
            Self::Or => "|",
            Self::Xor => "^",
            Self::SDiv => "sdiv",
            Self::SMod => "smod",
            Self::Exp => "**",
            Self::SignExtend => "signextend",
            Self::SLt => "slt",
            Self::SGt => "sgt",
            Self::Byte => "byte",
            Self::Shl => "shl",
            Self::Shr => "shr",
            Self::Sar => "sar",
        }
    }
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum UnOp {
    /// Bitwise NOT.
    Not,
    /// ISZERO.
    IsZero,
}

/// A run of bytes inside a keccak input, a concatenation or a call's calldata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Seg {
    /// Bytes `shift .. shift + len` of the big-endian 32-byte value of `e`.
    Word {
        /// The value.
        e: Expr,
        /// First byte taken.
        shift: u8,
        /// Number of bytes (1..=32).
        len: u8,
    },
    /// `len` bytes of the frame's calldata from offset `start` (zero past its end).
    CallData {
        /// Offset in calldata.
        start: Expr,
        /// Number of bytes.
        len: u16,
    },
    /// `len` bytes of the frame's own code from `start` (zero past its end).
    Code {
        /// Offset in code.
        start: u32,
        /// Number of bytes.
        len: u16,
    },
    /// `len` bytes nobody knows.
    Unknown {
        /// Number of bytes.
        len: u16,
    },
}

impl Seg {
    /// Number of bytes of this segment.
    pub fn len(&self) -> usize {
        match *self {
            Self::Word { len, .. } => len as usize,
            Self::CallData { len, .. } | Self::Code { len, .. } | Self::Unknown { len } => {
                len as usize
            }
        }
    }

    /// Whether the segment is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One node of the expression DAG.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Node {
    /// Unknown (⊤).
    Top,
    /// A constant.
    Const(U256),
    /// A transaction or block input.
    Env(Env),
    /// CALLDATALOAD at an offset.
    CallData(Expr),
    /// SLOAD of a slot of the frame's storage (the value in the pre-state).
    Sload(Expr),
    /// The 32-byte word at byte `offset` of the data returned by the call the frame made at
    /// program counter `pc` (known once instantiation has followed that call).
    Returned {
        /// The CALL, CALLCODE, DELEGATECALL or STATICCALL instruction.
        pc: u32,
        /// Byte offset in the returned data.
        offset: u32,
    },
    /// The free-memory pointer (the word at 0x40) where paths that allocated differently merge
    /// at the join point `pc`, or where the MSTORE at `pc` set it to a value with ⊤ in it (an
    /// allocation sized by return data): unknown, but one value, so that memory written
    /// relative to it stays readable (a pair address hashed in a loop's later iterations).
    /// Such an MSTORE has several names ([`FREE_POINTER_NAMES`]), so that the allocations it
    /// named before stay apart from the one it names now (a loop, a helper called again).
    FreePointer {
        /// The join point, or the MSTORE (with its name's number in bits 30 and 31).
        pc: u32,
    },
    /// keccak256 over the concatenated segments.
    Keccak(Box<[Seg]>),
    /// A 32-byte word made of several segments (an MLOAD straddling writes).
    Concat(Box<[Seg]>),
    /// A binary operation.
    Bin(BinOp, Expr, Expr),
    /// A unary operation.
    Un(UnOp, Expr),
}

/// What the analysis knows about the frame's calldata before looking at the code.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Known {
    /// The selector (first four bytes of calldata), when known.
    pub selector: Option<u32>,
    /// A lower bound of CALLDATASIZE.
    pub min_size: u8,
    /// Calldata is empty.
    pub empty: bool,
    /// The whole calldata and CALLVALUE, for an analysis specialised to one frame: calldata
    /// words at constant offsets, CALLDATASIZE and CALLVALUE fold to constants, so loops over
    /// calldata arrays run with their real bounds.
    pub frame: Option<FrameFacts>,
}

/// What is known of one frame's calldata and value, for an analysis specialised to it.
///
/// Equality and hashing (the specialisation caches' key) leave `block` out: a summary records
/// whether it used the block ([`crate::EntrySummary::block`]), so that one analysed in an
/// earlier block still serves the frame when it did not.
#[derive(Debug, Clone, Default)]
pub struct FrameFacts {
    /// The calldata (its length is known).
    pub calldata: alloy_primitives::Bytes,
    /// Which calldata bytes are known (`None`: all).
    pub known: Option<Vec<bool>>,
    /// CALLVALUE, when known.
    pub value: Option<U256>,
    /// CALLER, ORIGIN and ADDRESS, when known (one frame of one transaction).
    pub senders: Option<FrameSenders>,
    /// NUMBER and TIMESTAMP, when known (one frame of one block); not part of the key.
    pub block: Option<FrameBlock>,
    /// Whether the analysis takes the frame's storage from the pre-state (see
    /// [`crate::EntrySummary::assumed`]).
    pub pre_state: bool,
    /// With `pre_state`, the slots it does not take from there, sorted: an earlier write
    /// may have changed them.
    pub withheld: Box<[U256]>,
    /// With `pre_state`, slots that hold what a frame further up the call stack stored there
    /// before the call this frame runs in (a lock flag), or what an earlier frame of the
    /// transaction left there when it returned, as `(slot, value)`, sorted: the analysis
    /// reads those values, not the pre-state's.
    pub stored: Box<[(U256, U256)]>,
}

/// The accounts one frame runs between: its CALLER, the transaction's ORIGIN, and its ADDRESS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameSenders {
    /// CALLER.
    pub caller: U256,
    /// ORIGIN.
    pub origin: U256,
    /// ADDRESS.
    pub address: U256,
}

/// The block one frame runs in: its NUMBER and TIMESTAMP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FrameBlock {
    /// NUMBER.
    pub number: u64,
    /// TIMESTAMP.
    pub timestamp: u64,
}

/// The fields of [`FrameFacts`] that key the specialisation caches: all but `block`.
type FactsKey<'a> = (
    &'a alloy_primitives::Bytes,
    Option<&'a [bool]>,
    Option<U256>,
    Option<FrameSenders>,
    bool,
    &'a [U256],
    &'a [(U256, U256)],
);

impl FrameFacts {
    /// The key fields, destructured so that a new field cannot be left out unnoticed.
    fn key(&self) -> FactsKey<'_> {
        let Self {
            calldata,
            known,
            value,
            senders,
            block: _,
            pre_state,
            withheld,
            stored,
        } = self;
        (
            calldata,
            known.as_deref(),
            *value,
            *senders,
            *pre_state,
            withheld,
            stored,
        )
    }
}

impl PartialEq for FrameFacts {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}

impl Eq for FrameFacts {}

impl std::hash::Hash for FrameFacts {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        let (calldata, known, value, senders, pre_state, withheld, stored) = self.key();
        calldata.hash(state);
        value.hash(state);
        senders.hash(state);
        pre_state.hash(state);
        withheld.hash(state);
        stored.hash(state);
        hash_known_mask(known, state);
    }
}

/// Hashes a mask of known calldata bytes as a run of bytes. Such masks key the
/// specialisation caches and fingerprint frames on every specialised frame, and hashing them
/// flag by flag cost more than the rest of the lookup.
pub(crate) fn hash_known_mask<H: std::hash::Hasher>(mask: Option<&[bool]>, state: &mut H) {
    match mask {
        None => state.write_u8(0),
        Some(mask) => {
            state.write_u8(1);
            state.write_usize(mask.len());
            let mut buf = [0u8; 256];
            for chunk in mask.chunks(buf.len()) {
                for (b, &k) in buf.iter_mut().zip(chunk) {
                    *b = u8::from(k);
                }
                state.write(&buf[..chunk.len()]);
            }
        }
    }
}

/// Largest calldata word kept by [`FrameFacts::shape`]: offsets, lengths, counts and flags.
const SHAPE_WORD_MAX: u64 = 1 << 16;

impl FrameFacts {
    /// The shape of a frame's calldata: its length, its selector, and the ABI words (from byte
    /// 4, every 32 bytes) whose values are small — offsets and lengths of dynamic arrays,
    /// counts, flags — while addresses and amounts stay symbolic. Frames of one shape share
    /// one specialised summary: a loop over a calldata array unrolls to the array's real
    /// length, and its effects stay expressions over the calldata, evaluated per frame.
    /// CALLVALUE is kept when it is zero. `known` marks the bytes known to the caller.
    pub fn shape(calldata: &[u8], known: Option<&[bool]>, value: Option<U256>) -> Self {
        Self::keeping(calldata, known, value, |word| {
            U256::from_be_slice(word) < U256::from(SHAPE_WORD_MAX)
        })
    }

    /// Less than [`Self::shape`]: the length and the selector only, and the storage taken
    /// from the pre-state (see [`crate::EntrySummary::storage_branches`]). Every frame of one
    /// entry and length shares the summary, while the storage holds what it assumed.
    pub fn selector_with_storage(
        calldata: &[u8],
        known: Option<&[bool]>,
        value: Option<U256>,
    ) -> Self {
        Self {
            pre_state: true,
            ..Self::keeping(calldata, known, value, |_| false)
        }
    }

    /// The length, the selector and the ABI words `keep` accepts, of the known bytes.
    fn keeping(
        calldata: &[u8],
        known: Option<&[bool]>,
        value: Option<U256>,
        keep: impl Fn(&[u8]) -> bool,
    ) -> Self {
        let is_known = |i: usize| known.is_none_or(|k| k.get(i).copied().unwrap_or(false));
        let mut bytes = vec![0u8; calldata.len()];
        let mut mask = vec![false; calldata.len()];
        for i in 0..calldata.len().min(4) {
            if is_known(i) {
                bytes[i] = calldata[i];
                mask[i] = true;
            }
        }
        let mut p = 4;
        while p + 32 <= calldata.len() {
            let word = &calldata[p..p + 32];
            if (p..p + 32).all(is_known) && keep(word) {
                bytes[p..p + 32].copy_from_slice(word);
                mask[p..p + 32].fill(true);
            }
            p += 32;
        }
        Self {
            calldata: bytes.into(),
            known: Some(mask),
            value: value.filter(|v| v.is_zero()),
            senders: None,
            block: None,
            pre_state: false,
            withheld: Box::default(),
            stored: Box::default(),
        }
    }
}

impl Known {
    /// The facts an entry key gives (the selector, and a minimum calldata size).
    pub fn of_entry(key: crate::summary::EntryKey) -> Self {
        use crate::summary::EntryKey;
        match key {
            EntryKey::Selector(s) => Self {
                selector: Some(s),
                min_size: 4,
                ..Self::default()
            },
            EntryKey::Empty => Self {
                empty: true,
                ..Self::default()
            },
            EntryKey::Any => Self::default(),
        }
    }

    /// `len` calldata bytes from `start` (zero-padded), when the whole calldata is known.
    fn calldata_bytes(&self, start: U256, len: usize, out: &mut Vec<u8>) -> bool {
        let Some(frame) = &self.frame else {
            return false;
        };
        let start = usize::try_from(start).ok();
        if let (Some(mask), Some(s)) = (&frame.known, start)
            && mask.iter().skip(s).take(len).any(|k| !k)
        {
            return false;
        }
        let have = start.and_then(|s| frame.calldata.get(s..)).unwrap_or(&[]);
        let n = have.len().min(len);
        out.extend_from_slice(&have[..n]);
        out.extend(std::iter::repeat_n(0, len - n));
        true
    }
}

/// The builder: hash-consing, constant folding and simplification.
#[derive(Debug)]
pub struct Pool {
    nodes: Vec<Node>,
    depth: Vec<u8>,
    width: Vec<u16>,
    index: HashMap<Node, Expr>,
    known: Known,
    code: alloy_primitives::Bytes,
    max_nodes: usize,
    /// Per node: what it depends on ([`Deps`]).
    deps: Vec<Deps>,
    /// Values stored as the free-memory pointer: the bases of allocations.
    allocations: HashSet<Expr>,
    /// The frame's block, once NUMBER or TIMESTAMP folded to it (see [`Self::used_block`]).
    used_block: Option<FrameBlock>,
}

impl Pool {
    /// A pool for one analysis of `code` under `known` facts, with at most `max_nodes` nodes
    /// (past that every new node is ⊤).
    pub fn new(code: alloy_primitives::Bytes, known: Known, max_nodes: usize) -> Self {
        let mut p = Self {
            nodes: Vec::new(),
            depth: Vec::new(),
            width: Vec::new(),
            index: HashMap::default(),
            known,
            code,
            deps: Vec::new(),
            max_nodes,
            allocations: HashSet::default(),
            used_block: None,
        };
        p.intern(Node::Top, 0, 256);
        p
    }

    /// The node behind `e`.
    pub fn node(&self, e: Expr) -> &Node {
        self.nodes.get(e.0 as usize).unwrap_or(&Node::Top)
    }

    /// The constant value of `e`, if it is one.
    pub fn as_const(&self, e: Expr) -> Option<U256> {
        match self.node(e) {
            Node::Const(c) => Some(*c),
            _ => None,
        }
    }

    /// Whether `e` names one value wherever it occurs: it depends on no anonymous ⊤ (two
    /// occurrences of an expression with ⊤ in it may differ; a free pointer is one value).
    /// Only such an expression may be folded with itself (`x - x`, `x == x`), tell memory
    /// addresses or storage slots apart, or serve as a memory base.
    pub fn is_definite(&self, e: Expr) -> bool {
        !deps_of(&self.deps, e).has(Deps::ANON)
    }

    /// Whether `e` is ⊤.
    pub fn is_top(&self, e: Expr) -> bool {
        e == TOP
    }

    /// Whether the branch condition `e` compares the frame's sender (CALLER or ORIGIN) for
    /// equality with a value that depends on nothing unknown: an access check (`msg.sender ==
    /// owner`) that instantiation can decide. Order comparisons (balances, allowances) are not
    /// guards: the pre-state's values may have changed before the transaction reads them.
    pub fn is_sender_condition(&self, e: Expr) -> bool {
        let (e, _) = self.strip_negations(e);
        let Node::Bin(BinOp::Eq, x, y) = self.node(e) else {
            return false;
        };
        let (x, y) = (*x, *y);
        (self.is_sender(x) || self.is_sender(y))
            && !deps_of(&self.deps, x).has(Deps::TOP)
            && !deps_of(&self.deps, y).has(Deps::TOP)
    }

    /// Whether `cond` is non-zero on a path that took `guards`, when one of them branched on
    /// the same condition (or its negation): `None` if none did. Only a condition on the
    /// frame's inputs alone is decided so: one that reads storage may have changed between
    /// the two branches (a store the path could not track leaves the same expression).
    pub fn decided_by(&self, cond: Expr, guards: &[Guard]) -> Option<bool> {
        if deps_of(&self.deps, cond).has(Deps(Deps::TOP.0 | Deps::SLOAD.0 | Deps::RETURNED.0)) {
            return None;
        }
        let (base, negated) = self.strip_negations(cond);
        guards.iter().find_map(|g| {
            let (b, n) = self.strip_negations(g.cond);
            (b == base).then_some(g.holds ^ (n != negated))
        })
    }

    /// `e` without its ISZERO wrappers, and whether there was an odd number of them.
    fn strip_negations(&self, mut e: Expr) -> (Expr, bool) {
        let mut negated = false;
        while let Node::Un(UnOp::IsZero, x) = self.node(e) {
            e = *x;
            negated = !negated;
        }
        (e, negated)
    }

    /// Whether `e` is decided by the frame's calldata and environment alone (no ⊤, storage
    /// value or returned word), in an analysis specialised to a frame's calldata.
    pub fn is_input_condition(&self, e: Expr) -> bool {
        let (e, _) = self.strip_negations(e);
        let Node::Bin(BinOp::Eq | BinOp::Lt | BinOp::Gt, x, y) = self.node(e) else {
            return false;
        };
        if self.as_const(*x).is_some() || self.as_const(*y).is_some() {
            return false;
        }
        let d = deps_of(&self.deps, e);
        self.known.frame.is_some()
            && d.has(Deps::INPUT)
            && !d.has(Deps::TOP)
            && !d.has(Deps::SLOAD)
            && !d.has(Deps::RETURNED)
    }

    /// Whether `e` is CALLER or ORIGIN, maybe masked to an address.
    fn is_sender(&self, e: Expr) -> bool {
        match self.node(e) {
            Node::Env(v) => matches!(v, Env::Caller | Env::Origin),
            Node::Bin(BinOp::And, x, y) => {
                (self.is_sender(*x) && self.as_const(*y).is_some())
                    || (self.is_sender(*y) && self.as_const(*x).is_some())
            }
            _ => false,
        }
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the pool holds only ⊤.
    pub fn is_empty(&self) -> bool {
        self.nodes.len() <= 1
    }

    fn intern(&mut self, node: Node, depth: u8, width: u16) -> Expr {
        if let Some(&e) = self.index.get(&node) {
            return e;
        }
        if depth > MAX_DEPTH || self.nodes.len() >= self.max_nodes {
            return TOP;
        }
        let e = Expr(self.nodes.len() as u32);
        let deps = Deps::of(&node, &self.deps);
        self.nodes.push(node.clone());
        self.depth.push(depth);
        self.width.push(width);
        self.deps.push(deps);
        self.index.insert(node, e);
        e
    }

    fn d(&self, e: Expr) -> u8 {
        self.depth.get(e.0 as usize).copied().unwrap_or(0)
    }

    fn w(&self, e: Expr) -> u16 {
        self.width.get(e.0 as usize).copied().unwrap_or(256)
    }

    /// A constant.
    pub fn constant(&mut self, c: U256) -> Expr {
        self.intern(Node::Const(c), 0, c.bit_len() as u16)
    }

    /// A small constant.
    pub fn small(&mut self, c: u64) -> Expr {
        self.constant(U256::from(c))
    }

    /// An environment input.
    pub fn env(&mut self, v: Env) -> Expr {
        if v == Env::CallDataSize && self.known.empty {
            return self.small(0);
        }
        if let Some(frame) = &self.known.frame {
            match (v, frame.value, frame.senders, frame.block) {
                (Env::CallDataSize, ..) => return self.small(frame.calldata.len() as u64),
                (Env::CallValue, Some(value), ..) => return self.constant(value),
                (Env::Caller, _, Some(s), _) => return self.constant(s.caller),
                (Env::Origin, _, Some(s), _) => return self.constant(s.origin),
                (Env::Address, _, Some(s), _) => return self.constant(s.address),
                (Env::Number | Env::Timestamp, .., Some(b)) => {
                    self.used_block = Some(b);
                    return self.small(match v {
                        Env::Number => b.number,
                        _ => b.timestamp,
                    });
                }
                _ => {}
            }
        }
        let width = match v {
            Env::Caller | Env::Origin | Env::Address | Env::Coinbase => 160,
            Env::CallDataSize | Env::Timestamp | Env::Number => 64,
            Env::CallValue => 256,
        };
        self.intern(Node::Env(v), 0, width)
    }

    /// CALLDATALOAD(off).
    pub fn calldata(&mut self, off: Expr) -> Expr {
        if self.known.empty {
            return self.small(0);
        }
        if off == TOP {
            return TOP;
        }
        if let Some(o) = self.as_const(off) {
            let mut word = Vec::with_capacity(32);
            if self.known.calldata_bytes(o, 32, &mut word) {
                return self.constant(U256::from_be_slice(&word));
            }
        }
        let d = self.d(off) + 1;
        self.intern(Node::CallData(off), d, 256)
    }

    /// SLOAD(slot).
    pub fn sload(&mut self, slot: Expr) -> Expr {
        if slot == TOP {
            return TOP;
        }
        let d = self.d(slot) + 1;
        self.intern(Node::Sload(slot), d, 256)
    }

    /// Whether `e` depends on a word the call at `pc` returned (past the bounds: assumed so).
    pub fn mentions_returned(&self, e: Expr, pc: u32) -> bool {
        let hit = |_: Expr, n: &Node| matches!(n, Node::Returned { pc: p, .. } if *p == pc);
        self.mentions_any_returned(e) && reaches(&self.nodes, e, &hit, &mut 0)
    }

    /// Word `offset` of what the call at `pc` returned.
    pub fn returned(&mut self, pc: u32, offset: u32) -> Expr {
        self.intern(Node::Returned { pc, offset }, 0, 256)
    }

    /// The free-memory pointer merged at the join point `pc`, or set by the MSTORE at `pc`
    /// (see [`Node::FreePointer`]).
    pub fn free_pointer(&mut self, pc: u32) -> Expr {
        self.intern(Node::FreePointer { pc }, 0, 256)
    }

    /// Name `k` (below [`FREE_POINTER_NAMES`]) of the free pointer set by the MSTORE at `pc`
    /// (see [`Node::FreePointer`]).
    pub fn stored_free_pointer(&mut self, pc: u32, k: u32) -> Expr {
        self.free_pointer(pc | (k.min(FREE_POINTER_NAMES - 1) << NAME_SHIFT))
    }

    /// Whether `e` is `name` or is built from it (a walk of the DAG, bounded: past the bound,
    /// assumed so).
    pub fn mentions(&self, e: Expr, name: Expr) -> bool {
        reaches(&self.nodes, e, &|x, _| x == name, &mut 0)
    }

    /// Whether `e` is the free-memory pointer merged at `pc` (made earlier by
    /// [`Self::free_pointer`]).
    pub fn is_free_pointer(&self, e: Expr, pc: u32) -> bool {
        *self.node(e) == Node::FreePointer { pc }
    }

    /// Whether `e` depends on a word some call returned.
    pub fn mentions_any_returned(&self, e: Expr) -> bool {
        deps_of(&self.deps, e).has(Deps::RETURNED)
    }

    /// Whether `e` depends on a storage slot that depends on nothing the frame is given: a
    /// branch on it is decided by an analysis that knows the frame's storage.
    pub fn reads_fixed_slot(&self, e: Expr) -> bool {
        deps_of(&self.deps, e).has(Deps::FIXED_SLOAD)
    }

    /// The constant bytes of `segs`, when all are constant.
    fn const_bytes(&self, segs: &[Seg]) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(segs.iter().map(Seg::len).sum());
        for s in segs {
            match *s {
                Seg::Word { e, shift, len } => {
                    let c = self.as_const(e)?;
                    let b = c.to_be_bytes::<32>();
                    out.extend_from_slice(b.get(shift as usize..(shift + len) as usize)?);
                }
                Seg::Code { start, len } => {
                    extend_zero_padded(&mut out, &self.code, start as usize, len as usize)
                }
                Seg::CallData { start, len } => {
                    let start = self.as_const(start)?;
                    if !self.known.calldata_bytes(start, len as usize, &mut out) {
                        return None;
                    }
                }
                Seg::Unknown { .. } => return None,
            }
        }
        Some(out)
    }

    fn segs_depth(&self, segs: &[Seg]) -> u8 {
        segs.iter()
            .map(|s| match *s {
                Seg::Word { e, .. } | Seg::CallData { start: e, .. } => self.d(e),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
            + 1
    }

    /// keccak256 over `segs` (⊤ if any segment is unknown or the input is too long).
    pub fn keccak(&mut self, segs: Vec<Seg>) -> Expr {
        let total: usize = segs.iter().map(Seg::len).sum();
        if segs.iter().any(|s| matches!(s, Seg::Unknown { .. })) {
            return TOP;
        }
        if segs
            .iter()
            .any(|s| matches!(s, Seg::Word { e, .. } if *e == TOP))
        {
            return TOP;
        }
        if total <= 0xc000
            && let Some(bytes) = self.const_bytes(&segs)
        {
            return self.constant(keccak256(&bytes).into());
        }
        if total > MAX_HASH_BYTES {
            return TOP;
        }
        let d = self.segs_depth(&segs);
        self.intern(Node::Keccak(segs.into_boxed_slice()), d, 256)
    }

    /// A 32-byte word assembled from `segs` (which must cover exactly 32 bytes).
    pub fn concat(&mut self, segs: Vec<Seg>) -> Expr {
        let total: usize = segs.iter().map(Seg::len).sum();
        if total != 32 || segs.iter().any(|s| matches!(s, Seg::Unknown { .. })) {
            return TOP;
        }
        if segs
            .iter()
            .any(|s| matches!(s, Seg::Word { e, .. } if *e == TOP))
        {
            return TOP;
        }
        match segs.as_slice() {
            [
                Seg::Word {
                    e,
                    shift: 0,
                    len: 32,
                },
            ] => return *e,
            [Seg::CallData { start, len: 32 }] => return self.calldata(*start),
            _ => {}
        }
        if let Some(bytes) = self.const_bytes(&segs) {
            return self.constant(U256::from_be_slice(&bytes));
        }
        let d = self.segs_depth(&segs);
        self.intern(Node::Concat(segs.into_boxed_slice()), d, 256)
    }

    /// A unary operation.
    pub fn un(&mut self, op: UnOp, a: Expr) -> Expr {
        if a == TOP {
            return TOP;
        }
        if let Some(c) = self.as_const(a) {
            return self.constant(match op {
                UnOp::Not => !c,
                UnOp::IsZero => U256::from(c.is_zero() as u8),
            });
        }
        if op == UnOp::IsZero
            && self.known.min_size > 0
            && *self.node(a) == Node::Env(Env::CallDataSize)
        {
            return self.small(0);
        }
        // ISZERO(ISZERO(ISZERO(x))) == ISZERO(x)
        if op == UnOp::IsZero
            && let Node::Un(UnOp::IsZero, inner) = *self.node(a)
            && let Node::Un(UnOp::IsZero, x) = *self.node(inner)
        {
            return self.un(UnOp::IsZero, x);
        }
        let d = self.d(a) + 1;
        let width = if op == UnOp::IsZero { 1 } else { 256 };
        self.intern(Node::Un(op, a), d, width)
    }

    fn is_cds(&self, e: Expr) -> bool {
        *self.node(e) == Node::Env(Env::CallDataSize)
    }

    fn is_calldata_word0(&self, e: Expr) -> bool {
        matches!(self.node(e), Node::CallData(o) if self.as_const(*o) == Some(U256::ZERO))
    }

    /// A binary operation (`a` was on top of the stack).
    pub fn bin(&mut self, op: BinOp, a: Expr, b: Expr) -> Expr {
        let ca = self.as_const(a);
        let cb = self.as_const(b);
        // Absorbing constants first: they decide even with ⊤ on the other side.
        match (op, ca, cb) {
            (BinOp::Mul | BinOp::And, Some(z), _) | (BinOp::Mul | BinOp::And, _, Some(z))
                if z.is_zero() =>
            {
                return self.small(0);
            }
            (BinOp::Shl | BinOp::Shr, Some(s), _) if s >= U256::from(256) => return self.small(0),
            _ => {}
        }
        if a == TOP && b == TOP {
            return TOP;
        }
        // What a call returned is followed as an address (masked, compared, hashed into a
        // mapping slot), not through arithmetic: amounts computed from returned reserves or
        // balances would only multiply the states of paths that differ in them. One exception,
        // in an analysis of one frame's calldata: a returned word negated (a Uniswap V3 pool
        // returns signed deltas, and a router passes the negated output of one hop as the
        // input of the next), which instantiation then knows.
        let negated = op == BinOp::Sub && ca == Some(U256::ZERO) && self.known.frame.is_some();
        if !negated
            && !matches!(
                op,
                BinOp::And
                    | BinOp::Or
                    | BinOp::Eq
                    | BinOp::Lt
                    | BinOp::Gt
                    | BinOp::SLt
                    | BinOp::SGt
            )
            && (self.mentions_any_returned(a) || self.mentions_any_returned(b))
        {
            return TOP;
        }
        if a == TOP || b == TOP {
            // `base + ⊤` stays symbolic: a family of slots (array elements in a loop).
            let other = if a == TOP { b } else { a };
            if op == BinOp::Add
                && !matches!(self.node(other), Node::Bin(BinOp::Add, _, y) if *y == TOP)
            {
                let d = self.d(other) + 1;
                return self.intern(Node::Bin(BinOp::Add, other, TOP), d, 256);
            }
            // `⊤ & mask` stays symbolic so that `(⊤ & mask) | selector` keeps its known bytes
            // (solc writes a call's selector into a word it read back from memory).
            if op == BinOp::And && self.as_const(other).is_some() {
                let w = self.w(other);
                return self.intern(Node::Bin(BinOp::And, TOP, other), 1, w);
            }
            return TOP;
        }
        if let (Some(x), Some(y)) = (ca, cb) {
            return self.constant(op.apply(x, y));
        }
        // What the frame knows about its calldata.
        if let Some(sel) = self.known.selector {
            // selector = calldata[0] >> 224 (new solc) or DIV by 2^224 (normalised to SHR).
            if op == BinOp::Shr && ca == Some(U256::from(224)) && self.is_calldata_word0(b) {
                return self.small(sel as u64);
            }
            let sig_mask = Some(U256::from(0xffff_ffffu64) << 224);
            if op == BinOp::And
                && ((self.is_calldata_word0(a) && cb == sig_mask)
                    || (self.is_calldata_word0(b) && ca == sig_mask))
            {
                return self.constant(U256::from(sel) << 224);
            }
        }
        let min = U256::from(self.known.min_size);
        if self.known.min_size > 0 {
            if op == BinOp::Lt && self.is_cds(a) && cb.is_some_and(|c| c <= min) {
                return self.small(0);
            }
            if op == BinOp::Gt && self.is_cds(b) && ca.is_some_and(|c| c <= min) {
                return self.small(0);
            }
        }
        // Canonical operand order: constants second, otherwise by handle.
        let (a, b, ca, cb) = if op.commutative() && (ca.is_some() || (cb.is_none() && a > b)) {
            (b, a, cb, ca)
        } else {
            (a, b, ca, cb)
        };
        match op {
            BinOp::Add => {
                if cb == Some(U256::ZERO) {
                    return a;
                }
                if let (Some(c2), Node::Bin(BinOp::Add, x, y)) = (cb, self.node(a).clone())
                    && let Some(c1) = self.as_const(y)
                {
                    let c = self.constant(c1.wrapping_add(c2));
                    return self.bin(BinOp::Add, x, c);
                }
            }
            BinOp::Sub => {
                // `(x + c1) - (x + c2)` = `c1 - c2` (and `x - x` = 0): lengths of memory regions
                // measured between two pointers of one allocation, whatever its (symbolic) base.
                let (xa, c1) = self.base_offset(a);
                let (xb, c2) = self.base_offset(b);
                if xa == xb && self.is_definite(xa) {
                    return self.constant(c1.wrapping_sub(c2));
                }
                if let Some(c) = cb {
                    let neg = self.constant(U256::ZERO.wrapping_sub(c));
                    return self.bin(BinOp::Add, a, neg);
                }
            }
            BinOp::Mul if cb == Some(U256::from(1)) => return a,
            BinOp::Div => {
                if let Some(c) = cb
                    && c.count_ones() == 1
                {
                    let k = self.small(c.trailing_zeros() as u64);
                    return self.bin(BinOp::Shr, k, a);
                }
            }
            BinOp::And => {
                if let Some(m) = cb {
                    if m == U256::MAX {
                        return a;
                    }
                    let ones = m.count_ones();
                    if m.trailing_ones() == ones && self.w(a) as usize <= ones {
                        return a;
                    }
                }
                if a == b {
                    return a;
                }
            }
            BinOp::Or | BinOp::Xor => {
                if cb == Some(U256::ZERO) {
                    return a;
                }
                if a == b && (op == BinOp::Or || self.is_definite(a)) {
                    return if op == BinOp::Or { a } else { self.small(0) };
                }
            }
            BinOp::Shl | BinOp::Shr if ca == Some(U256::ZERO) => return b,
            BinOp::Eq if a == b && self.is_definite(a) => return self.small(1),
            _ => {}
        }
        let width = match op {
            BinOp::Lt | BinOp::Gt | BinOp::SLt | BinOp::SGt | BinOp::Eq => 1,
            BinOp::Byte => 8,
            BinOp::And => self.w(a).min(self.w(b)),
            BinOp::Or | BinOp::Xor => self.w(a).max(self.w(b)),
            BinOp::Shr => match ca {
                Some(k) if k < U256::from(256) => self.w(b).saturating_sub(k.as_limbs()[0] as u16),
                _ => 256,
            },
            _ => 256,
        };
        let d = self.d(a).max(self.d(b)) + 1;
        self.intern(Node::Bin(op, a, b), d, width)
    }

    /// `e` as `base + constant` (the constant is zero when `e` is not such a sum).
    fn base_offset(&self, e: Expr) -> (Expr, U256) {
        match *self.node(e) {
            Node::Bin(BinOp::Add, x, y) => match self.as_const(y) {
                Some(c) => (x, c),
                None => (e, U256::ZERO),
            },
            _ => (e, U256::ZERO),
        }
    }

    /// Whether `a` and `b` are certainly different values: two different constants, or one
    /// base plus two different constants (two fields of one struct).
    pub fn distinct(&self, a: Expr, b: Expr) -> bool {
        let (x, c1) = self.base_offset(a);
        let (y, c2) = self.base_offset(b);
        match (self.as_const(a), self.as_const(b)) {
            (Some(p), Some(q)) => p != q,
            _ => x == y && c1 != c2 && self.is_definite(x),
        }
    }

    /// Whether storage slots `a` and `b` are certainly different: [`Self::distinct`], or a
    /// slot Solidity and Vyper lay out by hashing (a mapping entry or an array element,
    /// `keccak(..) + k`) against a small constant one (a state variable). Those meet only on
    /// a keccak256 collision, which storage layouts rule out.
    pub fn distinct_slots(&self, a: Expr, b: Expr) -> bool {
        let hashed = |e: Expr| matches!(self.node(self.base_offset(e).0), Node::Keccak(_));
        let small = |e: Expr| self.as_const(e).is_some_and(|c| c < U256::from(u64::MAX));
        self.distinct(a, b) || (hashed(a) && small(b)) || (small(a) && hashed(b))
    }

    /// Splits `e` into a base and a small constant offset (`x + 0x20` → `(x, 0x20)`; a small
    /// constant → `(None, c)`); `None` for an address that is not definite (an index with ⊤
    /// in it may point anywhere), offsets too large to be memory, and a base that is not an
    /// allocation (see [`Self::allocated`]).
    ///
    /// Memory entries at different bases are taken not to overlap. That holds between
    /// allocations, which Solidity's allocator hands out disjoint, and between an allocation
    /// and the constant addresses, but not for an index into one (`p + 0x20 + i * 0x20` may
    /// be `p + 0x40`), so such an address is no base: a write there clears memory and a read
    /// there is unknown.
    pub fn split_offset(&self, e: Expr) -> Option<(Option<Expr>, u32)> {
        if !self.is_definite(e) {
            return None;
        }
        match self.node(e) {
            Node::Const(c) => {
                if *c < U256::from(1u64 << 24) {
                    Some((None, c.as_limbs()[0] as u32))
                } else {
                    None
                }
            }
            Node::Bin(BinOp::Add, x, y) => match self.as_const(*y) {
                Some(c) if c < U256::from(1u64 << 24) => self.base(*x, c.as_limbs()[0] as u32),
                _ => self.base(e, 0),
            },
            _ => self.base(e, 0),
        }
    }

    /// `(b, off)` if `b` is the base of an allocation.
    fn base(&self, b: Expr, off: u32) -> Option<(Option<Expr>, u32)> {
        let allocation =
            matches!(self.node(b), Node::FreePointer { .. }) || self.allocations.contains(&b);
        allocation.then_some((Some(b), off))
    }

    /// Records `e`, a value stored as the free-memory pointer, as the start of an allocation:
    /// addresses at a constant offset from it are memory bases ([`Self::split_offset`]).
    pub fn allocated(&mut self, e: Expr) {
        let b = match self.node(e) {
            Node::Bin(BinOp::Add, x, y) if self.as_const(*y).is_some() => *x,
            _ => e,
        };
        self.allocations.insert(b);
    }

    /// The block the analysis took NUMBER or TIMESTAMP from, if it did: its summary holds in
    /// that block only.
    pub fn used_block(&self) -> Option<FrameBlock> {
        self.used_block
    }

    /// Ties the summary to the frame's block (see [`Self::used_block`]), when the frame
    /// names one: for a fact of the block's pre-state other than the frame's storage (the
    /// code of a callee). `false` when it names none.
    pub(crate) fn use_block(&mut self) -> bool {
        let block = self.known.frame.as_ref().and_then(|f| f.block);
        self.used_block = self.used_block.or(block);
        block.is_some()
    }

    /// Freezes the pool into the table a summary keeps.
    pub fn freeze(self) -> ExprTable {
        ExprTable {
            nodes: self.nodes.into_boxed_slice(),
            deps: self.deps.into_boxed_slice(),
        }
    }
}

/// What an expression depends on, per node of a pool (computed once, when the node is made:
/// nodes past [`MAX_DEPTH`] are never made, so the answer is exact).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Deps(u8);

impl Deps {
    /// ⊤ (or unknown bytes of a segment).
    const TOP: Deps = Deps(1);
    /// A storage value.
    const SLOAD: Deps = Deps(2);
    /// A word a call returned.
    const RETURNED: Deps = Deps(4);
    /// A storage value at a slot that depends on nothing the frame is given (a constant, or
    /// a hash of constants): one an analysis that knows the storage reads outright.
    const FIXED_SLOAD: Deps = Deps(8);
    /// Calldata or the environment.
    const INPUT: Deps = Deps(16);
    /// An anonymous ⊤ (not a merged free pointer): two occurrences of it may differ.
    const ANON: Deps = Deps(32);

    fn has(self, d: Deps) -> bool {
        self.0 & d.0 != 0
    }

    /// The dependencies of `node`, whose operands' are in `deps`.
    fn of(node: &Node, deps: &[Deps]) -> Deps {
        let of = |e: Expr| deps_of(deps, e).0;
        Deps(match node {
            // Unknown to instantiation, like ⊤: only memory bases tell it apart.
            Node::Top => Self::TOP.0 | Self::ANON.0,
            Node::FreePointer { .. } => Self::TOP.0,
            Node::Const(_) => 0,
            Node::Env(_) => Self::INPUT.0,
            Node::Returned { .. } => Self::RETURNED.0,
            Node::Sload(x) => {
                let slot = of(*x);
                let varies = Self::TOP.0 | Self::SLOAD.0 | Self::RETURNED.0 | Self::INPUT.0;
                let fixed = if slot & varies == 0 {
                    Self::FIXED_SLOAD.0
                } else {
                    0
                };
                Self::SLOAD.0 | fixed | slot
            }
            Node::CallData(x) => Self::INPUT.0 | of(*x),
            Node::Un(_, x) => of(*x),
            Node::Bin(_, x, y) => of(*x) | of(*y),
            Node::Keccak(segs) | Node::Concat(segs) => segs.iter().fold(0, |d, s| {
                d | match *s {
                    Seg::Word { e, .. } => of(e),
                    Seg::CallData { start: e, .. } => Self::INPUT.0 | of(e),
                    Seg::Unknown { .. } => Self::TOP.0 | Self::ANON.0,
                    Seg::Code { .. } => 0,
                }
            }),
        })
    }
}

/// The dependencies of `e` (⊤'s for a handle out of range).
fn deps_of(deps: &[Deps], e: Expr) -> Deps {
    deps.get(e.0 as usize)
        .copied()
        .unwrap_or(Deps(Deps::TOP.0 | Deps::ANON.0))
}

/// Names of the free pointer one MSTORE sets ([`Pool::stored_free_pointer`]): as many
/// allocations of one MSTORE (a loop, a helper called again) stay apart while a path holds
/// their addresses.
pub const FREE_POINTER_NAMES: u32 = 4;

/// Where a free pointer's name number sits in its `pc` field: above any program counter.
const NAME_SHIFT: u32 = 30;

/// Whether `e`, among `nodes`, is or is built from a node `hit` picks (a walk of the DAG,
/// bounded by `visits`: past it, assumed so).
fn reaches(nodes: &[Node], e: Expr, hit: &dyn Fn(Expr, &Node) -> bool, visits: &mut u32) -> bool {
    *visits += 1;
    if *visits > 4096 {
        return true;
    }
    let node = nodes.get(e.0 as usize).unwrap_or(&Node::Top);
    if hit(e, node) {
        return true;
    }
    let mut uses = |x: Expr| reaches(nodes, x, hit, visits);
    match node {
        Node::Top
        | Node::Const(_)
        | Node::Env(_)
        | Node::FreePointer { .. }
        | Node::Returned { .. } => false,
        Node::CallData(x) | Node::Sload(x) | Node::Un(_, x) => uses(*x),
        Node::Bin(_, x, y) => uses(*x) || uses(*y),
        Node::Keccak(s) | Node::Concat(s) => s.iter().any(|s| match *s {
            Seg::Word { e, .. } | Seg::CallData { start: e, .. } => uses(e),
            Seg::Unknown { .. } | Seg::Code { .. } => false,
        }),
    }
}

/// The frozen expressions of one summary.
#[derive(Debug, Clone, Default)]
pub struct ExprTable {
    nodes: Box<[Node]>,
    deps: Box<[Deps]>,
}

/// Entries of the per-thread keccak cache (direct-mapped).
const KECCAK_CACHE: usize = 4096;
/// Longest input the keccak cache keeps (a CREATE2 address hashes 85 bytes).
const KECCAK_KEY: usize = 96;

thread_local! {
    /// Recent keccak256 results over inputs of at most [`KECCAK_KEY`] bytes (mapping slots,
    /// CREATE2 addresses): the same slots
    /// recur across the frames and transactions of a block, and hashing the key costs a fraction
    /// of the permutation.
    static KECCAKS: std::cell::RefCell<Vec<(u8, [u8; KECCAK_KEY], U256)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// keccak256 of `bytes` as a word, through the per-thread cache for short inputs.
fn cached_keccak(bytes: &[u8]) -> U256 {
    if bytes.len() > KECCAK_KEY {
        return keccak256(bytes).into();
    }
    let mut key = [0u8; KECCAK_KEY];
    key[..bytes.len()].copy_from_slice(bytes);
    let len = bytes.len() as u8;
    let mut h = len as u64;
    for w in key.chunks_exact(8) {
        let x = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h ^ x).wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
    let slot = (h as usize) % KECCAK_CACHE;
    KECCAKS.with_borrow_mut(|c| {
        if c.is_empty() {
            c.resize(KECCAK_CACHE, (u8::MAX, [0; KECCAK_KEY], U256::ZERO));
        }
        let e = &mut c[slot];
        if e.0 == len && e.1 == key {
            return e.2;
        }
        let v: U256 = keccak256(bytes).into();
        *e = (len, key, v);
        v
    })
}

/// Values already evaluated for one frame, indexed by expression handle and stamped with a
/// generation, so that beginning a new frame costs nothing and the buffers are reused across
/// frames and transactions.
#[derive(Debug, Default)]
pub struct Memo {
    stamp: Vec<u32>,
    vals: Vec<Option<U256>>,
    generation: u32,
}

impl Memo {
    /// Starts a frame evaluating against a table of `len` expressions: earlier values are
    /// forgotten.
    pub fn begin(&mut self, len: usize) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.stamp.fill(0);
            self.generation = 1;
        }
        if self.stamp.len() < len {
            self.stamp.resize(len, 0);
            self.vals.resize(len, None);
        }
    }

    fn get(&self, e: Expr) -> Option<Option<U256>> {
        let i = e.0 as usize;
        (self.generation != 0 && self.stamp.get(i) == Some(&self.generation)).then(|| self.vals[i])
    }

    fn set(&mut self, e: Expr, v: Option<U256>) {
        let i = e.0 as usize;
        if self.generation != 0
            && let (Some(s), Some(x)) = (self.stamp.get_mut(i), self.vals.get_mut(i))
        {
            *s = self.generation;
            *x = v;
        }
    }
}

/// What evaluation needs from one frame of one transaction.
pub trait EvalEnv {
    /// `len` bytes of calldata from `offset` (zero-padded past its end) into `out`; `false` if
    /// some of those bytes are unknown.
    fn calldata(&mut self, offset: U256, len: usize, out: &mut Vec<u8>) -> bool;
    /// One 32-byte calldata word from `offset` into `out` (zero-padded); `false` if some byte
    /// is unknown. The default goes through [`Self::calldata`].
    fn calldata_word(&mut self, offset: U256, out: &mut [u8; 32]) -> bool {
        let mut buf = Vec::with_capacity(32);
        if !self.calldata(offset, 32, &mut buf) || buf.len() != 32 {
            return false;
        }
        out.copy_from_slice(&buf);
        true
    }
    /// An environment input, if known.
    fn env(&mut self, v: Env) -> Option<U256>;
    /// The pre-state value of a slot of the frame's storage (`None`: the read budget ran out).
    fn sload(&mut self, slot: U256) -> Option<U256>;
    /// Bytes of the frame's code.
    fn code(&mut self, start: u32, len: usize, out: &mut Vec<u8>);
    /// The word at byte `offset` of what the frame's call at `pc` returned, if known. The
    /// default knows nothing.
    fn returned(&mut self, pc: u32, offset: u32) -> Option<U256> {
        let _ = (pc, offset);
        None
    }
}

impl ExprTable {
    /// The constant slot whose stored address `e` is: `sload(slot)`, maybe masked to 160
    /// bits (how a proxy names its implementation).
    pub fn stored_address_slot(&self, e: Expr) -> Option<U256> {
        let constant = |e: Expr| match *self.node(e) {
            Node::Const(c) => Some(c),
            _ => None,
        };
        let mask = U256::MAX >> 96;
        let loaded = match *self.node(e) {
            Node::Bin(BinOp::And, a, b) if constant(b) == Some(mask) => a,
            Node::Bin(BinOp::And, a, b) if constant(a) == Some(mask) => b,
            _ => e,
        };
        match *self.node(loaded) {
            Node::Sload(slot) => constant(slot),
            _ => None,
        }
    }

    /// The node behind `e`.
    pub fn node(&self, e: Expr) -> &Node {
        self.nodes.get(e.0 as usize).unwrap_or(&Node::Top)
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Whether `e` depends on ⊤ somewhere (a family of values, like `keccak(0x3) + ⊤`).
    pub fn has_top(&self, e: Expr) -> bool {
        deps_of(&self.deps, e).has(Deps::TOP)
    }

    /// Whether `e` depends on a storage value (an SLOAD).
    pub fn reads_storage(&self, e: Expr) -> bool {
        deps_of(&self.deps, e).has(Deps::SLOAD)
    }

    /// Whether `e` depends on ⊤ or on what a call returned: values the general summary
    /// cannot promise to resolve.
    pub fn has_top_or_returned(&self, e: Expr) -> bool {
        deps_of(&self.deps, e).has(Deps(Deps::TOP.0 | Deps::RETURNED.0))
    }

    /// Evaluates `e` for one frame; `None` when it depends on something unknown.
    pub fn eval(&self, e: Expr, env: &mut dyn EvalEnv) -> Option<U256> {
        self.eval_d(e, env, 0, &mut Memo::default())
    }

    /// [`Self::eval`] sharing `memo` (begun with [`Memo::begin`] for this table and frame):
    /// subexpressions common to several effects are evaluated (and hashed) once.
    pub fn eval_memo(&self, e: Expr, env: &mut dyn EvalEnv, memo: &mut Memo) -> Option<U256> {
        self.eval_d(e, env, 0, memo)
    }

    fn eval_d(&self, e: Expr, env: &mut dyn EvalEnv, depth: u32, memo: &mut Memo) -> Option<U256> {
        if depth > MAX_DEPTH as u32 + 2 {
            return None;
        }
        let node = self.node(e);
        match node {
            Node::Top | Node::FreePointer { .. } => return None,
            Node::Const(c) => return Some(*c),
            Node::Env(v) => return env.env(*v),
            Node::Returned { pc, offset } => return env.returned(*pc, *offset),
            _ => {}
        }
        if let Some(v) = memo.get(e) {
            return v;
        }
        let v = match node {
            Node::Top
            | Node::FreePointer { .. }
            | Node::Const(_)
            | Node::Env(_)
            | Node::Returned { .. } => None,
            Node::CallData(o) => self.eval_d(*o, env, depth + 1, memo).and_then(|off| {
                let mut buf = [0u8; 32];
                env.calldata_word(off, &mut buf)
                    .then(|| U256::from_be_bytes(buf))
            }),
            Node::Sload(s) => self
                .eval_d(*s, env, depth + 1, memo)
                .and_then(|slot| env.sload(slot)),
            Node::Un(op, x) => self.eval_d(*x, env, depth + 1, memo).map(|v| match op {
                UnOp::Not => !v,
                UnOp::IsZero => U256::from(v.is_zero() as u8),
            }),
            Node::Bin(op, x, y) => self.eval_d(*x, env, depth + 1, memo).and_then(|a| {
                self.eval_d(*y, env, depth + 1, memo)
                    .map(|b| op.apply(a, b))
            }),
            Node::Keccak(segs) => {
                let mut buf = Vec::with_capacity(64);
                self.eval_segs_d(segs, env, depth, &mut buf, memo)
                    .map(|()| cached_keccak(&buf))
            }
            Node::Concat(segs) => {
                let mut buf = Vec::with_capacity(32);
                self.eval_segs_d(segs, env, depth, &mut buf, memo)
                    .and_then(|()| Some(U256::from_be_slice(buf.get(..32)?)))
            }
        };
        memo.set(e, v);
        v
    }

    /// Evaluates `e` byte by byte: its value and a mask of the bytes that are known (bit `i`
    /// for byte `i`, most significant first). A selector OR-ed into a word whose other bytes
    /// are unknown, or a word concatenated from known and unknown pieces, keeps its known bytes.
    pub fn eval_partial(&self, e: Expr, env: &mut dyn EvalEnv, memo: &mut Memo) -> (U256, u32) {
        self.eval_partial_d(e, env, 0, memo)
    }

    fn eval_partial_d(
        &self,
        e: Expr,
        env: &mut dyn EvalEnv,
        depth: u32,
        memo: &mut Memo,
    ) -> (U256, u32) {
        const ALL: u32 = u32::MAX;
        if let Some(v) = self.eval_d(e, env, depth, memo) {
            return (v, ALL);
        }
        if depth > MAX_DEPTH as u32 + 2 {
            return (U256::ZERO, 0);
        }
        match self.node(e) {
            Node::Concat(segs) => {
                let mut bytes = [0u8; 32];
                let mut known = 0u32;
                let mut p = 0usize;
                for seg in segs.iter() {
                    let n = seg.len();
                    let mut buf = Vec::with_capacity(n);
                    if let Seg::Word { e, shift, .. } = *seg {
                        let (v, m) = self.eval_partial_d(e, env, depth + 1, memo);
                        let b = v.to_be_bytes::<32>();
                        for i in 0..n {
                            let src = shift as usize + i;
                            if p + i < 32 && src < 32 && m & (1 << (31 - src)) != 0 {
                                bytes[p + i] = b[src];
                                known |= 1 << (31 - (p + i));
                            }
                        }
                    } else if self
                        .eval_segs_d(std::slice::from_ref(seg), env, depth + 1, &mut buf, memo)
                        .is_some()
                    {
                        for (i, b) in buf.iter().enumerate().take(32usize.saturating_sub(p)) {
                            bytes[p + i] = *b;
                            known |= 1 << (31 - (p + i));
                        }
                    }
                    p += n;
                }
                (U256::from_be_bytes(bytes), known)
            }
            Node::Bin(op @ (BinOp::And | BinOp::Or), x, y) => {
                let (a, ma) = self.eval_partial_d(*x, env, depth + 1, memo);
                let (b, mb) = self.eval_partial_d(*y, env, depth + 1, memo);
                let (ab, bb) = (a.to_be_bytes::<32>(), b.to_be_bytes::<32>());
                let both = op.apply(a, b).to_be_bytes::<32>();
                // A known zero decides AND; a known 0xff decides OR.
                let absorbing = if *op == BinOp::And { 0x00 } else { 0xff };
                let mut known = 0u32;
                let mut out = [0u8; 32];
                for i in 0..32 {
                    let bit = 1 << (31 - i);
                    let (ka, kb) = (ma & bit != 0, mb & bit != 0);
                    if ka && kb {
                        out[i] = both[i];
                        known |= bit;
                    } else if (ka && ab[i] == absorbing) || (kb && bb[i] == absorbing) {
                        out[i] = absorbing;
                        known |= bit;
                    }
                }
                (U256::from_be_bytes(out), known)
            }
            Node::Bin(op @ (BinOp::Shl | BinOp::Shr), k, x) => {
                let Some(k) = self.eval_d(*k, env, depth + 1, memo) else {
                    return (U256::ZERO, 0);
                };
                if k >= U256::from(256) || k.as_limbs()[0] % 8 != 0 {
                    return (U256::ZERO, 0);
                }
                let bytes = (k.as_limbs()[0] / 8) as u32;
                let (v, m) = self.eval_partial_d(*x, env, depth + 1, memo);
                let v = op.apply(k, v);
                // Shifting in zeros makes those bytes known.
                let m = if *op == BinOp::Shl {
                    m.checked_shl(bytes).unwrap_or(0) | ((1u64 << bytes) - 1) as u32
                } else {
                    m.checked_shr(bytes).unwrap_or(0) | !(u32::MAX.checked_shr(bytes).unwrap_or(0))
                };
                (v, m)
            }
            _ => (U256::ZERO, 0),
        }
    }

    /// Evaluates byte segments into `out`; `None` when some byte is unknown.
    pub fn eval_segs(
        &self,
        segs: &[Seg],
        env: &mut dyn EvalEnv,
        depth: u32,
        out: &mut Vec<u8>,
    ) -> Option<()> {
        self.eval_segs_d(segs, env, depth, out, &mut Memo::default())
    }

    /// [`Self::eval_segs`] sharing `memo` (see [`Self::eval_memo`]).
    pub fn eval_segs_memo(
        &self,
        segs: &[Seg],
        env: &mut dyn EvalEnv,
        out: &mut Vec<u8>,
        memo: &mut Memo,
    ) -> Option<()> {
        self.eval_segs_d(segs, env, 0, out, memo)
    }

    fn eval_segs_d(
        &self,
        segs: &[Seg],
        env: &mut dyn EvalEnv,
        depth: u32,
        out: &mut Vec<u8>,
        memo: &mut Memo,
    ) -> Option<()> {
        for s in segs {
            match *s {
                Seg::Word { e, shift, len } => {
                    let v = self.eval_d(e, env, depth + 1, memo)?;
                    let b = v.to_be_bytes::<32>();
                    out.extend_from_slice(b.get(shift as usize..shift as usize + len as usize)?);
                }
                Seg::CallData { start, len } => {
                    let off = self.eval_d(start, env, depth + 1, memo)?;
                    if !env.calldata(off, len as usize, out) {
                        return None;
                    }
                }
                Seg::Code { start, len } => env.code(start, len as usize, out),
                Seg::Unknown { .. } => return None,
            }
        }
        Some(())
    }

    /// Renders `e` as text (`keccak(caller . 0x3)`), depth-bounded.
    pub fn render(&self, e: Expr) -> String {
        let mut s = String::new();
        self.render_into(e, &mut s, 0);
        s
    }

    fn render_into(&self, e: Expr, out: &mut String, depth: u32) {
        if depth > MAX_DEPTH as u32 + 2 {
            out.push('…');
            return;
        }
        match self.node(e) {
            Node::Top => out.push('⊤'),
            Node::Const(c) => {
                let _ = write!(out, "{c:#x}");
            }
            Node::Env(v) => out.push_str(match v {
                Env::Caller => "caller",
                Env::Origin => "origin",
                Env::CallValue => "callvalue",
                Env::Address => "address",
                Env::CallDataSize => "calldatasize",
                Env::Coinbase => "coinbase",
                Env::Timestamp => "timestamp",
                Env::Number => "number",
            }),
            Node::CallData(o) => {
                out.push_str("cd[");
                self.render_into(*o, out, depth + 1);
                out.push(']');
            }
            Node::Returned { pc, offset } => {
                let _ = write!(out, "ret@{pc:#x}[{offset:#x}]");
            }
            Node::FreePointer { pc } => {
                let (pc, k) = (pc & ((1 << NAME_SHIFT) - 1), pc >> NAME_SHIFT);
                let _ = write!(out, "fmp@{pc:#x}");
                if k > 0 {
                    let _ = write!(out, "#{k}");
                }
            }
            Node::Sload(s) => {
                out.push_str("sload(");
                self.render_into(*s, out, depth + 1);
                out.push(')');
            }
            Node::Un(op, x) => {
                out.push_str(match op {
                    UnOp::Not => "~",
                    UnOp::IsZero => "!",
                });
                self.render_into(*x, out, depth + 1);
            }
            Node::Bin(op, x, y) => {
                let infix = matches!(
                    op,
                    BinOp::Add
                        | BinOp::Mul
                        | BinOp::Sub
                        | BinOp::Div
                        | BinOp::Mod
                        | BinOp::Lt
                        | BinOp::Gt
                        | BinOp::Eq
                        | BinOp::And
                        | BinOp::Or
                        | BinOp::Xor
                );
                if infix {
                    out.push('(');
                    self.render_into(*x, out, depth + 1);
                    let _ = write!(out, " {} ", op.symbol());
                    self.render_into(*y, out, depth + 1);
                    out.push(')');
                } else if matches!(op, BinOp::Shl | BinOp::Shr | BinOp::Sar) {
                    // value first, then the shift, as in Solidity/Yul reading order
                    out.push('(');
                    self.render_into(*y, out, depth + 1);
                    out.push_str(match op {
                        BinOp::Shl => " << ",
                        BinOp::Shr => " >> ",
                        _ => " >>s ",
                    });
                    self.render_into(*x, out, depth + 1);
                    out.push(')');
                } else {
                    let _ = write!(out, "{}(", op.symbol());
                    self.render_into(*x, out, depth + 1);
                    out.push_str(", ");
                    self.render_into(*y, out, depth + 1);
                    out.push(')');
                }
            }
            Node::Keccak(segs) => {
                out.push_str("keccak(");
                self.render_segs(segs, out, depth);
                out.push(')');
            }
            Node::Concat(segs) => {
                out.push_str("concat(");
                self.render_segs(segs, out, depth);
                out.push(')');
            }
        }
    }

    /// Renders byte segments joined by ` . `.
    pub fn render_segs(&self, segs: &[Seg], out: &mut String, depth: u32) {
        for (i, s) in segs.iter().enumerate() {
            if i > 0 {
                out.push_str(" . ");
            }
            match *s {
                Seg::Word { e, shift, len } => {
                    if let Node::Const(c) = self.node(e)
                        && (shift != 0 || len != 32)
                    {
                        let b = c.to_be_bytes::<32>();
                        let end = (shift as usize + len as usize).min(32);
                        out.push_str("0x");
                        for x in b.get(shift as usize..end).unwrap_or_default() {
                            let _ = write!(out, "{x:02x}");
                        }
                        continue;
                    }
                    self.render_into(e, out, depth + 1);
                    if shift != 0 || len != 32 {
                        let _ = write!(out, "[{}..{}]", shift, shift as u16 + len as u16);
                    }
                }
                Seg::CallData { start, len } => {
                    out.push_str("cd[");
                    self.render_into(start, out, depth + 1);
                    let _ = write!(out, "; {len}]");
                }
                Seg::Code { start, len } => {
                    let _ = write!(out, "code[{start:#x}; {len}]");
                }
                Seg::Unknown { len } => {
                    let _ = write!(out, "⊤[{len}]");
                }
            }
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "e{}", self.0)
    }
}

/// Appends `len` bytes of `src` from `start`, reading zeroes past its end (as CODECOPY and
/// CALLDATACOPY do).
pub(crate) fn extend_zero_padded(out: &mut Vec<u8>, src: &[u8], start: usize, len: usize) {
    let have = src.get(start..).unwrap_or_default();
    let have = &have[..have.len().min(len)];
    out.extend_from_slice(have);
    out.resize(out.len() + len - have.len(), 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Pool {
        Pool::new(Default::default(), Known::default(), 10_000)
    }

    #[test]
    fn copies_past_the_end_read_as_zeroes() {
        let src = [1u8, 2, 3];
        let copy = |start, len| {
            let mut out = vec![9];
            extend_zero_padded(&mut out, &src, start, len);
            out
        };
        assert_eq!(copy(1, 2), [9, 2, 3]);
        assert_eq!(copy(1, 4), [9, 2, 3, 0, 0]);
        assert_eq!(copy(5, 2), [9, 0, 0]);
        assert_eq!(copy(0, 0), [9]);
    }

    #[test]
    fn constants_fold_with_evm_semantics() {
        let mut p = pool();
        let a = p.small(7);
        let b = p.small(3);
        assert_eq!(p.bin(BinOp::Sub, a, b), p.small(4));
        let z0 = p.small(0);
        assert_eq!(fold(&mut p, BinOp::Div, b, z0), Some(U256::ZERO));
        let one = p.small(1);
        let s = p.small(255);
        let top_bit = p.bin(BinOp::Shl, s, one);
        assert_eq!(p.as_const(top_bit), Some(U256::from(1) << 255));
        let minus_one = p.constant(U256::MAX);
        let two = p.small(2);
        // SDIV(-1, 2) == 0 ; SAR(1, -1) == -1
        assert_eq!(fold(&mut p, BinOp::SDiv, minus_one, two), Some(U256::ZERO));
        assert_eq!(fold(&mut p, BinOp::Sar, one, minus_one), Some(U256::MAX));
        // BYTE(31, 0x1234) == 0x34
        let n31 = p.small(31);
        let x = p.small(0x1234);
        assert_eq!(fold(&mut p, BinOp::Byte, n31, x), Some(U256::from(0x34)));
        // SIGNEXTEND(0, 0xff) == -1
        let z = p.small(0);
        let ff = p.small(0xff);
        assert_eq!(fold(&mut p, BinOp::SignExtend, z, ff), Some(U256::MAX));
    }

    fn fold(p: &mut Pool, op: BinOp, a: Expr, b: Expr) -> Option<U256> {
        let e = p.bin(op, a, b);
        p.as_const(e)
    }

    #[test]
    fn hash_consing_and_canonical_order() {
        let mut p = pool();
        let c = p.env(Env::Caller);
        let v = p.env(Env::CallValue);
        let x = p.bin(BinOp::Add, c, v);
        let y = p.bin(BinOp::Add, v, c);
        assert_eq!(x, y);
        let k = p.small(5);
        let x5 = p.bin(BinOp::Add, k, x);
        let k2 = p.small(2);
        let x7 = p.bin(BinOp::Add, x5, k2);
        let s = p.bin(BinOp::Sub, x7, k2);
        assert_eq!(s, x5);
    }

    #[test]
    fn address_masks_disappear_and_top_is_absorbing() {
        let mut p = pool();
        let c = p.env(Env::Caller);
        let m = p.constant((U256::from(1) << 160) - U256::from(1));
        assert_eq!(p.bin(BinOp::And, c, m), c);
        assert_eq!(p.bin(BinOp::Sub, TOP, c), TOP);
        assert_ne!(p.bin(BinOp::Add, TOP, c), TOP, "base + ⊤ is a family");
        let z = p.small(0);
        assert_eq!(p.bin(BinOp::Mul, TOP, z), z);
    }

    #[test]
    fn solidity_mapping_slot_renders_and_evaluates() {
        let mut p = pool();
        let c = p.env(Env::Caller);
        let three = p.small(3);
        let slot = p.keccak(vec![
            Seg::Word {
                e: c,
                shift: 0,
                len: 32,
            },
            Seg::Word {
                e: three,
                shift: 0,
                len: 32,
            },
        ]);
        let t = p.freeze();
        assert_eq!(t.render(slot), "keccak(caller . 0x3)");
        struct E;
        impl EvalEnv for E {
            fn calldata(&mut self, _: U256, _: usize, _: &mut Vec<u8>) -> bool {
                false
            }
            fn env(&mut self, v: Env) -> Option<U256> {
                (v == Env::Caller).then(|| U256::from(0xabcdu64))
            }
            fn sload(&mut self, _: U256) -> Option<U256> {
                None
            }
            fn code(&mut self, _: u32, _: usize, _: &mut Vec<u8>) {}
        }
        let mut pre = [0u8; 64];
        pre[30] = 0xab;
        pre[31] = 0xcd;
        pre[63] = 3;
        assert_eq!(t.eval(slot, &mut E), Some(keccak256(pre).into()));
    }

    #[test]
    fn memoised_evaluation_matches_and_resets_per_frame() {
        let mut p = pool();
        let c = p.env(Env::Caller);
        let one = p.small(1);
        let inner = p.keccak(vec![
            Seg::Word {
                e: c,
                shift: 0,
                len: 32,
            },
            Seg::Word {
                e: one,
                shift: 0,
                len: 32,
            },
        ]);
        let outer = p.keccak(vec![
            Seg::Word {
                e: c,
                shift: 0,
                len: 32,
            },
            Seg::Word {
                e: inner,
                shift: 0,
                len: 32,
            },
        ]);
        let t = p.freeze();
        struct Caller(u64, u32);
        impl EvalEnv for Caller {
            fn calldata(&mut self, _: U256, _: usize, _: &mut Vec<u8>) -> bool {
                false
            }
            fn env(&mut self, _: Env) -> Option<U256> {
                self.1 += 1;
                Some(U256::from(self.0))
            }
            fn sload(&mut self, _: U256) -> Option<U256> {
                None
            }
            fn code(&mut self, _: u32, _: usize, _: &mut Vec<u8>) {}
        }
        let mut memo = Memo::default();
        for caller in [7u64, 9] {
            memo.begin(t.len());
            let plain = t.eval(outer, &mut Caller(caller, 0));
            let mut env = Caller(caller, 0);
            assert_eq!(t.eval_memo(outer, &mut env, &mut memo), plain);
            assert_eq!(
                t.eval_memo(inner, &mut env, &mut memo),
                t.eval(inner, &mut Caller(caller, 0))
            );
            // the inner hash was evaluated once, then reused
            assert_eq!(env.1, 2);
        }
    }

    #[test]
    fn keccak_cache_agrees_with_keccak_for_every_length_and_collision() {
        for n in [0usize, 1, 31, 32, 64, 85, 96, 97, 200] {
            for seed in 0..3u8 {
                let bytes: Vec<u8> = (0..n).map(|i| (i as u8).wrapping_mul(31) ^ seed).collect();
                let want: U256 = keccak256(&bytes).into();
                assert_eq!(cached_keccak(&bytes), want);
                assert_eq!(cached_keccak(&bytes), want, "cached");
            }
        }
        // a prefix padded with zeros is a different input
        assert_ne!(cached_keccak(&[1]), cached_keccak(&[1, 0]));
        for i in 0..(2 * KECCAK_CACHE as u32) {
            let b = i.to_be_bytes();
            assert_eq!(cached_keccak(&b), U256::from_be_bytes(keccak256(b).0));
        }
    }

    #[test]
    fn nested_mapping_and_array_family() {
        let mut p = pool();
        let c = p.env(Env::Caller);
        let four = p.small(4);
        let o = p.small(4);
        let spender = p.calldata(o);
        let inner = p.keccak(vec![
            Seg::Word {
                e: c,
                shift: 0,
                len: 32,
            },
            Seg::Word {
                e: four,
                shift: 0,
                len: 32,
            },
        ]);
        let outer = p.keccak(vec![
            Seg::Word {
                e: spender,
                shift: 0,
                len: 32,
            },
            Seg::Word {
                e: inner,
                shift: 0,
                len: 32,
            },
        ]);
        let two = p.small(2);
        let base = p.keccak(vec![Seg::Word {
            e: two,
            shift: 0,
            len: 32,
        }]);
        let elem = p.bin(BinOp::Add, base, TOP);
        assert_ne!(elem, TOP, "an array element in a loop is a family, not ⊤");
        let t = p.freeze();
        assert!(t.has_top(elem));
        assert_eq!(
            t.render(elem),
            "(0x405787fa12a823e0f2b7631cc41b3ba8828b3321ca811111fa75cd3aa3bb5ace + ⊤)"
        );
        assert_eq!(t.render(outer), "keccak(cd[0x4] . keccak(caller . 0x4))");
    }

    #[test]
    fn constant_keccak_folds() {
        let mut p = pool();
        let two = p.small(2);
        let k = p.keccak(vec![Seg::Word {
            e: two,
            shift: 0,
            len: 32,
        }]);
        let mut word = [0u8; 32];
        word[31] = 2;
        assert_eq!(p.as_const(k), Some(keccak256(word).into()));
    }

    #[test]
    fn selector_forms_fold_when_known() {
        let known = Known::of_entry(crate::summary::EntryKey::Selector(0xa9059cbb));
        let mut p = Pool::new(Default::default(), known, 1000);
        let z = p.small(0);
        let w0 = p.calldata(z);
        let k = p.small(224);
        assert_eq!(
            fold(&mut p, BinOp::Shr, k, w0),
            Some(U256::from(0xa9059cbbu64))
        );
        // old solc: AND(DIV(cd0, 2^224), 0xffffffff)
        let d = p.constant(U256::from(1) << 224);
        let q = p.bin(BinOp::Div, w0, d);
        let m = p.small(0xffff_ffff);
        assert_eq!(
            fold(&mut p, BinOp::And, m, q),
            Some(U256::from(0xa9059cbbu64))
        );
        // calldatasize >= 4
        let cds = p.env(Env::CallDataSize);
        let four = p.small(4);
        assert_eq!(fold(&mut p, BinOp::Lt, cds, four), Some(U256::ZERO));
    }

    #[test]
    fn distances_between_pointers_of_one_allocation_fold() {
        let mut p = Pool::new(Default::default(), Known::default(), 1000);
        // A free-memory pointer merged at a join: unknown, but one value.
        let fp = p.free_pointer(0x1234);
        let c = p.small(0x3f);
        let base = p.bin(BinOp::Add, fp, c);
        let (hi, lo) = (p.small(0x4ff), p.small(0x47f));
        let end = p.bin(BinOp::Add, base, hi);
        let start = p.bin(BinOp::Add, base, lo);
        let d = p.bin(BinOp::Sub, end, start);
        assert_eq!(p.as_const(d), Some(U256::from(0x80)));
        let d = p.bin(BinOp::Sub, end, base);
        assert_eq!(p.as_const(d), Some(U256::from(0x4ff)));
        assert_eq!(p.split_offset(end), Some((Some(fp), 0x3f + 0x4ff)));
    }

    #[test]
    fn expressions_with_an_anonymous_top_are_not_folded_with_themselves() {
        let mut p = Pool::new(Default::default(), Known::default(), 1000);
        // Two reads of unknown words, masked alike, are one expression but may differ.
        let mask = p.constant(U256::MAX >> 96);
        let token = p.bin(BinOp::And, TOP, mask);
        assert!(!p.is_definite(token));
        for op in [BinOp::Eq, BinOp::Sub, BinOp::Xor] {
            let e = p.bin(op, token, token);
            assert_eq!(p.as_const(e), None, "{op:?}");
        }
        // An address indexed by an unknown word may be anywhere, and slots alike are not
        // told apart.
        let twenty = p.small(0x20);
        let index = p.bin(BinOp::Mul, token, twenty);
        let c = p.small(0x140);
        let element = p.bin(BinOp::Add, index, c);
        assert_eq!(p.split_offset(element), None);
        let c = p.small(0x160);
        let next = p.bin(BinOp::Add, index, c);
        assert!(!p.distinct(element, next));
        // A definite expression still folds.
        let caller = p.env(Env::Caller);
        let e = p.bin(BinOp::Eq, caller, caller);
        assert_eq!(p.as_const(e), Some(U256::from(1)));
    }

    #[test]
    fn known_frame_calldata_folds_and_shapes_keep_small_words() {
        let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
        let mut offset = [0u8; 32];
        offset[31] = 0x40;
        data.extend_from_slice(&offset);
        data.extend_from_slice(&[0x11; 32]); // an address-like word
        let facts = FrameFacts::shape(&data, None, Some(U256::from(5)));
        let mask = facts.known.as_deref().expect("a shape has a mask");
        assert!(mask[..36].iter().all(|k| *k));
        assert!(mask[36..].iter().all(|k| !*k));
        assert_eq!(facts.value, None, "a non-zero value stays symbolic");
        let known = Known {
            frame: Some(facts),
            ..Known::of_entry(crate::summary::EntryKey::Selector(0xa9059cbb))
        };
        let mut p = Pool::new(Default::default(), known, 1000);
        let four = p.small(4);
        let first = p.calldata(four);
        assert_eq!(p.as_const(first), Some(U256::from(0x40)));
        let at = p.small(36);
        let word = p.calldata(at);
        assert_eq!(p.as_const(word), None);
        let size = p.env(Env::CallDataSize);
        assert_eq!(p.as_const(size), Some(U256::from(68)));
    }

    #[test]
    fn partial_evaluation_keeps_a_selector_ored_into_an_unknown_word() {
        let mut p = Pool::new(Default::default(), Known::default(), 1000);
        let low = p.constant(U256::MAX >> 32);
        let unknown_low = p.bin(BinOp::And, TOP, low);
        let sel = p.constant(U256::from(0x23b872ddu64) << 224);
        let word = p.bin(BinOp::Or, unknown_low, sel);
        let t = p.freeze();
        struct Nothing;
        impl EvalEnv for Nothing {
            fn calldata(&mut self, _: U256, _: usize, _: &mut Vec<u8>) -> bool {
                false
            }
            fn env(&mut self, _: Env) -> Option<U256> {
                None
            }
            fn sload(&mut self, _: U256) -> Option<U256> {
                None
            }
            fn code(&mut self, _: u32, _: usize, _: &mut Vec<u8>) {}
        }
        let mut memo = Memo::default();
        memo.begin(t.len());
        assert_eq!(t.eval_memo(word, &mut Nothing, &mut memo), None);
        let (v, known) = t.eval_partial(word, &mut Nothing, &mut memo);
        assert_eq!(
            known, 0xf000_0000,
            "exactly the four selector bytes are known"
        );
        assert_eq!(v.to_be_bytes::<32>()[..4], [0x23, 0xb8, 0x72, 0xdd]);
    }
}
