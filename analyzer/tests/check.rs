//! Data-driven summary cases in the rust-analyzer style: `check(code, entry, expected)`, where
//! `code` is a small assembly text (mnemonics, `0x..` push data, `name:` for a JUMPDEST and
//! `@name` for a PUSH2 of its address) and `expected` the summary's sorted effect lines.

use alloy_primitives::Bytes;
use foresight_analyzer::{Analyzer, EntryKey};

mod common;
use common::asm;

fn check(src: &str, key: EntryKey, expected: &str) {
    let code = Bytes::from(asm(src));
    assert_lines(&Analyzer::new().entry_summary(&code, key), expected);
}

/// Asserts that `summary`'s effect lines are `expected`'s non-empty lines, trimmed.
fn assert_lines(summary: &foresight_analyzer::EntrySummary, expected: &str) {
    let got = summary.lines().join("\n");
    let want = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(got, want, "\n--- got ---\n{got}\n--- want ---\n{want}\n");
}

/// solc ≥ 0.5 prologue and dispatcher jumping to `tag` for `selector`.
fn dispatch(selector: &str, tag: &str) -> String {
    format!(
        "PUSH1 0x80 PUSH1 0x40 MSTORE PUSH1 0x04 CALLDATASIZE LT @fallback JUMPI \
         PUSH1 0x00 CALLDATALOAD PUSH1 0xe0 SHR DUP1 PUSH4 {selector} EQ @{tag} JUMPI \
         fallback: PUSH1 0x00 DUP1 REVERT "
    )
}

#[test]
fn solidity_mapping_write_is_keccak_of_caller_and_slot() {
    // balances[msg.sender] = calldata[4]
    let src = dispatch("0xd0e30db0", "f")
        + "f: PUSH1 0x04 CALLDATALOAD CALLER PUSH1 0x00 MSTORE PUSH1 0x03 PUSH1 0x20 MSTORE \
           PUSH1 0x40 PUSH1 0x00 KECCAK256 SSTORE STOP";
    check(
        &src,
        EntryKey::Selector(0xd0e30db0),
        "write keccak(caller . 0x3)",
    );
    // another selector falls through to the reverting fallback: nothing
    check(&src, EntryKey::Selector(0x12345678), "");
}

#[test]
fn nested_mapping_and_vyper_order() {
    // allowance[caller][cd[4]] read, Solidity order; then Vyper order keccak(slot . key)
    let src = dispatch("0xdd62ed3e", "f")
        + "f: CALLER PUSH1 0x00 MSTORE PUSH1 0x04 PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 KECCAK256 \
           PUSH1 0x20 MSTORE PUSH1 0x04 CALLDATALOAD PUSH1 0x00 MSTORE PUSH1 0x40 PUSH1 0x00 KECCAK256 \
           SLOAD POP \
           PUSH1 0x05 PUSH1 0x00 MSTORE CALLER PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 KECCAK256 SLOAD \
           STOP";
    check(
        &src,
        EntryKey::Selector(0xdd62ed3e),
        "read keccak(0x5 . caller)
         read keccak(cd[0x4] . keccak(caller . 0x4))",
    );
}

#[test]
fn old_solc_div_and_dispatcher() {
    let src = "PUSH29 0x0100000000000000000000000000000000000000000000000000000000 \
               PUSH1 0x00 CALLDATALOAD DIV PUSH4 0xffffffff AND \
               PUSH4 0x18160ddd DUP2 EQ @total JUMPI \
               PUSH4 0x70a08231 DUP2 EQ @bal JUMPI STOP \
               total: PUSH1 0x02 SLOAD STOP \
               bal: PUSH1 0x04 CALLDATALOAD PUSH1 0x00 MSTORE PUSH1 0x01 PUSH1 0x20 MSTORE \
               PUSH1 0x40 PUSH1 0x00 KECCAK256 SLOAD STOP";
    check(src, EntryKey::Selector(0x18160ddd), "read 0x2");
    check(
        src,
        EntryKey::Selector(0x70a08231),
        "read keccak(cd[0x4] . 0x1)",
    );
    check(src, EntryKey::Empty, "");
    let code = Bytes::from(asm(src));
    let summary = Analyzer::new().summary(&code);
    assert_eq!(summary.selectors, vec!["0x18160ddd", "0x70a08231"]);
}

#[test]
fn binary_search_dispatcher() {
    let src = "PUSH1 0x00 CALLDATALOAD PUSH1 0xe0 SHR \
               DUP1 PUSH4 0x70a08231 GT @low JUMPI \
               DUP1 PUSH4 0xa9059cbb EQ @b JUMPI STOP \
               low: DUP1 PUSH4 0x18160ddd EQ @a JUMPI STOP \
               a: PUSH1 0x01 SLOAD STOP \
               b: PUSH1 0x02 SLOAD STOP";
    check(src, EntryKey::Selector(0x18160ddd), "read 0x1");
    check(src, EntryKey::Selector(0xa9059cbb), "read 0x2");
}

#[test]
fn internal_function_returns_to_each_caller() {
    // f(slot) = sload(slot), called from two sites with different return tags
    let src = dispatch("0x00000001", "main")
        + "main: @r1 PUSH1 0x07 @fn JUMP \
           r1: POP @r2 PUSH1 0x08 @fn JUMP \
           r2: POP STOP \
           fn: SLOAD SWAP1 JUMP";
    check(
        &src,
        EntryKey::Selector(1),
        "read 0x7
         read 0x8",
    );
}

