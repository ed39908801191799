// WeChat's message push endpoint: only pushes signed with our token (and, in the safe mode,
// encrypted with our EncodingAESKey for our appid) about our own uploads can settle a picture.
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findImage } from "../../worker/db/images";
import worker from "../../worker/index";
import { decryptPush } from "../../worker/platform/push";
import { platformPair } from "./helpers";
import { objectExists, png, pushRequest, traceOf, uploadOk, wechatAnswers } from "./media-helpers";

const PUSH = "https://onechat.test/api/platform/push/wechat";
/** A 43-character EncodingAESKey, as the console generates. */
const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";
const OTHER_KEY = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut";

async function pendingPicture(tail = "pixels") {
  const { alice, conversationId } = await platformPair("wechat", "push");
  const { id } = await uploadOk(alice.token, conversationId, png(30, 30, tail), alice.checkTicket);
  return { id, traceId: await traceOf(id) };
}

/** Through the worker with extra vars (the safe mode's key), as a deploy with them set would run. */
async function withVars(request: Request, vars: Record<string, string>): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...vars } as typeof env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function signedQuery(token: string, timestamp = String(Math.floor(Date.now() / 1000))) {
  const nonce = crypto.randomUUID();
  return { timestamp, nonce, signature: await sha1Hex([token, timestamp, nonce].sort().join("")) };
}

describe("plaintext mode", () => {
  it("refuses forged, unsigned, stale or foreign-token pushes and leaves the picture pending", async () => {
    const { id, traceId } = await pendingPicture();
    const real = await wechatAnswers(traceId);
    if ("silent" in real) throw new Error("silent");
    const forgeries: Record<string, string>[] = [
      { ...real.query, signature: "0".repeat(40) },
      { timestamp: real.query.timestamp, nonce: real.query.nonce },
      { ...real.query, nonce: `${real.query.nonce}x` },
    ];
    for (const query of forgeries) {
      const res = await SELF.fetch(pushRequest({ query, body: real.body }));
      expect(res.status).toBe(401);
      expect((await res.json<any>()).error.code).toBe("unauthorized");
    }
    const foreign = await wechatAnswers(traceId, { token: "someone-elses-token" });
    if ("silent" in foreign) throw new Error("silent");
    expect((await SELF.fetch(pushRequest(foreign))).status).toBe(401);
    // Correctly signed, but ten minutes old: a replay.
    const stale = await signedQuery("test-push-token", String(Math.floor(Date.now() / 1000) - 600));
    expect((await SELF.fetch(pushRequest({ query: stale, body: real.body }))).status).toBe(401);
    expect((await findImage(env.DB, id))!.status).toBe("pending");
    expect(await objectExists(id)).toBe(true);

    // The genuine push still works afterwards.
    expect((await SELF.fetch(pushRequest(real))).status).toBe(200);
    expect((await findImage(env.DB, id))!.status).toBe("passed");
  });

  it("refuses a validly signed push whose verdict names someone else as the sender", async () => {
    const { id, traceId } = await pendingPicture("RISKY");
    const real = await wechatAnswers(traceId);
    if ("silent" in real) throw new Error("silent");
    // The plaintext signature does not cover the body; an attacker who saw one would try this.
    const body = JSON.parse(real.body);
    body.result = { suggest: "pass", label: 100 };
    body.FromUserName = "openid-attacker";
    expect((await SELF.fetch(pushRequest({ query: real.query, body: JSON.stringify(body) }))).status).toBe(401);
    expect((await findImage(env.DB, id))!.status).toBe("pending");
  });

  it("answers the console's URL check with echostr only when signed", async () => {
    const good = await signedQuery("test-push-token");
    const ok = await SELF.fetch(`${PUSH}?${new URLSearchParams({ ...good, echostr: "hello-123" })}`);
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("hello-123");
    const bad = await signedQuery("wrong-token");
    expect((await SELF.fetch(`${PUSH}?${new URLSearchParams({ ...bad, echostr: "x" })}`)).status).toBe(401);
  });

  it("is not there when no push token is configured", async () => {
    const query = await signedQuery("test-push-token");
    const res = await withVars(new Request(`${PUSH}?${new URLSearchParams({ ...query, echostr: "x" })}`), { WECHAT_PUSH_TOKEN: "" });
    expect(res.status).toBe(404);
  });
});

