import { z } from "zod";

/**
 * The item kinds Rampart manages: 1.4.6's four plus the current hub's `contexts` (alert context
 * keys, plain files the console reads). Collections stay last, as cscli scans them.
 */
export const HUB_ITEM_TYPES = [
  "parsers",
  "postoverflows",
  "scenarios",
  "contexts",
  "collections",
] as const;
export type HubItemType = (typeof HUB_ITEM_TYPES)[number];

/** The current hub's AppSec kinds: recognised (so a name or a collection member is not "unknown"), never installed. */
export const APPSEC_ITEM_TYPES = ["appsec-rules", "appsec-configs"] as const;
export type AppsecItemType = (typeof APPSEC_ITEM_TYPES)[number];

/**
 * Item kinds a current hub index lists that the engine recognises but does not load, with the
 * reason the load report gives: AppSec (the WAF component: rules and configs) and alert contexts
 * (installed by the CLI, not sent with alerts). Collections may list them; they are skipped with a
 * note, never a load failure.
 */
export const SKIPPED_ITEM_TYPES = {
  "appsec-rules": "AppSec (WAF) is not supported",
  "appsec-configs": "AppSec (WAF) is not supported",
  contexts: "alert context is not sent with alerts",
} as const;
export type SkippedItemType = keyof typeof SKIPPED_ITEM_TYPES;
const SKIPPED_TYPES = Object.keys(SKIPPED_ITEM_TYPES) as SkippedItemType[];

/** An index item or collection member of a kind the engine skips. */
export interface SkippedItem {
  type: SkippedItemType;
  name: string;
  /** The collection that lists it, or `(index)` for the index listing itself. */
  requiredBy: string;
}

const versionSchema = z
  .object({ digest: z.string(), deprecated: z.boolean().optional() })
  .passthrough();

const itemSchema = z
  .object({
    path: z.string(),
    stage: z.string().optional(),
    version: z.string().optional(),
    versions: z.record(versionSchema).optional(),
    description: z.string().optional(),
    author: z.string().optional(),
    parsers: z.array(z.string()).nullish(),
    postoverflows: z.array(z.string()).nullish(),
    scenarios: z.array(z.string()).nullish(),
    collections: z.array(z.string()).nullish(),
    contexts: z.array(z.string()).nullish(),
    "appsec-rules": z.array(z.string()).nullish(),
    "appsec-configs": z.array(z.string()).nullish(),
  })
  .passthrough();

const indexSchema = z
  .object({
    parsers: z.record(itemSchema).default({}),
    postoverflows: z.record(itemSchema).default({}),
    scenarios: z.record(itemSchema).default({}),
    collections: z.record(itemSchema).default({}),
    contexts: z.record(itemSchema).default({}),
    "appsec-rules": z.record(itemSchema).default({}),
    "appsec-configs": z.record(itemSchema).default({}),
  })
  .passthrough();

/** One hub item as listed by `.index.json`. */
export interface HubItem {
  type: HubItemType;
  /** `author/name`. */
  name: string;
  /** Path relative to the hub root, e.g. `parsers/s01-parse/crowdsecurity/sshd-logs.yaml`. */
  path: string;
  /** Parser / postoverflow stage (`s00-raw`…); "" for scenarios and collections. */
  stage: string;
  version: string;
  /** sha256 the index lists for the latest version (absent or "" when it lists none). */
  digest?: string;
  /** Every version the index lists → its sha256 (how cscli tells a file's version, or a taint). */
  versions?: Record<string, string>;
  /** Members, for collections only. */
  members: Record<Exclude<HubItemType, "contexts">, string[]> & { contexts?: string[] };
  /** AppSec members of a collection (recognised, not installed by Rampart). */
  appsecMembers?: { type: AppsecItemType; name: string }[];
  /** Members of kinds the engine skips (AppSec rules and configs, contexts), for collections. */
  skippedMembers?: Partial<Record<SkippedItemType, string[]>>;
}

/** The parsed `.index.json`: item type → name → item, plus the AppSec names it lists. */
export type HubIndex = Record<HubItemType, Map<string, HubItem>> & {
  appsec?: Map<string, AppsecItemType>;
  /** Names of the kinds the engine skips, for the load report. */
  skipped?: Partial<Record<SkippedItemType, string[]>>;
};

