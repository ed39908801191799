import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { onError } from "../../worker/http/errors";
import { newApp } from "../../worker/http/app";
import { logError, logEvent, logRecord, type LogRecord } from "../../worker/log";
import { runRetention } from "../../worker/retention";
import { limitShared } from "../../worker/limits/shared-limiter";
import type { Env } from "../../worker/env";

/** Every object the worker handed to console[method] while `run` ran. */
async function captured(method: "log" | "error", run: () => Promise<unknown> | unknown): Promise<LogRecord[]> {
  const spy = vi.spyOn(console, method).mockImplementation(() => {});
  try {
    await run();
    return spy.mock.calls.map((args) => args[0] as LogRecord);
  } finally {
    spy.mockRestore();
  }
}

afterEach(() => vi.restoreAllMocks());

describe("structured log lines", () => {
  it("are one object: level, event, then the ids, counts and durations given", async () => {
    const [record] = await captured("log", () => logEvent("info", "room.flushed", { roomId: "r1", rows: 3, durationMs: 12, skipped: undefined }));
    expect(record).toEqual({ level: "info", event: "room.flushed", roomId: "r1", rows: 3, durationMs: 12 });
  });

  it("never carry message text, openids, tokens, tickets or login codes, whatever the field is called", () => {
    const record = logRecord("warn", "oops", {
      text: "hello there",
      body: "hello there",
      openid: "o-123",
      unionId: "u-123",
      token: "eyJhbGciOi",
      access_token: "at",
      Authorization: "Bearer x",
      checkTicket: "t",
      code: "wx-login-code",
      session_key: "sk",
      userId: "kept",
    });
    expect(JSON.stringify(record)).not.toMatch(/hello|o-123|u-123|eyJ|Bearer|wx-login-code|"sk"|"at"|"t"/);
    expect(record.userId).toBe("kept");
    expect(record.text).toBe("[redacted]");
    expect(record.openid).toBe("[redacted]");
  });

  it("cannot overwrite the level or event, and cut long strings", () => {
    const record = logRecord("info", "e", { level: "error", event: "other", note: "x".repeat(500) });
    expect(record.level).toBe("info");
    expect(record.event).toBe("e");
    expect(String(record.note).length).toBeLessThanOrEqual(201);
  });

  it("describe an error by name and message, never its stack", async () => {
    const error = new TypeError("boom");
    const [record] = await captured("error", () => logError("x.failed", error, { roomId: "r" }));
    expect(record).toEqual({ level: "error", event: "x.failed", roomId: "r", error: "TypeError: boom" });
    expect(JSON.stringify(record)).not.toContain("at ");
  });
});

describe("log call sites", () => {
  it("an unhandled route error logs the route pattern, not the URL with its query token", async () => {
    const app = newApp();
    app.get("/api/things/:id", () => {
      throw new Error("database is on fire");
    });
    app.onError(onError);
    let status = 0;
    const records = await captured("error", async () => {
      const res = await app.request("/api/things/t-42?token=secret-token-value&ticket=tk", {}, env);
      status = res.status;
      expect(await res.json()).toEqual({ error: { code: "internal", message: expect.any(String) } });
    });
    expect(status).toBe(500);
    expect(records).toEqual([
      { level: "error", event: "http.unhandled_error", method: "GET", route: "/api/things/:id", error: "Error: database is on fire" },
    ]);
    expect(JSON.stringify(records)).not.toMatch(/secret-token-value|t-42|tk/);
  });

  it("a retention run logs its counts and duration", async () => {
    let result: Awaited<ReturnType<typeof runRetention>> | undefined;
    const records = await captured("log", async () => {
      result = await runRetention(env);
    });
    const run = records.find((r) => r.event === "retention.run");
    expect(run).toMatchObject({
      level: "info",
      users: result!.users,
      messages: result!.messages,
      reports: result!.reports,
      flags: result!.flags,
      failedUsers: expect.any(Number),
      durationMs: expect.any(Number),
    });
  });

  it("an unreachable rate limiter is one structured error naming the scope, not the key", async () => {
    const broken = {
      ...env,
      RATE_LIMITER: {
        idFromName: () => {
          throw new Error("limiter down");
        },
      },
    } as unknown as Env;
    const records = await captured("error", () => limitShared(broken, "login", "203.0.113.9", { burst: 1, perSecond: 1 }));
    expect(records).toEqual([{ level: "error", event: "limits.limiter_unreachable", scope: "login", error: "Error: limiter down" }]);
    expect(JSON.stringify(records)).not.toContain("203.0.113.9");
  });
});
