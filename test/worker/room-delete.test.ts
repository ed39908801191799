import { historyDbFor } from "../../worker/history/shards";
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLOSE, type ConversationsResponse } from "../../worker/protocol";
import type { Room } from "../../worker/room/room";
import { adminApi, api, connect, d1Messages, enter, pair, sendAndAck } from "./helpers";

// Deleting a chat is the deleter's alone; erasing oneself ends one's rooms for good.

const listed = async (token: string) =>
  (await (await api("/api/conversations", { token })).json<ConversationsResponse>()).conversations.map((c) => c.id);

const d1Count = async (roomId: string) =>
  (await historyDbFor(env, roomId).prepare("SELECT count(*) AS n FROM messages WHERE conversation_id = ?").bind(roomId).first<{ n: number }>())!.n;

describe("room: delete chat hides it for the caller only", () => {
  it("the deleter sees nothing before the deletion; the partner keeps everything and can still report it", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(b.ws, "abuse 1");
    await sendAndAck(b.ws, "abuse 2");
    await p.stub.flush();
    b.ws.close();
    await a.ws.next("presence");

    // The abuser deletes the chat before being reported.
    const res = await api(`/api/conversations/${p.roomId}`, { method: "DELETE", token: p.bob.token });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ deleted: 2 });
    expect(await d1Messages(p.roomId, p.bob.token)).toEqual([]);
    expect(await listed(p.bob.token)).not.toContain(p.roomId);
    const back = await enter(`${p.roomPath}?after=0`, p.bob.token);
    expect(back.history).toEqual([]);
    back.ws.send({ type: "history", after: 0 });
    expect((await back.ws.next("history")).messages).toEqual([]);

    // The partner still has it all, in REST, in the room, and in a report.
    expect((await d1Messages(p.roomId, p.alice.token)).map((m) => m.text)).toEqual(["abuse 1", "abuse 2"]);
    expect(await listed(p.alice.token)).toContain(p.roomId);
    const again = await enter(`${p.roomPath}?after=0`, p.alice.token);
    expect(again.history.map((m) => m.text)).toEqual(["abuse 1", "abuse 2"]);
    expect((await api("/api/reports", { method: "POST", token: p.alice.token, json: { conversationId: p.roomId, reason: "abuse" } })).status).toBe(204);
    const reports = await (await adminApi("/api/admin/reports?limit=100")).json<{ reports: any[] }>();
    const report = reports.reports.find((r) => r.conversationId === p.roomId);
    expect(report.messages.map((m: any) => m.text)).toEqual(["abuse 1", "abuse 2"]);

    // What comes after the deletion is the deleter's again.
    await sendAndAck(back.ws, "new start");
    await p.stub.flush();
    expect((await d1Messages(p.roomId, p.bob.token)).map((m) => [m.seq, m.text])).toEqual([[3, "new start"]]);
    expect(await listed(p.bob.token)).toContain(p.roomId);
    back.ws.close();
    again.ws.close();
    a.ws.close();
  });

  it("removes the messages for good once both have deleted them", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    await sendAndAck(a.ws, "one");
    await sendAndAck(a.ws, "two");
    await p.stub.flush();
    await sendAndAck(a.ws, "three, still only in the room");

    expect((await api(`/api/conversations/${p.roomId}`, { method: "DELETE", token: p.alice.token })).status).toBe(200);
    expect(await d1Count(p.roomId)).toBe(2);
    expect((await api(`/api/conversations/${p.roomId}`, { method: "DELETE", token: p.bob.token })).status).toBe(200);
    await p.stub.flush();
    expect(await d1Count(p.roomId)).toBe(0);
    const inRoom = await runInDurableObject(p.stub, (_room: Room, state) =>
      state.storage.sql.exec("SELECT count(*) AS n FROM messages").one().n,
    );
    expect(inRoom).toBe(0);
    // The sequence goes on.
    expect((await sendAndAck(a.ws, "four")).seq).toBe(4);
    a.ws.close();
  });
});

describe("room: self-erasure ends the user's rooms", () => {
  it("tells and closes the partner, acks nothing after, refuses to reopen, and forgets the erased id", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(a.ws, "hello");
    await b.ws.next("message");

    expect((await api("/api/me", { method: "DELETE", token: p.alice.token })).status).toBe(200);
    expect(await b.ws.next("partner_left")).toEqual({ type: "partner_left" });
    expect(await b.ws.next("error")).toMatchObject({ code: "conversation_ended" });
    expect((await b.ws.waitClosed()).code).toBe(CLOSE.ended);
    expect(b.ws.pending().filter((f: any) => f.type === "partner_left")).toEqual([]);

    // The room refuses to start again, and sends reaching it are not acked.
    const reopened = await connect(p.roomPath, p.bob.token);
    expect(reopened).toBeInstanceOf(Response);
    expect([404, 410]).toContain((reopened as Response).status);

    const kept = await runInDurableObject(p.stub, (_room: Room, state) =>
      JSON.stringify(["meta", "members", "messages"].map((t) => state.storage.sql.exec(`SELECT * FROM ${t}`).toArray())),
    );
    expect(kept).not.toContain(p.alice.user.id);
  });

  it("a room that still has the pair's row refuses connects once ended (410) and stores nothing more", async () => {
    const p = await pair();
    const b = await enter(p.roomPath, p.bob.token);
    await p.stub.endForErasure(p.alice.user.id);
    expect(await b.ws.next("partner_left")).toEqual({ type: "partner_left" });
    expect((await b.ws.waitClosed()).code).toBe(CLOSE.ended);
    const refused = (await connect(p.roomPath, p.bob.token)) as Response;
    expect(refused.status).toBe(410);
    expect(await refused.json()).toMatchObject({ error: { code: "conversation_ended" } });
  });
});
