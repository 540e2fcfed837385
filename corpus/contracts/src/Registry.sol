// SPDX-License-Identifier: MIT
// Registry: one address in slot 0, read back through its own getter. `repointAndCall` first
// changes the address and then calls whatever `this.target()` returns, so a prediction that
// took the getter's answer from the pre-state would follow the old address. Analyzer test for
// values a call returns from storage the transaction has already written.
pragma solidity 0.8.28;

contract Registry {
    address public target;

    function setTarget(address next) external {
        target = next;
    }

    /// Points the registry at `next`, then makes the registry it now points to point at the
    /// sender.
    function repointAndCall(address next) external {
        target = next;
        Registry(this.target()).setTarget(msg.sender);
    }
}
