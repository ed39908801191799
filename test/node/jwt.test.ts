import { sign, verify } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { toBase64Url } from "../../worker/lib/base64url";
import { signJwt, verifyJwt } from "../../worker/lib/jwt";

const SECRET = "a-test-secret-of-reasonable-length";
const now = Math.floor(Date.now() / 1000);
const b64 = (value: unknown) => toBase64Url(new TextEncoder().encode(JSON.stringify(value)));

describe("session JWT (HS256)", () => {
  it("reads standard tokens both ways: ours verify elsewhere, others' verify here", async () => {
    const ours = await signJwt({ sub: "user-1", iat: now, exp: now + 60 }, SECRET);
    expect((await verify(ours, SECRET, "HS256")).sub).toBe("user-1");
    const theirs = await sign({ sub: "user-2", iat: now, exp: now + 60 }, SECRET, "HS256");
    expect(await verifyJwt(theirs, SECRET)).toBe("user-2");
  });

  it("refuses expired, not-yet-valid, forged, tampered, unsigned and malformed tokens", async () => {
    const good = await signJwt({ sub: "user-1", iat: now, exp: now + 60 }, SECRET);
    const [header, payload, signature] = good.split(".");
    const refused = [
      await signJwt({ sub: "user-1", iat: now - 120, exp: now - 60 }, SECRET),
      await sign({ sub: "user-1", iat: now, exp: now + 60, nbf: now + 600 }, SECRET, "HS256"),
      await signJwt({ sub: "user-1", iat: now + 600, exp: now + 900 }, SECRET),
      await signJwt({ sub: "user-1", iat: now, exp: now + 60 }, "another-secret"),
      `${header}.${b64({ sub: "admin", iat: now, exp: now + 60 })}.${signature}`,
      `${b64({ alg: "none", typ: "JWT" })}.${payload}.`,
      `${header}.${payload}`,
      "not.a.jwt",
      "",
      `${good}x`,
    ];
    for (const token of refused) expect(await verifyJwt(token, SECRET), token).toBeNull();
    expect(await verifyJwt(good, SECRET)).toBe("user-1");
  });
});
