// Login and REST: a fixed number of concurrent closed loops for a bounded time and count; each
// request is timed on its own. This measures saturation throughput, and the latency at it.
import { performance } from "node:perf_hooks";
import { clientAddress } from "./client";
import { LatencyRecorder, type Latency } from "./histogram";

export interface RestResult {
  name: string;
  concurrency: number;
  requests: number;
  /** Responses other than the expected status, and network failures. */
  failed: number;
  firstFailure: string | null;
  perSec: number;
  latency: Latency;
}

export async function closedLoop(
  name: string,
  concurrency: number,
  durationMs: number,
  maxRequests: number,
  request: (i: number) => Promise<Response>,
  expectStatus = 200,
): Promise<RestResult> {
  const latency = new LatencyRecorder();
  let issued = 0;
  let failed = 0;
  let firstFailure: string | null = null;
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const loop = async () => {
    while (performance.now() < deadline && issued < maxRequests) {
      const i = issued++;
      const started = performance.now();
      try {
        const res = await request(i);
        await res.arrayBuffer();
        if (res.status !== expectStatus) {
          failed++;
          firstFailure ??= `HTTP ${res.status}`;
        }
      } catch (error) {
        failed++;
        firstFailure ??= String(error);
      }
      latency.recordMs(performance.now() - started);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = performance.now() - t0;
  return { name, concurrency, requests: issued, failed, firstFailure, perSec: (issued / elapsed) * 1000, latency: latency.summary() };
}

/** Each login comes from its own client address, as different people's would (see clientAddress). */
export function postLogin(baseUrl: string, platform: string, code: string, address: number): Promise<Response> {
  return fetch(`${baseUrl}/api/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "cf-connecting-ip": clientAddress(address) },
    body: JSON.stringify({ platform, code }),
    signal: AbortSignal.timeout(10_000),
  });
}
