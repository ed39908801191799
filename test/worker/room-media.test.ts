// Pictures and recall inside the room (issue 14): image frames acked like sends, hidden from the
// partner until the platform's check passes, expired by the room's own alarm; recall within two
// minutes, removed from the room, D1 and R2 (except what a report already kept); reply notices.
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { findImage } from "../../worker/db/images";
import { listConsents } from "../../worker/db/subscriptions";
import { LIMITS } from "../../worker/protocol";
import type { Room } from "../../worker/room/room";
import { adminApi, api, d1Messages, enter, mustConnect, pair, platformPair, sendAndAck, sentTo } from "./helpers";
import { deliver, objectExists, png, traceOf, uploadOk, wechatAnswers } from "./media-helpers";

/** Two platform users, their room, and a way in with the ticket. */
async function platformRoom(platform: "wechat" | "qq") {
  const { alice, bob, conversationId, stub } = await platformPair(platform, "rm");
  const path = (who: { checkTicket?: string }) => `/api/rooms/${conversationId}?ticket=${encodeURIComponent(who.checkTicket ?? "")}`;
  const join = (who: typeof alice) => enter(path(who), who.token);
  return { alice, bob, conversationId, stub, join };
}

/** Moves a stored message back in time (the recall window is two minutes). */
function age(stub: DurableObjectStub<Room>, id: string, ms: number) {
  return runInDurableObject(stub, (_room: Room, state) => {
    state.storage.sql.exec("UPDATE messages SET at = at - ? WHERE id = ?", ms, id);
  });
}

describe("room: recall", () => {
  it("recalls one's own message within two minutes on both sides, in the room, resume and D1", async () => {
    const { alice, bob, roomId, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const kept = await sendAndAck(a.ws, "stays");
    const oops = await sendAndAck(a.ws, "sent by mistake");
    await b.ws.next("message");
    await b.ws.next("message");
    await stub.flush(); // in D1 already: the recall must reach it too

    a.ws.send({ type: "recall", id: oops.id });
    expect(await a.ws.next("recalled")).toEqual({ type: "recalled", id: oops.id, seq: oops.seq, from: "me" });
    expect(await b.ws.next("recalled")).toEqual({ type: "recalled", id: oops.id, seq: oops.seq, from: "partner" });

    const rest = await d1Messages(roomId, bob.token);
    expect(rest.map((m) => [m.text, m.kind])).toEqual([["stays", undefined], ["", "recalled"]]);
    const again = await enter(`${roomPath}?after=0`, bob.token);
    expect(again.history.map((m) => [m.id, m.text, m.kind])).toEqual([[kept.id, "stays", undefined], [oops.id, "", "recalled"]]);
    const stored = await runInDurableObject(stub, (_r: Room, state) => state.storage.sql.exec("SELECT body FROM messages").toArray());
    expect(JSON.stringify(stored)).not.toContain("sent by mistake");
    for (const s of [a.ws, b.ws, again.ws]) s.close();
  });

  it("tells a phone that was away during a recall when it resumes past that message", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    await sendAndAck(a.ws, "fine");
    const oops = await sendAndAck(a.ws, "oops");
    await b.ws.next("message");
    const seen = await b.ws.next("message");
    b.ws.close();
    a.ws.send({ type: "recall", id: oops.id });
    await a.ws.next("recalled");

    const back = await mustConnect(`${roomPath}?after=${seen.seq}`, bob.token);
    expect(await back.next("history")).toMatchObject({ messages: [] });
    expect(await back.next("recalled")).toEqual({ type: "recalled", id: oops.id, seq: oops.seq, from: "partner" });
    for (const s of [a.ws, back]) s.close();
  });

  it("refuses the partner's message (not_yours) and a late recall (recall_too_late), changing nothing", async () => {
    const { alice, bob, roomPath, stub } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const mine = await sendAndAck(a.ws, "old words");
    await b.ws.next("message");

    b.ws.send({ type: "recall", id: mine.id });
    expect(await b.ws.next("error")).toMatchObject({ code: "not_yours" });
    await age(stub, mine.id, LIMITS.recallWindowMs + 1000);
    a.ws.send({ type: "recall", id: mine.id });
    expect(await a.ws.next("error")).toMatchObject({ code: "recall_too_late" });
    a.ws.send({ type: "recall", id: "no-such-message" });
    expect(await a.ws.next("error")).toMatchObject({ code: "not_yours" });

    // Marker: a later message arrives, and nothing was recalled on either side.
    const marker = await sendAndAck(a.ws, "marker");
    expect((await b.ws.next("message")).id).toBe(marker.id);
    expect([...a.ws.pending(), ...b.ws.pending()].filter((f: any) => f.type === "recalled")).toEqual([]);
    const again = await enter(`${roomPath}?after=0`, bob.token);
    expect(again.history.map((m) => m.text)).toEqual(["old words", "marker"]);
    for (const s of [a.ws, b.ws, again.ws]) s.close();
  });

  it("recalling a picture removes it from R2, except one a report already holds", async () => {
    const { alice, bob, conversationId, join } = await platformRoom("qq");
    const a = await join(alice);
    const b = await join(bob);
    const first = await uploadOk(alice.token, conversationId, png(20, 20));
    const second = await uploadOk(alice.token, conversationId, png(20, 20));
    a.ws.send({ type: "image", clientId: "p1", imageId: first.id });
    const ack1 = await a.ws.next("ack");
    await b.ws.next("message");
    b.ws.send({ type: "report", reason: "spam", messageId: ack1.id });
    await b.ws.next("reported");
    a.ws.send({ type: "image", clientId: "p2", imageId: second.id });
    const ack2 = await a.ws.next("ack");
    await b.ws.next("message");

    a.ws.send({ type: "recall", id: ack1.id });
    await b.ws.next("recalled");
    a.ws.send({ type: "recall", id: ack2.id });
    await b.ws.next("recalled");
    expect(await objectExists(first.id)).toBe(true); // the report's evidence
    expect(await objectExists(second.id)).toBe(false);
    expect(await findImage(env.DB, second.id)).toBeUndefined();
    a.ws.close();
    b.ws.close();
  });
});