describe("replayed pushes with a forged body", () => {
  it("in production (DEV_LOGIN off) a plaintext push is refused, even one signed and naming the right sender: the risky picture stays pending", async () => {
    const { alice, conversationId } = await platformPair("wechat", "push");
    const risky = await uploadOk(alice.token, conversationId, png(30, 30, "RISKY"), alice.checkTicket);
    const other = await uploadOk(alice.token, conversationId, png(31, 31, "fine"), alice.checkTicket);
    const riskyTrace = await traceOf(risky.id);
    // A push captured for the sender's other picture, its body rewritten to pass the risky one.
    const captured = await wechatAnswers(await traceOf(other.id));
    if ("silent" in captured) throw new Error("silent");
    const forged = { ...JSON.parse(captured.body), trace_id: riskyTrace, result: { suggest: "pass", label: 100 } };
    const production = { DEV_LOGIN: "false" };
    const res = await withVars(pushRequest({ query: captured.query, body: JSON.stringify(forged) }), production);
    expect(res.status).toBe(403);
    expect((await res.json<any>()).error.code).toBe("forbidden");
    expect((await withVars(pushRequest(captured), production)).status).toBe(403);
    expect((await findImage(env.DB, risky.id))!.status).toBe("pending");
    expect(await objectExists(risky.id)).toBe(true);
  });

  it("in the safe mode a captured push whose body is swapped or added to settles nothing; the genuine risky verdict still lands", async () => {
    const { alice, conversationId } = await platformPair("wechat", "push");
    const risky = await uploadOk(alice.token, conversationId, png(32, 32, "RISKY"), alice.checkTicket);
    const other = await uploadOk(alice.token, conversationId, png(33, 33, "fine"), alice.checkTicket);
    const vars = { WECHAT_PUSH_AES_KEY: AES_KEY, DEV_LOGIN: "false" };
    const captured = await wechatAnswers(await traceOf(other.id), { aesKey: AES_KEY });
    const genuine = await wechatAnswers(await traceOf(risky.id), { aesKey: AES_KEY });
    if ("silent" in captured || "silent" in genuine) throw new Error("silent");
    // The other picture's signed ciphertext under the risky picture's signed query, and a
    // plaintext verdict added beside a genuine ciphertext: neither passes the risky picture.
    const swapped = { query: genuine.query, body: captured.body };
    expect((await withVars(pushRequest(swapped), vars)).status).toBe(401);
    const added = { ...JSON.parse(captured.body), Event: "wxa_media_check", trace_id: await traceOf(risky.id), result: { suggest: "pass" } };
    expect((await withVars(pushRequest({ query: captured.query, body: JSON.stringify(added) }), vars)).status).toBe(200);
    expect((await findImage(env.DB, risky.id))!.status).toBe("pending");
    expect((await findImage(env.DB, other.id))!.status).toBe("passed");
    // The genuine verdict, then a replay of the other picture's "pass": the risky one stays rejected.
    expect((await withVars(pushRequest(genuine), vars)).status).toBe(200);
    expect((await findImage(env.DB, risky.id))!.status).toBe("rejected");
    expect((await withVars(pushRequest(captured), vars)).status).toBe(200);
    expect((await findImage(env.DB, risky.id))!.status).toBe("rejected");
  });
});

describe("safe (AES) mode", () => {
  it("decrypts a push encrypted with our key for our appid and settles the picture", async () => {
    const { id, traceId } = await pendingPicture("RISKY");
    const push = await wechatAnswers(traceId, { aesKey: AES_KEY });
    if ("silent" in push) throw new Error("silent");
    expect(JSON.parse(push.body)).not.toHaveProperty("trace_id");
    const res = await withVars(pushRequest(push), { WECHAT_PUSH_AES_KEY: AES_KEY });
    expect(res.status).toBe(200);
    expect((await findImage(env.DB, id))!.status).toBe("rejected");
    expect(await objectExists(id)).toBe(false);
  });

  it("refuses a push under another key, a plaintext push, and a ciphertext the signature does not cover", async () => {
    const { id, traceId } = await pendingPicture();
    const vars = { WECHAT_PUSH_AES_KEY: AES_KEY };
    const otherKey = await wechatAnswers(traceId, { aesKey: OTHER_KEY });
    const plain = await wechatAnswers(traceId);
    const real = await wechatAnswers(traceId, { aesKey: AES_KEY });
    if ("silent" in otherKey || "silent" in plain || "silent" in real) throw new Error("silent");
    expect((await withVars(pushRequest(otherKey), vars)).status).toBe(401);
    expect((await withVars(pushRequest(plain), vars)).status).toBe(401);
    const swapped = { query: real.query, body: otherKey.body };
    expect((await withVars(pushRequest(swapped), vars)).status).toBe(401);
    expect((await findImage(env.DB, id))!.status).toBe("pending");
    expect((await withVars(pushRequest(real), vars)).status).toBe(200);
    expect((await findImage(env.DB, id))!.status).toBe("passed");
  });

  it("checks the appid inside the envelope", async () => {
    const { traceId } = await pendingPicture();
    const push = await wechatAnswers(traceId, { aesKey: AES_KEY });
    if ("silent" in push) throw new Error("silent");
    const encrypted = JSON.parse(push.body).Encrypt as string;
    expect(await decryptPush(AES_KEY, encrypted, env.WECHAT_APPID!)).toContain(traceId);
    expect(await decryptPush(AES_KEY, encrypted, "wx-another-app")).toBeNull();
    expect(await decryptPush(OTHER_KEY, encrypted, env.WECHAT_APPID!)).toBeNull();
    expect(await decryptPush(AES_KEY, encrypted.slice(0, -8), env.WECHAT_APPID!)).toBeNull();
  });
});
