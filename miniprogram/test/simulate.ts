// Runs the mini program's components and pages under miniprogram-simulate. The sources are
// TypeScript, so each test file builds the app with `npm run build:miniprogram`'s own code into a
// temp folder (plain CommonJS beside its .json/.wxml/.wxss), which is what simulate loads: the
// tests drive exactly what WeChat DevTools and QQ's tool open. It also installs a scriptable fake
// of the platform API (`wx`).
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
import { buildMiniprogram } from "../../scripts/build-miniprogram";

const require = createRequire(import.meta.url);

export type Simulate = typeof import("miniprogram-simulate");

/** Builds the app into a temp folder; returns its path. */
export function buildApp(): string {
  const out = mkdtempSync(join(tmpdir(), "onechat-mp-"));
  buildMiniprogram(out);
  return out;
}

/** Forgets the compiled app's modules so each test gets fresh singletons (api, storage...). */
export function forgetModules(root: string): void {
  for (const key of Object.keys(require.cache)) if (key.startsWith(root)) delete require.cache[key];
}

export function removeApp(root: string): void {
  forgetModules(root);
  rmSync(root, { recursive: true, force: true });
}

export function loadSimulate(): Simulate {
  return require("miniprogram-simulate") as Simulate;
}

// ---------------------------------------------------------------------------------------------
// A fake platform API: storage in memory, scripted HTTP, sockets the test drives.

export class FakeSocketTask {
  readonly sent: string[] = [];
  closed = false;
  private h: Record<string, (res: any) => void> = {};
  constructor(
    readonly url: string,
    readonly header: Record<string, string>,
  ) {}
  onOpen(cb: () => void) {
    this.h.open = cb;
  }
  onMessage(cb: (res: { data: string }) => void) {
    this.h.message = cb;
  }
  onClose(cb: (res: { code: number; reason: string }) => void) {
    this.h.close = cb;
  }
  onError(cb: (res: { errMsg: string }) => void) {
    this.h.error = cb;
  }
  send({ data }: { data: string }) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
  get frames(): Array<Record<string, unknown>> {
    return this.sent.filter((s) => s !== '{"type":"ping"}').map((s) => JSON.parse(s));
  }
  open() {
    this.h.open?.({});
  }
  receive(frame: unknown) {
    this.h.message?.({ data: JSON.stringify(frame) });
  }
  drop(code = 1006) {
    this.h.close?.({ code, reason: "" });
  }
  /** The platform's error callback, e.g. a refused upgrade. */
  fail(errMsg: string) {
    this.h.error?.({ errMsg });
  }
}

export interface FakeWx {
  storage: Map<string, unknown>;
  requests: Array<{ url: string; method: string; data?: unknown; header?: Record<string, string> }>;
  /** Answers a request; default: topics and dev login succeed. */
  respond: (req: { url: string; method: string; data?: unknown }) => { statusCode: number; data: unknown } | "fail";
  sockets: FakeSocketTask[];
  toasts: string[];
  navigations: string[];
  titles: string[];
  networkListeners: Array<(res: { isConnected: boolean }) => void>;
  privacyListener: ((resolve: (r: unknown) => void) => void) | null;
  /** How many times onNeedPrivacyAuthorization was registered. */
  privacyRegistrations: number;
  /** showModal calls (title) and the answer the next one gets. */
  modals: string[];
  modalAnswer: boolean;
  /** showActionSheet calls (their items) and the item the user taps (-1: cancel). */
  actionSheets: string[][];
  actionSheetTap: number;
  clipboard: string[];
  /** Numbers wx.makePhoneCall was asked to dial. */
  phoneCalls: string[];
  /** The leave-warning currently set with enableAlertBeforeUnload (null: none). */
  unloadGuard: string | null;
  /** What chooseImage returns (null: the user cancelled). */
  chosenImage: string | null;
  /** requestSubscribeMessage calls (their tmplIds) and the answer each id gets (null: the call fails). */
  subscribePrompts: string[][];
  subscribeAnswer: string | null;
  /** What chooseMedia returns (null: the user cancelled). */
  chosenMedia: { tempFilePath: string; size: number } | null;
  /** uploadFile calls, and the answer each gets. */
  uploads: Array<{ url: string; filePath: string; name: string; formData: Record<string, string>; header: Record<string, string> }>;
  uploadAnswer: { statusCode: number; data: string } | "fail";
  /** Hold uploads until the test calls the entries of `heldUploads` (each answers one upload). */
  holdUploads: boolean;
  heldUploads: Array<() => void>;
  /** The progress listener of each upload, in order. */
  uploadProgress: Array<(p: { progress: number }) => void>;
  previews: Array<{ current: string; urls: string[] }>;
  /** How many pages getCurrentPages() reports (1: opened from a cold start). */
  pageDepth: number;
  lastSocket(): FakeSocketTask;
}

