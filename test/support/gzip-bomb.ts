import { constants, crc32, deflateRawSync } from "node:zlib";

const MiB = 1024 * 1024;

/**
 * A valid gzip member inflating to `mib` MiB of zeros, built in milliseconds: one 1 MiB deflate
 * segment (fresh dictionary, byte-aligned by a full flush) repeated, then the final block and the
 * trailer. Compressing 1 GiB for real takes seconds; the repeat is the same bytes a compressor
 * emits. About 1 KiB per MiB: a 1 GiB bomb is ~1 MB on the wire.
 */
export function gzipBomb(mib: number): Buffer {
  const segment = deflateRawSync(Buffer.alloc(MiB), {
    level: 9,
    finishFlush: constants.Z_FULL_FLUSH,
  });
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
  const last = deflateRawSync(Buffer.alloc(0));
  let crc = 0;
  const zero = Buffer.alloc(MiB);
  for (let i = 0; i < mib; i++) crc = crc32(zero, crc);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE((mib * MiB) >>> 0, 4);
  return Buffer.concat([header, ...Array.from({ length: mib }, () => segment), last, trailer]);
}
