import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../worker/lib/base64url";
import { randomId, timeOrderedId } from "../../worker/lib/random-id";

describe("base64url", () => {
  it("encodes every length like the standard base64url without padding, and decodes back", () => {
    for (let length = 0; length <= 40; length++) {
      const bytes = new Uint8Array(randomBytes(length));
      const text = toBase64Url(bytes);
      expect(text).toBe(Buffer.from(bytes).toString("base64url"));
      if (length > 0) expect(fromBase64Url(text)).toEqual(bytes);
    }
    expect(toBase64Url(new Uint8Array([0xfb, 0xff, 0xfe]))).toBe("-__-");
  });

  it("refuses text outside the alphabet", () => {
    expect(fromBase64Url("ab+c")).toBeNull();
    expect(fromBase64Url("")).toBeNull();
  });
});

describe("randomId", () => {
  it("gives 22-character ids that do not repeat across many pool refills", () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5000; i++) ids.add(randomId());
    expect(ids.size).toBe(5000);
    for (const id of [...ids].slice(0, 50)) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe("timeOrderedId", () => {
  it("sorts by time as plain strings (D1 compares text bytewise) and stays unique within a millisecond", () => {
    const times = [0, 1, 35, 36, 1_700_000_000_000, 1_800_000_000_000, 1_800_000_000_001, 4_000_000_000_000];
    const ids = times.map((t) => timeOrderedId(t));
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(/^[0-9a-z]{9}[A-Za-z0-9_-]{16}$/);
    const same = new Set(Array.from({ length: 2000 }, () => timeOrderedId(1_800_000_000_000)));
    expect(same.size).toBe(2000);
  });
});