export const TOPICS = [
  { id: "music", title: "最近在听的歌", prompt: "分享一首最近单曲循环的歌" },
  { id: "books", title: "书与故事", prompt: "有没有一本书改变过你的想法？" },
];

/** Replaces the platform calls the app uses on the global `wx` that simulate installed. */
export function installFakeWx(): FakeWx {
  const fake: FakeWx = {
    storage: new Map(),
    requests: [],
    respond: (req) =>
      req.url.endsWith("/api/login")
        ? { statusCode: 200, data: { token: "tok", user: { id: "u1" }, expiresAt: Date.now() + 86_400_000 } }
        : req.url.endsWith("/api/topics")
          ? { statusCode: 200, data: { topics: TOPICS } }
          : // An account that confirmed 18+ long ago, on a dev login (no subscribe templates).
            req.url.endsWith("/api/me")
            ? { statusCode: 200, data: { id: "u1", createdAt: 1, adultConfirmedAt: 1, matchingSuspended: false } }
            : req.url.endsWith("/api/subscriptions/templates")
              ? { statusCode: 200, data: { templates: {} } }
              : { statusCode: 404, data: { error: { code: "not_found", message: "Not found" } } },
    sockets: [],
    toasts: [],
    navigations: [],
    titles: [],
    networkListeners: [],
    privacyListener: null,
    privacyRegistrations: 0,
    modals: [],
    modalAnswer: true,
    actionSheets: [],
    actionSheetTap: 0,
    clipboard: [],
    phoneCalls: [],
    unloadGuard: null,
    chosenImage: "qqfile://tmp/pick.png",
    subscribePrompts: [],
    subscribeAnswer: "accept",
    chosenMedia: { tempFilePath: "wxfile://tmp/photo.jpg", size: 120_000 },
    uploads: [],
    holdUploads: false,
    heldUploads: [],
    uploadProgress: [],
    uploadAnswer: { statusCode: 201, data: JSON.stringify({ id: "img1", status: "pending", contentType: "image/jpeg", bytes: 120_000, width: 640, height: 480 }) },
    previews: [],
    pageDepth: 2,
    lastSocket() {
      const s = fake.sockets[fake.sockets.length - 1];
      if (!s) throw new Error("no socket opened");
      return s;
    },
  };
  const wx = (globalThis as any).wx;
  (globalThis as any).getCurrentPages = () => Array.from({ length: fake.pageDepth }, () => ({}));
  Object.assign(wx, {
    getAccountInfoSync: () => ({ miniProgram: { envVersion: "develop", appId: "touristappid" } }),
    getStorageSync: (k: string) => (fake.storage.has(k) ? structuredClone(fake.storage.get(k)) : ""),
    setStorageSync: (k: string, v: unknown) => fake.storage.set(k, structuredClone(v)),
    removeStorageSync: (k: string) => fake.storage.delete(k),
    request: (opts: any) => {
      fake.requests.push({ url: opts.url, method: opts.method, data: opts.data, header: opts.header });
      const res = fake.respond(opts);
      setTimeout(() => (res === "fail" ? opts.fail?.({ errMsg: "request:fail" }) : opts.success?.(res)), 0);
    },
    login: (opts: any) => setTimeout(() => opts.success?.({ code: "wxcode", errMsg: "login:ok" }), 0),
    connectSocket: (opts: any) => {
      const task = new FakeSocketTask(opts.url, opts.header ?? {});
      fake.sockets.push(task);
      return task;
    },
    showToast: (opts: any) => fake.toasts.push(opts.title),
    navigateTo: (opts: any) => fake.navigations.push(opts.url),
    redirectTo: (opts: any) => fake.navigations.push(`redirect:${opts.url}`),
    reLaunch: (opts: any) => fake.navigations.push(`relaunch:${opts.url}`),
    showModal: (opts: any) => {
      fake.modals.push(opts.title);
      setTimeout(() => opts.success?.({ confirm: fake.modalAnswer, cancel: !fake.modalAnswer }), 0);
    },
    showActionSheet: (opts: any) => {
      fake.actionSheets.push(opts.itemList);
      setTimeout(() => (fake.actionSheetTap < 0 ? opts.fail?.({ errMsg: "cancel" }) : opts.success?.({ tapIndex: fake.actionSheetTap })), 0);
    },
    setClipboardData: (opts: any) => fake.clipboard.push(opts.data),
    makePhoneCall: (opts: any) => fake.phoneCalls.push(opts.phoneNumber),
    enableAlertBeforeUnload: (opts: any) => {
      fake.unloadGuard = opts.message;
    },
    disableAlertBeforeUnload: () => {
      fake.unloadGuard = null;
    },
    chooseImage: (opts: any) =>
      setTimeout(() => (fake.chosenImage ? opts.success?.({ tempFilePaths: [fake.chosenImage] }) : opts.fail?.({ errMsg: "cancel" })), 0),
    requestSubscribeMessage: (opts: any) => {
      fake.subscribePrompts.push(opts.tmplIds);
      const answer = fake.subscribeAnswer;
      setTimeout(() => {
        if (answer === null) opts.fail?.({ errMsg: "requestSubscribeMessage:fail" });
        else opts.success?.(Object.fromEntries([["errMsg", "requestSubscribeMessage:ok"], ...opts.tmplIds.map((id: string) => [id, answer])]));
      }, 0);
    },
    chooseMedia: (opts: any) =>
      setTimeout(() => (fake.chosenMedia ? opts.success?.({ tempFiles: [fake.chosenMedia], type: "image" }) : opts.fail?.({ errMsg: "cancel" })), 0),
    uploadFile: (opts: any) => {
      fake.uploads.push({ url: opts.url, filePath: opts.filePath, name: opts.name, formData: opts.formData, header: opts.header });
      const answer = fake.uploadAnswer;
      const finish = () => (answer === "fail" ? opts.fail?.({ errMsg: "uploadFile:fail" }) : opts.success?.(answer));
      if (fake.holdUploads) fake.heldUploads.push(finish);
      else setTimeout(finish, 0);
      return { onProgressUpdate: (cb: (p: { progress: number }) => void) => fake.uploadProgress.push(cb) };
    },
    previewImage: (opts: any) => fake.previews.push({ current: opts.current, urls: opts.urls }),
    navigateBack: () => fake.navigations.push("back"),
    setNavigationBarTitle: (opts: any) => fake.titles.push(opts.title),
    onNetworkStatusChange: (cb: any) => fake.networkListeners.push(cb),
    offNetworkStatusChange: () => undefined,
    onNeedPrivacyAuthorization: (cb: any) => {
      fake.privacyRegistrations++;
      fake.privacyListener = cb;
    },
    getPrivacySetting: () => undefined,
    getFileSystemManager: () => ({ saveFile: (o: any) => o.success?.({ savedFilePath: `saved://${o.tempFilePath}` }) }),
  });
  return fake;
}

