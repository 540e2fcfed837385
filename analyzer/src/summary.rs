//! Summaries: what one entry of a contract may touch, as expressions over the frame's inputs,
//! and the per-contract collection of entries.
//!
//! Input: the effects the interpreter recorded. Output: [`EntrySummary`] (cached per code hash
//! and entry, instantiated per transaction) and [`ContractSummary`] (every entry the dispatcher
//! exposes, for audits and snapshots), both serialised as readable text in a deterministic order.

use std::fmt;

use alloy_primitives::{B256, U256};
use serde::{Serialize, Serializer, ser::SerializeStruct};

use crate::{
    WideningReason,
    expr::{Expr, ExprTable, FrameBlock, Seg},
};

/// Which entry of a contract a frame runs, decided by its calldata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntryKey {
    /// Calldata of at least four bytes starting with this selector.
    Selector(u32),
    /// Empty calldata (receive / fallback).
    Empty,
    /// Calldata whose selector is unknown (or shorter than four bytes): every path.
    Any,
}

impl fmt::Display for EntryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Selector(s) => write!(f, "{s:#010x}"),
            Self::Empty => f.write_str("empty"),
            Self::Any => f.write_str("any"),
        }
    }
}

impl Serialize for EntryKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The kind of a message call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CallKind {
    /// CALL.
    Call,
    /// CALLCODE.
    CallCode,
    /// DELEGATECALL.
    DelegateCall,
    /// STATICCALL.
    StaticCall,
}

/// The calldata of a call, as byte segments of the caller's memory.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallInput {
    /// The bytes from the start of the calldata (some may be unknown).
    pub segs: Box<[Seg]>,
    /// A calldata copy of symbolic length that follows `segs` (proxies forwarding their
    /// calldata): `(start in the caller's calldata, length)`.
    pub tail: Option<(Expr, Expr)>,
    /// The length of the calldata.
    pub len: Expr,
}

/// One thing an entry may do to the state.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Effect {
    /// SLOAD of a slot of the frame's storage.
    Read(Expr),
    /// SSTORE of a slot (which also loads it).
    Write(Expr),
    /// BALANCE / EXTCODESIZE / EXTCODEHASH / EXTCODECOPY of an account.
    Account(Expr),
    /// A message call.
    Call {
        /// Which call.
        kind: CallKind,
        /// The target address (low 160 bits).
        target: Expr,
        /// The value sent (zero for DELEGATECALL / STATICCALL).
        value: Expr,
        /// The calldata.
        input: CallInput,
    },
    /// CREATE (`salt` = None) or CREATE2.
    Create {
        /// The value endowed.
        value: Expr,
        /// CREATE2's salt.
        salt: Option<Expr>,
        /// The init code.
        init: Box<[Seg]>,
        /// How many CREATEs this path made before (for the creator's nonce).
        index: u8,
    },
    /// SELFDESTRUCT to a beneficiary.
    SelfDestruct(Expr),
    /// A path the analysis could not follow: storage (and, if the code can call, everything)
    /// must be widened.
    Widen(WideningReason),
}

/// A branch a path took on a condition over the frame's sender (`msg.sender == owner`,
/// `tx.origin == ...`): the condition was non-zero (`holds`) or zero. Instantiation evaluates
/// it for the transaction and drops the effects of paths that cannot be taken (admin-only
/// functions, transparent proxies' admin interface).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Guard {
    /// The branch condition.
    pub cond: Expr,
    /// Whether the path took the branch where `cond` is non-zero.
    pub holds: bool,
}

