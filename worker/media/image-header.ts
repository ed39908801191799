import type { ImageType } from "../protocol";

// What a picture is and how big, read from its first bytes (never from the client's Content-Type).
// Only the header is read: the pixels are the platform check's business, not ours.

export interface ImageInfo {
  type: ImageType;
  width: number;
  height: number;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return prefix.every((b, i) => bytes[i] === b);
}

const u16be = (b: Uint8Array, i: number) => (b[i] << 8) | b[i + 1];
const u16le = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32be = (b: Uint8Array, i: number) => ((b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3]) >>> 0;

function png(bytes: Uint8Array): ImageInfo | null {
  // The first chunk must be IHDR: length 13, then width and height (big-endian).
  if (bytes.length < 24 || u32be(bytes, 8) !== 13) return null;
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") return null;
  return { type: "image/png", width: u32be(bytes, 16), height: u32be(bytes, 20) };
}

function gif(bytes: Uint8Array): ImageInfo | null {
  if (bytes.length < 10) return null;
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if (magic !== "GIF87a" && magic !== "GIF89a") return null;
  return { type: "image/gif", width: u16le(bytes, 6), height: u16le(bytes, 8) };
}

/** Start-of-frame markers carry the size; C4 (DHT), C8 (JPG) and CC (DAC) do not. */
const isStartOfFrame = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function jpeg(bytes: Uint8Array): ImageInfo | null {
  let i = 2;
  while (i + 4 <= bytes.length) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length: TEM, RSTn, SOI, EOI.
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd9)) {
      i += 2;
      continue;
    }
    const length = u16be(bytes, i + 2);
    if (length < 2) return null;
    if (isStartOfFrame(marker)) {
      if (i + 9 > bytes.length) return null;
      return { type: "image/jpeg", height: u16be(bytes, i + 5), width: u16be(bytes, i + 7) };
    }
    if (marker === 0xda) return null; // scan data before any frame header
    i += 2 + length;
  }
  return null;
}

/** The type and size of a JPEG, PNG or GIF; null for anything else or a header that cannot be read. */
export function readImageHeader(bytes: Uint8Array): ImageInfo | null {
  if (startsWith(bytes, PNG_SIGNATURE)) return png(bytes);
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return jpeg(bytes);
  if (startsWith(bytes, [0x47, 0x49, 0x46, 0x38])) return gif(bytes);
  return null;
}
