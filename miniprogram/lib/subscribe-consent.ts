// When to ask for subscribe-message consent (订阅消息): once per wait in the lobby ("matched")
// and once per absence of the partner ("reply"), only for templates the server lists. The ask
// itself must run synchronously inside a tap (WeChat's rule), so the templates are fetched
// beforehand. Nothing here blocks matching: a refusal, an error or a missing API just means no
// reminder. No wx here: the prompt, the template list and the recording come in from outside.
import type { SubscribeKind, SubscribeTemplatesResponse } from "./protocol";

export interface ConsentDeps {
  /** The platform can show the prompt at all. */
  supported(): boolean;
  /** The template ids the server lists (GET /api/subscriptions/templates). */
  templates(): Promise<SubscribeTemplatesResponse["templates"]>;
  /** The platform's prompt: each template id's answer, or null (no API, failed). */
  request(tmplIds: string[]): Promise<Record<string, string> | null>;
  /** Records the accepted kinds on the server (POST /api/subscriptions). */
  record(kinds: SubscribeKind[]): Promise<unknown>;
}

export class SubscribeConsent {
  private templates: SubscribeTemplatesResponse["templates"] | null = null;
  private loading: Promise<void> | null = null;
  /** A wait (matched) or an absence (reply) is under way, and whether it was asked about. */
  private readonly occasion: Record<SubscribeKind, { open: boolean; asked: boolean }> = {
    matched: { open: false, asked: false },
    reply: { open: false, asked: false },
  };

  constructor(private readonly deps: ConsentDeps) {}

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
  async ask(kind: SubscribeKind): Promise<SubscribeKind[]> {
    if (!this.canAsk(kind)) return [];
    this.occasion[kind].asked = true;
    const id = this.templates![kind]!;
    // Called before any await: the prompt must open inside the tap.
    const pending = this.deps.request([id]);
    try {
      const answers = await pending;
      if (answers?.[id] !== "accept") return [];
      await this.deps.record([kind]);
      return [kind];
    } catch {
      return [];
    }
  }
}