type Mounted = { instance: any; detach(): void };

/**
 * One test file's pages under miniprogram-simulate: the build made once, a fresh fake wx before
 * each test, and every page mounted in a test closed after it (an open page keeps its client and
 * its real timers alive into the next test). `settle` lets a few rounds of promises run.
 */
export function usePages(settleTurns = 5) {
  let root = "";
  let simulate: Simulate;
  let fake: FakeWx;
  const mounted: Mounted[] = [];
  beforeAll(() => {
    simulate = loadSimulate();
    root = buildApp();
  });
  afterAll(() => removeApp(root));
  /** A fresh launch: the app's modules forgotten and a new fake wx (also before each test). */
  const relaunch = () => {
    forgetModules(root);
    fake = installFakeWx();
  };
  beforeEach(relaunch);
  afterEach(() => {
    for (const comp of mounted.splice(0)) {
      comp.instance.onUnload?.();
      comp.detach();
    }
  });
  return {
    get root() {
      return root;
    },
    get simulate() {
      return simulate;
    },
    get fake() {
      return fake;
    },
    relaunch,
    /** This phone passed every gate before a chat: profile, 年满18周岁, the rules. */
    passGates(nickname = "小明") {
      fake.storage.set("onechat.profile", { avatarUrl: "", nickname });
      fake.storage.set("onechat.adult", { confirmedAt: 1 });
      fake.storage.set("onechat.rulesAccepted", 1);
    },
    mount(path: string, props: Record<string, unknown> = {}) {
      const id = simulate.load(join(root, path), { rootPath: root });
      const comp = simulate.render(id, props);
      comp.attach(document.createElement("parent-wrapper"));
      mounted.push(comp as unknown as Mounted);
      return comp;
    },
    async settle() {
      for (let i = 0; i < settleTurns; i++) await simulate.sleep(0);
    },
  };
}
