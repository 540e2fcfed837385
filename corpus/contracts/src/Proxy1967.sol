// SPDX-License-Identifier: MIT
// Proxy1967: a transparent EIP-1967 proxy (OpenZeppelin-style). The implementation and
// admin addresses live in the standard EIP-1967 slots; every call from a non-admin is
// DELEGATECALLed to the implementation, so the implementation's storage layout applies
// to this contract's storage. Foresight places it in front of ERC20 to exercise
// delegatecall-aware access prediction. The admin may only call `upgradeTo(address)`.
pragma solidity 0.8.28;

/// The proxy's own interface: reachable only by the admin, through the fallback.
interface IProxy1967 {
    function upgradeTo(address newImplementation) external;
}

contract Proxy1967 {
    /// bytes32(uint256(keccak256("eip1967.proxy.implementation")) - 1)
    bytes32 internal constant IMPLEMENTATION_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    /// bytes32(uint256(keccak256("eip1967.proxy.admin")) - 1)
    bytes32 internal constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;

    event Upgraded(address indexed implementation);
    event AdminChanged(address previousAdmin, address newAdmin);

    constructor(address implementation, address admin) {
        _setImplementation(implementation);
        _setAdmin(admin);
    }

    fallback() external payable {
        _fallback();
    }

    receive() external payable {
        _fallback();
    }

    function _fallback() private {
        if (msg.sender == _getAdmin()) {
            require(msg.sig == IProxy1967.upgradeTo.selector, "Proxy1967: admin cannot fallback to proxy target");
            _setImplementation(abi.decode(msg.data[4:], (address)));
            return;
        }
        _delegate(_getImplementation());
    }

    function _delegate(address implementation) private {
        assembly {
            calldatacopy(0, 0, calldatasize())
            let result := delegatecall(gas(), implementation, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch result
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    function _getImplementation() private view returns (address implementation) {
        assembly {
            implementation := sload(IMPLEMENTATION_SLOT)
        }
    }

    function _getAdmin() private view returns (address admin) {
        assembly {
            admin := sload(ADMIN_SLOT)
        }
    }

    function _setImplementation(address implementation) private {
        require(implementation.code.length > 0, "Proxy1967: implementation is not a contract");
        assembly {
            sstore(IMPLEMENTATION_SLOT, implementation)
        }
        emit Upgraded(implementation);
    }

    function _setAdmin(address admin) private {
        require(admin != address(0), "Proxy1967: new admin is the zero address");
        emit AdminChanged(_getAdmin(), admin);
        assembly {
            sstore(ADMIN_SLOT, admin)
        }
    }
}
