// The client on a real phone network: heartbeats on both sockets, recovery after the app was in
// the background, own messages merged by clientId, errors on the right message, ticket renewal,
// history pages, and failures that must stop instead of looping.
import { beforeEach, describe, expect, it } from "vitest";
import type { ChatClient, ChatClientOptions, ChatState } from "../lib/chat-client";
import { ChatError } from "../lib/errors";
import { FakeNetwork, FakeSocket, ManualClock, flush, matchInto, testClient } from "./fakes";

const WS = "ws://chat.test";
const at = (seq: number) => 1_700_000_000_000 + seq;

let net: FakeNetwork;
let clock: ManualClock;
let tokenCalls: boolean[];
let notices: string[];

function makeClient(overrides: Partial<ChatClientOptions> = {}): ChatClient {
  const client = testClient(net, clock, {
    wsBase: WS,
    getToken: async (fresh) => {
      tokenCalls.push(fresh);
      return `tok${tokenCalls.length}`;
    },
    getTicket: async () => `ticket${tokenCalls.length}`,
    ...overrides,
  });
  client.onNotice((n) => notices.push(n.code));
  return client;
}

beforeEach(() => {
  net = new FakeNetwork();
  clock = new ManualClock();
  tokenCalls = [];
  notices = [];
});

const enterRoom = (client: ChatClient, messages: unknown[] = []): Promise<FakeSocket> =>
  matchInto(client, net, { history: { type: "history", messages } });

/** The room's socket drops and the app resumes: the new socket, not yet open. */
async function reconnect(client: ChatClient, room: FakeSocket): Promise<FakeSocket> {
  room.drop();
  client.resume();
  await flush();
  return net.last;
}

const view = (s: ChatState) => s.messages.map((m) => `${m.text}:${m.status}`);

