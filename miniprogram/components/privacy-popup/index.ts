// The privacy consent sheet (WeChat, 2023+) that any page needing a privacy API includes: the
// request comes through lib/privacy.ts (one app-level registration), or is shown up front when
// getPrivacySetting says consent is still needed. The agree button carries
// open-type="agreePrivacyAuthorization", which is what records the consent.
import { mp, openPrivacyContract } from "../../lib/platform";
import { answerPrivacy, attachPopup } from "../../lib/privacy";

const detachers = new WeakMap<object, () => void>();

Component({
  data: {
    show: false,
    contractName: "《隐私保护指引》",
  },
  lifetimes: {
    attached() {
      detachers.set(
        this,
        attachPopup((show) => this.setData({ show })),
      );
      const api = mp as Partial<WechatMiniprogram.Wx>;
      api.getPrivacySetting?.({
        success: (res) => {
          if (res.privacyContractName) this.setData({ contractName: res.privacyContractName });
          if (res.needAuthorization) this.setData({ show: true });
        },
      });
    },
    detached() {
      detachers.get(this)?.();
      detachers.delete(this);
    },
  },
  methods: {
    onAgree() {
      answerPrivacy(true);
      this.setData({ show: false });
      this.triggerEvent("decided", { agreed: true });
    },
    onDisagree() {
      answerPrivacy(false);
      this.setData({ show: false });
      this.triggerEvent("decided", { agreed: false });
    },
    onOpenContract() {
      openPrivacyContract();
    },
  },
});
