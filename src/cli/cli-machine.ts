/**
 * Machine credentials for the JWT routes. cscli has its own machine (`cscli machines add -a`
 * writes `local_api_credentials.yaml`); Rampart's CLI takes them from the config, or — when it
 * only has an admin token, as against `npm start`'s stack — creates a validated machine
 * `rampart-cli-<random>` through the admin API on first use and remembers its password per LAPI
 * URL in `<state dir>/machines.yaml` (mode 0600).
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parse, stringify } from "yaml";

/** A login/password pair. */
export interface MachineCredentials {
  login: string;
  password: string;
}

/** Remembered CLI machines, keyed by LAPI URL. */
export interface MachineStore {
  get(url: string): MachineCredentials | undefined;
  set(url: string, credentials: MachineCredentials | undefined): void;
}

/** A store in one YAML file; a missing or unreadable file is an empty store. */
export function fileMachineStore(path: string): MachineStore {
  const read = (): Record<string, MachineCredentials> => {
    if (!existsSync(path)) return {};
    try {
      return (parse(readFileSync(path, "utf8")) as Record<string, MachineCredentials>) ?? {};
    } catch {
      return {};
    }
  };
  return {
    get: (url) => read()[url],
    set(url, credentials) {
      const all = read();
      if (credentials) all[url] = credentials;
      else delete all[url];
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, stringify(all), { mode: 0o600 });
      chmodSync(path, 0o600);
    },
  };
}

/** Fresh credentials for an auto-created CLI machine. */
export function newCliMachine(): MachineCredentials {
  return {
    login: `rampart-cli-${randomBytes(4).toString("hex")}`,
    password: randomBytes(24).toString("base64url"),
  };
}
