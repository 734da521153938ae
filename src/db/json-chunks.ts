/**
 * Size of one JSON parameter. D1 caps a bound value at 2 MB; a 10,000-decision import is about
 * 1.3 MB of JSON, so rows are split into several statements of the same batch.
 */
const JSON_CHUNK_BYTES = 512 * 1024;

/** Rows as JSON arrays for `json_each(?)`, split so each bound value stays under D1's cap. */
export function chunkJsonRows(rows: readonly unknown[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const row of rows) {
    const json = JSON.stringify(row);
    if (size + json.length > JSON_CHUNK_BYTES && current.length > 0) {
      chunks.push(`[${current.join(",")}]`);
      current = [];
      size = 0;
    }
    current.push(json);
    size += json.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(",")}]`);
  return chunks;
}
