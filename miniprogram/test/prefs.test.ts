import { describe, expect, it } from "vitest";
import type { KeyValueStorage } from "../lib/api";
import { NICKNAME_MAX, loadProfile, saveProfile } from "../lib/prefs";

function memory(): KeyValueStorage {
  const map = new Map<string, unknown>();
  return { get: (k) => map.get(k), set: (k, v) => map.set(k, v), remove: (k) => map.delete(k) };
}

describe("saveProfile", () => {
  it("keeps at most NICKNAME_MAX characters counted as code points, never half an emoji", () => {
    const storage = memory();
    saveProfile(storage, { avatarUrl: "", nickname: ` ${"🐼".repeat(NICKNAME_MAX + 5)} ` });
    expect(loadProfile(storage).nickname).toBe("🐼".repeat(NICKNAME_MAX));
    // Exactly at the limit in code points (40 UTF-16 units): kept whole.
    saveProfile(storage, { avatarUrl: "", nickname: "🐼".repeat(NICKNAME_MAX) });
    expect(loadProfile(storage).nickname).toBe("🐼".repeat(NICKNAME_MAX));
    saveProfile(storage, { avatarUrl: "", nickname: "  小明  " });
    expect(loadProfile(storage).nickname).toBe("小明");
  });
});
