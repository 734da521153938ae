import type { Db } from "../../db/client";
import {
  type ConfigDocumentKind,
  configDocumentVersions,
  getConfigDocument,
} from "../../db/config-documents";
import {
  type CompiledProfiles,
  compileProfiles,
  DEFAULT_PROFILES_YAML,
  formatIssue,
} from "../../engine/profiles";
import { ApiError } from "../errors";
import { type CompiledNotifier, compileNotifiers } from "../notifications/notifier-config";

/** What storing alerts needs: the profiles and the notifiers they may name. */
export interface ActiveProfiles {
  profiles: CompiledProfiles;
  notifiers: Map<string, CompiledNotifier>;
}

function compileOrThrow<T>(
  kind: ConfigDocumentKind,
  r: { ok: true; value: T } | { ok: false; issue: Parameters<typeof formatIssue>[0] },
): T {
  // Documents are validated before they are stored; this only fires if a newer Rampart
  // refuses what an older one accepted. Failing the request (retryable 500) beats guessing.
  if (!r.ok)
    throw new ApiError("serverError", `stored ${kind} are invalid: ${formatIssue(r.issue)}`);
  return r.value;
}

/**
 * Per-isolate copy of the compiled profiles and notifiers, keyed by the stored rows'
 * `updated_at`: each use costs one small query, and a document is recompiled only after it
 * changed (in any isolate). No stored row → the built-in default profiles and no notifiers.
 */
export class ProfileCache {
  private profiles: { version: number; value: CompiledProfiles } | null = null;
  private notifiers: { version: number; value: Map<string, CompiledNotifier> } | null = null;

  async load(db: Db): Promise<ActiveProfiles> {
    const versions = await configDocumentVersions(db);
    const pv = versions.profiles ?? 0;
    const nv = versions.notifications ?? 0;
    if (this.profiles?.version !== pv) {
      const text =
        pv === 0 ? DEFAULT_PROFILES_YAML : (await getConfigDocument(db, "profiles"))?.content;
      this.profiles = {
        version: pv,
        value: compileOrThrow("profiles", compileProfiles(text ?? DEFAULT_PROFILES_YAML)),
      };
    }
    if (this.notifiers?.version !== nv) {
      const text = nv === 0 ? "" : ((await getConfigDocument(db, "notifications"))?.content ?? "");
      this.notifiers = {
        version: nv,
        value: compileOrThrow("notifications", compileNotifiers(text)),
      };
    }
    return { profiles: this.profiles.value, notifiers: this.notifiers.value };
  }
}
