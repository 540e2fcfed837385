//! Instantiation against a small in-memory pre-state: exact predictions for plain transfers,
//! ERC-20 transfers (direct, behind an EIP-1967 proxy, behind an EIP-1167 clone), creations,
//! and the sound widening of an unresolvable call.

use std::collections::HashMap;

use alloy_primitives::{Address, Bytes, U256, hex, keccak256};
use foresight_analyzer::{
    Analyzer, BlockContext, BumpedNonces, EntryKey, Location, LocationSet, MAX_SPECIALISED,
    StateView, TxInput, UntrustedStorage, Widening, WideningReason, revise_stale_nonces,
};

mod common;
use common::asm;

#[derive(Default)]
struct Mem {
    code: HashMap<Address, Bytes>,
    storage: HashMap<(Address, U256), U256>,
    nonce: HashMap<Address, u64>,
}

impl StateView for Mem {
    fn code(&self, a: Address) -> Option<Bytes> {
        self.code.get(&a).cloned()
    }
    fn storage(&self, a: Address, s: U256) -> U256 {
        self.storage.get(&(a, s)).copied().unwrap_or_default()
    }
    fn balance(&self, _: Address) -> U256 {
        U256::from(1)
    }
    fn nonce(&self, a: Address) -> u64 {
        self.nonce.get(&a).copied().unwrap_or(1)
    }
}

/// Runtime code from its committed hex.
fn code(hex: &str) -> Bytes {
    hex::decode(hex.trim()).unwrap().into()
}

fn erc20() -> Bytes {
    code(include_str!(
        "../../corpus/contracts/build/ERC20.runtime.hex"
    ))
}

/// `transfer(B, 5)` from `A`, sent to `to`.
fn transfer_to(to: Address) -> TxInput {
    TxInput {
        from: A,
        to: Some(to),
        input: transfer_input(B, 5),
        ..Default::default()
    }
}

fn word(a: Address) -> [u8; 32] {
    a.into_word().0
}

fn mapping(key: Address, slot: u64) -> U256 {
    let mut pre = [0u8; 64];
    pre[..32].copy_from_slice(&word(key));
    pre[32..].copy_from_slice(&U256::from(slot).to_be_bytes::<32>());
    keccak256(pre).into()
}

fn transfer_input(to: Address, amount: u64) -> Bytes {
    let mut v = hex!("a9059cbb").to_vec();
    v.extend(word(to));
    v.extend(U256::from(amount).to_be_bytes::<32>());
    v.into()
}

const A: Address = Address::repeat_byte(0xa1);
const B: Address = Address::repeat_byte(0xb2);
const T: Address = Address::repeat_byte(0x70);
const P: Address = Address::repeat_byte(0x77);
const COINBASE: Address = Address::repeat_byte(0xcb);
/// Where BeaconProxy's code says its beacon is.
const BEACON: Address = Address::new(hex!("beac0000000000000000000000000000000000e5"));

fn block() -> BlockContext {
    BlockContext {
        coinbase: COINBASE,
        number: 20_000_000,
        timestamp: 1_720_000_000,
    }
}

fn account(a: Address) -> [Location; 3] {
    [Location::balance(a), Location::nonce(a), Location::code(a)]
}

