import { hmacSha256Hex } from "../lib/hmac";

// The only place an OpenID is turned into something we keep: a keyed hash.

/** How a person is found again without storing who they are. */
export function identityHash(pepper: string, platform: string, openid: string): Promise<string> {
  return hmacSha256Hex(pepper, `${platform}:${openid}`);
}
