// One app-level privacy consent (WeChat, 2023+). The platform's hook is registered once (app.ts
// onLaunch, or the first popup if the app shell did not run); whichever page is on top and has a
// <privacy-popup> shows the request, so the album on the chat page, 复制 and the profile's avatar
// and nickname all get the same consent UI. A request made while no popup is attached waits for one.
import { onNeedPrivacyAuthorization, type PrivacyResolve } from "./platform";

type Popup = (show: boolean) => void;

let registered = false;
let pending: PrivacyResolve | null = null;
/** Attached popups, the top page's last. */
const popups: Popup[] = [];

/** Registers the platform's privacy hook; later calls do nothing. */
export function registerPrivacy(): void {
  if (registered) return;
  registered = true;
  onNeedPrivacyAuthorization((resolve) => {
    pending = resolve;
    popups[popups.length - 1]?.(true);
  });
}

/** A popup came on screen: it shows a request still waiting. Returns its detach. */
export function attachPopup(popup: Popup): () => void {
  registerPrivacy();
  popups.push(popup);
  if (pending) popup(true);
  return () => {
    const i = popups.lastIndexOf(popup);
    if (i >= 0) popups.splice(i, 1);
    // The page below takes over a request still open.
    if (pending) popups[popups.length - 1]?.(true);
  };
}

/** The person answered: the platform's call goes on (agree) or fails (disagree); every popup closes. */
export function answerPrivacy(agree: boolean): void {
  pending?.(agree ? { event: "agree", buttonId: "agree-btn" } : { event: "disagree" });
  pending = null;
  for (const popup of popups) popup(false);
}
