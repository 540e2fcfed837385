//! The `foresight` binary's contract with scripts: exit 0 on success, 1 on a failed check, 2 on
//! bad input, with a one-line error naming what is wrong.

use std::process::Command;

use foresight_tests::{BLOCK_46147, PRESTATE_46147, temp_dir, write_block_dir};

fn foresight(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_foresight"))
        .args(args)
        .output()
        .expect("run foresight");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn verify_passes_a_real_block() {
    let dir = temp_dir();
    write_block_dir(dir.path(), Some(BLOCK_46147), Some(PRESTATE_46147));
    let (code, stdout, _) = foresight(&["verify", "--corpus", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("verified 1/1 blocks"), "{stdout}");
    assert!(stdout.contains("OK"), "{stdout}");
}

#[test]
fn verify_fails_with_1_on_a_header_mismatch() {
    let dir = temp_dir();
    let block = BLOCK_46147.replace(r#""gasUsed":"0x5208""#, r#""gasUsed":"0x5209""#);
    write_block_dir(dir.path(), Some(&block), Some(PRESTATE_46147));
    let (code, stdout, _) = foresight(&["verify", "--corpus", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("gasUsed: expected 21001, got 21000"),
        "{stdout}"
    );
    assert!(stdout.contains("verified 0/1 blocks"), "{stdout}");
}

#[test]
fn bad_input_exits_2_with_one_line() {
    let dir = temp_dir();
    write_block_dir(dir.path(), Some("{not json"), Some(PRESTATE_46147));
    let (code, _, stderr) = foresight(&["verify", "--corpus", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.contains("block.json"), "{stderr}");
}

#[test]
fn an_invalid_transaction_exits_2_naming_it() {
    let dir = temp_dir();
    let prestate = PRESTATE_46147.replacen(r#""nonce": 0"#, r#""nonce": 3"#, 1);
    write_block_dir(dir.path(), Some(BLOCK_46147), Some(&prestate));
    let (code, _, stderr) = foresight(&["verify", "--corpus", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("transaction 0"), "{stderr}");
}

#[test]
fn a_missing_corpus_exits_2() {
    let (code, _, stderr) = foresight(&["verify", "--corpus", "/nonexistent/foresight"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn a_missing_transaction_or_a_bad_workload_size_exits_2() {
    let dir = temp_dir();
    write_block_dir(dir.path(), Some(BLOCK_46147), Some(PRESTATE_46147));
    let block = dir.path().to_str().unwrap();
    let (code, _, stderr) = foresight(&["predict", "--block", block, "--tx", "5"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("no such transaction"), "{stderr}");
    let (code, _, stderr) = foresight(&["execute", "--workload", "erc20", "--gas", "10"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn predict_prints_access_lists() {
    let dir = temp_dir();
    write_block_dir(dir.path(), Some(BLOCK_46147), Some(PRESTATE_46147));
    let block = dir.path().to_str().unwrap();
    let (code, stdout, _) = foresight(&[
        "predict",
        "--block",
        block,
        "--json",
        "--format",
        "access-list",
    ]);
    assert_eq!(code, 0);
    let rows: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let list = &rows[0]["accessList"];
    let addresses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["address"].as_str().unwrap())
        .collect();
    assert!(
        addresses.contains(&"0xa1e4380a3b1f749673e270229993ee55f35663b4"),
        "{stdout}"
    );
}

#[test]
fn accuracy_reports_medians_of_its_rounds() {
    let dir = temp_dir();
    write_block_dir(dir.path(), Some(BLOCK_46147), Some(PRESTATE_46147));
    let corpus = dir.path().to_str().unwrap();
    let (code, stdout, stderr) =
        foresight(&["accuracy", "--corpus", corpus, "--json", "--runs", "2"]);
    assert_eq!(code, 0, "{stderr}");
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["runs"], 2);
    assert_eq!(report["transactions"], 1);
    for key in ["analysis_ms_cold", "analysis_ms_warm", "execution_ms"] {
        assert!(
            report[key].as_f64().is_some_and(|ms| ms > 0.0),
            "{key}: {stdout}"
        );
    }
    // A plain transfer is no barrier.
    assert_eq!(report["barrier_causes"], serde_json::json!([]), "{stdout}");
    // The block's one transaction is a plain transfer: its cold pass analyses no code.
    let cold = &report["analysis_cold"];
    for key in [
        "codes",
        "entries",
        "steps",
        "incomplete",
        "incomplete_steps",
    ] {
        assert_eq!(cold[key], 0, "{key}: {stdout}");
    }
    let (code, _, stderr) = foresight(&["accuracy", "--corpus", corpus, "--runs", "0"]);
    assert_eq!(code, 2, "{stderr}");
}
