import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Room } from "../../worker/room/room";
import { api, connect, d1Messages, devLogin, enter, pair, sendAndAck, sleep, TestSocket } from "./helpers";

describe("room: relay", () => {
  it("relays a message: ack to the sender, message to the partner, typing forwarded", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    expect(a.history).toEqual([]);
    expect(a.presence).toBe("offline");
    const b = await enter(roomPath, bob.token);
    expect(b.presence).toBe("online");
    expect(await a.ws.next("presence")).toEqual({ type: "presence", partner: "online" });

    const ack = await sendAndAck(a.ws, "  你好 ", "c-1");
    expect(ack).toMatchObject({ type: "ack", clientId: "c-1", seq: 1 });
    const delivered = await b.ws.next("message");
    expect(delivered).toEqual({ type: "message", id: ack.id, seq: 1, from: "partner", text: "你好", at: ack.at });

    b.ws.send({ type: "typing" });
    expect(await a.ws.next("typing")).toEqual({ type: "typing" });
    b.ws.send('{ "type": "ping" }');
    expect(await b.ws.next("pong")).toEqual({ type: "pong" });
    a.ws.close();
    b.ws.close();
  });

  it("answers a retried clientId with the same ack, storing and delivering it once", async () => {
    const { alice, bob, roomId, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const first = await sendAndAck(a.ws, "once", "retry-me");
    const again = await sendAndAck(a.ws, "once", "retry-me");
    expect(again).toEqual(first);
    const next = await sendAndAck(a.ws, "twice", "other");
    expect(next.seq).toBe(first.seq + 1);
    expect((await b.ws.next("message")).id).toBe(first.id);
    expect((await b.ws.next("message")).id).toBe(next.id);
    expect(b.ws.pending().filter((f: any) => f.type === "message")).toEqual([]);

    await stub.flush();
    const stored = await d1Messages(roomId, alice.token);
    expect(stored.map((m) => m.text)).toEqual(["once", "twice"]);
    a.ws.close();
    b.ws.close();
  });

  it("keeps history across meetings: the same pair sees earlier messages on a fresh connect", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    await sendAndAck(a.ws, "first meeting");
    b.ws.send({ type: "leave" });
    expect(await a.ws.next("partner_left")).toEqual({ type: "partner_left" });
    a.ws.send({ type: "leave" });
    await a.ws.waitClosed();

    const again = await enter(roomPath, bob.token);
    expect(again.history).toMatchObject([{ seq: 1, from: "partner", text: "first meeting" }]);
    // A fresh meeting does not report the partner's departure from the previous one (the ack is
    // the sync point: anything the connect sent came before it).
    await sendAndAck(again.ws, "marker");
    expect(again.ws.pending()).toEqual([]);
    again.ws.close();
  });
});

describe("room: access", () => {
  it("lets only the two participants in, with a token in the header or the query", async () => {
    const { alice, roomPath, roomId } = await pair();
    const eve = await devLogin();

    const stranger = await connect(roomPath, eve.token);
    expect(stranger).toBeInstanceOf(Response);
    expect((stranger as Response).status).toBe(403);
    expect(await (stranger as Response).json()).toMatchObject({ error: { code: "forbidden" } });

    const anonymous = (await connect(roomPath)) as Response;
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ error: { code: "unauthorized" } });

    const forged = (await connect(roomPath, `${alice.token.slice(0, -4)}AAAA`)) as Response;
    expect(forged.status).toBe(401);

    const unknown = (await connect(`/api/rooms/${roomId}x`, alice.token)) as Response;
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });

    const viaQuery = await connect(roomPath, alice.token, true);
    expect(viaQuery).toBeInstanceOf(TestSocket);
    (viaQuery as TestSocket).close();

    const notUpgrade = await api(roomPath, { token: alice.token });
    expect(notUpgrade.status).toBe(426);
  });
});

