// SPDX-License-Identifier: MIT
// PairUser: pays out the second token of a TokenPair. Analyzer test: the token to call is the
// second word that `pair.tokens()` returns, so following the call needs that word.
pragma solidity 0.8.28;

interface ITokenPair {
    function tokens() external view returns (address, address);
}

interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
}

contract PairUser {
    /// Sends `amount` of `pair`'s second token, held by this contract, to the sender.
    function sendSecond(ITokenPair pair, uint256 amount) external {
        (, address second) = pair.tokens();
        require(IToken(second).transfer(msg.sender, amount), "transfer failed");
    }
}
