// Compiles every src/*.sol with the solc version pinned in package.json (solc-js, standard
// JSON API) and writes build/: <Name>.runtime.hex, <Name>.creation.hex, <Name>.abi.json,
// <Name>.layout.json and manifest.json. The output is deterministic: rerunning it must
// reproduce the committed files byte for byte.
//
// UniswapV2Router.sol carries the pair's init-code hash as a constant. This script
// computes keccak256(UniswapV2Pair creation code); when the constant differs, it rewrites
// the router source and compiles again.
//
//   node build.mjs           build into build/
//   node build.mjs --check   compile and compare with build/ (and the router's constant)
//                            without writing anything; exits 1 on any difference

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const solc = require("solc");
const { keccak256 } = require("js-sha3");

const ROOT = dirname(fileURLToPath(import.meta.url));
const SRC_DIR = join(ROOT, "src");
const BUILD_DIR = join(ROOT, "build");
const ROUTER_FILE = "UniswapV2Router.sol";
const PAIR = "UniswapV2Pair";
const FACTORY = "UniswapV2Factory";
const INIT_CODE_HASH_RE = /(bytes32 internal constant PAIR_INIT_CODE_HASH = )(0x[0-9a-fA-F]{64});/;

/** Compiler settings; recorded verbatim in build/manifest.json. */
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
  viaIR: false,
  metadata: { bytecodeHash: "ipfs" },
};

const OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.methodIdentifiers", "storageLayout"];

const check = process.argv.includes("--check");
const hex0x = (bytesHex) => "0x" + keccak256(Buffer.from(bytesHex, "hex"));

function readSources() {
  const files = readdirSync(SRC_DIR)
    .filter((f) => f.endsWith(".sol"))
    .sort();
  const sources = {};
  for (const f of files) sources[`src/${f}`] = { content: readFileSync(join(SRC_DIR, f), "utf8") };
  return sources;
}

function compile(sources) {
  const input = {
    language: "Solidity",
    sources,
    settings: { ...SETTINGS, outputSelection: { "*": { "*": OUTPUTS } } },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input)));
  const diagnostics = output.errors ?? [];
  for (const d of diagnostics) console.error(d.formattedMessage.trimEnd());
  if (diagnostics.some((d) => d.severity === "error")) {
    throw new Error("compilation failed");
  }
  return output;
}

/** One artifact per source file: the contract named like the file (interfaces are skipped). */
function artifacts(sources, output) {
  const result = {};
  for (const path of Object.keys(sources)) {
    const name = path.slice("src/".length, -".sol".length);
    const c = output.contracts[path]?.[name];
    if (!c) throw new Error(`${path} must define a contract named ${name}`);
    result[name] = { path, ...c };
  }
  return result;
}

function pairInitCodeHash(contracts) {
  return hex0x(contracts[PAIR].evm.bytecode.object);
}

function build() {
  let sources = readSources();
  let contracts = artifacts(sources, compile(sources));
  const initCodeHash = pairInitCodeHash(contracts);

  const routerPath = `src/${ROUTER_FILE}`;
  const routerSource = sources[routerPath].content;
  const match = routerSource.match(INIT_CODE_HASH_RE);
  if (!match) throw new Error(`${routerPath}: PAIR_INIT_CODE_HASH constant not found`);
  if (match[2].toLowerCase() !== initCodeHash) {
    if (check) {
      throw new Error(`${routerPath}: PAIR_INIT_CODE_HASH is ${match[2]}, pair init code hash is ${initCodeHash}`);
    }
    console.log(`updating PAIR_INIT_CODE_HASH in ${routerPath}: ${match[2]} -> ${initCodeHash}`);
    writeFileSync(join(SRC_DIR, ROUTER_FILE), routerSource.replace(INIT_CODE_HASH_RE, `$1${initCodeHash};`));
    sources = readSources();
    contracts = artifacts(sources, compile(sources));
    if (pairInitCodeHash(contracts) !== initCodeHash) throw new Error("pair init code changed with the router");
  }

  // The factory deploys exactly this creation code, so CREATE2 addresses match pairFor.
  if (!contracts[FACTORY].evm.deployedBytecode.object.includes(contracts[PAIR].evm.bytecode.object)) {
    throw new Error("factory runtime code does not embed the pair creation code");
  }

  const files = {};
  const json = (value) => JSON.stringify(value, null, 2) + "\n";
  const manifest = {
    compiler: { npmPackage: `solc@${require("solc/package.json").version}`, version: solc.version() },
    settings: SETTINGS,
    uniswapV2PairInitCodeHash: initCodeHash,
    contracts: {},
  };
  for (const [name, c] of Object.entries(contracts)) {
    const runtime = c.evm.deployedBytecode.object;
    const creation = c.evm.bytecode.object;
    if (!runtime) throw new Error(`${name}: empty runtime code`);
    files[`${name}.runtime.hex`] = runtime;
    files[`${name}.creation.hex`] = creation;
    files[`${name}.abi.json`] = json(c.abi);
    files[`${name}.layout.json`] = json(c.storageLayout);
    const ctor = c.abi.find((e) => e.type === "constructor");
    manifest.contracts[name] = {
      source: c.path,
      runtimeKeccak256: hex0x(runtime),
      runtimeSize: runtime.length / 2,
      creationKeccak256: hex0x(creation),
      creationSize: creation.length / 2,
      constructor: ctor ? `constructor(${ctor.inputs.map((i) => i.type).join(",")})` : null,
      selectors: c.evm.methodIdentifiers,
    };
  }
  files["manifest.json"] = json(manifest);

  if (check) {
    const expected = new Set(Object.keys(files));
    const present = existsSync(BUILD_DIR) ? readdirSync(BUILD_DIR) : [];
    const stale = present.filter((f) => !expected.has(f));
    const differing = Object.keys(files).filter(
      (f) => !existsSync(join(BUILD_DIR, f)) || readFileSync(join(BUILD_DIR, f), "utf8") !== files[f],
    );
    if (stale.length || differing.length) {
      if (differing.length) console.error(`out of date: ${differing.join(", ")}`);
      if (stale.length) console.error(`stale: ${stale.join(", ")}`);
      process.exit(1);
    }
    console.log(`build/ is up to date (${Object.keys(contracts).length} contracts, ${solc.version()})`);
    return;
  }

  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(BUILD_DIR);
  for (const [f, content] of Object.entries(files)) writeFileSync(join(BUILD_DIR, f), content);
  console.log(`wrote ${Object.keys(files).length} files to build/ (${solc.version()})`);
  console.log(`UniswapV2Pair init code hash: ${initCodeHash}`);
}

try {
  build();
} catch (e) {
  console.error(`build.mjs: ${e.message}`);
  process.exit(1);
}
