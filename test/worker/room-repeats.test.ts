// Requests an abuser repeats to make the room work for nothing: history re-requests in a burst
// (each answer can be a page of 200 messages) and a recall of an already recalled message.
import { describe, expect, it } from "vitest";
import { HISTORY_RULE } from "../../worker/limits/rules";
import { enter, pair, sendAndAck } from "./helpers";

describe("history re-requests", () => {
  it(`a burst of 30 on one socket: ${HISTORY_RULE.burst} pages, the rest too_many_attempts with no page`, async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    await sendAndAck(a.ws, "something to page");

    for (let i = 0; i < 30; i++) b.ws.send({ type: "history", after: 0 });
    // Every request is answered, with a page or an error: wait for 30 answers.
    const frames: { type: string; code?: string }[] = [];
    while (frames.length < 30) {
      const f = await b.ws.next<{ type: string; code?: string }>();
      if (f.type === "history" || f.type === "error") frames.push(f);
    }
    expect(frames.filter((f) => f.type === "history")).toHaveLength(HISTORY_RULE.burst);
    const errors = frames.filter((f) => f.type === "error");
    expect(errors).toHaveLength(30 - HISTORY_RULE.burst);
    expect(new Set(errors.map((e) => e.code))).toEqual(new Set(["too_many_attempts"]));
    for (const s of [a.ws, b.ws]) s.close();
  });

  it("the budget is per socket: another socket of the same user still gets its page", async () => {
    const { alice, bob, roomPath } = await pair();
    const b = await enter(roomPath, bob.token);
    for (let i = 0; i < HISTORY_RULE.burst + 1; i++) b.ws.send({ type: "history", after: 0 });
    expect(await b.ws.next("error")).toMatchObject({ code: "too_many_attempts" });
    b.ws.close();
    const again = await enter(roomPath, bob.token);
    again.ws.send({ type: "history", after: 0 });
    expect(await again.ws.next("history")).toMatchObject({ messages: [] });
    again.ws.close();
    void alice;
  });
});

describe("repeated recall", () => {
  it("recalling an already recalled message 100 times relays nothing more to the partner; the recaller is answered each time", async () => {
    const { alice, bob, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const oops = await sendAndAck(a.ws, "oops");
    await b.ws.next("message");
    a.ws.send({ type: "recall", id: oops.id });
    await a.ws.next("recalled");
    expect(await b.ws.next("recalled")).toMatchObject({ id: oops.id, from: "partner" });

    for (let i = 0; i < 100; i++) a.ws.send({ type: "recall", id: oops.id });
    for (let i = 0; i < 100; i++) expect(await a.ws.next("recalled")).toMatchObject({ id: oops.id, from: "me" });
    // Marker: a later message reaches bob behind anything the recalls could have sent him.
    await sendAndAck(a.ws, "after the recalls");
    await b.ws.next("message");
    expect((b.ws.pending() as { type: string }[]).filter((f) => f.type === "recalled")).toEqual([]);
    for (const s of [a.ws, b.ws]) s.close();
  });
});
