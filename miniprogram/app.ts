// The app shell. Everything stateful lives in the pages and lib/; nothing here knows wx from qq.
// The privacy consent hook is registered once for the whole app (lib/privacy.ts).
import { registerPrivacy } from "./lib/privacy";

App({
  onLaunch() {
    registerPrivacy();
  },
});