#[test]
fn an_internal_function_called_from_many_sites_returns_to_each() {
    // SafeMath's add in a reflection token's fee arithmetic has 40 and more call sites in one
    // walk, each a context of its own at the function's entry: 48 here, all resolved.
    let sites: String = (0..48)
        .map(|i| format!("@r{i} PUSH1 {:#04x} @fn JUMP r{i}: POP ", 0x10 + i))
        .collect();
    let src = dispatch("0x00000001", "main") + "main: " + &sites + "STOP fn: SLOAD SWAP1 JUMP";
    let expected: String = (0..48).map(|i| format!("read {:#x}\n", 0x10 + i)).collect();
    check(&src, EntryKey::Selector(1), &expected);
}

#[test]
fn loop_over_array_becomes_a_family() {
    // for (i = 0; i < sload(0); i++) sload(keccak(0) + i)
    let src = dispatch("0x00000002", "main")
        + "main: PUSH1 0x00 \
           head: DUP1 PUSH1 0x00 SLOAD GT ISZERO @done JUMPI \
           DUP1 PUSH1 0x00 PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 KECCAK256 ADD SLOAD POP \
           PUSH1 0x01 ADD @head JUMP \
           done: STOP";
    // The first iterations may stay exact (up to `max_states_per_point` states per point);
    // the fixed point is the family `keccak(0) + ⊤`.
    let code = Bytes::from(asm(&src));
    let lines = Analyzer::new()
        .entry_summary(&code, EntryKey::Selector(2))
        .lines();
    assert_eq!(
        lines.first().map(String::as_str),
        Some("read (0x290decd9548b62a8d60345a988386fc84ba6bc95484008f6362f93160ef3e563 + ⊤)")
    );
    assert!(lines.iter().any(|l| l == "read 0x0"));
    assert!(lines.iter().all(|l| l.starts_with("read ")));
}

#[test]
fn calls_carry_target_value_and_calldata_words() {
    // token.transfer(cd[4], cd[36]) with token = sload(1)
    let src = dispatch("0x00000003", "main")
        + "main: PUSH4 0xa9059cbb PUSH1 0xe0 SHL PUSH1 0x80 MSTORE \
           PUSH1 0x04 CALLDATALOAD PUSH1 0x84 MSTORE PUSH1 0x24 CALLDATALOAD PUSH1 0xa4 MSTORE \
           PUSH1 0x00 PUSH1 0x00 PUSH1 0x44 PUSH1 0x80 PUSH1 0x00 PUSH1 0x01 SLOAD GAS CALL STOP";
    check(
        &src,
        EntryKey::Selector(3),
        "call sload(0x1) value=0x0 input=[0xa9059cbb . cd[0x4] . cd[0x24]]
         read 0x1",
    );
}

#[test]
fn a_load_after_a_store_reads_the_stored_value() {
    // orders[cd[4]].target = caller; orders[cd[4]].amount = callvalue; then calls
    // orders[cd[4]].target: the target is the caller just stored, not the pre-state's value.
    // A store to a slot that may be the same one (slot cd[0x24]) forgets it again.
    let order = "PUSH1 0x04 CALLDATALOAD PUSH1 0x00 MSTORE PUSH1 0x03 PUSH1 0x20 MSTORE \
                 PUSH1 0x40 PUSH1 0x00 KECCAK256";
    let src = dispatch("0x00000004", "main")
        + "main: CALLER "
        + order
        + " SSTORE CALLVALUE PUSH1 0x01 "
        + order
        + " ADD SSTORE PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 "
        + order
        + " SLOAD GAS CALL POP PUSH1 0x07 PUSH1 0x24 CALLDATALOAD SSTORE \
           PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 "
        + order
        + " SLOAD GAS CALL STOP";
    check(
        &src,
        EntryKey::Selector(4),
        "call caller value=0x0 input=[]
         call sload(keccak(cd[0x4] . 0x3)) value=0x0 input=[]
         read keccak(cd[0x4] . 0x3)
         write (keccak(cd[0x4] . 0x3) + 0x1)
         write cd[0x24]
         write keccak(cd[0x4] . 0x3)",
    );
}

#[test]
fn forwarding_proxy_keeps_the_calldata() {
    // calldatacopy(0, 0, calldatasize()); delegatecall(gas, sload(impl), 0, calldatasize, 0, 0)
    let src = "CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CALLDATACOPY \
               PUSH1 0x00 PUSH1 0x00 CALLDATASIZE PUSH1 0x00 \
               PUSH32 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc SLOAD \
               GAS DELEGATECALL STOP";
    check(
        src,
        EntryKey::Selector(0xa9059cbb),
        "delegatecall sload(0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc) value=0x0 input=[cd[0x0; calldatasize]]
         read 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc",
    );
}

#[test]
fn dynamic_jump_widens() {
    check(
        "PUSH1 0x00 CALLDATALOAD JUMP",
        EntryKey::Selector(1),
        "widen UnresolvedJump",
    );
}

#[test]
fn create2_and_selfdestruct() {
    let src = "PUSH1 0x0a PUSH1 0x20 PUSH1 0x00 CODECOPY CALLER PUSH1 0x0a PUSH1 0x00 PUSH1 0x00 CREATE2 \
               POP CALLER SELFDESTRUCT";
    check(
        src,
        EntryKey::Empty,
        "create2 salt=caller value=0x0 init=[code[0x20; 10]]
         selfdestruct caller",
    );
}

