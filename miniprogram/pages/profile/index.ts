// Profile: the user's own avatar and nickname, kept in local storage for their own bubbles and
// the chat header only; they never leave the phone. Shown once before the first chat (then
// topics is the start page), and again from topics' 修改资料. WeChat's avatar button has no QQ
// counterpart, so QQ picks an image. The nickname is read from the form submit, as WeChat asks:
// the platform may clear a nickname that fails its check, and only the submitted value counts.
import { canChooseAvatar, chooseImage, mp, storage } from "../../lib/platform";
import { loadProfile, saveProfile } from "../../lib/prefs";

/** chooseAvatar / chooseImage give a temporary file; keep a saved copy so it survives a restart. */
function persistAvatar(tempPath: string): Promise<string> {
  return new Promise((resolve) => {
    try {
      mp.getFileSystemManager().saveFile({
        tempFilePath: tempPath,
        success: (res) => resolve(res.savedFilePath),
        fail: () => resolve(tempPath),
      });
    } catch {
      resolve(tempPath);
    }
  });
}

const firstRun = new WeakMap<object, boolean>();

Component({
  data: {
    avatarUrl: "",
    nickname: "",
    canChooseAvatar,
  },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      firstRun.set(this, query.first === "1");
      const profile = loadProfile(storage);
      this.setData({ avatarUrl: profile.avatarUrl, nickname: profile.nickname });
    },
    async setAvatar(temp: string) {
      this.setData({ avatarUrl: temp });
      this.setData({ avatarUrl: await persistAvatar(temp) });
    },
    onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>) {
      if (e.detail.avatarUrl) return this.setAvatar(e.detail.avatarUrl);
    },
    async onPickImage() {
      const temp = await chooseImage();
      if (temp) await this.setAvatar(temp);
    },
    onSubmit(e: WechatMiniprogram.CustomEvent<{ value: { nickname?: string } }>) {
      const nickname = typeof e.detail.value?.nickname === "string" ? e.detail.value.nickname : "";
      saveProfile(storage, { avatarUrl: this.data.avatarUrl, nickname });
      if (firstRun.get(this)) mp.redirectTo({ url: "/pages/topics/index" });
      else mp.navigateBack({ delta: 1 });
    },
  },
});
