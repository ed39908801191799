// `npm run chat -- --name alice [--topic travel] [--url http://127.0.0.1:8787]`
// Try onechat as a person would, from a terminal: dev login, the lobby, then the room.
// Type a line to send it; /next finds someone new; /keep asks to keep in touch (保持联系);
// /chats lists kept chats, /open N reopens one, /end N ends it; /quit leaves.
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { ChatClient, type ChatState } from "../miniprogram/lib/chat-client";
import { Api } from "../miniprogram/lib/api";
import { errorMessage } from "../miniprogram/lib/errors";
import { memoryStorage, nodeHttpRequest, nodeSocketFactory } from "./node-socket";

const { values } = parseArgs({
  options: {
    name: { type: "string" },
    topic: { type: "string" },
    url: { type: "string", default: "http://127.0.0.1:8787" },
  },
});
if (!values.name) {
  console.error("usage: npm run chat -- --name <name> [--topic <topic id>] [--url http://127.0.0.1:8787]");
  process.exit(2);
}
const name = values.name;
const baseUrl = values.url!.replace(/\/+$/, "");

// The phone's own REST client: dev login as <name>, the token kept and renewed as the app does.
const api = new Api({ apiBase: baseUrl, request: nodeHttpRequest, storage: memoryStorage(), platform: "dev", loginCode: async () => name });
let adult: Promise<void> | null = null;
const client = new ChatClient({
  wsBase: baseUrl.replace(/^http/, "ws"),
  connect: nodeSocketFactory(),
  // Running this client is the terminal's 18+ confirmation (the phone asks in its profile step).
  getToken: async (fresh) => {
    const token = await api.token(fresh);
    await (adult ??= api.ensureMatchable(true));
    return token;
  },
  // The lobby refused (403): send the confirmation again, or stop on a suspension.
  recheckMatching: () => api.ensureMatchable(true, true),
  keepOverRest: (roomId) => api.keep(roomId),
});

const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
const say = (line: string) => {
  process.stdout.write(`\r\x1b[K${line}\n`);
  rl.prompt(true);
};
const time = (at: number) => new Date(at).toLocaleTimeString("zh-CN", { hour12: false });

let last: ChatState | null = null;
const printed = new Set<string>();
client.subscribe((state) => {
  const prev = last;
  last = state;
  if (state.phase === "waiting" && (prev?.phase !== "waiting" || prev.online !== state.online || prev.estimateMs !== state.estimateMs)) {
    const estimate = state.estimateMs === null ? "" : `, about ${Math.ceil(state.estimateMs / 1000)} s`;
    say(`… waiting for someone${state.topic ? ` who likes "${state.topic}"` : ""} (${state.online ?? "?"} online${estimate})`);
  }
  if (state.phase === "waiting" && state.fallback && !prev?.fallback) say("… nobody on this topic right now: anyone may be matched");
  if (state.phase === "chatting" && prev?.roomId !== state.roomId) {
    printed.clear();
    const how = state.prompt === null ? "reopened" : "matched";
    say(`✓ ${how} with ${state.partnerAlias}${state.topic ? ` on "${state.topic}"` : ""}. Type to chat, /keep, /next, /quit.`);
    if (state.prompt) say(`  a first line: ${state.prompt}  (/prompt sends it)`);
  }
  if (state.keep === "pending" && prev?.keep === "none") say("(you asked to keep in touch; they see nothing unless they ask too)");
  if (state.keep === "kept" && prev?.keep !== "kept" && prev?.roomId === state.roomId) say("✓ 你们互相保持联系了 (in /chats)");
  const earlier = state.messages.filter((m) => m.earlier && !printed.has(m.key));
  if (earlier.length) say("—— 以前的聊天 ——");
  for (const m of state.messages) {
    if (printed.has(m.key)) continue;
    if (m.from === "me" && !m.earlier) {
      if (m.status === "failed") say(`✗ not sent (${m.error ?? "error"}): ${m.text}`);
      if (m.status !== "sent") continue;
      printed.add(m.key);
      continue; // your own lines are already on screen
    }
    printed.add(m.key);
    say(`[${time(m.at)}] ${m.from === "me" ? "me" : state.partnerAlias}: ${m.text}`);
  }
  if (state.partnerTyping && !prev?.partnerTyping) say(`${state.partnerAlias} is typing…`);
  // The care card (only ever sent to this person): the help lines, once.
  if (state.care && state.care !== prev?.care) say(`你并不孤单。如果你正经历难熬的时刻，可以打给：${state.care.map((l) => `${l.name} ${l.phone}`).join("；")}`);
  if (state.partnerPresence !== prev?.partnerPresence && prev?.phase === "chatting" && state.phase === "chatting") {
    say(`(${state.partnerAlias} is ${state.partnerPresence})`);
  }
  if (state.phase === "ended" && prev?.phase !== "ended") {
    say(state.endReason === "partner_left" ? "对方已离开. /next to meet someone new, /quit to leave." : `(conversation ended: ${state.endReason}${state.failure ? ` — ${errorMessage(state.failure)}` : ""})`);
  }
  if (state.reconnecting && !prev?.reconnecting) say("(connection lost, reconnecting…)");
});
client.onNotice((notice) => say(`! ${notice.message}`));

rl.on("line", (line) => {
  const text = line.trim();
  if (text === "/quit") {
    client.leave();
    rl.close();
    return;
  }
  if (text === "/next") {
    client.next();
    return;
  }
  if (text === "/keep") {
    client.keepInTouch();
    return;
  }
  if (text === "/prompt" && last?.prompt) {
    client.send(last.prompt);
    return;
  }
  if (text === "/chats") {
    void listChats();
    return;
  }
  const pick = /^\/(open|end) (\d+)$/.exec(text);
  if (pick) {
    void onChat(pick[1] as "open" | "end", Number(pick[2]) - 1);
    return;
  }
  if (text) client.send(text);
  rl.prompt();
});
let kept: Awaited<ReturnType<Api["chats"]>> = [];
async function listChats(): Promise<void> {
  try {
    kept = await api.chats();
  } catch (err) {
    return say(`! ${errorMessage((err as { code?: string }).code)}`);
  }
  if (kept.length === 0) return say("(no kept chats: /keep in a chat, and they must /keep too)");
  kept.forEach((c, i) => {
    const when = c.lastMessageAt ? time(c.lastMessageAt) : "no messages";
    say(`${i + 1}. ${c.partner.alias} — ${when}${c.unread ? `, ${c.unread} unread` : ""}`);
  });
  say("/open N reopens one, /end N ends it for both");
}
async function onChat(action: "open" | "end", i: number): Promise<void> {
  const chat = kept[i];
  if (!chat) return say("! no such chat; /chats first");
  if (action === "open") return client.openChat(chat.id, chat.partner.alias);
  try {
    await api.endChat(chat.id);
    say(`(ended the chat with ${chat.partner.alias})`);
  } catch (err) {
    say(`! ${errorMessage((err as { code?: string }).code)}`);
  }
}

process.stdin.on("keypress", () => client.typing());
rl.on("close", () => {
  client.leave();
  setTimeout(() => process.exit(0), 100);
});

client.start(values.topic ?? null);
rl.prompt();
