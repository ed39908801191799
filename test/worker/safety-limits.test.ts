import { env, evictDurableObject, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LOBBY_JOIN_RULE, LOGIN_RULE, MESSAGE_RULE } from "../../worker/limits/rules";
import { limiterName, type RateLimiter } from "../../worker/limits/shared-limiter";
import { take, type BucketRule, type BucketState } from "../../worker/limits/token-bucket";
import { clientKey, NO_ADDRESS } from "../../worker/http/client-key";
import { api, devLogin, randomAddress, uniqueName } from "./helpers";
import { connectLobby, newPool, openLobby } from "./lobby-helpers";

/** One bucket threaded through take(), the way its holders (room, lobby, limiter) use it. */
function heldBucket(rule: BucketRule, clock: () => number, state?: BucketState) {
  return {
    take() {
      const result = take(rule, state, clock());
      state = result.state;
      return result;
    },
  };
}

describe("token bucket", () => {
  const rule: BucketRule = { burst: 3, perSecond: 2, floodAfter: 4 };

  it("allows a burst, then refuses until tokens flow back at the steady rate", () => {
    let now = 1_000_000;
    const bucket = heldBucket(rule, () => now);
    expect([bucket.take().ok, bucket.take().ok, bucket.take().ok]).toEqual([true, true, true]);
    const refused = bucket.take();
    expect(refused.ok).toBe(false);
    expect(refused.retryAfterMs).toBe(500);
    now += 499;
    expect(bucket.take().ok).toBe(false);
    now += 1;
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take().ok).toBe(false);
  });

  it("never holds more than the burst, however long it rests", () => {
    let now = 0;
    const bucket = heldBucket(rule, () => now);
    bucket.take();
    now += 3_600_000;
    const allowed = [1, 2, 3, 4].map(() => bucket.take().ok);
    expect(allowed).toEqual([true, true, true, false]);
  });

  it("counts refusals in a row and reports flooding at floodAfter; an allowed action resets the count", () => {
    let now = 0;
    const bucket = heldBucket(rule, () => now);
    for (let i = 0; i < 3; i++) bucket.take();
    const refusals = [1, 2, 3, 4].map(() => bucket.take());
    expect(refusals.map((r) => r.flooding)).toEqual([false, false, false, true]);
    now += 500;
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take().flooding).toBe(false);
  });

  it("keeps its state as plain data, so it survives a round trip through JSON (a socket attachment)", () => {
    const now = 5_000;
    let state = take(rule, undefined, now).state;
    state = take(rule, state, now).state;
    state = JSON.parse(JSON.stringify(state));
    const bucket = heldBucket(rule, () => now, state);
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take().ok).toBe(false);
  });

  it("does not refill when the clock goes backwards", () => {
    let now = 10_000;
    const bucket = heldBucket({ burst: 1, perSecond: 1 }, () => now);
    bucket.take();
    now -= 5_000;
    expect(bucket.take().ok).toBe(false);
  });

  it("the message rule: 10 back to back, then about one a second", () => {
    let now = 0;
    const bucket = heldBucket(MESSAGE_RULE, () => now);
    const first = Array.from({ length: 11 }, () => bucket.take().ok);
    expect(first.filter(Boolean)).toHaveLength(10);
    now += 1000;
    expect(bucket.take().ok).toBe(true);
    expect(bucket.take().ok).toBe(false);
  });
});

