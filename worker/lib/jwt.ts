// HS256 JSON Web Tokens for sessions: standard tokens (any JWT library reads them), checked with an
// HMAC key imported once per isolate. The signature is checked by WebCrypto's verify (constant time)
// before anything in the token is trusted.
import { fromBase64Url, toBase64Url } from "./base64url";
import { hmacKey } from "./hmac";

export interface JwtClaims {
  sub: string;
  iat: number;
  exp: number;
  /** The login kind when it is not a platform login ("dev"), so a turned-off kind is refused without a read. */
  knd?: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const HEADER = toBase64Url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));

export async function signJwt(claims: JwtClaims, secret: string): Promise<string> {
  const body = `${HEADER}.${toBase64Url(encoder.encode(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(body));
  return `${body}.${toBase64Url(new Uint8Array(signature))}`;
}

function json(part: string): Record<string, unknown> | null {
  const bytes = fromBase64Url(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(decoder.decode(bytes));
    return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The subject of a valid, unexpired HS256 token signed with `secret`, or null. */
export async function verifyJwt(token: string, secret: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<string | null> {
  return (await verifyJwtClaims(token, secret, nowSeconds))?.sub ?? null;
}

/** The subject and login kind of a valid, unexpired HS256 token signed with `secret`, or null. */
export async function verifyJwtClaims(
  token: string,
  secret: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): Promise<{ sub: string; knd: string | null } | null> {
  const parts = token.split(".");
  if (parts.length !== 3) return null;
  const [header, payload, signature] = parts as [string, string, string];
  const sig = fromBase64Url(signature);
  if (!sig) return null;
  const valid = await crypto.subtle.verify("HMAC", await hmacKey(secret), sig, encoder.encode(`${header}.${payload}`));
  if (!valid || json(header)?.alg !== "HS256") return null;
  const claims = json(payload);
  if (!claims || typeof claims.sub !== "string" || claims.sub === "") return null;
  if (typeof claims.exp !== "number" || claims.exp <= nowSeconds) return null;
  if (typeof claims.nbf === "number" && claims.nbf > nowSeconds) return null;
  if (typeof claims.iat === "number" && claims.iat > nowSeconds) return null;
  return { sub: claims.sub, knd: typeof claims.knd === "string" ? claims.knd : null };
}
