//! Shared by the analyzer's integration tests: a small assembler for EVM code written as text
//! (mnemonics, `0x..` push data, `name:` for a JUMPDEST and `@name` for a PUSH2 of its
//! address).
//!
//! Input: assembly text. Output: bytecode.

use revm::bytecode::OpCode;

/// Assembles `src` (two passes, to resolve labels).
pub fn asm(src: &str) -> Vec<u8> {
    let words: Vec<&str> = src.split_whitespace().collect();
    let mut labels = std::collections::HashMap::new();
    for pass in 0..2 {
        let mut out = Vec::new();
        let mut i = 0;
        while i < words.len() {
            let w = words[i];
            if let Some(l) = w.strip_suffix(':') {
                labels.insert(l.to_string(), out.len());
                out.push(0x5b);
            } else if let Some(l) = w.strip_prefix('@') {
                let at = labels.get(l).copied().unwrap_or(0);
                assert!(pass == 0 || labels.contains_key(l), "unknown label {l}");
                out.push(0x61);
                out.extend_from_slice(&(at as u16).to_be_bytes());
            } else {
                let op = (0..=255u8)
                    .filter_map(OpCode::new)
                    .find(|o| o.as_str() == w)
                    .unwrap_or_else(|| panic!("bad opcode {w}"));
                out.push(op.get());
                let n = op.info().immediate_size() as usize;
                if n > 0 {
                    i += 1;
                    let hex = words[i].trim_start_matches("0x");
                    let v = alloy_primitives::hex::decode(format!("{hex:0>width$}", width = n * 2))
                        .expect("push data");
                    assert_eq!(v.len(), n, "push data size of {w}");
                    out.extend(v);
                }
            }
            i += 1;
        }
        if pass == 1 {
            return out;
        }
    }
    unreachable!()
}
