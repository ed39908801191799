// What shards and the hub say to each other over RPC. Both import these types from here, so
// neither object's file depends on the other's.
import type { LobbyServerFrame } from "../protocol";
import type { Waiter } from "./pairing";

/** A leftover waiter as a shard offers it to the hub. */
export interface Offer extends Waiter {
  ticket: string;
}

/** What the hub tells a shard to deliver: the matched frame for one of its people. */
export type Settlement = Extract<LobbyServerFrame, { type: "matched" }>;

/** What a shard tells the hub about itself, and the hub answers about all the others. */
export interface ShardCounts {
  /** People waiting now. */
  waiting: number;
  /** People matched in the last few minutes (each person once per match). */
  matched: number;
}
