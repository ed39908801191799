import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminApi, d1Messages, enter, pair, platformPair, sendAndAck } from "./helpers";

// What the room does with the safety modules: moderation before anything is stored or relayed,
// per-user rate limits, reports from the socket, and the check ticket's path to msgSecCheck.

const wechatPair = () => platformPair("wechat", "wx");

describe("room moderation", () => {
  it("asks msgSecCheck with the sender's OpenID from the check ticket, never storing it", async () => {
    const p = await wechatPair();
    expect(p.alice.checkTicket).toBeTruthy();
    const a = await enter(`${p.roomPath}?ticket=${encodeURIComponent(p.alice.checkTicket!)}`, p.alice.token);
    await sendAndAck(a.ws, "你好呀");
    const last = await (await fetch(`${env.WECHAT_API_BASE}/__fake/last-sec-check`)).json<{ body: { openid: string; content: string } }>();
    expect(last.body).toMatchObject({ content: "你好呀", openid: expect.stringMatching(/^openid-wx-/) });
    a.ws.close();
    await p.stub.flush();
    const dump = JSON.stringify((await env.DB.prepare("SELECT * FROM messages WHERE conversation_id = ?").bind(p.roomId).all()).results);
    expect(dump).not.toContain(last.body.openid);
  });

  it("rejects risky text: not stored, not delivered, and the room keeps working", async () => {
    const p = await wechatPair();
    const a = await enter(`${p.roomPath}?ticket=${encodeURIComponent(p.alice.checkTicket!)}`, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(a.ws, "first");
    await b.ws.next("message");
    a.ws.send({ type: "send", clientId: "bad", text: "buy now [risky]" });
    expect(await a.ws.next("error")).toMatchObject({ code: "content_rejected" });
    const ok = await sendAndAck(a.ws, "second");
    expect(ok.seq).toBe(2);
    expect(await b.ws.next("message")).toMatchObject({ text: "second" });
    await p.stub.flush();
    expect((await d1Messages(p.roomId, p.bob.token)).map((m) => m.text)).toEqual(["first", "second"]);
    a.ws.close();
    b.ws.close();
  });

  it("delivers review text and flags it for admins", async () => {
    const p = await wechatPair();
    const a = await enter(`${p.roomPath}?ticket=${encodeURIComponent(p.alice.checkTicket!)}`, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    const ack = await sendAndAck(a.ws, "hmm [review]");
    expect(await b.ws.next("message")).toMatchObject({ id: ack.id });
    await p.stub.flush();
    const flagged = await (await adminApi("/api/admin/flagged?limit=100")).json<{ messages: { messageId: string; reason: string }[] }>();
    expect(flagged.messages.find((m) => m.messageId === ack.id)).toMatchObject({ reason: "review" });
    a.ws.close();
    b.ws.close();
  });

  it("fails closed when the platform is down: moderation_unavailable, nothing stored, retry works", async () => {
    const p = await wechatPair();
    const a = await enter(`${p.roomPath}?ticket=${encodeURIComponent(p.alice.checkTicket!)}`, p.alice.token);
    a.ws.send({ type: "send", clientId: "down-1", text: "hello [down]" });
    expect(await a.ws.next("error")).toMatchObject({ code: "moderation_unavailable" });
    expect(await sendAndAck(a.ws, "hello again", "up-1")).toMatchObject({ seq: 1 });
    a.ws.close();
  });

  it("applies the local word filter to dev users too", async () => {
    const p = await pair();
    await adminApi("/api/admin/filter-words", { method: "POST", body: JSON.stringify({ words: ["违禁词测试"] }), headers: { "Content-Type": "application/json" } });
    const a = await enter(p.roomPath, p.alice.token);
    a.ws.send({ type: "send", clientId: "w", text: "这里有 违 禁 词 测 试" });
    expect(await a.ws.next("error")).toMatchObject({ code: "content_rejected" });
    a.ws.close();
  });
});

describe("room rate limit", () => {
  it("refuses a burst beyond the limit with rate_limited, keeps the socket, and closes a flood with 1008", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    for (let i = 0; i < 10; i++) a.ws.send({ type: "send", clientId: `burst-${i}`, text: `burst ${i}` });
    for (let i = 0; i < 10; i++) await a.ws.next("ack");
    a.ws.send({ type: "send", clientId: "over", text: "one too many" });
    expect(await a.ws.next("error")).toMatchObject({ code: "rate_limited" });
    // Still open: a retry of an acknowledged message is answered without spending the budget.
    a.ws.send({ type: "send", clientId: "burst-0", text: "burst 0" });
    expect(await a.ws.next("ack")).toMatchObject({ clientId: "burst-0", seq: 1 });

    for (let i = 0; i < 40; i++) a.ws.send({ type: "send", clientId: `flood-${i}`, text: "flood" });
    expect((await a.ws.waitClosed(5000)).code).toBe(1008);
    // The partner saw exactly the ten that were accepted.
    const got = [];
    for (let i = 0; i < 10; i++) got.push((await b.ws.next("message")).text);
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => `burst ${i}`));
    b.ws.close();
  });
});

describe("report from the room", () => {
  it("files a report with the room's freshest messages and blocks the pair", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(b.ws, "something rude");
    await a.ws.next("message");
    a.ws.send({ type: "report", reason: "骚扰" });
    expect(await a.ws.next("reported")).toEqual({ type: "reported" });
    a.ws.send({ type: "report", reason: "" });
    expect(await a.ws.next("error")).toMatchObject({ code: "bad_message" });

    const reports = await (await adminApi("/api/admin/reports?limit=100")).json<{ reports: any[] }>();
    const report = reports.reports.find((r) => r.conversationId === p.roomId);
    expect(report).toBeTruthy();
    expect(JSON.stringify(report)).toContain("something rude");
    const block = await env.DB.prepare("SELECT count(*) AS n FROM blocks WHERE blocker_id = ? AND blocked_id = ?")
      .bind(p.alice.user.id, p.bob.user.id)
      .first<{ n: number }>();
    expect(block?.n).toBe(1);
    a.ws.close();
    b.ws.close();
  });
});
