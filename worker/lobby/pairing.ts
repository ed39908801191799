// The pairing rule, free of any Durable Object API so it can be tested on plain data.
// Random among compatible people (not first-come-first-served), same topic first, anyone
// after the topic fallback, never oneself, never a vetoed pair.

export interface Waiter {
  userId: string;
  /** The topic chosen on entry; null accepts anyone at once. */
  topic: string | null;
  /** When this person started waiting (ms since epoch); drives the topic fallback. */
  since: number;
  /** Ids this person must never meet (blocks in either direction), loaded once per join. */
  blocked: readonly string[];
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

/** "same" when they share a topic, "any" when both accept anyone, null when they may not meet. */
export function compatibility(a: Waiter, b: Waiter, options: PairingOptions): "same" | "any" | null {
  if (a.userId === b.userId || vetoed(a, b, options)) return null;
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
 * partner if there is one, otherwise a random partner who accepts anyone (if the newcomer does).
 */
export function partnerFor<W extends Waiter>(
  newcomer: W,
  waiting: readonly W[],
  options: PairingOptions,
): Pair<W> | null {
  const same: W[] = [];
  const any: W[] = [];
  for (const w of waiting) {
    const c = compatibility(newcomer, w, options);
    if (c === "same") same.push(w);
    else if (c === "any") any.push(w);
  }
  const sameTopic = pickRandom(same, options.random);
  if (sameTopic) return { a: newcomer, b: sameTopic, topic: newcomer.topic };
  const anyone = pickRandom(any, options.random);
  return anyone ? { a: newcomer, b: anyone, topic: null } : null;
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

  const pass = (want: "same" | "any") => {
    for (let i = 0; i < order.length; i++) {
      const a = order[i];
      if (taken.has(a.userId)) continue;
      for (let j = i + 1; j < order.length; j++) {
        const b = order[j];
        if (taken.has(b.userId)) continue;
        const c = compatibility(a, b, options);
        if (c === null || (want === "same" && c !== "same")) continue;
        taken.add(a.userId).add(b.userId);
        pairs.push({ a, b, topic: c === "same" ? a.topic : null });
        break;
      }
    }
  };
  pass("same");
  pass("any");
  return pairs;
}
