/** Go int64 bounds, for `strconv.Atoi` on 64-bit platforms. */
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * A path id parsed like CrowdSec's `strconv.Atoi(gctx.Param(...))`: optional sign, decimal
 * digits, within int64. `text` is Go's `%d` rendering (`+007` → `7`) for error messages; ids
 * beyond JS's safe integers can exist in no table, so `value` only has to stay unmatched.
 */
export function parseGoId(v: string): { value: number; text: string } | null {
  if (!/^[+-]?\d+$/.test(v)) return null;
  const big = BigInt(v);
  if (big < INT64_MIN || big > INT64_MAX) return null;
  const safe = big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
  return { value: safe ? Number(big) : -1, text: big.toString() };
}
