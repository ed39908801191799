// Waiting in the background (issue 14): a waiter whose lobby socket died keeps their place only
// with a usable 匹配成功 consent; matched then, they get one reminder and the match waits for
// their next lobby visit. Without consent they leave the queue as before.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { shardStub } from "../../worker/lobby/shards";
import { api, platformLogin, sentTo } from "./helpers";
import { joinShard, newPool } from "./lobby-helpers";

const person = () => platformLogin("wechat", "away");

/** Polls the shard's own tables until `check` holds (the close is handled after the socket's end). */
async function shardUntil(pool: string, sql: string, args: unknown[], check: (n: number) => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const n = await runInDurableObject(shardStub(env, pool, 0), (_o, state) => Number(state.storage.sql.exec(sql, ...(args as string[])).one().n));
    if (check(n)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`shard never satisfied: ${sql}`);
}

describe("lobby: waiting in the background", () => {
  it("with consent: keeps the place, matches, reminds once, and hands the match over on return", async () => {
    const pool = newPool();
    const a = await person();
    const b = await person();
    const consent = await api("/api/subscriptions", { method: "POST", token: a.token, json: { kinds: ["matched"], ticket: a.checkTicket } });
    expect(consent.status).toBe(200);

    const aSocket = await joinShard(pool, a.user.id);
    expect(await aSocket.next("waiting")).toMatchObject({ type: "waiting" });
    aSocket.close(1001, "background");
    await shardUntil(pool, "SELECT count(*) AS n FROM away WHERE user_id = ?", [a.user.id], (n) => n === 1);

    const bSocket = await joinShard(pool, b.user.id);
    const matched = await bSocket.next("matched");
    for (let i = 0; i < 100 && (await sentTo(a.openid)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    // The message opens that conversation, not a new wait in the lobby.
    expect(await sentTo(a.openid)).toMatchObject([{ template_id: "tmpl-wx-matched", page: `pages/chat/index?room=${matched.roomId}` }]);

    const back = await joinShard(pool, a.user.id);
    expect(await back.next("matched")).toMatchObject({ type: "matched", roomId: matched.roomId });
    await back.waitClosed();
    // Taken once: the next visit waits as usual.
    const again = await joinShard(pool, a.user.id);
    expect(await again.next("waiting")).toMatchObject({ type: "waiting" });
    again.close();
  });

  it("without consent: a dead socket leaves the queue at once", async () => {
    const pool = newPool();
    const a = await person();
    const aSocket = await joinShard(pool, a.user.id);
    await aSocket.next("waiting");
    aSocket.close(1001, "background");
    await shardUntil(pool, "SELECT count(*) AS n FROM queue WHERE user_id = ?", [a.user.id], (n) => n === 0);
    await shardUntil(pool, "SELECT count(*) AS n FROM away", [], (n) => n === 0);
    expect(await sentTo(a.openid)).toEqual([]);
  });
});
