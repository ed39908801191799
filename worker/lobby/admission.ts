// Admission for a lobby shard: the ban check and the block list of everyone joining, read from
// D1 in one batch per group of joiners instead of one round trip per upgrade in the worker.
// While one read is in flight, the joiners that arrive meanwhile wait and go together in the next,
// so 1,000 joins a second cost a few dozen D1 reads, and every join still sees D1 as it is now:
// a ban or a block takes effect on the next visit, with no cache to expire.
import { loadJoiners, type JoinerProfile, type JoinWindows } from "../db/admission";

interface Waiting {
  userId: string;
  resolve: (profile: JoinerProfile) => void;
  reject: (error: unknown) => void;
}

/** One read at most for this many joiners; the rest wait for the next. */
const GROUP_MAX = 500;

export class Admission {
  private waiting: Waiting[] = [];
  private reading = false;

  constructor(
    private readonly d1: D1Database,
    /** The time windows as of now (REMATCH_COOLDOWN_MS, TRUST_WATCH_DAYS). */
    private readonly windows: () => JoinWindows,
  ) {}

  profile(userId: string): Promise<JoinerProfile> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ userId, resolve, reject });
      if (!this.reading) void this.read();
    });
  }

  private async read(): Promise<void> {
    this.reading = true;
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0, GROUP_MAX);
      try {
        const profiles = await loadJoiners(
          this.d1,
          group.map((w) => w.userId),
          this.windows(),
        );
        for (const w of group) w.resolve(profiles.get(w.userId)!);
      } catch (error) {
        for (const w of group) w.reject(error);
      }
    }
    this.reading = false;
  }
}