describe("room: pictures", () => {
  it("QQ: a checked picture is acked and delivered with a signed link; history signs a fresh one", async () => {
    const { alice, bob, conversationId, stub, join } = await platformRoom("qq");
    const a = await join(alice);
    const b = await join(bob);
    const file = png(40, 30);
    const up = await uploadOk(alice.token, conversationId, file);
    a.ws.send({ type: "image", clientId: "pic-1", imageId: up.id });
    const ack = await a.ws.next("ack");
    expect(ack).toMatchObject({ clientId: "pic-1", seq: 1 });
    expect(ack.pending).toBeUndefined();
    const got = await b.ws.next("message");
    expect(got).toMatchObject({ id: ack.id, from: "partner", text: "", kind: "image", image: { id: up.id, width: 40, height: 30 } });
    const view = await SELF.fetch(got.image.url);
    expect(view.status).toBe(200);
    expect(new Uint8Array(await view.arrayBuffer())).toEqual(file);

    // A retry is the same ack; the same picture again is refused.
    a.ws.send({ type: "image", clientId: "pic-1", imageId: up.id });
    expect(await a.ws.next("ack")).toEqual(ack);
    a.ws.send({ type: "image", clientId: "pic-2", imageId: up.id });
    expect(await a.ws.next("error")).toMatchObject({ code: "bad_message", clientId: "pic-2" });

    const again = await join(bob);
    expect(again.history).toMatchObject([{ id: ack.id, kind: "image", image: { id: up.id } }]);
    // REST and the admin console show that a picture was there.
    await stub.flush();
    expect(await d1Messages(conversationId, bob.token)).toMatchObject([{ id: ack.id, kind: "image", text: "", image: { id: up.id, url: null } }]);
    const admin = await (await adminApi(`/api/admin/console/conversations/${conversationId}`)).json<any>();
    expect(admin.messages).toMatchObject([{ id: ack.id, kind: "image" }]);
    expect(again.history[0].image.url).toContain("scope=view");
    for (const s of [a.ws, b.ws, again.ws]) s.close();
  });

  it("refuses a picture of another room or sender, or an unknown id", async () => {
    const { alice, bob, conversationId, join } = await platformRoom("qq");
    const other = await platformRoom("qq");
    const theirs = await uploadOk(other.alice.token, other.conversationId, png(5, 5));
    const bobs = await uploadOk(bob.token, conversationId, png(5, 5));
    const a = await join(alice);
    for (const imageId of [theirs.id, bobs.id, "nope"]) {
      a.ws.send({ type: "image", clientId: `c-${imageId}`, imageId });
      expect(await a.ws.next("error")).toMatchObject({ code: "bad_message", clientId: `c-${imageId}` });
    }
    a.ws.close();
  });

  it("WeChat: pending (审核中) to the sender only until the pass push, then delivered", async () => {
    const { alice, bob, conversationId, join } = await platformRoom("wechat");
    const a = await join(alice);
    const b = await join(bob);
    const up = await uploadOk(alice.token, conversationId, png(60, 80), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "wx-1", imageId: up.id });
    const ack = await a.ws.next("ack");
    expect(ack).toMatchObject({ clientId: "wx-1", pending: true });

    const marker = await sendAndAck(a.ws, "marker");
    expect((await b.ws.next("message")).id).toBe(marker.id);
    expect(b.ws.pending().filter((f: any) => f.type === "message")).toEqual([]);
    expect((await d1Messages(conversationId, bob.token)).map((m) => m.id)).not.toContain(ack.id);
    const mineNow = await join(alice);
    expect(mineNow.history[0]).toMatchObject({ id: ack.id, kind: "image", pending: true, image: { url: null } });
    const partnerNow = await join(bob);
    expect(partnerNow.history.map((m) => m.id)).toEqual([marker.id]);

    expect((await deliver(await wechatAnswers(await traceOf(up.id)))).status).toBe(200);
    expect(await mineNow.ws.next("image_status")).toMatchObject({ id: ack.id, clientId: "wx-1", status: "passed" });
    const shown = await partnerNow.ws.next("message");
    expect(shown).toMatchObject({ id: ack.id, kind: "image", image: { id: up.id, width: 60, height: 80 } });
    expect((await SELF.fetch(shown.image.url)).status).toBe(200);
    for (const s of [a.ws, b.ws, mineNow.ws, partnerNow.ws]) s.close();
  });

  it("WeChat: a risky picture is removed and only its sender is told", async () => {
    const { alice, bob, conversationId, join } = await platformRoom("wechat");
    const a = await join(alice);
    const b = await join(bob);
    const up = await uploadOk(alice.token, conversationId, png(10, 10, "RISKY"), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "wx-r", imageId: up.id });
    const ack = await a.ws.next("ack");
    expect((await deliver(await wechatAnswers(await traceOf(up.id)))).status).toBe(200);
    expect(await a.ws.next("image_status")).toMatchObject({ id: ack.id, status: "rejected" });
    const marker = await sendAndAck(a.ws, "after");
    expect((await b.ws.next("message")).id).toBe(marker.id);
    expect(b.ws.pending()).toEqual([]);
    const again = await join(alice);
    expect(again.history.map((m) => m.id)).toEqual([marker.id]);
    expect(await objectExists(up.id)).toBe(false);
    for (const s of [a.ws, b.ws, again.ws]) s.close();
  });

  it("WeChat: never answered, it expires on the room's own alarm", async () => {
    const { alice, bob, conversationId, stub, join } = await platformRoom("wechat");
    const a = await join(alice);
    const up = await uploadOk(alice.token, conversationId, png(10, 10, "SILENT"), alice.checkTicket);
    a.ws.send({ type: "image", clientId: "wx-s", imageId: up.id });
    const ack = await a.ws.next("ack");
    const due = await runInDurableObject(stub, (_r: Room, state) => state.storage.sql.exec("SELECT value FROM meta WHERE key = ?", `image_due:${up.id}`).one().value);
    expect(Number(due)).toBe((await findImage(env.DB, up.id))!.checkDeadline);
    expect(await runInDurableObject(stub, (_r: Room, state) => state.storage.getAlarm())).not.toBeNull();
    // The deadline passes (the alarm would fire then).
    await runInDurableObject(stub, (_r: Room, state) => void state.storage.sql.exec("UPDATE meta SET value = '1' WHERE key = ?", `image_due:${up.id}`));
    await runDurableObjectAlarm(stub);
    expect(await a.ws.next("image_status")).toMatchObject({ id: ack.id, status: "expired" });
    expect((await findImage(env.DB, up.id))!.status).toBe("expired");
    expect(await objectExists(up.id)).toBe(false);
    const b = await join(bob);
    expect(b.history).toEqual([]);
    a.ws.close();
    b.ws.close();
  });
});

