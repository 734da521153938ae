#!/usr/bin/env node
// `rampart-agent` — runs the TypeScript agent through tsx's loader (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../agent/main.ts");
process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
