//! Snapshots of the schedules of small handcrafted blocks, reviewed by eye.

use std::num::NonZeroUsize;

use alloy_primitives::{Address, U256};
use foresight_analyzer::{AccessSet, Location, Widening, WideningReason};
use foresight_scheduler::{Layers, Schedule, ScheduleStats};
use serde::Serialize;

const COINBASE: Address = Address::repeat_byte(0xc0);

fn account(byte: u8) -> Address {
    Address::repeat_byte(byte)
}

fn slot(contract: u8, slot: u64) -> Location {
    Location::storage(account(contract), U256::from(slot))
}

/// A transaction from `sender`: its nonce and balance written, the fee credited to the
/// coinbase.
fn from(sender: u8) -> AccessSet {
    let mut set = AccessSet::new();
    set.writes.insert(Location::nonce(account(sender)));
    set.writes.insert(Location::balance(account(sender)));
    set.credits.insert(COINBASE);
    set
}

#[derive(Serialize)]
struct Snapshot {
    schedule: Schedule,
    stats: ScheduleStats,
    balanced_layers: Layers,
    balanced_makespan: u64,
}

/// The schedule and its stats on `threads` threads, then the balanced layers and their makespan.
fn snapshot(block: &[AccessSet], gas: &[u64], threads: usize) -> Snapshot {
    let threads = NonZeroUsize::new(threads).unwrap();
    let schedule = Schedule::new(block);
    let stats = schedule.stats(gas, threads).unwrap();
    let balanced = schedule.clone().balanced(gas, threads).unwrap();
    let balanced_makespan = balanced.layers().makespan(gas, threads).unwrap();
    Snapshot {
        schedule,
        stats,
        balanced_layers: balanced.layers().clone(),
        balanced_makespan,
    }
}

/// Each transaction reads and writes the slot the previous one wrote: one layer each.
#[test]
fn chain() {
    let block: Vec<AccessSet> = (1..=4)
        .map(|sender| {
            let mut set = from(sender);
            set.reads.insert(slot(0xaa, 0));
            set.writes.insert(slot(0xaa, 0));
            set
        })
        .collect();
    insta::assert_yaml_snapshot!(snapshot(&block, &[50_000, 60_000, 70_000, 80_000], 2));
}

/// A deposit, then five independent readers of what it wrote, then one writer after the
/// readers; two unrelated transfers fill the gaps.
#[test]
fn fan_out() {
    let mut block = Vec::new();
    let mut deposit = from(1);
    deposit.writes.insert(slot(0xaa, 7));
    block.push(deposit);
    for sender in 2..=6 {
        let mut reader = from(sender);
        reader.reads.insert(slot(0xaa, 7));
        block.push(reader);
    }
    let mut withdraw = from(7);
    withdraw.writes.insert(slot(0xaa, 7));
    block.push(withdraw);
    block.push(from(8));
    block.push(from(9));
    let gas = [
        90_000, 40_000, 40_000, 40_000, 40_000, 40_000, 90_000, 21_000, 21_000,
    ];
    let snapshot = snapshot(&block, &gas, 2);
    insta::assert_snapshot!("fan_out_dot", snapshot.schedule.to_dot());
    insta::assert_yaml_snapshot!(snapshot);
}

/// Fee payers credit the coinbase (commutative); one transaction reads the coinbase balance in
/// the middle, so it waits for the fees before it and the fees after it wait for it.
#[test]
fn coinbase_reader_among_fee_payers() {
    let mut block: Vec<AccessSet> = (1..=3).map(from).collect();
    let mut reader = from(4);
    reader.reads.insert(Location::balance(COINBASE));
    block.push(reader);
    block.extend((5..=6).map(from));
    insta::assert_yaml_snapshot!(snapshot(&block, &[21_000; 6], 2));
}

/// A transaction widened to the whole state splits the block in two; a contract widening
/// orders the transactions touching that contract's storage.
#[test]
fn barrier_and_contract_widening() {
    let mut block: Vec<AccessSet> = (1..=2).map(from).collect();
    block.push(AccessSet::everything(WideningReason::UnresolvedCallTarget));
    let mut touch = from(3);
    touch.reads.insert(slot(0xbb, 1));
    block.push(touch);
    let mut widened = from(4);
    widened.widenings.insert(Widening::Contract {
        address: account(0xbb),
        reason: WideningReason::UnresolvedSlot,
    });
    block.push(widened);
    block.push(from(5));
    insta::assert_yaml_snapshot!(snapshot(
        &block,
        &[30_000, 30_000, 100_000, 50_000, 50_000, 21_000],
        2,
    ));
}

/// A chain of two next to three independent transactions, on 3 threads: the earliest layers
/// put four transactions in the first layer (two rounds); balancing moves the last independent
/// one next to the chain's second transaction, which has a thread to spare.
#[test]
fn balancing_a_heavy_layer() {
    let mut write = from(1);
    write.writes.insert(slot(0xaa, 0));
    let mut read = from(2);
    read.reads.insert(slot(0xaa, 0));
    let block = [write, read, from(3), from(4), from(5)];
    insta::assert_yaml_snapshot!(snapshot(&block, &[100_000; 5], 3));
}