describe("room: bad frames", () => {
  const cases: [string, string | ArrayBuffer, string][] = [
    ["invalid JSON", "{nope", "bad_message"],
    ["a JSON array", "[1,2]", "bad_message"],
    ["no type", JSON.stringify({ text: "hi" }), "bad_message"],
    ["unknown type", JSON.stringify({ type: "shout" }), "unknown_type"],
    ["send without clientId", JSON.stringify({ type: "send", text: "hi" }), "bad_message"],
    ["send with a number as text", JSON.stringify({ type: "send", clientId: "x", text: 5 }), "bad_message"],
    ["blank text", JSON.stringify({ type: "send", clientId: "x", text: "   " }), "empty_text"],
    ["text over 1000 characters", JSON.stringify({ type: "send", clientId: "x", text: "字".repeat(1001) }), "text_too_long"],
    ["a binary frame", new Uint8Array([1, 2, 3]).buffer, "binary_not_supported"],
  ];

  it.each(cases)("%s gets its error code and the room keeps working", async (_name, frame, code) => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const before = await sendAndAck(a.ws, "before");
    await b.ws.next("message");

    a.ws.ws.send(frame);
    expect(await a.ws.next("error")).toMatchObject({ type: "error", code });

    const after = await sendAndAck(a.ws, "after");
    expect(after.seq).toBe(before.seq + 1);
    expect(await b.ws.next("message")).toMatchObject({ text: "after" });
    a.ws.close();
    b.ws.close();
  });

  it("closes a socket that sends a frame over 8 KiB with 1009; history survives and the user can return", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    await sendAndAck(a.ws, "kept");
    a.ws.send({ type: "send", clientId: "big", text: "x".repeat(9000) });
    expect(await a.ws.next("error")).toMatchObject({ code: "frame_too_large" });
    expect((await a.ws.waitClosed()).code).toBe(1009);
    expect(await b.ws.next("presence")).toEqual({ type: "presence", partner: "offline" });

    const back = await enter(`${roomPath}?after=0`, alice.token);
    expect(back.history.map((m) => m.text)).toEqual(["kept"]);
    expect(await sendAndAck(back.ws, "still here")).toMatchObject({ seq: 2 });
    back.ws.close();
    b.ws.close();
  });
});

describe("room: drops, resume and grace", () => {
  it("resumes with after= without missing or repeating anything", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const seen = await sendAndAck(b.ws, "seen before the drop");
    await a.ws.next("message");
    a.ws.close(4000, "network");
    expect(await b.ws.next("presence")).toEqual({ type: "presence", partner: "offline" });
    await sendAndAck(b.ws, "while you were away 1");
    await sendAndAck(b.ws, "while you were away 2");

    const back = await enter(`${roomPath}?after=${seen.seq}`, alice.token);
    expect(back.history.map((m) => m.text)).toEqual(["while you were away 1", "while you were away 2"]);
    expect(back.presence).toBe("online");
    expect(await b.ws.next("presence")).toEqual({ type: "presence", partner: "online" });
    back.ws.close();
    b.ws.close();
  });

  it("turns a drop into partner_left only after the grace period", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    a.ws.close(4000, "gone");
    expect(await b.ws.next("presence")).toEqual({ type: "presence", partner: "offline" });
    // RECONNECT_GRACE_MS is 400 in tests; the alarm fires after it.
    expect(await b.ws.next("partner_left", 5000)).toEqual({ type: "partner_left" });

    // Coming back with after= after the partner's grace ran out tells the returning user too.
    b.ws.close(4000, "gone");
    // The server echoes the close once its handler ran.
    await b.ws.waitClosed();
    const late = await enter(`${roomPath}?after=0`, alice.token);
    expect(late.presence).toBe("offline");
    late.ws.close();
  });

  it("tells a resuming user that the partner left while they were away", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    a.ws.close(4000, "network");
    await b.ws.next("presence");
    b.ws.send({ type: "leave" });
    await b.ws.waitClosed();
    const back = await enter(`${roomPath}?after=0`, alice.token);
    expect(await back.ws.next("partner_left")).toEqual({ type: "partner_left" });
    back.ws.close();
  });

  it("replaces an older socket of the same user", async () => {
    const { alice, roomPath } = await pair();
    const first = await enter(roomPath, alice.token);
    const second = await enter(`${roomPath}?after=0`, alice.token);
    expect(await first.ws.next("error")).toMatchObject({ code: "replaced" });
    expect((await first.ws.waitClosed()).code).toBe(4001);
    expect(await sendAndAck(second.ws, "from the new socket")).toMatchObject({ seq: 1 });
    second.ws.close();
  });
});