#[test]
fn owner_checks_guard_effects_and_order_comparisons_do_not() {
    // if (msg.sender == owner) sstore(1, 1); sstore(2, 2)   (the second after the paths merge)
    let src = "PUSH1 0x00 SLOAD CALLER EQ @admin JUMPI @join JUMP \
               admin: PUSH1 0x01 PUSH1 0x01 SSTORE \
               join: PUSH1 0x02 PUSH1 0x02 SSTORE STOP";
    check(
        src,
        EntryKey::Any,
        "read 0x0
         write 0x1 if (sload(0x0) == caller)
         write 0x2",
    );
    // require(balance[caller] >= 5): the pre-state's balance may change before the
    // transaction runs, so the write is not guarded
    let src = "PUSH1 0x05 CALLER SLOAD LT @low JUMPI PUSH1 0x01 PUSH1 0x01 SSTORE low: STOP";
    check(
        src,
        EntryKey::Any,
        "read caller
         write 0x1",
    );
}

#[test]
fn returns_join_over_return_sites() {
    // One path returns sload(0x2); the other path ends with `other`.
    let entry = |other: &str| {
        dispatch("0x18160ddd", "f")
            + "f: PUSH1 0x04 CALLDATALOAD @other JUMPI \
               PUSH1 0x02 SLOAD PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN other: "
            + other
    };
    let returning =
        |slot: &str| format!("PUSH1 {slot} SLOAD PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN");
    let key = EntryKey::Selector(0x18160ddd);
    // Equal words stay, differing ones become ⊤.
    check(
        &entry(&returning("0x02")),
        key,
        "read 0x2\n return [sload(0x2)]",
    );
    check(
        &entry(&returning("0x03")),
        key,
        "read 0x2\n read 0x3\n return [⊤]",
    );
    // A path that stops returns nothing: the lengths differ, so nothing is promised.
    check(&entry("STOP"), key, "read 0x2");
}

#[test]
fn a_call_output_region_holds_each_word_the_call_returned() {
    // A getter on the contract at sload(0), its output region `len` bytes at 0x00; then
    // 0x1 is stored at `key_at` and balances[the other word] is written: the slot names the
    // word the STATICCALL at pc 0x3b returned there.
    let case = |selector: &str, len: &str, key_at: &str, expected: &str| {
        let src = dispatch("0xd0e30db0", "f")
            + &format!(
                "f: PUSH4 {selector} PUSH1 0xe0 SHL PUSH1 0x00 MSTORE \
                 PUSH1 {len} PUSH1 0x00 PUSH1 0x04 PUSH1 0x00 PUSH1 0x00 SLOAD GAS STATICCALL POP \
                 PUSH1 0x01 PUSH1 {key_at} MSTORE PUSH1 0x40 PUSH1 0x00 KECCAK256 CALLVALUE SWAP1 \
                 SSTORE STOP"
            );
        check(&src, EntryKey::Selector(0xd0e30db0), expected);
    };
    // owner = IRegistry(sload(0)).owner(): one word.
    case(
        "0x8da5cb5b",
        "0x20",
        "0x20",
        "read 0x0
         staticcall sload(0x0) value=0x0 input=[0x8da5cb5b]
         write keccak(ret@0x3b[0x0] . 0x1)",
    );
    // (, second) = IPair(sload(0)).tokens(): two words, the second used.
    case(
        "0x9d63848a",
        "0x40",
        "0x00",
        "read 0x0
         staticcall sload(0x0) value=0x0 input=[0x9d63848a]
         write keccak(0x1 . ret@0x3b[0x20])",
    );
    // getReserves(): three words stay unknown (paths would split on them).
    case(
        "0x0902f1ac",
        "0x60",
        "0x00",
        "read 0x0
         staticcall sload(0x0) value=0x0 input=[0x0902f1ac]
         write ⊤",
    );
}

#[test]
fn addmod_and_mulmod_fold_constants_over_512_bits() {
    // mulmod(2^255, 2^255, 2^256 - 1) = 2^254 (FullMath.mulDiv's high word needs the full
    // product); addmod(2^256 - 1, 2, 3) = 2; mulmod(4, 5, 0) = 0 as in the EVM; with an input
    // that is not a constant, the slot is unknown.
    let half = "0x8000000000000000000000000000000000000000000000000000000000000000";
    let max = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    let src = format!(
        "PUSH32 {max} PUSH32 {half} PUSH32 {half} MULMOD SLOAD POP \
         PUSH1 0x03 PUSH1 0x02 PUSH32 {max} ADDMOD SLOAD POP \
         PUSH1 0x00 PUSH1 0x05 PUSH1 0x04 MULMOD SLOAD POP \
         PUSH1 0x07 CALLER PUSH1 0x04 ADDMOD SLOAD POP STOP"
    );
    check(
        &src,
        EntryKey::Empty,
        "read 0x0
         read 0x2
         read 0x4000000000000000000000000000000000000000000000000000000000000000
         read ⊤",
    );
}

#[test]
fn chainid_is_mainnet() {
    // if (block.chainid == 1) read slot 1 else read slot 2: only the mainnet side is kept.
    let src = "CHAINID PUSH1 0x01 EQ @main JUMPI PUSH1 0x02 SLOAD POP STOP \
               main: PUSH1 0x01 SLOAD POP STOP";
    check(src, EntryKey::Empty, "read 0x1");
}

