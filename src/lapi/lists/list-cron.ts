import { openDb } from "../../db/client";
import { loadConfig } from "../config";
import type { Env } from "../env";
import { FETCH_TIMEOUT_MS, MAX_LIST_BYTES, type SyncResult, syncDueLists } from "./list-sync";

/** The cron trigger's list work: every list whose refresh period has passed is synced. */
export async function runListSyncs(env: Env, now: number): Promise<SyncResult[]> {
  const results = await syncDueLists(
    {
      db: openDb(env.DB),
      fetch: (input, init) => fetch(input, init),
      minPrefix: loadConfig(env).minDecisionPrefix,
      maxBytes: MAX_LIST_BYTES,
      timeoutMs: FETCH_TIMEOUT_MS,
    },
    now,
  );
  for (const r of results) {
    if (r.status === "rejected" || r.status === "failed") {
      console.warn(`list ${r.name}: ${r.status}: ${r.error ?? ""}`);
    }
  }
  return results;
}
