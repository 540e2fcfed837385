//! The abstract machine state: a stack of symbolic expressions, a byte-precise memory log and
//! the values the path stored, with the join used at control-flow merges.
//!
//! Input: expressions from a [`Pool`]. Output: states the interpreter steps, keys for
//! context-sensitive storage of states, and memory reads as byte segments (for MLOAD, KECCAK256
//! and call inputs).

use std::rc::Rc;

use crate::{
    expr::{Expr, Pool, Seg, TOP},
    summary::Guard,
};

/// Most entries the memory log keeps (the oldest are forgotten: reads of them become ⊤, and
/// so does memory never written, [`State::forgot`]). On the mainnet corpus 48 left 269
/// transactions widened to the whole state, 96 leaves 259 and 128 258.
pub const MAX_MEM_ENTRIES: usize = 96;
/// Largest byte range a single read may cover.
pub const MAX_READ: u32 = 2048;
/// The extent assumed for a CALLDATACOPY of symbolic length.
pub const DYN_EXTENT: u32 = 1 << 16;
/// Most guards a state keeps (later branches are not recorded).
pub const MAX_GUARDS: usize = 12;
/// Most stored values a state keeps for later loads (see [`State::stored_values`]).
pub const MAX_STORED_VALUES: usize = 8;
/// Where Solidity keeps its free-memory pointer.
pub(crate) const FREE_POINTER: u32 = 0x40;

/// Where the bytes of a memory entry come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemSrc {
    /// Bytes `shift ..` of the 32-byte value of an expression.
    Word {
        /// The value.
        e: Expr,
        /// First byte.
        shift: u8,
    },
    /// Calldata from `start`.
    CallData {
        /// Calldata offset of the entry's first byte.
        start: Expr,
    },
    /// Calldata from `start`, of symbolic length `len` (the entry spans [`DYN_EXTENT`]).
    CallDataDyn {
        /// Calldata offset of the entry's first byte.
        start: Expr,
        /// Number of bytes copied.
        len: Expr,
    },
    /// The frame's code from `start`.
    Code {
        /// Code offset of the entry's first byte.
        start: u32,
    },
    /// Unknown bytes.
    Unknown,
}

/// One write to memory at `base + off .. base + off + len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MemEntry {
    /// Symbolic base of the offset (`None`: absolute).
    pub base: Option<Expr>,
    /// Constant offset from the base.
    pub off: u32,
    /// Number of bytes.
    pub len: u32,
    /// The bytes.
    pub src: MemSrc,
}

impl MemEntry {
    /// Whether both cover the same bytes (the offset first: it differs most often).
    fn same_place(&self, other: &MemEntry) -> bool {
        self.off == other.off && self.len == other.len && self.base == other.base
    }

    fn end(&self) -> u64 {
        self.off as u64 + self.len as u64
    }

    /// Whether both cover some byte in common (at one base).
    fn overlaps(&self, other: &MemEntry) -> bool {
        self.base == other.base
            && (self.off as u64) < other.end()
            && (other.off as u64) < self.end()
    }

    /// Whether it writes some byte of the free-memory pointer.
    fn touches_free_pointer(&self) -> bool {
        self.base.is_none() && self.off < FREE_POINTER + 32 && self.end() > FREE_POINTER as u64
    }

    /// Whether it is the free-memory pointer word itself.
    fn is_free_pointer(&self) -> bool {
        self.base.is_none() && self.off == FREE_POINTER && self.len == 32
    }
}

/// The stored values both paths know, in `a`'s order.
fn common_values(a: &[(Expr, Expr)], b: &[(Expr, Expr)]) -> Vec<(Expr, Expr)> {
    a.iter().filter(|v| b.contains(v)).copied().collect()
}

/// The free-memory pointer's value in `mem`, when its newest write is a whole word.
fn free_pointer(mem: &[MemEntry]) -> Option<Expr> {
    let m = mem.iter().rev().find(|m| m.touches_free_pointer())?;
    match m.src {
        MemSrc::Word { e, shift: 0 } if m.is_free_pointer() => Some(e),
        _ => None,
    }
}

/// `a` with the elements of `b` it lacks.
fn union(a: &[Expr], b: &[Expr]) -> Vec<Expr> {
    let mut u = a.to_vec();
    u.extend(b.iter().filter(|e| !a.contains(e)));
    u
}

