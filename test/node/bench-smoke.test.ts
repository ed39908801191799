import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { FAKE_CREDENTIALS, startPlatformServer } from "../fakes/platform-server";

// The local launcher the benchmark, the terminal client and the Node end-to-end tests share.
describe("local worker launcher", () => {
  let fake: Awaited<ReturnType<typeof startPlatformServer>>;
  let worker: LocalWorker;

  beforeAll(async () => {
    fake = await startPlatformServer();
    worker = await startLocalWorker({
      vars: { ...FAKE_CREDENTIALS, WECHAT_API_BASE: fake.url, QQ_API_BASE: fake.url },
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
  });

  async function login(platform: string, code: string) {
    const res = await fetch(`${worker.url}/api/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ platform, code }),
    });
    return { status: res.status, body: (await res.json()) as { token: string; user: { id: string } } };
  }

  it("serves dev login and an authenticated /api/me on 127.0.0.1 with migrations applied", async () => {
    expect(worker.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const { status, body } = await login("dev", "smoke-alice");
    expect(status).toBe(200);
    const me = await fetch(`${worker.url}/api/me`, { headers: { authorization: `Bearer ${body.token}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { id: string }).id).toBe(body.user.id);
  });

  it("passes var overrides through: WeChat login reaches the fake platform server", async () => {
    const before = fake.stats.code2sessionCalls;
    const { status, body } = await login("wechat", "smoke-bob");
    expect(status).toBe(200);
    expect(fake.stats.code2sessionCalls).toBe(before + 1);
    // The same WeChat code maps to the same user.
    expect((await login("wechat", "smoke-bob")).body.user.id).toBe(body.user.id);
  });
});
