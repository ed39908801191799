import { env, evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { AppError } from "../../worker/errors";
import { moderateMessage, type ModerationInput } from "../../worker/moderation/moderate";
import { normalizeForFilter } from "../../worker/moderation/normalize";
import { findFilterWord } from "../../worker/moderation/word-filter";

// The content check with the fake WeChat/QQ server (test/fakes/platform-server.ts): its text
// markers "[risky]", "[review]", "[down]" and "[slow]" steer the answer.

const base = () => env.WECHAT_API_BASE as string;

async function fakeStats(): Promise<{ tokenCalls: number; secCheckCalls: number }> {
  return (await fetch(`${base()}/__fake/stats`)).json();
}

async function lastSecCheckBody(): Promise<Record<string, unknown>> {
  return ((await (await fetch(`${base()}/__fake/last-sec-check`)).json()) as { body: Record<string, unknown> }).body;
}

const wechat = (text: string, openid: string | null = "openid-alice"): ModerationInput => ({ text, platform: "wechat", openid });

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

describe("WeChat msgSecCheck v2", () => {
  it("passes clean text, and asks in the v2 shape: version 2, the chat scene, the sender's openid", async () => {
    const result = await moderateMessage(env, wechat("今天天气不错", "openid-carol"));
    expect(result).toEqual({ verdict: "pass", flagged: false, flagReason: null });
    const sent = await lastSecCheckBody();
    expect(sent).toMatchObject({ content: "今天天气不错", version: 2, scene: 2, openid: "openid-carol" });
  });

  it("rejects what the platform calls risky", async () => {
    expect(await moderateMessage(env, wechat("hello [risky]"))).toMatchObject({ verdict: "reject", flagged: false });
  });

  it("delivers what needs review, flagged", async () => {
    expect(await moderateMessage(env, wechat("hello [review]"))).toEqual({
      verdict: "review",
      flagged: true,
      flagReason: "review",
    });
  });

  it("fails closed by default when the platform is down (HTTP 500)", async () => {
    const error = await rejection(moderateMessage(env, wechat("hello [down]")));
    expect(error.code).toBe("moderation_unavailable");
    expect(error.status).toBe(503);
  });

  it("fails closed when the platform is slower than the budget (default 800 ms; the fake takes 2 s)", async () => {
    const error = await rejection(moderateMessage(env, wechat("hello [slow]")));
    expect(error.code).toBe("moderation_unavailable");
  });

  it("with MODERATION_FAIL_MODE=open, a down or slow platform means local filter only, flagged", async () => {
    const open = { ...env, MODERATION_FAIL_MODE: "open", MODERATION_TIMEOUT_MS: "200" };
    const unchecked = { verdict: "review", flagged: true, flagReason: "unchecked" };
    expect(await moderateMessage(open, wechat("hello [down]"))).toEqual(unchecked);
    expect(await moderateMessage(open, wechat("hello [slow]"))).toEqual(unchecked);
    // Open does not mean unfiltered: the local list still rejects.
    expect((await moderateMessage(open, wechat("约炮吗 [down]"))).verdict).toBe("reject");
    // And a working platform is still asked.
    expect((await moderateMessage(open, wechat("hello [risky]"))).verdict).toBe("reject");
  });

  it("fails closed for any fail mode other than open", async () => {
    const odd = { ...env, MODERATION_FAIL_MODE: "sometimes", MODERATION_TIMEOUT_MS: "200" };
    expect((await rejection(moderateMessage(odd, wechat("x [slow]")))).code).toBe("moderation_unavailable");
  });

  it("without an openid (no valid check ticket) WeChat cannot be asked: local filter only", async () => {
    const before = await fakeStats();
    expect(await moderateMessage(env, wechat("hello [risky]", null))).toMatchObject({ verdict: "pass" });
    expect((await moderateMessage(env, wechat("裸聊", null))).verdict).toBe("reject");
    expect((await fakeStats()).secCheckCalls).toBe(before.secCheckCalls);
  });

  it("without platform credentials: local filter only, no platform call", async () => {
    const unconfigured = { ...env, WECHAT_APPID: undefined, WECHAT_SECRET: undefined };
    const before = await fakeStats();
    expect((await moderateMessage(unconfigured, wechat("hello [risky]"))).verdict).toBe("pass");
    expect((await fakeStats()).secCheckCalls).toBe(before.secCheckCalls);
  });

  it("dev users get the local filter only", async () => {
    const before = await fakeStats();
    expect((await moderateMessage(env, { text: "hello [risky]", platform: "dev" })).verdict).toBe("pass");
    expect((await moderateMessage(env, { text: "来玩网络赌博", platform: "dev" })).verdict).toBe("reject");
    expect((await fakeStats()).secCheckCalls).toBe(before.secCheckCalls);
  });
});

describe("QQ MsgSecCheck", () => {
  const qq = (text: string): ModerationInput => ({ text, platform: "qq" });

  it("passes clean text and sends the appid", async () => {
    expect((await moderateMessage(env, qq("你好"))).verdict).toBe("pass");
    expect(await lastSecCheckBody()).toEqual({ appid: env.QQ_APPID, content: "你好" });
  });

  it("rejects errcode 87014", async () => {
    expect((await moderateMessage(env, qq("hi [risky]"))).verdict).toBe("reject");
  });

  it("fails closed when down", async () => {
    expect((await rejection(moderateMessage(env, qq("hi [down]")))).code).toBe("moderation_unavailable");
  });
});

describe("the access token", () => {
  it("is fetched once for many checks", async () => {
    await moderateMessage(env, wechat("warm up"));
    const before = await fakeStats();
    for (let i = 0; i < 15; i++) await moderateMessage(env, wechat(`message ${i}`));
    await Promise.all(Array.from({ length: 15 }, (_, i) => moderateMessage(env, wechat(`burst ${i}`))));
    const after = await fakeStats();
    expect(after.secCheckCalls - before.secCheckCalls).toBe(30);
    expect(after.tokenCalls - before.tokenCalls).toBe(0);
  });

  it("is refreshed exactly once when the platform rejects it (40001), however many checks see that", async () => {
    await moderateMessage(env, wechat("warm up"));
    await fetch(`${base()}/__fake/expire-tokens`, { method: "POST" });
    const before = await fakeStats();
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => moderateMessage(env, wechat(`after expiry ${i}`))));
    expect(results.every((r) => r.verdict === "pass")).toBe(true);
    expect((await fakeStats()).tokenCalls - before.tokenCalls).toBe(1);
  });

  it("survives its owner's eviction: the owner keeps it in storage", async () => {
    const owner = env.PLATFORM_TOKEN.get(env.PLATFORM_TOKEN.idFromName("wechat"));
    const first = await owner.token("wechat");
    expect(first.ok).toBe(true);
    const before = await fakeStats();
    await evictDurableObject(owner);
    const again = await owner.token("wechat");
    expect(again).toEqual(first);
    expect((await fakeStats()).tokenCalls).toBe(before.tokenCalls);
  });

  it("is replaced when the owner is told it went stale, and only then", async () => {
    const owner = env.PLATFORM_TOKEN.get(env.PLATFORM_TOKEN.idFromName("qq"));
    const first = await owner.token("qq");
    if (!first.ok) throw new Error(first.message);
    const before = await fakeStats();
    const fresh = await owner.token("qq", first.token.token);
    if (!fresh.ok) throw new Error(fresh.message);
    expect(fresh.token.token).not.toBe(first.token.token);
    // A second report of the same stale token (another isolate, late) does not fetch again.
    expect(await owner.token("qq", first.token.token)).toEqual(fresh);
    expect((await fakeStats()).tokenCalls - before.tokenCalls).toBe(1);
  });
});

describe("local word filter", () => {
  it("rejects default words however they are spaced, punctuated or written in full width", async () => {
    for (const text of ["要不要约炮", "约 炮", "约-炮!", "约\u200b炮", "裸  聊吗"]) {
      expect((await moderateMessage(env, { text, platform: "dev" })).verdict, text).toBe("reject");
    }
    expect(findFilterWord(["abc"], "ＡＢＣ")).toBe("abc");
  });

  it("lets ordinary chat through, including text that only shares a character with a word", async () => {
    for (const text of ["约个时间聊聊书", "今天好冷", "hello!", "🙂"]) {
      expect((await moderateMessage(env, { text, platform: "dev" })).verdict, text).toBe("pass");
    }
  });

  it("normalizes to one spelling", () => {
    expect(normalizeForFilter(" Ｈｅｌｌｏ, 世界！ ")).toBe("hello世界");
    expect(normalizeForFilter("!!!")).toBe("");
  });
});