/// An abstract state at one program point.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct State {
    /// The stack, top last.
    pub stack: Vec<Expr>,
    /// Memory writes, oldest first (later ones shadow earlier ones). Shared between the
    /// states of one path until one of them writes: most blocks never touch memory, so a
    /// state's copy and its comparison with the states kept at a join point are cheap.
    pub mem: Rc<Vec<MemEntry>>,
    /// The branches this path took on the sender, or (in an analysis specialised to a frame's
    /// calldata) on two of its inputs, oldest first.
    pub guards: Vec<Guard>,
    /// Whether this path made a call or creation that may re-enter and change any slot: past
    /// that, storage no longer holds its pre-state values. Kept only by an analysis that
    /// knows the frame's storage.
    pub dirty: bool,
    /// The slots this path stored to, likewise kept only by an analysis that knows the
    /// frame's storage: a later load of one of them (or of any slot, once one is not a
    /// constant) is unknown, not the pre-state value; a load of another constant slot still
    /// is (a reentrancy lock stored first does not hide the rest of the storage).
    pub stored: Vec<Expr>,
    /// The values this path stored, by slot, newest last (at most [`MAX_STORED_VALUES`]): a
    /// later load of one of those slots reads what was stored, not the pre-state's value
    /// (a struct written and then read back within one call). A store to a slot that may be
    /// the same drops the older value.
    pub stored_values: Vec<(Expr, Expr)>,
    /// One more than the highest index, in the summary's effects, of a call or creation
    /// this path made (0: none yet): a path that makes one whose index is lower runs the
    /// summary's calls out of their listed order.
    pub last_call: u32,
    /// Whether this path lost track of a write (one at an unknown place, or an entry pushed
    /// out past [`MAX_MEM_ENTRIES`]). Until it does, absolute memory that no entry covers was
    /// never written, so it holds the EVM's initial zeros: the tail word that a copy loop
    /// reads past the end of a `bytes` (the padding of `abi.encodePacked(creationCode, ..)`)
    /// is known.
    pub forgot: bool,
    /// What RETURNDATASIZE and RETURNDATACOPY read on this path.
    pub return_data: ReturnData,
}

/// The return data buffer of a path: what RETURNDATASIZE and RETURNDATACOPY read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReturnData {
    /// No call or creation yet: empty, so RETURNDATASIZE is 0 (code short of PUSH0 pushes
    /// zeros that way: the EIP-1167 clone's creation code, Solady).
    #[default]
    Empty,
    /// The output of the CALL-family instruction at this program counter.
    Call(u32),
    /// Not known: after a creation, or where paths that disagree merge.
    Unknown,
}

impl ReturnData {
    /// What two merging paths have in common.
    fn join(self, other: ReturnData) -> ReturnData {
        if self == other {
            self
        } else {
            ReturnData::Unknown
        }
    }
}

impl State {
    /// Whether `other` holds the same stack, memory and storage knowledge (its guards aside).
    pub fn same_but_guards(&self, other: &State) -> bool {
        self.stack == other.stack
            && self.mem == other.mem
            && self.last_call == other.last_call
            && self.dirty == other.dirty
            && self.stored == other.stored
            && self.stored_values == other.stored_values
            && self.forgot == other.forgot
            && self.return_data == other.return_data
    }

    /// Pops a value (⊤ on underflow: the path may have come through a join that lost depth).
    pub fn pop(&mut self) -> Expr {
        self.stack.pop().unwrap_or(TOP)
    }

    /// Pushes a value.
    pub fn push(&mut self, e: Expr) {
        self.stack.push(e);
    }