describe("login rate limit (per client address, shared across isolates)", () => {
  const login = (address: string) =>
    api("/api/login", {
      method: "POST",
      json: { platform: "dev", code: uniqueName("limit") },
      headers: { "CF-Connecting-IP": address },
    });

  it(`allows ${LOGIN_RULE.burst} logins from one address, then answers 429 rate_limited; other addresses carry on`, async () => {
    const address = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < LOGIN_RULE.burst; i++) expect((await login(address)).status).toBe(200);
    const refused = await login(address);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: { code: "rate_limited", message: expect.stringMatching(/try again/) } });
    expect((await login(randomAddress())).status).toBe(200);
  });

  it("counts bad requests too (a script cannot probe for free)", async () => {
    const address = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < LOGIN_RULE.burst; i++) {
      const res = await api("/api/login", { method: "POST", json: { platform: "nope" }, headers: { "CF-Connecting-IP": address } });
      expect(res.status).toBe(400);
    }
    expect((await login(address)).status).toBe(429);
  });

  it("keys an IPv6 client by its /64: rotating the low 64 bits does not buy more logins; another /64 does", async () => {
    const [a, b] = crypto.getRandomValues(new Uint16Array(2));
    const prefix = `2001:db8:${a.toString(16)}:${b.toString(16)}`;
    for (let i = 0; i < LOGIN_RULE.burst; i++) {
      expect((await login(`${prefix}:${i.toString(16)}::${(i + 1).toString(16)}`)).status).toBe(200);
    }
    const refused = await login(`${prefix}:ffff:ffff:ffff:fffe`);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
    expect((await login(`2001:db8:${a.toString(16)}:${((b + 1) & 0xffff).toString(16)}::1`)).status).toBe(200);
  });

  it("puts every request without a client address in one shared bucket instead of none", async () => {
    const bare = () =>
      SELF.fetch("https://onechat.test/api/login", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ platform: "dev", code: uniqueName("bare") }),
      });
    // The bucket may be partly used by an earlier run in this process: refusal must come within a burst.
    let refused: Response | null = null;
    for (let i = 0; i <= LOGIN_RULE.burst && !refused; i++) {
      const res = await bare();
      if (res.status === 429) refused = res;
      else expect(res.status).toBe(200);
    }
    expect(refused).not.toBeNull();
    expect(await refused!.json()).toMatchObject({ error: { code: "rate_limited" } });
    // A client with an address is not held back by them.
    expect((await login(randomAddress())).status).toBe(200);
  });

  it("derives the client key: IPv4 as is, IPv6 by /64 in any spelling, IPv4-mapped as IPv4, none shared", () => {
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("2001:DB8:1:2:3:4:5:6")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8:1:2::9")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:0db8:0001:0002:ffff::")).toBe("2001:db8:1:2::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:db8:0:0::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(clientKey("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(clientKey("::ffff:c000:201")).toBe("192.0.2.1");
    expect(clientKey(undefined)).toBe(NO_ADDRESS);
    expect(clientKey("  ")).toBe(NO_ADDRESS);
    expect(clientKey(null)).toBe(NO_ADDRESS);
    // Not an address: still limited, by the text itself.
    expect(clientKey("1:2:3")).toBe("1:2:3");
  });

  it("forgets a client once its bucket is full again (no lasting record of addresses)", async () => {
    const address = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    expect((await login(address)).status).toBe(200);
    const name = await limiterName(env, "login", address);
    expect(name).not.toContain(address);
    const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
    const stored = await runInDurableObject(stub, (_: RateLimiter, state) => state.storage.kv.get("bucket"));
    expect(stored).toMatchObject({ tokens: LOGIN_RULE.burst - 1 });
    // An alarm before the bucket is full again (plus its grace) keeps it and comes back later.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await runInDurableObject(stub, (_: RateLimiter, state) => state.storage.kv.get("bucket"))).toMatchObject({ tokens: LOGIN_RULE.burst - 1 });
    // Once that time has passed, the alarm forgets the client.
    await runInDurableObject(stub, (_: RateLimiter, state) => state.storage.kv.put("fullAt", Date.now() - 1));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const after = await runInDurableObject(stub, (_: RateLimiter, state) => state.storage.kv.get("bucket"));
    expect(after).toBeUndefined();
  });
});

describe("leases (the message budget's limiter)", () => {
  const limiter = () => env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(uniqueName("lease")));

  it("keeps a bucket that refills in seconds in memory only: nothing written, no alarm", async () => {
    const stub = limiter();
    expect(await stub.lease(MESSAGE_RULE, 4)).toEqual({ granted: 4, retryAfterMs: 0 });
    expect(await stub.lease(MESSAGE_RULE, 8)).toEqual({ granted: MESSAGE_RULE.burst - 4, retryAfterMs: 0 });
    const refused = await stub.lease(MESSAGE_RULE, 1);
    expect(refused.granted).toBe(0);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    const written = await runInDurableObject(stub, async (_: RateLimiter, state) => ({
      keys: [...state.storage.kv.list()].length,
      alarm: await state.storage.getAlarm(),
    }));
    expect(written).toEqual({ keys: 0, alarm: null });
  });

  it("keeps a slow bucket on disk, so an eviction gives nothing back", async () => {
    const slow: BucketRule = { burst: 3, perSecond: 1 / 600 };
    const stub = limiter();
    expect((await stub.lease(slow, 3)).granted).toBe(3);
    // The answer did not wait for the write; the next call on the object sees it committed.
    await runInDurableObject(stub, (_: RateLimiter, state) => expect(state.storage.kv.get("bucket")).toMatchObject({ refusals: 0 }));
    await evictDurableObject(stub);
    expect((await stub.lease(slow, 1)).granted).toBe(0);
  });
});

describe("lobby joins per user", () => {
  it("lets a user open the lobby 10 times a minute, then refuses the upgrade with 429; others are unaffected", async () => {
    // A lobby pool of this test's own: nobody from another test can pair with these users.
    const pool = newPool();
    const user = await devLogin();
    for (let i = 0; i < LOBBY_JOIN_RULE.burst; i++) {
      const ws = await openLobby(pool, user.token);
      await ws.next("waiting");
      ws.send({ type: "cancel" });
      await ws.waitClosed();
    }
    const refused = (await connectLobby(pool, user.token)) as Response;
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });

    const other = await devLogin();
    const ws = await openLobby(pool, other.token);
    expect(await ws.next("waiting")).toMatchObject({ type: "waiting" });
    ws.send({ type: "cancel" });
    await ws.waitClosed();
  });
});