/// The summary of one entry of one contract.
#[derive(Debug, Clone)]
pub struct EntrySummary {
    /// Which entry.
    pub key: EntryKey,
    /// The expressions the effects refer to.
    pub exprs: ExprTable,
    /// The effects, deduplicated, in discovery order.
    pub effects: Vec<Effect>,
    /// Per effect, the guards every path that had it took (empty: it may happen whoever sends).
    pub guards: Vec<Box<[Guard]>>,
    /// The program counters of the calls: `(effect index, pc)`, ascending. One call effect
    /// may come from several call instructions, and one instruction may make several call
    /// effects (on different paths); [`crate::expr::Node::Returned`] names the instruction.
    pub call_sites: Box<[(u32, u32)]>,
    /// The runs that may come late: `(effect index, pc)` of the call and create instructions
    /// that some path runs after making a call listed later (or the same call again),
    /// ascending; a call past the bound on effects, whose place is not known, has index
    /// `u32::MAX`. Instantiation runs each effect once, in list order: what a late run's
    /// frame reads and returns may differ from what that one run saw.
    pub late: Box<[(u32, u32)]>,
    /// What every path that makes a call had last stored at constant slots of the frame's
    /// own storage before it: `(effect index, (slot, value))`, ascending (empty when the
    /// analysis is incomplete). A lock flag set
    /// before a call (`inSwap = true`, a reentrancy guard) is what a callee that re-enters
    /// this contract reads (see [`Self::stores_before`]).
    pub call_stores: Box<[(u32, (Expr, Expr))]>,
    /// What every path that returns (RETURN or STOP) had last stored, `(slot, value)`: the
    /// frame's own storage holds those values when it returns (empty when the analysis is
    /// incomplete). A later frame of the transaction reads them (a pair's `initialize`
    /// writing `token0` before `mint` reads it).
    pub exit_stores: Box<[(Expr, Expr)]>,
    /// What the entry returns, word by word, when every RETURN it reaches returns the same
    /// number of whole words (a word that differs between them is ⊤); `None` otherwise.
    pub returns: Option<Box<[Expr]>>,
    /// The code the entry deploys when a creation runs it ([`EntryKey::Empty`] only): the
    /// bytes every RETURN it reaches returns (none after a STOP), as segments, when they are
    /// the same everywhere; `None` otherwise.
    pub deployed: Option<Box<[Seg]>>,
    /// Instructions interpreted.
    pub steps: u32,
    /// Whether the analysis reached its fixed point within its bound.
    pub complete: bool,
    /// Whether some effect stays open without knowing the frame's calldata (see
    /// [`Self::has_open_effect`]).
    pub open: bool,
    /// The pre-state storage values the analysis took as known, `(slot, value)` of the
    /// frame's own storage: the summary holds only while the storage holds them.
    pub assumed: Box<[(U256, U256)]>,
    /// The block whose NUMBER and TIMESTAMP the analysis took as known (a frame's own, see
    /// [`crate::expr::FrameFacts::block`]): the summary holds only in that block.
    pub block: Option<FrameBlock>,
    /// Whether a branch the analysis left undecided depends on a storage slot that depends
    /// on nothing the frame is given (a fee rate, a pause flag): an analysis that takes the
    /// frame's storage from the pre-state decides it, and may drop the effects of the side
    /// not taken (see [`crate::interpret::analyze_frame`]).
    pub storage_branches: bool,
}

impl EntrySummary {
    /// Whether some effect stays open without knowing the frame's calldata: a call, account
    /// or self-destruct target, or a created address, that depends on ⊤ (or, for a call
    /// target, on what another call returned), a call whose calldata (or selector) is lost,
    /// or a widening. Such an entry is worth analysing again for one frame whose calldata is
    /// known ([`crate::interpret::analyze_frame`]).
    pub fn has_open_effect(&self) -> bool {
        let t = &self.exprs;
        self.effects.iter().any(|e| match e {
            Effect::Read(_) | Effect::Write(_) => false,
            Effect::Account(a) | Effect::SelfDestruct(a) => t.has_top(*a),
            Effect::Call { target, input, .. } => {
                // A callee whose calldata is lost runs every one of its entries.
                t.has_top_or_returned(*target)
                    || (input.segs.is_empty() && input.tail.is_none() && t.has_top(input.len))
                    || input.segs.first().is_some_and(|s| match *s {
                        Seg::Unknown { .. } => true,
                        Seg::Word { e, .. } => t.has_top(e),
                        Seg::CallData { .. } | Seg::Code { .. } => false,
                    })
            }
            Effect::Create { salt, init, .. } => {
                salt.is_some_and(|s| t.has_top(s))
                    || init.iter().any(|s| match *s {
                        Seg::Unknown { .. } => true,
                        Seg::Word { e, .. } | Seg::CallData { start: e, .. } => t.has_top(e),
                        Seg::Code { .. } => false,
                    })
            }
            Effect::Widen(_) => true,
        })
    }

