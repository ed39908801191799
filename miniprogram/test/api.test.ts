import { beforeEach, describe, expect, it } from "vitest";
import { Api, RENEW_BEFORE_MS, SESSION_KEY, type HttpResponse, type KeyValueStorage } from "../lib/api";
import { ChatError } from "../lib/errors";

class MemoryStorage implements KeyValueStorage {
  readonly map = new Map<string, unknown>();
  get(key: string) {
    return this.map.get(key);
  }
  set(key: string, value: unknown) {
    this.map.set(key, value);
  }
  remove(key: string) {
    this.map.delete(key);
  }
}

describe("Api", () => {
  let now: number;
  let storage: MemoryStorage;
  let calls: Array<{ url: string; method: string; data?: unknown }>;
  let respond: (req: { url: string; method: string; data?: unknown }) => HttpResponse;
  let codes: number;
  let api: Api;

  beforeEach(() => {
    now = 1_000_000;
    storage = new MemoryStorage();
    calls = [];
    codes = 0;
    respond = (req) =>
      req.url.endsWith("/api/login")
        ? { status: 200, data: { token: `t${calls.length}`, user: { id: "u1" }, expiresAt: now + 3_600_000 } }
        : { status: 200, data: { topics: [{ id: "music", title: "最近在听的歌", prompt: "…" }] } };
    api = new Api({
      apiBase: "http://api.test",
      request: async (req) => {
        calls.push(req);
        return respond(req);
      },
      storage,
      platform: "wechat",
      loginCode: async () => `code${++codes}`,
      now: () => now,
    });
  });

  it("reads the public topics without logging in", async () => {
    expect(await api.topics()).toEqual([{ id: "music", title: "最近在听的歌", prompt: "…" }]);
    expect(calls.map((c) => `${c.method} ${c.url}`)).toEqual(["GET http://api.test/api/topics"]);
  });

  it("logs in with the platform code, keeps the token in storage and reuses it", async () => {
    expect(await api.token()).toBe("t1");
    expect(calls[0]).toMatchObject({ method: "POST", url: "http://api.test/api/login", data: { platform: "wechat", code: "code1" } });
    expect(storage.get(SESSION_KEY)).toEqual({ token: "t1", expiresAt: now + 3_600_000 });
    expect(await api.token()).toBe("t1");
    expect(calls).toHaveLength(1);
  });

  it("renews the token shortly before it expires, and on request", async () => {
    await api.token();
    now += 3_600_000 - RENEW_BEFORE_MS + 1;
    expect(await api.token()).toBe("t2");
    expect(await api.token(true)).toBe("t3");
    expect(calls.filter((c) => c.url.endsWith("/api/login"))).toHaveLength(3);
  });

  it("logs in once when several callers need a token at the same time", async () => {
    const tokens = await Promise.all([api.token(), api.token(), api.token()]);
    expect(tokens).toEqual(["t1", "t1", "t1"]);
    expect(calls).toHaveLength(1);
  });

  it("turns a server error into a ChatError with its code and a Chinese message", async () => {
    respond = () => ({ status: 403, data: { error: { code: "banned", message: "This account has been banned" } } });
    const err = await api.token().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChatError);
    expect(err).toMatchObject({ code: "banned", message: "账号已被封禁" });
    expect(storage.get(SESSION_KEY)).toBeUndefined();
  });

  it("reports a failed request as a network error and a non-JSON 502 as internal", async () => {
    api = new Api({
      apiBase: "http://api.test",
      request: async () => {
        throw new Error("request:fail");
      },
      storage,
      platform: "qq",
      loginCode: async () => "c",
    });
    await expect(api.topics()).rejects.toMatchObject({ code: "network", message: "网络不可用，请检查网络" });
    respond = () => ({ status: 502, data: "<html>bad gateway</html>" });
    const fresh = new Api({ apiBase: "", request: async (r) => respond(r), storage, platform: "qq", loginCode: async () => "c" });
    await expect(fresh.topics()).rejects.toMatchObject({ code: "internal" });
  });
});
