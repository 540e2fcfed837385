// SPDX-License-Identifier: MIT
// ArrayLoop: analyzer test input. `values` is a dynamic storage array (length in slot 0,
// element i at keccak256(0) + i); `sum` reads every element in a loop whose trip count
// is the stored length, so its slots cannot be listed from calldata alone.
pragma solidity 0.8.28;

contract ArrayLoop {
    uint256[] public values;

    function push(uint256 value) external {
        values.push(value);
    }

    function setAt(uint256 i, uint256 value) external {
        values[i] = value; // reverts (Panic 0x32) when i >= length
    }

    function length() external view returns (uint256) {
        return values.length;
    }

    function sum() external view returns (uint256 total) {
        uint256 n = values.length;
        for (uint256 i; i < n; i++) {
            total += values[i];
        }
    }
}