    /// The value `n` below the top (0 = top); ⊤ when the stack is too short.
    pub fn peek(&self, n: usize) -> Expr {
        self.stack
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.stack.get(i).copied())
            .unwrap_or(TOP)
    }

    /// Records a branch the path took (up to [`MAX_GUARDS`]).
    pub fn guard(&mut self, g: Guard) {
        if self.guards.len() < MAX_GUARDS && !self.guards.contains(&g) {
            self.guards.push(g);
        }
    }

    /// Makes every value that `stale` holds for ⊤: stack slots become ⊤, memory entries
    /// (whose bytes or base it names) unknown bytes, and stored values (whose slot or value
    /// it names) are dropped.
    pub fn forget(&mut self, stale: impl Fn(Expr) -> bool) {
        self.stored_values.retain(|&(s, v)| !stale(s) && !stale(v));
        for e in &mut self.stack {
            if stale(*e) {
                *e = TOP;
            }
        }
        let named = |m: &MemEntry| {
            m.base.is_some_and(&stale)
                || match m.src {
                    MemSrc::Word { e, .. } | MemSrc::CallData { start: e } => stale(e),
                    MemSrc::CallDataDyn { start, len } => stale(start) || stale(len),
                    MemSrc::Code { .. } | MemSrc::Unknown => false,
                }
        };
        if self.mem.iter().any(named) {
            for m in Rc::make_mut(&mut self.mem) {
                if named(m) {
                    m.src = MemSrc::Unknown;
                }
            }
        }
    }

    /// Records that `value` was stored at `slot`.
    pub fn store(&mut self, pool: &Pool, slot: Expr, value: Expr) {
        self.stored_values
            .retain(|&(s, _)| pool.distinct_slots(s, slot));
        if !pool.is_definite(slot) {
            return;
        }
        if self.stored_values.len() >= MAX_STORED_VALUES {
            self.stored_values.remove(0);
        }
        self.stored_values.push((slot, value));
    }

    /// What this path last stored at `slot`, if it did (and nothing that may alias it since).
    pub fn stored_value(&self, slot: Expr) -> Option<Expr> {
        self.stored_values
            .iter()
            .rev()
            .find(|(s, _)| *s == slot)
            .map(|&(_, v)| v)
    }

    /// Forgets what was written relative to `base` (a name about to denote a new allocation).
    pub fn forget_base(&mut self, base: Expr) {
        if self.mem.iter().any(|m| m.base == Some(base)) {
            Rc::make_mut(&mut self.mem).retain(|m| m.base != Some(base));
        }
    }

    /// Whether some value the state holds (on the stack, in memory, as a memory base or a
    /// stored slot or value) is one `held` picks.
    pub fn holds(&self, held: impl Fn(Expr) -> bool) -> bool {
        self.stack.iter().any(|e| held(*e))
            || self.stored_values.iter().any(|&(s, v)| held(s) || held(v))
            || self.mem.iter().any(|m| {
                m.base.is_some_and(&held)
                    || match m.src {
                        MemSrc::Word { e, .. } | MemSrc::CallData { start: e } => held(e),
                        MemSrc::CallDataDyn { start, len } => held(start) || held(len),
                        MemSrc::Code { .. } | MemSrc::Unknown => false,
                    }
            })
    }

    /// The free-memory pointer's value, when its newest write is a whole word.
    pub fn free_pointer(&self) -> Option<Expr> {
        free_pointer(&self.mem)
    }

    /// Forgets all of memory.
    pub fn clear_memory(&mut self) {
        if !self.mem.is_empty() {
            self.mem = Rc::default();
        }
        self.forgot = true;
    }

    /// Records a write; a write at an unknown offset forgets everything.
    pub fn write(&mut self, at: Option<(Option<Expr>, u32)>, len: u32, src: MemSrc) {
        let Some((base, off)) = at else {
            self.clear_memory();
            return;
        };
        if len == 0 {
            return;
        }
        let new = MemEntry {
            base,
            off,
            len,
            src,
        };
        let mem = Rc::make_mut(&mut self.mem);
        // Entries fully covered by the new one can never be read again.
        mem.retain(|m| !(m.base == base && m.off >= off && m.end() <= new.end()));
        if mem.len() >= MAX_MEM_ENTRIES {
            mem.remove(0);
            self.forgot = true;
        }
        mem.push(new);
    }

    /// The bytes `base + off .. + len` as segments: where nothing known was written, zeros
    /// (absolute memory, while the path has not [`State::forgot`] a write) or unknown.
    pub fn read(&self, pool: &mut Pool, base: Option<Expr>, off: u32, len: u32) -> Vec<Seg> {
        let mut segs: Vec<Seg> = Vec::new();
        let len = len.min(MAX_READ);
        let end = off as u64 + len as u64;
        let mut p = off as u64;
        while p < end {
            let newest = self
                .mem
                .iter()
                .enumerate()
                .rev()
                .find(|(_, m)| m.base == base && (m.off as u64) <= p && p < m.end());
            match newest {
                Some((idx, m)) => {
                    let mut run_end = m.end().min(end);
                    for n in self.mem.iter().skip(idx + 1) {
                        if n.base == base && (n.off as u64) > p && (n.off as u64) < run_end {
                            run_end = n.off as u64;
                        }
                    }
                    let r = (p - m.off as u64) as u32;
                    let l = (run_end - p) as u32;
                    push_seg(&mut segs, segment(pool, m, r, l));
                    p = run_end;
                }
                None => {
                    let next = self
                        .mem
                        .iter()
                        .filter(|m| m.base == base && (m.off as u64) > p)
                        .map(|m| m.off as u64)
                        .min()
                        .unwrap_or(end)
                        .min(end);
                    if base.is_none() && !self.forgot {
                        let zero = pool.small(0);
                        while p < next {
                            let len = (next - p).min(32) as u8;
                            segs.push(Seg::Word {
                                e: zero,
                                shift: 0,
                                len,
                            });
                            p += len as u64;
                        }
                    } else {
                        push_seg(
                            &mut segs,
                            Seg::Unknown {
                                len: (next - p) as u16,
                            },
                        );
                        p = next;
                    }
                }
            }
        }
        segs
    }

    /// The newest entry that starts exactly at `base + off` and covers it.
    pub fn entry_at(&self, base: Option<Expr>, off: u32) -> Option<&MemEntry> {
        self.mem
            .iter()
            .rev()
            .find(|m| m.base == base && m.off <= off && (off as u64) < m.end())
            .filter(|m| m.off == off)
    }

    /// The end of the furthest write relative to `base`, capped at `off + MAX_READ`.
    pub fn extent(&self, base: Option<Expr>, off: u32) -> u32 {
        self.mem
            .iter()
            .filter(|m| m.base == base && m.end() > off as u64)
            .map(|m| m.end().min(off as u64 + MAX_READ as u64) as u32)
            .max()
            .unwrap_or(off)
    }

    /// The least upper bound of `self` and `other` (stacks aligned at the top) at the join
    /// point `pc`. Where the two paths allocated differently, the free-memory pointer becomes
    /// the point's own [`Pool::free_pointer`] instead of ⊤, so that what a loop allocates
    /// after the merge is still written and read at known places relative to it.
    pub fn join(&self, other: &State, pool: &mut Pool, pc: u32) -> State {
        let n = self.stack.len().min(other.stack.len());
        let a = &self.stack[self.stack.len() - n..];
        let b = &other.stack[other.stack.len() - n..];
        let stack = a
            .iter()
            .zip(b)
            .map(|(x, y)| if x == y { *x } else { TOP })
            .collect();
        let guards = self
            .guards
            .iter()
            .filter(|g| other.guards.contains(g))
            .copied()
            .collect();
        if Rc::ptr_eq(&self.mem, &other.mem) {
            return State {
                stack,
                mem: self.mem.clone(),
                guards,
                dirty: self.dirty || other.dirty,
                stored: union(&self.stored, &other.stored),
                stored_values: common_values(&self.stored_values, &other.stored_values),
                last_call: self.last_call.max(other.last_call),
                forgot: self.forgot || other.forgot,
                return_data: self.return_data.join(other.return_data),
            };
        }
        let common = self
            .mem
            .iter()
            .zip(other.mem.iter())
            .take_while(|(x, y)| x == y)
            .count();
        let mut mem: Vec<MemEntry> = self.mem[..common].to_vec();
        let tails = || self.mem[common..].iter().chain(&other.mem[common..]);
        // Both paths last wrote the whole pointer word (or agree on its older value).
        let pointer = match tails().any(MemEntry::touches_free_pointer) {
            true => match (free_pointer(&self.mem), free_pointer(&other.mem)) {
                (Some(a), Some(b)) if a == b => Some(a),
                (Some(_), Some(_)) => Some(pool.free_pointer(pc)).filter(|e| *e != TOP),
                _ => None,
            },
            false => None,
        };
        // Entries that both paths hold and neither overwrote since keep their bytes: two paths
        // that wrote the same words in another order (or one of them wrote more before) agree
        // on those words. They go last, over the unknown bytes of what was older.
        let mine = settled(&self.mem[common..]);
        let kept: Vec<MemEntry> = settled(&other.mem[common..])
            .into_iter()
            .filter(|m| mine.contains(m))
            .collect();
        for m in tails() {
            if pointer.is_some() && m.is_free_pointer() || kept.contains(m) {
                continue;
            }
            let u = MemEntry {
                src: MemSrc::Unknown,
                ..*m
            };
            // Only the joined tail may absorb a duplicate: an equal entry in the common
            // prefix can be shadowed there by a newer one that this write shadows in turn.
            if !mem[common..].iter().any(|x| x.same_place(&u)) {
                mem.push(u);
            }
        }
        mem.extend(kept);
        if let Some(e) = pointer {
            // Newest on both paths, so newest here: it shadows the unknown bytes joined above.
            mem.push(MemEntry {
                base: None,
                off: FREE_POINTER,
                len: 32,
                src: MemSrc::Word { e, shift: 0 },
            });
        }
        let cleared = mem.len() > MAX_MEM_ENTRIES * 2;
        if cleared {
            mem.clear();
        }
        State {
            stack,
            mem: Rc::new(mem),
            guards,
            dirty: self.dirty || other.dirty,
            stored: union(&self.stored, &other.stored),
            stored_values: common_values(&self.stored_values, &other.stored_values),
            last_call: self.last_call.max(other.last_call),
            forgot: self.forgot || other.forgot || cleared,
            return_data: self.return_data.join(other.return_data),
        }
    }

    /// Whether `self` already covers `other` at the join point `pc` (joining adds nothing).
    pub fn subsumes(&self, other: &State, pool: &Pool, pc: u32) -> bool {
        // Allocation-free form of `self.join(other) == *self`.
        if self.stack.len() > other.stack.len()
            || other.last_call > self.last_call
            || other.dirty && !self.dirty
            || other.forgot && !self.forgot
            || self.return_data != ReturnData::Unknown && self.return_data != other.return_data
            || !other.stored.iter().all(|e| self.stored.contains(e))
            || !self
                .stored_values
                .iter()
                .all(|v| other.stored_values.contains(v))
            || !self.guards.iter().all(|g| other.guards.contains(g))
        {
            return false;
        }
        let tail = &other.stack[other.stack.len() - self.stack.len()..];
        // From the top down: values near the top differ most often.
        if !self
            .stack
            .iter()
            .zip(tail)
            .rev()
            .all(|(x, y)| x == y || *x == TOP)
        {
            return false;
        }
        if Rc::ptr_eq(&self.mem, &other.mem) || self.mem == other.mem {
            return true;
        }
        let c = self
            .mem
            .iter()
            .zip(other.mem.iter())
            .take_while(|(x, y)| x == y)
            .count();
        let mine = &self.mem[c..];
        // A pointer word of `mine` covers the other path's pointer when joining them keeps
        // it: the two are equal, or it is the point's merged free-memory pointer.
        let pointer = |m: &MemEntry| m.is_free_pointer() && matches!(m.src, MemSrc::Word { .. });
        let pointer_covered = !mine.iter().any(pointer)
            || match (free_pointer(&self.mem), free_pointer(&other.mem)) {
                (Some(a), Some(b)) => a == b || pool.is_free_pointer(a, pc),
                _ => false,
            };
        // Every other entry of `mine` is unknown bytes: covering is being at the same place.
        // (Words both paths hold, which a join keeps, are not looked for: that costs more than
        // the join it would spare.)
        pointer_covered
            && mine.iter().all(|m| m.src == MemSrc::Unknown || pointer(m))
            && other.mem[c..]
                .iter()
                .all(|m| mine.iter().any(|x| x.same_place(m)))
    }
}