    /// Whether instantiating this summary widens to the whole state in any frame, whatever
    /// its calldata, caller and storage: some effect that no guard can rule out (each guard
    /// depends on ⊤) is a CALL, CALLCODE or STATICCALL whose target depends on ⊤, a
    /// self-destruct whose beneficiary does, or, in code with `external` effects, a widening.
    /// (A DELEGATECALL target may still resolve through the proxy slots.)
    pub fn certainly_widens_everything(&self, external: bool) -> bool {
        let t = &self.exprs;
        self.effects.iter().zip(&self.guards).any(|(e, guards)| {
            guards.iter().all(|g| t.has_top(g.cond))
                && match e {
                    Effect::Call { kind, target, .. } => {
                        *kind != CallKind::DelegateCall && t.has_top(*target)
                    }
                    Effect::SelfDestruct(b) => t.has_top(*b),
                    Effect::Widen(_) => external,
                    Effect::Read(_)
                    | Effect::Write(_)
                    | Effect::Account(_)
                    | Effect::Create { .. } => false,
                }
        })
    }

    /// Renders one effect as text (`write keccak(caller . 0x3)`).
    pub fn render_effect(&self, e: &Effect) -> String {
        let t = &self.exprs;
        match e {
            Effect::Read(s) => format!("read {}", t.render(*s)),
            Effect::Write(s) => format!("write {}", t.render(*s)),
            Effect::Account(a) => format!("account {}", t.render(*a)),
            Effect::Call {
                kind,
                target,
                value,
                input,
            } => {
                let mut s = format!(
                    "{} {} value={} input=",
                    match kind {
                        CallKind::Call => "call",
                        CallKind::CallCode => "callcode",
                        CallKind::DelegateCall => "delegatecall",
                        CallKind::StaticCall => "staticcall",
                    },
                    t.render(*target),
                    t.render(*value)
                );
                s.push('[');
                t.render_segs(&input.segs, &mut s, 0);
                if let Some((start, len)) = input.tail {
                    if !input.segs.is_empty() {
                        s.push_str(" . ");
                    }
                    s.push_str(&format!("cd[{}; {}]", t.render(start), t.render(len)));
                }
                s.push(']');
                s
            }
            Effect::Create {
                value, salt, init, ..
            } => {
                let mut s = match salt {
                    Some(salt) => format!(
                        "create2 salt={} value={} init=[",
                        t.render(*salt),
                        t.render(*value)
                    ),
                    None => format!("create value={} init=[", t.render(*value)),
                };
                t.render_segs(init, &mut s, 0);
                s.push(']');
                s
            }
            Effect::SelfDestruct(b) => format!("selfdestruct {}", t.render(*b)),
            Effect::Widen(r) => format!("widen {r:?}"),
        }
    }

    /// Renders the guards of one effect (` if caller == sload(0x0)` style; empty when none).
    fn render_guards(&self, guards: &[Guard]) -> String {
        guards
            .iter()
            .map(|g| {
                let word = if g.holds { "if" } else { "unless" };
                format!(" {word} {}", self.exprs.render(g.cond))
            })
            .collect()
    }

    /// Renders what a call's paths had stored before it (` after sstore(0x5, 0x1)` style;
    /// empty when nothing, or not a call).
    fn render_stores(&self, index: usize) -> String {
        self.stores_before(index)
            .map(|(slot, value)| {
                let t = &self.exprs;
                format!(" after sstore({}, {})", t.render(slot), t.render(value))
            })
            .collect()
    }

