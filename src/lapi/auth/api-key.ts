/** Lowercase hex SHA-512 of a raw API key: what CrowdSec stores in `bouncers.api_key`. */
export async function hashApiKey(key: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-512", new TextEncoder().encode(key));
  let out = "";
  for (const b of new Uint8Array(digest)) out += b.toString(16).padStart(2, "0");
  return out;
}

/** A new random key: 32 random bytes, base64 without padding (cscli 1.5+ format). */
export function generateApiKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return btoa(String.fromCharCode(...bytes)).replace(/=+$/, "");
}

/** Strips trailing `@<ip>` segments of auto-created bouncer names. */
export function baseBouncerName(name: string): string {
  const at = name.indexOf("@");
  return at === -1 ? name : name.slice(0, at);
}
