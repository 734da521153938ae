import type { z } from "zod";
import { readBodyText, UNAUTHENTICATED_BODY_LIMIT } from "./body";
import type { AppContext } from "./context";
import { ApiError } from "./errors";

/** Reads an admin API body (our own API: zod-validated, errors name the field). */
export async function readAdminBody<T extends z.ZodTypeAny>(
  c: AppContext,
  schema: T,
): Promise<z.infer<T>> {
  const text = await readBodyText(c, UNAUTHENTICATED_BODY_LIMIT);
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