#[test]
fn erc20_transfer_is_exact() {
    let mut st = Mem::default();
    st.code.insert(T, erc20());
    let tx = TxInput {
        from: A,
        to: Some(T),
        input: transfer_input(B, 5),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    let mut reads: LocationSet = account(A).into_iter().chain(account(T)).collect();
    reads.insert(Location::storage(T, mapping(A, 3)));
    reads.insert(Location::storage(T, mapping(B, 3)));
    assert_eq!(p.access.reads, reads);
    let writes: LocationSet = [
        Location::balance(A),
        Location::nonce(A),
        Location::storage(T, mapping(A, 3)),
        Location::storage(T, mapping(B, 3)),
    ]
    .into();
    assert_eq!(p.access.writes, writes);
    assert_eq!(p.access.credits, [COINBASE].into());
    assert!(p.access.widenings.is_empty());
    assert_eq!(p.frames, 1);
}

#[test]
fn erc20_behind_eip1967_proxy_uses_the_proxy_storage() {
    let proxy: Bytes = code(include_str!(
        "../../corpus/contracts/build/Proxy1967.runtime.hex"
    ));
    let impl_slot = U256::from_be_bytes(hex!(
        "360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
    ));
    let mut st = Mem::default();
    st.code.insert(T, erc20());
    st.code.insert(P, proxy);
    st.storage
        .insert((P, impl_slot), U256::from_be_slice(T.as_slice()));
    let tx = TxInput {
        from: A,
        to: Some(P),
        input: transfer_input(B, 5),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(p.access.widenings.is_empty(), "{:?}", p.details);
    assert!(
        p.access
            .writes
            .contains(&Location::storage(P, mapping(A, 3)))
    );
    assert!(
        p.access
            .writes
            .contains(&Location::storage(P, mapping(B, 3)))
    );
    assert!(p.access.reads.contains(&Location::code(T)));
    assert!(p.access.reads.contains(&Location::storage(P, impl_slot)));
    assert_eq!(p.frames, 2);
}

#[test]
fn erc20_behind_a_beacon_proxy_follows_the_beacons_answer() {
    let mut st = Mem::default();
    st.code.insert(T, erc20());
    st.code.insert(
        P,
        code(include_str!(
            "../../corpus/contracts/build/BeaconProxy.runtime.hex"
        )),
    );
    st.code.insert(
        BEACON,
        code(include_str!(
            "../../corpus/contracts/build/Beacon.runtime.hex"
        )),
    );
    st.storage
        .insert((BEACON, U256::ZERO), U256::from_be_slice(T.as_slice()));
    let p = Analyzer::new().predict(&transfer_to(P), &block(), &st);
    assert!(p.access.widenings.is_empty(), "{:?}", p.details);
    for holder in [A, B] {
        let balance = Location::storage(P, mapping(holder, 3));
        assert!(p.access.writes.contains(&balance), "{balance:?}");
    }
    assert!(
        p.access
            .reads
            .contains(&Location::storage(BEACON, U256::ZERO))
    );
    assert!(p.access.reads.contains(&Location::code(T)));
    assert_eq!(p.frames, 3, "proxy, BEACON, implementation");
}

#[test]
fn a_beacon_pointing_nowhere_widens_to_everything() {
    let mut st = Mem::default();
    st.code.insert(
        P,
        code(include_str!(
            "../../corpus/contracts/build/BeaconProxy.runtime.hex"
        )),
    );
    // No beacon code: the call returns nothing, so the implementation stays unknown.
    let p = Analyzer::new().predict(&transfer_to(P), &block(), &st);
    assert!(p.access.is_everything(), "{:?}", p.details);
    assert!(p.access.reads.contains(&Location::code(BEACON)));
}

#[test]
fn a_value_returned_from_storage_the_transaction_wrote_is_not_taken_from_the_pre_state() {
    // repointAndCall(next) writes `target` and then calls `this.target()`: the getter returns
    // `next`, not the pre-state's address, so the prediction must not follow the old one.
    let (registry, next, old) = (
        Address::repeat_byte(0x51),
        Address::repeat_byte(0x52),
        Address::repeat_byte(0x53),
    );
    let mut st = Mem::default();
    for a in [registry, next, old] {
        st.code.insert(
            a,
            code(include_str!(
                "../../corpus/contracts/build/Registry.runtime.hex"
            )),
        );
    }
    st.storage
        .insert((registry, U256::ZERO), U256::from_be_slice(old.as_slice()));
    let mut input = hex!("d4ab844a").to_vec();
    input.extend(word(next));
    let tx = TxInput {
        from: A,
        to: Some(registry),
        input: input.into(),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(
        p.access.may_write(&Location::storage(next, U256::ZERO)),
        "{:?}",
        p.access
    );
}

#[test]
fn a_contract_the_transaction_creates_runs_the_code_its_constructor_deploys() {
    // createPair deploys a pair with CREATE2 and then calls its `initialize`. The pair's
    // code is not in the pre-state: it is what the constructor returns (its runtime, copied
    // from the init code), so the call into it is predicted like any other.
    let factory = Address::repeat_byte(0xfa);
    let mut st = Mem::default();
    st.code.insert(
        factory,
        code(include_str!(
            "../../corpus/contracts/build/UniswapV2Factory.runtime.hex"
        )),
    );
    let mut input = hex!("c9c65396").to_vec();
    input.extend(word(A));
    input.extend(word(B));
    let tx = TxInput {
        from: A,
        to: Some(factory),
        input: input.into(),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(p.access.widenings.is_empty(), "{:?}", p.access.widenings);
    let (token0, token1) = if A < B { (A, B) } else { (B, A) };
    let mut pair_tokens = token0.to_vec();
    pair_tokens.extend_from_slice(token1.as_slice());
    let init = code(include_str!(
        "../../corpus/contracts/build/UniswapV2Pair.creation.hex"
    ));
    let pair = factory.create2(keccak256(&pair_tokens), keccak256(&init));
    // The constructor stores the factory (slot 0); `initialize` checks it and stores the
    // tokens (slots 1 and 2).
    for slot in [0u64, 1, 2] {
        assert!(
            p.access
                .writes
                .contains(&Location::storage(pair, U256::from(slot))),
            "slot {slot} of {pair}: {:?}",
            p.access.writes
        );
    }
    assert!(p.access.writes.contains(&Location::code(pair)));
}

#[test]
fn a_clone_the_transaction_creates_runs_its_implementation() {
    // A clone factory: CREATE2 of the EIP-1167 creation code for implementation T, then a
    // call into the clone with the factory's own calldata (transfer(B, 5)). The creation
    // code pushes its zeros with RETURNDATASIZE, so what it deploys is known, and the clone
    // delegates to T with the clone's storage.
    let factory = Address::repeat_byte(0xfc);
    let mut init = hex!("3d602d80600a3d3981f3363d3d373d3d3d363d73").to_vec();
    init.extend_from_slice(T.as_slice());
    init.extend(hex!("5af43d82803e903d91602b57fd5bf3"));
    let (head, tail) = init.split_at(32);
    let src = format!(
        "PUSH32 0x{} PUSH1 0x00 MSTORE PUSH23 0x{} PUSH1 0x48 SHL PUSH1 0x20 MSTORE \
         PUSH1 0x07 PUSH1 0x37 PUSH1 0x00 PUSH1 0x00 CREATE2 \
         CALLDATASIZE PUSH1 0x00 PUSH2 0x0100 CALLDATACOPY \
         PUSH1 0x00 PUSH1 0x00 CALLDATASIZE PUSH2 0x0100 PUSH1 0x00 DUP6 GAS CALL STOP",
        hex::encode(head),
        hex::encode(tail),
    );
    let mut st = Mem::default();
    st.code.insert(T, erc20());
    st.code.insert(factory, asm(&src).into());
    let p = Analyzer::new().predict(&transfer_to(factory), &block(), &st);
    assert!(p.access.widenings.is_empty(), "{:?}", p.details);
    let clone = factory.create2(U256::from(7).to_be_bytes::<32>(), keccak256(&init));
    assert!(p.access.writes.contains(&Location::code(clone)));
    for holder in [factory, B] {
        let balance = Location::storage(clone, mapping(holder, 3));
        assert!(p.access.writes.contains(&balance), "{balance:?}");
    }
    assert!(p.access.reads.contains(&Location::code(T)));
}

#[test]
fn erc20_behind_minimal_proxy() {
    let mut clone = hex!("363d3d373d3d3d363d73").to_vec();
    clone.extend_from_slice(T.as_slice());
    clone.extend(hex!("5af43d82803e903d91602b57fd5bf3"));
    let mut st = Mem::default();
    st.code.insert(T, erc20());
    st.code.insert(P, clone.into());
    let tx = TxInput {
        from: A,
        to: Some(P),
        input: transfer_input(B, 5),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(p.access.widenings.is_empty());
    assert!(
        p.access
            .writes
            .contains(&Location::storage(P, mapping(B, 3)))
    );
    assert!(p.access.reads.contains(&Location::balance(T)));
}

#[test]
fn plain_transfer_to_a_new_account_writes_its_code() {
    let st = Mem {
        nonce: [(B, 0)].into(),
        ..Default::default()
    };
    struct Fresh(Mem);
    impl StateView for Fresh {
        fn code(&self, a: Address) -> Option<Bytes> {
            self.0.code(a)
        }
        fn storage(&self, a: Address, s: U256) -> U256 {
            self.0.storage(a, s)
        }
        fn balance(&self, a: Address) -> U256 {
            if a == B { U256::ZERO } else { U256::from(1) }
        }
        fn nonce(&self, a: Address) -> u64 {
            self.0.nonce(a)
        }
    }
    let tx = TxInput {
        from: A,
        to: Some(B),
        value: U256::from(7),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &Fresh(st));
    let writes: LocationSet = [Location::balance(A), Location::nonce(A), Location::code(B)].into();
    assert_eq!(p.access.writes, writes);
    // A code-less recipient's balance is a commutative credit, never read.
    assert!(p.access.credits.contains(&B));
    assert!(!p.access.reads.contains(&Location::balance(B)));
    assert!(p.access.widenings.is_empty());
}

#[test]
fn creation_predicts_the_new_address() {
    let st = Mem::default();
    // init code: SSTORE(0, CALLER); return nothing
    let tx = TxInput {
        from: A,
        to: None,
        nonce: 9,
        input: hex!("3360005500").to_vec().into(),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    let new = A.create(9);
    assert!(p.access.writes.contains(&Location::code(new)));
    assert!(
        p.access
            .writes
            .contains(&Location::storage(new, U256::ZERO))
    );
    assert!(p.access.widenings.is_empty());
}

#[test]
fn unknown_call_target_widens_to_everything() {
    let mut st = Mem::default();
    // CALL(gas, target = GAS (unknown), 0, 0, 0, 0, 0)
    st.code
        .insert(T, hex!("60008080808080805a5af100").to_vec().into());
    let tx = TxInput {
        from: A,
        to: Some(T),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(p.access.is_everything());
    assert!(p.access.widenings.contains(&Widening::Everything {
        reason: WideningReason::UnresolvedCallTarget
    }));
    assert_eq!(p.details.first().map(|d| d.address), Some(Some(T)));
}

#[test]
fn a_transaction_certain_to_be_a_barrier_still_lists_what_it_reads_first() {
    // SLOAD(1), then a CALL whose target (GAS) no pass can know. The first pass gives up at
    // once, before listing anything of the frame; the second fails too, and its prediction
    // lists the read before the call.
    let code: Bytes = hex!("6001545060008080808080805a5af100").to_vec().into();
    let an = Analyzer::new();
    assert!(
        an.entry_summary(&code, EntryKey::Empty)
            .certainly_widens_everything(false)
    );
    let mut st = Mem::default();
    st.code.insert(T, code);
    let tx = TxInput {
        from: A,
        to: Some(T),
        ..Default::default()
    };
    let p = an.predict(&tx, &block(), &st);
    assert!(p.access.is_everything());
    assert!(
        p.access
            .reads
            .contains(&Location::storage(T, U256::from(1))),
        "{:?}",
        p.access.reads
    );
}

#[test]
fn a_call_to_a_known_address_leaves_a_summary_not_certain_to_widen() {
    // The same code calling a constant address instead of GAS.
    let mut code = hex!("600160005460008080808073").to_vec();
    code.extend(B.as_slice());
    code.extend(hex!("5af100"));
    let summary = Analyzer::new().entry_summary(&code.into(), EntryKey::Empty);
    assert!(!summary.certainly_widens_everything(true));
}

/// `CALL(gas, other, 0, 0, sload(0), 0, 0)`: forwards `sload(0)` bytes nobody knows to `other`.
fn forwarder(other: Address) -> Bytes {
    let mut v = hex!("600060006000546000600073").to_vec();
    v.extend(other.as_slice());
    v.extend(hex!("5af100"));
    v.into()
}

#[test]
fn call_cycles_with_unknown_calldata_end_without_widening() {
    // X1 and X2 call each other with calldata the analysis cannot know: the second visit of an
    // identical frame adds nothing, so the cycle stops there instead of at the depth limit.
    let (x1, x2) = (Address::repeat_byte(0x31), Address::repeat_byte(0x32));
    let mut st = Mem::default();
    st.code.insert(x1, forwarder(x2));
    st.code.insert(x2, forwarder(x1));
    st.storage.insert((x1, U256::ZERO), U256::from(4));
    st.storage.insert((x2, U256::ZERO), U256::from(4));
    let tx = TxInput {
        from: A,
        to: Some(x1),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(p.access.widenings.is_empty(), "{:?}", p.details);
    assert!(p.frames <= 4, "frames {}", p.frames);
    for x in [x1, x2] {
        assert!(p.access.reads.contains(&Location::storage(x, U256::ZERO)));
        assert!(p.access.reads.contains(&Location::code(x)));
    }
}

#[test]
fn owner_only_paths_are_dropped_for_other_senders() {
    // if (msg.sender == sload(0)) CALL(gas, GAS (unknown), 0, 0, 0, 0, 0)
    let mut st = Mem::default();
    st.code.insert(
        T,
        hex!("6000543314600957005b60008080808080805a5af100")
            .to_vec()
            .into(),
    );
    st.storage
        .insert((T, U256::ZERO), U256::from_be_slice(B.as_slice()));
    let tx = |from| TxInput {
        from,
        to: Some(T),
        ..Default::default()
    };
    let stranger = Analyzer::new().predict(&tx(A), &block(), &st);
    assert!(!stranger.access.is_everything(), "{:?}", stranger.details);
    assert!(
        stranger
            .access
            .reads
            .contains(&Location::storage(T, U256::ZERO))
    );
    let owner = Analyzer::new().predict(&tx(B), &block(), &st);
    assert!(owner.access.is_everything());
}

/// `PairUser.sendSecond(pair, 5)` from `A`: it transfers 5 of the token in the pair's slot 1,
/// which it learns as the second word of `pair.tokens()`. `st` holds PairUser at `user`,
/// TokenPair's code at `pair_code`, and the pair's slots at `pair` (slot 1: `T`).
fn send_second(st: &mut Mem, user: Address, pair: Address, pair_code: Address) -> TxInput {
    st.code.insert(T, erc20());
    st.code.insert(
        user,
        code(include_str!(
            "../../corpus/contracts/build/PairUser.runtime.hex"
        )),
    );
    st.code.insert(
        pair_code,
        code(include_str!(
            "../../corpus/contracts/build/TokenPair.runtime.hex"
        )),
    );
    st.storage.insert(
        (pair, U256::ZERO),
        U256::from_be_slice(Address::repeat_byte(0x93).as_slice()),
    );
    st.storage
        .insert((pair, U256::from(1)), U256::from_be_slice(T.as_slice()));
    let mut input = hex!("f59e0894").to_vec();
    input.extend(word(pair));
    input.extend(U256::from(5).to_be_bytes::<32>());
    TxInput {
        from: A,
        to: Some(user),
        input: input.into(),
        ..Default::default()
    }
}

/// Asserts that `p` follows `send_second`'s transfer of `T` exactly, and read the pair's slot 1.
fn assert_sends_second(p: &foresight_analyzer::Prediction, user: Address, pair: Address) {
    assert!(p.access.widenings.is_empty(), "{:?}", p.details);
    for holder in [user, A] {
        let balance = Location::storage(T, mapping(holder, 3));
        assert!(p.access.writes.contains(&balance), "{balance:?}");
    }
    assert!(
        p.access
            .reads
            .contains(&Location::storage(pair, U256::from(1)))
    );
    assert!(
        !p.access
            .reads
            .contains(&Location::code(Address::repeat_byte(0x93)))
    );
}

#[test]
fn a_call_follows_the_second_word_a_getter_returns() {
    let (user, pair) = (Address::repeat_byte(0x91), Address::repeat_byte(0x92));
    let mut st = Mem::default();
    let tx = send_second(&mut st, user, pair, pair);
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert_sends_second(&p, user, pair);
}

#[test]
fn a_proxy_forwards_what_its_implementation_returns() {
    // The pair sits behind an EIP-1967 proxy: `tokens()` answers with the words the
    // implementation returned, which the proxy copies back with RETURNDATACOPY and RETURN
    // of RETURNDATASIZE bytes. Its summary names those words, so PairUser's call resolves.
    let (user, pair) = (Address::repeat_byte(0x91), Address::repeat_byte(0x94));
    let mut st = Mem::default();
    let tx = send_second(&mut st, user, P, pair);
    st.code.insert(
        P,
        code(include_str!(
            "../../corpus/contracts/build/Proxy1967.runtime.hex"
        )),
    );
    let impl_slot = U256::from_be_bytes(hex!(
        "360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc"
    ));
    st.storage
        .insert((P, impl_slot), U256::from_be_slice(pair.as_slice()));
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert_sends_second(&p, user, P);
    assert!(p.access.reads.contains(&Location::code(pair)));
}

#[test]
fn a_branch_on_a_fixed_slot_is_decided_by_the_pre_state() {
    // if (sload(3)) sstore(2, 1) else sstore(1, 1): a fee switch read from storage.
    let switch = Address::repeat_byte(0x61);
    let runtime = hex!("6003 54 600c 57 6001 6001 55 00 5b 6001 6002 55 00");
    let call = TxInput {
        from: A,
        to: Some(switch),
        ..Default::default()
    };
    let slot = |s: u64| Location::storage(switch, U256::from(s));
    for (on, written, spared) in [(0u64, 1, 2), (1, 2, 1)] {
        let mut st = Mem::default();
        st.code.insert(switch, Bytes::copy_from_slice(&runtime));
        st.storage.insert((switch, U256::from(3)), U256::from(on));
        let analyzer = Analyzer::new();
        let p = analyzer.predict(&call, &block(), &st);
        assert!(p.access.writes.contains(&slot(written)), "{:?}", p.access);
        assert!(!p.access.may_write(&slot(spared)), "{:?}", p.access);
        assert_eq!(p.assumed, [slot(3)]);
        // Not trusting the switch (an earlier transaction may flip it), both sides.
        let mut untrusted = UntrustedStorage::default();
        untrusted.insert(&slot(3));
        let plain = analyzer.predict_untrusting(&call, &block(), &st, &untrusted);
        assert!(plain.access.writes.contains(&slot(1)) && plain.access.writes.contains(&slot(2)));
        assert!(plain.assumed.is_empty());
        // Not trusting another slot, the switch decides again.
        let mut untrusted = UntrustedStorage::default();
        untrusted.insert(&slot(4));
        let p = analyzer.predict_untrusting(&call, &block(), &st, &untrusted);
        assert!(!p.access.may_write(&slot(spared)), "{:?}", p.access);
        assert_eq!(p.assumed, [slot(3)]);
    }
}

#[test]
fn a_slot_an_earlier_call_wrote_is_not_read_from_the_pre_state() {
    // P calls X twice: with no calldata X stores its caller in slot 0; with one byte X calls
    // the address in slot 0. The pre-state's slot 0 names Q, but by the second call it holds
    // P: following Q would predict a call that never happens and miss the one that does.
    let (x, q) = (Address::repeat_byte(0x58), Address::repeat_byte(0x59));
    let mut st = Mem::default();
    // CALLDATASIZE ? (CALL(gas, sload(0), 0, 0, 0, 0, 0)) : SSTORE(0, CALLER)
    st.code.insert(
        x,
        hex!("3660095733600055005b600060006000600060006000545af100")
            .to_vec()
            .into(),
    );
    // SSTORE(0, 1)
    st.code.insert(q, hex!("600160005500").to_vec().into());
    st.storage
        .insert((x, U256::ZERO), U256::from_be_slice(q.as_slice()));
    // CALL(gas, X, 0, 0, 0, 0, 0); CALL(gas, X, 0, 0, 1, 0, 0)
    let mut p_code = hex!("6000600060006000600073").to_vec();
    p_code.extend(x.as_slice());
    p_code.extend(hex!("5af1506000600060016000600073"));
    p_code.extend(x.as_slice());
    p_code.extend(hex!("5af100"));
    st.code.insert(P, p_code.into());
    let p = predict_call(&st, P);
    assert!(p.access.may_write(&Location::storage(x, U256::ZERO)));
    assert!(
        !p.access.reads.contains(&Location::code(q)),
        "followed the stale target: {:?}",
        p.access
    );
    assert!(p.access.widenings.contains(&Widening::Everything {
        reason: WideningReason::UnresolvedCallTarget
    }));
}

#[test]
fn a_factory_called_again_in_the_block_creates_at_the_next_nonce() {
    // F creates an empty contract per call. Two transactions call F: the second one's
    // contract is numbered after the first one's, not by F's pre-state nonce (which it still
    // names, in case the first one reverts).
    let f = Address::repeat_byte(0x5f);
    let mut st = Mem::default();
    // CREATE(0, 0, 0)
    st.code.insert(f, hex!("600060006000f000").to_vec().into());
    st.nonce.insert(f, 9);
    let tx = TxInput {
        from: A,
        to: Some(f),
        ..Default::default()
    };
    let an = Analyzer::new();
    let context = block();
    let mut preds = vec![
        an.predict(&tx, &context, &st),
        an.predict(&tx, &context, &st),
    ];
    assert_eq!(preds[1].creators, vec![(f, 1)]);
    let again = revise_stale_nonces(&mut preds, |_, bumps| {
        an.predict(&tx, &context, &BumpedNonces { state: &st, bumps })
    });
    assert_eq!(again, vec![(1, vec![(f, 1)])]);
    let creates = |i: usize, nonce: u64| {
        preds[i]
            .access
            .writes
            .contains(&Location::code(f.create(nonce)))
    };
    assert!(creates(0, 9) && !creates(0, 10));
    assert!(creates(1, 10) && creates(1, 9));
}

/// `CALL(gas, to, 0, 0, len, 0, 32)` with the 4-byte `selector` as calldata (`len` 4; none:
/// 0), its success flag popped; `to` is the word at memory 0 (what an earlier call returned)
/// when `None`.
fn call_code(to: Option<Address>, selector: Option<[u8; 4]>) -> Vec<u8> {
    let mut c = Vec::new();
    if let Some(sel) = selector {
        // mstore(0, selector << 224)
        c.push(0x63);
        c.extend(sel);
        c.extend([0x60, 0xe0, 0x1b, 0x60, 0x00, 0x52]);
    }
    let len = if selector.is_some() { 4 } else { 0 };
    c.extend([0x60, 0x20, 0x60, 0x00, 0x60, len, 0x60, 0x00, 0x60, 0x00]);
    match to {
        Some(a) => {
            c.push(0x73);
            c.extend(a.as_slice());
        }
        None => c.extend([0x60, 0x00, 0x51]),
    }
    c.extend([0x5a, 0xf1, 0x50]);
    c
}

const GET: [u8; 4] = [0x11; 4];
const SET: [u8; 4] = [0x22; 4];

/// A holder of an address: `GET` returns slot 0, `SET` stores 1 there.
fn holder() -> Bytes {
    hex!(
        "600035" "60e01c" "80" "6311111111" "14" "601a" "57" "6322222222" "14" "6026" "57" "00"
        "5b" "600054" "600052" "60206000f3" "5b" "600160005500"
    )
    .to_vec()
    .into()
}

/// H (a [`holder`]) holding Q, whose code stores 1 at its slot 0: `(H, Q, state)`.
fn holder_of_q() -> (Address, Address, Mem) {
    let (h, q) = (Address::repeat_byte(0x5a), Address::repeat_byte(0x5b));
    let mut st = Mem::default();
    st.code.insert(h, holder());
    st.code.insert(q, hex!("600160005500").to_vec().into());
    st.storage
        .insert((h, U256::ZERO), U256::from_be_slice(q.as_slice()));
    (h, q, st)
}

#[test]
fn a_getter_instantiated_before_the_call_that_runs_first_is_not_trusted() {
    // P, with calldata: SET on H, then back to the path without calldata, which GETs H's
    // slot 0 and calls the address it returns. The summary lists the GET first (its path is
    // found first), so instantiation reaches it before the SET: the pre-state's Q is stale
    // on the path that runs (which calls 0x01).
    let (h, q, mut st) = holder_of_q();
    // CALLDATASIZE ? goto set : fall into get
    let mut p_code = vec![0x36, 0x60, 0x00, 0x57, 0x5b];
    p_code.extend(call_code(Some(h), Some(GET)));
    p_code.extend(call_code(None, None));
    p_code.push(0x00);
    p_code[2] = u8::try_from(p_code.len()).unwrap();
    p_code.push(0x5b);
    p_code.extend(call_code(Some(h), Some(SET)));
    p_code.extend([0x60, 0x04, 0x56]);
    st.code.insert(P, p_code.into());
    let tx = TxInput {
        from: A,
        to: Some(P),
        input: vec![1].into(),
        ..Default::default()
    };
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(
        !p.access.reads.contains(&Location::code(q)) || p.access.is_everything(),
        "followed the stale getter: {:?}",
        p.access
    );
    assert!(p.access.is_everything(), "{:?}", p.access);

    // The same calls in the order they run (GET, call what it returned, SET): the getter's
    // answer is the pre-state's, and the prediction follows it.
    let mut p_code = call_code(Some(h), Some(GET));
    p_code.extend(call_code(None, None));
    p_code.extend(call_code(Some(h), Some(SET)));
    p_code.push(0x00);
    st.code.insert(P, p_code.into());
    let p = Analyzer::new().predict(&tx, &block(), &st);
    assert!(!p.access.is_everything(), "{:?}", p.details);
    assert!(p.access.may_write(&Location::storage(q, U256::ZERO)));
    assert!(p.access.may_write(&Location::storage(h, U256::ZERO)));
}

#[test]
fn a_getter_called_again_later_is_trusted_where_it_runs_first() {
    // P: GET from H, call the address it returned, SET on H, then the same GET again. The
    // two GETs are one effect, whose second run comes after the SET: what the first run
    // returned is still the pre-state's Q, and the prediction follows it.
    let (h, q, mut st) = holder_of_q();
    let mut p_code = call_code(Some(h), Some(GET));
    p_code.extend(call_code(None, None));
    p_code.extend(call_code(Some(h), Some(SET)));
    p_code.extend(call_code(Some(h), Some(GET)));
    p_code.push(0x00);
    st.code.insert(P, p_code.into());
    let p = predict_call(&st, P);
    assert!(!p.access.is_everything(), "{:?}", p.details);
    assert!(p.access.may_write(&Location::storage(q, U256::ZERO)));

    // The address the second GET returns is what the SET left (0x01), not Q: a call to it
    // is not taken from the first run.
    let mut p_code = call_code(Some(h), Some(GET));
    p_code.extend(call_code(Some(h), Some(SET)));
    p_code.extend(call_code(Some(h), Some(GET)));
    p_code.extend(call_code(None, None));
    p_code.push(0x00);
    st.code.insert(P, p_code.into());
    let p = predict_call(&st, P);
    assert!(
        !p.access.reads.contains(&Location::code(q)) || p.access.is_everything(),
        "followed the stale getter: {:?}",
        p.access
    );
}

/// The prediction of a call from A to `to` without calldata, against `st`.
fn predict_call(st: &Mem, to: Address) -> foresight_analyzer::Prediction {
    let tx = TxInput {
        from: A,
        to: Some(to),
        ..Default::default()
    };
    Analyzer::new().predict(&tx, &block(), st)
}

/// `CALL(gas, to, 0, 0, len, 0, 0)` with its success flag popped, in assembly text.
fn call_asm(to: Address, len: u8) -> String {
    format!(
        "PUSH1 0x00 PUSH1 0x00 PUSH1 {len:#04x} PUSH1 0x00 PUSH1 0x00 PUSH20 {to} GAS CALL POP "
    )
}

#[test]
fn a_prediction_does_not_depend_on_what_earlier_predictions_taught_the_cache() {
    // P calls R (which calls each of the `cd[0]` addresses after the first word: its general
    // summary calls ⊤, so the transaction is analysed again with frames specialised to their
    // calldata), then eight switch contracts (one code at six addresses branching on slot 3,
    // another at two branching on slot 4, the slot's value alternating, so the storage-aware
    // summary of each code is analysed again and again), then R again with another calldata
    // shape. The cache learns that the
    // switches' storage keeps changing and stops asking for their storage-aware summaries;
    // that must not free (or use up) the budget of frames specialised to their calldata, or
    // the second R frame is resolved in one prediction and a barrier in the next.
    let r = Address::repeat_byte(0x52);
    let targets = [0x71, 0x72, 0x73].map(Address::repeat_byte);
    let loop_src = "PUSH1 0x00 top: PUSH1 0x00 CALLDATALOAD DUP2 LT ISZERO @end JUMPI \
                    DUP1 PUSH1 0x20 MUL PUSH1 0x20 ADD CALLDATALOAD \
                    PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 DUP6 GAS CALL POP POP \
                    PUSH1 0x01 ADD @top JUMP end: STOP";
    let switch = |slot: u8| {
        asm(&format!(
            "PUSH1 {slot:#04x} SLOAD @one JUMPI PUSH1 0x01 PUSH1 0x02 SSTORE STOP \
             one: PUSH1 0x01 PUSH1 0x01 SSTORE STOP"
        ))
    };
    let mut st = Mem::default();
    st.code.insert(r, asm(loop_src).into());
    let mut p_src = format!(
        "PUSH1 0x01 PUSH1 0x00 MSTORE PUSH20 {} PUSH1 0x20 MSTORE {}",
        targets[0],
        call_asm(r, 0x40)
    );
    for i in 0..8u8 {
        let s = Address::repeat_byte(0x60 + i);
        let slot = if i < 6 { 3 } else { 4 };
        st.code.insert(s, switch(slot).into());
        st.storage.insert((s, U256::from(slot)), U256::from(i % 2));
        p_src += &call_asm(s, 0);
    }
    p_src += &format!(
        "PUSH1 0x02 PUSH1 0x00 MSTORE PUSH20 {} PUSH1 0x20 MSTORE PUSH20 {} PUSH1 0x40 MSTORE {} STOP",
        targets[1],
        targets[2],
        call_asm(r, 0x60)
    );
    st.code.insert(P, asm(&p_src).into());
    let tx = TxInput {
        from: A,
        to: Some(P),
        ..Default::default()
    };
    let analyzer = Analyzer::new();
    let first = analyzer.predict(&tx, &block(), &st);
    let analysed = analyzer.cache_stats().entries;
    let second = analyzer.predict(&tx, &block(), &st);
    assert_eq!(
        analyzer.cache_stats().entries,
        analysed,
        "the warm prediction analysed again"
    );
    for p in [first, second] {
        assert!(!p.access.is_everything(), "{:?}", p.details);
        for t in targets {
            assert!(
                p.access.reads.contains(&Location::code(t)),
                "{t} not called"
            );
        }
    }
}

#[test]
fn a_contract_re_entered_under_its_lock_reads_the_lock_its_caller_set() {
    // T, unlocked (slot 5 zero), locks itself, calls R and unlocks; locked, it only writes
    // slot 9. R calls T back, as a token's fee swap through a router re-enters the token
    // under its `inSwap` flag. The re-entered T reads the lock its caller set (not the
    // pre-state's zero), so it writes slot 9 and calls R no more: without that, T and R would
    // call each other until the depth limit, a barrier.
    let (t, r) = (Address::repeat_byte(0x54), Address::repeat_byte(0x55));
    let mut st = Mem::default();
    let token = format!(
        "PUSH1 0x05 SLOAD @locked JUMPI PUSH1 0x01 PUSH1 0x05 SSTORE {}\
         PUSH1 0x00 PUSH1 0x05 SSTORE STOP \
         locked: PUSH1 0x01 PUSH1 0x09 SSTORE STOP",
        call_asm(r, 0)
    );
    st.code.insert(t, asm(&token).into());
    st.code
        .insert(r, asm(&format!("{}STOP", call_asm(t, 0))).into());
    let p = predict_call(&st, t);
    assert!(!p.access.is_everything(), "{:?}", p.details);
    assert_eq!(p.frames, 3, "T, R, T again: {:?}", p.access);
    assert!(
        p.access
            .writes
            .contains(&Location::storage(t, U256::from(9)))
    );
    // The lock, released as it was, is read, not written.
    let lock = Location::storage(t, U256::from(5));
    assert!(p.access.reads.contains(&lock) && !p.access.writes.contains(&lock));
}

#[test]
fn a_frame_reads_what_an_earlier_frame_of_the_transaction_left_in_storage() {
    // X without calldata sets its flag (slot 0 = 1); with calldata it writes slot 5 if the
    // flag is set, else slot 6. P calls X both ways: the second frame reads the flag the
    // first one left (not the pre-state's zero), so it writes slot 5 only.
    let x = Address::repeat_byte(0x56);
    let mut st = Mem::default();
    let flag = "CALLDATASIZE @check JUMPI PUSH1 0x01 PUSH1 0x00 SSTORE STOP \
                check: PUSH1 0x00 SLOAD @on JUMPI PUSH1 0x01 PUSH1 0x06 SSTORE STOP \
                on: PUSH1 0x01 PUSH1 0x05 SSTORE STOP";
    st.code.insert(x, asm(flag).into());
    let p_code = format!("{}{}STOP", call_asm(x, 0), call_asm(x, 1));
    st.code.insert(P, asm(&p_code).into());
    let p = predict_call(&st, P);
    assert!(
        p.access
            .writes
            .contains(&Location::storage(x, U256::from(5)))
    );
    assert!(
        !p.access.may_write(&Location::storage(x, U256::from(6))),
        "{:?}",
        p.access
    );
}

#[test]
fn an_open_summary_closes_when_the_storage_decides_its_open_branch() {
    // T, unless locked (slot 0), calls an address it cannot know (its own balance): its
    // summary is open. Locked in the pre-state, the storage-aware summary drops that branch.
    // P calls T once more than frames are specialised to their calldata: the last frame
    // closes on the storage alone, and no barrier remains.
    let t = Address::repeat_byte(0x57);
    let mut st = Mem::default();
    let unknown_call = "PUSH1 0x00 DUP1 DUP1 DUP1 DUP1 ADDRESS BALANCE GAS CALL POP";
    let lock = format!(
        "PUSH1 0x00 SLOAD @locked JUMPI {unknown_call} STOP \
         locked: PUSH1 0x01 PUSH1 0x09 SSTORE STOP"
    );
    st.code.insert(t, asm(&lock).into());
    st.storage.insert((t, U256::ZERO), U256::from(1));
    // Calldata of as many lengths, so that the calls are as many effects.
    let lengths = 0..=u8::try_from(MAX_SPECIALISED).unwrap_or(u8::MAX);
    let calls: String = lengths.map(|len| call_asm(t, len)).collect();
    st.code.insert(P, asm(&format!("{calls}STOP")).into());
    let p = predict_call(&st, P);
    assert!(!p.access.is_everything(), "{:?}", p.details);
    assert!(
        p.access
            .writes
            .contains(&Location::storage(t, U256::from(9)))
    );
}

#[test]
fn a_lock_taken_and_released_is_read_not_written() {
    // _status = 2; owner = CALLER; _status = 1 (a re-entrancy guard around one store).
    let code = Bytes::from(asm(
        "PUSH1 0x02 PUSH1 0x00 SSTORE CALLER PUSH1 0x05 SSTORE PUSH1 0x01 PUSH1 0x00 SSTORE STOP",
    ));
    let tx = TxInput {
        from: A,
        to: Some(T),
        ..Default::default()
    };
    let lock = Location::storage(T, U256::ZERO);
    let predict = |status: u64| {
        let mut st = Mem::default();
        st.code.insert(T, code.clone());
        st.storage.insert((T, U256::ZERO), U256::from(status));
        Analyzer::new().predict(&tx, &block(), &st)
    };
    // Released as it was: only read, and its pre-state value is assumed.
    let p = predict(1);
    assert!(p.access.reads.contains(&lock));
    assert!(!p.access.writes.contains(&lock), "{:?}", p.access.writes);
    assert!(
        p.access
            .writes
            .contains(&Location::storage(T, U256::from(5)))
    );
    assert!(p.assumed.contains(&lock));
    // Left other than it was: a write.
    let p = predict(0);
    assert!(p.access.writes.contains(&lock));
    assert!(!p.assumed.contains(&lock));
}
