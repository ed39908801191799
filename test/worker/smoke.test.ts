import { describe, expect, it } from "vitest";
import { api, devLogin } from "./helpers";

describe("smoke", () => {
  it("logs in with dev login and reads /api/me", async () => {
    const alice = await devLogin();
    const res = await api("/api/me", { token: alice.token });
    expect(res.status).toBe(200);
    expect((await res.json<{ id: string }>()).id).toBe(alice.user.id);
  });
});
