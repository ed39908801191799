import type { BucketRule } from "./token-bucket";

// The limits users meet. Generous enough that a person typing fast never sees them; tight
// enough that a script cannot flood a partner, churn the lobby or hammer the platform login.

/** Messages per user in a room: 10 back to back, then one a second. 30 refused in a row closes the socket (1008). */
export const MESSAGE_RULE: BucketRule = { burst: 10, perSecond: 1, floodAfter: 30 };

/** Lobby joins per user: 10 a minute. */
export const LOBBY_JOIN_RULE: BucketRule = { burst: 10, perSecond: 10 / 60 };

/**
 * Logins per client address: 30 a minute. Addresses are shared (carrier NAT, campus Wi-Fi), so
 * this stops scripts, not people; the platform's own 45011 limit sits behind it.
 */
export const LOGIN_RULE: BucketRule = { burst: 30, perSecond: 30 / 60 };