/// The known entries of `mem` that no later entry overwrites, in part or whole (entries at
/// other bases are other places, as reads take them).
fn settled(mem: &[MemEntry]) -> Vec<MemEntry> {
    let mut out: Vec<MemEntry> = Vec::new();
    for (i, m) in mem.iter().enumerate() {
        if m.src != MemSrc::Unknown
            && !out.contains(m)
            && !mem[i + 1..].iter().any(|x| x.overlaps(m))
        {
            out.push(*m);
        }
    }
    out
}

fn segment(pool: &mut Pool, m: &MemEntry, r: u32, l: u32) -> Seg {
    match m.src {
        MemSrc::Word { e, shift } => Seg::Word {
            e,
            shift: shift.saturating_add(r as u8),
            len: l as u8,
        },
        MemSrc::CallData { start } | MemSrc::CallDataDyn { start, .. } => {
            let k = pool.small(r as u64);
            Seg::CallData {
                start: pool.bin(crate::expr::BinOp::Add, start, k),
                len: l as u16,
            }
        }
        MemSrc::Code { start } => Seg::Code {
            start: start.saturating_add(r),
            len: l as u16,
        },
        MemSrc::Unknown => Seg::Unknown { len: l as u16 },
    }
}

fn push_seg(segs: &mut Vec<Seg>, s: Seg) {
    if let (Some(Seg::Unknown { len: a }), Seg::Unknown { len: b }) = (segs.last_mut(), s) {
        *a = a.saturating_add(b);
        return;
    }
    segs.push(s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::{Env, Known};

    #[test]
    fn unwritten_memory_is_zero_until_a_write_is_lost() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let word_at = |s: &State, pool: &mut Pool, off: u32| {
            let segs = s.read(pool, None, off, 32);
            pool.concat(segs)
        };
        let mut s = State::default();
        assert_eq!(word_at(&s, &mut pool, 0x80), pool.small(0));
        // Entries pushed out past the bound: what they held reads as unknown, not as zero.
        for k in 0..MAX_MEM_ENTRIES as u32 {
            s.write(
                Some((None, 0x100 + 32 * k)),
                32,
                MemSrc::Word { e: c, shift: 0 },
            );
        }
        assert_eq!(word_at(&s, &mut pool, 0x80), pool.small(0));
        s.write(Some((None, 0x2000)), 32, MemSrc::Word { e: c, shift: 0 });
        assert!(s.forgot);
        assert_eq!(word_at(&s, &mut pool, 0x100), TOP);
        // A join keeps the loss of either path, and a fresh state does not subsume a lost one.
        let fresh = State::default();
        let joined = fresh.join(&s, &mut pool, 0);
        assert!(joined.forgot);
        assert!(!fresh.subsumes(&joined, &pool, 0));
    }

    #[test]
    fn a_join_keeps_the_words_both_paths_wrote_last_in_any_order() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let v = pool.env(Env::CallValue);
        let word = |e| MemSrc::Word { e, shift: 0 };
        let word_at = |s: &State, pool: &mut Pool, off: u32| {
            let segs = s.read(pool, None, off, 32);
            pool.concat(segs)
        };
        // One path writes caller at 0x80 and then value at 0xa0; the other writes value at
        // 0xc0 first, then the same two words the other way round.
        let mut a = State::default();
        a.write(Some((None, 0x80)), 32, word(c));
        a.write(Some((None, 0xa0)), 32, word(v));
        let mut b = State::default();
        b.write(Some((None, 0xc0)), 32, word(v));
        b.write(Some((None, 0xa0)), 32, word(v));
        b.write(Some((None, 0x80)), 32, word(c));
        for joined in [a.join(&b, &mut pool, 0), b.join(&a, &mut pool, 0)] {
            assert_eq!(word_at(&joined, &mut pool, 0x80), c);
            assert_eq!(word_at(&joined, &mut pool, 0xa0), v);
            assert_eq!(word_at(&joined, &mut pool, 0xc0), TOP);
        }
        // A later write over part of both words: neither is what the other path holds.
        b.write(Some((None, 0x90)), 32, word(v));
        for joined in [a.join(&b, &mut pool, 0), b.join(&a, &mut pool, 0)] {
            assert_eq!(word_at(&joined, &mut pool, 0x80), TOP);
            assert_eq!(word_at(&joined, &mut pool, 0xa0), TOP);
        }
    }

    #[test]
    fn scratch_space_reads_back_words_and_partial_words() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let three = pool.small(3);
        let mut s = State::default();
        s.write(Some((None, 0)), 32, MemSrc::Word { e: c, shift: 0 });
        s.write(Some((None, 32)), 32, MemSrc::Word { e: three, shift: 0 });
        let segs = s.read(&mut pool, None, 0, 64);
        assert_eq!(
            segs,
            vec![
                Seg::Word {
                    e: c,
                    shift: 0,
                    len: 32
                },
                Seg::Word {
                    e: three,
                    shift: 0,
                    len: 32
                }
            ]
        );
        // abi.encodePacked(address, address): 20-byte tails of two words
        let segs = s.read(&mut pool, None, 12, 40);
        assert_eq!(
            segs,
            vec![
                Seg::Word {
                    e: c,
                    shift: 12,
                    len: 20
                },
                Seg::Word {
                    e: three,
                    shift: 0,
                    len: 20
                }
            ]
        );
        // an overlapping newer write shadows part of the older one
        let v = pool.env(Env::CallValue);
        s.write(Some((None, 16)), 32, MemSrc::Word { e: v, shift: 0 });
        let segs = s.read(&mut pool, None, 0, 64);
        assert_eq!(
            segs,
            vec![
                Seg::Word {
                    e: c,
                    shift: 0,
                    len: 16
                },
                Seg::Word {
                    e: v,
                    shift: 0,
                    len: 32
                },
                Seg::Word {
                    e: three,
                    shift: 16,
                    len: 16
                }
            ]
        );
        // never written: the EVM's initial zeros
        let zero = pool.small(0);
        assert_eq!(
            s.read(&mut pool, None, 64, 8),
            vec![Seg::Word {
                e: zero,
                shift: 0,
                len: 8
            }]
        );
    }

    #[test]
    fn join_forgets_divergent_writes_soundly() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let v = pool.env(Env::CallValue);
        let mut a = State::default();
        a.write(Some((None, 0)), 32, MemSrc::Word { e: c, shift: 0 });
        let mut b = a.clone();
        a.write(Some((None, 0)), 32, MemSrc::Word { e: v, shift: 0 });
        b.push(c);
        a.push(v);
        let j = a.join(&b, &mut pool, 1);
        assert_eq!(j.stack, vec![TOP]);
        assert_eq!(
            j.read(&mut pool, None, 0, 32),
            vec![Seg::Unknown { len: 32 }]
        );
        assert!(j.subsumes(&a, &pool, 1) && j.subsumes(&b, &pool, 1));
    }

    #[test]
    fn join_does_not_merge_a_write_into_an_older_equal_entry() {
        // Both states share `[unknown 0..64, caller at 0..32]`; `b` then forgot 0..64 again
        // (as a joined state can, without dropping what that entry covers). Merging its last
        // entry into the shared one would leave the caller visible where `b` has unknown
        // bytes.
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let unknown = MemEntry {
            base: None,
            off: 0,
            len: 64,
            src: MemSrc::Unknown,
        };
        let caller = MemEntry {
            base: None,
            off: 0,
            len: 32,
            src: MemSrc::Word { e: c, shift: 0 },
        };
        let a = State {
            mem: Rc::new(vec![unknown, caller]),
            ..State::default()
        };
        let b = State {
            mem: Rc::new(vec![unknown, caller, unknown]),
            ..State::default()
        };
        assert_eq!(
            b.read(&mut pool, None, 0, 32),
            vec![Seg::Unknown { len: 32 }]
        );
        let j = a.join(&b, &mut pool, 1);
        assert_eq!(
            j.read(&mut pool, None, 0, 32),
            vec![Seg::Unknown { len: 32 }]
        );
        assert!(j.subsumes(&a, &pool, 1) && j.subsumes(&b, &pool, 1));
    }

    #[test]
    fn return_data_of_one_call_is_kept_only_where_both_paths_made_it_last() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let after = |pc| State {
            return_data: ReturnData::Call(pc),
            ..State::default()
        };
        let j = after(7).join(&after(7), &mut pool, 1);
        assert_eq!(j.return_data, ReturnData::Call(7));
        for other in [after(9), State::default()] {
            let j = after(7).join(&other, &mut pool, 1);
            assert_eq!(j.return_data, ReturnData::Unknown);
            assert!(j.subsumes(&after(7), &pool, 1) && j.subsumes(&other, &pool, 1));
            assert!(!after(7).subsumes(&other, &pool, 1));
            assert!(!other.subsumes(&after(7), &pool, 1));
        }
    }

    #[test]
    fn join_keeps_the_guards_both_paths_took() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let g = Guard {
            cond: c,
            holds: true,
        };
        let mut a = State::default();
        a.guard(g);
        let b = State::default();
        let j = a.join(&b, &mut pool, 1);
        assert!(j.guards.is_empty());
        assert!(j.subsumes(&a, &pool, 1) && j.subsumes(&b, &pool, 1));
        assert!(
            !a.subsumes(&b, &pool, 1),
            "a guarded state does not cover an unguarded one"
        );
        assert!(b.subsumes(&a, &pool, 1));
    }

    /// One whole word of `e`, as a read returns it.
    fn whole(e: Expr) -> Vec<Seg> {
        vec![Seg::Word {
            e,
            shift: 0,
            len: 32,
        }]
    }

    /// A state whose free-memory pointer is `fmp` and that wrote `v` at `fmp`.
    fn allocated(pool: &mut Pool, fmp: Expr, v: Expr) -> State {
        let mut s = State::default();
        let at = pool.split_offset(fmp);
        s.write(at, 32, MemSrc::Word { e: v, shift: 0 });
        let next = pool.small(0x20);
        let next = pool.bin(crate::expr::BinOp::Add, next, fmp);
        s.write(
            Some((None, FREE_POINTER)),
            32,
            MemSrc::Word { e: next, shift: 0 },
        );
        s
    }

    #[test]
    fn join_merges_differing_free_pointers_into_the_points_own() {
        // A loop that allocates per iteration: the pointer differs between the paths that
        // meet at its head. It becomes that point's merged pointer, not ⊤, so memory written
        // relative to it afterwards is still read back.
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let c = pool.env(Env::Caller);
        let (x80, xa0) = (pool.small(0x80), pool.small(0xa0));
        let a = allocated(&mut pool, x80, c);
        let b = allocated(&mut pool, xa0, c);
        let j = a.join(&b, &mut pool, 7);
        let phi = pool.free_pointer(7);
        assert_eq!(j.read(&mut pool, None, FREE_POINTER, 32), whole(phi));
        assert!(j.subsumes(&a, &pool, 7) && j.subsumes(&b, &pool, 7));
        // What the allocations wrote is forgotten.
        assert_eq!(
            j.read(&mut pool, None, 0x80, 64),
            vec![Seg::Unknown { len: 64 }]
        );
        // The next iteration allocates at the merged pointer and reads its own write back.
        let mut next = j.clone();
        let v = pool.env(Env::CallValue);
        next.write(pool.split_offset(phi), 32, MemSrc::Word { e: v, shift: 0 });
        let bumped = pool.small(0x20);
        let bumped = pool.bin(crate::expr::BinOp::Add, bumped, phi);
        next.write(
            Some((None, FREE_POINTER)),
            32,
            MemSrc::Word {
                e: bumped,
                shift: 0,
            },
        );
        assert_eq!(next.read(&mut pool, Some(phi), 0, 32), whole(v));
        // The point's state covers it (the loop has reached its fixed point) ...
        let j2 = j.join(&next, &mut pool, 7);
        assert!(j2.subsumes(&next, &pool, 7));
        assert!(j2.subsumes(&j2.join(&next, &mut pool, 7), &pool, 7));
        // ... but another point's merged pointer covers nothing here.
        assert!(!j2.subsumes(&next, &pool, 8));
        // The merged pointer is unknown to instantiation, like ⊤.
        let t = pool.freeze();
        assert!(t.has_top(phi));
        assert_eq!(t.render(phi), "fmp@0x7");
    }

    #[test]
    fn join_keeps_a_free_pointer_both_paths_agree_on() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let (c, v, x80) = (
            pool.env(Env::Caller),
            pool.env(Env::CallValue),
            pool.small(0x80),
        );
        let a = allocated(&mut pool, x80, c);
        let b = allocated(&mut pool, x80, v);
        let j = a.join(&b, &mut pool, 7);
        let xa0 = pool.small(0xa0);
        assert_eq!(j.read(&mut pool, None, FREE_POINTER, 32), whole(xa0));
        assert_eq!(
            j.read(&mut pool, None, 0x80, 32),
            vec![Seg::Unknown { len: 32 }]
        );
        // A pointer that one path last wrote only in part is not merged.
        let mut c2 = allocated(&mut pool, xa0, c);
        c2.write(Some((None, FREE_POINTER + 16)), 1, MemSrc::Unknown);
        let j = a.join(&c2, &mut pool, 7);
        assert_eq!(
            j.read(&mut pool, None, FREE_POINTER, 32),
            vec![Seg::Unknown { len: 32 }]
        );
    }

    #[test]
    fn stored_values_survive_a_join_only_where_both_paths_stored_them() {
        let mut pool = Pool::new(Default::default(), Known::default(), 1000);
        let (c, v) = (pool.env(Env::Caller), pool.env(Env::CallValue));
        let (zero, one) = (pool.small(0), pool.small(1));
        let mut a = State::default();
        a.store(&pool, zero, c);
        a.store(&pool, one, v);
        let mut b = State::default();
        b.store(&pool, zero, c);
        b.store(&pool, one, c);
        let j = a.join(&b, &mut pool, 1);
        assert_eq!(j.stored_value(zero), Some(c));
        assert_eq!(j.stored_value(one), None);
        assert!(j.subsumes(&a, &pool, 1) && j.subsumes(&b, &pool, 1));
        assert!(!a.subsumes(&b, &pool, 1), "a knows slot 1 holds callvalue");
        // A value that no longer means what it meant (a call's output, run again) is dropped.
        let mut f = a.clone();
        f.forget(|e| e == v);
        assert_eq!(f.stored_value(one), None);
        assert_eq!(f.stored_value(zero), Some(c));
        // A store at a slot that may be slot 0 forgets it; slot 1 is certainly another.
        let mut a2 = a.clone();
        a2.store(&pool, c, v);
        assert_eq!(a2.stored_value(zero), None);
        assert_eq!(a2.stored_value(c), Some(v));
        let base = pool.env(Env::Caller);
        let field = pool.bin(crate::expr::BinOp::Add, one, base);
        let mut s = State::default();
        s.store(&pool, base, v);
        s.store(&pool, field, c);
        assert_eq!(s.stored_value(base), Some(v), "two fields of one struct");
    }
}