describe("room: reply notice", () => {
  it("sends 对方回复了你 once per absence, only with consent", async () => {
    const { alice, bob, join } = await platformRoom("wechat");
    const a = await join(alice);
    const b = await join(bob);
    b.ws.send({ type: "leave" });
    await a.ws.next("partner_left");
    await sendAndAck(a.ws, "no consent yet"); // nothing to send with
    const consent = (kinds: string[]) => api("/api/subscriptions", { method: "POST", token: bob.token, json: { kinds, ticket: bob.checkTicket } });
    expect((await consent(["reply"])).status).toBe(200);

    await sendAndAck(a.ws, "one");
    for (let i = 0; i < 100 && (await sentTo(bob.openid)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    // The message opens this conversation (pages/chat/index?room=…), which the chat page resumes.
    expect(await sentTo(bob.openid)).toMatchObject([{ template_id: "tmpl-wx-reply", page: expect.stringMatching(/^pages\/chat\/index\?room=.+/) }]);
    // A second consent in the same absence stays unused: the room already tried once.
    expect((await consent(["reply"])).status).toBe(200);
    await sendAndAck(a.ws, "two");
    expect((await listConsents(env.DB, bob.user.id)).map((c) => c.kind)).toEqual(["reply"]);

    // Back, away again: one more.
    const back = await join(bob);
    back.ws.send({ type: "leave" });
    await a.ws.next("partner_left");
    await sendAndAck(a.ws, "three");
    for (let i = 0; i < 100 && (await sentTo(bob.openid)).length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await sentTo(bob.openid)).toHaveLength(2);
    a.ws.close();
  });
});
