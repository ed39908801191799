// A minimal Chrome DevTools Protocol client over workerd's inspector: CPU profiles (profile.ts)
// and the worker's JS heap during the soak (knee.ts).
import WebSocket from "ws";

/** A minimal Chrome DevTools Protocol client over workerd's inspector. */
export async function inspector(port: number): Promise<{ call<T>(method: string, params?: object): Promise<T>; close(): void }> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string; title: string }[];
  const main = targets.find((t) => /onechat/.test(t.title)) ?? targets[0];
  if (!main) throw new Error("no inspector target");
  const ws = new WebSocket(main.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let next = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.on("message", (data) => {
    const msg = JSON.parse(String(data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  });
  return {
    call<T>(method: string, params: object = {}) {
      const id = ++next;
      ws.send(JSON.stringify({ id, method, params }));
      return new Promise<T>((resolve) => waiting.set(id, resolve as (v: unknown) => void));
    },
    close: () => ws.close(),
  };
}

/** The worker isolate's JS heap in use (MiB), or null when the inspector does not answer. */
export async function jsHeapMiB(port: number): Promise<number | null> {
  try {
    const cdp = await inspector(port);
    try {
      const usage = await Promise.race([cdp.call<{ usedSize: number }>("Runtime.getHeapUsage"), new Promise<null>((r) => setTimeout(() => r(null), 5000))]);
      return usage ? usage.usedSize / 2 ** 20 : null;
    } finally {
      cdp.close();
    }
  } catch {
    return null;
  }
}
