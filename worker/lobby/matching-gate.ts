import type { UserRow } from "../db/schema";
import type { ErrorCode } from "../protocol";

/** Who may enter the lobby: confirmed adults whose matching no admin has suspended. Null: may. */
export function matchingRefusal(
  user: Pick<UserRow, "adultConfirmedAt" | "matchingSuspendedAt">,
): { code: ErrorCode; message: string } | null {
  if (user.adultConfirmedAt === null) {
    return { code: "adult_required", message: "Confirm that you are 18 or older before matching (POST /api/me/adult)" };
  }
  if (user.matchingSuspendedAt !== null) {
    return { code: "matching_suspended", message: "Matching is suspended for this account pending review" };
  }
  return null;
}
