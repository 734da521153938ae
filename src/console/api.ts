/**
 * The console's calls to the admin API. The session lives in an HttpOnly cookie the page never
 * sees; writes add the session's CSRF token (kept in memory only) in `X-Rampart-CSRF`.
 */
let csrf = "";

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Called when a request finds no valid session (expired, signed out elsewhere). */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

export async function api<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (method !== "GET") headers["X-Rampart-CSRF"] = csrf;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(`/admin/v1/${path}`, {
    method,
    headers,
    credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    if (res.status === 401) onSignedOut();
    const message = (parsed as { message?: string } | null)?.message ?? `HTTP ${res.status}`;
    throw new ApiFailure(res.status, message);
  }
  return parsed as T;
}

/** Resumes an existing session: true when the cookie is still good. */
export async function resumeSession(): Promise<boolean> {
  try {
    const s = await api<{ csrf_token: string }>("GET", "console/session");
    csrf = s.csrf_token;
    return true;
  } catch {
    return false;
  }
}

export async function signIn(token: string): Promise<void> {
  const s = await api<{ csrf_token: string }>("POST", "console/session", { token });
  csrf = s.csrf_token;
}

export async function signOut(): Promise<void> {
  try {
    await api("DELETE", "console/session");
  } finally {
    csrf = "";
  }
}

/** `?a=1&b=2` from the non-empty entries. */
export function query(params: Record<string, string>): string {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== ""));
  const s = q.toString();
  return s ? `?${s}` : "";
}
