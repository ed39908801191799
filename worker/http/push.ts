import { findImageByTrace } from "../db/images";
import { findUser } from "../db/users";
import { flagVar, type Env } from "../env";
import { AppError } from "../errors";
import { settleImage } from "../media/outcome";
import { tellRoomOfImage } from "../room/client";
import { identityHash } from "../platform/identity";
import { decryptPush, pushSignatureValid, timestampFresh } from "../platform/push";
import { newApp } from "./app";

// WeChat's message push (消息推送, JSON format) — configured in the mini program console with
// this URL, WECHAT_PUSH_TOKEN and, in the safe mode, WECHAT_PUSH_AES_KEY. Only pushes signed with
// our token are read, and in production only in the safe mode, whose signature covers the
// encrypted body; of those, only wxa_media_check events (the picture check's answer) for a pending
// picture of the sender they name act.

interface MediaCheckEvent {
  Event?: unknown;
  /** The sender's openid. */
  FromUserName?: unknown;
  trace_id?: unknown;
  errcode?: unknown;
  result?: { suggest?: unknown };
}

function pushToken(env: Env): string {
  const token = env.WECHAT_PUSH_TOKEN?.trim();
  if (!token) throw new AppError("not_found", "Message push is not configured on this server", 404);
  return token;
}

const forged = () => new AppError("unauthorized", "The push signature is not valid", 401);

/** pass → passed; risky or review → rejected (a stranger sees pictures without context); errors → expired. */
function verdict(event: MediaCheckEvent): "passed" | "rejected" | "expired" {
  if (Number(event.errcode ?? 0) !== 0) return "expired";
  const suggest = event.result?.suggest;
  if (suggest === "pass") return "passed";
  if (suggest === "risky" || suggest === "review") return "rejected";
  return "expired";
}

export const push = newApp()
  /** The console's URL check: echo `echostr` when the signature is ours. */
  .get("/wechat", async (c) => {
    const token = pushToken(c.env);
    const q = c.req.query();
    const { signature = "", timestamp = "", nonce = "", echostr = "" } = q;
    if (!timestampFresh(timestamp, Date.now()) || !(await pushSignatureValid([token, timestamp, nonce], signature))) throw forged();
    return c.text(echostr);
  })
  .post("/wechat", async (c) => {
    const token = pushToken(c.env);
    const { signature = "", timestamp = "", nonce = "", encrypt_type, msg_signature = "" } = c.req.query();
    if (!timestampFresh(timestamp, Date.now())) throw forged();
    let raw: unknown;
    try {
      raw = await c.req.json();
    } catch {
      throw new AppError("bad_request", "The push body is not JSON", 400);
    }
    let event: MediaCheckEvent;
    const aesKey = c.env.WECHAT_PUSH_AES_KEY?.trim();
    if (encrypt_type === "aes" || aesKey) {
      // Safe mode: the signature covers the ciphertext; a plaintext push is refused once a key is set.
      const encrypted = (raw as { Encrypt?: unknown })?.Encrypt;
      if (!aesKey || typeof encrypted !== "string") throw forged();
      if (!(await pushSignatureValid([token, timestamp, nonce, encrypted], msg_signature))) throw forged();
      const plain = await decryptPush(aesKey, encrypted, c.env.WECHAT_APPID ?? "");
      if (plain === null) throw forged();
      try {
        event = JSON.parse(plain) as MediaCheckEvent;
      } catch {
        throw new AppError("bad_request", "The push message is not JSON", 400);
      }
    } else {
      // Plaintext mode: the signature covers only token, timestamp and nonce, never the body, so a
      // captured push could carry any verdict. Refused in production (DEV_LOGIN off): set
      // WECHAT_PUSH_AES_KEY and choose the safe mode in the console (docs/launch.md).
      if (!flagVar(c.env.DEV_LOGIN)) {
        throw new AppError("forbidden", "Plaintext pushes are refused on this server: use the safe (AES) mode", 403);
      }
      if (!(await pushSignatureValid([token, timestamp, nonce], signature))) throw forged();
      event = raw as MediaCheckEvent;
    }

    if (event?.Event === "wxa_media_check" && typeof event.trace_id === "string" && event.trace_id !== "") {
      const image = await findImageByTrace(c.env.DB, event.trace_id);
      // Unknown trace_id: the upload may not have stored it yet. Not "success", so WeChat retries.
      if (!image) throw new AppError("not_found", "Unknown trace_id", 404);
      // Settled already (a replay, or the deadline passed): nothing changes, WeChat need not retry.
      if (image.status !== "pending") return c.text("success");
      // The verdict must also name the picture's sender: their openid, matched through the identity
      // hash (nothing else is kept), so one person's verdict never settles another's picture.
      const sender = await findUser(c.env.DB, image.senderId);
      const from = typeof event.FromUserName === "string" ? event.FromUserName : "";
      if (!sender || sender.identityHash !== (await identityHash(c.env.IDENTITY_PEPPER, "wechat", from))) throw forged();
      const outcome = await settleImage(c.env, { traceId: event.trace_id }, verdict(event));
      if (outcome) await tellRoomOfImage(c.env, outcome);
    }
    return c.text("success");
  });
