/**
 * Entry of the bundled agent (`npm run build:agent` → `dist/rampart-agent.mjs`): one file with
 * every dependency inside, runnable with plain `node` 20 on a host without `node_modules` (the
 * systemd unit runs it). `bin/rampart-agent.mjs` runs the sources through tsx instead, so a
 * checkout never runs a stale build.
 */
import { main } from "../main.js";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
