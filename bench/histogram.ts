// Latency percentiles through HDR histograms: values recorded in microseconds, reported in ms.
import * as hdr from "hdr-histogram-js";

export interface Latency {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyRecorder {
  private readonly h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

  recordMs(ms: number): void {
    this.h.recordValue(Math.max(1, Math.round(ms * 1000)));
  }

  get count(): number {
    return this.h.totalCount;
  }

  summary(): Latency {
    const at = (p: number) => (this.h.totalCount === 0 ? NaN : this.h.getValueAtPercentile(p) / 1000);
    return { count: this.h.totalCount, p50: at(50), p95: at(95), p99: at(99), max: this.h.totalCount === 0 ? NaN : this.h.maxValue / 1000 };
  }
}
