// GET /api/conversations/:id: how a subscribe message's page (pages/chat/index?room=…) finds the
// conversation it names, before any message was copied (a "匹配成功" notice comes at once).
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { aliasFor } from "../../worker/alias";
import type { ConversationSummary } from "../../worker/protocol";
import { api, devLogin, getOrCreateConversation } from "./helpers";

describe("GET /api/conversations/:id", () => {
  it("answers a participant with the partner's alias, even with no message yet; anyone else gets 404", async () => {
    const alice = await devLogin();
    const bob = await devLogin();
    const mallory = await devLogin();
    const conversation = await getOrCreateConversation(env.DB, alice.user.id, bob.user.id, Date.now());
    const res = await api(`/api/conversations/${conversation.id}`, { token: alice.token });
    expect(res.status).toBe(200);
    const body = await res.json<ConversationSummary>();
    expect(body).toMatchObject({ id: conversation.id, partner: { alias: aliasFor(conversation.id, bob.user.id) }, myAlias: aliasFor(conversation.id, alice.user.id), lastMessageAt: null });
    // The list leaves out conversations without messages; the page must still find this one.
    const list = await (await api("/api/conversations", { token: alice.token })).json<{ conversations: { id: string }[] }>();
    expect(list.conversations.map((c) => c.id)).not.toContain(conversation.id);
    const other = await api(`/api/conversations/${conversation.id}`, { token: mallory.token });
    expect(other.status).toBe(404);
    expect(await other.json()).toMatchObject({ error: { code: "not_found" } });
  });
});