/// Like [`check`], for the analysis of one frame (no calldata, value 0) that takes its storage
/// from `storage` (`(slot, value)`, others zero); also returns the slots it took as known.
fn check_with_storage(src: &str, storage: &[(u64, u64)], expected: &str) -> Vec<u64> {
    check_with_storage_and_callees(src, storage, &[], expected).0
}

/// Like [`check_with_storage`], where a CALL to an address of `inert` cannot re-enter the
/// frame (in a known block, when there are such addresses); also returns the block the
/// summary holds in, if only one.
fn check_with_storage_and_callees(
    src: &str,
    storage: &[(u64, u64)],
    inert: &[u64],
    expected: &str,
) -> (Vec<u64>, Option<u64>) {
    use alloy_primitives::{Address, U256};
    use foresight_analyzer::{
        AnalysisLimits, Code,
        expr::{FrameBlock, FrameFacts, FrameSenders},
        interpret::{PreStateReaders, analyze_frame},
    };
    let caller: U256 = Address::repeat_byte(1).into_word().into();
    let facts = FrameFacts {
        calldata: Bytes::new(),
        known: None,
        value: Some(U256::ZERO),
        senders: Some(FrameSenders {
            caller,
            origin: caller,
            address: Address::repeat_byte(2).into_word().into(),
        }),
        // A block only with callees to clear: the analysis asks about callees in one only.
        block: (!inert.is_empty()).then_some(FrameBlock {
            number: 7,
            timestamp: 70,
        }),
        pre_state: true,
        withheld: Box::default(),
        stored: Box::default(),
    };
    let mut read = |slot: U256| {
        let v = storage.iter().find(|(s, _)| U256::from(*s) == slot);
        Some(U256::from(v.map_or(0, |(_, v)| *v)))
    };
    let mut callees = |target: Address, _: EntryKey| {
        inert
            .iter()
            .any(|a| Address::from_word(U256::from(*a).into()) == target)
    };
    let code = Code::new(Bytes::from(asm(src)));
    let limits = AnalysisLimits::default();
    let s = analyze_frame(
        &code,
        EntryKey::Empty,
        facts,
        &limits,
        Some(PreStateReaders {
            storage: &mut read,
            callees: Some(&mut callees),
        }),
    );
    assert_lines(&s, expected);
    let assumed = s.assumed.iter().map(|(slot, _)| slot.to::<u64>()).collect();
    (assumed, s.block.map(|b| b.number))
}

#[test]
fn a_frame_analysed_with_its_storage_takes_the_branch_the_pre_state_decides() {
    // if (paused) { counter = 1 } else { read slot 1 }
    let src = "PUSH1 0x00 SLOAD @on JUMPI PUSH1 0x01 SLOAD POP STOP \
               on: PUSH1 0x01 PUSH1 0x03 SSTORE STOP";
    let assumed = check_with_storage(src, &[(0, 1)], "read 0x0\nwrite 0x3");
    assert_eq!(assumed, vec![0]);
    let assumed = check_with_storage(src, &[], "read 0x0\nread 0x1");
    assert_eq!(assumed, vec![0, 1]);
}

#[test]
fn storage_a_path_stored_to_or_called_out_from_is_not_taken_from_the_pre_state() {
    // x = x + 1; then read the slot x names: after the store the pre-state value is stale,
    // so the slot is the value stored (6), not `sload(0x0)` evaluated against the pre-state.
    let src = "PUSH1 0x00 SLOAD PUSH1 0x01 ADD PUSH1 0x00 SSTORE PUSH1 0x00 SLOAD SLOAD POP STOP";
    check_with_storage(src, &[(0, 5)], "read 0x0\nread 0x6\nwrite 0x0");
    // The same through a slot the path cannot tell apart from it: unknown.
    let src = "PUSH1 0x00 SLOAD PUSH1 0x01 ADD PUSH1 0x00 SSTORE \
               PUSH1 0x02 TIMESTAMP SSTORE PUSH1 0x00 SLOAD SLOAD POP STOP";
    check_with_storage(
        src,
        &[(0, 5)],
        "read 0x0\nread ⊤\nwrite 0x0\nwrite timestamp",
    );
    // A call may re-enter and write anything: a later load stays symbolic (and a load of a
    // slot the path stored to is unknown even through a symbolic slot).
    let src = "PUSH1 0x00 DUP1 DUP1 DUP1 DUP1 PUSH1 0x09 GAS CALL POP \
               PUSH1 0x04 SLOAD @on JUMPI STOP on: PUSH1 0x01 PUSH1 0x05 SSTORE STOP";
    let assumed = check_with_storage(
        src,
        &[(4, 0)],
        "call 0x9 value=0x0 input=[]\nread 0x4\nwrite 0x5",
    );
    assert!(assumed.is_empty());
}

