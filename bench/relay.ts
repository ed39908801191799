// The relay scenario: every side of every pair sends on a fixed schedule; each message is
// timed from its scheduled send time to the partner's receipt (one-way) and to the sender's
// ack, and counted so a loss or a duplicate cannot pass unnoticed.
import { performance } from "node:perf_hooks";
import type WebSocket from "ws";
import { runTag } from "./client";
import { LatencyRecorder, type Latency } from "./histogram";
import { runSchedule, waitUntil } from "./schedule";
import type { Pair } from "./targets";

export interface RelayResult {
  pairs: number;
  /** Messages per second each side sends. */
  ratePerSide: number;
  sent: number;
  delivered: number;
  acked: number;
  lost: number;
  duplicated: number;
  /** Error frames received (by code), e.g. rate limits, and sockets closed during the run ("closed <code>"). */
  errors: Record<string, number>;
  oneWay: Latency;
  ack: Latency;
  /** How late the harness itself fired sends (actual − scheduled): its own noise floor. */
  senderLag: Latency;
  /** Messages delivered per second over the sending window. */
  msgsPerSec: number;
}

// A typical chat line in the language users write (the content filter folds Chinese through
// OpenCC's tables, which Latin text skips); the leading tag identifies the message.
const FILLER = " 今天天气不错，我们一起去公园散步吧？晚上吃什么好呢";

interface Sender {
  from: WebSocket;
  to: WebSocket;
  start: number;
  interval: number;
  count: number;
  delivered: Uint8Array;
  acked: Uint8Array;
}

function parseFrame(data: WebSocket.RawData): { type: string; clientId?: string; text?: string; code?: string } {
  return JSON.parse(data.toString()) as { type: string; clientId?: string; text?: string; code?: string };
}

export function errorsTotal(errors: Record<string, number>): number {
  return Object.values(errors).reduce((a, b) => a + b, 0);
}

/** Open loop: `ratePerSide` messages/s from both sides of every pair for `durationMs`. */
export async function runRelay(pairs: Pair[], ratePerSide: number, durationMs: number, drainMs = 5000): Promise<RelayResult> {
  const interval = 1000 / ratePerSide;
  const count = Math.max(1, Math.floor((durationMs / 1000) * ratePerSide));
  const t0 = performance.now() + 50;
  // A room dedupes clientIds (a retry), so every run needs ids of its own.
  const run = runTag();
  const senders: Sender[] = [];
  pairs.forEach((p) => {
    for (const [from, to] of [[p.a, p.b], [p.b, p.a]] as const) {
      // A random phase per sender, so pairs do not all fire in the same millisecond.
      senders.push({ from, to, start: t0 + Math.random() * interval, interval, count, delivered: new Uint8Array(count), acked: new Uint8Array(count) });
    }
  });
  const oneWay = new LatencyRecorder();
  const ack = new LatencyRecorder();
  const senderLag = new LatencyRecorder();
  const errors: Record<string, number> = {};
  let delivered = 0;
  let acked = 0;
  let duplicated = 0;
  let lastDelivery = t0;

  // Each socket receives acks for its own messages (clientId "<run>:<sender>:<k>") and its
  // partner's messages (text "<run>:<sender>:<k> ...").
  const handlers = new Map<WebSocket, (data: WebSocket.RawData) => void>();
  for (const ws of pairs.flatMap((p) => [p.a, p.b])) {
    const handler = (data: WebSocket.RawData) => {
      const now = performance.now();
      const frame = parseFrame(data);
      if (frame.type === "message" || frame.type === "ack") {
        const tag = frame.type === "ack" ? frame.clientId! : frame.text!.slice(0, frame.text!.indexOf(" "));
        const [r, sis, kis] = tag.split(":");
        if (r !== run) return; // a straggler from an earlier run
        const [si, ki] = [Number(sis), Number(kis)];
        const s = senders[si];
        if (!s || !(ki >= 0 && ki < s.count)) return void (errors.unrecognised = (errors.unrecognised ?? 0) + 1);
        const seen = frame.type === "ack" ? s.acked : s.delivered;
        if (seen[ki]) return void duplicated++;
        seen[ki] = 1;
        const latency = now - (s.start + ki * s.interval);
        if (frame.type === "ack") {
          acked++;
          ack.recordMs(latency);
        } else {
          delivered++;
          lastDelivery = now;
          oneWay.recordMs(latency);
        }
      } else if (frame.type === "error") {
        const code = frame.code ?? "unknown";
        errors[code] = (errors[code] ?? 0) + 1;
      }
    };
    handlers.set(ws, handler);
    ws.on("message", handler);
    ws.once("close", (code: number) => void (errors[`closed ${code}`] = (errors[`closed ${code}`] ?? 0) + 1));
  }

  // The whole schedule, fixed before the first send.
  const total = senders.length * count;
  const order = new Array<[number, number, number]>(total);
  let n = 0;
  senders.forEach((s, si) => {
    for (let k = 0; k < count; k++) order[n++] = [s.start + k * s.interval, si, k];
  });
  order.sort((x, y) => x[0] - y[0]);
  const times = Float64Array.from(order, (o) => o[0]);
  let sent = 0;
  await runSchedule(times, (i) => {
    const [at, si, k] = order[i]!;
    const s = senders[si]!;
    senderLag.recordMs(performance.now() - at);
    sent++;
    if (s.from.readyState !== s.from.OPEN) return; // counted as lost
    s.from.send(JSON.stringify({ type: "send", clientId: `${run}:${si}:${k}`, text: `${run}:${si}:${k}${FILLER}` }));
  });
  await waitUntil(() => delivered + duplicated >= sent && acked >= sent, drainMs);
  for (const [ws, handler] of handlers) {
    ws.off("message", handler);
    ws.removeAllListeners("close");
  }

  const windowMs = Math.max(lastDelivery - t0, 1);
  return {
    pairs: pairs.length,
    ratePerSide,
    sent,
    delivered,
    acked,
    lost: sent - delivered,
    duplicated,
    errors,
    oneWay: oneWay.summary(),
    ack: ack.summary(),
    senderLag: senderLag.summary(),
    msgsPerSec: (delivered / windowMs) * 1000,
  };
}

