// SPDX-License-Identifier: MIT
// TokenPair: two token addresses (slots 0 and 1) behind one getter that returns both.
// Analyzer test: a getter whose answer is several words, of which the caller uses the second.
pragma solidity 0.8.28;

contract TokenPair {
    address public token0;
    address public token1;

    function setTokens(address first, address second) external {
        token0 = first;
        token1 = second;
    }

    function tokens() external view returns (address, address) {
        return (token0, token1);
    }
}
