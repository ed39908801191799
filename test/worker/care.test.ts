import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { AdminFlaggedResponse } from "../../worker/protocol";
import { careHotlines, needsCare } from "../../worker/moderation/care";
import type { Room } from "../../worker/room/room";
import { adminApi, enter, pair, platformPair, sendAndAck, sleep } from "./helpers";
import { auditCount } from "./triage-helpers";

// The care card: only the person who wrote words of self-harm sees it, at most once per
// conversation a day, and a card decided while they were away waits for their next connect.

/** Waits until `action` has `n` more audit rows than `before` (the room's marker that it decided). */
async function auditReaches(action: string, n: number) {
  for (let i = 0; i < 500; i++) {
    if ((await auditCount(action, null)) >= n) return;
    await sleep(20);
  }
  throw new Error(`audit ${action} never reached ${n}`);
}

const types = (frames: unknown[]) => frames.map((f) => (f as { type: string }).type);

describe("care card", () => {
  it("goes to the writer alone, with 12356 and the configured lines; never to the partner, never to the queue", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    const ack = await sendAndAck(a.ws, "最近真的不想活了");
    const card = await a.ws.next("care");
    expect(card.hotlines[0]).toEqual({ name: "全国心理援助热线", phone: "12356" });
    expect(await b.ws.next("message")).toMatchObject({ id: ack.id });
    // A round trip after the card: had the partner been sent one, it would be queued before this.
    await sendAndAck(a.ws, "算了不说了");
    await b.ws.next("message");
    expect(types(b.ws.pending())).not.toContain("care");
    // Nothing for admins: no verdict, no flag, no report; the audit row names nobody.
    const verdicts = await env.DB.prepare("SELECT count(*) AS n FROM ai_verdicts WHERE message_id = ?").bind(ack.id).first<{ n: number }>();
    expect(verdicts?.n).toBe(0);
    const audit = await env.DB.prepare("SELECT target FROM admin_audit WHERE action LIKE 'care_card%'").all<{ target: string | null }>();
    expect(audit.results.every((r) => r.target === null)).toBe(true);
    a.ws.close();
    b.ws.close();
  });

  it("is shown at most once per conversation a day, however often it is written", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    await sendAndAck(a.ws, "我想死");
    await a.ws.next("care");
    const second = await sendAndAck(a.ws, "还是想死");
    // Run the check for the second message to its end, then a round trip: a second card would be queued before the ack.
    await runInDurableObject(p.stub, async (room: Room) => {
      const care = (room as unknown as { care: { afterText(u: string, m: unknown): Promise<void> } }).care;
      await care.afterText(p.alice.user.id, { id: second.id, seq: second.seq, sender: p.alice.user.id, clientId: "x", body: "还是想死", at: Date.now(), flag: null, kind: "text" });
    });
    await sendAndAck(a.ws, "嗯");
    expect(types(a.ws.pending())).not.toContain("care");
    // Reconnecting does not bring it back either.
    a.ws.close();
    const again = await enter(`${p.roomPath}?after=${second.seq}`, p.alice.token);
    await sendAndAck(again.ws, "好吧");
    expect(types(again.ws.pending())).not.toContain("care");
    again.ws.close();
  });

  it("waits for a writer who is away and shows on their next connect", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const shown = await auditCount("care_card_pending", null);
    // "[slow]": the fake model never answers in time, so the decision lands after the phone is gone
    // (and, the model having failed, the phrase decides).
    const ack = await sendAndAck(a.ws, "不想活了 [slow]");
    a.ws.close();
    await a.ws.waitClosed();
    await auditReaches("care_card_pending", shown + 1);
    const back = await enter(`${p.roomPath}?after=${ack.seq}`, p.alice.token);
    expect(await back.ws.next("care")).toMatchObject({ hotlines: [{ phone: "12356" }] });
    back.ws.close();
  });

  it("comes from the model's S11 on a flagged message too, and that message's verdict is stored for admins", async () => {
    const { alice, roomPath, stub } = await platformPair("wechat", "wx");
    const a = await enter(`${roomPath}?ticket=${encodeURIComponent(alice.checkTicket!)}`, alice.token);
    // "活够了" is not on the fallback phrase list: only the flagged message's triage can bring this card.
    const ack = await sendAndAck(a.ws, "我真的活够了 [review]");
    await a.ws.next("care");
    const verdict = await env.DB.prepare("SELECT status, hazards FROM ai_verdicts WHERE message_id = ?").bind(ack.id).first();
    expect(verdict).toEqual({ status: "unsafe", hazards: "S11" });
    expect(await auditCount("ai_triage_unsafe", `message:${ack.id}`)).toBe(1);
    // The console's flagged list shows that verdict beside the message.
    await runInDurableObject(stub, (room: Room) => room.flush());
    const flagged = await (await adminApi("/api/admin/flagged?limit=100")).json<AdminFlaggedResponse>();
    expect(flagged.messages.find((m) => m.messageId === ack.id)?.verdict).toMatchObject({ status: "unsafe", categories: ["self_harm"], hazards: ["S11"] });
    a.ws.close();
  });
});

describe("care check without a model", () => {
  it("falls back to the documented phrase list", async () => {
    const offline = { ...env, AI: undefined };
    expect(await needsCare(offline, "我不想活了", ["我不想活了"])).toBe(true);
    expect(await needsCare(offline, "笑死我了，热死了", ["笑死我了，热死了"])).toBe(false);
    expect(await needsCare(offline, "自 杀", ["自 杀"])).toBe(true); // spaced out still reads as the phrase
  });

  it("lists 12356 first, then the operator's lines, skipping malformed ones", () => {
    expect(careHotlines({ ...env, CARE_HOTLINES: "北京心理危机研究与干预中心:010-82951332; bad ;希望24热线：400-161-9995" })).toEqual([
      { name: "全国心理援助热线", phone: "12356" },
      { name: "北京心理危机研究与干预中心", phone: "010-82951332" },
      { name: "希望24热线", phone: "400-161-9995" },
    ]);
  });
});
