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

  /** Makes sure the alarm fires by `at`; an earlier pending alarm stays. */
  schedule(at: number): void {
    if (this.alarmAt === undefined) {
      void this.storage.getAlarm().then((stored) => {
        this.alarmAt = stored;
        this.schedule(at);
      });
      return;
    }
    if (this.alarmAt !== null && this.alarmAt <= at) return;
    this.alarmAt = at;
    void this.storage.setAlarm(at);
  }
}
