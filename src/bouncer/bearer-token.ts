/**
 * Whether `header` is `Bearer <token>`, compared in constant time: the comparison's duration
 * tells nothing about how many leading characters were right. Both sides are hashed first, so
 * lengths never differ (`timingSafeEqual` needs equal lengths) and the token's length is not
 * revealed either.
 */
export async function bearerMatches(header: string | null, token: string): Promise<boolean> {
  const enc = new TextEncoder();
  const [given, wanted] = await Promise.all([
    crypto.subtle.digest("SHA-256", enc.encode(header ?? "")),
    crypto.subtle.digest("SHA-256", enc.encode(`Bearer ${token}`)),
  ]);
  return crypto.subtle.timingSafeEqual(given, wanted);
}
