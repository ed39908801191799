import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { fromBase64Url, toBase64Url } from "../../worker/lib/base64url";
import { randomId } from "../../worker/lib/random-id";

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
