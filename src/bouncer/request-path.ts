/**
 * One canonical form of a request path, computed once per request, that both the remediation
 * rules and the origin see: a rule protecting `/admin` must hold for `//admin`, `/%61dmin`,
 * `/x/../admin` and (unless the rule is case-sensitive) `/Admin`, and the origin must receive the
 * path the rules judged, on the origin's own host — never a host taken from the path
 * (`///127.0.0.1:8394/steal`, `/\host/`).
 *
 * The WHATWG URL parser has already turned `\` into `/` and resolved `.`/`..` segments (also
 * spelt `%2e`). On top of that: percent-encoded unreserved characters (RFC 3986 §2.3) are decoded,
 * other percent-encodings get upper-case hex (§6.2.2.1), empty segments (`//`) collapse, and dot
 * segments are resolved again on the result. Reserved characters (`%2F`, `%3F`…) stay encoded: a
 * decoded `%2F` would be a separator the client did not send.
 */

const UNRESERVED = /[A-Za-z0-9\-._~]/;

function normalizeEncodings(path: string): string {
  return path.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => {
    const ch = String.fromCharCode(Number.parseInt(hex, 16));
    return UNRESERVED.test(ch) ? ch : `%${hex.toUpperCase()}`;
  });
}

function resolveSegments(path: string): string {
  const out: string[] = [];
  const segments = path.split("/").slice(1);
  segments.forEach((segment, i) => {
    const last = i === segments.length - 1;
    if (segment === "..") {
      out.pop();
      if (last) out.push("");
    } else if (segment === ".") {
      if (last) out.push("");
    } else if (segment !== "" || last) {
      out.push(segment);
    }
  });
  return `/${out.join("/")}`;
}

/** The canonical form of a parsed URL's `pathname` (always starts with one `/`). */
export function canonicalPath(pathname: string): string {
  return resolveSegments(normalizeEncodings(pathname.startsWith("/") ? pathname : `/${pathname}`));
}

/**
 * The URL a request is forwarded to: `origin` (ORIGIN_URL, a base with a trailing `/`) or the
 * request's own origin, its base path, the canonical path, the query. The host comes from the
 * base only; a path cannot name another one.
 */
export function forwardUrl(request: URL, path: string, origin: string | null): URL {
  const target = new URL(origin ?? request.origin);
  const base = target.pathname.endsWith("/") ? target.pathname : `${target.pathname}/`;
  target.pathname = `${base}${path.slice(1)}`;
  target.search = request.search;
  target.hash = "";
  return target;
}
