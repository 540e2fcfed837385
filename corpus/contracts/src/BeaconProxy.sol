// SPDX-License-Identifier: MIT
// BeaconProxy: a proxy whose beacon address is in its code, not in a storage slot (as
// mainnet's OpenSea fee collector keeps it, there as an immutable). Every call asks the
// beacon for the implementation and DELEGATECALLs it with the whole calldata, so the
// implementation's storage layout applies to this contract's storage. Predicting its
// accesses needs the value another contract returns.
pragma solidity 0.8.28;

interface IBeacon {
    function implementation() external view returns (address);
}

contract BeaconProxy {
    /// The Beacon this proxy asks (Foresight's tests deploy one at this address).
    IBeacon internal constant BEACON = IBeacon(0xBeAC0000000000000000000000000000000000E5);

    fallback() external payable {
        address impl = BEACON.implementation();
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }
}
