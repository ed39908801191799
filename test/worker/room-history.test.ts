import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../worker/protocol";
import type { Room } from "../../worker/room/room";
import type { RoomStore } from "../../worker/room/store";
import { enter, mustConnect, pair, sendAndAck } from "./helpers";

// History the client can rely on: bounded pages, its own clientIds, and a seq that is never reused.

/** Writes `count` messages into the room's own store (as sends would, without the rate limit). */
async function fill(stub: DurableObjectStub<Room>, senders: [string, string], count: number) {
  await runInDurableObject(stub, (room: Room) => {
    const store = (room as unknown as { store: RoomStore }).store;
    for (let i = 0; i < count; i++) {
      store.append({ id: crypto.randomUUID(), sender: senders[i % 2], clientId: `fill-${i}`, body: `m${i + 1}`, at: Date.now(), flag: null });
    }
  });
}

describe("room: history in bounded pages", () => {
  it("resumes with at most historyPageMax messages a frame, `more` set, and the client asks for the rest", async () => {
    const p = await pair();
    const first = await enter(p.roomPath, p.alice.token);
    first.ws.close();
    await fill(p.stub, [p.alice.user.id, p.bob.user.id], 450);

    const a = await enter(`${p.roomPath}?after=0`, p.alice.token);
    expect(a.history).toHaveLength(LIMITS.historyPageMax);
    expect(a.history[0].seq).toBe(1);
    const seqs = a.history.map((m) => m.seq);
    // enter() consumed the first frame; its `more` is checked through the next pages' continuity.
    a.ws.send({ type: "history", after: seqs.at(-1) });
    const second = await a.ws.next("history");
    expect(second.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: 200 }, (_, i) => 201 + i));
    expect(second.more).toBe(true);
    a.ws.send({ type: "history", after: 400 });
    const last = await a.ws.next("history");
    expect(last.messages.map((m: any) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => 401 + i));
    expect(last.more).toBeUndefined();

    a.ws.send({ type: "history", after: -1 });
    expect(await a.ws.next("error")).toMatchObject({ code: "bad_message" });
    a.ws.close();

    // A fresh meeting gets the newest historyOnConnect, in one frame.
    const fresh = await enter(p.roomPath, p.bob.token);
    expect(fresh.history.map((m) => m.seq)).toEqual(Array.from({ length: LIMITS.historyOnConnect }, (_, i) => 401 + i));
    fresh.ws.close();
  });

  it("marks the first resume frame with more: true when it is cut", async () => {
    const p = await pair();
    (await enter(p.roomPath, p.alice.token)).ws.close();
    await fill(p.stub, [p.alice.user.id, p.bob.user.id], LIMITS.historyPageMax + 1);
    const ws = await mustConnect(`${p.roomPath}?after=0`, p.alice.token);
    const frame = await ws.next("history");
    expect(frame.messages).toHaveLength(LIMITS.historyPageMax);
    expect(frame.more).toBe(true);
    ws.close();
  });
});

describe("room: clientId where the client needs it", () => {
  it("history carries the clientId on the caller's own messages only", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(a.ws, "mine", "alice-1");
    await sendAndAck(b.ws, "theirs", "bob-1");
    a.ws.close();
    const back = await enter(`${p.roomPath}?after=0`, p.alice.token);
    expect(back.history).toEqual([
      expect.objectContaining({ from: "me", text: "mine", clientId: "alice-1" }),
      expect.not.objectContaining({ clientId: expect.anything() }),
    ]);
    back.ws.close();
    b.ws.close();
  });

  it("an error about a send names that send's clientId", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    a.ws.send({ type: "send", clientId: "blank", text: "   " });
    expect(await a.ws.next("error")).toMatchObject({ code: "empty_text", clientId: "blank" });
    for (let i = 0; i < 10; i++) a.ws.send({ type: "send", clientId: `ok-${i}`, text: "x" });
    a.ws.send({ type: "send", clientId: "second-one", text: "over the limit" });
    for (let i = 0; i < 10; i++) await a.ws.next("ack");
    expect(await a.ws.next("error")).toMatchObject({ code: "rate_limited", clientId: "second-one" });
    // An error that is not about a send has none.
    a.ws.send({ type: "shout" });
    expect(await a.ws.next("error")).not.toHaveProperty("clientId");
    a.ws.close();
  });
});

describe("room: seq is never reused", () => {
  it("continues the sequence after retention pruned every message of an idle room", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    await sendAndAck(a.ws, "one");
    await sendAndAck(a.ws, "two");
    await p.stub.flush();
    a.ws.close();
    await runInDurableObject(p.stub, (_room: Room, state) => {
      state.storage.sql.exec("UPDATE messages SET at = ?", Date.now() - 31 * 24 * 60 * 60 * 1000);
    });
    // The pending alarm (alice's grace period) prunes both.
    expect(await runDurableObjectAlarm(p.stub)).toBe(true);
    const left = await runInDurableObject(p.stub, (_room: Room, state) => state.storage.sql.exec("SELECT count(*) AS n FROM messages").one().n);
    expect(left).toBe(0);

    await evictDurableObject(p.stub);
    const back = await enter(p.roomPath, p.alice.token);
    expect((await sendAndAck(back.ws, "three")).seq).toBe(3);
    back.ws.close();
  });
});
