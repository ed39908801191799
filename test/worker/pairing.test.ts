import { describe, expect, it } from "vitest";
import {
  acceptsAnyone,
  pairWaiters,
  partnerFor,
  type PairingOptions,
  type Waiter,
} from "../../worker/lobby/pairing";
import { waitEstimate } from "../../worker/lobby/wait-estimate";

const NOW = 1_000_000;
const FALLBACK = 5000;

/** Deterministic [0,1) source (mulberry32) so a failing case can be replayed. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function w(userId: string, topic: string | null = null, waitedMs = 0, blocked: string[] = []): Waiter {
  return { userId, topic, since: NOW - waitedMs, blocked };
}

function opts(random: () => number = seeded(1), extra: Partial<PairingOptions> = {}): PairingOptions {
  return { now: NOW, fallbackMs: FALLBACK, random, ...extra };
}

const ids = (p: { a: Waiter; b: Waiter }) => [p.a.userId, p.b.userId].sort();

describe("partnerFor (a newcomer meets someone already waiting)", () => {
  it("picks at random among compatible people, not the one who came first", () => {
    const waiting = ["w1", "w2", "w3", "w4", "w5"].map((id) => w(id));
    const chosen = new Set<string>();
    for (const r of [0, 0.2, 0.4, 0.6, 0.8, 0.99]) {
      chosen.add(partnerFor(w("me"), waiting, opts(() => r))!.b.userId);
    }
    expect(chosen).toEqual(new Set(["w1", "w2", "w3", "w4", "w5"]));
  });

  it("never pairs someone with themselves, even if they appear in the queue", () => {
    expect(partnerFor(w("me"), [w("me"), w("me", null, 60_000)], opts())).toBeNull();
  });

  it("prefers a same-topic partner over others who would accept anyone", () => {
    const waiting = [w("any1"), w("music1", "music"), w("any2"), w("old-movies", "movies", 60_000)];
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const pair = partnerFor(w("me", "music"), waiting, opts(() => r));
      expect(pair?.b.userId).toBe("music1");
      expect(pair?.topic).toBe("music");
    }
  });

  it("does not pair different topics before the fallback, and does after it (topic null)", () => {
    expect(partnerFor(w("me", "music"), [w("x", "movies")], opts())).toBeNull();
    // The newcomer is fresh: even an old different-topic waiter must wait for the newcomer's fallback.
    expect(partnerFor(w("me", "music"), [w("x", "movies", FALLBACK)], opts())).toBeNull();
    const pair = partnerFor(w("me", "music", FALLBACK), [w("x", "movies", FALLBACK)], opts());
    expect(pair && ids(pair)).toEqual(["me", "x"]);
    expect(pair?.topic).toBeNull();
  });

  it("lets someone without a topic meet anyone at once, but not a fresh topic-chooser", () => {
    expect(partnerFor(w("me"), [w("x")], opts())?.topic).toBeNull();
    expect(partnerFor(w("me"), [w("x", "music", FALLBACK - 1)], opts())).toBeNull();
    expect(partnerFor(w("me"), [w("x", "music", FALLBACK)], opts())?.b.userId).toBe("x");
  });

  it("respects the block list in both directions and an injected veto", () => {
    expect(partnerFor(w("me", null, 0, ["x"]), [w("x")], opts())).toBeNull();
    expect(partnerFor(w("me"), [w("x", null, 0, ["me"])], opts())).toBeNull();
    const veto = (a: Waiter, b: Waiter) => [a.userId, b.userId].includes("x");
    expect(partnerFor(w("me"), [w("x"), w("y")], opts(() => 0, { veto }))?.b.userId).toBe("y");
    expect(partnerFor(w("me"), [w("x")], opts(() => 0, { veto }))).toBeNull();
  });
});

describe("pairWaiters (a full pass over the queue)", () => {
  it("pairs everyone it can, each person at most once, never with themselves", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const waiting = Array.from({ length: 10 }, (_, i) => w(`u${i}`));
      const pairs = pairWaiters(waiting, opts(seeded(seed)));
      expect(pairs).toHaveLength(5);
      const seen = pairs.flatMap(ids);
      expect(new Set(seen).size).toBe(10);
      for (const p of pairs) expect(p.a.userId).not.toBe(p.b.userId);
    }
  });

  it("varies who meets whom with the random source", () => {
    const waiting = Array.from({ length: 6 }, (_, i) => w(`u${i}`));
    const partnersOfU0 = new Set<string>();
    for (let seed = 1; seed <= 60; seed++) {
      const pair = pairWaiters(waiting, opts(seeded(seed))).find((p) => ids(p).includes("u0"))!;
      partnersOfU0.add(ids(pair).find((id) => id !== "u0")!);
    }
    expect(partnersOfU0.size).toBe(5);
  });

  it("matches within topics first, then whoever accepts anyone", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const waiting = [
        w("m1", "music"),
        w("v1", "movies"),
        w("m2", "music"),
        w("n1"),
        w("v2", "movies"),
        w("n2"),
      ];
      const pairs = pairWaiters(waiting, opts(seeded(seed)));
      const byIds = Object.fromEntries(pairs.map((p) => [ids(p).join("+"), p.topic]));
      expect(byIds).toEqual({ "m1+m2": "music", "v1+v2": "movies", "n1+n2": null });
    }
  });

  it("keeps a same-topic pair together even when a fallback-expired stranger waits", () => {
    for (let seed = 1; seed <= 30; seed++) {
      const waiting = [w("old", "movies", FALLBACK * 2), w("m1", "music", FALLBACK), w("m2", "music", FALLBACK)];
      const pairs = pairWaiters(waiting, opts(seeded(seed)));
      expect(pairs.map(ids)).toEqual([["m1", "m2"]]);
    }
  });

  it("never pairs a vetoed pair, even when they are the only ones left", () => {
    const waiting = [w("a", null, 0, ["b"]), w("b"), w("c"), w("d")];
    for (let seed = 1; seed <= 30; seed++) {
      const pairs = pairWaiters(waiting, opts(seeded(seed)));
      expect(pairs).toHaveLength(2);
      for (const p of pairs) expect(ids(p)).not.toEqual(["a", "b"]);
    }
    expect(pairWaiters([w("a", null, 0, ["b"]), w("b")], opts())).toEqual([]);
    const veto = () => true;
    expect(pairWaiters([w("a"), w("b")], opts(seeded(2), { veto }))).toEqual([]);
  });

  it("uses each person once even if they are listed twice", () => {
    const pairs = pairWaiters([w("a"), w("a"), w("b"), w("c")], opts(seeded(3)));
    const seen = pairs.flatMap(ids);
    expect(new Set(seen).size).toBe(seen.length);
  });
});

describe("fallback timing", () => {
  it("says when a topic-chooser starts accepting anyone", () => {
    expect(acceptsAnyone(w("x", "music", FALLBACK - 1), NOW, FALLBACK)).toBe(false);
    expect(acceptsAnyone(w("x", "music", FALLBACK), NOW, FALLBACK)).toBe(true);
    expect(acceptsAnyone(w("x"), NOW, FALLBACK)).toBe(true);
  });
});

describe("pairing rule: trust", () => {
  const watched = (id: string): Waiter => ({ ...w(id), watch: true });
  const fresh = (id: string): Waiter => ({ ...w(id), fresh: true });

  it("never pairs someone under watch with a person on their first chat", () => {
    for (let seed = 1; seed <= 20; seed++) {
      expect(partnerFor(watched("x"), [fresh("f")], opts(seeded(seed)))).toBeNull();
      expect(pairWaiters([watched("x"), fresh("f")], opts(seeded(seed)))).toEqual([]);
    }
  });

  it("offers everyone of the same standing first, then pairs across standings", () => {
    for (let seed = 1; seed <= 20; seed++) {
      const pairs = pairWaiters([watched("x"), w("a"), w("b"), w("c")], opts(seeded(seed)));
      const ids = pairs.map((p) => [p.a.userId, p.b.userId].sort().join("+"));
      // Two of a, b, c pair with each other; the one left over goes with x.
      expect(pairs).toHaveLength(2);
      expect(ids.filter((p) => p.includes("x"))).toHaveLength(1);
      expect(partnerFor(w("n"), [watched("x"), w("a")], opts(seeded(seed)))?.b.userId).toBe("a");
    }
    expect(partnerFor(w("n"), [watched("x")], opts())?.b.userId).toBe("x");
    expect(pairWaiters([watched("x"), watched("y")], opts())).toHaveLength(1);
  });
});

describe("wait estimate", () => {
  it("says nothing without a recent pairing, and scales with the queue and the rate", () => {
    expect(waitEstimate(3, 0, 300_000)).toBeNull();
    expect(waitEstimate(1, 60, 300_000)).toBe(5000);
    expect(waitEstimate(10, 60, 300_000)).toBe(50_000);
    expect(waitEstimate(0, 2, 300_000)).toBe(150_000);
  });
});
