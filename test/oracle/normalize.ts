/**
 * Masks what legitimately differs between two LAPIs answering the same client — ids, times,
 * remaining durations, uuids, tokens, temporary paths and ports — so the rest can be diffed.
 *
 * Durations are masked whole because 1.4.6 prints nanoseconds (`3h59m58.710864675s`) while later
 * releases round to seconds (`3h59m59s`); only the sign survives (deleted decisions are
 * negative), and an exact `0s` is kept as is.
 */

/** Literal substitutions applied first (e.g. a LAPI URL with its port → `<lapi>`). */
export type Replacements = ReadonlyArray<readonly [from: string, to: string]>;

const LOG_TIME = /time="[^"]*"/g;
const RFC3339 = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})/g;
// Go's time.Time.String(): `2026-11-21 05:20:01.123 +0000 UTC` (optional monotonic suffix).
const GO_TIME = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d+)? [+-]\d{4} [A-Z]+(?: m=[+-][\d.]+)?/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
// Go time.Duration.String() always ends with a seconds-family unit.
const DURATION = /(?<![\w.:/-])(-?)(?:\d+h)?(?:\d+m)?\d+(?:\.\d+)?(?:s|ms|µs|ns)(?![\w])/g;
const JWT = /\beyJ[\w-]+\.[\w-]+\.[\w-]+/g;
const TMP_PATH = /\/tmp\/rampart-[\w-]+/g;

/** Masks free text (human output, log lines). */
export function normalizeText(text: string, replacements: Replacements = []): string {
  let out = text;
  for (const [from, to] of replacements) out = out.split(from).join(to);
  return out
    .replace(LOG_TIME, 'time="<time>"')
    .replace(RFC3339, "<time>")
    .replace(GO_TIME, "<time>")
    .replace(UUID, "<uuid>")
    .replace(JWT, "<jwt>")
    .replace(TMP_PATH, "<tmp>")
    .replace(DURATION, (m, sign: string) => (m === "0s" ? m : `${sign}<duration>`));
}

const TIME_KEYS = new Set([
  "created_at",
  "updated_at",
  "start_at",
  "stop_at",
  "timestamp",
  "expire",
  "until",
  "last_push",
  "last_heartbeat",
  "last_pull",
]);

/**
 * Masks a parsed JSON value by key: `id` numbers, time fields, `duration` (sign kept), `uuid`,
 * `token`. Other strings only get the literal replacements and the temp-path mask.
 */
export function normalizeJson(value: unknown, replacements: Replacements = []): unknown {
  if (Array.isArray(value)) return value.map((v) => normalizeJson(v, replacements));
  if (typeof value === "string") {
    let out = value;
    for (const [from, to] of replacements) out = out.split(from).join(to);
    return out.replace(TMP_PATH, "<tmp>");
  }
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === "id" && (typeof v === "number" || typeof v === "string")) out[key] = "<id>";
    else if (TIME_KEYS.has(key) && typeof v === "string") out[key] = "<time>";
    else if (key === "duration" && typeof v === "string") {
      out[key] = maskDuration(v);
    } else if (key === "uuid" && typeof v === "string") out[key] = "<uuid>";
    else if (key === "token" && typeof v === "string") out[key] = "<jwt>";
    else out[key] = normalizeJson(v, replacements);
  }
  return out;
}

/** Keeps the sign, and an exact zero (`0s` is neither a live nor an expired decision). */
function maskDuration(value: string): string {
  if (value === "0s") return value;
  return value.startsWith("-") ? "-<duration>" : "<duration>";
}

/**
 * Output fields later releases add and 1.4.6 never sends (docs/compatibility.md); 1.4.6 clients
 * ignore them.
 */
const LATER_RELEASE_FIELDS = new Set(["uuid", "remediation", "kind"]);

/**
 * Drops the fields of {@link LATER_RELEASE_FIELDS} everywhere in a JSON value, so that a LAPI
 * serving both client generations compares equal to 1.4.6 on everything else.
 */
export function withoutLaterReleaseFields(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLaterReleaseFields);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>)
      .filter(([key]) => !LATER_RELEASE_FIELDS.has(key))
      .map(([key, v]) => [key, withoutLaterReleaseFields(v)]),
  );
}

const ID_HEADERS = new Set(["id", "alert id"]);

/**
 * Masks a block of cscli human output. ASCII tables are rebuilt cell by cell so column widths
 * (which follow the longest masked value) do not matter; id columns become `<id>`.
 */
export function normalizeHuman(text: string, replacements: Replacements = []): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let idColumns: Set<number> | null = null;
  for (const line of lines) {
    const trimmed = line.trim();
    if (/^\+[-+]+\+$/.test(trimmed)) {
      out.push(`+${"-+".repeat(trimmed.split("+").length - 2)}`);
      continue;
    }
    if (trimmed.startsWith("|") && trimmed.endsWith("|")) {
      const cells = trimmed
        .slice(1, -1)
        .split("|")
        .map((c) => c.trim());
      if (idColumns === null) {
        // First row after a border is the header; remember which columns hold ids.
        idColumns = new Set(cells.flatMap((c, i) => (ID_HEADERS.has(c.toLowerCase()) ? [i] : [])));
        out.push(`| ${cells.join(" | ")} |`);
      } else {
        const masked = cells.map((c, i) =>
          idColumns?.has(i) && /^\d+$/.test(c) ? "<id>" : normalizeText(sortTally(c), replacements),
        );
        out.push(`| ${masked.join(" | ")} |`);
      }
      continue;
    }
    idColumns = null;
    // `cscli alerts inspect`: ` - ID         : 12`.
    const labelled = line.replace(/^(\s*- ID\s*:\s*)\d+\s*$/, "$1<id>");
    out.push(normalizeText(labelled, replacements).replace(/[ \t]+$/, ""));
  }
  return out.join("\n");
}

/**
 * cscli's per-alert decision tally (`ban:3334 captcha:3333`) is built from a Go map, whose
 * iteration order is random: sort its tokens.
 */
function sortTally(cell: string): string {
  return /^\S+:\d+(?: \S+:\d+)+$/.test(cell) ? cell.split(" ").sort().join(" ") : cell;
}

/** Masks cscli stdout: parsed and key-masked when it is JSON, table-aware text otherwise. */
export function normalizeCscliStdout(stdout: string, replacements: Replacements = []): string {
  const trimmed = stdout.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{") || trimmed === "null") {
    try {
      return JSON.stringify(normalizeJson(JSON.parse(trimmed), replacements), null, 1);
    } catch {
      // Not JSON after all (e.g. a table starting with `[`): fall through to text.
    }
  }
  return normalizeHuman(stdout, replacements);
}