#[test]
fn storage_a_call_that_cannot_re_enter_leaves_is_still_taken_from_the_pre_state() {
    // The call of the test above, to an account that cannot re-enter (no call on the entry
    // it runs): the flag read after it is the pre-state's, the branch is decided, and the
    // summary holds in the frame's block only (the callee's code is that block's).
    let src = "PUSH1 0x00 DUP1 DUP1 DUP1 DUP1 PUSH1 0x09 GAS CALL POP \
               PUSH1 0x04 SLOAD @on JUMPI STOP on: PUSH1 0x01 PUSH1 0x05 SSTORE STOP";
    let (assumed, block) = check_with_storage_and_callees(
        src,
        &[(4, 0)],
        &[9],
        "call 0x9 value=0x0 input=[]\nread 0x4",
    );
    assert_eq!((assumed, block), (vec![4], Some(7)));
    // Another account: the flag stays symbolic, and the summary holds in any block.
    let (assumed, block) = check_with_storage_and_callees(
        src,
        &[(4, 0)],
        &[8],
        "call 0x9 value=0x0 input=[]\nread 0x4\nwrite 0x5",
    );
    assert_eq!((assumed, block), (vec![], None));
    // DELEGATECALL runs other code on this very storage, whatever that code is.
    let src = "PUSH1 0x00 DUP1 DUP1 DUP1 PUSH1 0x09 GAS DELEGATECALL POP \
               PUSH1 0x04 SLOAD @on JUMPI STOP on: PUSH1 0x01 PUSH1 0x05 SSTORE STOP";
    check_with_storage_and_callees(
        src,
        &[(4, 0)],
        &[9],
        "delegatecall 0x9 value=0x0 input=[]\nread 0x4\nwrite 0x5",
    );
}

#[test]
fn a_frame_analysed_in_its_block_decides_branches_on_timestamp_and_number() {
    use alloy_primitives::U256;
    use foresight_analyzer::{
        AnalysisLimits, Code,
        expr::{FrameBlock, FrameFacts},
        interpret::analyze_frame,
    };
    // if (block.timestamp > 0x1000) read slot 2 else read slot 1; then read slot NUMBER.
    let src = "PUSH2 0x1000 TIMESTAMP GT @late JUMPI PUSH1 0x01 SLOAD POP @end JUMP \
               late: PUSH1 0x02 SLOAD POP end: JUMPDEST NUMBER SLOAD POP STOP";
    let code = Code::new(Bytes::from(asm(src)));
    let analyse = |block| {
        let facts = FrameFacts {
            value: Some(U256::ZERO),
            block,
            ..FrameFacts::default()
        };
        analyze_frame(
            &code,
            EntryKey::Empty,
            facts,
            &AnalysisLimits::default(),
            None,
        )
    };
    let block = FrameBlock {
        number: 0x77,
        timestamp: 0x2000,
    };
    assert_lines(&analyse(Some(block)), "read 0x2\nread 0x77");
    // Not knowing the block, both sides stay and the slot is the block's number.
    assert_lines(&analyse(None), "read 0x1\nread 0x2\nread number");
}

/// Like [`check`], for an analysis specialised to the shape of `calldata` (see
/// [`FrameFacts::shape`](foresight_analyzer::expr::FrameFacts::shape): addresses and amounts
/// stay symbolic).
fn check_shaped(src: &str, calldata: &[u8], expected: &str) {
    use alloy_primitives::U256;
    use foresight_analyzer::{AnalysisLimits, Code, expr::FrameFacts, interpret::analyze_frame};
    let facts = FrameFacts::shape(calldata, None, Some(U256::ZERO));
    let code = Code::new(Bytes::from(asm(src)));
    let s = analyze_frame(
        &code,
        EntryKey::Any,
        facts,
        &AnalysisLimits::default(),
        None,
    );
    assert_lines(&s, expected);
}

#[test]
fn a_shape_guards_branches_on_its_calldata_and_decides_them_again() {
    // v = cd[4] < cd[0x24] ? 0x0b : 0x0a; then the same test again: sstore(v + 0x20) if it
    // holds, sstore(v + 0x10) if not. The second test repeats the first, so only two of the
    // four combinations can run: 0x2b and 0x1a (not 0x1b or 0x2a).
    let src = "PUSH1 0x24 CALLDATALOAD PUSH1 0x04 CALLDATALOAD LT @lo JUMPI \
               PUSH1 0x0a @join JUMP \
               lo: PUSH1 0x0b \
               join: PUSH1 0x24 CALLDATALOAD PUSH1 0x04 CALLDATALOAD LT @lo2 JUMPI \
               PUSH1 0x10 ADD PUSH1 0x01 SWAP1 SSTORE STOP \
               lo2: PUSH1 0x20 ADD PUSH1 0x01 SWAP1 SSTORE STOP";
    // Two addresses: the shape keeps neither.
    let mut calldata = vec![0x12, 0x34, 0x56, 0x78];
    calldata.extend([0xaa; 32]);
    calldata.extend([0xbb; 32]);
    check_shaped(
        src,
        &calldata,
        "write 0x1a unless (cd[0x4] < cd[0x24])
         write 0x2b if (cd[0x4] < cd[0x24])",
    );
    // The general summary knows nothing of the calldata it will see: no guards.
    check(
        src,
        EntryKey::Any,
        "write 0x1a
         write 0x1b
         write 0x2a
         write 0x2b",
    );
}

