//! The bytecode model: decoded legacy EVM code with its jump-destination table, instruction
//! decoding with push data, and basic-block leaders, all from one pass over the code (the same
//! jump-destination rule as revm's analysis, which a test checks).
//!
//! Input: raw runtime (or init) bytecode. Output: a [`Code`] that the abstract interpreter walks
//! block by block; jump edges are resolved by the interpretation itself, not here.

use alloy_primitives::{Bytes, U256};
use revm::bytecode::{OpCode, opcode};

/// One decoded instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Insn {
    /// Its program counter.
    pub pc: usize,
    /// The opcode byte.
    pub op: u8,
    /// The program counter of the next instruction.
    pub next: usize,
}

/// Legacy bytecode ready for analysis.
#[derive(Debug, Clone)]
pub struct Code {
    raw: Bytes,
    /// Valid JUMPDESTs (one bit per byte; JUMPDEST opcodes outside push data, as the EVM's
    /// jump-destination analysis defines them).
    jumpdests: Vec<u64>,
    leaders: Vec<u64>,
    external: bool,
}

impl Code {
    /// Decodes `raw` (never fails: malformed code just halts where the EVM would halt).
    pub fn new(raw: Bytes) -> Self {
        let len = raw.len();
        let words = len.div_ceil(64).max(1);
        let mut leaders = vec![0u64; words];
        let mut jumpdests = vec![0u64; words];
        let set = |bits: &mut Vec<u64>, pc: usize| {
            if let Some(w) = bits.get_mut(pc / 64) {
                *w |= 1 << (pc % 64);
            }
        };
        set(&mut leaders, 0);
        let mut external = false;
        let mut pc = 0;
        while pc < len {
            let op = raw.get(pc).copied().unwrap_or(opcode::STOP);
            let next = pc + 1 + push_size(op);
            match op {
                opcode::JUMPDEST => {
                    set(&mut leaders, pc);
                    set(&mut jumpdests, pc);
                }
                opcode::JUMPI if next < len => set(&mut leaders, next),
                opcode::CALL
                | opcode::CALLCODE
                | opcode::DELEGATECALL
                | opcode::STATICCALL
                | opcode::CREATE
                | opcode::CREATE2
                | opcode::SELFDESTRUCT => external = true,
                _ => {}
            }
            pc = next;
        }
        Self {
            raw,
            jumpdests,
            leaders,
            external,
        }
    }

    /// The original bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.raw
    }

    /// Length of the original code.
    pub fn len(&self) -> usize {
        self.raw.len()
    }

    /// Whether the code is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// Whether `pc` is a valid JUMPDEST (a JUMPDEST opcode not inside push data).
    pub fn is_jumpdest(&self, pc: usize) -> bool {
        self.jumpdests
            .get(pc / 64)
            .is_some_and(|w| w & (1 << (pc % 64)) != 0)
    }

    /// Whether `pc` starts a basic block that can be entered from more than one edge (a JUMPDEST
    /// or the fall-through of a JUMPI): where the interpreter keeps and joins states.
    pub fn is_leader(&self, pc: usize) -> bool {
        self.leaders
            .get(pc / 64)
            .is_some_and(|w| w & (1 << (pc % 64)) != 0)
    }

    /// The instruction at `pc` (past the end: an implicit STOP).
    pub fn insn(&self, pc: usize) -> Insn {
        let op = self.raw.get(pc).copied().unwrap_or(opcode::STOP);
        Insn {
            pc,
            op,
            next: pc + 1 + push_size(op),
        }
    }

    /// The push immediate of the instruction at `pc` (zero-padded past the end of the code,
    /// as the EVM does).
    pub fn push_value(&self, pc: usize) -> U256 {
        let op = self.raw.get(pc).copied().unwrap_or(opcode::STOP);
        let n = push_size(op);
        let mut buf = [0u8; 32];
        let start = pc + 1;
        for (i, b) in buf[32 - n..].iter_mut().enumerate() {
            *b = self.raw.get(start + i).copied().unwrap_or(0);
        }
        U256::from_be_bytes(buf)
    }

    /// Up to 32 bytes of code from `offset` (zero-padded), as CODECOPY would copy them.
    pub fn slice_padded(&self, offset: usize, len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| {
                offset
                    .checked_add(i)
                    .and_then(|p| self.raw.get(p).copied())
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Whether any instruction of the code can call, create or self-destruct.
    pub fn has_external_effects(&self) -> bool {
        self.external
    }

    /// Number of instructions (for budgets and reports).
    pub fn instruction_count(&self) -> usize {
        let mut n = 0;
        let mut pc = 0;
        while pc < self.raw.len() {
            let op = self.raw.get(pc).copied().unwrap_or(opcode::STOP);
            pc += 1 + push_size(op);
            n += 1;
        }
        n
    }
}

/// Size of the push immediate of `op` (0 for anything but PUSH1..PUSH32).
pub fn push_size(op: u8) -> usize {
    if (opcode::PUSH1..=opcode::PUSH32).contains(&op) {
        (op - opcode::PUSH1 + 1) as usize
    } else {
        0
    }
}

/// Whether `op` ends execution of the current path (STOP, RETURN, REVERT, INVALID,
/// SELFDESTRUCT, JUMP, or an opcode the EVM does not define).
pub fn is_terminator(op: u8) -> bool {
    matches!(
        op,
        opcode::STOP
            | opcode::RETURN
            | opcode::REVERT
            | opcode::INVALID
            | opcode::SELFDESTRUCT
            | opcode::JUMP
    ) || !is_defined(op)
}

/// Whether `op` is an opcode the analyzer treats as defined (EOF-only and EIP-8024 stack
/// opcodes are undefined in legacy code on the forks the corpus covers).
pub fn is_defined(op: u8) -> bool {
    OpCode::new(op).is_some() && !(opcode::DUPN..=opcode::EXCHANGE).contains(&op)
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::bytecode::Bytecode;

    #[test]
    fn jumpdests_match_revm_analysis() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        for round in 0..200 {
            let len = 1 + round * 7 % 300;
            let code: Vec<u8> = (0..len)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    // plenty of JUMPDESTs and PUSHes
                    match x % 4 {
                        0 => opcode::JUMPDEST,
                        1 => opcode::PUSH1 + (x >> 8) as u8 % 32,
                        _ => (x >> 16) as u8,
                    }
                })
                .collect();
            let ours = Code::new(code.clone().into());
            let revm = Bytecode::new_legacy(code.clone().into());
            let table = revm.legacy_jump_table().expect("legacy");
            for pc in 0..len + 40 {
                assert_eq!(
                    ours.is_jumpdest(pc),
                    table.is_valid(pc),
                    "pc {pc} of {code:02x?}"
                );
            }
        }
    }
}
