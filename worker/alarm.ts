// Alarms hold a Durable Object's next duty; an object that loses one forgets someone.

/**
 * Makes sure the object wakes by `at`. A pending alarm that is already due does not count: it is
 * the one running now (or about to), and once it has run nothing would be left for `at`.
 */
export async function wakeBy(storage: DurableObjectStorage, at: number, now = Date.now()): Promise<void> {
  const current = await storage.getAlarm();
  if (current === null || at < current || current <= now) await storage.setAlarm(at);
}