/**
 * Closed loop, one pair, one message in flight: the shape of the reference figures in the
 * issue (sequential round trips), for a like-for-like comparison.
 */
export async function runSequential(
  pair: Pair,
  messages: number,
  perMessageTimeoutMs = 2000,
): Promise<{ oneWay: Latency; lost: number; refused: Record<string, number> }> {
  const oneWay = new LatencyRecorder();
  const refused: Record<string, number> = {};
  const run = runTag();
  let lost = 0;
  for (let k = 0; k < messages; k++) {
    const [from, to] = k % 2 === 0 ? [pair.a, pair.b] : [pair.b, pair.a];
    const tag = `${run}:seq:${k}`;
    const started = performance.now();
    let partnerAt = 0;
    // Wait for both the partner's copy (timed) and the sender's ack, so nothing of this
    // message is still in flight when the next one, or the next scenario, starts.
    const arrived = await new Promise<boolean>((resolve) => {
      let acked = false;
      const done = (ok: boolean) => {
        clearTimeout(timer);
        to.off("message", onPartner);
        from.off("message", onAck);
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), perMessageTimeoutMs);
      const onPartner = (data: WebSocket.RawData) => {
        const frame = parseFrame(data);
        if (frame.type === "message" && frame.text?.startsWith(`${tag} `)) {
          partnerAt = performance.now();
          if (acked) done(true);
        }
      };
      const onAck = (data: WebSocket.RawData) => {
        const frame = parseFrame(data);
        // A refusal (e.g. rate_limited) ends this message at once instead of waiting it out.
        if (frame.type === "error") {
          refused[frame.code ?? "unknown"] = (refused[frame.code ?? "unknown"] ?? 0) + 1;
          return done(false);
        }
        if (frame.type === "ack" && frame.clientId === tag) {
          acked = true;
          if (partnerAt) done(true);
        }
      };
      to.on("message", onPartner);
      from.on("message", onAck);
      from.send(JSON.stringify({ type: "send", clientId: tag, text: `${tag}${FILLER}` }));
    });
    if (arrived) oneWay.recordMs(partnerAt - started);
    else lost++;
    // A closed socket or a run of failures: stop rather than wait out every remaining message.
    if (pair.a.readyState !== pair.a.OPEN || pair.b.readyState !== pair.b.OPEN || lost >= 20) break;
  }
  return { oneWay: oneWay.summary(), lost, refused };
}

export interface RateStep {
  ratePerSide: number;
  result: RelayResult;
  pass: boolean;
}

export const passes = (r: RelayResult, p99LimitMs = 50) =>
  r.oneWay.p99 < p99LimitMs && r.lost === 0 && r.duplicated === 0 && errorsTotal(r.errors) === 0;

/** Raises the per-side rate step by step until p99 ≥ 50 ms, a loss or an error; bounded by `rates`. */
export async function stepRate(pairs: Pair[], rates: number[], stepMs: number): Promise<{ steps: RateStep[]; best: number | null }> {
  const steps: RateStep[] = [];
  let best: number | null = null;
  for (const rate of rates) {
    const result = await runRelay(pairs, rate, stepMs, 3000);
    const pass = passes(result);
    steps.push({ ratePerSide: rate, result, pass });
    if (!pass) break;
    best = rate;
  }
  return { steps, best };
}
