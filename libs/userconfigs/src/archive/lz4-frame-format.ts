// Constants of the LZ4 frame format (lz4/doc/lz4_Frame_format.md), shared by encoder and decoder.
export const LZ4_FRAME_MAGIC = 0x184d2204;
export const LZ4_SKIPPABLE_MASK = 0xfffffff0;
export const LZ4_SKIPPABLE_MAGIC = 0x184d2a50;
export const LZ4_MAGIC_BYTES = Buffer.from([0x04, 0x22, 0x4d, 0x18]);
export const UNCOMPRESSED_BIT = 0x80000000;
/** The block-linking window: a dependent block may reference the previous 64 KB of output. */
export const LZ4_WINDOW = 64 * 1024;

export const FLG_VERSION_MASK = 0xc0;
export const FLG_VERSION_01 = 0x40;
export const FLG_BLOCK_INDEPENDENT = 0x20;
export const FLG_BLOCK_CHECKSUM = 0x10;
export const FLG_CONTENT_SIZE = 0x08;
export const FLG_CONTENT_CHECKSUM = 0x04;
export const FLG_RESERVED = 0x02;
export const FLG_DICT_ID = 0x01;

export type Lz4BlockSize = 64 | 256 | 1024 | 4096;

const BLOCK_SIZE_IDS: Record<number, number> = { 4: 64, 5: 256, 6: 1024, 7: 4096 };

export function blockSizeId(kib: Lz4BlockSize): number {
  return Number(Object.keys(BLOCK_SIZE_IDS).find((id) => BLOCK_SIZE_IDS[Number(id)] === kib));
}

/** Bytes for a BD byte's block-size id, or undefined for an invalid id. */
export function blockSizeBytes(id: number): number | undefined {
  const kib = BLOCK_SIZE_IDS[id];
  return kib === undefined ? undefined : kib * 1024;
}
