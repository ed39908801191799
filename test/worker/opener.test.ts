import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getOrCreateConversation } from "./helpers";
import { ConversationOpener } from "../../worker/lobby/opener";
import { devLogin } from "./helpers";

describe("ConversationOpener (group commit of new conversations)", () => {
  it("opens many pairs at once, each with its own conversation, and the same pair always gets the same one", async () => {
    const users = await Promise.all(Array.from({ length: 60 }, () => devLogin()));
    const ids = users.map((u) => u.user.id);
    const pairs = Array.from({ length: 30 }, (_, i) => [ids[2 * i], ids[2 * i + 1]] as const);
    const opener = new ConversationOpener(env.DB);

    const opened = await Promise.all(pairs.map(([a, b]) => opener.open(a, b)));
    expect(new Set(opened).size).toBe(30);
    // Order within a pair does not matter, and the row is the one a plain lookup finds.
    const again = await Promise.all(pairs.map(([a, b]) => opener.open(b, a)));
    expect(again).toEqual(opened);
    for (const [i, [a, b]] of pairs.entries()) {
      expect((await getOrCreateConversation(env.DB, a, b, Date.now())).id).toBe(opened[i]);
    }
  });

  it("fails every pair of a group whose batch fails, and keeps working for the next group", async () => {
    const [a, b] = await Promise.all([devLogin(), devLogin()]);
    const opener = new ConversationOpener(env.DB);
    // A user that does not exist breaks the foreign key, so this group's batch fails.
    await expect(opener.open(a.user.id, "no-such-user")).rejects.toThrow();
    const id = await opener.open(a.user.id, b.user.id);
    expect(id).toBeTruthy();
  });
});
