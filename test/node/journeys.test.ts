// Whole paths a person takes, with the mini program's own client (miniprogram/lib) against the
// real worker in Miniflare (issue 19 item 9): a notification back into the same chat, a picture
// verdict that came while the phone was away, a network change mid-chat, a ticket renewal during
// a network blip, and history pages while the partner keeps writing.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import { Api, SESSION_KEY } from "../../miniprogram/lib/api";
import { ChatClient, type SocketFactory } from "../../miniprogram/lib/chat-client";
import { memoryStorage, nodeHttpRequest, nodeSocketFactory } from "../../cli/node-socket";
import type { KeyValueStorage } from "../../miniprogram/lib/api";
import type { ImageUploadResponse, LoginPlatform, MessagesResponse } from "../../worker/protocol";
import type { LocalWorker } from "../../scripts/local-worker";
import { startWithPlatform, texts, until, type PlatformServer } from "./helpers";

const PUSH_TOKEN = "journey-push-token";
const AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG";

let worker: LocalWorker;
let platform: PlatformServer;

beforeAll(async () => {
  ({ worker, platform } = await startWithPlatform({
    vars: {
      D1_FLUSH_DELAY_MS: "50",
      WECHAT_TEMPLATE_REPLY: "tmpl-reply",
      WECHAT_TEMPLATE_MATCHED: "tmpl-matched",
      WECHAT_PUSH_TOKEN: PUSH_TOKEN,
      WECHAT_PUSH_AES_KEY: AES_KEY,
      // The paging journey needs a partner who writes hundreds of messages quickly.
      MESSAGE_BURST: "2000",
      MESSAGE_RATE_PER_SECOND: "1000",
    },
  }));
});
afterAll(async () => {
  await worker?.stop();
  await platform?.close();
});

/**
 * A phone. `offline` makes every new socket fail (no network); `halfOpen()` turns the current
 * socket into one that neither delivers nor receives, without anyone noticing (a changed network);
 * `failLogins` makes that many logins fail on the network. `relaunch()` is the app opened again
 * (a new client on the same storage).
 */
function phone(name: string, platformName: LoginPlatform = "dev", shared?: KeyValueStorage) {
  const state = { offline: false, failLogins: 0, logins: 0 };
  const request: typeof nodeHttpRequest = async (req) => {
    if (req.url.endsWith("/api/login")) {
      state.logins++;
      if (state.failLogins > 0) {
        state.failLogins--;
        throw new Error("network down");
      }
    }
    return nodeHttpRequest(req);
  };
  const storage = shared ?? memoryStorage();
  const api = new Api({ apiBase: worker.url, request, storage, platform: platformName, loginCode: async () => name });
  let current: WebSocket | null = null;
  const urls: string[] = [];
  const base = nodeSocketFactory((ws, url) => {
    urls.push(url);
    current = ws;
  });
  const connect: SocketFactory = (url, token, handlers) => {
    if (state.offline) {
      setTimeout(() => handlers.onError("network down"), 5);
      return { send: () => undefined, close: () => undefined };
    }
    return base(url, token, handlers);
  };
  let adult: Promise<void> | null = null;
  const newClient = () =>
    new ChatClient({
      wsBase: worker.wsUrl,
      getToken: async (fresh) => {
        const token = await api.token(fresh);
        await (adult ??= api.ensureMatchable(true));
        return token;
      },
      recheckMatching: () => api.ensureMatchable(true, true),
      getTicket: async () => (await api.credentials()).ticket,
      connect,
      backoffBaseMs: 50,
      backoffMaxMs: 400,
      probeMs: 300,
    });
  const p = {
    name,
    api,
    storage,
    state,
    urls,
    client: newClient(),
    cut: () => current?.terminate(),
    /** The socket stays "open" on both ends but nothing gets through any more. */
    halfOpen: () => {
      const ws = current!;
      ws.removeAllListeners("message");
      ws.send = (() => undefined) as typeof ws.send;
    },
    relaunch: () => {
      p.client = newClient();
      return p.client;
    },
  };
  return p;
}
type Phone = ReturnType<typeof phone>;

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const unique = (id: string) => `${id}-${crypto.randomUUID().slice(0, 8)}`;

async function meet(a: Phone, b: Phone): Promise<string> {
  a.client.start(null);
  await until(a.client, (s) => s.phase === "waiting");
  b.client.start(null);
  const [sa] = await Promise.all([
    until(a.client, (s) => s.phase === "chatting" && s.connected && s.partnerPresence === "online"),
    until(b.client, (s) => s.phase === "chatting" && s.connected && s.partnerPresence === "online"),
  ]);
  return sa.roomId!;
}

