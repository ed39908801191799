// Profile confirmation: the user's own avatar (chooseAvatar) and nickname (the nickname
// input), kept in local storage for their own bubbles only; they never leave the phone.
import { mp, storage } from "../../lib/platform";
import { loadProfile, saveProfile } from "../../lib/prefs";

/** chooseAvatar gives a temporary file; keep a saved copy so it survives a restart. */
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

Component({
  data: {
    avatarUrl: "",
    nickname: "",
  },
  methods: {
    onLoad() {
      const profile = loadProfile(storage);
      this.setData({ avatarUrl: profile.avatarUrl, nickname: profile.nickname });
    },
    async onChooseAvatar(e: WechatMiniprogram.CustomEvent<{ avatarUrl: string }>) {
      const temp = e.detail.avatarUrl;
      if (!temp) return;
      this.setData({ avatarUrl: temp });
      const saved = await persistAvatar(temp);
      this.setData({ avatarUrl: saved });
    },
    onNickname(e: WechatMiniprogram.CustomEvent<{ value: string }>) {
      this.setData({ nickname: e.detail.value });
    },
    onConfirm() {
      saveProfile(storage, { avatarUrl: this.data.avatarUrl, nickname: this.data.nickname });
      mp.navigateTo({ url: "/pages/topics/index" });
    },
  },
});
