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
//
// Pictures. QQ ImgSecCheck (multipart appid + media) answers at once: 87014 when the bytes contain
// "RISKY", HTTP 500 for "DOWN". WeChat media_check_async (v2 body: media_url, media_type 2,
// version 2, numeric scene, openid) answers a trace_id; the verdict comes later as a message push,
// decided by the picture's bytes as fetched from media_url: "RISKY" → risky, "REVIEW" → review,
// "CHECKFAIL" → errcode 87001 (could not check), "SILENT" → no push ever; otherwise pass. An
// openid containing "mediadown" (login code "mediadown-…") gets HTTP 500 from media_check_async.
//   Push mode: POST /__fake/push-target { url, token, aesKey? } and the fake itself fetches
//   media_url and POSTs the signed (and, with aesKey, encrypted) push to url, as WeChat does.
//   Relay mode, for a worker the fake cannot reach (tests inside workerd):
//   GET /__fake/media-checks/<trace_id> → the request WeChat received ({ media_url, openid, … });
//   POST /__fake/media-checks/<trace_id>/push?token=&aesKey= with the fetched bytes as the body →
//   { query, body } of the push WeChat would send (or { silent: true }), for the test to deliver.
// Subscribe messages: POST /cgi-bin/message/subscribe/send (WeChat) and
// /api/json/subscribe/SendSubscriptionMessage (QQ); a touser containing "refused" gets 43101.
// GET /__fake/subscribe-sent?touser=<openid> → the messages sent to that openid.