describe("heartbeat on the lobby socket", () => {
  it("pings while waiting and replaces a lobby socket that went silent", async () => {
    const client = makeClient();
    client.start("music");
    await flush();
    const lobby = net.last;
    lobby.open();
    lobby.receive({ type: "waiting", online: 2 });
    clock.advance(20_000);
    expect(lobby.sent).toContain('{"type":"ping"}');
    lobby.receive('{"type":"pong"}');
    clock.advance(20_000);
    expect(net.sockets).toHaveLength(1);
    // Nothing back for two intervals: the phone has not noticed, the client does.
    clock.advance(40_000);
    expect(lobby.closedByClient).not.toBeNull();
    clock.advance(250);
    await flush();
    expect(net.sockets).toHaveLength(2);
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=music`);
  });
});

describe("back from the background", () => {
  it("replaces the room socket at once after a long background, resuming with after=", async () => {
    const client = makeClient();
    const room = await enterRoom(client, [{ id: "m4", seq: 4, from: "partner", text: "嗨", at: at(4) }]);
    client.background();
    clock.advance(30_000 + 1);
    client.resume();
    expect(room.closedByClient).not.toBeNull();
    expect(client.snapshot.connected).toBe(false);
    await flush();
    expect(net.sockets).toHaveLength(3);
    expect(net.last.url).toBe(`${WS}/api/rooms/r1?after=4&ticket=ticket3`);
  });

  it("keeps the socket after a short background with every ping answered", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    client.background();
    clock.advance(2_000);
    client.resume();
    await flush();
    expect(room.closedByClient).toBeNull();
    expect(net.sockets).toHaveLength(2);
  });

  it("replaces a socket whose ping went unanswered, even after a short background", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    clock.advance(20_000);
    expect(room.sent).toContain('{"type":"ping"}');
    client.background();
    clock.advance(1_000);
    client.resume();
    await flush();
    expect(room.closedByClient).not.toBeNull();
    expect(net.sockets).toHaveLength(3);
  });

  it("hides the typing indicator when the room drops", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    room.receive({ type: "typing" });
    expect(client.snapshot.partnerTyping).toBe(true);
    room.drop();
    expect(client.snapshot.partnerTyping).toBe(false);
  });
});

describe("own messages by clientId", () => {
  it("merges a send that timed out with its stored copy from the resumed history: one bubble, sent", async () => {
    const client = makeClient();
    const room = await enterRoom(client, [{ id: "m1", seq: 1, from: "partner", text: "嗨", at: at(1) }]);
    client.send("在吗");
    clock.advance(10_000);
    expect(view(client.snapshot)).toEqual(["嗨:sent", "在吗:failed"]);
    const resumed = await reconnect(client, room);
    expect(resumed.url).toContain("after=1");
    resumed.open();
    resumed.receive({
      type: "history",
      messages: [
        { id: "m2", seq: 2, from: "me", text: "在吗", at: at(2), clientId: "c1" },
        { id: "m3", seq: 3, from: "partner", text: "在", at: at(3) },
      ],
    });
    expect(view(client.snapshot)).toEqual(["嗨:sent", "在吗:sent", "在:sent"]);
    expect(client.snapshot.messages[1]).toMatchObject({ id: "m2", seq: 2, clientId: "c1", key: "c:c1", earlier: false });
    // Nothing is resent and a late ack changes nothing.
    expect(resumed.frames).toEqual([]);
    resumed.receive({ type: "ack", clientId: "c1", id: "m2", seq: 2, at: at(2) });
    expect(client.snapshot.messages).toHaveLength(3);
  });

  it("does the same for a send still pending when the socket dropped", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    client.send("第一句");
    (await reconnect(client, room)).open();
    net.last.receive({ type: "history", messages: [{ id: "m1", seq: 1, from: "me", text: "第一句", at: at(1), clientId: "c1" }] });
    expect(view(client.snapshot)).toEqual(["第一句:sent"]);
    expect(net.last.frames).toEqual([]);
    // Its ack timer is gone: it never turns failed.
    clock.advance(60_000);
    expect(view(client.snapshot)).toEqual(["第一句:sent"]);
  });
});

describe("a send made before the room's history arrives", () => {
  it("goes out once, not again when the history comes", async () => {
    const client = makeClient();
    client.start(null);
    await flush();
    net.last.open();
    net.last.receive({ type: "matched", roomId: "r1", partner: { alias: "熊猫" }, topic: null });
    await flush();
    const room = net.last;
    room.open();
    client.send("抢先一句");
    room.receive({ type: "history", messages: [] });
    expect(room.frames).toEqual([{ type: "send", clientId: "c1", text: "抢先一句" }]);
  });
});

describe("errors land on the right message", () => {
  it("fails the send the error names, not the oldest one", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    client.send("第一句");
    client.send("太快了");
    room.receive({ type: "error", code: "rate_limited", message: "slow down", clientId: "c2" });
    expect(view(client.snapshot)).toEqual(["第一句:pending", "太快了:failed"]);
    // A rate limit can pass: retry stays offered and resends the same clientId.
    expect(client.snapshot.messages[1]!.retryable).toBe(true);
    client.retry("c2");
    expect(room.frames.filter((f) => f.clientId === "c2")).toHaveLength(2);
  });

  it("marks a message refused for content without a retry, and retry() resends nothing", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    client.send("坏话");
    room.receive({ type: "error", code: "content_rejected", message: "rejected", clientId: "c1" });
    expect(client.snapshot.messages[0]).toMatchObject({ status: "failed", error: "未发送：包含不当内容", retryable: false });
    client.retry("c1");
    expect(room.frames.filter((f) => f.type === "send")).toHaveLength(1);
    expect(client.snapshot.messages[0]!.status).toBe("failed");
  });

  it("counts length in code points, as the server does: 1000 emoji fit, 1001 do not", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    expect(client.send("😀".repeat(1000))).toBe(true);
    expect(client.send("😀".repeat(1001))).toBe(false);
    expect(room.frames).toHaveLength(1);
    expect(notices).toEqual(["text_too_long"]);
  });
});

describe("history pages", () => {
  it("asks for the next page while the server says more, then resends pending sends once", async () => {
    const client = makeClient();
    const room = await enterRoom(client, [{ id: "m1", seq: 1, from: "partner", text: "a", at: at(1) }]);
    client.send("待发");
    const resumed = await reconnect(client, room);
    resumed.open();
    resumed.receive({ type: "history", more: true, messages: [{ id: "m2", seq: 2, from: "partner", text: "b", at: at(2) }] });
    expect(resumed.frames).toEqual([{ type: "history", after: 2 }]);
    resumed.receive({ type: "history", more: true, messages: [{ id: "m3", seq: 3, from: "partner", text: "c", at: at(3) }] });
    resumed.receive({ type: "history", messages: [{ id: "m4", seq: 4, from: "partner", text: "d", at: at(4) }] });
    expect(resumed.frames).toEqual([
      { type: "history", after: 2 },
      { type: "history", after: 3 },
      { type: "send", clientId: "c1", text: "待发" },
    ]);
    expect(client.snapshot.messages.map((m) => [m.text, m.earlier])).toEqual([
      ["a", true],
      ["b", false],
      ["c", false],
      ["d", false],
      ["待发", false],
    ]);
  });

  it("keeps every page of the first visit's history as earlier meetings", async () => {
    const client = makeClient();
    client.start(null);
    await flush();
    net.last.open();
    net.last.receive({ type: "matched", roomId: "r1", partner: { alias: "熊猫" }, topic: null });
    await flush();
    const room = net.last;
    room.open();
    room.receive({ type: "history", more: true, messages: [{ id: "m1", seq: 1, from: "partner", text: "a", at: at(1) }] });
    room.receive({ type: "history", messages: [{ id: "m2", seq: 2, from: "me", text: "b", at: at(2), clientId: "old" }] });
    expect(client.snapshot.messages.map((m) => [m.text, m.earlier])).toEqual([
      ["a", true],
      ["b", true],
    ]);
  });
});

describe("ticket_required", () => {
  it("logs in again, resumes with the fresh ticket and resends the refused send, invisibly", async () => {
    const client = makeClient();
    const room = await enterRoom(client, [{ id: "m1", seq: 1, from: "partner", text: "嗨", at: at(1) }]);
    expect(room.url).toBe(`${WS}/api/rooms/r1?ticket=ticket2`);
    client.send("你好");
    room.receive({ type: "error", code: "ticket_required", message: "log in again", clientId: "c1" });
    expect(room.closedByClient).not.toBeNull();
    await flush();
    // The fresh login came first; its ticket is the one on the new socket.
    expect(tokenCalls).toEqual([false, false, true]);
    const renewed = net.last;
    expect(renewed.url).toBe(`${WS}/api/rooms/r1?after=1&ticket=ticket3`);
    renewed.open();
    renewed.receive({ type: "history", messages: [] });
    expect(renewed.frames).toEqual([{ type: "send", clientId: "c1", text: "你好" }]);
    renewed.receive({ type: "ack", clientId: "c1", id: "m2", seq: 2, at: at(2) });
    expect(view(client.snapshot)).toEqual(["嗨:sent", "你好:sent"]);
    expect(notices).toEqual([]);
    expect(client.snapshot.phase).toBe("chatting");
  });

  it("stops with a failure screen when the fresh login does not help, without looping", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    room.receive({ type: "error", code: "ticket_required", message: "log in again" });
    await flush();
    net.last.open();
    net.last.receive({ type: "error", code: "ticket_required", message: "log in again" });
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "ticket_required" });
    const sockets = net.sockets.length;
    clock.advance(600_000);
    await flush();
    expect(net.sockets).toHaveLength(sockets);
    expect(tokenCalls).toEqual([false, false, true]);
  });
});

describe("permanent failures stop retrying", () => {
  it("a banned user sees 账号已被封禁 once, with no login loop behind it", async () => {
    let logins = 0;
    const client = makeClient({
      getToken: async () => {
        logins++;
        throw new ChatError("banned");
      },
    });
    client.start(null);
    await flush();
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "banned", reconnecting: false });
    clock.advance(600_000);
    await flush();
    client.resume();
    await flush();
    expect(logins).toBe(1);
    expect(net.sockets).toHaveLength(0);
  });

  it("a room that refuses the upgrade with 404 is final; 401 logs in again", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    room.drop();
    clock.advance(250);
    await flush();
    net.last.fail("Unexpected server response: 401");
    clock.advance(500);
    await flush();
    expect(tokenCalls[tokenCalls.length - 1]).toBe(true);
    net.last.fail("Unexpected server response: 404");
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "not_found" });
    const sockets = net.sockets.length;
    clock.advance(600_000);
    await flush();
    expect(net.sockets).toHaveLength(sockets);
  });

  it("a 403 on the upgrade logs in again: a ban shows as 账号已被封禁, a second 403 as final", async () => {
    let banned = false;
    const client = makeClient({
      getToken: async (fresh) => {
        tokenCalls.push(fresh);
        if (banned && fresh) throw new ChatError("banned");
        return `tok${tokenCalls.length}`;
      },
    });
    const room = await enterRoom(client);
    room.drop();
    clock.advance(250);
    await flush();
    net.last.fail("Unexpected server response: 403");
    clock.advance(500);
    await flush();
    // Logged in afresh, still refused: this room will not let this user in.
    expect(tokenCalls[tokenCalls.length - 1]).toBe(true);
    net.last.fail("Unexpected server response: 403");
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "forbidden" });

    const other = makeClient({
      getToken: async (fresh) => {
        tokenCalls.push(fresh);
        if (banned && fresh) throw new ChatError("banned");
        return "tok";
      },
    });
    const room2 = await enterRoom(other);
    banned = true;
    room2.drop();
    clock.advance(250);
    await flush();
    net.last.fail("Unexpected server response: 403");
    clock.advance(500);
    await flush();
    expect(other.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "banned" });
  });

  it("a ban while chatting ends the room for good", async () => {
    const client = makeClient();
    const room = await enterRoom(client);
    room.receive({ type: "error", code: "banned", message: "banned" });
    room.drop(4002);
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "banned" });
  });

  it("keeps backing off on transient failures", async () => {
    let fail = true;
    const client = makeClient({
      getToken: async () => {
        if (fail) throw new ChatError("platform_unavailable");
        return "tok";
      },
    });
    client.start(null);
    await flush();
    expect(client.snapshot).toMatchObject({ phase: "connecting", reconnecting: true });
    fail = false;
    clock.advance(250);
    await flush();
    expect(net.sockets).toHaveLength(1);
  });
});

describe("the lobby refuses the socket (age gate, suspension)", () => {
  it("asks why once, and after the 18+ confirmation went again, waits in the lobby", async () => {
    const rechecks: number[] = [];
    const client = makeClient({
      recheckMatching: async () => {
        rechecks.push(clock.now());
      },
    });
    client.start("music");
    await flush();
    net.last.fail("Unexpected server response: 403");
    await flush();
    expect(rechecks).toHaveLength(1);
    // Straight back in, no reconnect banner.
    expect(client.snapshot).toMatchObject({ phase: "connecting", reconnecting: false });
    expect(net.sockets).toHaveLength(2);
    expect(net.last.url).toBe(`${WS}/api/lobby?topic=music`);
    net.last.open();
    net.last.receive({ type: "waiting", online: 3 });
    expect(client.snapshot).toMatchObject({ phase: "waiting", online: 3 });
  });

  it("a suspension ends the wait with its code and nothing retries", async () => {
    const client = makeClient({
      recheckMatching: () => Promise.reject(new ChatError("matching_suspended")),
    });
    client.start(null);
    await flush();
    net.last.fail("Unexpected server response: 403");
    await flush();
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "matching_suspended" });
    clock.advance(600_000);
    await flush();
    expect(net.sockets).toHaveLength(1);
    expect(tokenCalls).toEqual([false]);
  });

  it("a check that cannot reach the server retries with the usual backoff", async () => {
    let down = true;
    const client = makeClient({
      recheckMatching: async () => {
        if (down) throw new ChatError("network");
      },
    });
    client.start(null);
    await flush();
    net.last.fail("Unexpected server response: 403");
    await flush();
    expect(client.snapshot).toMatchObject({ phase: "connecting", reconnecting: true });
    expect(net.sockets).toHaveLength(1);
    down = false;
    clock.advance(250);
    await flush();
    expect(net.sockets).toHaveLength(2);
  });

  it("no 18+ confirmation anywhere ends the wait as adult_required", async () => {
    const client = makeClient({ recheckMatching: () => Promise.reject(new ChatError("adult_required")) });
    client.start(null);
    await flush();
    net.last.fail("Unexpected server response: 403");
    await flush();
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "adult_required" });
  });

  it("when the check finds nothing to fix, a second 403 takes the usual way: fresh login, then final", async () => {
    let rechecks = 0;
    const client = makeClient({
      recheckMatching: async () => {
        rechecks++;
      },
    });
    client.start(null);
    await flush();
    net.last.fail("Unexpected server response: 403");
    await flush();
    clock.advance(250);
    await flush();
    net.last.fail("Unexpected server response: 403");
    clock.advance(1_000);
    await flush();
    expect(tokenCalls[tokenCalls.length - 1]).toBe(true);
    net.last.fail("Unexpected server response: 403");
    expect(client.snapshot).toMatchObject({ phase: "ended", endReason: "failed", failure: "forbidden" });
    expect(rechecks).toBe(1);
  });

  it("a check that answers after the user cancelled changes nothing", async () => {
    let answer!: () => void;
    const client = makeClient({ recheckMatching: () => new Promise<void>((resolve) => (answer = resolve)) });
    client.start(null);
    await flush();
    net.last.fail("Unexpected server response: 403");
    client.cancel();
    answer();
    await flush();
    clock.advance(60_000);
    await flush();
    expect(client.snapshot.phase).toBe("idle");
    expect(net.sockets).toHaveLength(1);
  });
});

describe("a connection that notices its death (issue 19 item 5)", () => {
  it("a network change in the foreground probes the socket and replaces it within seconds when no pong comes", async () => {
    const client = makeClient({ probeMs: 3_000 });
    const room = await enterRoom(client, [{ id: "m4", seq: 4, from: "partner", text: "嗨", at: at(4) }]);
    client.networkChanged(true);
    expect(room.sent).toContain('{"type":"ping"}');
    clock.advance(3_000);
    expect(room.closedByClient).not.toBeNull();
    await flush();
    expect(net.last.url).toBe(`${WS}/api/rooms/r1?after=4&ticket=ticket3`);
  });

  it("a socket that answers the probe is kept", async () => {
    const client = makeClient({ probeMs: 3_000 });
    const room = await enterRoom(client);
    client.networkChanged(true);
    room.receive("pong");
    room.receive('{"type":"pong"}');
    clock.advance(10_000);
    expect(room.closedByClient).toBeNull();
    expect(net.sockets).toHaveLength(2);
  });

  it("a send with no answer probes the socket and resends on a new one long before the ack timeout, stored once", async () => {
    const client = makeClient({ probeMs: 3_000, ackTimeoutMs: 15_000 });
    const room = await enterRoom(client, [{ id: "m1", seq: 1, from: "partner", text: "嗨", at: at(1) }]);
    client.send("在吗");
    clock.advance(3_000); // no answer: a ping goes out
    expect(room.sent.filter((s) => s === '{"type":"ping"}')).toHaveLength(1);
    clock.advance(3_000); // no pong either: replaced
    expect(room.closedByClient).not.toBeNull();
    await flush();
    const fresh = net.last;
    fresh.open();
    fresh.receive({ type: "history", messages: [] });
    expect(fresh.frames).toEqual([{ type: "send", clientId: "c1", text: "在吗" }]);
    fresh.receive({ type: "ack", clientId: "c1", id: "m2", seq: 2, at: at(2) });
    expect(view(client.snapshot)).toEqual(["嗨:sent", "在吗:sent"]);
  });

  it("a renewal whose fresh login hits a network blip logs in afresh on the retry, never with the old ticket", async () => {
    let failNext = false;
    const client = makeClient({
      getToken: async (fresh) => {
        tokenCalls.push(fresh);
        if (failNext) {
          failNext = false;
          throw new ChatError("network");
        }
        return `tok${tokenCalls.length}`;
      },
    });
    const room = await enterRoom(client);
    failNext = true;
    room.receive({ type: "error", code: "ticket_required", message: "log in again" });
    await flush();
    clock.advance(60_000); // the backoff's retry
    await flush();
    expect(tokenCalls).toEqual([false, false, true, true]);
    net.last.open();
    net.last.receive({ type: "history", messages: [] });
    expect(client.snapshot.phase).toBe("chatting");
    expect(client.snapshot.failure).toBeNull();
  });

  it("pages history after the last page even when a live message or an ack arrives between pages", async () => {
    const client = makeClient();
    const room = await enterRoom(client, [{ id: "m1", seq: 1, from: "partner", text: "a", at: at(1) }]);
    const resumed = await reconnect(client, room);
    resumed.open();
    resumed.receive({ type: "history", more: true, messages: [{ id: "m2", seq: 2, from: "partner", text: "b", at: at(2) }] });
    // Live traffic before the next page arrives.
    resumed.receive({ type: "message", id: "m9", seq: 9, from: "partner", text: "live", at: at(9) });
    client.send("mine");
    resumed.receive({ type: "ack", clientId: "c1", id: "m10", seq: 10, at: at(10) });
    resumed.receive({ type: "history", more: true, messages: [{ id: "m3", seq: 3, from: "partner", text: "c", at: at(3) }] });
    expect(resumed.frames.filter((f) => f.type === "history")).toEqual([
      { type: "history", after: 2 },
      { type: "history", after: 3 },
    ]);
    // Dropped mid-paging: the resume starts after the last page, not after the live seq.
    resumed.drop();
    client.resume();
    await flush();
    expect(net.last.url).toBe(`${WS}/api/rooms/r1?after=3&ticket=ticket4`);
  });
});

describe("pictures still shown as 审核中 (issue 19 item 2)", () => {
  it("after the history the client asks the room about its own pictures under check, and shows the answer", async () => {
    const client = makeClient();
    const room = await enterRoom(client, [
      { id: "m1", seq: 1, from: "me", text: "", at: at(1), clientId: "old", kind: "image", pending: true, image: { id: "i1", url: null, width: 10, height: 10 } },
      { id: "m2", seq: 2, from: "partner", text: "好看", at: at(2) },
    ]);
    expect(room.frames).toEqual([{ type: "image_query", ids: ["m1"] }]);
    expect(client.snapshot.messages[0]).toMatchObject({ checking: true });
    room.receive({ type: "image_status", id: "m1", clientId: "old", status: "passed", image: { id: "i1", url: "https://x/i1", width: 10, height: 10 } });
    expect(client.snapshot.messages[0]).toMatchObject({ checking: false, image: { url: "https://x/i1" } });
    // Nothing under check: a later history asks nothing.
    (await reconnect(client, room)).open();
    net.last.receive({ type: "history", messages: [] });
    expect(net.last.frames).toEqual([]);
  });
});
