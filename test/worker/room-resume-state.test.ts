// What changed while a phone was away is told on its resume (issue 19 item 2, issue 18 item 3):
// a picture's verdict that met no socket, and a recall, however many messages came after it.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LIMITS, type LoginResponse } from "../../worker/protocol";
import type { Room } from "../../worker/room/room";
import { enter, mustConnect, pair, platformPair, sendAndAck } from "./helpers";
import { deliver, png, traceOf, uploadOk, wechatAnswers } from "./media-helpers";

async function wechatRoom() {
  const { alice, bob, conversationId } = await platformPair("wechat", "rs");
  const path = (who: LoginResponse, after?: number) =>
    `/api/rooms/${conversationId}?ticket=${encodeURIComponent(who.checkTicket ?? "")}${after === undefined ? "" : `&after=${after}`}`;
  return { alice, bob, conversationId, path };
}

/** Stores `n` messages from `sender` straight into the room (past the send rate limit). */
function fill(stub: DurableObjectStub<Room>, sender: string, n: number) {
  return runInDurableObject(stub, (room: Room) => {
    const store = (room as unknown as { store: { append(d: object): unknown } }).store;
    for (let i = 0; i < n; i++) store.append({ id: `filler-${i}-${crypto.randomUUID()}`, sender, clientId: `f${i}`, body: `filler ${i}`, at: Date.now(), flag: null });
  });
}

describe("room: a resume tells what changed while away", () => {
  it("a recall made while away is told however many messages followed it", async () => {
    const { alice, bob, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const oops = await sendAndAck(a.ws, "sent by mistake");
    const seen = await b.ws.next("message");
    b.ws.close();
    a.ws.send({ type: "recall", id: oops.id });
    await a.ws.next("recalled");
    await fill(stub, alice.user.id, LIMITS.historyPageMax + 10); // more than the latest 50, and than one page

    const back = await mustConnect(`${roomPath}?after=${seen.seq}`, bob.token);
    const first = await back.next("history");
    expect(first.more).toBe(true);
    expect(await back.next("recalled")).toEqual({ type: "recalled", id: oops.id, seq: oops.seq, from: "partner" });
    for (const s of [a.ws, back]) s.close();
  });

  it("a picture that passed its check while its sender was away is shown on return", async () => {
    const { alice, conversationId, path } = await wechatRoom();
    const a = await enter(path(alice), alice.token);
    const up = await uploadOk(alice.token, conversationId, png(60, 80), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "away-1", imageId: up.id });
    const ack = await a.ws.next("ack");
    expect(ack).toMatchObject({ pending: true });
    a.ws.close();
    expect((await deliver(await wechatAnswers(await traceOf(up.id)))).status).toBe(200);

    const back = await mustConnect(path(alice, ack.seq), alice.token);
    expect(await back.next("history")).toMatchObject({ messages: [] });
    const status = await back.next("image_status");
    expect(status).toMatchObject({ id: ack.id, clientId: "away-1", status: "passed", image: { id: up.id, width: 60, height: 80 } });
    expect(status.image.url).toEqual(expect.any(String));
    back.close();
  });

  it("a picture refused while its sender was away is told on return (it never stays 审核中)", async () => {
    const { alice, conversationId, path } = await wechatRoom();
    const a = await enter(path(alice), alice.token);
    const up = await uploadOk(alice.token, conversationId, png(10, 10, "RISKY"), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "away-r", imageId: up.id });
    const ack = await a.ws.next("ack");
    a.ws.close();
    expect((await deliver(await wechatAnswers(await traceOf(up.id)))).status).toBe(200);

    const back = await mustConnect(path(alice, ack.seq), alice.token);
    await back.next("history");
    expect(await back.next("image_status")).toEqual({ type: "image_status", id: ack.id, clientId: "away-r", status: "rejected" });
    back.close();
  });

  it("the partner's resume hears nothing of a picture they never saw", async () => {
    const { alice, bob, conversationId, path } = await wechatRoom();
    const a = await enter(path(alice), alice.token);
    const b = await enter(path(bob), bob.token);
    const before = await sendAndAck(b.ws, "hello");
    const up = await uploadOk(alice.token, conversationId, png(10, 10, "RISKY"), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "p-r", imageId: up.id });
    const ack = await a.ws.next("ack");
    b.ws.close();
    expect((await deliver(await wechatAnswers(await traceOf(up.id)))).status).toBe(200);
    await a.ws.next("image_status");
    const back = await mustConnect(path(bob, ack.seq), bob.token);
    await back.next("history");
    // A marker after the resume: nothing about the picture came before it.
    const marker = await sendAndAck(a.ws, "marker");
    expect((await back.next("message")).id).toBe(marker.id);
    expect(back.pending().filter((f: any) => f.type === "image_status" || f.type === "recalled")).toEqual([]);
    expect(before.seq).toBeLessThan(ack.seq);
    for (const s of [a.ws, back]) s.close();
  });
});

describe("room: the phone asks about pictures it still shows as 审核中", () => {
  it("answers the verdict of one's own pictures, nothing for one still under check or the partner's, expired for a gone one", async () => {
    const { alice, bob, conversationId, path } = await wechatRoom();
    const a = await enter(path(alice), alice.token);
    const b = await enter(path(bob), bob.token);
    const passed = await uploadOk(alice.token, conversationId, png(30, 30), alice.checkTicket);
    const waiting = await uploadOk(alice.token, conversationId, png(30, 30, "SILENT"), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "q-pass", imageId: passed.id });
    const passedAck = await a.ws.next("ack");
    a.ws.send({ type: "image", clientId: "q-wait", imageId: waiting.id });
    const waitingAck = await a.ws.next("ack");
    const bobs = await sendAndAck(b.ws, "bob's words");
    // The verdict lands, but the frame telling alice is lost (her socket is replaced at that moment).
    a.ws.close();
    expect((await deliver(await wechatAnswers(await traceOf(passed.id)))).status).toBe(200);
    const fresh = await enter(path(alice), alice.token); // a fresh connect: no `after`, so no resume frames

    fresh.ws.send({ type: "image_query", ids: [passedAck.id, waitingAck.id, bobs.id, "gone-id"] });
    expect(await fresh.ws.next("image_status")).toMatchObject({ id: passedAck.id, clientId: "q-pass", status: "passed", image: { id: passed.id } });
    expect(await fresh.ws.next("image_status")).toEqual({ type: "image_status", id: "gone-id", clientId: "", status: "expired" });
    const marker = await sendAndAck(fresh.ws, "marker");
    expect(marker.id).toBeTruthy();
    expect(fresh.ws.pending().filter((f: any) => f.type === "image_status")).toEqual([]);
    for (const s of [b.ws, fresh.ws]) s.close();
  });

  it("refuses a malformed query", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    a.ws.send({ type: "image_query", ids: Array.from({ length: LIMITS.imageQueryMax + 1 }, (_, i) => `m${i}`) });
    expect(await a.ws.next("error")).toMatchObject({ code: "bad_message" });
    a.ws.send({ type: "image_query", ids: [42] });
    expect(await a.ws.next("error")).toMatchObject({ code: "bad_message" });
    a.ws.close();
    void bob;
  });
});
