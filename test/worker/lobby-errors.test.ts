import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ErrorBody } from "../../worker/protocol";
import { joinRequest, shardStub } from "../../worker/lobby/shards";

// A lobby shard answers a request it cannot take with the same JSON error shape as every other
// endpoint, never a bare text body.

function freshShard() {
  const pool = `errors-${crypto.randomUUID()}`;
  return { pool, stub: shardStub(env, pool, 0) };
}

describe("lobby shard errors", () => {
  it("a request without the worker's join headers gets 400 bad_request as JSON", async () => {
    const { stub } = freshShard();
    const response = await stub.fetch(new Request("https://lobby.internal/join", { headers: { Upgrade: "websocket" } }));
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("bad_request");
    expect(typeof body.error.message).toBe("string");
  });

  it("a join that is not a WebSocket upgrade gets 426 bad_request as JSON", async () => {
    const { pool, stub } = freshShard();
    const join = joinRequest({ userId: crypto.randomUUID(), topic: null, blocked: [], placement: { pool, shards: 1, index: 0 } });
    const headers = new Headers(join.headers);
    headers.delete("Upgrade");
    const response = await stub.fetch(new Request(join.url, { headers }));
    expect(response.status).toBe(426);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("bad_request");
  });
});
