// The room's one alarm, set to the earliest duty (a grace period, a copy, retention). The known
// alarm time is a cache: after a wake-up it is read back from storage before it is trusted.

export class AlarmClock {
  /** Known alarm time; undefined until read back after a wake-up. */
  private alarmAt: number | null | undefined;

  constructor(private readonly storage: DurableObjectStorage) {}

  /** The alarm is running: nothing is pending until something is scheduled again. */
  fired(): void {
    this.alarmAt = null;
  }

  /**
   * Makes sure the alarm fires by `latest` (default `at`), setting it to `at` when it must move;
   * a pending alarm by `latest` stays. The slack matters: each alarm moved earlier is one more
   * storage write (and an alarm-scheduler update before the commit that carries the acks).
   */
  schedule(at: number, latest = at): void {
    if (this.alarmAt === undefined) {
      void this.storage.getAlarm().then((stored) => {
        this.alarmAt = stored;
        this.schedule(at, latest);
      });
      return;
    }
    if (this.alarmAt !== null && this.alarmAt <= Math.max(at, latest)) return;
    this.alarmAt = at;
    void this.storage.setAlarm(at);
  }
}
