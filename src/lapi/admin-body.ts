import type { z } from "zod";
import { readBodyText, UNAUTHENTICATED_BODY_LIMIT } from "./body";
import type { AppContext } from "./context";
import { ApiError } from "./errors";

/**
 * Reads a JSON body (plain or gzip, up to `limit` bytes) of one of our own APIs, validated by
 * `schema`; errors are 400 naming the field.
 */
export async function readValidatedJson<T extends z.ZodTypeAny>(
  c: AppContext,
  schema: T,
  limit: number,
): Promise<z.infer<T>> {
  const text = await readBodyText(c, limit);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ApiError("badRequest", `invalid JSON body: ${(e as Error).message}`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join(".")}: ` : "";
    throw new ApiError("badRequest", `${where}${issue.message}`);
  }
  return r.data;
}

/** Reads an admin API body (our own API: zod-validated, errors name the field). */
export function readAdminBody<T extends z.ZodTypeAny>(
  c: AppContext,
  schema: T,
): Promise<z.infer<T>> {
  return readValidatedJson(c, schema, UNAUTHENTICATED_BODY_LIMIT);
}
