// When the subscribe-message prompt is shown: only for templates the server lists, once per wait
// or absence, opened synchronously (WeChat allows it only inside a tap), never failing.
import { describe, expect, it } from "vitest";
import type { SubscribeKind } from "../lib/protocol";
import { SubscribeConsent, type ConsentDeps } from "../lib/subscribe-consent";
import { flush } from "./fakes";

function setup(opts: { templates?: Record<string, string>; answer?: string | null; recordFails?: boolean; templatesFail?: boolean; unsupported?: boolean } = {}) {
  const prompts: string[][] = [];
  const recorded: SubscribeKind[][] = [];
  let templateCalls = 0;
  const deps: ConsentDeps = {
    supported: () => !opts.unsupported,
    templates: async () => {
      templateCalls++;
      if (opts.templatesFail) throw new Error("offline");
      return opts.templates ?? { matched: "T_MATCH", reply: "T_REPLY" };
    },
    request: (ids) => {
      prompts.push(ids);
      const answer = opts.answer === undefined ? "accept" : opts.answer;
      return Promise.resolve(answer === null ? null : Object.fromEntries(ids.map((id) => [id, answer])));
    },
    record: async (kinds) => {
      if (opts.recordFails) throw new Error("ticket_required");
      recorded.push(kinds);
    },
  };
  return { consent: new SubscribeConsent(deps), prompts, recorded, templateCalls: () => templateCalls };
}

describe("subscribe consent", () => {
  it("asks once per wait, inside the call (no await before the prompt), and records an acceptance", async () => {
    const { consent, prompts, recorded } = setup();
    await consent.prepare();
    expect(consent.canAsk("matched")).toBe(false);
    consent.begin("matched");
    expect(consent.canAsk("matched")).toBe(true);
    const asked = consent.ask("matched");
    expect(prompts).toEqual([["T_MATCH"]]);
    expect(await asked).toEqual(["matched"]);
    expect(recorded).toEqual([["matched"]]);
    // Same wait: no second prompt, even if begin is called again.
    consent.begin("matched");
    expect(consent.canAsk("matched")).toBe(false);
    expect(await consent.ask("matched")).toEqual([]);
    expect(prompts).toHaveLength(1);
    // The next wait may ask again.
    consent.end("matched");
    consent.begin("matched");
    await consent.ask("matched");
    expect(prompts).toEqual([["T_MATCH"], ["T_MATCH"]]);
  });

  it("asks only for templates the server lists, and not before they are known", async () => {
    const { consent, prompts } = setup({ templates: { reply: "T_REPLY" } });
    consent.begin("reply");
    expect(consent.canAsk("reply")).toBe(false);
    await consent.prepare();
    consent.begin("matched");
    expect(consent.canAsk("matched")).toBe(false);
    expect(await consent.ask("matched")).toEqual([]);
    expect(await consent.ask("reply")).toEqual(["reply"]);
    expect(prompts).toEqual([["T_REPLY"]]);
  });

  it("a refusal, a missing API or a failed recording is no error and records nothing", async () => {
    for (const answer of ["reject", "ban", null]) {
      const { consent, recorded } = setup({ answer });
      await consent.prepare();
      consent.begin("reply");
      expect(await consent.ask("reply")).toEqual([]);
      expect(recorded).toEqual([]);
    }
    const noApi = setup({ unsupported: true });
    await noApi.consent.prepare();
    noApi.consent.begin("matched");
    expect(noApi.consent.canAsk("matched")).toBe(false);
    expect(await noApi.consent.ask("matched")).toEqual([]);
    expect(noApi.prompts).toEqual([]);
    const failing = setup({ recordFails: true });
    await failing.consent.prepare();
    failing.consent.begin("matched");
    expect(await failing.consent.ask("matched")).toEqual([]);
  });

  it("fetches the templates once, and again only after a failure", async () => {
    const ok = setup();
    await Promise.all([ok.consent.prepare(), ok.consent.prepare()]);
    await ok.consent.prepare();
    expect(ok.templateCalls()).toBe(1);
    const down = setup({ templatesFail: true });
    await down.consent.prepare();
    await flush();
    await down.consent.prepare();
    expect(down.templateCalls()).toBe(2);
    down.consent.begin("matched");
    expect(down.consent.canAsk("matched")).toBe(false);
  });
});

describe("subscribe ask policy (issue 19 item 6)", () => {
  function policy(answer: string, kept = false) {
    const store = new Map<string, unknown>();
    const prompts: string[][] = [];
    const deps: ConsentDeps = {
      supported: () => true,
      templates: async () => ({ matched: "T_MATCH", reply: "T_REPLY" }),
      request: (ids) => {
        prompts.push(ids);
        return Promise.resolve(Object.fromEntries(ids.map((id) => [id, answer])));
      },
      record: async () => undefined,
      storage: { get: (k) => store.get(k), set: (k, v) => void store.set(k, v), remove: (k) => void store.delete(k) },
      keptChoice: async () => kept,
    };
    return { deps, store, prompts, make: () => new SubscribeConsent(deps) };
  }
  const newWait = (c: SubscribeConsent) => {
    c.end("matched");
    c.begin("matched");
  };

  it("asks unasked at most once per matching session, however many waits (换一个) it has", async () => {
    const { make, prompts } = policy("accept");
    const consent = make();
    await consent.prepare();
    for (let i = 0; i < 4; i++) {
      newWait(consent);
      await consent.autoAsk("matched");
    }
    expect(prompts).toEqual([["T_MATCH"]]);
    // A new session (the chat page closed and opened again) may ask once more.
    consent.endSession();
    newWait(consent);
    await consent.autoAsk("matched");
    expect(prompts).toHaveLength(2);
  });

  it("never asks unasked again after a refusal, across sessions and launches, until a button turns reminders on", async () => {
    const { make, prompts, deps } = policy("reject");
    const consent = make();
    await consent.prepare();
    newWait(consent);
    await consent.autoAsk("matched");
    consent.endSession();
    newWait(consent);
    await consent.autoAsk("matched");
    const relaunched = make();
    await relaunched.prepare();
    newWait(relaunched);
    await relaunched.autoAsk("matched");
    expect(prompts).toHaveLength(1);
    // The person taps "匹配成功时提醒我": that asks, and (accepted) unasked prompts may come again.
    deps.request = (ids) => {
      prompts.push(ids);
      return Promise.resolve(Object.fromEntries(ids.map((id) => [id, "accept"])));
    };
    expect(await relaunched.ask("matched")).toEqual(["matched"]);
    relaunched.endSession();
    newWait(relaunched);
    await relaunched.autoAsk("matched");
    expect(prompts).toHaveLength(3);
  });

  it("never asks unasked again after 总是保持以上选择", async () => {
    const { make, prompts } = policy("accept", true);
    const consent = make();
    await consent.prepare();
    newWait(consent);
    expect(await consent.autoAsk("matched")).toEqual(["matched"]);
    consent.endSession();
    newWait(consent);
    await consent.autoAsk("matched");
    expect(prompts).toHaveLength(1);
  });
});
