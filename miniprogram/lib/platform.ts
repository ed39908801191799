// The only file that knows WeChat from QQ: it picks the global API object (`wx` or `qq`) and
// the login platform, and adapts the few calls the rest of the app needs. QQ's API mirrors
// wx's, so one set of typings serves both.
import type { EnvVersion } from "../config";
import type { FileUpload, HttpRequest, KeyValueStorage } from "./api";
import type { SocketFactory } from "./chat-client";
import type { Platform } from "./protocol";

declare const qq: WechatMiniprogram.Wx | undefined;

const isQQ = typeof qq !== "undefined" && qq !== null && typeof qq.login === "function";

/** The platform's API object; pages use this instead of `wx`. */
export const mp: WechatMiniprogram.Wx = isQQ ? (qq as WechatMiniprogram.Wx) : wx;
export const platform: Platform = isQQ ? "qq" : "wechat";

export function envVersion(): EnvVersion {
  try {
    return (mp.getAccountInfoSync().miniProgram.envVersion as EnvVersion) || "develop";
  } catch {
    return "develop";
  }
}

export const storage: KeyValueStorage = {
  get: (key) => {
    try {
      return mp.getStorageSync(key);
    } catch {
      return undefined;
    }
  },
  set: (key, value) => mp.setStorageSync(key, value),
  remove: (key) => mp.removeStorageSync(key),
};

