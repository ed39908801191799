// When to ask for subscribe-message consent (订阅消息), only for templates the server lists.
// The policy (README "Reminders"):
// - A button ("匹配成功时提醒我", "对方回复时提醒我") is the person turning reminders on: it asks,
//   once per wait or absence, even after an earlier refusal.
// - Unasked, on a tap that starts a wait (开始匹配, 同意, 换一个), it asks at most once per
//   matching session (until the chat page closes), and never again after a refusal or a choice
//   kept with "总是保持以上选择", until a button turns reminders on again.
// The ask itself must run synchronously inside a tap (WeChat's rule), so the templates are
// fetched beforehand. Nothing here blocks matching: a refusal, an error or a missing API just
// means no reminder. No wx here: the prompt, the template list and the recording come in from outside.
import type { KeyValueStorage } from "./api";
import type { SubscribeKind, SubscribeTemplatesResponse } from "./protocol";

/** Per kind: why unasked prompts stopped ("refused", "kept"), kept on the phone. */
export const SUBSCRIBE_STOP_KEY = "onechat.subscribeStop";

export interface ConsentDeps {
  /** The platform can show the prompt at all. */
  supported(): boolean;
  /** The template ids the server lists (GET /api/subscriptions/templates). */
  templates(): Promise<SubscribeTemplatesResponse["templates"]>;
  /** The platform's prompt: each template id's answer, or null (no API, failed). */
  request(tmplIds: string[]): Promise<Record<string, string> | null>;
  /** Records the accepted kinds on the server (POST /api/subscriptions). */
  record(kinds: SubscribeKind[]): Promise<unknown>;
  /** Where a refusal is remembered (absent: for this run only). */
  storage?: KeyValueStorage;
  /** The person ticked "总是保持以上选择" for this template (or turned reminders off in settings). */
  keptChoice?(tmplId: string): Promise<boolean>;
}

export class SubscribeConsent {
  private templates: SubscribeTemplatesResponse["templates"] | null = null;
  private loading: Promise<void> | null = null;
  /** A wait (matched) or an absence (reply) is under way, and whether it was asked about. */
  private readonly occasion: Record<SubscribeKind, { open: boolean; asked: boolean }> = {
    matched: { open: false, asked: false },
    reply: { open: false, asked: false },
  };

  /** An unasked prompt already came in this matching session. */
  private sessionAsked = false;
  private readonly memoryStops: Partial<Record<SubscribeKind, string>> = {};

  constructor(private readonly deps: ConsentDeps) {}

  private stops(): Partial<Record<SubscribeKind, string>> {
    const v = this.deps.storage?.get(SUBSCRIBE_STOP_KEY);
    return v && typeof v === "object" ? (v as Partial<Record<SubscribeKind, string>>) : this.memoryStops;
  }

  private setStop(kind: SubscribeKind, why: string | null): void {
    const next = { ...this.stops() };
    if (why) next[kind] = why;
    else delete next[kind];
    Object.assign(this.memoryStops, { [kind]: why ?? undefined });
    this.deps.storage?.set(SUBSCRIBE_STOP_KEY, next);
  }

  /**
   * The unasked prompt on a tap that starts a wait (开始匹配, 同意, 换一个): at most once per
   * matching session, never after a refusal or a kept choice. Call it straight from the tap.
   */
  autoAsk(kind: SubscribeKind): Promise<SubscribeKind[]> {
    if (this.sessionAsked || this.stops()[kind] || !this.canAsk(kind)) return Promise.resolve([]);
    this.sessionAsked = true;
    return this.prompt(kind);
  }

  /** The matching session is over (the chat page closed): the next one may ask once. */
  endSession(): void {
    this.sessionAsked = false;
  }

  /** Fetches the template list once (a failure is retried by the next call). */
  prepare(): Promise<void> {
    if (this.templates) return Promise.resolve();
    this.loading ??= this.deps
      .templates()
      .then((t) => {
        this.templates = t;
      })
      .catch(() => undefined)
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }

  /** A wait or an absence starts (again while one is under way changes nothing). */
  begin(kind: SubscribeKind): void {
    const o = this.occasion[kind];
    if (o.open) return;
    o.open = true;
    o.asked = false;
  }

  /** The wait or the absence is over. */
  end(kind: SubscribeKind): void {
    this.occasion[kind].open = false;
  }

  /** Asking now would be the first time in this occasion, for a template the server lists. */
  canAsk(kind: SubscribeKind): boolean {
    const o = this.occasion[kind];
    return o.open && !o.asked && typeof this.templates?.[kind] === "string" && this.deps.supported();
  }

  /**
   * Shows the platform's prompt for `kind` (call it straight from a tap handler) and records an
   * acceptance. Resolves with the kinds accepted; never rejects.
   */
  ask(kind: SubscribeKind): Promise<SubscribeKind[]> {
    if (!this.canAsk(kind)) return Promise.resolve([]);
    // A button: the person turns reminders on, whatever they answered before.
    if (this.stops()[kind]) this.setStop(kind, null);
    return this.prompt(kind);
  }

  private async prompt(kind: SubscribeKind): Promise<SubscribeKind[]> {
    this.occasion[kind].asked = true;
    const id = this.templates![kind]!;
    // Called before any await: the prompt must open inside the tap.
    const pending = this.deps.request([id]);
    try {
      const answers = await pending;
      const answer = answers?.[id];
      if (answer === "reject" || answer === "ban") this.setStop(kind, "refused");
      else if (answer && this.deps.keptChoice && (await this.deps.keptChoice(id).catch(() => false))) this.setStop(kind, "kept");
      if (answer !== "accept") return [];
      await this.deps.record([kind]);
      return [kind];
    } catch {
      return [];
    }
  }
}
