// Profile: the user's own avatar and nickname, kept in local storage for their own bubbles and
// the chat header only; they never leave the phone. Shown once before the first chat (then
// topics is the start page), and again from topics' 修改资料. WeChat's avatar button has no QQ
// counterpart, so QQ picks an image. The nickname is read from the form submit, as WeChat asks:
// the platform may clear a nickname that fails its check, and only the submitted value counts.
// Only adults may chat: the 年满18周岁 box must be ticked to go on (kept on the phone; the chat
// page sends it to the server before the first match). Opened with ?adult=1&topic= by an install
// that has a profile but no such confirmation yet, it continues to the match afterwards.
import { TOPICS_PAGE, nextUrl, targetOf, type ChatTarget } from "../../lib/entry";
import { canChooseAvatar, chooseImage, leavePage, mp, storage, toast } from "../../lib/platform";
import { NICKNAME_MAX, adultConfirmed, confirmAdult, loadProfile, saveProfile } from "../../lib/prefs";

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
/** The chat this confirmation was asked for (a topic or a room; null: not on the way to a chat). */
const nextTarget = new WeakMap<object, ChatTarget | null>();
const ADULT_VALUE = "adult";

Component({
  data: {
    avatarUrl: "",
    nickname: "",
    nicknameMax: NICKNAME_MAX,
    canChooseAvatar,
    adult: false,
    adultValue: ADULT_VALUE,
    /** Opened to confirm 18+ before a match (an install from before the age gate). */
    askingAdult: false,
  },
  methods: {
    onLoad(query: Record<string, string | undefined> = {}) {
      firstRun.set(this, query.first === "1");
      nextTarget.set(this, targetOf(query));
      const profile = loadProfile(storage);
      this.setData({
        avatarUrl: profile.avatarUrl,
        nickname: profile.nickname,
        adult: adultConfirmed(storage),
        askingAdult: query.adult === "1",
      });
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
    onAdultChange(e: WechatMiniprogram.CustomEvent<{ value: string[] }>) {
      this.setData({ adult: Array.isArray(e.detail.value) && e.detail.value.includes(ADULT_VALUE) });
    },
    onSubmit(e: WechatMiniprogram.CustomEvent<{ value: { nickname?: string; adult?: string[] } }>) {
      const value = e.detail.value ?? {};
      const adult = Array.isArray(value.adult) ? value.adult.includes(ADULT_VALUE) : this.data.adult;
      if (!adult) {
        toast("请先确认你已年满18周岁");
        return;
      }
      const nickname = typeof value.nickname === "string" ? value.nickname : "";
      saveProfile(storage, { avatarUrl: this.data.avatarUrl, nickname });
      confirmAdult(storage);
      const target = nextTarget.get(this);
      if (target) mp.redirectTo({ url: nextUrl(storage, target) });
      else if (firstRun.get(this)) mp.redirectTo({ url: TOPICS_PAGE });
      else leavePage();
    },
  },
});