export const httpRequest: HttpRequest = ({ url, method, data, header }) =>
  new Promise((resolve, reject) => {
    mp.request({
      url,
      method,
      data: data as WechatMiniprogram.IAnyObject | undefined,
      header,
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });

export function loginCode(): Promise<string> {
  return new Promise((resolve, reject) => {
    mp.login({
      success: (res) => (res.code ? resolve(res.code) : reject(new Error("no login code"))),
      fail: (err) => reject(new Error(err.errMsg)),
    });
  });
}

export const connectSocket: SocketFactory = (url, token, handlers) => {
  const task = mp.connectSocket({ url, header: { Authorization: `Bearer ${token}` }, fail: () => handlers.onError("connect failed") });
  task.onOpen(() => handlers.onOpen());
  task.onMessage((res) => handlers.onMessage(typeof res.data === "string" ? res.data : ""));
  task.onClose((res) => handlers.onClose(res.code, res.reason));
  task.onError((res) => handlers.onError(res.errMsg));
  return {
    send: (data) => task.send({ data }),
    close: (code, reason) => task.close({ code, reason }),
  };
};

export function onNetworkChange(listener: (connected: boolean) => void): () => void {
  const handler = (res: { isConnected: boolean }) => listener(res.isConnected);
  mp.onNetworkStatusChange(handler);
  // The typings give the off-callback a narrower argument than the on-callback; it is the same function.
  return () => mp.offNetworkStatusChange?.(handler as unknown as WechatMiniprogram.OffNetworkStatusChangeCallback);
}

export type PrivacyResolve = (r: { event: "agree" | "disagree"; buttonId?: string }) => void;

/**
 * WeChat's privacy hook (2023+): called when a privacy API (chooseAvatar, the nickname input)
 * needs the user's consent first. QQ and old base libraries lack it; then nothing is asked.
 */
export function onNeedPrivacyAuthorization(listener: (resolve: PrivacyResolve) => void): void {
  const api = mp as Partial<WechatMiniprogram.Wx>;
  if (typeof api.onNeedPrivacyAuthorization !== "function") return;
  // The typings describe the callback's argument as a plain result; at runtime it is `resolve`.
  const register = api.onNeedPrivacyAuthorization as unknown as (cb: (resolve: PrivacyResolve) => void) => void;
  register((resolve) => listener(resolve));
}

export function openPrivacyContract(): void {
  const api = mp as Partial<WechatMiniprogram.Wx>;
  api.openPrivacyContract?.({});
}

export function toast(title: string, icon: "success" | "none" = "none"): void {
  mp.showToast({ title, icon });
}

/**
 * Leaves this page: back to the page below, or, when it is the only one (opened from a cold start
 * by a subscribe message or a share), to the topics page, since there is nothing to go back to.
 */
export function leavePage(): void {
  const stack = typeof getCurrentPages === "function" ? getCurrentPages() : [];
  if (stack.length > 1) mp.navigateBack({ delta: 1 });
  else mp.reLaunch({ url: "/pages/topics/index" });
}

/** Asks before leaving the page by the back button or gesture (message), or stops asking (null). */
export function guardLeaving(message: string | null): void {
  const api = mp as Partial<WechatMiniprogram.Wx>;
  if (message) api.enableAlertBeforeUnload?.({ message });
  else api.disableAlertBeforeUnload?.();
}

/** A confirm dialog; resolves true when the user confirms. */
export function confirm(title: string, content: string, confirmText: string): Promise<boolean> {
  return new Promise((resolve) => {
    mp.showModal({ title, content, confirmText, success: (res) => resolve(res.confirm), fail: () => resolve(false) });
  });
}

/** WeChat's avatar button (open-type="chooseAvatar"); QQ has none and picks an image instead. */
export const canChooseAvatar = !isQQ;

/** Opens the phone's dialer with `phoneNumber` (wx.makePhoneCall; QQ has the same call). A cancel is fine. */
export function callPhone(phoneNumber: string): void {
  mp.makePhoneCall({ phoneNumber, fail: () => undefined });
}

/** QQ's way to pick an avatar: one image from the album or the camera; null when cancelled. */
export function chooseImage(): Promise<string | null> {
  return new Promise((resolve) => {
    mp.chooseImage({
      count: 1,
      sizeType: ["compressed"],
      sourceType: ["album", "camera"],
      success: (res) => resolve(res.tempFilePaths[0] ?? null),
      fail: () => resolve(null),
    });
  });
}

/** A picture picked for sending: this phone's temporary file, already compressed. */
export interface PickedImage {
  path: string;
  size: number;
}

/** One picture from the album or the camera, compressed (wx.chooseMedia; chooseImage where there is none); null when cancelled. */
export function choosePicture(): Promise<PickedImage | null> {
  return new Promise((resolve) => {
    if (typeof mp.chooseMedia !== "function") {
      mp.chooseImage({
        count: 1,
        sizeType: ["compressed"],
        sourceType: ["album", "camera"],
        success: (res) => resolve(res.tempFiles?.[0] ? { path: res.tempFiles[0].path, size: res.tempFiles[0].size } : null),
        fail: () => resolve(null),
      });
      return;
    }
    mp.chooseMedia({
      count: 1,
      mediaType: ["image"],
      sizeType: ["compressed"],
      sourceType: ["album", "camera"],
      success: (res) => resolve(res.tempFiles[0] ? { path: res.tempFiles[0].tempFilePath, size: res.tempFiles[0].size } : null),
      fail: () => resolve(null),
    });
  });
}

/** wx.uploadFile as a promise: the answer's body is text (JSON from our API). */
export const uploadFile: FileUpload = ({ url, filePath, name, formData, header, onProgress }) =>
  new Promise((resolve, reject) => {
    const task = mp.uploadFile({
      url,
      filePath,
      name,
      formData,
      header,
      success: (res) => resolve({ status: res.statusCode, data: res.data }),
      fail: (err) => reject(new Error(err.errMsg)),
    });
    if (onProgress) task?.onProgressUpdate?.((p) => onProgress(p.progress));
  });

/** The full-screen viewer for a picture in the chat (with the chat's other pictures to swipe through). */
export function previewImage(current: string, urls: string[]): void {
  mp.previewImage({ current, urls: urls.includes(current) ? urls : [current] });
}

/** The platform has the subscribe-message prompt (QQ's base library may not: then nothing is asked). */
export function canRequestSubscribe(): boolean {
  return typeof (mp as Partial<WechatMiniprogram.Wx>).requestSubscribeMessage === "function";
}

/** The person ticked "总是保持以上选择" for `tmplId`, or turned subscribe messages off (wx.getSetting). */
export function subscriptionKept(tmplId: string): Promise<boolean> {
  const api = mp as Partial<WechatMiniprogram.Wx>;
  if (typeof api.getSetting !== "function") return Promise.resolve(false);
  return new Promise((resolve) => {
    try {
      api.getSetting!({
        withSubscriptions: true,
        success: (res) => {
          const s = res.subscriptionsSetting as { mainSwitch?: boolean; itemSettings?: Record<string, string> } | undefined;
          resolve(s?.mainSwitch === false || typeof s?.itemSettings?.[tmplId] === "string");
        },
        fail: () => resolve(false),
      });
    } catch {
      resolve(false);
    }
  });
}

/**
 * The subscribe-message prompt (wx.requestSubscribeMessage; QQ's where its base library has it):
 * resolves with each template id's answer ("accept", "reject", "ban"…), or null when the API is
 * missing or failed. WeChat shows it only when called synchronously inside a tap handler.
 */
export function requestSubscribe(tmplIds: string[]): Promise<Record<string, string> | null> {
  const api = mp as Partial<WechatMiniprogram.Wx>;
  if (typeof api.requestSubscribeMessage !== "function") return Promise.resolve(null);
  return new Promise((resolve) => {
    try {
      api.requestSubscribeMessage!({
        tmplIds,
        success: (res) => resolve(res as unknown as Record<string, string>),
        fail: () => resolve(null),
      });
    } catch {
      resolve(null);
    }
  });
}