#[test]
fn paths_that_differ_in_what_they_stored_do_not_merge_for_sharing_a_stack() {
    // if !(number < timestamp) { slot0 = 7 }; then read the slot slot0 names. Both paths
    // reach the join with the same stack and memory and different guards; merging them
    // there would keep one path's stored value and lose the other's read.
    let src = "TIMESTAMP NUMBER LT @a JUMPI PUSH1 0x07 PUSH1 0x00 SSTORE \
               a: PUSH1 0x00 SLOAD SLOAD POP STOP";
    check_with_storage(
        src,
        &[(0, 5)],
        "read 0x0
         read 0x5 if (number < timestamp)
         read 0x7 unless (number < timestamp)
         write 0x0 unless (number < timestamp)",
    );
}

#[test]
fn a_summary_past_its_effect_bound_widens_instead_of_dropping_effects() {
    // 4,097 stores to distinct constant slots, in straight-line code well within the step
    // bound: one effect more than a summary keeps.
    let src: String = (0..4097u32)
        .map(|i| format!("PUSH1 0x01 PUSH2 {i:#06x} SSTORE "))
        .chain(["STOP".to_string()])
        .collect();
    let s = Analyzer::new().entry_summary(&Bytes::from(asm(&src)), EntryKey::Empty);
    assert!(!s.complete);
    let lines = s.lines();
    assert!(lines.iter().any(|l| l == "widen AnalysisBudget"));
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("write ")).count(),
        4096
    );
}

#[test]
fn a_branch_on_words_that_unknowns_may_change_takes_both_sides() {
    let mask = "0xffffffffffffffffffffffffffffffffffffffff";
    let cases = [
        // mem[0xa0] = 1; mem[0xa0 + gas * 32] = 2; branch on mem[0xa0] == 1: the second write
        // may have hit mem[0xa0].
        "PUSH1 0x01 PUSH1 0xa0 MSTORE PUSH1 0x02 GAS PUSH1 0x20 MUL PUSH1 0xa0 ADD MSTORE \
         PUSH1 0xa0 MLOAD PUSH1 0x01 EQ"
            .to_string(),
        // (gas & mask) == (gas & mask): one expression twice, but the two words may differ.
        format!("GAS PUSH20 {mask} AND GAS PUSH20 {mask} AND EQ"),
        // mem[0xa0] = 1; mem[0xa0 + cd[4] * 32] = 2: a known index may still be zero.
        "PUSH1 0x01 PUSH1 0xa0 MSTORE PUSH1 0x02 PUSH1 0x04 CALLDATALOAD PUSH1 0x20 MUL \
         PUSH1 0xa0 ADD MSTORE PUSH1 0xa0 MLOAD PUSH1 0x01 EQ"
            .to_string(),
        // The same within an allocation: p = the free pointer; p[1] = 1; p[1 + cd[4]] = 2.
        "RETURNDATASIZE PUSH1 0x40 MSTORE \
         PUSH1 0x01 PUSH1 0x40 MLOAD PUSH1 0x20 ADD MSTORE \
         PUSH1 0x02 PUSH1 0x04 CALLDATALOAD PUSH1 0x20 MUL PUSH1 0x40 MLOAD PUSH1 0x20 ADD ADD \
         MSTORE PUSH1 0x40 MLOAD PUSH1 0x20 ADD MLOAD PUSH1 0x01 EQ"
            .to_string(),
    ];
    for condition in cases {
        let src = dispatch("0x11111111", "f")
            + &format!(
                "f: {condition} @one JUMPI PUSH1 0x00 PUSH1 0x02 SSTORE STOP \
                 one: PUSH1 0x00 PUSH1 0x01 SSTORE STOP"
            );
        check(
            &src,
            EntryKey::Selector(0x11111111),
            "write 0x1
             write 0x2",
        );
    }
}

#[test]
fn memory_allocated_past_an_unknown_free_pointer_stays_readable() {
    // The free pointer becomes RETURNDATASIZE (unknown); the word then written at it is read
    // back as a slot.
    let src = dispatch("0x11111111", "f")
        + "f: RETURNDATASIZE PUSH1 0x40 MSTORE \
           PUSH1 0x40 MLOAD CALLER DUP2 MSTORE MLOAD SLOAD POP STOP";
    check(&src, EntryKey::Selector(0x11111111), "read caller");
}

#[test]
fn memory_never_written_reads_as_zero_until_a_write_is_lost() {
    // One byte written at 0x9f: the word at 0x80 is that byte after 31 zero bytes (a copy
    // loop's last word past the end of a `bytes`). After a write at an unknown place, memory
    // no entry covers may hold anything.
    let src = dispatch("0x11111111", "f")
        + "f: PUSH1 0x07 PUSH1 0x9f MSTORE8 PUSH1 0x80 MLOAD SLOAD POP \
           CALLER PUSH1 0x04 CALLDATALOAD MSTORE PUSH1 0x02 PUSH1 0xbf MSTORE8 \
           PUSH1 0xa0 MLOAD SLOAD POP STOP";
    check(
        &src,
        EntryKey::Selector(0x11111111),
        "read 0x7
         read ⊤",
    );
}

#[test]
fn init_code_deploys_what_every_return_returns() {
    // A constructor that stores the sender and returns the 3 bytes from `runtime:` on;
    // one that may also stop deploys nothing the summary can name.
    let ctor = "CALLER PUSH1 0x00 SSTORE PUSH1 0x03 @runtime PUSH1 0x00 CODECOPY \
                PUSH1 0x03 PUSH1 0x00 RETURN runtime: STOP";
    check(
        ctor,
        EntryKey::Empty,
        "deploy [code[0x11; 3]]
         write 0x0",
    );
    let either = "CALLVALUE @stop JUMPI PUSH1 0x03 @runtime PUSH1 0x00 CODECOPY \
                  PUSH1 0x03 PUSH1 0x00 RETURN stop: STOP runtime: STOP";
    check(either, EntryKey::Empty, "");
}

