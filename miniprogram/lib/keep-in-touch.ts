// 保持联系: one's own private tap (on the room socket, or over REST once the socket is gone, as on
// the end screen) and the room's answers: `keep_pending` after one's tap, `kept` when both tapped.
import type { ChatStore } from "./chat-state";
import type { Connection } from "./connection";
import type { RoomClientFrame } from "./protocol";

export type KeepOverRest = (roomId: string) => Promise<"pending" | "kept">;

export class KeepInTouch {
  /** Bumped when the chat is torn down, so a late REST answer knows its chat is over. */
  private runs = 0;

  constructor(
    private readonly store: ChatStore,
    private readonly connection: Connection,
    private readonly overRest: KeepOverRest | null,
  ) {}

  /** The tap; false when not possible now (see ChatClient.keepInTouch). */
  tap(): boolean {
    const { roomId, keep } = this.store.state;
    if (roomId === null || keep === "kept") return false;
    if (this.connection.isOn("room") && this.connection.transmit({ type: "keep" } satisfies RoomClientFrame)) return true;
    if (!this.overRest) {
      this.store.notice("network");
      return false;
    }
    const run = this.runs;
    this.overRest(roomId).then(
      (state) => {
        // Still the same chat on screen: show what the server answered.
        if (run === this.runs && this.store.state.roomId === roomId && this.store.state.keep !== "kept") this.store.update({ keep: state });
      },
      (err: unknown) => this.store.notice(err && typeof err === "object" && "code" in err ? String(err.code) : "network"),
    );
    return true;
  }

  /** `keep_pending`: one's own tap is recorded (unless both already tapped). */
  pending(): void {
    if (this.store.state.keep !== "kept") this.store.update({ keep: "pending" });
  }

  /** `kept`: both tapped. */
  kept(): void {
    this.store.update({ keep: "kept" });
  }

  /** The chat is torn down: answers still on their way are about a chat that is over. */
  reset(): void {
    this.runs++;
  }
}
