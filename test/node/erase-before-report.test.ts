// Erase-before-report end to end, as the abuser would try it: real WebSocket clients from Node
// against the worker in Miniflare, WeChat logins against the fake platform server. A abuses B,
// erases their account, B still reports (with the abuse in the snapshot) and blocks, and A,
// logging in again with the same WeChat account, is never matched with B.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AdminReportsResponse, LoginResponse, MessagesResponse } from "../../worker/protocol";
import type { LocalWorker } from "../../scripts/local-worker";
import { adultLogin, enter, FrameSocket, startWithPlatform, type PlatformServer } from "./helpers";

let worker: LocalWorker;
let platform: PlatformServer;

beforeAll(async () => {
  ({ worker, platform } = await startWithPlatform({ vars: { D1_FLUSH_DELAY_MS: "50" } }));
});
afterAll(async () => {
  await worker?.stop();
  await platform?.close();
});

function call(method: string, path: string, token?: string, body?: unknown): Promise<Response> {
  return fetch(`${worker.url}${path}`, {
    method,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** A WeChat login (the same code is the same WeChat account) that has confirmed 18+. */
const wechatLogin = (code: string) => adultLogin(worker.url, "wechat", code);

const openLobby = (token: string) => FrameSocket.open(`${worker.wsUrl}/api/lobby`, token);

async function waitInLobby(login: LoginResponse): Promise<FrameSocket> {
  const lobby = await openLobby(login.token);
  await lobby.next("waiting");
  return lobby;
}

function enterRoom(roomId: string, login: LoginResponse): Promise<FrameSocket> {
  return enter(`${worker.wsUrl}/api/rooms/${roomId}?ticket=${encodeURIComponent(login.checkTicket!)}`, login.token);
}

describe("erase before report", () => {
  it("leaves the victim the evidence, the report and the block, and keeps the abuser away when they come back", async () => {
    const tag = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const abuserCode = `abuser-${tag}`;
    const a = await wechatLogin(abuserCode);
    const b = await wechatLogin(`victim-${tag}`);
    const lobbyA = await waitInLobby(a);
    const lobbyB = await openLobby(b.token);
    const [matchA] = await Promise.all([lobbyA.next("matched"), lobbyB.next("matched")]);
    const roomId: string = matchA.roomId;

    const roomA = await enterRoom(roomId, a);
    const roomB = await enterRoom(roomId, b);
    roomA.send({ type: "send", clientId: "abuse-1", text: "the abuse B will report" });
    const abuse = await roomA.next("ack");
    await roomB.next("message");
    roomA.send({ type: "send", clientId: "abuse-2", text: "and more of it" });
    await roomA.next("ack");
    await roomB.next("message");

    // A erases their account before B reports.
    expect((await call("DELETE", "/api/me", a.token)).status).toBe(200);
    await roomB.next("partner_left");
    expect(await roomB.closed).toBe(4002);

    // B still has the conversation, A shown as erased.
    const history = (await (await call("GET", `/api/conversations/${roomId}/messages`, b.token)).json()) as MessagesResponse;
    expect(history.partnerErased).toBe(true);
    expect(history.messages.map((m) => m.text)).toEqual(["the abuse B will report", "and more of it"]);

    // B reports (200 family, not 404) pointing at the abuse, and blocks.
    const report = await call("POST", "/api/reports", b.token, { conversationId: roomId, category: "harassment", messageId: abuse.id });
    expect(report.status).toBe(204);
    expect((await call("POST", "/api/blocks", b.token, { conversationId: roomId })).status).toBe(204);
    const listed = (await (
      await fetch(`${worker.url}/api/admin/reports?limit=100`, { headers: { Authorization: `Bearer ${worker.vars.ADMIN_TOKEN}` } })
    ).json()) as AdminReportsResponse;
    const filed = listed.reports.find((r) => r.conversationId === roomId)!;
    expect(filed.category).toBe("harassment");
    expect(filed.messages.map((m) => [m.text, m.from, m.highlighted ?? false])).toEqual([
      ["the abuse B will report", "reported", true],
      ["and more of it", "reported", false],
    ]);

    // A logs in again with the same WeChat account: a new account, which the report now names.
    const back = await wechatLogin(abuserCode);
    expect(back.user.id).not.toBe(a.user.id);
    const relisted = (await (
      await fetch(`${worker.url}/api/admin/reports?limit=100`, { headers: { Authorization: `Bearer ${worker.vars.ADMIN_TOKEN}` } })
    ).json()) as AdminReportsResponse;
    expect(relisted.reports.find((r) => r.conversationId === roomId)!.reportedId).toBe(back.user.id);

    // A and B both wait; two newcomers take them, one each: A and B are never paired.
    const waitingA = await waitInLobby(back);
    const waitingB = await waitInLobby(b);
    const c = await wechatLogin(`c-${tag}`);
    const d = await wechatLogin(`d-${tag}`);
    const lobbyC = await openLobby(c.token);
    const first = await lobbyC.next("matched");
    const lobbyD = await openLobby(d.token);
    const second = await lobbyD.next("matched");
    const [gotA, gotB] = await Promise.all([waitingA.next("matched"), waitingB.next("matched")]);
    expect(gotA.roomId).not.toBe(gotB.roomId);
    expect([first.roomId, second.roomId].sort()).toEqual([gotA.roomId, gotB.roomId].sort());
  });
});
