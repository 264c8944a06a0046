// The Node the TypeScript tests run on where the machine's Node is older than production's
// (package.json engines; the Docker images run Node 22). The npm registry carries the official Node
// builds as node-<platform>-<arch> packages (binary and headers), so nothing comes from elsewhere.
// Of the native modules, sharp and onnxruntime-node use N-API and load on any Node; better-sqlite3
// is built for one Node ABI, so it is compiled once from its bundled SQLite source against those
// headers, and each ABI's build is kept in lib/binding/node-v<abi>-<platform>-<arch>/, a folder its
// loader (the `bindings` package) searches, so the machine's Node and the tests' Node both load theirs.
import { copyFileSync, cpSync, existsSync, mkdirSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { StepError, root, run } from "./run.mjs";

export const TEST_NODE_VERSION = "22.23.3";
const TEST_NODE_MAJOR = Number(TEST_NODE_VERSION.split(".")[0]);

/** @param {string} [version] */
export function needsTestNode(version = process.versions.node) {
  return Number(version.split(".")[0]) < TEST_NODE_MAJOR;
}

/** @param {string} abi */
function bindingFile(pkg, abi) {
  return path.join(pkg, "lib", "binding", `node-v${abi}-${process.platform}-${process.arch}`, "better_sqlite3.node");
}

async function nodeGypScript() {
  // Quiet output holds stderr too (npm's warnings, e.g. about .npmrc keys it does not know): the path is the last line.
  const output = await run("npm", ["root", "-g"], { quiet: true, label: "npm root -g" });
  const globalRoot = output.trim().split("\n").at(-1).trim();
  const script = path.join(globalRoot, "npm", "node_modules", "node-gyp", "bin", "node-gyp.js");
  if (!existsSync(script))
    throw new StepError(
      `npm's node-gyp is not at ${script}: it is needed to build better-sqlite3 for Node ${TEST_NODE_VERSION}.`,
    );
  return script;
}

/** better-sqlite3 for the tests' Node, beside the machine's build. */
async function ensureBetterSqlite3(abi, nodeHome, log) {
  const pkg = path.join(root, "node_modules", "better-sqlite3");
  const machineBuild = path.join(pkg, "build", "Release", "better_sqlite3.node");
  if (existsSync(machineBuild)) {
    // bindings tries build/Release first and stops at an ABI mismatch: keep each ABI's build in its own folder.
    const target = bindingFile(pkg, process.versions.modules);
    mkdirSync(path.dirname(target), { recursive: true });
    renameSync(machineBuild, target);
  }
  const target = bindingFile(pkg, abi);
  if (existsSync(target) && (await loadsOn(nodeHome, target))) return;
  log(`building better-sqlite3 for Node ${TEST_NODE_VERSION} from its bundled source (once; a few minutes)`);
  const work = path.join(root, ".cache", `better-sqlite3-node-v${abi}`);
  rmSync(work, { recursive: true, force: true });
  cpSync(pkg, work, {
    recursive: true,
    filter: (src) => !src.startsWith(path.join(pkg, "build")) && !src.startsWith(path.join(pkg, "lib", "binding")),
  });
  const gyp = await nodeGypScript();
  const bin = path.join(nodeHome, "bin");
  await run(path.join(bin, "node"), [gyp, "rebuild", "--release", `--nodedir=${nodeHome}`], {
    cwd: work,
    // npm passes its own nodedir to scripts (npm_config_nodedir, e.g. /usr from a global npmrc), and
    // node-gyp prefers it to --nodedir: it would build against this machine's Node headers.
    env: { PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`, npm_config_nodedir: nodeHome },
    quiet: true,
    label: "node-gyp rebuild better-sqlite3 (needs python3, make and a C++ compiler)",
  });
  mkdirSync(path.dirname(target), { recursive: true });
  copyFileSync(path.join(work, "build", "Release", "better_sqlite3.node"), target);
  rmSync(work, { recursive: true, force: true });
  if (!(await loadsOn(nodeHome, target)))
    throw new StepError(`better-sqlite3 built for Node ${TEST_NODE_VERSION} does not load on it (${target}).`);
}

/** Whether the tests' Node can load a native module (a build for another ABI throws). */
async function loadsOn(nodeHome, file) {
  const script = `process.dlopen({ exports: {} }, ${JSON.stringify(file)})`;
  return run(path.join(nodeHome, "bin", "node"), ["-e", script], { quiet: true, label: "node" }).then(
    () => true,
    () => false,
  );
}

/**
 * Where this Node is older than TEST_NODE_VERSION's major: installs that Node from the npm registry
 * into .cache/ and better-sqlite3's build for it; returns the folder of its `node` binary. Else null.
 * @param {{ log: (line: string) => void }} options
 * @returns {Promise<string | null>}
 */
export async function ensureTestNode({ log }) {
  if (!needsTestNode()) return null;
  const name = `node-${process.platform}-${process.arch}`;
  const prefix = path.join(root, ".cache", `node-${TEST_NODE_VERSION}`);
  const nodeHome = path.join(prefix, "node_modules", name);
  const node = path.join(nodeHome, "bin", "node");
  if (!existsSync(node)) {
    log(
      `installing Node ${TEST_NODE_VERSION} for the tests from the npm registry (${name}); this machine's Node is ${process.versions.node}`,
    );
    const args = [
      "install",
      "--prefix",
      prefix,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      `${name}@${TEST_NODE_VERSION}`,
    ];
    await run("npm", args, { quiet: true, label: `npm install ${name}@${TEST_NODE_VERSION}` });
  }
  const abi = (await run(node, ["-p", "process.versions.modules"], { quiet: true, label: "node" })).trim();
  await ensureBetterSqlite3(abi, nodeHome, log);
  return path.dirname(node);
}
