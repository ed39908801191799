import { describe, expect, it } from "vitest";
import type { AdminTopicsResponse, TopicsResponse } from "../../worker/protocol";
import { DEFAULT_TOPICS, GENERAL_TOPIC } from "../../worker/topics";
import { adminApi, api, devLogin } from "./helpers";
import { matched, newPool, openLobby } from "./lobby-helpers";

// Topics and their prompts: defaults until an admin edits them in the console; edits reach the
// public list and the prompts of new matches.
describe("topics and prompts", () => {
  it("lists the default topics with their prompts, without the general prompts", async () => {
    const { topics } = await (await api("/api/topics")).json<TopicsResponse>();
    expect(topics.map((t) => t.id)).toEqual(DEFAULT_TOPICS.filter((t) => t.listed).map((t) => t.id));
    expect(topics.every((t) => t.prompts.length >= 2 && t.prompt === t.prompts[0])).toBe(true);
    expect(topics.some((t) => t.id === GENERAL_TOPIC)).toBe(false);
  });

  it("lets an admin add a topic and edit the general prompts, which new matches then use", async () => {
    const put = (id: string, body: unknown) => adminApi(`/api/admin/topics/${id}`, { method: "PUT", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    expect((await put("hiking", { title: "徒步", prompts: ["最难忘的一段路是哪里？"] })).status).toBe(200);
    expect((await put(GENERAL_TOPIC, { title: "随便聊聊", prompts: ["先说一句你好吧"] })).status).toBe(200);
    const admin = await (await adminApi("/api/admin/topics")).json<AdminTopicsResponse>();
    expect(admin.topics.map((t) => t.id)).toEqual(expect.arrayContaining(["daily", "hiking", GENERAL_TOPIC]));

    const pool = newPool();
    const [alice, bob, carol, dave] = await Promise.all([devLogin(), devLogin(), devLogin(), devLogin()]);
    const [a, b] = [await openLobby(pool, alice.token, "hiking"), await openLobby(pool, bob.token, "hiking")];
    expect((await matched(a)).prompt).toBe("最难忘的一段路是哪里？");
    await matched(b);
    const [c, d] = [await openLobby(pool, carol.token), await openLobby(pool, dave.token)];
    expect((await matched(c)).prompt).toBe("先说一句你好吧");
    await matched(d);
  });

  it("refuses bad edits and deleting the general prompts; deletes a topic", async () => {
    const put = (id: string, body: unknown) => adminApi(`/api/admin/topics/${id}`, { method: "PUT", body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });
    expect((await put("Bad Id", { title: "x", prompts: ["y"] })).status).toBe(400);
    expect((await put("ok", { title: "x", prompts: [] })).status).toBe(400);
    expect((await adminApi(`/api/admin/topics/${GENERAL_TOPIC}`, { method: "DELETE" })).status).toBe(400);
    expect((await adminApi("/api/admin/topics/pets", { method: "DELETE" })).status).toBe(200);
    const { topics } = await (await api("/api/topics")).json<TopicsResponse>();
    expect(topics.map((t) => t.id)).not.toContain("pets");
    expect(topics.map((t) => t.id)).toContain("daily");
    expect((await api("/api/topics")).status).toBe(200);
    expect((await api("/api/admin/topics")).status).toBe(401);
  });
});
