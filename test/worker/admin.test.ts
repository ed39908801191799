import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { getOrCreateConversation } from "./helpers";
import { adminApi, api, d1Messages, devLogin, enter, pair, sendAndAck } from "./helpers";

async function auditRows(action: string, target: string) {
  return (
    await env.DB.prepare("SELECT action, target, count FROM admin_audit WHERE action = ? AND target = ?").bind(action, target).all()
  ).results;
}

describe("admin", () => {
  it.each([
    ["GET", "/api/admin/users"],
    ["GET", "/api/admin/users/x/messages"],
    ["DELETE", "/api/admin/users/x/messages"],
    ["DELETE", "/api/admin/conversations/x"],
  ])("%s %s needs the admin token", async (method, path) => {
    const user = await devLogin();
    for (const token of [undefined, "wrong-token", user.token]) {
      const res = await api(path, { method, token });
      expect(res.status).toBe(401);
      const body = await res.json<Record<string, unknown>>();
      expect(body).toMatchObject({ error: { code: "unauthorized" } });
      expect(Object.keys(body)).toEqual(["error"]);
    }
  });

  it("lists users page by page and shows a user's chat log", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(a.ws, "from alice");
    await sendAndAck(b.ws, "from bob");
    a.ws.close();
    b.ws.close();
    await p.stub.flush();

    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const res = await adminApi(`/api/admin/users?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      const body = await res.json<{ users: { id: string }[]; nextCursor: string | null }>();
      for (const u of body.users) {
        expect(seen.has(u.id)).toBe(false);
        seen.add(u.id);
      }
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.has(p.alice.user.id) && seen.has(p.bob.user.id)).toBe(true);

    const log = await (await adminApi(`/api/admin/users/${p.alice.user.id}/messages`)).json<{ messages: { direction: string; text: string }[] }>();
    expect(log.messages.map((m) => [m.direction, m.text])).toEqual([
      ["received", "from bob"],
      ["sent", "from alice"],
    ]);
    expect(await auditRows("view_user_messages", p.alice.user.id)).toEqual([
      { action: "view_user_messages", target: p.alice.user.id, count: 2 },
    ]);
    expect((await adminApi("/api/admin/users/nobody/messages")).status).toBe(404);
  });

  it("deletes exactly one user's messages, sent and received, and writes the audit row", async () => {
    const p = await pair();
    const carol = await devLogin();
    const other = await getOrCreateConversation(env.DB, p.bob.user.id, carol.user.id, Date.now());
    const a = await enter(p.roomPath, p.alice.token);
    const b = await enter(p.roomPath, p.bob.token);
    await sendAndAck(a.ws, "alice to bob");
    await sendAndAck(b.ws, "bob to alice");
    await p.stub.flush();
    await sendAndAck(b.ws, "still only in the room");
    const c = await enter(`/api/rooms/${other.id}`, carol.token);
    await sendAndAck(c.ws, "carol to bob");
    const otherStub = env.ROOM.get(env.ROOM.idFromName(other.id));
    await otherStub.flush();

    const res = await adminApi(`/api/admin/users/${p.alice.user.id}/messages`, { method: "DELETE" });
    expect(await res.json()).toEqual({ deleted: 3 });
    expect(await auditRows("delete_user_messages", p.alice.user.id)).toEqual([
      { action: "delete_user_messages", target: p.alice.user.id, count: 3 },
    ]);
    await p.stub.flush();
    expect(await d1Messages(p.roomId, p.bob.token)).toEqual([]);
    // Bob's conversation with carol is untouched.
    expect((await d1Messages(other.id, p.bob.token)).map((m) => m.text)).toEqual(["carol to bob"]);
    // The room itself no longer holds the erased messages.
    const back = await enter(`${p.roomPath}?after=0`, p.alice.token);
    expect(back.history).toEqual([]);
    for (const s of [a.ws, b.ws, c.ws, back.ws]) s.close();
  });

  it("deletes one conversation and audits it", async () => {
    const p = await pair();
    const a = await enter(p.roomPath, p.alice.token);
    await sendAndAck(a.ws, "one");
    await sendAndAck(a.ws, "two");
    a.ws.close();
    const res = await adminApi(`/api/admin/conversations/${p.roomId}`, { method: "DELETE" });
    expect(await res.json()).toEqual({ deleted: 2 });
    expect(await auditRows("delete_conversation", p.roomId)).toHaveLength(1);
    expect((await adminApi(`/api/admin/conversations/${p.roomId}-missing`, { method: "DELETE" })).status).toBe(404);
  });
});
