//! Proxy patterns: where the code that runs for an account really lives.
//!
//! Input: an account's code, or a proxy's storage. Output: the delegation target of EIP-1167
//! minimal proxies and EIP-7702 delegated accounts (targets in the code), and the well-known
//! implementation slots (EIP-1967, its beacon, EIP-1822, OpenZeppelin zos, Gnosis Safe slot 0)
//! that instantiation consults when a DELEGATECALL target is not resolved by the summary.

use alloy_primitives::{Address, U256, b256};

/// A proxy recognised from its code alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeProxy {
    /// EIP-1167 minimal proxy: DELEGATECALLs `target` with the whole calldata.
    Eip1167(Address),
    /// EIP-7702 delegation designator `0xef0100 ++ target`.
    Eip7702(Address),
}

impl CodeProxy {
    /// The account whose code runs.
    pub fn target(&self) -> Address {
        match *self {
            Self::Eip1167(a) | Self::Eip7702(a) => a,
        }
    }
}

/// Recognises EIP-1167 (including the vanity variants with a shorter PUSH) and EIP-7702 code.
pub fn detect(code: &[u8]) -> Option<CodeProxy> {
    if code.len() == 23 && code.starts_with(&[0xef, 0x01, 0x00]) {
        return Some(CodeProxy::Eip7702(Address::from_slice(code.get(3..23)?)));
    }
    // 363d3d373d3d3d363d 73<20> 5af43d82803e903d91602b57fd5bf3
    const PRE: [u8; 9] = [0x36, 0x3d, 0x3d, 0x37, 0x3d, 0x3d, 0x3d, 0x36, 0x3d];
    const POST: [u8; 15] = [
        0x5a, 0xf4, 0x3d, 0x82, 0x80, 0x3e, 0x90, 0x3d, 0x91, 0x60, 0x2b, 0x57, 0xfd, 0x5b, 0xf3,
    ];
    let rest = code.strip_prefix(&PRE)?;
    let push = *rest.first()?;
    if !(0x60..=0x73).contains(&push) {
        return None;
    }
    let n = (push - 0x5f) as usize;
    let addr = rest.get(1..1 + n)?;
    let tail = rest.get(1 + n..)?;
    // the jump offset in the tail depends on the push size; compare everything else
    if tail.len() != POST.len() || tail[..10] != POST[..10] || tail[11..] != POST[11..] {
        return None;
    }
    let mut a = [0u8; 20];
    a[20 - n..].copy_from_slice(addr);
    Some(CodeProxy::Eip1167(Address::from(a)))
}

/// Storage slots that hold an implementation address in common proxy standards, most
/// specific first: EIP-1967 implementation, EIP-1822 (UUPS "PROXIABLE"), OpenZeppelin zos,
/// and Gnosis Safe's master copy at slot 0.
pub const IMPLEMENTATION_SLOTS: [U256; 4] = [
    U256::from_be_bytes(
        b256!("360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc").0,
    ),
    U256::from_be_bytes(
        b256!("c5f16f0fcc639fa48a6947836d9850f504798523bf8c9a3a87d5876cf622bcf7").0,
    ),
    U256::from_be_bytes(
        b256!("7050c9e0f4ca769c69bd3a8ef740bc37934f8e2c036e5a723fd8ee048ed3f8c3").0,
    ),
    U256::ZERO,
];

/// EIP-1967 beacon slot.
pub const BEACON_SLOT: U256 = U256::from_be_bytes(
    b256!("a3f0ad74e5423aebfd80d3ef4346578335a9a72aeaee59ff6cb3582b35133d50").0,
);

/// Slots an `UpgradeableBeacon` may keep its implementation in (OpenZeppelin: after
/// `Ownable`'s owner at slot 0).
pub const BEACON_IMPLEMENTATION_SLOTS: [U256; 2] = [U256::from_limbs([1, 0, 0, 0]), U256::ZERO];

/// The low 160 bits of a word as an address.
pub fn to_address(v: U256) -> Address {
    Address::from_word(v.to_be_bytes::<32>().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy_primitives::hex;

    #[test]
    fn recognises_minimal_proxy_and_7702() {
        let code = hex!(
            "363d3d373d3d3d363d73bebebebebebebebebebebebebebebebebebebebe5af43d82803e903d91602b57fd5bf3"
        );
        assert_eq!(
            detect(&code),
            Some(CodeProxy::Eip1167(Address::repeat_byte(0xbe)))
        );
        let d = hex!("ef0100aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
        assert_eq!(
            detect(&d),
            Some(CodeProxy::Eip7702(Address::repeat_byte(0xaa)))
        );
        assert_eq!(detect(&code[..30]), None);
    }
}
