//! The project's compiled contracts as the generators need them: runtime code, storage-slot
//! formulas, function selectors, ABI encoding of the calls used, and the router's CREATE2
//! `pairFor`.
//!
//! Input: the committed build output (`corpus/contracts/build/<Name>.runtime.hex`, the pair
//! init-code hash of `manifest.json`). Output: bytes, slots and calldata for the generators.

use std::sync::LazyLock;

use alloy_primitives::{Address, B256, Bytes, U256, b256, hex, keccak256};

/// Decodes a committed runtime hex constant.
///
/// The constants are checked by the unit test `runtime_code_matches_manifest`, so a failure here
/// means the committed build output is corrupt.
fn decode(name: &str, text: &str) -> Bytes {
    match hex::decode(text.trim()) {
        Ok(bytes) => bytes.into(),
        Err(e) => panic!("corpus/contracts/build/{name}.runtime.hex is not hex: {e}"),
    }
}

/// Runtime code of `ERC20`.
pub(crate) static ERC20_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    decode(
        "ERC20",
        include_str!("../../contracts/build/ERC20.runtime.hex"),
    )
});
/// Runtime code of `UniswapV2Pair`.
pub(crate) static PAIR_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    decode(
        "UniswapV2Pair",
        include_str!("../../contracts/build/UniswapV2Pair.runtime.hex"),
    )
});
/// Runtime code of `UniswapV2Router`.
pub(crate) static ROUTER_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    decode(
        "UniswapV2Router",
        include_str!("../../contracts/build/UniswapV2Router.runtime.hex"),
    )
});
/// Runtime code of `Proxy1967`.
pub(crate) static PROXY_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    decode(
        "Proxy1967",
        include_str!("../../contracts/build/Proxy1967.runtime.hex"),
    )
});
/// Runtime code of `MintNFT`.
pub(crate) static MINT_NFT_CODE: LazyLock<Bytes> = LazyLock::new(|| {
    decode(
        "MintNFT",
        include_str!("../../contracts/build/MintNFT.runtime.hex"),
    )
});

/// keccak256 of `UniswapV2Pair`'s creation code (`uniswapV2PairInitCodeHash` in the manifest).
pub(crate) const PAIR_INIT_CODE_HASH: B256 =
    b256!("0x7f3093d4b8a5f09b963219cf3874cb4067e2573164dd42a3d06b16c66cbc9345");

/// ERC20 / WETH `transfer(address,uint256)`.
const TRANSFER: [u8; 4] = [0xa9, 0x05, 0x9c, 0xbb];
/// UniswapV2Router `swapExactTokensForTokens(uint256,uint256,address[],address,uint256)`.
const SWAP_EXACT_TOKENS_FOR_TOKENS: [u8; 4] = [0x38, 0xed, 0x17, 0x39];
/// MintNFT `mint()`.
const MINT: [u8; 4] = [0x12, 0x49, 0xc5, 0x8b];

