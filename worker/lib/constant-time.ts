const encoder = new TextEncoder();

/** Compares secrets without leaking where they differ through timing. */
export async function constantTimeEqual(a: string, b: string): Promise<boolean> {
  // Hash both first so lengths match and the comparison cost does not depend on the input.
  const [ha, hb] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(a)),
    crypto.subtle.digest("SHA-256", encoder.encode(b)),
  ]);
  return crypto.subtle.timingSafeEqual(ha, hb);
}
