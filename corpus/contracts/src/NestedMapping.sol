// SPDX-License-Identifier: MIT
// NestedMapping: analyzer test input. Its slots are keccak256(key . keccak256(account . 0)),
// with the account taken from calldata (`set`, `get`) or from the caller (`increment`),
// so a storage-slot predictor must follow a two-level mapping hash.
pragma solidity 0.8.28;

contract NestedMapping {
    mapping(address => mapping(uint256 => uint256)) private data;

    event Set(address indexed account, uint256 indexed key, uint256 value);

    function set(address account, uint256 key, uint256 value) external {
        data[account][key] = value;
        emit Set(account, key, value);
    }

    function get(address account, uint256 key) external view returns (uint256) {
        return data[account][key];
    }

    function increment(uint256 key) external returns (uint256 value) {
        value = ++data[msg.sender][key];
        emit Set(msg.sender, key, value);
    }
}
