// A login kind turned off (dev login once DEV_LOGIN is off) is refused everywhere its tokens
// still reach: REST, the room and lobby upgrades, and picture uploads; with one stable code.
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { signJwt } from "../../worker/lib/jwt";
import { randomAddress } from "./helpers";
import { png } from "./media-helpers";
import { pairWithConversation } from "./safety-helpers";

/** The same deployment with DEV_LOGIN turned off. */
async function devLoginOff(path: string, token: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set("Authorization", `Bearer ${token}`);
  headers.set("CF-Connecting-IP", randomAddress());
  const ctx = createExecutionContext();
  const res = await worker.fetch(new Request(`https://onechat.test${path}`, { ...init, headers }), { ...env, DEV_LOGIN: "false" } as Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** A token as sessions were signed before they carried their kind: only the user row tells. */
async function claimlessToken(userId: string): Promise<string> {
  const iat = Math.floor(Date.now() / 1000);
  return signJwt({ sub: userId, iat, exp: iat + 3600 }, env.SESSION_SECRET);
}

async function refusal(res: Response): Promise<{ status: number; code: string }> {
  return { status: res.status, code: (await res.json<any>()).error?.code };
}

describe("a dev-login token after DEV_LOGIN is turned off", () => {
  it("is refused by REST, the room, the lobby and uploads with 401 login_disabled", async () => {
    const { alice, conversationId } = await pairWithConversation();
    const disabled = { status: 401, code: "login_disabled" };
    for (const token of [alice.token, await claimlessToken(alice.user.id)]) {
      expect(await refusal(await devLoginOff("/api/me", token))).toEqual(disabled);
      expect(await refusal(await devLoginOff("/api/conversations", token))).toEqual(disabled);
      expect(await refusal(await devLoginOff(`/api/rooms/${conversationId}`, token, { headers: { Upgrade: "websocket" } }))).toEqual(disabled);
      const form = new FormData();
      form.set("file", new Blob([png(10, 10)], { type: "image/png" }), "photo.png");
      form.set("conversationId", conversationId);
      expect(await refusal(await devLoginOff("/api/media", token, { method: "POST", body: form }))).toEqual(disabled);
    }
    // The lobby reads no user row in the worker: the token's own kind refuses it before the shard.
    expect(await refusal(await devLoginOff("/api/lobby", alice.token, { headers: { Upgrade: "websocket" } }))).toEqual(disabled);
  });

  it("still works while DEV_LOGIN is on", async () => {
    const { alice } = await pairWithConversation();
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request("https://onechat.test/api/me", { headers: { Authorization: `Bearer ${alice.token}`, "CF-Connecting-IP": randomAddress() } }),
      env as Env,
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
  });
});
