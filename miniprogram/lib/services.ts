// Wires the plain-TypeScript pieces to the platform once, for every page.
import { configFor } from "../config";
import { Api } from "./api";
import { ChatClient } from "./chat-client";
import { canRequestSubscribe, connectSocket, envVersion, httpRequest, loginCode, platform, requestSubscribe, storage, subscriptionKept, uploadFile } from "./platform";
import { adultConfirmed } from "./prefs";
import { SubscribeConsent } from "./subscribe-consent";

const config = configFor(envVersion());
const DEVICE_KEY = "onechat.devDevice";

/** Dev login needs a stable name per phone/simulator so the server sees the same user again. */
function devDeviceName(): Promise<string> {
  let name = storage.get(DEVICE_KEY);
  if (typeof name !== "string" || name === "") {
    name = `mp-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
    storage.set(DEVICE_KEY, name);
  }
  return Promise.resolve(name as string);
}

export const api = new Api({
  apiBase: config.apiBase,
  request: httpRequest,
  storage,
  platform: config.devLogin ? "dev" : platform,
  loginCode: config.devLogin ? devDeviceName : loginCode,
  upload: uploadFile,
});

export function createChatClient(): ChatClient {
  return new ChatClient({
    wsBase: config.wsBase,
    getToken: (fresh) => api.token(fresh),
    // Asked right after getToken, so it comes from the same (renewed if need be) login.
    getTicket: async () => (await api.credentials()).ticket,
    connect: connectSocket,
    // The lobby said 403: send the phone's 18+ confirmation again if the server lacks it.
    recheckMatching: () => api.ensureMatchable(adultConfirmed(storage), true),
    // 保持联系 on the end screen, whose socket is closed.
    keepOverRest: (roomId) => api.keep(roomId),
  });
}

/** Subscribe-message consent, shared by the pages that start a wait (topics, rules, chat). */
export const consent = new SubscribeConsent({
  // Without a check ticket (dev login) nothing can be recorded, so nothing is asked.
  templates: async () => ((await api.credentials()).ticket ? api.subscribeTemplates() : {}),
  supported: canRequestSubscribe,
  request: requestSubscribe,
  record: (kinds) => api.subscribe(kinds),
  storage,
  keptChoice: subscriptionKept,
});

export { storage };
