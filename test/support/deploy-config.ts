import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../oracle/crowdsec-config.js";

/**
 * Writes `deploy/<file>` (the configuration the README's "Deploying" section shows) to `out`
 * with its `${NAME}` placeholders filled from `vars`, so the tests run exactly the documented
 * files. A placeholder without a value, or a value no placeholder uses, is an error.
 */
export function renderDeployFile(file: string, out: string, vars: Record<string, string>): void {
  const text = readFileSync(join(repoRoot(), "deploy", file), "utf8");
  const used = new Set<string>();
  const rendered = text.replace(/\$\{([A-Z_][A-Z0-9_]*)\}/g, (_, name: string) => {
    const value = vars[name];
    if (value === undefined) throw new Error(`deploy/${file}: no value for \${${name}}`);
    used.add(name);
    return value;
  });
  const unused = Object.keys(vars).filter((name) => !used.has(name));
  if (unused.length > 0) throw new Error(`deploy/${file}: no placeholder for ${unused.join(", ")}`);
  writeFileSync(out, rendered);
}
