/**
 * The common face of a LAPI under test — the real CrowdSec 1.4.6 LAPI or Rampart under
 * `wrangler dev` — so that one e2e scenario runs unchanged against both.
 *
 * Machine and bouncer management is not part of LAPI v1: the real LAPI does it through `cscli`
 * writing the database, Rampart through its `/admin/v1` API.
 */
export interface LapiTarget {
  /** `crowdsec` (the oracle) or `rampart`. */
  readonly kind: "crowdsec" | "rampart";
  /** Base URL with a trailing slash, as clients expect it (`http://127.0.0.1:<port>/`). */
  readonly url: string;
  /** The HS256 key machine JWTs are signed with (CrowdSec `CS_LAPI_SECRET`, Rampart `JWT_SECRET`). */
  readonly jwtSecret: string;
  /** Creates a validated machine (like `cscli machines add`). */
  addMachine(machineId: string, password: string): Promise<void>;
  /** Validates a machine created through `POST /v1/watchers` (like `cscli machines validate`). */
  validateMachine(machineId: string): Promise<void>;
  /** Machine ids with their validation flag. */
  listMachines(): Promise<{ machineId: string; isValidated: boolean }[]>;
  deleteMachine(machineId: string): Promise<void>;
  /** Creates a bouncer and returns its raw API key (`key` forces a given key). */
  addBouncer(name: string, key?: string): Promise<string>;
  deleteBouncer(name: string): Promise<void>;
  /** Server output so far, for failure diagnostics. */
  logs(): string;
  /** Stops the server and removes its temporary files. */
  stop(): Promise<void>;
}

/** A random alphanumeric secret of `length` characters (JWT secrets, passwords). */
export function randomSecret(length: number): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join("");
}
