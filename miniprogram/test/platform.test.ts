import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { buildApp, forgetModules, installFakeWx, loadSimulate, removeApp, type FakeWx } from "./simulate";

const require = createRequire(import.meta.url);
let root: string;
let fake: FakeWx;
beforeAll(() => {
  loadSimulate();
  root = buildApp();
});
afterAll(() => removeApp(root));
beforeEach(() => {
  forgetModules(root);
  fake = installFakeWx();
});
afterEach(() => {
  delete (globalThis as { qq?: unknown }).qq;
});

it("uses wx and the wechat login platform inside WeChat", () => {
  const platform = require(join(root, "lib/platform.js"));
  expect(platform.platform).toBe("wechat");
  expect(platform.mp).toBe((globalThis as { wx?: unknown }).wx);
});

it("uses qq and the qq login platform inside QQ, with the platform's login code in release builds", async () => {
  const calls: string[] = [];
  const wx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;
  const qq = {
    ...wx,
    getAccountInfoSync: () => ({ miniProgram: { envVersion: "release" } }),
    login: (o: { success: (r: { code: string }) => void }) => {
      calls.push("qq.login");
      setTimeout(() => o.success({ code: "qqcode" }), 0);
    },
  };
  (globalThis as { qq?: unknown }).qq = qq;
  const platform = require(join(root, "lib/platform.js"));
  expect(platform.platform).toBe("qq");
  expect(platform.mp).toBe(qq);
  const { api } = require(join(root, "lib/services.js"));
  await api.token();
  expect(calls).toEqual(["qq.login"]);
  expect(fake.requests[0]).toMatchObject({ url: "https://onechat.example.com/api/login", data: { platform: "qq", code: "qqcode" } });
});

it("uses the worker's dev login against the local server in the develop build", async () => {
  const { api } = require(join(root, "lib/services.js"));
  await api.token();
  const body = fake.requests[0]!.data as { platform: string; code: string };
  expect(fake.requests[0]!.url).toBe("http://127.0.0.1:8787/api/login");
  expect(body.platform).toBe("dev");
  // The same device name on the next login, so the server sees the same user.
  const first = body.code;
  await api.token(true);
  expect((fake.requests[1]!.data as { code: string }).code).toBe(first);
});

it("picks a picture with chooseMedia, and with chooseImage where the platform has no chooseMedia (QQ)", async () => {
  const wx = (globalThis as unknown as { wx: Record<string, unknown> }).wx;
  const asked: string[] = [];
  const qq = {
    ...wx,
    chooseMedia: undefined,
    chooseImage: (o: { sizeType: string[]; success: (r: { tempFilePaths: string[]; tempFiles: { path: string; size: number }[] }) => void }) => {
      asked.push(`chooseImage:${o.sizeType.join(",")}`);
      setTimeout(() => o.success({ tempFilePaths: ["qq://tmp/a.jpg"], tempFiles: [{ path: "qq://tmp/a.jpg", size: 1234 }] }), 0);
    },
  };
  (globalThis as { qq?: unknown }).qq = qq;
  const onQQ = require(join(root, "lib/platform.js"));
  expect(await onQQ.choosePicture()).toEqual({ path: "qq://tmp/a.jpg", size: 1234 });
  expect(asked).toEqual(["chooseImage:compressed"]);

  delete (globalThis as { qq?: unknown }).qq;
  forgetModules(root);
  wx.chooseMedia = (o: { mediaType: string[]; success: (r: { tempFiles: { tempFilePath: string; size: number }[] }) => void }) => {
    asked.push(`chooseMedia:${o.mediaType.join(",")}`);
    setTimeout(() => o.success({ tempFiles: [{ tempFilePath: "wxfile://tmp/b.jpg", size: 99 }] }), 0);
  };
  const onWeChat = require(join(root, "lib/platform.js"));
  expect(await onWeChat.choosePicture()).toEqual({ path: "wxfile://tmp/b.jpg", size: 99 });
  expect(asked).toEqual(["chooseImage:compressed", "chooseMedia:image"]);
});
