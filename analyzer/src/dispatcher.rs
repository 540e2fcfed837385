//! The function dispatcher: which selectors a contract compares the first calldata word
//! against (solc's linear and binary-search dispatchers, old `DIV`/`AND` and new `SHR` forms,
//! Vyper's linear form).
//!
//! Input: a [`Code`]. Output: the sorted selectors, one entry each in a [`ContractSummary`].
//! Prediction does not need this list: each transaction's entry is analysed with its own
//! selector known, so the dispatcher comparisons fold to constants during interpretation.
//!
//! [`ContractSummary`]: crate::ContractSummary

use std::collections::BTreeSet;

use revm::bytecode::opcode;

use crate::cfg::{Code, push_size};

/// The selectors the code dispatches on, ascending.
///
/// A selector is a `PUSH1..PUSH4` constant compared with `EQ` right before a `PUSHn JUMPI`
/// (solc drops leading zero bytes of a selector, hence the shorter pushes).
pub fn selectors(code: &Code) -> Vec<u32> {
    let mut out = BTreeSet::new();
    let mut ops: Vec<(usize, u8)> = Vec::with_capacity(code.len() / 2);
    let mut pc = 0;
    while pc < code.len() {
        let op = code.insn(pc).op;
        ops.push((pc, op));
        pc += 1 + push_size(op);
    }
    for (i, &(pc, op)) in ops.iter().enumerate() {
        if !(opcode::PUSH1..=opcode::PUSH4).contains(&op) {
            continue;
        }
        let at = |k: usize| ops.get(i + k).map(|&(_, o)| o);
        // DUP1 PUSH x EQ PUSH JUMPI | PUSH x DUP2 EQ PUSH JUMPI | PUSH x EQ PUSH JUMPI (Vyper)
        let eq_at = if at(1) == Some(opcode::EQ) {
            1
        } else if at(1) == Some(opcode::DUP2) && at(2) == Some(opcode::EQ) {
            2
        } else {
            continue;
        };
        let push_jump = at(eq_at + 1).is_some_and(|o| (opcode::PUSH1..=opcode::PUSH4).contains(&o))
            && at(eq_at + 2) == Some(opcode::JUMPI);
        let short_ok =
            op == opcode::PUSH4 || (i > 0 && ops.get(i - 1).map(|x| x.1) == Some(opcode::DUP1));
        if push_jump && short_ok {
            let v = code.push_value(pc);
            if let Ok(s) = u32::try_from(v) {
                out.insert(s);
            }
        }
    }
    out.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    #[test]
    fn finds_new_and_old_solc_selectors() {
        // new: PUSH1 0 CALLDATALOAD PUSH1 0xe0 SHR DUP1 PUSH4 a9059cbb EQ PUSH2 0x0020 JUMPI
        //      DUP1 PUSH3 fdd58e EQ PUSH2 0x0021 JUMPI
        let new = hex!("60003560e01c8063a9059cbb1461002057806300fdd58e14610021575b00");
        let c = Code::new(new.to_vec().into());
        assert_eq!(selectors(&c), vec![0x00fdd58e, 0xa9059cbb]);
        // old: PUSH29 2^224 PUSH1 0 CALLDATALOAD DIV PUSH4 ffffffff AND PUSH4 18160ddd DUP2 EQ PUSH2 .. JUMPI
        let mut old = vec![0x7c];
        old.extend([1u8]);
        old.extend([0u8; 28]);
        old.extend(hex!("6000350463ffffffff166318160ddd81146100405700"));
        let c = Code::new(old.into());
        assert_eq!(selectors(&c), vec![0x18160ddd]);
    }
}
