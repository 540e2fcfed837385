//! Shared fixtures of Foresight's cross-crate tests: a tiny real block (mainnet block 46147, the
//! first Ethereum transaction, one plain transfer) as JSON-RPC text, and a writer of block
//! directories so that tests can damage one field at a time.
//!
//! Input: JSON text. Output: a temporary block directory the loader and the CLI can read.

use std::path::Path;

/// `block.json` of mainnet block 46147 (`eth_getBlockByNumber(46147, true)`).
pub const BLOCK_46147: &str = r#"{"hash":"0x4e3a3754410177e6937ef1f84bba68ea139e8d1a2258c5f85db9f1cd715a1bdd","parentHash":"0x5a41d0e66b4120775176c09fcf39e7c0520517a13d2b57b18d33d342df038bfc","sha3Uncles":"0x1dcc4de8dec75d7aab85b567b6ccd41ad312451b948a7413f0a142fd40d49347","miner":"0xe6a7a1d47ff21b6321162aea7c6cb457d5476bca","stateRoot":"0x0e0df2706b0a4fb8bd08c9246d472abbe850af446405d9eba1db41db18b4a169","transactionsRoot":"0x4513310fcb9f6f616972a3b948dc5d547f280849a87ebb5af0191f98b87be598","receiptsRoot":"0xfe2bf2a941abf41d72637e5b91750332a30283efd40c424dc522b77e6f0ed8c4","logsBloom":"0x00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000","difficulty":"0x153886c1bbd","number":"0xb443","gasLimit":"0x520b","gasUsed":"0x5208","timestamp":"0x55c42659","totalDifficulty":"0x97a50222edba99","extraData":"0x657468706f6f6c2e6f7267","mixHash":"0xb48c515a9dde8d346c3337ea520aa995a4738bb595495506125449c1149d6cf4","nonce":"0xba4f8ecd18aab215","uncles":[],"transactions":[{"hash":"0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060","nonce":"0x0","blockHash":"0x4e3a3754410177e6937ef1f84bba68ea139e8d1a2258c5f85db9f1cd715a1bdd","blockNumber":"0xb443","transactionIndex":"0x0","from":"0xa1e4380a3b1f749673e270229993ee55f35663b4","to":"0x5df9b87991262f6ba471f09758cde1c0fc1de734","value":"0x7a69","gasPrice":"0x2d79883d2000","gas":"0x5208","input":"0x","r":"0x88ff6cf0fefd94db46111149ae4bfc179e9b94721fffd821d38d16464b3f71d0","s":"0x45e0aff800961cfce805daef7016b9b675c137a6a41a548f7b60a3484c06a33a","v":"0x1c","type":"0x0"}],"size":"0x27a"}"#;

/// `prestate.json` of mainnet block 46147 (geth `prestateTracer`).
pub const PRESTATE_46147: &str = r#"{
 "0xa1e4380a3b1f749673e270229993ee55f35663b4": { "balance": "0x6c6b935b8bbd400000", "nonce": 0 },
 "0xe6a7a1d47ff21b6321162aea7c6cb457d5476bca": { "balance": "0xf3426785a8ab466000", "nonce": 0 }
}"#;

/// Writes a block directory with the given file contents (`None`: the file is left out).
pub fn write_block_dir(dir: &Path, block: Option<&str>, prestate: Option<&str>) {
    std::fs::create_dir_all(dir).expect("create block directory");
    if let Some(text) = block {
        std::fs::write(dir.join("block.json"), text).expect("write block.json");
    }
    if let Some(text) = prestate {
        std::fs::write(dir.join("prestate.json"), text).expect("write prestate.json");
    }
}

/// A fresh temporary directory.
pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("create temporary directory")
}
