// A local stand-in for WeChat's and QQ's HTTP APIs. It answers with the documented response
// shapes, success and error, so tests, dev and the benchmark never call the real platforms.
//
// Login codes steer the answer (the real code comes from wx.login, so any string is valid):
//   "<anything>"          → success, openid = "openid-<anything>"
//   "err-<errcode>"       → { errcode, errmsg }, e.g. err-40029, err-45011, err-40226
//   "http-500"            → HTTP 500
//   "garbage"             → a body that is not JSON
//   "slow-<ms>"           → answers after <ms> milliseconds
// Content checks (msgSecCheck) steer by the text: it contains "[risky]", "[review]", "[down]"
// (HTTP 500) or "[slow]" (answers after 2 s); anything else passes.
//
// GET /__fake/stats → { tokenCalls, code2sessionCalls, secCheckCalls }; POST /__fake/reset zeroes them.
// POST /__fake/expire-tokens invalidates every issued access token (the next check gets 40001).
// GET /__fake/last-sec-check → the JSON body of the last content check, to check its shape.
// The WeChat check refuses (47001) a body without version 2, a numeric scene and an openid, as
// v2 does; the QQ check refuses one without the appid.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeStats {
  tokenCalls: number;
  code2sessionCalls: number;
  secCheckCalls: number;
}

export const FAKE_CREDENTIALS = {
  WECHAT_APPID: "wx-fake-appid",
  WECHAT_SECRET: "wx-fake-secret",
  QQ_APPID: "qq-fake-appid",
  QQ_SECRET: "qq-fake-secret",
} as const;

const TOKEN_TTL_SECONDS = 7200;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  res.writeHead(status, { "content-type": typeof body === "string" ? "text/plain" : "application/json" });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createPlatformHandler() {
  const stats: FakeStats = { tokenCalls: 0, code2sessionCalls: 0, secCheckCalls: 0 };
  let tokenSerial = 0;
  const validTokens = new Set<string>();
  let lastSecCheck: unknown = null;

  async function code2session(url: URL, res: ServerResponse, expectedAppid: string, expectedSecret: string) {
    stats.code2sessionCalls++;
    const code = url.searchParams.get("js_code") ?? "";
    if (url.searchParams.get("appid") !== expectedAppid || url.searchParams.get("secret") !== expectedSecret) {
      return send(res, 200, { errcode: 40013, errmsg: "invalid appid" });
    }
    if (url.searchParams.get("grant_type") !== "authorization_code") {
      return send(res, 200, { errcode: 40002, errmsg: "invalid grant_type" });
    }
    const err = code.match(/^err-(-?\d+)$/);
    if (err) return send(res, 200, { errcode: Number(err[1]), errmsg: "fake error" });
    if (code === "http-500") return send(res, 500, "internal error");
    if (code === "garbage") return send(res, 200, "<html>not json</html>");
    const slow = code.match(/^slow-(\d+)$/);
    if (slow) await sleep(Number(slow[1]));
    return send(res, 200, { openid: `openid-${code}`, session_key: "fake-session-key", unionid: undefined });
  }

  function issueToken(res: ServerResponse, wechatShape: boolean) {
    stats.tokenCalls++;
    const token = `token-${++tokenSerial}`;
    validTokens.add(token);
    const body = { access_token: token, expires_in: TOKEN_TTL_SECONDS };
    return send(res, 200, wechatShape ? body : { errcode: 0, errmsg: "", ...body });
  }

  async function secCheck(res: ServerResponse, token: string | null, body: string, qq: boolean) {
    stats.secCheckCalls++;
    if (!token || !validTokens.has(token)) {
      return send(res, 200, { errcode: 40001, errmsg: "invalid credential, access_token is invalid" });
    }
    let parsed: { content?: string; version?: unknown; scene?: unknown; openid?: unknown; appid?: unknown } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    }
    lastSecCheck = parsed;
    const wellFormed = qq
      ? parsed.appid === FAKE_CREDENTIALS.QQ_APPID
      : parsed.version === 2 && typeof parsed.scene === "number" && typeof parsed.openid === "string" && parsed.openid !== "";
    if (!wellFormed) return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    const content = parsed.content ?? "";
    if (content.includes("[down]")) return send(res, 500, "upstream down");
    if (content.includes("[slow]")) await sleep(2000);
    if (qq) {
      // QQ's MsgSecCheck: errcode 87014 means the content is risky.
      return send(res, 200, content.includes("[risky]") ? { errcode: 87014, errmsg: "risky content" } : { errcode: 0, errmsg: "ok" });
    }
    const suggest = content.includes("[risky]") ? "risky" : content.includes("[review]") ? "review" : "pass";
    const label = suggest === "pass" ? 100 : 20001;
    return send(res, 200, {
      errcode: 0,
      errmsg: "ok",
      result: { suggest, label },
      detail: [{ strategy: "content_model", errcode: 0, suggest, label, prob: 90 }],
      trace_id: "fake-trace",
    });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake");
    const path = url.pathname;
    try {
      if (path === "/__fake/stats") return send(res, 200, stats);
      if (path === "/__fake/expire-tokens") {
        validTokens.clear();
        return send(res, 200, { expired: true });
      }
      if (path === "/__fake/last-sec-check") return send(res, 200, { body: lastSecCheck });
      if (path === "/__fake/reset") {
        stats.tokenCalls = stats.code2sessionCalls = stats.secCheckCalls = 0;
        return send(res, 200, stats);
      }
      // WeChat and QQ share the jscode2session path; the appid tells them apart.
      if (path === "/sns/jscode2session") {
        const qq = url.searchParams.get("appid") === FAKE_CREDENTIALS.QQ_APPID;
        return qq
          ? code2session(url, res, FAKE_CREDENTIALS.QQ_APPID, FAKE_CREDENTIALS.QQ_SECRET)
          : code2session(url, res, FAKE_CREDENTIALS.WECHAT_APPID, FAKE_CREDENTIALS.WECHAT_SECRET);
      }
      if (path === "/cgi-bin/token") return issueToken(res, true);
      if (path === "/api/getToken") return issueToken(res, false);
      if (path === "/wxa/msg_sec_check") {
        return secCheck(res, url.searchParams.get("access_token"), await readBody(req), false);
      }
      if (path === "/api/json/security/MsgSecCheck") {
        return secCheck(res, url.searchParams.get("access_token"), await readBody(req), true);
      }
      return send(res, 404, { errcode: 404, errmsg: "no such fake endpoint" });
    } catch (error) {
      return send(res, 500, String(error));
    }
  }

  return { handle, stats };
}

/** Starts the fake on 127.0.0.1 at a free port. */
export async function startPlatformServer(): Promise<{ url: string; server: Server; stats: FakeStats; close(): Promise<void> }> {
  const { handle, stats } = createPlatformHandler();
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    stats,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
