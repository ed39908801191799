// Every server error code, plus the client's own failures, as a short Chinese line for a toast.
// The Record over ErrorCode makes tsc fail when protocol.ts gains a code nobody translated.
import { TEXT_MAX, type ErrorCode } from "./protocol";

export type ClientErrorCode = "network" | "timeout" | "login_failed" | "unknown";

const SERVER_MESSAGES: Record<ErrorCode, string> = {
  bad_request: "请求有误，请重试",
  unauthorized: "登录已过期，请重新进入",
  forbidden: "没有权限进入这个聊天",
  not_found: "聊天不存在或已结束",
  payload_too_large: "内容太长了",
  internal: "服务器开小差了，请稍后再试",
  invalid_code: "登录失败，请重试",
  rate_limited: "操作太频繁，请稍后再试",
  blocked_by_platform: "账号受限，暂时无法使用",
  platform_unavailable: "登录服务暂时不可用，请稍后再试",
  banned: "账号已被封禁",
  bad_message: "消息格式有误",
  text_too_long: `消息太长了，最多 ${TEXT_MAX} 字`,
  empty_text: "不能发送空白消息",
  unknown_type: "暂不支持这种消息",
  frame_too_large: "消息太长了",
  binary_not_supported: "暂不支持这种消息",
  replaced: "你已在别处打开聊天",
  content_rejected: "消息包含不当内容，未发送",
  moderation_unavailable: "消息审核暂时不可用，请稍后重试",
  conversation_ended: "聊天已结束",
  ticket_required: "登录已过期，请重新进入",
  too_many_attempts: "尝试太频繁，请稍后再试",
  already_reported: "你已经举报过了",
  adult_required: "请先确认你已年满18周岁",
  matching_suspended: "匹配已暂停，等待管理员审核",
  unsupported_image: "只能发送 JPG/PNG/GIF 图片",
  image_too_large: "图片太大了",
  link_expired: "图片链接已过期，请刷新",
  recall_too_late: "超过2分钟的消息不能撤回",
  not_yours: "只能撤回自己的消息",
  login_disabled: "登录方式已停用，请重新进入",
  chat_ended: "这个聊天已结束",
  too_many_chats: "最多保持50个聊天，请先结束一个",
};

const CLIENT_MESSAGES: Record<ClientErrorCode, string> = {
  network: "网络不可用，请检查网络",
  timeout: "发送超时",
  login_failed: "登录失败，请重试",
  unknown: "出了点问题，请稍后再试",
};

/** A short Chinese message for any code; unknown codes get a generic line, never the raw text. */
export function errorMessage(code: string | null | undefined): string {
  if (code && Object.prototype.hasOwnProperty.call(SERVER_MESSAGES, code)) return SERVER_MESSAGES[code as ErrorCode];
  if (code && Object.prototype.hasOwnProperty.call(CLIENT_MESSAGES, code)) return CLIENT_MESSAGES[code as ClientErrorCode];
  return CLIENT_MESSAGES.unknown;
}

/** What a picture that could not be sent says: about the picture, not about "content". */
export const PICTURE_TOO_LARGE = "图片太大了（最大 2 MB）";
const PICTURE_MESSAGES: Partial<Record<string, string>> = {
  payload_too_large: PICTURE_TOO_LARGE,
  image_too_large: "图片尺寸太大了",
  content_rejected: "图片未通过审核，未发送",
  network: "图片上传失败",
  timeout: "图片上传失败",
  internal: "图片上传失败",
};

export function pictureError(code: string | null | undefined): string {
  return (code && PICTURE_MESSAGES[code]) || errorMessage(code);
}

/** An error carrying a stable code; `message` is already the Chinese line to show. */
export class ChatError extends Error {
  constructor(readonly code: string) {
    super(errorMessage(code));
    this.name = "ChatError";
  }
}

/** The stable code an error carries (a ChatError's, or a REST body's `error`), else `fallback`. */
export function codeOf(err: unknown, fallback: string): string {
  const code = err && typeof err === "object" && "code" in err ? (err as { code: unknown }).code : null;
  return typeof code === "string" ? code : fallback;
}