describe("room: durability", () => {
  it("survives hibernation: sockets and their identities come back after eviction", async () => {
    const { alice, bob, roomId, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    await sendAndAck(a.ws, "before sleep");
    await b.ws.next("message");

    await evictDurableObject(stub, { webSockets: "hibernate" });

    const ack = await sendAndAck(b.ws, "after sleep");
    expect(ack.seq).toBe(2);
    expect(await a.ws.next("message")).toMatchObject({ from: "partner", text: "after sleep", seq: 2 });
    await stub.flush();
    expect((await d1Messages(roomId, bob.token)).map((m) => [m.seq, m.from, m.text])).toEqual([
      [1, "partner", "before sleep"],
      [2, "me", "after sleep"],
    ]);
    a.ws.close();
    b.ws.close();
  });

  it("loses and duplicates nothing when evicted between the ack and the D1 copy", async () => {
    const { alice, bob, roomId, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    // Hold the copy back so eviction lands between the ack and the copy.
    await runInDurableObject(stub, async (_room: Room, state) => {
      await state.storage.deleteAlarm();
    });
    const acks = [];
    for (const text of ["one", "two", "three"]) acks.push(await sendAndAck(a.ws, text));
    await runInDurableObject(stub, async (_room: Room, state) => {
      await state.storage.deleteAlarm();
    });
    expect(await d1Messages(roomId, alice.token)).toEqual([]);

    await evictDurableObject(stub, { webSockets: "hibernate" });
    expect(await runDurableObjectAlarm(stub)).toBe(false); // no alarm pending: the copy has not run
    expect(await stub.flush()).toBe(3);

    // A copy that reached D1 but crashed before it was marked done is retried: still one each.
    await runInDurableObject(stub, (_room: Room, state) => {
      state.storage.sql.exec("UPDATE meta SET value = '0' WHERE key = 'copied_through'");
    });
    await evictDurableObject(stub, { webSockets: "hibernate" }); // the crash: nothing cached survives
    expect(await stub.flush()).toBe(3);
    const stored = await d1Messages(roomId, bob.token);
    expect(stored.map((m) => m.id)).toEqual(acks.map((ack) => ack.id));
    expect(stored.map((m) => m.text)).toEqual(["one", "two", "three"]);
    a.ws.close();
    b.ws.close();
  });

  it("copies to D1 from its own alarm, without anyone asking", async () => {
    const { alice, roomId, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    await sendAndAck(a.ws, "copied by the alarm");
    // D1_FLUSH_DELAY_MS is 50 in tests.
    let stored: Awaited<ReturnType<typeof d1Messages>> = [];
    for (let i = 0; i < 50 && stored.length === 0; i++) {
      await sleep(50);
      stored = await d1Messages(roomId, alice.token);
    }
    expect(stored.map((m) => m.text)).toEqual(["copied by the alarm"]);
    a.ws.close();
  });
});

describe("room: retention", () => {
  it("forgets messages older than RETENTION_DAYS that D1 already has, from its own alarm", async () => {
    const { alice, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    await sendAndAck(a.ws, "old news");
    await sendAndAck(a.ws, "fresh");
    await stub.flush();
    a.ws.close();
    const longAgo = Date.now() - 31 * 24 * 60 * 60 * 1000;
    await runInDurableObject(stub, (_room: Room, state) => {
      state.storage.sql.exec("UPDATE messages SET at = ? WHERE seq = 1", longAgo);
    });
    // An alarm is pending (alice's grace period); when it runs, the old message goes.
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const left = await runInDurableObject(stub, (_room: Room, state) =>
      state.storage.sql.exec("SELECT body FROM messages ORDER BY seq").toArray().map((r) => r.body),
    );
    expect(left).toEqual(["fresh"]);
  });
});