    /// The `(slot, value)` pairs every path had last stored at constant slots before it made
    /// the call of effect `index`.
    pub fn stores_before(&self, index: usize) -> impl Iterator<Item = (Expr, Expr)> + '_ {
        entries_of(&self.call_stores, index)
    }

    /// Whether every path makes its calls and creations in the order the effects list them
    /// (no loop calls one site twice, no path calls a later-listed site before an earlier
    /// one): no run comes late ([`Self::late`]). Instantiation follows the list: only then
    /// do the frames it instantiates first run first.
    pub fn ordered(&self) -> bool {
        self.late.is_empty()
    }

    /// Whether some run of effect `index` may come late (see [`Self::late`]).
    pub fn runs_late(&self, index: usize) -> bool {
        entries_of(&self.late, index).next().is_some()
    }

    /// Whether the run of the call instruction at `pc` may come late (see [`Self::late`]).
    pub fn late_at(&self, pc: u32) -> bool {
        self.late.iter().any(|&(_, p)| p == pc)
    }

    /// The program counters of the call instructions behind effect `index`.
    pub fn call_pcs(&self, index: usize) -> impl Iterator<Item = u32> + '_ {
        entries_of(&self.call_sites, index)
    }

    /// All effects as sorted text lines (the deterministic form used by snapshots), each with
    /// its guards, what the entry returns (`return [sload(0x2)]`) and what it deploys
    /// (`deploy [code[0x1c; 100]]`) when that is known and not empty.
    pub fn lines(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .effects
            .iter()
            .zip(&self.guards)
            .enumerate()
            .map(|(i, (e, g))| {
                self.render_effect(e) + &self.render_stores(i) + &self.render_guards(g)
            })
            .collect();
        if let Some(words) = self.returns.as_deref().filter(|w| !w.is_empty()) {
            let words: Vec<String> = words.iter().map(|w| self.exprs.render(*w)).collect();
            v.push(format!("return [{}]", words.join(", ")));
        }
        if let Some(segs) = self.deployed.as_deref().filter(|s| !s.is_empty()) {
            let mut s = String::from("deploy [");
            self.exprs.render_segs(segs, &mut s, 0);
            v.push(s + "]");
        }
        v.sort();
        v.dedup();
        v
    }
}

/// The values `list` (sorted by effect index) holds for effect `index`.
fn entries_of<T: Copy>(list: &[(u32, T)], index: usize) -> impl Iterator<Item = T> + '_ {
    let start = list.partition_point(|&(i, _)| (i as usize) < index);
    list[start..]
        .iter()
        .take_while(move |&&(i, _)| i as usize == index)
        .map(|&(_, v)| v)
}

impl Serialize for EntrySummary {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("EntrySummary", 4)?;
        st.serialize_field("entry", &self.key)?;
        st.serialize_field("complete", &self.complete)?;
        st.serialize_field("steps", &self.steps)?;
        st.serialize_field("effects", &self.lines())?;
        st.end()
    }
}

/// Every entry of one contract, for audits and snapshots.
#[derive(Debug, Clone, Serialize)]
pub struct ContractSummary {
    /// keccak256 of the code.
    pub code_hash: B256,
    /// Code length in bytes.
    pub code_len: usize,
    /// Selectors the dispatcher compares against, ascending.
    pub selectors: Vec<String>,
    /// The proxy pattern recognised in the code, if any.
    pub proxy: Option<String>,
    /// One summary per selector, then the empty-calldata entry, in that order.
    pub entries: Vec<std::sync::Arc<EntrySummary>>,
}

impl ContractSummary {
    /// A compact text form: one block per entry, one line per effect.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        if let Some(p) = &self.proxy {
            out.push_str(&format!("proxy {p}\n"));
        }
        for e in &self.entries {
            out.push_str(&format!(
                "{}{}:\n",
                e.key,
                if e.complete { "" } else { " (incomplete)" }
            ));
            for l in e.lines() {
                out.push_str("  ");
                out.push_str(&l);
                out.push('\n');
            }
        }
        out
    }
}