#[test]
fn allocations_named_by_one_mstore_stay_apart() {
    // `alloc` returns the free pointer and moves it on by RETURNDATASIZE (unknown after the
    // STATICCALL), so its MSTORE names the pointer. Called three times: the third allocation
    // must not take the second's name (its word would then read 5, not origin).
    let src = dispatch("0x11111111", "f")
        + "f: PUSH1 0x00 DUP1 DUP1 DUP1 PUSH1 0x01 GAS STATICCALL POP \
           RETURNDATASIZE PUSH1 0x40 MSTORE @r1 @alloc JUMP \
           r1: CALLER DUP2 MSTORE @r2 @alloc JUMP \
           r2: ORIGIN DUP2 MSTORE @r3 @alloc JUMP \
           r3: PUSH1 0x05 DUP2 MSTORE POP MLOAD SLOAD POP POP STOP \
           alloc: PUSH1 0x40 MLOAD RETURNDATASIZE DUP2 ADD PUSH1 0x40 MSTORE SWAP1 JUMP";
    check(
        &src,
        EntryKey::Selector(0x11111111),
        "read origin
         staticcall 0x1 value=0x0 input=[]",
    );
}

#[test]
fn returndatasize_before_any_call_is_zero() {
    // The EIP-1167 clone's creation code pushes its zeros with RETURNDATASIZE: it deploys
    // the 0x2d bytes of runtime that follow its 10 bytes.
    let clone_init =
        "RETURNDATASIZE PUSH1 0x2d DUP1 PUSH1 0x0a RETURNDATASIZE CODECOPY DUP2 RETURN";
    check(clone_init, EntryKey::Empty, "deploy [code[0xa; 45]]");
    // After a call it is that call's output length: unknown, so the write lands nowhere known.
    let after_call = "PUSH1 0x00 DUP1 DUP1 DUP1 PUSH1 0x01 GAS STATICCALL POP \
                      RETURNDATASIZE SLOAD POP STOP";
    check(
        after_call,
        EntryKey::Empty,
        "read ⊤
         staticcall 0x1 value=0x0 input=[]",
    );
}

#[test]
fn a_proxy_returning_what_its_delegatecall_returned_forwards_those_words() {
    // calldatacopy(0, 0, calldatasize()); delegatecall(gas(), sload(0), 0, calldatasize(),
    // 0, 0); returndatacopy(0, 0, returndatasize()); then return (or revert) it all.
    let proxy = "CALLDATASIZE PUSH1 0x00 DUP1 CALLDATACOPY \
                 PUSH1 0x00 DUP1 CALLDATASIZE PUSH1 0x00 PUSH1 0x00 SLOAD GAS DELEGATECALL \
                 RETURNDATASIZE PUSH1 0x00 DUP1 RETURNDATACOPY \
                 @ok JUMPI RETURNDATASIZE PUSH1 0x00 REVERT \
                 ok: RETURNDATASIZE PUSH1 0x00 RETURN";
    check(
        proxy,
        EntryKey::Any,
        "delegatecall sload(0x0) value=0x0 input=[cd[0x0; calldatasize]]
         read 0x0
         return [ret@0xf[0x0], ret@0xf[0x20]]",
    );
    // A call made after the copy answers RETURNDATASIZE: the words in memory are the first
    // call's, so what is returned is not known.
    let later = "PUSH1 0x00 DUP1 DUP1 DUP1 PUSH1 0x00 SLOAD GAS DELEGATECALL POP \
                 RETURNDATASIZE PUSH1 0x00 DUP1 RETURNDATACOPY \
                 PUSH1 0x00 DUP1 DUP1 DUP1 PUSH1 0x01 GAS STATICCALL POP \
                 RETURNDATASIZE PUSH1 0x00 RETURN";
    check(
        later,
        EntryKey::Any,
        "delegatecall sload(0x0) value=0x0 input=[]
         read 0x0
         staticcall 0x1 value=0x0 input=[]",
    );
}

#[test]
fn a_call_records_what_every_path_stored_at_fixed_slots_before_it() {
    // A lock set before the call (slot 5 = 1) is kept through a write to a mapping entry,
    // which cannot be a state variable's slot; a flag the two paths set to different values
    // (slot 6) is not.
    let src = "PUSH1 0x01 PUSH1 0x05 SSTORE \
               CALLER PUSH1 0x00 MSTORE PUSH1 0x03 PUSH1 0x20 MSTORE \
               PUSH1 0x07 PUSH1 0x40 PUSH1 0x00 KECCAK256 SSTORE \
               PUSH1 0x00 SLOAD @one JUMPI \
               PUSH1 0x02 PUSH1 0x06 SSTORE @call JUMP \
               one: PUSH1 0x03 PUSH1 0x06 SSTORE \
               call: PUSH1 0x00 DUP1 DUP1 DUP1 DUP1 PUSH1 0x01 GAS CALL POP STOP";
    check(
        src,
        EntryKey::Empty,
        "call 0x1 value=0x0 input=[] after sstore(0x5, 0x1)
         read 0x0
         write 0x5
         write 0x6
         write keccak(caller . 0x3)",
    );
}

