// SPDX-License-Identifier: MIT
// MintNFT: a minimal ERC-721-like collection with an open `mint()`. Token ids come from
// one global counter (tokenId = ++totalMinted), so every mint reads and writes the same
// slot: Foresight uses it as the "hot counter" workload whose transactions must run
// one after another.
pragma solidity 0.8.28;

contract MintNFT {
    string public constant name = "Foresight Mint";
    string public constant symbol = "FMINT";

    uint256 public totalMinted;
    mapping(uint256 => address) private _owners;
    mapping(address => uint256) private _balances;
    mapping(uint256 => address) public getApproved;
    mapping(address => mapping(address => bool)) public isApprovedForAll;

    event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
    event Approval(address indexed owner, address indexed approved, uint256 indexed tokenId);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);

    function mint() external returns (uint256 tokenId) {
        tokenId = ++totalMinted;
        _owners[tokenId] = msg.sender;
        unchecked {
            _balances[msg.sender] += 1;
        }
        emit Transfer(address(0), msg.sender, tokenId);
    }

    function ownerOf(uint256 tokenId) public view returns (address owner) {
        owner = _owners[tokenId];
        require(owner != address(0), "MintNFT: invalid token ID");
    }

    function balanceOf(address owner) external view returns (uint256) {
        require(owner != address(0), "MintNFT: address zero is not a valid owner");
        return _balances[owner];
    }

    function approve(address to, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        require(msg.sender == owner || isApprovedForAll[owner][msg.sender], "MintNFT: not owner nor approved for all");
        getApproved[tokenId] = to;
        emit Approval(owner, to, tokenId);
    }

    function setApprovalForAll(address operator, bool approved) external {
        isApprovedForAll[msg.sender][operator] = approved;
        emit ApprovalForAll(msg.sender, operator, approved);
    }

    function transferFrom(address from, address to, uint256 tokenId) external {
        address owner = ownerOf(tokenId);
        require(owner == from, "MintNFT: transfer from incorrect owner");
        require(to != address(0), "MintNFT: transfer to the zero address");
        require(
            msg.sender == owner || isApprovedForAll[owner][msg.sender] || getApproved[tokenId] == msg.sender,
            "MintNFT: caller is not token owner or approved"
        );

        delete getApproved[tokenId];
        unchecked {
            _balances[from] -= 1;
            _balances[to] += 1;
        }
        _owners[tokenId] = to;
        emit Transfer(from, to, tokenId);
    }
}
