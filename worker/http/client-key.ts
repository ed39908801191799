// Which client a request comes from, for per-client limits. The address is CF-Connecting-IP:
// Cloudflare's edge sets it on every request from the internet and overwrites any value the
// client sent, so it can be trusted here (`wrangler dev` sets it to the local address). The
// worker must therefore only be reached through Cloudflare (no other proxy in front of it).

/** The bucket for requests that carry no address (service bindings, internal callers): one, shared. */
export const NO_ADDRESS = "no-address";

/** Eight 16-bit groups of an IPv6 address, or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  let text = address.toLowerCase().replace(/%.*$/, ""); // zone index
  // A trailing dotted IPv4 part (::ffff:192.0.2.1) is two groups.
  const dotted = text.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  if (dotted) {
    const v4 = dotted[2].split(".").map(Number);
    if (v4.some((n) => n > 255)) return null;
    text = `${dotted[1]}${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]);
  const tail = halves.length === 2 ? parse(halves[1]) : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * The key a client is limited by: an IPv4 address as it is; an IPv6 address by its /64, because
 * one subscriber gets a whole /64 and can rotate through it at will; IPv4-mapped IPv6 as the IPv4
 * address; no address at all as one shared NO_ADDRESS bucket (never unlimited).
 */
export function clientKey(address: string | null | undefined): string {
  const text = address?.trim() ?? "";
  if (text === "") return NO_ADDRESS;
  if (!text.includes(":")) return text;
  const groups = ipv6Groups(text);
  if (!groups) return text.toLowerCase();
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** The client key of a request. */
export function requestClientKey(request: Request): string {
  return clientKey(request.headers.get("CF-Connecting-IP"));
}
