import type { UserRow } from "../db/schema";
import { AppError } from "../errors";

/** Who may enter the lobby: confirmed adults whose matching no admin has suspended. */
export function requireMatchable(user: UserRow): void {
  if (user.adultConfirmedAt === null) {
    throw new AppError("adult_required", "Confirm that you are 18 or older before matching (POST /api/me/adult)", 403);
  }
  if (user.matchingSuspendedAt !== null) {
    throw new AppError("matching_suspended", "Matching is suspended for this account pending review", 403);
  }
}
