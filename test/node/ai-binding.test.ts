import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withAiBinding } from "../../scripts/deploy";

// Workers AI has no local simulator: with an [ai] binding in wrangler.toml, `npm run dev` stops at
// "Failed to start the remote proxy session" without a Cloudflare login. So it is added at deploy only.
describe("the optional AI binding", () => {
  const toml = readFileSync(new URL("../../wrangler.toml", import.meta.url), "utf8");

  it("is not in wrangler.toml, so dev and the tests run offline", () => {
    expect(toml).not.toMatch(/^\[ai\]/m);
    expect(toml).not.toMatch(/^ai\s*=/m);
  });

  it("is added, once, to the config `ONECHAT_AI=on npm run deploy` uses", () => {
    const deployed = withAiBinding(toml);
    expect(deployed.startsWith(toml.trimEnd())).toBe(true);
    expect(deployed).toMatch(/\n\[ai\]\nbinding = "AI"\n$/);
    expect(withAiBinding(deployed)).toBe(deployed);
  });
});
