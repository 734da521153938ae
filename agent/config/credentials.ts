/**
 * The LAPI credentials file, in CrowdSec's `local_api_credentials.yaml` format (what
 * `cscli machines add --auto` writes): `url` plus either `login`/`password` or a client
 * certificate (`cert_path` + `key_path`, optional `ca_cert_path`), as CrowdSec 1.4.6's
 * `ApiCredentialsCfg` reads it.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { ConfigError, parseYamlDocuments } from "./config-error.js";

const credentialsSchema = z
  .object({
    url: z.string().url(),
    login: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    ca_cert_path: z.string().min(1).optional(),
    cert_path: z.string().min(1).optional(),
    key_path: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.login !== undefined && c.password === undefined) {
      ctx.addIssue({ code: "custom", path: ["password"], message: "login without password" });
    }
    if ((c.cert_path === undefined) !== (c.key_path === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [c.cert_path === undefined ? "cert_path" : "key_path"],
        message: "a client certificate needs both cert_path and key_path",
      });
    }
    if (c.login === undefined && c.cert_path === undefined) {
      ctx.addIssue({
        code: "custom",
        path: [],
        message: "neither login/password nor cert_path/key_path: the agent cannot authenticate",
      });
    }
  });

/** How the agent authenticates to the LAPI. */
export type LapiAuth =
  | { kind: "password"; login: string; password: string }
  | { kind: "certificate"; certPath: string; keyPath: string };

/** The compiled credentials: absolute paths, one auth method (a certificate wins, as in 1.4.6). */
export interface LapiCredentials {
  url: string;
  auth: LapiAuth;
  caCertPath: string | null;
}

/** Reads and validates the credentials file at `file`. */
export function loadCredentials(file: string): LapiCredentials {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new ConfigError(file, "", `cannot read credentials file: ${(error as Error).message}`);
  }
  const [doc] = parseYamlDocuments(text, file);
  if (!doc) throw new ConfigError(file, "", "empty credentials file");
  const parsed = credentialsSchema.safeParse(doc.value);
  if (!parsed.success) throw doc.zodError(parsed.error);
  const c = parsed.data;
  const base = dirname(file);
  const auth: LapiAuth =
    c.cert_path !== undefined && c.key_path !== undefined
      ? {
          kind: "certificate",
          certPath: resolve(base, c.cert_path),
          keyPath: resolve(base, c.key_path),
        }
      : { kind: "password", login: c.login!, password: c.password! };
  return {
    url: c.url,
    auth,
    caCertPath: c.ca_cert_path === undefined ? null : resolve(base, c.ca_cert_path),
  };
}