async function restHistory(p: Phone, roomId: string, count: number): Promise<MessagesResponse["messages"]> {
  const token = await p.api.token();
  const all: MessagesResponse["messages"] = [];
  return poll(
    async () => {
      all.length = 0;
      let before: number | null = null;
      do {
        const q: string = before === null ? "?limit=100" : `?limit=100&before=${before}`;
        const res = await fetch(`${worker.url}/api/conversations/${roomId}/messages${q}`, { headers: { Authorization: `Bearer ${token}` } });
        const page = (await res.json()) as MessagesResponse;
        all.unshift(...page.messages);
        before = page.nextBefore;
      } while (before !== null);
      return [...all];
    },
    (list) => list.length >= count,
  );
}

describe("journeys", () => {
  it("notification → the same chat resumed, with its history, not a new stranger", async () => {
    const alice = phone(unique("j-alice"), "wechat");
    const bob = phone(unique("j-bob"), "wechat");
    const roomId = await meet(alice, bob);
    const alias = alice.client.snapshot.partnerAlias;
    alice.client.send("我先去忙一下");
    await until(bob.client, (s) => texts(s).includes("partner:我先去忙一下"));
    expect(await alice.api.subscribe(["reply"])).toEqual(["reply"]);

    // Alice leaves the app: her network goes, then the app is closed.
    alice.state.offline = true;
    alice.cut();
    await until(alice.client, (s) => !s.connected);
    alice.client.leave();
    bob.client.send("你回来了告诉我");
    const [notice] = await poll(
      async () => ((await (await fetch(`${platform.url}/__fake/subscribe-sent?touser=openid-${alice.name}`)).json()) as { sent: Array<{ page: string }> }).sent,
      (sent) => sent.length > 0,
    );
    expect(notice!.page).toBe(`pages/chat/index?room=${roomId}`);

    // A tap on the message: the chat page with ?room= does what pages/chat does.
    alice.state.offline = false;
    const client = alice.relaunch();
    const room = new URLSearchParams(notice!.page.split("?")[1]).get("room")!;
    const found = await alice.api.conversation(room);
    expect(found?.partner.alias).toBe(alias);
    client.rejoin(room, found!.partner.alias);
    const back = await until(client, (s) => s.connected && texts(s).includes("partner:你回来了告诉我"));
    expect(texts(back)).toEqual(["me:我先去忙一下", "partner:你回来了告诉我"]);
    expect(back.messages.every((m) => !m.earlier)).toBe(true);
    expect(alice.urls.at(-1)).toMatch(new RegExp(`/api/rooms/${roomId}\\?after=0&ticket=`));
    // The same partner, live: a reply reaches bob.
    client.send("回来了");
    await until(bob.client, (s) => texts(s).includes("partner:回来了"));
    client.leave();
    bob.client.leave();
  });

  it("a picture verdict that came while the phone was away is shown on return (never stays 审核中)", async () => {
    const alice = phone(unique("j-pic-a"), "wechat");
    const bob = phone(unique("j-pic-b"), "wechat");
    const roomId = await meet(alice, bob);
    const { token, ticket } = await alice.api.credentials();
    const form = new FormData();
    const head = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 64, 0, 0, 0, 48, 8, 6, 0, 0, 0];
    form.set("file", new Blob([new Uint8Array([...head, ...new TextEncoder().encode(crypto.randomUUID())])], { type: "image/png" }), "p.png");
    form.set("conversationId", roomId);
    form.set("ticket", ticket!);
    const res = await fetch(`${worker.url}/api/media`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
    expect(res.status).toBe(201);
    const up = (await res.json()) as ImageUploadResponse;
    alice.client.sendImage({ id: up.id, url: null, width: up.width, height: up.height });
    await until(alice.client, (s) => s.messages.some((m) => m.checking === true && m.status === "sent"));

    // Away (no network); meanwhile WeChat's verdict arrives.
    alice.state.offline = true;
    alice.cut();
    await until(alice.client, (s) => !s.connected);
    const db = await worker.mf.getD1Database("DB");
    const { trace_id: trace } = (await db.prepare("SELECT trace_id FROM images WHERE id = ?").bind(up.id).first<{ trace_id: string }>())!;
    const job = (await (await fetch(`${platform.url}/__fake/media-checks/${trace}`)).json()) as { media_url: string };
    const bytes = await (await fetch(job.media_url)).arrayBuffer();
    const built = (await (await fetch(`${platform.url}/__fake/media-checks/${trace}/push?token=${PUSH_TOKEN}&aesKey=${AES_KEY}`, { method: "POST", body: bytes })).json()) as {
      query: Record<string, string>;
      body: string;
    };
    const pushed = await fetch(`${worker.url}/api/platform/push/wechat?${new URLSearchParams(built.query)}`, { method: "POST", headers: { "content-type": "application/json" }, body: built.body });
    expect(pushed.status).toBe(200);
    await until(bob.client, (s) => s.messages.some((m) => m.kind === "image"));

    // Back: the resume tells the verdict; the bubble is a picture with its link, not 审核中.
    alice.state.offline = false;
    alice.client.resume();
    const back = await until(alice.client, (s) => s.connected && s.messages.some((m) => m.kind === "image" && m.checking === false && !!m.image?.url));
    expect(back.messages.filter((m) => m.kind === "image")).toHaveLength(1);
    alice.client.leave();
    bob.client.leave();
  });

  it("a network change mid-chat: the dead socket is replaced within seconds, nothing lost, nothing twice", async () => {
    const alice = phone(unique("j-net-a"));
    const bob = phone(unique("j-net-b"));
    const roomId = await meet(alice, bob);
    alice.client.send("第一句");
    await until(bob.client, (s) => texts(s).includes("partner:第一句"));

    // Wi-Fi to 4G: the old socket is silently dead; alice writes, bob writes.
    alice.halfOpen();
    alice.client.send("在隧道里");
    bob.client.send("你那边信号好吗");
    await until(bob.client, (s) => s.messages.every((m) => m.status === "sent"));
    alice.client.networkChanged(true);
    const a = await until(alice.client, (s) => s.connected && s.messages.length === 3 && s.messages.every((m) => m.status === "sent"));
    expect(texts(a).sort()).toEqual(["me:在隧道里", "me:第一句", "partner:你那边信号好吗"].sort());
    const b = await until(bob.client, (s) => texts(s).includes("partner:在隧道里"));
    expect(texts(b).filter((t) => t === "partner:在隧道里")).toHaveLength(1);
    const rest = await restHistory(alice, roomId, 3);
    expect(rest.map((m) => m.text).sort()).toEqual(["在隧道里", "第一句", "你那边信号好吗"].sort());
    alice.client.leave();
    bob.client.leave();
  });

  it("a ticket renewal during a network blip logs in afresh and the chat goes on", async () => {
    const alice = phone(unique("j-tk-a"), "wechat");
    const bob = phone(unique("j-tk-b"), "wechat");
    await meet(alice, bob);
    // The stored ticket has gone bad (expired), and the network blips at the renewal's login.
    alice.storage.set(SESSION_KEY, { ...(alice.storage.get(SESSION_KEY) as object), checkTicket: "expired-ticket" });
    alice.state.failLogins = 1;
    const loginsBefore = alice.state.logins;
    alice.cut();
    await until(alice.client, (s) => !s.connected);
    await until(alice.client, (s) => s.connected && s.phase === "chatting");
    alice.client.send("续上了");
    const a = await until(alice.client, (s) => s.messages.length === 1 && s.messages[0]!.status === "sent");
    expect(a.failure).toBeNull();
    expect(alice.state.logins - loginsBefore).toBe(2); // the failed one, then a fresh one
    expect(alice.urls.at(-1)).not.toContain("expired-ticket");
    await until(bob.client, (s) => texts(s).includes("partner:续上了"));
    alice.client.leave();
    bob.client.leave();
  });

  it("history pages while the partner keeps writing: every message once, in order", async () => {
    const alice = phone(unique("j-page-a"));
    const bob = phone(unique("j-page-b"));
    const roomId = await meet(alice, bob);
    alice.state.offline = true;
    alice.cut();
    await until(alice.client, (s) => !s.connected);
    const backlog = 430; // more than two history pages
    for (let i = 0; i < backlog; i++) bob.client.send(`离线 ${i}`);
    await until(bob.client, (s) => s.messages.length === backlog && s.messages.every((m) => m.status === "sent"));

    // Back online; bob keeps writing while the pages come in, and alice writes too.
    alice.state.offline = false;
    let live = 0;
    const stop = alice.client.subscribe((s) => {
      if (s.connected && live < 6 && s.messages.length > 0) {
        live++;
        bob.client.send(`在线 ${live}`);
        if (live === 1) alice.client.send("我回来了");
      }
    });
    alice.client.resume();
    const total = backlog + 6 + 1;
    const a = await until(alice.client, (s) => s.messages.length >= total && s.messages.every((m) => m.status === "sent"));
    stop();
    const seqs = a.messages.map((m) => m.seq as number);
    expect(new Set(seqs).size).toBe(total);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(seqs).toEqual(Array.from({ length: total }, (_, i) => seqs[0]! + i));
    const rest = await restHistory(alice, roomId, total);
    expect(rest.map((m) => m.id)).toEqual(a.messages.map((m) => m.id));
    alice.client.leave();
    bob.client.leave();
  });
});
