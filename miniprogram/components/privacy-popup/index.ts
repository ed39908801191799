// WeChat's privacy consent (required since 2023 before chooseAvatar and the nickname input):
// shown when the platform asks through onNeedPrivacyAuthorization, or up front when
// getPrivacySetting says consent is still needed. The agree button carries
// open-type="agreePrivacyAuthorization", which is what records the consent.
import { mp, onNeedPrivacyAuthorization, openPrivacyContract, type PrivacyResolve } from "../../lib/platform";

const pending = new WeakMap<object, PrivacyResolve>();

Component({
  data: {
    show: false,
    contractName: "《隐私保护指引》",
  },
  lifetimes: {
    attached() {
      onNeedPrivacyAuthorization((resolve) => {
        pending.set(this, resolve);
        this.setData({ show: true });
      });
      const api = mp as Partial<WechatMiniprogram.Wx>;
      api.getPrivacySetting?.({
        success: (res) => {
          if (res.privacyContractName) this.setData({ contractName: res.privacyContractName });
          if (res.needAuthorization) this.setData({ show: true });
        },
      });
    },
  },
  methods: {
    onAgree() {
      pending.get(this)?.({ event: "agree", buttonId: "agree-btn" });
      pending.delete(this);
      this.setData({ show: false });
      this.triggerEvent("decided", { agreed: true });
    },
    onDisagree() {
      pending.get(this)?.({ event: "disagree" });
      pending.delete(this);
      this.setData({ show: false });
      this.triggerEvent("decided", { agreed: false });
    },
    onOpenContract() {
      openPrivacyContract();
    },
  },
});
