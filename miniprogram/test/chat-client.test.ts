import { beforeEach, describe, expect, it } from "vitest";
import { ChatClient, type ChatState } from "../lib/chat-client";
import { FakeNetwork, FakeSocket, ManualClock, flush, matchInto, testClient } from "./fakes";

const WS = "ws://chat.test";

function history(...msgs: Array<[string, number, "me" | "partner", string]>) {
  return { type: "history", messages: msgs.map(([id, seq, from, text]) => ({ id, seq, from, text, at: 1_700_000_000_000 + seq })) };
}

describe("ChatClient", () => {
  let net: FakeNetwork;
  let clock: ManualClock;
  let client: ChatClient;
  let tokenCalls: boolean[];
  let notices: string[];

  beforeEach(() => {
    net = new FakeNetwork();
    clock = new ManualClock();
    tokenCalls = [];
    notices = [];
    client = testClient(net, clock, {
      wsBase: WS,
      getToken: async (fresh) => {
        tokenCalls.push(fresh);
        return `tok${tokenCalls.length}`;
      },
    });
    client.onNotice((n) => notices.push(n.message));
  });

  const state = (): ChatState => client.snapshot;

  /** Lobby → matched → room open with the given history. */
  const enterRoom = (hist = history()): Promise<FakeSocket> =>
    matchInto(client, net, { topic: "music", alias: "快乐的熊猫", waiting: 3, history: hist, presence: true });

  it("waits in the lobby with the online count, then opens the matched room with the token", async () => {
    client.start("music");
    expect(state().phase).toBe("connecting");
    await flush();
    const lobby = net.last;
    expect(lobby.url).toBe(`${WS}/api/lobby?topic=music`);
    expect(lobby.token).toBe("tok1");
    lobby.open();
    lobby.receive({ type: "waiting", online: 7 });
    expect(state()).toMatchObject({ phase: "waiting", online: 7, connected: true });
    lobby.receive({ type: "matched", roomId: "r1", partner: { alias: "安静的海豚" }, topic: "music" });
    expect(lobby.closedByClient).not.toBeNull();
    await flush();
    expect(net.sockets).toHaveLength(2);
    // First visit to the room: no `after`, so the server sends the pair's recent history.
    expect(net.last.url).toBe(`${WS}/api/rooms/r1`);
    expect(state()).toMatchObject({ phase: "chatting", roomId: "r1", partnerAlias: "安静的海豚" });
  });

  it("joins the lobby without a topic for 随便聊聊 and leaves it with cancel", async () => {
    client.start(null);
    await flush();
    const lobby = net.last;
    expect(lobby.url).toBe(`${WS}/api/lobby`);
    lobby.open();
    client.cancel();
    expect(lobby.frames).toEqual([{ type: "cancel" }]);
    expect(lobby.closedByClient).not.toBeNull();
    expect(state().phase).toBe("idle");
    clock.advance(60_000);
    expect(net.sockets).toHaveLength(1);
  });

  it("marks the first history as earlier meetings and keeps it in seq order", async () => {
    await enterRoom(history(["m2", 2, "partner", "又见面了"], ["m1", 1, "me", "你好"]));
    expect(state().messages.map((m) => [m.text, m.earlier, m.status])).toEqual([
      ["你好", true, "sent"],
      ["又见面了", true, "sent"],
    ]);
    expect(state().lastSeq).toBe(2);
    expect(state().partnerPresence).toBe("online");
  });

  it("shows a send as pending until the ack with the same clientId, and ignores a repeated ack", async () => {
    const room = await enterRoom();
    expect(client.send("  在吗  ")).toBe(true);
    expect(room.frames).toEqual([{ type: "send", clientId: "c1", text: "在吗" }]);
    expect(state().messages).toMatchObject([{ text: "在吗", status: "pending", from: "me", clientId: "c1" }]);
    room.receive({ type: "ack", clientId: "c1", id: "m5", seq: 5, at: 123 });
    expect(state().messages).toMatchObject([{ text: "在吗", status: "sent", id: "m5", seq: 5, earlier: false }]);
    room.receive({ type: "ack", clientId: "c1", id: "m5", seq: 5, at: 123 });
    room.receive({ type: "ack", clientId: "nobody", id: "m9", seq: 9, at: 1 });
    expect(state().messages).toHaveLength(1);
    expect(state().lastSeq).toBe(5);
  });

  it("refuses empty and over-long text locally with a Chinese notice", async () => {
    const room = await enterRoom();
    expect(client.send("   ")).toBe(false);
    expect(client.send("字".repeat(1001))).toBe(false);
    expect(client.send("字".repeat(1000))).toBe(true);
    expect(room.frames).toHaveLength(1);
    expect(notices).toEqual(["不能发送空白消息", "消息太长了，最多 1000 字"]);
  });

  it("after a drop, reconnects with backoff and resumes with after=<last seq>, showing nothing twice", async () => {
    const room = await enterRoom(history(["m1", 1, "partner", "嗨"]));
    room.receive({ type: "message", id: "m2", seq: 2, from: "partner", text: "还在吗", at: 5 });
    room.drop(1006);
    expect(state()).toMatchObject({ connected: false, reconnecting: true });
    // Backoff: nothing before the first delay (500 ms × 0.5 with random() = 0).
    clock.advance(249);
    await flush();
    expect(net.sockets).toHaveLength(2);
    clock.advance(1);
    await flush();
    const resumed = net.last;
    expect(resumed.url).toBe(`${WS}/api/rooms/r1?after=2`);
    resumed.open();
    // The server may repeat a message at the boundary; it is merged by id and seq.
    resumed.receive(history(["m2", 2, "partner", "还在吗"], ["m3", 3, "partner", "我回来了"]));
    expect(state().messages.map((m) => [m.id, m.earlier])).toEqual([
      ["m1", true],
      ["m2", false],
      ["m3", false],
    ]);
    expect(state()).toMatchObject({ connected: true, reconnecting: false, lastSeq: 3 });
  });

  it("backs off exponentially while the server stays unreachable and asks for a fresh token after repeated failures", async () => {
    const room = await enterRoom();
    room.drop();
    const delays: number[] = [];
    let before = net.sockets.length;
    for (let i = 0; i < 4; i++) {
      let waited = 0;
      while (net.sockets.length === before) {
        clock.advance(50);
        waited += 50;
        await flush();
      }
      delays.push(waited);
      before = net.sockets.length;
      net.last.drop(1006); // handshake fails, never opened
    }
    expect(delays).toEqual([250, 500, 1000, 2000]);
    // tok1 lobby, tok2 room; the reconnects: fresh once two in a row failed before opening.
    expect(tokenCalls).toEqual([false, false, false, false, true, true]);
  });

  it("resends a pending message on reconnect with the same clientId and keeps one copy when its ack was lost", async () => {
    const room = await enterRoom(history(["m1", 1, "partner", "嗨"]));
    client.send("刚才断网了吗");
    expect(room.frames).toEqual([{ type: "send", clientId: "c1", text: "刚才断网了吗" }]);
    // The server stored it (seq 2) but the ack never arrived.
    room.drop();
    expect(state().messages[1]).toMatchObject({ status: "pending" });
    client.resume(); // e.g. onShow
    await flush();
    const resumed = net.last;
    expect(resumed.url).toBe(`${WS}/api/rooms/r1?after=1`);
    resumed.open();
    resumed.receive(history(["m2", 2, "me", "刚才断网了吗"]));
    expect(resumed.frames).toEqual([{ type: "send", clientId: "c1", text: "刚才断网了吗" }]);
    resumed.receive({ type: "ack", clientId: "c1", id: "m2", seq: 2, at: 9 });
    expect(state().messages.map((m) => [m.id, m.text, m.status])).toEqual([
      ["m1", "嗨", "sent"],
      ["m2", "刚才断网了吗", "sent"],
    ]);
  });

  it("turns a send failed when no ack comes, and retries it with the same clientId on tap", async () => {
    const room = await enterRoom();
    client.send("hello");
    // The socket answers its probe (a pong), so it is kept; only the ack is missing.
    clock.advance(3_000);
    room.receive('{"type":"pong"}');
    clock.advance(7_000);
    expect(state().messages[0]).toMatchObject({ status: "failed", error: "发送超时" });
    client.retry("c1");
    expect(state().messages[0]).toMatchObject({ status: "pending", error: null });
    expect(room.frames).toEqual([
      { type: "send", clientId: "c1", text: "hello" },
      { type: "send", clientId: "c1", text: "hello" },
    ]);
    room.receive({ type: "ack", clientId: "c1", id: "m1", seq: 1, at: 2 });
    expect(state().messages).toMatchObject([{ status: "sent", clientId: "c1", id: "m1" }]);
    // An ack that arrives late (after the timeout) still counts.
    client.send("late");
    clock.advance(3_000);
    room.receive('{"type":"pong"}');
    clock.advance(7_000);
    expect(state().messages[1].status).toBe("failed");
    room.receive({ type: "ack", clientId: "c2", id: "m2", seq: 2, at: 3 });
    expect(state().messages[1]).toMatchObject({ status: "sent", seq: 2 });
  });

  it("fails the oldest waiting send when the server rejects it without naming one, with a Chinese reason", async () => {
    const room = await enterRoom();
    client.send("bad words");
    client.send("fine");
    room.receive({ type: "error", code: "content_rejected", message: "The message was rejected by moderation" });
    expect(state().messages.map((m) => [m.text, m.status])).toEqual([
      ["bad words", "failed"],
      ["fine", "pending"],
    ]);
    expect(state().messages[0]).toMatchObject({ error: "未发送：包含不当内容", retryable: false });
    expect(notices).toEqual(["消息包含不当内容，未发送"]);
    expect(notices.join()).not.toMatch(/moderation|\{/);
  });

  it("shows the partner typing for a while and clears it when their message arrives", async () => {
    const room = await enterRoom();
    room.receive({ type: "typing" });
    expect(state().partnerTyping).toBe(true);
    clock.advance(5_000);
    expect(state().partnerTyping).toBe(false);
    room.receive({ type: "typing" });
    room.receive({ type: "message", id: "m1", seq: 1, from: "partner", text: "hi", at: 1 });
    expect(state().partnerTyping).toBe(false);
    // Own typing goes out at most once per throttle window.
    client.typing();
    client.typing();
    clock.advance(3_000);
    client.typing();
    expect(room.frames.filter((f) => f.type === "typing")).toHaveLength(2);
  });

  it("ends on partner_left: no reconnect, unsent messages fail, next goes back to the lobby", async () => {
    const room = await enterRoom();
    client.send("还在吗");
    room.receive({ type: "partner_left" });
    expect(state()).toMatchObject({ phase: "ended", endReason: "partner_left" });
    expect(state().messages[0].status).toBe("failed");
    room.drop(1000);
    clock.advance(60_000);
    await flush();
    expect(net.sockets).toHaveLength(2);
    client.retry("c1");
    expect(room.frames).toHaveLength(1);
    client.next();
    await flush();
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=music`);
    expect(state()).toMatchObject({ phase: "connecting", messages: [], roomId: null });
  });

  it("next() tells the partner it left before joining the lobby again", async () => {
    const room = await enterRoom();
    client.next();
    expect(room.frames).toEqual([{ type: "leave" }]);
    expect(room.closedByClient).not.toBeNull();
    await flush();
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=music`);
  });

  it("stops when another device takes over the session (replaced)", async () => {
    client.start(null);
    await flush();
    net.last.open();
    net.last.receive({ type: "error", code: "replaced", message: "replaced" });
    net.last.drop(4001);
    expect(state()).toMatchObject({ phase: "ended", endReason: "replaced" });
    clock.advance(60_000);
    await flush();
    expect(net.sockets).toHaveLength(1);
    expect(notices).toContain("你已在别处打开聊天");
  });

  it("treats a room closed with the ended code as over", async () => {
    const room = await enterRoom();
    room.drop(4002);
    expect(state()).toMatchObject({ phase: "ended", endReason: "ended" });
    clock.advance(60_000);
    await flush();
    expect(net.sockets).toHaveLength(2);
  });

  it("pings the room, and replaces a connection that has gone silent", async () => {
    const room = await enterRoom();
    clock.advance(20_000);
    expect(room.sent).toContain('{"type":"ping"}');
    room.receive('{"type":"pong"}');
    clock.advance(20_000);
    expect(net.sockets).toHaveLength(2);
    // No pong for two intervals: closed and reopened with resume.
    clock.advance(20_000);
    clock.advance(20_000);
    expect(room.closedByClient).not.toBeNull();
    clock.advance(250);
    await flush();
    expect(net.sockets).toHaveLength(3);
    expect(net.last.url).toBe(`${WS}/api/rooms/r1?after=0`);
  });

  it("reconnects the lobby after a drop while waiting", async () => {
    client.start("books");
    await flush();
    net.last.open();
    net.last.receive({ type: "waiting", online: 2 });
    net.last.drop(1006);
    client.resume();
    await flush();
    expect(net.sockets).toHaveLength(2);
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=books`);
  });

  it("passes the check ticket, URL-encoded, on every room connect and resume, but never to the lobby", async () => {
    let tickets = 0;
    client = new ChatClient({
      wsBase: WS,
      getToken: async () => "tok",
      getTicket: async () => `a+b/c=${++tickets}`,
      connect: net.factory,
      timers: clock,
      random: () => 0,
    });
    const room = await enterRoom(history(["m1", 1, "partner", "嗨"]));
    expect(net.sockets[0]!.url).toBe(`${WS}/api/lobby?topic=music`);
    expect(room.url).toBe(`${WS}/api/rooms/r1?ticket=a%2Bb%2Fc%3D1`);
    room.drop();
    client.resume();
    await flush();
    // Asked again for each socket, so a renewed ticket is used as soon as there is one.
    expect(net.last.url).toBe(`${WS}/api/rooms/r1?after=1&ticket=a%2Bb%2Fc%3D2`);
    net.last.open();
    client.next();
    await flush();
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=music`);
    expect(tickets).toBe(2);
  });

  it("connects the room without a ticket when there is none (dev login) or it cannot be had", async () => {
    client = new ChatClient({
      wsBase: WS,
      getToken: async () => "tok",
      getTicket: async () => null,
      connect: net.factory,
      timers: clock,
      random: () => 0,
    });
    const room = await enterRoom();
    expect(room.url).toBe(`${WS}/api/rooms/r1`);
    room.drop();
    client = new ChatClient({
      wsBase: WS,
      getToken: async () => "tok",
      getTicket: async () => {
        throw new Error("storage broken");
      },
      connect: net.factory,
      timers: clock,
      random: () => 0,
    });
    expect((await enterRoom()).url).toBe(`${WS}/api/rooms/r1`);
  });

  it("reports the partner on the room socket and, once the server confirms, leaves the room for good", async () => {
    const room = await enterRoom();
    let done = false;
    const reported = client.report("harassment").then(() => (done = true));
    expect(room.frames).toEqual([{ type: "report", category: "harassment" }]);
    await flush();
    expect(done).toBe(false);
    expect(state().phase).toBe("chatting");
    room.receive({ type: "reported" });
    await reported;
    // The partner is told this user left; no reconnect to a room that is over.
    expect(room.frames).toEqual([{ type: "report", category: "harassment" }, { type: "leave" }]);
    expect(room.closedByClient).not.toBeNull();
    expect(state()).toMatchObject({ phase: "ended", endReason: "reported", connected: false });
    clock.advance(60_000);
    await flush();
    expect(net.sockets).toHaveLength(2);
    client.next();
    await flush();
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=music`);
  });

  it("passes a rejected report's error on without failing a message waiting for its ack", async () => {
    const room = await enterRoom();
    client.send("在吗");
    const result = client.report("other").catch((e: unknown) => e);
    room.receive({ type: "error", code: "bad_message", message: '"reason" must be 1 to 500 characters' });
    expect(await result).toMatchObject({ code: "bad_message", message: "消息格式有误" });
    expect(state().phase).toBe("chatting");
    expect(state().messages[0]).toMatchObject({ status: "pending" });
    expect(notices).toEqual([]);
    room.receive({ type: "ack", clientId: "c1", id: "m1", seq: 1, at: 1 });
    expect(state().messages[0]).toMatchObject({ status: "sent" });
  });

  it("refuses to report on a closed socket and gives up when the socket drops or stays silent", async () => {
    const room = await enterRoom();
    room.drop();
    await expect(client.report("other")).rejects.toMatchObject({ code: "network" });
    expect(room.frames).toEqual([]);
    client.resume();
    await flush();
    const again = net.last;
    again.open();
    const dropped = client.report("other").catch((e: unknown) => e);
    again.drop();
    expect(await dropped).toMatchObject({ code: "network" });
    client.resume();
    await flush();
    net.last.open();
    const silent = client.report("other").catch((e: unknown) => e);
    clock.advance(10_000);
    expect(await silent).toMatchObject({ code: "timeout" });
    expect(state().phase).toBe("chatting");
  });

  it("ends the room as blocked after a report or block made elsewhere, telling the partner", async () => {
    const room = await enterRoom();
    client.endBlocked("blocked");
    expect(room.frames).toEqual([{ type: "leave" }]);
    expect(state()).toMatchObject({ phase: "ended", endReason: "blocked", roomId: "r1" });
  });

  it("ignores frames that are not JSON or of an unknown type", async () => {
    const room = await enterRoom();
    room.receive("not json");
    room.receive({ type: "surprise" });
    room.receive(null);
    expect(state().phase).toBe("chatting");
  });
});