import { createCipheriv, createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeStats {
  tokenCalls: number;
  code2sessionCalls: number;
  secCheckCalls: number;
  mediaCheckCalls: number;
  imgSecCheckCalls: number;
  subscribeSendCalls: number;
}

export interface PushConfig {
  token: string;
  /** EncodingAESKey (43 characters) for the safe mode; plaintext pushes without it. */
  aesKey?: string;
  appid?: string;
}

/** A WeChat message push as the platform signs (and in safe mode encrypts) it. */
export function buildWechatPush(message: object, config: PushConfig, now = Date.now()): { query: Record<string, string>; body: string } {
  const timestamp = String(Math.floor(now / 1000));
  const nonce = randomBytes(6).toString("hex");
  const sha1 = (parts: string[]) => createHash("sha1").update([...parts].sort().join("")).digest("hex");
  const plain = JSON.stringify(message);
  if (!config.aesKey) {
    return { query: { signature: sha1([config.token, timestamp, nonce]), timestamp, nonce }, body: plain };
  }
  const key = Buffer.from(`${config.aesKey}=`, "base64");
  const text = Buffer.from(plain, "utf8");
  const length = Buffer.alloc(4);
  length.writeUInt32BE(text.length);
  const raw = Buffer.concat([randomBytes(16), length, text, Buffer.from(config.appid ?? FAKE_CREDENTIALS.WECHAT_APPID)]);
  const pad = 32 - (raw.length % 32);
  const cipher = createCipheriv("aes-256-cbc", key, key.subarray(0, 16)).setAutoPadding(false);
  const encrypted = Buffer.concat([cipher.update(Buffer.concat([raw, Buffer.alloc(pad, pad)])), cipher.final()]).toString("base64");
  return {
    query: {
      signature: sha1([config.token, timestamp, nonce]),
      timestamp,
      nonce,
      encrypt_type: "aes",
      msg_signature: sha1([config.token, timestamp, nonce, encrypted]),
    },
    body: JSON.stringify({ ToUserName: "gh_fake", Encrypt: encrypted }),
  };
}

interface MediaJob {
  trace_id: string;
  media_url: string;
  media_type: unknown;
  version: unknown;
  scene: unknown;
  openid: string;
}

/** The wxa_media_check event for `bytes`, or null when the fake stays silent. */
function mediaCheckEvent(job: MediaJob, bytes: Buffer): object | null {
  const text = bytes.toString("latin1");
  if (text.includes("SILENT")) return null;
  const suggest = text.includes("RISKY") ? "risky" : text.includes("REVIEW") ? "review" : "pass";
  const failed = text.includes("CHECKFAIL");
  return {
    ToUserName: "gh_fake",
    FromUserName: job.openid,
    CreateTime: Math.floor(Date.now() / 1000),
    MsgType: "event",
    Event: "wxa_media_check",
    appid: FAKE_CREDENTIALS.WECHAT_APPID,
    trace_id: job.trace_id,
    version: 2,
    errcode: failed ? 87001 : 0,
    errmsg: failed ? "media fetch failed" : "ok",
    detail: [{ strategy: "content_model", errcode: 0, suggest, label: suggest === "pass" ? 100 : 20002, prob: 90 }],
    result: { suggest, label: suggest === "pass" ? 100 : 20002 },
  };
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

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function readBody(req: IncomingMessage): Promise<string> {
  return (await readBytes(req)).toString("utf8");
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createPlatformHandler() {
  const stats: FakeStats = {
    tokenCalls: 0,
    code2sessionCalls: 0,
    secCheckCalls: 0,
    mediaCheckCalls: 0,
    imgSecCheckCalls: 0,
    subscribeSendCalls: 0,
  };
  const mediaJobs = new Map<string, MediaJob>();
  let pushTarget: (PushConfig & { url: string }) | null = null;
  const subscribeSent = new Map<string, unknown[]>();
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

  function tokenValid(token: string | null): boolean {
    return token !== null && validTokens.has(token);
  }

  /** Push mode: fetch the picture as WeChat would, then push the verdict to the target. */
  async function pushLater(job: MediaJob, target: PushConfig & { url: string }) {
    await sleep(30);
    let bytes: Buffer;
    try {
      const res = await fetch(job.media_url);
      bytes = Buffer.from(await res.arrayBuffer());
      if (!res.ok) bytes = Buffer.from("CHECKFAIL");
    } catch {
      bytes = Buffer.from("CHECKFAIL");
    }
    const event = mediaCheckEvent(job, bytes);
    if (!event) return;
    const push = buildWechatPush(event, target);
    await fetch(`${target.url}?${new URLSearchParams(push.query)}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: push.body,
    }).catch(() => undefined);
  }

  async function mediaCheckAsync(res: ServerResponse, token: string | null, body: string) {
    stats.mediaCheckCalls++;
    if (!tokenValid(token)) return send(res, 200, { errcode: 40001, errmsg: "invalid credential, access_token is invalid" });
    let parsed: Partial<MediaJob> = {};
    try {
      parsed = JSON.parse(body) as Partial<MediaJob>;
    } catch {
      return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    }
    const wellFormed =
      typeof parsed.media_url === "string" &&
      /^https?:\/\//.test(parsed.media_url) &&
      parsed.media_type === 2 &&
      parsed.version === 2 &&
      typeof parsed.scene === "number" &&
      typeof parsed.openid === "string" &&
      parsed.openid !== "";
    if (!wellFormed) return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    if (parsed.openid!.includes("mediadown")) return send(res, 500, "upstream down");
    const job = { ...parsed, trace_id: `trace-${randomBytes(8).toString("hex")}` } as MediaJob;
    mediaJobs.set(job.trace_id, job);
    if (pushTarget) void pushLater(job, pushTarget);
    return send(res, 200, { errcode: 0, errmsg: "ok", trace_id: job.trace_id });
  }

  async function imgSecCheck(req: IncomingMessage, res: ServerResponse, token: string | null) {
    stats.imgSecCheckCalls++;
    if (!tokenValid(token)) return send(res, 200, { errcode: 40001, errmsg: "invalid credential" });
    const raw = await readBytes(req);
    let form: FormData;
    try {
      form = await new Response(new Uint8Array(raw), { headers: { "content-type": req.headers["content-type"] ?? "" } }).formData();
    } catch {
      return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    }
    const media = form.get("media");
    if (form.get("appid") !== FAKE_CREDENTIALS.QQ_APPID || !(media instanceof Blob)) {
      return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    }
    const text = Buffer.from(await media.arrayBuffer()).toString("latin1");
    if (text.includes("DOWN")) return send(res, 500, "upstream down");
    return send(res, 200, text.includes("RISKY") ? { errcode: 87014, errMsg: "risky content" } : { errcode: 0, errMsg: "ok" });
  }

  async function subscribeSend(res: ServerResponse, token: string | null, body: string, qq: boolean) {
    stats.subscribeSendCalls++;
    if (!tokenValid(token)) return send(res, 200, { errcode: 40001, errmsg: "invalid credential" });
    let parsed: { touser?: unknown; template_id?: unknown; data?: unknown; page?: unknown } = {};
    try {
      parsed = JSON.parse(body) as typeof parsed;
    } catch {
      return send(res, 200, { errcode: 47001, errmsg: "data format error" });
    }
    if (typeof parsed.touser !== "string" || typeof parsed.template_id !== "string" || !parsed.data || typeof parsed.data !== "object") {
      return send(res, 200, { errcode: 47003, errmsg: "argument invalid" });
    }
    if (parsed.touser.includes("refused")) return send(res, 200, { errcode: 43101, errmsg: "user refuse to accept the msg" });
    const list = subscribeSent.get(parsed.touser) ?? [];
    list.push({ ...parsed, platform: qq ? "qq" : "wechat" });
    subscribeSent.set(parsed.touser, list);
    return send(res, 200, { errcode: 0, errmsg: "ok" });
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
        stats.mediaCheckCalls = stats.imgSecCheckCalls = stats.subscribeSendCalls = 0;
        return send(res, 200, stats);
      }
      if (path === "/__fake/push-target" && req.method === "POST") {
        const config = JSON.parse(await readBody(req)) as PushConfig & { url?: string };
        pushTarget = config.url ? { ...config, url: config.url } : null;
        return send(res, 200, { ok: true });
      }
      const mediaCheck = path.match(/^\/__fake\/media-checks\/([^/]+)(\/push)?$/);
      if (mediaCheck) {
        const job = mediaJobs.get(decodeURIComponent(mediaCheck[1]));
        if (!job) return send(res, 404, { error: "no such trace_id" });
        if (!mediaCheck[2]) return send(res, 200, job);
        const event = mediaCheckEvent(job, await readBytes(req));
        if (!event) return send(res, 200, { silent: true });
        const token = url.searchParams.get("token") ?? "";
        const aesKey = url.searchParams.get("aesKey") ?? undefined;
        return send(res, 200, buildWechatPush(event, { token, aesKey }));
      }
      if (path === "/__fake/subscribe-sent") {
        return send(res, 200, { sent: subscribeSent.get(url.searchParams.get("touser") ?? "") ?? [] });
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
      if (path === "/wxa/media_check_async") {
        return mediaCheckAsync(res, url.searchParams.get("access_token"), await readBody(req));
      }
      if (path === "/api/json/security/ImgSecCheck") return imgSecCheck(req, res, url.searchParams.get("access_token"));
      if (path === "/cgi-bin/message/subscribe/send") {
        return subscribeSend(res, url.searchParams.get("access_token"), await readBody(req), false);
      }
      if (path === "/api/json/subscribe/SendSubscriptionMessage") {
        return subscribeSend(res, url.searchParams.get("access_token"), await readBody(req), true);
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
