// Group commit for the history copy: rooms hand their new messages to one of a few writer
// objects (by conversation), and each writer puts everything that arrived in the last window
// into one D1 batch. D1 write transactions per second are then bounded by writers ÷ window,
// whatever the number of active rooms. The writer stores nothing: a room keeps its messages
// until the batch holding them has committed, so a writer that dies loses nothing.
import { DurableObject } from "cloudflare:workers";
import { copyHistory, type ConversationCopy } from "../db/history";
import { numberVar, type Env } from "../env";
import { historyDb } from "./shards";
import { describeError } from "../errors";

interface Job {
  /** The history database (shards.ts); a writer serves one, by its name. */
  shard: number;
  copy: ConversationCopy;
  resolve: (result: { missing: boolean }) => void;
  reject: (error: Error) => void;
}

/** Rows per D1 batch at most; what does not fit waits for the next window. */
const MAX_ROWS = 2000;

export interface WriterStats {
  transactions: number;
  /** Room hand-offs: what would each have been a D1 transaction of its own. */
  handoffs: number;
  messages: number;
  rowsWritten: number;
  /** Wall time of the D1 batches (workerd's clock moves across I/O), in total and the longest. */
  batchMs: number;
  batchMsMax: number;
}

export class HistoryWriter extends DurableObject<Env> {
  private pending: Job[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private writing = false;
  /** Since this object woke; only the benchmark reads it. */
  private readonly counts: WriterStats = { transactions: 0, handoffs: 0, messages: 0, rowsWritten: 0, batchMs: 0, batchMsMax: 0 };

  /** Resolves once these rows are committed in D1 (or the conversation turned out erased). */
  copy(shard: number, copy: ConversationCopy): Promise<{ missing: boolean }> {
    return new Promise((resolve, reject) => {
      this.pending.push({ shard, copy, resolve, reject });
      this.schedule();
    });
  }

  stats(): WriterStats {
    return { ...this.counts };
  }

  /** At most one batch in flight and one window between batches. */
  private schedule(): void {
    if (this.timer !== null || this.writing || this.pending.length === 0) return;
    this.timer = setTimeout(() => void this.write(), numberVar(this.env.HISTORY_WINDOW_MS, 200));
  }

  private async write(): Promise<void> {
    this.timer = null;
    this.writing = true;
    const jobs: Job[] = [];
    let rows = 0;
    const shard = this.pending[0]?.shard ?? 0;
    while (
      this.pending.length > 0 &&
      this.pending[0]!.shard === shard &&
      (jobs.length === 0 || rows + this.pending[0]!.copy.rows.length <= MAX_ROWS)
    ) {
      const job = this.pending.shift()!;
      rows += job.copy.rows.length;
      jobs.push(job);
    }
    try {
      const started = Date.now();
      const outcome = await copyHistory(
        this.env.DB,
        jobs.map((j) => j.copy),
        historyDb(this.env, shard),
      );
      const ms = Date.now() - started;
      this.counts.batchMs += ms;
      this.counts.batchMsMax = Math.max(this.counts.batchMsMax, ms);
      this.counts.transactions++;
      this.counts.handoffs += jobs.length;
      this.counts.messages += rows;
      this.counts.rowsWritten += outcome.rowsWritten;
      for (const job of jobs) job.resolve({ missing: outcome.missing.has(job.copy.conversationId) });
    } catch (error) {
      // Every room in the batch retries on its own backoff; the writer does not loop.
      const reason = describeError(error);
      for (const job of jobs) job.reject(new Error(`D1 history batch failed: ${reason}`));
    } finally {
      this.writing = false;
      this.schedule();
    }
  }
}
