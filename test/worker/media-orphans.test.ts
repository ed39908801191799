// Pictures uploaded and never sent: kept for 30 days before (about 28 GiB a day per person at the
// upload limit). Now an upload must be sent in a message within 30 minutes; the 10-minute cron
// deletes what was not, from R2 and from D1, and leaves every picture that was sent.
import { createExecutionContext, createScheduledController, env, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { db } from "../../worker/db/client";
import { findImage } from "../../worker/db/images";
import { images } from "../../worker/db/schema";
import worker from "../../worker/index";
import { ORPHAN_AFTER_MS, ORPHAN_CRON, ORPHAN_GRACE_MS } from "../../worker/media/orphans";
import { enter, pair } from "./helpers";
import { objectExists, png, uploadOk } from "./media-helpers";

/** The worker's scheduled handler, as the 10-minute cron would run it at `scheduledTime`. */
async function cron(scheduledTime: number, pattern = ORPHAN_CRON) {
  const ctx = createExecutionContext();
  await worker.scheduled!(createScheduledController({ scheduledTime, cron: pattern }), env, ctx);
  await waitOnExecutionContext(ctx);
}

const late = () => Date.now() + ORPHAN_AFTER_MS + ORPHAN_GRACE_MS + 60_000;

describe("orphan pictures", () => {
  it("an upload never sent is deleted from R2 and D1 by the cron once 30 minutes have passed; not before", async () => {
    const { alice, roomId } = await pair();
    const up = await uploadOk(alice.token, roomId, png(20, 20));
    await cron(Date.now());
    expect(await findImage(env.DB, up.id)).toBeDefined();
    expect(await objectExists(up.id)).toBe(true);

    await cron(late());
    expect(await findImage(env.DB, up.id)).toBeUndefined();
    expect(await objectExists(up.id)).toBe(false);
  });

  it("the daily cron deletes them too", async () => {
    const { alice, roomId } = await pair();
    const up = await uploadOk(alice.token, roomId, png(21, 21));
    await cron(late(), "17 3 * * *");
    expect(await findImage(env.DB, up.id)).toBeUndefined();
    expect(await objectExists(up.id)).toBe(false);
  });

  it("a picture sent in a message stays, however late the sweep", async () => {
    const { alice, bob, roomId, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const b = await enter(roomPath, bob.token);
    const up = await uploadOk(alice.token, roomId, png(22, 22));
    a.ws.send({ type: "image", clientId: "pic", imageId: up.id });
    expect(await a.ws.next("ack")).toMatchObject({ clientId: "pic" });
    expect(await b.ws.next("message")).toMatchObject({ kind: "image" });

    await cron(late());
    expect(await findImage(env.DB, up.id)).toBeDefined();
    expect(await objectExists(up.id)).toBe(true);
    for (const s of [a.ws, b.ws]) s.close();
  });

  it("an upload sent after its 30 minutes is refused, and the sweep takes it", async () => {
    const { alice, roomId, roomPath } = await pair();
    const a = await enter(roomPath, alice.token);
    const up = await uploadOk(alice.token, roomId, png(23, 23));
    // Its half hour is over (the upload's time moved back rather than the clock forward).
    await db(env.DB).update(images).set({ sendBy: Date.now() - 1000 }).where(eq(images.id, up.id));
    a.ws.send({ type: "image", clientId: "too-late", imageId: up.id });
    expect(await a.ws.next("error")).toMatchObject({ clientId: "too-late", code: "bad_message" });

    await cron(Date.now() + ORPHAN_GRACE_MS + 1000);
    expect(await findImage(env.DB, up.id)).toBeUndefined();
    expect(await objectExists(up.id)).toBe(false);
    a.ws.close();
  });
});
