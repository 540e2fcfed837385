//! No panic and bounded time: every contract of the shared corpus (skipped when
//! `../shared/corpus` is absent), the project's own builds, hostile hand-made bytecode, and
//! random bytecode (proptest), through both analysis and prediction.

use std::time::{Duration, Instant};

use alloy_primitives::{Address, Bytes, U256, hex};
use foresight_analyzer::{
    AnalysisLimits, Analyzer, BlockContext, Code, EntryKey, StateView, TxInput, analyze_entry,
};
use proptest::prelude::*;

/// One account with code, everything else empty.
struct OneContract(Address, Bytes);

impl StateView for OneContract {
    fn code(&self, a: Address) -> Option<Bytes> {
        (a == self.0).then(|| self.1.clone())
    }
    fn storage(&self, _: Address, slot: U256) -> U256 {
        slot
    }
    fn balance(&self, _: Address) -> U256 {
        U256::ZERO
    }
    fn nonce(&self, _: Address) -> u64 {
        0
    }
}

/// Analyses every entry and predicts a few transactions against `code`; returns the time.
fn exercise(code: &[u8]) -> Duration {
    let start = Instant::now();
    let an = Analyzer::new();
    let code = Bytes::copy_from_slice(code);
    let s = an.summary(&code);
    let _ = s.to_text();
    let _ = an.entry_summary(&code, EntryKey::Any);
    let to = Address::repeat_byte(0x42);
    let state = OneContract(to, code);
    let block = BlockContext::default();
    for input in [&b""[..], &[0xa9, 0x05, 0x9c, 0xbb][..], &[0u8; 100][..]] {
        let tx = TxInput {
            from: Address::repeat_byte(1),
            to: Some(to),
            input: Bytes::copy_from_slice(input),
            ..Default::default()
        };
        let _ = an.predict(&tx, &block, &state);
    }
    start.elapsed()
}

fn read_hex_dir(dir: &str, suffix: &str) -> Option<Vec<(String, Vec<u8>)>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).ok()? {
        let p = e.ok()?.path();
        let name = p.file_name()?.to_string_lossy().to_string();
        if name.ends_with(suffix) {
            let text = std::fs::read_to_string(&p).ok()?;
            out.push((name, hex::decode(text.trim()).ok()?));
        }
    }
    Some(out)
}

#[test]
fn shared_corpus_contracts() {
    let Some(codes) = read_hex_dir("../../shared/corpus/contracts", ".hex") else {
        println!("note: ../shared/corpus/contracts absent, skipping");
        return;
    };
    for (name, code) in codes {
        let t = exercise(&code);
        assert!(t < Duration::from_secs(20), "{name} took {t:?}");
    }
}

#[test]
fn project_contracts() {
    let Some(codes) = read_hex_dir("../corpus/contracts/build", ".hex") else {
        println!("note: corpus/contracts/build absent, skipping");
        return;
    };
    for (name, code) in codes {
        let t = exercise(&code);
        assert!(t < Duration::from_secs(20), "{name} took {t:?}");
    }
}

#[test]
fn hostile_bytecode() {
    let mut cases: Vec<Vec<u8>> = vec![
        vec![0x7f],                               // PUSH32 with no data
        vec![0x60, 0x03, 0x56, 0x60, 0x5b, 0x00], // jump into push data
        vec![0x5b, 0x60, 0x00, 0x56],             // infinite loop
        vec![0x5b, 0x30, 0x60, 0x00, 0x56],       // loop growing the stack
        vec![0x60, 0x00, 0x35, 0x56],             // calldata jump
        vec![0xfe],                               // INVALID
        vec![0xe6, 0x01, 0xe7, 0x01],             // DUPN/SWAPN (undefined on these forks)
        vec![0x50, 0x50, 0x90, 0x56],             // stack underflow everywhere
        hex!("ef0100").to_vec(),                  // truncated 7702 designator
    ];
    cases.push(vec![0x5b; 24 * 1024]); // 24 KB of JUMPDESTs
    cases.push([0x60, 0x01].repeat(1500)); // stack overflow
    // every PUSH1 jumps to every JUMPDEST: context explosion
    let mut fan = Vec::new();
    for i in 0..400u16 {
        fan.extend([0x5b, 0x61]);
        fan.extend(((i as usize * 7 % 400) * 4).to_be_bytes().iter().skip(6));
        fan.push(0x57);
    }
    cases.push(fan);
    // self-call recursion
    cases.push(hex!("5b6000808080803060005af1506000565b").to_vec());
    for c in cases {
        let t = exercise(&c);
        assert!(t < Duration::from_secs(20), "{} bytes took {t:?}", c.len());
    }
}

#[test]
fn analysis_respects_its_step_bound() {
    let limits = AnalysisLimits {
        max_steps: 1000,
        ..Default::default()
    };
    let mut code = Vec::new();
    for _ in 0..2000 {
        code.extend([0x60, 0x00, 0x54, 0x50]); // PUSH1 0 SLOAD POP
    }
    let s = analyze_entry(&Code::new(code.into()), EntryKey::Any, &limits);
    assert!(!s.complete);
    assert!(s.steps <= 1000);
    assert!(s.lines().iter().any(|l| l == "widen AnalysisBudget"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_bytecode_never_panics(code in proptest::collection::vec(any::<u8>(), 0..600)) {
        let t = exercise(&code);
        prop_assert!(t < Duration::from_secs(20));
    }

    #[test]
    fn random_opcode_soup_never_panics(ops in proptest::collection::vec(
        prop_oneof![
            Just(0x5bu8), Just(0x56), Just(0x57), Just(0x60), Just(0x80), Just(0x90),
            Just(0x54), Just(0x55), Just(0x52), Just(0x51), Just(0x20), Just(0x35),
            Just(0xf1), Just(0xf4), Just(0xfa), Just(0xf5), Just(0x37), Just(0x01),
        ], 0..400)) {
        let t = exercise(&ops);
        prop_assert!(t < Duration::from_secs(20));
    }
}

#[test]
fn context_explosion_widens_early() {
    // JUMPDEST PUSH1 0 PUSH1 0 JUMP: every iteration leaves one more return-tag-like constant on
    // the stack, so every visit of pc 0 is a new context.
    let code = Code::new(hex!("5b600060005600").to_vec().into());
    let limits = AnalysisLimits::default();
    let s = analyze_entry(&code, EntryKey::Any, &limits);
    assert!(!s.complete);
    assert!(s.lines().iter().any(|l| l == "widen AnalysisBudget"));
    assert!(
        (s.steps as usize) < 8 * (limits.max_contexts_per_point + 2),
        "stopped after {} steps",
        s.steps
    );
    // A bounded loop with one context per point still completes.
    let code = Code::new(hex!("5b6000545060005600").to_vec().into());
    let s = analyze_entry(&code, EntryKey::Any, &limits);
    assert!(s.complete, "{:?}", s.lines());
}