/// ERC20 storage: `totalSupply`.
pub(crate) const ERC20_TOTAL_SUPPLY_SLOT: u64 = 2;
/// ERC20 storage: `balanceOf` mapping.
const ERC20_BALANCE_OF_SLOT: u64 = 3;
/// ERC20 storage: `allowance` mapping.
const ERC20_ALLOWANCE_SLOT: u64 = 4;
/// UniswapV2Pair storage: `factory`.
pub(crate) const PAIR_FACTORY_SLOT: u64 = 0;
/// UniswapV2Pair storage: `token0`.
pub(crate) const PAIR_TOKEN0_SLOT: u64 = 1;
/// UniswapV2Pair storage: `token1`.
pub(crate) const PAIR_TOKEN1_SLOT: u64 = 2;
/// UniswapV2Pair storage: `reserve0 | reserve1 << 112 | blockTimestampLast << 224`.
pub(crate) const PAIR_RESERVES_SLOT: u64 = 3;
/// UniswapV2Router storage: `factory`.
pub(crate) const ROUTER_FACTORY_SLOT: u64 = 0;
/// MintNFT storage: `totalMinted`.
pub(crate) const NFT_TOTAL_MINTED_SLOT: u64 = 0;
/// Proxy1967: `keccak256("eip1967.proxy.implementation") - 1`.
pub(crate) const EIP1967_IMPLEMENTATION_SLOT: B256 =
    b256!("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
/// Proxy1967: `keccak256("eip1967.proxy.admin") - 1`.
pub(crate) const EIP1967_ADMIN_SLOT: B256 =
    b256!("0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103");

/// A 32-byte ABI word holding an address.
fn address_word(address: Address) -> [u8; 32] {
    address.into_word().0
}

/// The slot of `mapping[key]` for a mapping declared at slot `base`.
pub(crate) fn mapping_slot(key: [u8; 32], base: U256) -> U256 {
    let mut preimage = [0u8; 64];
    preimage[..32].copy_from_slice(&key);
    preimage[32..].copy_from_slice(&base.to_be_bytes::<32>());
    keccak256(preimage).into()
}

/// ERC20 `balanceOf[holder]`.
pub(crate) fn erc20_balance_slot(holder: Address) -> U256 {
    mapping_slot(address_word(holder), U256::from(ERC20_BALANCE_OF_SLOT))
}

/// ERC20 `allowance[owner][spender]`.
pub(crate) fn erc20_allowance_slot(owner: Address, spender: Address) -> U256 {
    let inner = mapping_slot(address_word(owner), U256::from(ERC20_ALLOWANCE_SLOT));
    mapping_slot(address_word(spender), inner)
}

/// Calldata of ERC20 `transfer(to, amount)`.
pub(crate) fn transfer_call(to: Address, amount: U256) -> Vec<u8> {
    let mut data = Vec::with_capacity(4 + 2 * 32);
    data.extend_from_slice(&TRANSFER);
    data.extend_from_slice(&address_word(to));
    data.extend_from_slice(&amount.to_be_bytes::<32>());
    data
}

/// Calldata of MintNFT `mint()`.
pub(crate) fn mint_call() -> Vec<u8> {
    MINT.to_vec()
}

/// Calldata of the router's single-hop
/// `swapExactTokensForTokens(amount_in, amount_out_min, [token_in, token_out], to, deadline)`.
pub(crate) fn swap_call(
    amount_in: U256,
    amount_out_min: U256,
    token_in: Address,
    token_out: Address,
    to: Address,
    deadline: U256,
) -> Vec<u8> {
    // Head: five words, the path being dynamic (offset 5 * 32); tail: length 2, two addresses.
    let mut data = Vec::with_capacity(4 + 8 * 32);
    data.extend_from_slice(&SWAP_EXACT_TOKENS_FOR_TOKENS);
    data.extend_from_slice(&amount_in.to_be_bytes::<32>());
    data.extend_from_slice(&amount_out_min.to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(5 * 32).to_be_bytes::<32>());
    data.extend_from_slice(&address_word(to));
    data.extend_from_slice(&deadline.to_be_bytes::<32>());
    data.extend_from_slice(&U256::from(2).to_be_bytes::<32>());
    data.extend_from_slice(&address_word(token_in));
    data.extend_from_slice(&address_word(token_out));
    data
}

/// The two tokens in the pair's order (`token0 < token1`).
pub(crate) fn sort_tokens(a: Address, b: Address) -> (Address, Address) {
    if a < b { (a, b) } else { (b, a) }
}

/// The router's `pairFor`: the CREATE2 address of the pair of `a` and `b` under `factory`.
pub(crate) fn pair_for(factory: Address, a: Address, b: Address) -> Address {
    let (token0, token1) = sort_tokens(a, b);
    let mut packed = [0u8; 40];
    packed[..20].copy_from_slice(token0.as_slice());
    packed[20..].copy_from_slice(token1.as_slice());
    factory.create2(keccak256(packed), PAIR_INIT_CODE_HASH)
}

/// Uniswap V2's `getAmountOut` (0.3% fee), exactly as the router computes it.
pub(crate) fn amount_out(amount_in: U256, reserve_in: U256, reserve_out: U256) -> U256 {
    let with_fee = amount_in * U256::from(997);
    with_fee * reserve_out / (reserve_in * U256::from(1000) + with_fee)
}

/// The pair's packed reserves word (`blockTimestampLast` = `timestamp`).
pub(crate) fn pack_reserves(reserve0: U256, reserve1: U256, timestamp: u32) -> U256 {
    reserve0 | (reserve1 << 112) | (U256::from(timestamp) << 224)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed manifest.
    fn manifest() -> serde_json::Value {
        serde_json::from_str(include_str!("../../contracts/build/manifest.json"))
            .expect("manifest.json is JSON")
    }

    #[test]
    fn runtime_code_matches_manifest() {
        let manifest = manifest();
        for (name, code) in [
            ("ERC20", &*ERC20_CODE),
            ("UniswapV2Pair", &*PAIR_CODE),
            ("UniswapV2Router", &*ROUTER_CODE),
            ("Proxy1967", &*PROXY_CODE),
            ("MintNFT", &*MINT_NFT_CODE),
        ] {
            let entry = &manifest["contracts"][name];
            assert_eq!(
                entry["runtimeSize"].as_u64(),
                Some(code.len() as u64),
                "{name}"
            );
            assert_eq!(
                entry["runtimeKeccak256"].as_str(),
                Some(keccak256(code).to_string().as_str()),
                "{name}"
            );
        }
    }

    #[test]
    fn init_code_hash_and_selectors_match_manifest() {
        let manifest = manifest();
        assert_eq!(
            manifest["uniswapV2PairInitCodeHash"].as_str(),
            Some(PAIR_INIT_CODE_HASH.to_string().as_str())
        );
        let selector = |contract: &str, signature: &str| {
            let text = manifest["contracts"][contract]["selectors"][signature]
                .as_str()
                .expect("selector listed");
            hex::decode(text).expect("selector is hex")
        };
        assert_eq!(selector("ERC20", "transfer(address,uint256)"), TRANSFER);
        assert_eq!(selector("MintNFT", "mint()"), MINT);
        assert_eq!(
            selector(
                "UniswapV2Router",
                "swapExactTokensForTokens(uint256,uint256,address[],address,uint256)"
            ),
            SWAP_EXACT_TOKENS_FOR_TOKENS
        );
    }

    #[test]
    fn eip1967_slots_follow_the_standard() {
        let minus_one =
            |label: &str| B256::from(U256::from_be_bytes(keccak256(label).0) - U256::ONE);
        assert_eq!(
            minus_one("eip1967.proxy.implementation"),
            EIP1967_IMPLEMENTATION_SLOT
        );
        assert_eq!(minus_one("eip1967.proxy.admin"), EIP1967_ADMIN_SLOT);
    }

    #[test]
    fn amount_out_matches_uniswap() {
        // 1 in at 1:1 reserves of 1000: 997 * 1000 / (1_000_000 + 997) = 0 (integer), and a
        // larger trade: 1e18 into 1e24 / 2e24 reserves.
        assert_eq!(
            amount_out(U256::ONE, U256::from(1000), U256::from(1000)),
            U256::ZERO
        );
        let out = amount_out(
            U256::from(10u128.pow(18)),
            U256::from(10u128.pow(24)),
            U256::from(2 * 10u128.pow(24)),
        );
        assert_eq!(out, U256::from(1_993_998_011_983_982_051u128));
    }
}
