/**
 * The remote hub as current cscli reaches it (crowdsecurity/crowdsec `pkg/cwhub/remote.go`,
 * `pkg/hubops/download.go`): the index at `<hub url>/<branch>/.index.json`, an item at
 * `<hub url>/<branch>/<index path>` checked against the sha256 of its latest version, data files
 * from their `source_url` (or `<data url>/<path of source_url>` when a data mirror is set), and
 * CrowdSec's grok patterns from `<patterns url>/<file>`. Plain `fetch`; every failure is one
 * `CliError` line naming the URL.
 */
import { CliError, EXIT } from "../cli-error.js";
import type { CliConfig } from "../config.js";

/** Where the hub, its data files and the grok patterns come from. */
export interface HubRemote {
  /** Base URL, ending in `/`; the branch comes after it. */
  hubUrl: string;
  hubBranch: string;
  /** Base URL of a data mirror, ending in `/`; unset = each file's own `source_url`. */
  hubDataUrl?: string;
  /** Base URL of the patterns directory, ending in `/`. */
  patternsUrl: string;
}

/** The remote part of a CLI configuration. */
export function hubRemoteOf(
  config: Pick<CliConfig, "hubUrl" | "hubBranch" | "hubDataUrl" | "patternsUrl">,
): HubRemote {
  return {
    hubUrl: config.hubUrl,
    hubBranch: config.hubBranch,
    ...(config.hubDataUrl ? { hubDataUrl: config.hubDataUrl } : {}),
    patternsUrl: config.patternsUrl,
  };
}

/** `<hub url>/<branch>/<path>`. */
export function hubFileUrl(remote: HubRemote, path: string): string {
  return new URL(`${encodeURIComponent(remote.hubBranch)}/${encodePath(path)}`, remote.hubUrl).href;
}

/** Where a data file is fetched from: its `source_url`, or the mirror with the same path. */
export function dataFileUrl(remote: HubRemote, sourceUrl: string): string {
  let source: URL;
  try {
    source = new URL(sourceUrl);
  } catch {
    throw new CliError(`invalid data source_url '${sourceUrl}'`, EXIT.failure);
  }
  if (!remote.hubDataUrl) return source.href;
  return new URL(source.pathname.replace(/^\/+/, ""), remote.hubDataUrl).href;
}

/** `<patterns url>/<file>`. */
export function patternFileUrl(remote: HubRemote, name: string): string {
  return new URL(encodePath(name), remote.patternsUrl).href;
}

function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** Per-request time limit: the index is ~10 MB, data files a few MB. */
const TIMEOUT_MS = 120_000;

function reasonOf(error: unknown): string {
  if (error instanceof Error && error.name === "TimeoutError") return "timed out";
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return error instanceof Error ? error.message : String(error);
}

/**
 * GETs `url` and returns its body. A network error or a non-2xx answer is one `CliError`
 * (exit 4, "unreachable", like a LAPI that does not answer).
 */
export async function download(url: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url, {
      redirect: "follow",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: { "user-agent": "rampart/0.1.0" },
    });
  } catch (error) {
    throw new CliError(`cannot download ${url}: ${reasonOf(error)}`, EXIT.unreachable);
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new CliError(
      `cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trimEnd(),
      EXIT.unreachable,
    );
  }
  try {
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    throw new CliError(`cannot download ${url}: ${reasonOf(error)}`, EXIT.unreachable);
  }
}
