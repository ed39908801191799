// The pairing rule, free of any Durable Object API so it can be tested on plain data.
// Random among compatible people (not first-come-first-served), same topic first, anyone
// after the topic fallback, never oneself, never a vetoed pair (blocks, and pairs who just met:
// both ride the `blocked` list), and people under watch last (trustMix).

export interface Waiter {
  userId: string;
  /** The topic chosen on entry; null accepts anyone at once. */
  topic: string | null;
  /** When this person started waiting (ms since epoch); drives the topic fallback. */
  since: number;
  /**
   * Ids this person must not meet now, loaded once per join: blocks in either direction, and
   * partners matched within REMATCH_COOLDOWN_MS who did not keep in touch.
   */
  blocked: readonly string[];
  /** Under watch: an upheld report or a lifted suspension in the last TRUST_WATCH_DAYS. */
  watch?: boolean;
  /** Has never been matched with anyone (a first chat is never with someone under watch). */
  fresh?: boolean;
}

export interface PairingOptions {
  now: number;
  fallbackMs: number;
  /** [0, 1); injected so tests can be deterministic. */
  random: () => number;
  /** Extra veto on top of the block lists; true forbids the pair. */
  veto?: (a: Waiter, b: Waiter) => boolean;
}

export interface Pair<W extends Waiter = Waiter> {
  a: W;
  b: W;
  /** The shared topic, or null when the pair met through the fallback. */
  topic: string | null;
}

/** A person with no topic, or whose topic wait has run out, accepts anyone. */
export function acceptsAnyone(w: Waiter, now: number, fallbackMs: number): boolean {
  return w.topic === null || now - w.since >= fallbackMs;
}

export function vetoed(a: Waiter, b: Waiter, options: Pick<PairingOptions, "veto">): boolean {
  if (a.blocked.includes(b.userId) || b.blocked.includes(a.userId)) return true;
  return options.veto?.(a, b) ?? false;
}

/**
 * Trust: "ok" for two people of the same standing; "late" for someone under watch with an
 * experienced person (allowed only after every same-standing pairing); null when the other
 * would be having their first chat.
 */
export function trustMix(a: Waiter, b: Waiter): "ok" | "late" | null {
  if (!!a.watch === !!b.watch) return "ok";
  return (a.watch ? b : a).fresh ? null : "late";
}

/** "same" when they share a topic, "any" when both accept anyone, null when they may not meet. */
export function compatibility(a: Waiter, b: Waiter, options: PairingOptions): "same" | "any" | null {
  if (a.userId === b.userId || vetoed(a, b, options) || trustMix(a, b) === null) return null;
  if (a.topic !== null && a.topic === b.topic) return "same";
  if (acceptsAnyone(a, options.now, options.fallbackMs) && acceptsAnyone(b, options.now, options.fallbackMs)) {
    return "any";
  }
  return null;
}

function pickRandom<T>(items: readonly T[], random: () => number): T | undefined {
  if (items.length === 0) return undefined;
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

function shuffled<T>(items: readonly T[], random: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * A partner for one newcomer among the people already waiting: a random same-topic
 * partner if there is one, otherwise a random partner who accepts anyone (if the newcomer does);
 * people of the same standing before a pairing across standings.
 */
export function partnerFor<W extends Waiter>(
  newcomer: W,
  waiting: readonly W[],
  options: PairingOptions,
): Pair<W> | null {
  // [same topic, anyone] × [same standing, across standings], in order of preference.
  const buckets: W[][] = [[], [], [], []];
  for (const w of waiting) {
    const c = compatibility(newcomer, w, options);
    if (c === null) continue;
    buckets[(c === "same" ? 0 : 1) + (trustMix(newcomer, w) === "late" ? 2 : 0)].push(w);
  }
  for (const [i, bucket] of buckets.entries()) {
    const b = pickRandom(bucket, options.random);
    if (b) return { a: newcomer, b, topic: i % 2 === 0 ? newcomer.topic : null };
  }
  return null;
}

/**
 * Pairs as many of `waiting` as the rule allows: first within each topic, then everyone who
 * accepts anyone. Each person appears in at most one pair.
 */
export function pairWaiters<W extends Waiter>(waiting: readonly W[], options: PairingOptions): Pair<W>[] {
  const pairs: Pair<W>[] = [];
  // By id, so a person listed twice (a stale copy) still ends up in one pair at most.
  const taken = new Set<string>();
  // People with block lists have fewer possible partners: serving them first keeps a blocked
  // pair from being stranded while everyone else is paired off around them.
  const constrained = new Set<string>();
  for (const x of waiting) {
    if (x.blocked.length === 0) continue;
    constrained.add(x.userId);
    for (const id of x.blocked) constrained.add(id);
  }
  const order = shuffled(waiting, options.random).sort(
    (x, y) => Number(constrained.has(y.userId)) - Number(constrained.has(x.userId)),
  );

  const pass = (want: "same" | "any", trust: "ok" | "late") => {
    for (let i = 0; i < order.length; i++) {
      const a = order[i];
      if (taken.has(a.userId)) continue;
      for (let j = i + 1; j < order.length; j++) {
        const b = order[j];
        if (taken.has(b.userId)) continue;
        const c = compatibility(a, b, options);
        if (c === null || (want === "same" && c !== "same") || trustMix(a, b) !== trust) continue;
        taken.add(a.userId).add(b.userId);
        pairs.push({ a, b, topic: c === "same" ? a.topic : null });
        break;
      }
    }
  };
  pass("same", "ok");
  pass("any", "ok");
  pass("same", "late");
  pass("any", "late");
  return pairs;
}
