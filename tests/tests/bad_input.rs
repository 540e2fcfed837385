//! Bad input gets a typed error naming the file, field or transaction — never a panic: a
//! missing file, malformed JSON, a bad hex field, an unknown transaction type, and transactions
//! that fail validation (nonce, funds).

use foresight_corpus::{Block, CorpusError};
use foresight_executor::{ExecutionError, execute_sequential};
use foresight_tests::{BLOCK_46147, PRESTATE_46147, temp_dir, write_block_dir};

fn load(block: Option<&str>, prestate: Option<&str>) -> Result<Block, CorpusError> {
    let dir = temp_dir();
    write_block_dir(dir.path(), block, prestate);
    Block::load(dir.path())
}

#[test]
fn the_fixture_block_loads_and_matches_its_header() {
    let block = load(Some(BLOCK_46147), Some(PRESTATE_46147)).unwrap();
    let outcome = execute_sequential(&block).unwrap();
    foresight_executor::check_header(block.expected.as_ref().unwrap(), block.spec, &outcome)
        .unwrap();
}

#[test]
fn a_missing_file_names_the_file() {
    let error = load(Some(BLOCK_46147), None).unwrap_err();
    assert!(matches!(error, CorpusError::Read { .. }), "{error}");
    assert!(error.to_string().contains("prestate.json"), "{error}");
}

#[test]
fn malformed_json_names_the_file_and_position() {
    let error = load(Some(&BLOCK_46147[..200]), Some(PRESTATE_46147)).unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, CorpusError::Json { .. }), "{text}");
    assert!(
        text.contains("block.json") && text.contains("line 1"),
        "{text}"
    );
}

#[test]
fn a_bad_hex_field_names_the_file() {
    let prestate = PRESTATE_46147.replace("0x6c6b935b8bbd400000", "0xzz");
    let error = load(Some(BLOCK_46147), Some(&prestate)).unwrap_err();
    let text = error.to_string();
    assert!(text.contains("prestate.json"), "{text}");
}

#[test]
fn a_bad_hex_field_in_a_transaction_names_the_transaction() {
    let block = BLOCK_46147.replace(r#""value":"0x7a69""#, r#""value":"0xq""#);
    let error = load(Some(&block), Some(PRESTATE_46147)).unwrap_err();
    let text = error.to_string();
    assert!(
        matches!(error, CorpusError::Transaction { index: 0, .. }),
        "{text}"
    );
    assert!(text.contains("0x5c504ed4"), "{text}");
}

#[test]
fn an_unknown_transaction_type_names_the_transaction() {
    let block = BLOCK_46147.replace(r#""type":"0x0""#, r#""type":"0x7f""#);
    let error = load(Some(&block), Some(PRESTATE_46147)).unwrap_err();
    assert!(
        matches!(error, CorpusError::Transaction { index: 0, .. }),
        "{error}"
    );
}

#[test]
fn a_nonce_mismatch_is_an_invalid_transaction() {
    let prestate = PRESTATE_46147.replacen(r#""nonce": 0"#, r#""nonce": 5"#, 1);
    let block = load(Some(BLOCK_46147), Some(&prestate)).unwrap();
    let error = execute_sequential(&block).unwrap_err();
    assert!(
        matches!(error, ExecutionError::InvalidTransaction { index: 0, .. }),
        "{error}"
    );
    assert!(
        error.to_string().to_lowercase().contains("nonce"),
        "{error}"
    );
}

#[test]
fn insufficient_funds_is_an_invalid_transaction() {
    let prestate = PRESTATE_46147.replace("0x6c6b935b8bbd400000", "0x1");
    let block = load(Some(BLOCK_46147), Some(&prestate)).unwrap();
    let error = execute_sequential(&block).unwrap_err();
    assert!(
        matches!(error, ExecutionError::InvalidTransaction { index: 0, .. }),
        "{error}"
    );
}

#[test]
fn an_empty_corpus_directory_is_an_error() {
    let dir = temp_dir();
    let error = foresight_corpus::block_dirs(dir.path()).unwrap_err();
    assert!(matches!(error, CorpusError::Empty { .. }), "{error}");
}