/** Parses a hub `.index.json` text. Throws with the zod path on a malformed index. */
export function parseHubIndex(text: string): HubIndex {
  const raw = indexSchema.parse(JSON.parse(text));
  const index = {
    appsec: new Map(),
    skipped: Object.fromEntries(SKIPPED_TYPES.map((type) => [type, Object.keys(raw[type])])),
  } as HubIndex;
  for (const type of APPSEC_ITEM_TYPES) {
    for (const name of Object.keys(raw[type])) index.appsec!.set(name, type);
  }
  for (const type of HUB_ITEM_TYPES) {
    const items = new Map<string, HubItem>();
    for (const [name, item] of Object.entries(raw[type])) {
      items.set(name, {
        type,
        name,
        path: item.path,
        stage: item.stage ?? stageFromPath(item.path),
        version: item.version ?? "",
        digest: item.versions?.[item.version ?? ""]?.digest ?? "",
        versions: Object.fromEntries(
          Object.entries(item.versions ?? {}).map(([v, { digest }]) => [v, digest]),
        ),
        members: {
          parsers: item.parsers ?? [],
          postoverflows: item.postoverflows ?? [],
          scenarios: item.scenarios ?? [],
          contexts: item.contexts ?? [],
          collections: item.collections ?? [],
        },
        appsecMembers: APPSEC_ITEM_TYPES.flatMap((t) =>
          (item[t] ?? []).map((name) => ({ type: t, name })),
        ),
        skippedMembers: Object.fromEntries(
          SKIPPED_TYPES.map((t) => [t, item[t] ?? []]),
        ) as HubItem["skippedMembers"],
      });
    }
    index[type] = items;
  }
  return index;
}

/** `parsers/<stage>/<author>/<file>` → `<stage>`; other layouts → "". */
export function stageFromPath(path: string): string {
  const parts = path.split("/");
  if ((parts[0] === "parsers" || parts[0] === "postoverflows") && parts.length >= 3) {
    return parts[1] ?? "";
  }
  return "";
}

/** Outcome of resolving collections: the items to install, and members that do not exist. */
export interface ResolvedItems {
  parsers: HubItem[];
  postoverflows: HubItem[];
  scenarios: HubItem[];
  contexts: HubItem[];
  collections: HubItem[];
  missing: { type: HubItemType; name: string; requiredBy: string }[];
  /** Members of kinds Rampart skips (AppSec, contexts), reported with a note. */
  skipped: SkippedItem[];
}

/**
 * Resolves collections to their members recursively, like `cscli collections install` does
 * (a missing member is reported, not fatal here). Each item appears once, in discovery order.
 */
export function resolveCollections(index: HubIndex, names: readonly string[]): ResolvedItems {
  const out: ResolvedItems = {
    parsers: [],
    postoverflows: [],
    scenarios: [],
    contexts: [],
    collections: [],
    missing: [],
    skipped: [],
  };
  const seen = new Set<string>();
  const visit = (type: HubItemType, name: string, requiredBy: string) => {
    const key = `${type}:${name}`;
    if (seen.has(key)) return;
    seen.add(key);
    const item = index[type].get(name);
    if (!item) {
      out.missing.push({ type, name, requiredBy });
      return;
    }
    out[type].push(item);
    if (type !== "collections") return;
    for (const member of HUB_ITEM_TYPES) {
      for (const child of item.members[member] ?? []) visit(member, child, name);
    }
    for (const kind of SKIPPED_TYPES) {
      for (const child of item.skippedMembers?.[kind] ?? []) {
        out.skipped.push({ type: kind, name: child, requiredBy: name });
      }
    }
  };
  for (const name of names) visit("collections", name, "(requested)");
  return out;
}

/**
 * Orders items as CrowdSec loads installed files: ascending by installed path
 * (`<type>/<stage>/<basename>`), so inside a stage nodes run in file-name order.
 */
export function installedPath(item: HubItem): string {
  const base = item.path.split("/").pop() ?? item.path;
  return item.stage ? `${item.type}/${item.stage}/${base}` : `${item.type}/${base}`;
}

/** Sorts items by installed path (Go `filepath.Glob`/`ReadDir` order: byte-wise ascending). */
export function sortByInstalledPath(items: readonly HubItem[]): HubItem[] {
  return [...items].sort((a, b) => {
    const pa = installedPath(a);
    const pb = installedPath(b);
    return pa < pb ? -1 : pa > pb ? 1 : 0;
  });
}
