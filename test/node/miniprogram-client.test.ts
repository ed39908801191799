// The mini program's protocol client (miniprogram/lib) against the real worker in Miniflare,
// exactly as the phone uses it: dev login through the REST client, lobby, room, resume after a
// dropped socket, a send whose ack was lost, and the history REST call at the end; then WeChat
// logins (against the fake platform server) whose check ticket reaches the content check, and a
// report on the room socket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { Api, SESSION_KEY } from "../../miniprogram/lib/api";
import { ChatClient } from "../../miniprogram/lib/chat-client";
import { memoryStorage, nodeHttpRequest, nodeSocketFactory } from "../../cli/node-socket";
import type { AdminReportsResponse, LoginPlatform, MessagesResponse } from "../../worker/protocol";
import type { LocalWorker } from "../../scripts/local-worker";
import { startWithPlatform, texts, until, type PlatformServer } from "./helpers";

/**
 * A phone: its REST client, its chat client over `ws`, and a handle to cut its current socket.
 * `gate: false` skips the 18+ check before the lobby (the lobby's refusal must then fix it).
 */
function phone(worker: LocalWorker, name: string, platform: LoginPlatform = "dev", opts: { gate?: boolean } = {}) {
  const logins: number[] = [];
  const request: typeof nodeHttpRequest = (req) => {
    if (req.url.endsWith("/api/login")) logins.push(Date.now());
    return nodeHttpRequest(req);
  };
  const storage = memoryStorage();
  const api = new Api({ apiBase: worker.url, request, storage, platform, loginCode: async () => name });
  let current: WebSocket | null = null;
  let adult: Promise<void> | null = null;
  const urls: string[] = [];
  const connect = nodeSocketFactory((ws, url) => {
    urls.push(url);
    current = ws;
  });
  // Wired as miniprogram/lib/services.ts wires the app.
  const client = new ChatClient({
    wsBase: worker.wsUrl,
    // The profile step's 18+ confirmation (ticked on this phone), sent before the first match
    // (the chat page does this before starting the client).
    getToken: async (fresh) => {
      const token = await api.token(fresh);
      if (opts.gate !== false) await (adult ??= api.ensureMatchable(true));
      return token;
    },
    recheckMatching: () => api.ensureMatchable(true, true),
    keepOverRest: (roomId) => api.keep(roomId),
    getTicket: async () => (await api.credentials()).ticket,
    connect,
    backoffBaseMs: 50,
  });
  const notices: string[] = [];
  client.onNotice((n) => notices.push(n.code));
  return {
    api,
    storage,
    client,
    urls,
    notices,
    logins,
    /** Kills the socket without a close handshake, like a phone losing its network. */
    cut: () => current?.terminate(),
  };
}