#[test]
fn a_load_after_a_store_to_a_mapping_still_reads_the_pre_state_of_a_fixed_slot() {
    // Storing to a mapping entry whose key is not known does not hide slot 2's pre-state value
    // from an analysis that knows the storage: the two cannot be the same slot.
    let src = "TIMESTAMP PUSH1 0x00 MSTORE PUSH1 0x03 PUSH1 0x20 MSTORE \
               PUSH1 0x07 PUSH1 0x40 PUSH1 0x00 KECCAK256 SSTORE \
               PUSH1 0x02 SLOAD @on JUMPI STOP \
               on: PUSH1 0x01 PUSH1 0x09 SSTORE STOP";
    let assumed = check_with_storage(
        src,
        &[(2, 1)],
        "read 0x2
         write 0x9
         write keccak(timestamp . 0x3)",
    );
    assert_eq!(assumed, [2]);
}

#[test]
fn a_state_past_the_kept_disjuncts_joins_the_one_it_agrees_with_most() {
    // Three paths reach `join` with [tag, slot] on the stack: [0xaa, 1], [0xbb, 2] and
    // [0xcc, 1]. Two disjuncts are kept; the third path agrees with the one that loads slot 1
    // and joins it, so both slots stay constants (joining the newest would load ⊤).
    check(
        "PUSH1 0x00 CALLDATALOAD @b JUMPI \
         PUSH1 0xaa PUSH1 0x01 @join JUMP \
         b: PUSH1 0x20 CALLDATALOAD @c JUMPI \
         PUSH1 0xbb PUSH1 0x02 @join JUMP \
         c: PUSH1 0xcc PUSH1 0x01 @join JUMP \
         join: SLOAD POP POP STOP",
        EntryKey::Any,
        "read 0x1
         read 0x2",
    );
}

#[test]
fn a_joined_disjunct_runs_once_for_the_paths_that_join_it_meanwhile() {
    // Four paths reach `join` with [a, b] = [1, 1], [2, 2], [2, 3], [4, 2]; two disjuncts
    // are kept and the last two paths both join the second. Its joined form runs the tail
    // (200 instructions) once, after both joins, not once per join.
    let tail = "PUSH1 0x00 POP ".repeat(100);
    let src = format!(
        "PUSH1 0x00 CALLDATALOAD @b JUMPI \
         PUSH1 0x20 CALLDATALOAD @a2 JUMPI \
         PUSH1 0x01 PUSH1 0x01 @join JUMP \
         a2: PUSH1 0x02 PUSH1 0x02 @join JUMP \
         b: PUSH1 0x40 CALLDATALOAD @b2 JUMPI \
         PUSH1 0x02 PUSH1 0x03 @join JUMP \
         b2: PUSH1 0x04 PUSH1 0x02 @join JUMP \
         join: {tail} SSTORE STOP"
    );
    let summary = Analyzer::new().entry_summary(&Bytes::from(asm(&src)), EntryKey::Any);
    assert_lines(&summary, "write 0x1\nwrite 0x2\nwrite ⊤");
    assert!(
        (600..800).contains(&summary.steps),
        "the tail ran {} steps' worth",
        summary.steps
    );
}

#[test]
fn paths_that_wrote_the_same_words_in_another_order_join_with_those_words() {
    // Three paths write 1 at 0x80 and 2 at 0xa0, one of them the other way round and one also
    // 3 at 0xc0. Two disjuncts are kept, so two of the paths join: the words both wrote last
    // stay known, and the slots loaded from them stay constants.
    check(
        "PUSH1 0x00 CALLDATALOAD @b JUMPI \
         PUSH1 0x20 CALLDATALOAD @c JUMPI \
         PUSH1 0x01 PUSH1 0x80 MSTORE PUSH1 0x02 PUSH1 0xa0 MSTORE @join JUMP \
         c: PUSH1 0x01 PUSH1 0x80 MSTORE PUSH1 0x02 PUSH1 0xa0 MSTORE \
         PUSH1 0x03 PUSH1 0xc0 MSTORE @join JUMP \
         b: PUSH1 0x02 PUSH1 0xa0 MSTORE PUSH1 0x01 PUSH1 0x80 MSTORE \
         join: PUSH1 0x80 MLOAD SLOAD PUSH1 0xa0 MLOAD SLOAD STOP",
        EntryKey::Any,
        "read 0x1
         read 0x2",
    );
}

#[test]
fn a_returned_word_negated_stays_symbolic_in_an_analysis_of_one_frame() {
    // A pool at sload(0) returns a signed delta; its negation is the amount sent on (the next
    // hop of a multi-hop swap).
    let src = "PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 SLOAD GAS CALL POP \
               PUSH1 0x00 MLOAD PUSH1 0x00 SUB PUSH1 0x00 MSTORE \
               PUSH1 0x00 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 SLOAD GAS CALL STOP";
    check_shaped(
        src,
        &[0x12, 0x34, 0x56, 0x78],
        "call sload(0x0) value=0x0 input=[]
         call sload(0x1) value=0x0 input=[(0x0 - ret@0xe[0x0])]
         read 0x0
         read 0x1",
    );
    // The general summary keeps returned words out of arithmetic.
    check(
        src,
        EntryKey::Any,
        "call sload(0x0) value=0x0 input=[]
         call sload(0x1) value=0x0 input=[⊤]
         read 0x0
         read 0x1",
    );
}
