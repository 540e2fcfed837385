//! Mainnet fork schedule: which revm [`SpecId`] a block runs under, from its number and timestamp.
//!
//! Input: block number and timestamp (chain id 1). Output: the [`SpecId`].

use revm::primitives::hardfork::SpecId;

/// Block-number activations of mainnet forks before the Merge, newest first. Forks that only
/// moved the difficulty bomb or moved balances (DAO, Muir/Arrow/Gray Glacier) change no EVM rule.
const BY_NUMBER: &[(u64, SpecId)] = &[
    (15_537_394, SpecId::MERGE),
    (12_965_000, SpecId::LONDON),
    (12_244_000, SpecId::BERLIN),
    (9_069_000, SpecId::ISTANBUL),
    (7_280_000, SpecId::PETERSBURG),
    (4_370_000, SpecId::BYZANTIUM),
    (2_675_000, SpecId::SPURIOUS_DRAGON),
    (2_463_000, SpecId::TANGERINE),
    (1_150_000, SpecId::HOMESTEAD),
    (0, SpecId::FRONTIER),
];

/// Timestamp activations of mainnet forks after the Merge, newest first.
const BY_TIMESTAMP: &[(u64, SpecId)] = &[
    (1_764_798_551, SpecId::OSAKA),
    (1_746_612_311, SpecId::PRAGUE),
    (1_710_338_135, SpecId::CANCUN),
    (1_681_338_455, SpecId::SHANGHAI),
];

/// The mainnet fork active at `number` and `timestamp`.
///
/// ```
/// use foresight_corpus::mainnet_spec;
/// use revm::primitives::hardfork::SpecId;
///
/// assert_eq!(mainnet_spec(4_369_999, 0), SpecId::SPURIOUS_DRAGON);
/// assert_eq!(mainnet_spec(4_370_000, 0), SpecId::BYZANTIUM);
/// assert_eq!(mainnet_spec(19_934_116, 1_716_485_843), SpecId::CANCUN);
/// ```
pub fn mainnet_spec(number: u64, timestamp: u64) -> SpecId {
    if number >= 15_537_394
        && let Some((_, spec)) = BY_TIMESTAMP.iter().find(|(t, _)| timestamp >= *t)
    {
        return *spec;
    }
    BY_NUMBER
        .iter()
        .find(|(n, _)| number >= *n)
        .map_or(SpecId::FRONTIER, |(_, spec)| *spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_of_the_corpus() {
        assert_eq!(mainnet_spec(46_147, 0), SpecId::FRONTIER);
        assert_eq!(mainnet_spec(1_150_000, 0), SpecId::HOMESTEAD);
        assert_eq!(mainnet_spec(2_462_997, 0), SpecId::HOMESTEAD);
        assert_eq!(mainnet_spec(2_674_998, 0), SpecId::TANGERINE);
        assert_eq!(mainnet_spec(2_675_000, 0), SpecId::SPURIOUS_DRAGON);
        assert_eq!(mainnet_spec(9_068_998, 0), SpecId::PETERSBURG);
        assert_eq!(mainnet_spec(9_069_000, 0), SpecId::ISTANBUL);
        assert_eq!(mainnet_spec(15_537_393, 1_663_224_162), SpecId::LONDON);
        assert_eq!(mainnet_spec(15_537_394, 1_663_224_179), SpecId::MERGE);
        assert_eq!(mainnet_spec(17_034_869, 1_681_338_455), SpecId::SHANGHAI);
    }
}
