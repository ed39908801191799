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
  let calls: Array<{ url: string; method: string; data?: unknown; header?: Record<string, string> }>;
  let respond: (req: { url: string; method: string; data?: unknown; header?: Record<string, string> }) => HttpResponse;
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
    expect(storage.get(SESSION_KEY)).toEqual({ token: "t1", expiresAt: now + 3_600_000, checkTicket: null, checkTicketExpiresAt: null, userId: "u1" });
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

  it("keeps the check ticket with the token and logs in again when only the ticket is about to expire", async () => {
    let logins = 0;
    respond = (req) => {
      if (!req.url.endsWith("/api/login")) return { status: 404, data: null };
      logins++;
      // The token lives a day, the ticket two hours, as the server issues them.
      return { status: 200, data: { token: `t${logins}`, user: { id: "u1" }, expiresAt: now + 86_400_000, checkTicket: `tk+/${logins}=`, checkTicketExpiresAt: now + 7_200_000 } };
    };
    expect(await api.credentials()).toEqual({ token: "t1", ticket: "tk+/1=" });
    expect(storage.get(SESSION_KEY)).toMatchObject({ token: "t1", checkTicket: "tk+/1=", checkTicketExpiresAt: now + 7_200_000 });
    now += 7_200_000 - RENEW_BEFORE_MS - 1;
    expect(await api.credentials()).toEqual({ token: "t1", ticket: "tk+/1=" });
    expect(api.hasSession()).toBe(true);
    // Within a few minutes of the ticket's end: the token is still good, but a new login is due.
    now += 2;
    expect(api.hasSession()).toBe(false);
    expect(await api.credentials()).toEqual({ token: "t2", ticket: "tk+/2=" });
    expect(logins).toBe(2);
  });

  it("has no ticket after a dev login and does not log in again for one", async () => {
    api = new Api({ apiBase: "http://api.test", request: async (req) => (calls.push(req), respond(req)), storage, platform: "dev", loginCode: async () => "alice", now: () => now });
    expect(await api.credentials()).toEqual({ token: "t1", ticket: null });
    now += 3 * 3_600_000 / 4;
    expect(await api.credentials()).toEqual({ token: "t1", ticket: null });
    expect(calls).toHaveLength(1);
  });

  it("logs in again once for a session stored before tickets existed", async () => {
    storage.set(SESSION_KEY, { token: "old", expiresAt: now + 3_600_000 });
    expect(api.hasSession()).toBe(false);
    expect(await api.token()).toBe("t1");
    expect(calls.map((c) => c.url)).toEqual(["http://api.test/api/login"]);
  });

  it("reports and blocks a conversation's partner with the session token", async () => {
    respond = (req) =>
      req.url.endsWith("/api/login")
        ? { status: 200, data: { token: "t-auth", user: { id: "u1" }, expiresAt: now + 3_600_000 } }
        : { status: 204, data: "" };
    await api.report("conv-1", "harassment");
    await api.block("conv-2");
    expect(calls.slice(1)).toEqual([
      { url: "http://api.test/api/reports", method: "POST", data: { conversationId: "conv-1", category: "harassment" }, header: { "content-type": "application/json", Authorization: "Bearer t-auth" } },
      { url: "http://api.test/api/blocks", method: "POST", data: { conversationId: "conv-2" }, header: { "content-type": "application/json", Authorization: "Bearer t-auth" } },
    ]);
    // The login itself carries no token.
    expect(calls[0]!.header).toEqual({ "content-type": "application/json" });
  });

  it("logs in again once when a report meets an expired session, and passes other errors on", async () => {
    storage.set(SESSION_KEY, { token: "revoked", expiresAt: now + 3_600_000, checkTicket: null, checkTicketExpiresAt: null });
    respond = (req) =>
      req.url.endsWith("/api/login")
        ? { status: 200, data: { token: "renewed", user: { id: "u1" }, expiresAt: now + 3_600_000 } }
        : req.header?.Authorization === "Bearer revoked"
          ? { status: 401, data: { error: { code: "unauthorized", message: "expired" } } }
          : { status: 204, data: "" };
    await api.report("conv-1", "other");
    expect(calls.map((c) => `${c.url} ${c.header?.Authorization ?? ""}`)).toEqual([
      "http://api.test/api/reports Bearer revoked",
      "http://api.test/api/login ",
      "http://api.test/api/reports Bearer renewed",
    ]);
    respond = () => ({ status: 404, data: { error: { code: "not_found", message: "No such conversation" } } });
    await expect(api.block("someone-else")).rejects.toMatchObject({ code: "not_found", message: "聊天不存在或已结束" });
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

  describe("the 18+ confirmation before matching", () => {
    /** A server that keeps per-account confirmations and suspensions, and logs in as `account`. */
    function server() {
      const state = { account: "u1", confirmed: new Set<string>(), suspended: new Set<string>() };
      respond = (req) => {
        if (req.url.endsWith("/api/login")) return { status: 200, data: { token: `tok-${state.account}`, user: { id: state.account }, expiresAt: now + 3_600_000 } };
        const user = String(req.header?.Authorization).replace("Bearer tok-", "");
        if (req.url.endsWith("/api/me/adult")) {
          state.confirmed.add(user);
          return { status: 200, data: { adultConfirmedAt: now } };
        }
        if (req.url.endsWith("/api/me")) {
          return { status: 200, data: { id: user, createdAt: 1, adultConfirmedAt: state.confirmed.has(user) ? 5 : null, matchingSuspended: state.suspended.has(user) } };
        }
        return { status: 404, data: null };
      };
      return state;
    }
    const rest = () => calls.filter((c) => !c.url.endsWith("/api/login")).map((c) => `${c.method} ${c.url.replace("http://api.test", "")}`);

    it("sends the phone's confirmation once per account, and again after a login as a new account", async () => {
      const state = server();
      await api.ensureMatchable(true);
      expect(rest()).toEqual(["GET /api/me", "POST /api/me/adult"]);
      expect(calls.find((c) => c.url.endsWith("/api/me/adult"))!.data).toEqual({ confirmed: true });
      expect(state.confirmed).toEqual(new Set(["u1"]));
      await api.ensureMatchable(true);
      expect(rest()).toHaveLength(2);
      // Logged in again as another account (e.g. the server's user was erased): sent for it too.
      state.account = "u2";
      await api.token(true);
      await api.ensureMatchable(true);
      expect(rest()).toEqual(["GET /api/me", "POST /api/me/adult", "GET /api/me", "POST /api/me/adult"]);
      expect(state.confirmed).toEqual(new Set(["u1", "u2"]));
    });

    it("does not send what the server already has, and refuses without a confirmation anywhere", async () => {
      const state = server();
      await expect(api.ensureMatchable(false)).rejects.toMatchObject({ code: "adult_required", message: "请先确认你已年满18周岁" });
      expect(rest()).toEqual(["GET /api/me"]);
      state.confirmed.add("u1");
      // A reinstall: the server has it, the phone not; matching may go on.
      await api.ensureMatchable(false);
      expect(rest()).toEqual(["GET /api/me", "GET /api/me"]);
    });

    it("a recheck (the lobby said 403) asks the server again and names a suspension", async () => {
      const state = server();
      await api.ensureMatchable(true);
      // The server lost the confirmation: the recheck sends it again.
      state.confirmed.clear();
      await api.ensureMatchable(true, true);
      expect(state.confirmed).toEqual(new Set(["u1"]));
      state.suspended.add("u1");
      await expect(api.ensureMatchable(true, true)).rejects.toMatchObject({ code: "matching_suspended", message: "匹配已暂停，等待管理员审核" });
    });
  });

  describe("subscribe-message consent", () => {
    function wechat(opts: { ticketRefused?: number } = {}) {
      let logins = 0;
      let refusals = opts.ticketRefused ?? 0;
      respond = (req) => {
        if (req.url.endsWith("/api/login")) {
          logins++;
          return { status: 200, data: { token: `t${logins}`, user: { id: "u1" }, expiresAt: now + 86_400_000, checkTicket: `tk${logins}`, checkTicketExpiresAt: now + 7_200_000 } };
        }
        if (req.url.endsWith("/api/subscriptions/templates")) return { status: 200, data: { templates: { matched: "T_MATCH" } } };
        if (req.url.endsWith("/api/subscriptions")) {
          if (refusals-- > 0) return { status: 401, data: { error: { code: "ticket_required", message: "ticket" } } };
          const kinds = (req.data as { kinds: string[] }).kinds;
          return { status: 200, data: { kinds: kinds.map((kind) => ({ kind, expiresAt: now + 3_600_000 })) } };
        }
        return { status: 404, data: null };
      };
    }

    it("reads the templates and records accepted kinds with the login's check ticket", async () => {
      wechat();
      expect(await api.subscribeTemplates()).toEqual({ matched: "T_MATCH" });
      expect(await api.subscribe(["matched"])).toEqual(["matched"]);
      const post = calls.find((c) => c.url.endsWith("/api/subscriptions"))!;
      expect(post).toMatchObject({ method: "POST", data: { kinds: ["matched"], ticket: "tk1" }, header: { Authorization: "Bearer t1" } });
    });

    it("a refused ticket logs in once more for a fresh one", async () => {
      wechat({ ticketRefused: 1 });
      expect(await api.subscribe(["reply"])).toEqual(["reply"]);
      const posts = calls.filter((c) => c.url.endsWith("/api/subscriptions")).map((c) => (c.data as { ticket: string }).ticket);
      expect(posts).toEqual(["tk1", "tk2"]);
    });

    it("a dev login has no ticket: nothing is sent", async () => {
      api = new Api({ apiBase: "http://api.test", request: async (req) => (calls.push(req), respond(req)), storage, platform: "dev", loginCode: async () => "alice", now: () => now });
      expect(await api.subscribe(["matched"])).toEqual([]);
      expect(calls.map((c) => c.url)).toEqual(["http://api.test/api/login"]);
    });
  });
});
