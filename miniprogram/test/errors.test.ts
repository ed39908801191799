import { describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../worker/protocol";
import { ChatError, codeOf, errorMessage } from "../lib/errors";
import { textLength } from "../lib/protocol";

describe("errorMessage", () => {
  it("gives every protocol error code its own short Chinese line", () => {
    for (const code of ERROR_CODES) {
      const text = errorMessage(code);
      expect(text, code).toMatch(/[\u4e00-\u9fff]/);
      expect(text, code).not.toContain(code);
      expect(textLength(text), code).toBeLessThanOrEqual(20);
      expect(text, code).not.toBe(errorMessage("something_new"));
    }
  });

  it("never shows raw server text for unknown codes", () => {
    expect(errorMessage('{"error":{"code":"x"}}')).toBe("出了点问题，请稍后再试");
    expect(errorMessage(undefined)).toBe("出了点问题，请稍后再试");
    expect(errorMessage("toString")).toBe("出了点问题，请稍后再试");
  });
});

describe("codeOf", () => {
  it("reads the stable code of a ChatError or a REST error body, else the caller's fallback", () => {
    expect(codeOf(new ChatError("banned"), "network")).toBe("banned");
    expect(codeOf({ code: "not_found", message: "Not found" }, "unknown")).toBe("not_found");
    // A platform error (no code, or a numeric errno) is not a server code.
    expect(codeOf(new Error("request:fail"), "network")).toBe("network");
    expect(codeOf({ code: 40029 }, "unknown")).toBe("unknown");
    expect(codeOf(null, "unknown")).toBe("unknown");
    expect(codeOf("banned", "unknown")).toBe("unknown");
  });
});
