/**
 * Entry of the bundled CLI (`npm run build:cli` → `dist/rampart.mjs`, runnable with plain
 * `node`, e.g. on an agent host without the dev toolchain). `bin/rampart.mjs` runs the sources
 * through tsx instead, so a checkout never runs a stale build.
 */
import { main } from "./main.js";

process.exitCode = await main(process.argv.slice(2));
