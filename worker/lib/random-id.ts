import { toBase64Url } from "./base64url";

/** A random, unguessable id (128 bits, base64url). */
export function randomId(): string {
  return toBase64Url(crypto.getRandomValues(new Uint8Array(16)));
}
