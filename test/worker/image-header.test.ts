import { describe, expect, it } from "vitest";
import { readImageHeader } from "../../worker/media/image-header";
import { png } from "./media-helpers";

/** A baseline JPEG's first segments: SOI, APP0 (JFIF), a DQT, then SOF0 with the size. */
function jpeg(width: number, height: number, frameMarker = 0xc0): Uint8Array {
  const app0 = [0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0];
  const dqt = [0xff, 0xdb, 0x00, 0x04, 0x00, 0x01];
  const sof = [0xff, frameMarker, 0x00, 0x11, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
  return new Uint8Array([0xff, 0xd8, ...app0, 0xff, ...dqt, ...sof, 0xff, 0xd9]);
}

const gif = (width: number, height: number) =>
  new Uint8Array([...new TextEncoder().encode("GIF89a"), width & 255, width >> 8, height & 255, height >> 8, 0, 0, 0]);

describe("readImageHeader", () => {
  it("reads type and size of PNG, JPEG (baseline and progressive, with fill bytes) and GIF", () => {
    expect(readImageHeader(png(1080, 1920))).toEqual({ type: "image/png", width: 1080, height: 1920 });
    expect(readImageHeader(jpeg(4032, 3024))).toEqual({ type: "image/jpeg", width: 4032, height: 3024 });
    expect(readImageHeader(jpeg(640, 480, 0xc2))).toEqual({ type: "image/jpeg", width: 640, height: 480 });
    expect(readImageHeader(gif(320, 200))).toEqual({ type: "image/gif", width: 320, height: 200 });
  });

  it("refuses what is not a picture, or a header cut short", () => {
    for (const bytes of [
      new TextEncoder().encode("<svg xmlns='http://www.w3.org/2000/svg'/>"),
      new TextEncoder().encode("RIFF....WEBPVP8 "),
      new Uint8Array(),
      png(10, 10).slice(0, 20),
      jpeg(10, 10).slice(0, 30),
      new Uint8Array([0xff, 0xd8, 0xff, 0xda, 0x00, 0x02]), // scan before any frame header
      gif(10, 10).slice(0, 8),
    ]) {
      expect(readImageHeader(bytes)).toBeNull();
    }
  });
});
