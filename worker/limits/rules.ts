import { numberVar, type Env } from "../env";
import type { BucketRule } from "./token-bucket";

// The limits users meet. Generous enough that a person typing fast never sees them; tight
// enough that a script cannot flood a partner, churn the lobby or hammer the platform login.

/**
 * Messages (and pictures) per person, across all their rooms and sockets (room/message-budget.ts):
 * 10 back to back, then one a second. 30 refused in a row in a room closes the socket (1008).
 */
export const MESSAGE_RULE: BucketRule = { burst: 10, perSecond: 1, floodAfter: 30 };

/** The message rule with the operator's overrides (MESSAGE_BURST, MESSAGE_RATE_PER_SECOND), e.g. for load tests. */
export function messageRule(env: Pick<Env, "MESSAGE_BURST" | "MESSAGE_RATE_PER_SECOND">): BucketRule {
  return {
    ...MESSAGE_RULE,
    burst: numberVar(env.MESSAGE_BURST, MESSAGE_RULE.burst),
    perSecond: numberVar(env.MESSAGE_RATE_PER_SECOND, MESSAGE_RULE.perSecond),
  };
}

/**
 * Room connects per user and room: 6 back to back, then one every 2 s. A flaky network reconnects
 * a few times; a script reconnecting in a loop gets 429 too_many_attempts.
 */
export const ROOM_CONNECT_RULE: BucketRule = { burst: 6, perSecond: 0.5 };

/**
 * History re-requests per socket: 5 back to back, then one every 5 s. Each answer is a page of up
 * to LIMITS.historyPageMax messages, so a loop of them is a cheap way to make the room send
 * megabytes. Following a page that said `more` is free (the walk moves forward by a page a time);
 * past the limit the request is answered `too_many_attempts` and nothing else.
 */
export const HISTORY_RULE: BucketRule = { burst: 5, perSecond: 1 / 5 };

/** Typing frames relayed per sender: at most one per this many ms; the rest are dropped. */
export const TYPING_INTERVAL_MS = 2000;

/** Lobby joins per user: 10 a minute. */
export const LOBBY_JOIN_RULE: BucketRule = { burst: 10, perSecond: 10 / 60 };

/**
 * Wrong admin tokens per client (see http/client-key.ts): 5 back to back, then one every 10 minutes.
 * Past that every admin call from the client is refused (429 too_many_attempts), the right token
 * included, so guessing cannot go on; a 48-byte random token is out of reach at this rate anyway.
 */
export const ADMIN_AUTH_RULE: BucketRule = { burst: 5, perSecond: 1 / 600 };

/**
 * Logins per client address: 30 a minute. Addresses are shared (carrier NAT, campus Wi-Fi), so
 * this stops scripts, not people; the platform's own 45011 limit sits behind it.
 */
export const LOGIN_RULE: BucketRule = { burst: 30, perSecond: 30 / 60 };

/**
 * Reports per user: 10 a day (rolling 24 hours), and one per conversation while the first is kept
 * (until retention). Each report stores a snapshot, so a script must not fill the table.
 */
export const REPORT_DAILY_CAP = 10;
export const REPORT_WINDOW_MS = 24 * 60 * 60 * 1000;