describe("the mini program's chat client against the worker", () => {
  let worker: LocalWorker;
  let platform: PlatformServer;

  beforeAll(async () => {
    // REMATCH_COOLDOWN_MS: these phones meet again within seconds (the cooldown has its own workerd tests).
    ({ worker, platform } = await startWithPlatform({ vars: { D1_FLUSH_DELAY_MS: "50", REMATCH_COOLDOWN_MS: "1" } }));
  });
  afterAll(async () => {
    await worker?.stop();
    await platform?.close();
  });

  it("meets, chats both ways, survives a dropped socket and a lost ack, and REST history has every message once", async () => {
    const alice = phone(worker, "mp-alice");
    const bob = phone(worker, "mp-bob");

    alice.client.start(null);
    await until(alice.client, (s) => s.phase === "waiting");
    bob.client.start(null);
    const [a, b] = await Promise.all([
      until(alice.client, (s) => s.phase === "chatting" && s.connected && s.partnerPresence !== null),
      until(bob.client, (s) => s.phase === "chatting" && s.connected && s.partnerPresence !== null),
    ]);
    expect(a.roomId).toBe(b.roomId);
    expect(a.partnerAlias).toBeTruthy();
    // Dev login has no check ticket: the room URL carries none.
    expect(alice.urls[alice.urls.length - 1]).toBe(`${worker.wsUrl}/api/rooms/${a.roomId}`);

    // Both ways, each send acked.
    alice.client.send("你好，我是 alice");
    await until(bob.client, (s) => texts(s).includes("partner:你好，我是 alice"));
    await until(alice.client, (s) => s.messages.every((m) => m.status === "sent"));
    bob.client.send("你好 alice");
    await until(alice.client, (s) => texts(s).includes("partner:你好 alice"));

    // Alice's network goes: bob writes meanwhile; alice's resume brings it, once.
    alice.cut();
    await until(alice.client, (s) => !s.connected);
    bob.client.send("你还在吗？");
    await until(bob.client, (s) => s.messages.every((m) => m.status === "sent"));
    await until(alice.client, (s) => s.connected && texts(s).includes("partner:你还在吗？"));
    expect(alice.urls[alice.urls.length - 1]).toMatch(new RegExp(`/api/rooms/${a.roomId}\\?after=\\d+$`));

    // A send cut off mid-flight (ack or not): the client resends the same clientId after
    // resuming, and the server keeps exactly one copy.
    alice.client.send("刚才掉线了");
    alice.cut();
    const resumed = await until(alice.client, (s) => s.connected && s.messages.every((m) => m.status === "sent"));
    expect(texts(resumed)).toEqual(["me:你好，我是 alice", "partner:你好 alice", "partner:你还在吗？", "me:刚才掉线了"]);
    const seqs = resumed.messages.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => (x as number) - (y as number)));
    const bobView = await until(bob.client, (s) => texts(s).includes("partner:刚才掉线了"));
    expect(texts(bobView)).toEqual(["partner:你好，我是 alice", "me:你好 alice", "me:你还在吗？", "partner:刚才掉线了"]);

    // The history REST call (D1, filled by the room's batched copy) has every message, in order, once.
    const token = await alice.api.token();
    let history: MessagesResponse = { messages: [], nextBefore: null };
    while (history.messages.length < 4) {
      const res = await fetch(`${worker.url}/api/conversations/${a.roomId}/messages`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).toBe(200);
      history = (await res.json()) as MessagesResponse;
      if (history.messages.length < 4) await new Promise((r) => setTimeout(r, 50));
    }
    expect(history.messages.map((m) => `${m.from}:${m.text}`)).toEqual(texts(resumed));
    expect(history.messages.map((m) => m.id)).toEqual(resumed.messages.map((m) => m.id));

    // Bob taps 换一个: alice sees the partner leave and stops reconnecting.
    bob.client.next();
    const ended = await until(alice.client, (s) => s.phase === "ended");
    expect(ended.endReason).toBe("partner_left");
    expect(alice.notices).toEqual([]);

    alice.client.leave();
    bob.client.leave();
  });

  it("meets the same partner again with the earlier history marked as earlier", async () => {
    const carol = phone(worker, "mp-carol");
    const dave = phone(worker, "mp-dave");
    carol.client.start(null);
    await until(carol.client, (s) => s.phase === "waiting");
    dave.client.start(null);
    await until(carol.client, (s) => s.phase === "chatting" && s.connected);
    await until(dave.client, (s) => s.phase === "chatting" && s.connected);
    carol.client.send("第一次见面");
    await until(carol.client, (s) => s.messages.length === 1 && s.messages[0]!.status === "sent");
    carol.client.leave();
    await until(dave.client, (s) => s.phase === "ended");
    dave.client.leave();

    carol.client.start(null);
    await until(carol.client, (s) => s.phase === "waiting");
    dave.client.start(null);
    const again = await until(carol.client, (s) => s.phase === "chatting" && s.messages.length > 0);
    expect(again.messages.map((m) => [m.text, m.earlier])).toEqual([["第一次见面", true]]);
    carol.client.send("又见面了");
    const now = await until(carol.client, (s) => s.messages.length === 2 && s.messages[1]!.status === "sent");
    expect(now.messages[1]).toMatchObject({ text: "又见面了", earlier: false });
    carol.client.leave();
    dave.client.leave();
  });

  it("keeps in touch: one taps in the chat, the other on the end screen; they come back later through 我的聊天 with the history, write and are delivered, then end it", async () => {
    const gina = phone(worker, "mp-gina");
    const hank = phone(worker, "mp-hank");
    gina.client.start("travel");
    await until(gina.client, (s) => s.phase === "waiting");
    hank.client.start("travel");
    const met = await until(gina.client, (s) => s.phase === "chatting" && s.connected);
    const hankMet = await until(hank.client, (s) => s.phase === "chatting" && s.connected);
    // The same first line for both, from their shared topic.
    expect(met.prompt).toBeTruthy();
    expect(hank.client.snapshot.prompt).toBe(met.prompt);
    gina.client.send(met.prompt!);
    await until(hank.client, (s) => texts(s).includes(`partner:${met.prompt}`));

    // One tap shows nothing to the other.
    gina.client.keepInTouch();
    await until(gina.client, (s) => s.keep === "pending");
    expect(hank.client.snapshot.keep).toBe("none");
    expect(await hank.api.chats()).toEqual([]);

    // Gina moves on; Hank taps on his end screen (its socket closed: the tap goes over REST).
    gina.client.leave();
    await until(hank.client, (s) => s.phase === "ended");
    expect(hank.client.keepInTouch()).toBe(true);
    await until(hank.client, (s) => s.keep === "kept");
    expect(await gina.api.chats()).toHaveLength(1);
    hank.client.leave();

    // Later: Hank opens the chat from his list and writes while Gina is away.
    const [hanksChat] = await hank.api.chats();
    expect(hanksChat).toMatchObject({ id: met.roomId, partner: { alias: hankMet.partnerAlias } });
    hank.client.openChat(hanksChat!.id, hanksChat!.partner.alias);
    const reopened = await until(hank.client, (s) => s.phase === "chatting" && s.connected && s.messages.length > 0);
    expect(texts(reopened)).toEqual([`partner:${met.prompt}`]);
    hank.client.send("还记得我吗？");
    await until(hank.client, (s) => s.messages.some((m) => m.text === "还记得我吗？" && m.status === "sent"));

    // Gina's list shows it unread (once the room's copy reaches D1), and opening shows it.
    let ginasChat = (await gina.api.chats())[0];
    while (ginasChat?.unread !== 1) {
      await new Promise((r) => setTimeout(r, 50));
      ginasChat = (await gina.api.chats())[0];
    }
    expect(ginasChat).toMatchObject({ id: met.roomId, partner: { alias: met.partnerAlias } });
    gina.client.openChat(ginasChat.id, ginasChat.partner.alias);
    const back = await until(gina.client, (s) => s.connected && s.messages.length === 2);
    expect(texts(back)).toEqual([`me:${met.prompt}`, "partner:还记得我吗？"]);
    expect(back.keep).toBe("kept");
    gina.client.send("当然记得");
    await until(hank.client, (s) => texts(s).includes("partner:当然记得"));

    // Gina ends it: Hank's open chat stops with chat_ended, both lists are empty.
    await gina.api.endChat(met.roomId!);
    const ended = await until(hank.client, (s) => s.phase === "ended");
    expect(ended.failure).toBe("chat_ended");
    expect(await gina.api.chats()).toEqual([]);
    expect(await hank.api.chats()).toEqual([]);
    gina.client.leave();
    hank.client.leave();
  });

  it("WeChat phones carry their check ticket to the room, so the content check is asked with the sender's OpenID", async () => {
    const erin = phone(worker, "mp-erin", "wechat");
    const frank = phone(worker, "mp-frank", "wechat");
    erin.client.start(null);
    await until(erin.client, (s) => s.phase === "waiting");
    frank.client.start(null);
    const room = await until(erin.client, (s) => s.phase === "chatting" && s.connected);
    await until(frank.client, (s) => s.phase === "chatting" && s.connected);
    const { ticket } = await erin.api.credentials();
    expect(ticket).toBeTruthy();
    expect(erin.urls[0]).toBe(`${worker.wsUrl}/api/lobby`);
    expect(erin.urls[erin.urls.length - 1]).toBe(`${worker.wsUrl}/api/rooms/${room.roomId}?ticket=${encodeURIComponent(ticket!)}`);

    const checksBefore = platform.stats.secCheckCalls;
    erin.client.send("今天天气不错");
    await until(frank.client, (s) => texts(s).includes("partner:今天天气不错"));
    expect(platform.stats.secCheckCalls).toBe(checksBefore + 1);
    const last = (await (await fetch(`${platform.url}/__fake/last-sec-check`)).json()) as { body: { content: string; openid: string } };
    expect(last.body).toMatchObject({ content: "今天天气不错", openid: "openid-mp-erin" });

    // Frank reports erin on the room socket: confirmed, both leave, and the report is on file.
    await frank.client.report("harassment");
    expect(frank.client.snapshot).toMatchObject({ phase: "ended", endReason: "reported" });
    expect((await until(erin.client, (s) => s.phase === "ended")).endReason).toBe("partner_left");
    const res = await fetch(`${worker.url}/api/admin/reports`, { headers: { Authorization: `Bearer ${worker.vars.ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const { reports } = (await res.json()) as AdminReportsResponse;
    const filed = reports.filter((r) => r.conversationId === room.roomId);
    expect(filed.map((r) => [r.category, r.reason])).toEqual([["harassment", ""]]);
    expect(filed[0]!.messages.map((m) => `${m.from}:${m.text}`)).toEqual(["reported:今天天气不错"]);

    // The REST fallback meets the same one-report-per-conversation rule; the plain block answers 204.
    await expect(frank.api.report(room.roomId!, "other")).rejects.toMatchObject({ code: "already_reported" });
    await frank.api.block(room.roomId!);
    await expect(frank.api.block("no-such-conversation")).rejects.toMatchObject({ code: "not_found" });
    erin.client.leave();
    frank.client.leave();
  });

  it("a user banned mid-chat gets the failure screen and stops: no login loop, no reconnects", async () => {
    const gina = phone(worker, "mp-gina");
    const hal = phone(worker, "mp-hal");
    gina.client.start(null);
    await until(gina.client, (s) => s.phase === "waiting");
    hal.client.start(null);
    await until(gina.client, (s) => s.phase === "chatting" && s.connected);
    await until(hal.client, (s) => s.phase === "chatting" && s.connected);
    const me = (await (await fetch(`${worker.url}/api/me`, { headers: { Authorization: `Bearer ${await gina.api.token()}` } })).json()) as { id: string };
    const ban = await fetch(`${worker.url}/api/admin/users/${me.id}/ban`, { method: "POST", headers: { Authorization: `Bearer ${worker.vars.ADMIN_TOKEN}` } });
    expect(ban.status).toBe(200);
    const failed = await until(gina.client, (s) => s.phase === "ended");
    expect(failed).toMatchObject({ endReason: "failed", failure: "banned", reconnecting: false });
    expect((await until(hal.client, (s) => s.phase === "ended")).endReason).toBe("partner_left");

    // Opening the chat again: one login, refused as banned, and nothing after it.
    const before = { logins: gina.logins.length, sockets: gina.urls.length };
    // The stored session is gone (as after reinstalling the app): the next connect logs in.
    gina.storage.remove(SESSION_KEY);
    gina.client.start(null);
    const again = await until(gina.client, (s) => s.phase === "ended");
    expect(again).toMatchObject({ endReason: "failed", failure: "banned" });
    // A marker: hal can still meet someone while gina stays out (and makes no further attempts).
    const ivy = phone(worker, "mp-ivy");
    ivy.client.start(null);
    await until(ivy.client, (s) => s.phase === "waiting");
    hal.client.start(null);
    await until(ivy.client, (s) => s.phase === "chatting" && s.connected);
    expect(gina.logins.length - before.logins).toBe(1);
    expect(gina.urls.length).toBe(before.sockets);
    ivy.client.leave();
    hal.client.leave();
  });

  it("a lobby refusal for a missing 18+ confirmation is fixed by sending it; a suspension stops the wait for good", async () => {
    const kim = phone(worker, "mp-kim", "dev", { gate: false });
    kim.client.start(null);
    // Refused 403 adult_required, confirmed, then let in.
    await until(kim.client, (s) => s.phase === "waiting");
    expect(kim.urls.filter((u) => u.includes("/api/lobby")).length).toBe(2);
    kim.client.cancel();

    const token = await kim.api.token();
    const me = (await (await fetch(`${worker.url}/api/me`, { headers: { Authorization: `Bearer ${token}` } })).json()) as { id: string; adultConfirmedAt: number | null };
    expect(me.adultConfirmedAt).toEqual(expect.any(Number));
    const suspend = await fetch(`${worker.url}/api/admin/users/${me.id}/suspend-matching`, { method: "POST", headers: { Authorization: `Bearer ${worker.vars.ADMIN_TOKEN}` } });
    expect(suspend.status).toBe(200);
    const before = kim.urls.length;
    kim.client.start(null);
    const ended = await until(kim.client, (s) => s.phase === "ended");
    expect(ended).toMatchObject({ endReason: "failed", failure: "matching_suspended", reconnecting: false });
    // A marker: two others meet while kim stays out, with no further attempts.
    const lee = phone(worker, "mp-lee");
    const max = phone(worker, "mp-max");
    lee.client.start(null);
    await until(lee.client, (s) => s.phase === "waiting");
    max.client.start(null);
    await until(lee.client, (s) => s.phase === "chatting" && s.connected);
    expect(kim.urls.length).toBe(before + 1);
    lee.client.leave();
    max.client.leave();
  });
});
