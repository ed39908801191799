import { env, runInDurableObject, evictDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Lobby } from "../../worker/lobby/lobby";
import { shardStub } from "../../worker/lobby/shards";
import { roomConnectRequest, type RoomConnect } from "../../worker/room/connect";
import type { Room } from "../../worker/room/room";
import { devLogin, enter, pair, sendAndAck } from "./helpers";
import { joinShard, matched, newPool, roomMembers } from "./lobby-helpers";

// Values that cross a storage or trust boundary into the room and lobby objects are parsed, not
// cast: a value of the wrong shape is refused and logged, and nothing else stops working.

afterEach(() => vi.restoreAllMocks());

describe("room: the connect header and socket attachments", () => {
  it("refuses a room-connect header of the wrong shape with 400, accepting nothing", async () => {
    const p = await pair();
    const good: RoomConnect = {
      userId: p.alice.user.id,
      platform: "dev",
      conversationId: p.roomId,
      userA: p.alice.user.id,
      userB: p.bob.user.id,
      after: null,
      hiddenUpTo: 0,
      openid: null,
    };
    for (const bad of [{ ...good, after: "0" }, { ...good, platform: "web" }, { ...good, hiddenUpTo: -1 }, { ...good, openid: 7 }]) {
      const res = await p.stub.fetch(roomConnectRequest("https://room.internal/connect", bad as unknown as RoomConnect));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: "bad_request" } });
    }
    // The same header, well formed, is accepted.
    const res = await p.stub.fetch(roomConnectRequest("https://room.internal/connect", good));
    expect(res.status).toBe(101);
    res.webSocket!.accept();
    res.webSocket!.close(1000, "done");
  });

  it("refuses frames from a socket whose attachment has the wrong shape, storing nothing; the partner keeps chatting", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await a.ws.next("presence");
    await runInDurableObject(p.stub, (_room: Room, state) => {
      for (const ws of state.getWebSockets(p.alice.user.id)) ws.serializeAttachment({ userId: 42, platform: "dev" });
    });
    // Read back after a wake-up, as storage written by an older version would be (memory holds the parsed copy until then).
    await evictDurableObject(p.stub, { webSockets: "hibernate" });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    a.ws.send({ type: "send", clientId: "c-bad", text: "not trusted" });
    expect(await a.ws.next("error")).toMatchObject({ code: "internal" });
    expect((await a.ws.waitClosed()).code).toBe(1008);
    expect(warn.mock.calls.map((c) => c[0])).toContainEqual(expect.objectContaining({ event: "room.bad_attachment" }));
    // Bob still sends and is acked; alice's frame left no row.
    await sendAndAck(b.ws, "still here");
    const bodies = await runInDurableObject(p.stub, (_room: Room, state) =>
      state.storage.sql.exec("SELECT body FROM messages").toArray().map((r) => r.body),
    );
    expect(bodies).toEqual(["still here"]);
    b.ws.close();
  });
});

describe("lobby: queue rows", () => {
  it("skips and logs a queue row it cannot read; everyone else still pairs", async () => {
    const pool = newPool();
    const stub = shardStub(env, pool, 0);
    await runInDurableObject(stub, (_lobby: Lobby, state) => {
      state.storage.sql.exec(
        "INSERT INTO queue (user_id, ticket, topic, since, blocked, held_at) VALUES ('ghost', 't', NULL, ?, 'not json', NULL)",
        Date.now(),
      );
    });
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const [alice, bob] = await Promise.all([devLogin(), devLogin()]);
    const a = await joinShard(pool, alice.user.id);
    const b = await joinShard(pool, bob.user.id);
    const [ma, mb] = await Promise.all([matched(a), matched(b)]);
    expect(ma.roomId).toBe(mb.roomId);
    expect(await roomMembers(ma.roomId)).toEqual([alice.user.id, bob.user.id].sort());
    expect(warn.mock.calls.map((c) => c[0])).toContainEqual(expect.objectContaining({ event: "lobby.bad_rows", table: "queue" }));
  });
});
