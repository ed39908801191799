// The lobby's veto: ids this user must never be paired with (blocks in either direction).
// Placeholder until the safety work (issue 5) adds the blocks table; it keeps the lobby's
// contract fixed: one query per lobby join.
export async function blockedPartnerIds(_d1: D1Database, _userId: string): Promise<string[]> {
  return [];
}
