//! Snapshot tests of the summaries of the project's own contracts (solc 0.8.28 builds in
//! `corpus/contracts/build`): the slot expressions must read like the Solidity layout
//! (`keccak(caller . 0x3)` for `balanceOf[msg.sender]` at slot 3).

use alloy_primitives::{Bytes, hex};
use foresight_analyzer::{Analyzer, EntryKey};

fn summary_text(hex_code: &str) -> String {
    let code = Bytes::from(hex::decode(hex_code.trim()).expect("hex"));
    Analyzer::new().summary(&code).to_text()
}

#[test]
fn erc20() {
    insta::assert_snapshot!(summary_text(include_str!(
        "../../corpus/contracts/build/ERC20.runtime.hex"
    )));
}

#[test]
fn nested_mapping() {
    insta::assert_snapshot!(summary_text(include_str!(
        "../../corpus/contracts/build/NestedMapping.runtime.hex"
    )));
}

#[test]
fn array_loop() {
    insta::assert_snapshot!(summary_text(include_str!(
        "../../corpus/contracts/build/ArrayLoop.runtime.hex"
    )));
}

#[test]
fn proxy_1967() {
    let hex_code = include_str!("../../corpus/contracts/build/Proxy1967.runtime.hex");
    let code = Bytes::from(hex::decode(hex_code.trim()).expect("hex"));
    let an = Analyzer::new();
    let mut text = an.summary(&code).to_text();
    // transfer(address,uint256) from a user, upgradeTo(address) from the admin
    for sel in [0xa9059cbb, 0x3659cfe6] {
        let e = an.entry_summary(&code, EntryKey::Selector(sel));
        text.push_str(&format!("{}:\n  {}\n", e.key, e.lines().join("\n  ")));
    }
    insta::assert_snapshot!(text);
}

#[test]
fn uniswap_v2_pair() {
    insta::assert_snapshot!(summary_text(include_str!(
        "../../corpus/contracts/build/UniswapV2Pair.runtime.hex"
    )));
}
