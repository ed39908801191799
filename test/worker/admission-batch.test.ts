// A lobby shard loads all the joiners of a busy second in one batch: the statements must stay
// within D1's 100 bound parameters however many joiners there are (a burst of 1,000 joiners got
// "too many SQL variables" once the rematch and trust windows were bound beside the ids).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadJoiners } from "../../worker/db/admission";
import { devLogin } from "./helpers";

describe("admission reads many joiners at once", () => {
  it("loads 250 joiners (known and unknown) in one call", async () => {
    const known = await Promise.all(Array.from({ length: 3 }, () => devLogin()));
    const ids = [...known.map((u) => u.user.id), ...Array.from({ length: 247 }, () => crypto.randomUUID())];
    const now = Date.now();
    const profiles = await loadJoiners(env.DB, ids, { rematch: now - 24 * 60 * 60_000, watch: now - 30 * 24 * 60 * 60_000 });
    expect(profiles.size).toBe(250);
    for (const u of known) expect(profiles.get(u.user.id)?.user?.id).toBe(u.user.id);
    expect(profiles.get(ids[200]!)?.user).toBeNull();
  });
});
