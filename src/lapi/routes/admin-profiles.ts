import { z } from "zod";
import {
  type ConfigDocumentKind,
  deleteConfigDocument,
  getConfigDocument,
  putConfigDocument,
} from "../../db/config-documents";
import {
  type ConfigResult,
  compileProfiles,
  DEFAULT_PROFILES_YAML,
  formatIssue,
} from "../../engine/profiles";
import { readAdminBody } from "../admin-body";
import { readBodyText, UNAUTHENTICATED_BODY_LIMIT } from "../body";
import type { AppContext } from "../context";
import { ApiError, jsonResponse } from "../errors";
import { compileNotifiers } from "../notifications/notifier-config";
import type { RouteDef } from "../route-def";

/**
 * Admin API for the LAPI's `profiles.yaml` and notifier configurations: what an operator edits
 * in `/etc/crowdsec/` and reloads with a restart in CrowdSec, stored in D1 here and used by the
 * next alert of every isolate. PUT bodies are the YAML text itself (or JSON `{"content": …}`);
 * GET answers JSON with the text in `content`. A document is validated
 * completely (YAML, keys, durations, expressions, templates) before anything is stored; a
 * refusal is a 400 naming the document number, key and reason.
 */

interface DocumentKind {
  kind: ConfigDocumentKind;
  /** Text served while nothing is stored. */
  fallback: string;
  validate: (text: string) => ConfigResult<unknown>;
  /** How many items a valid text holds (for the PUT answer). */
  count: (text: string) => number;
}

const KINDS: Record<ConfigDocumentKind, DocumentKind> = {
  profiles: {
    kind: "profiles",
    fallback: DEFAULT_PROFILES_YAML,
    validate: compileProfiles,
    count: (t) => {
      const r = compileProfiles(t);
      return r.ok ? r.value.profiles.length : 0;
    },
  },
  notifications: {
    kind: "notifications",
    fallback: "",
    validate: compileNotifiers,
    count: (t) => {
      const r = compileNotifiers(t);
      return r.ok ? r.value.size : 0;
    },
  },
};

function show(k: DocumentKind) {
  return async (c: AppContext): Promise<Response> => {
    const doc = await getConfigDocument(c.var.db, k.kind);
    return jsonResponse({
      kind: k.kind,
      source: doc ? "stored" : "default",
      updated_at: doc?.updatedAt ?? null,
      content: doc?.content ?? k.fallback,
    });
  };
}

/** JSON clients (the CLI) send `{"content": "<yaml>"}`; anything else is the YAML itself. */
const jsonBody = z.object({ content: z.string() }).strict();

async function documentText(c: AppContext): Promise<string> {
  if (!(c.req.header("Content-Type") ?? "").includes("application/json")) {
    return readBodyText(c, UNAUTHENTICATED_BODY_LIMIT);
  }
  return (await readAdminBody(c, jsonBody)).content;
}

/**
 * Notifier names the profiles in force use but no stored notifier defines. Profiles may name
 * notifiers uploaded later, so this is a warning in the answer, not a refusal; delivery skips
 * and logs unknown names.
 */
async function unknownNotifiers(c: AppContext): Promise<string[]> {
  const [profiles, notifiers] = await Promise.all([
    getConfigDocument(c.var.db, "profiles"),
    getConfigDocument(c.var.db, "notifications"),
  ]);
  const used = compileProfiles(profiles?.content ?? DEFAULT_PROFILES_YAML);
  const defined = compileNotifiers(notifiers?.content ?? "");
  if (!used.ok || !defined.ok) return [];
  return [...used.value.notifiers].filter((n) => !defined.value.has(n)).sort();
}

function put(k: DocumentKind) {
  return async (c: AppContext): Promise<Response> => {
    const text = await documentText(c);
    const r = k.validate(text);
    if (!r.ok) throw new ApiError("badRequest", `${k.kind}: ${formatIssue(r.issue)}`);
    const doc = await putConfigDocument(c.var.db, k.kind, text, "admin", Date.now());
    return jsonResponse({
      kind: k.kind,
      items: k.count(text),
      updated_at: doc.updatedAt,
      unknown_notifiers: await unknownNotifiers(c),
    });
  };
}

function remove(k: DocumentKind) {
  return async (c: AppContext): Promise<Response> => {
    const deleted = await deleteConfigDocument(c.var.db, k.kind);
    return jsonResponse({ kind: k.kind, deleted });
  };
}

function routesOf(k: DocumentKind, what: string): RouteDef[] {
  const path = `/admin/v1/${k.kind}`;
  return [
    {
      method: "GET",
      path,
      auth: "admin",
      handler: show(k),
      doc: {
        summary: `The ${what} in force: {kind, source: stored|default, updated_at, content (YAML)}`,
      },
    },
    {
      method: "PUT",
      path,
      auth: "admin",
      handler: put(k),
      doc: {
        summary: `Replace the ${what} with the YAML text of the body (or JSON {content}), validated completely first; 400 names the document, key and reason and stores nothing`,
        body: jsonBody,
        success: {
          status: 200,
          description:
            "{kind, items, updated_at, unknown_notifiers (named by profiles, not configured)}",
        },
      },
    },
    {
      method: "DELETE",
      path,
      auth: "admin",
      handler: remove(k),
      doc: {
        summary: `Delete the stored ${what} (back to the built-in default)`,
        success: { status: 200, description: "{kind, deleted}" },
      },
    },
  ];
}

export const adminProfileRoutes: RouteDef[] = [
  ...routesOf(KINDS.profiles, "profiles (profiles.yaml)"),
  ...routesOf(KINDS.notifications, "notifier configurations (http notifiers, one per document)"),
];
