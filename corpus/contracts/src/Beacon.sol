// SPDX-License-Identifier: MIT
// Beacon: tells BeaconProxy instances which implementation to DELEGATECALL
// (OpenZeppelin UpgradeableBeacon-style). The implementation address lives in slot 0; only
// the owner may change it. Foresight follows `implementation()`'s return value.
pragma solidity 0.8.28;

contract Beacon {
    address public implementation;
    address public owner;

    event Upgraded(address indexed implementation);

    constructor(address implementation_) {
        implementation = implementation_;
        owner = msg.sender;
    }

    function upgradeTo(address newImplementation) external {
        require(msg.sender == owner, "Beacon: not owner");
        implementation = newImplementation;
        emit Upgraded(newImplementation);
    }
}
