// The console's calls to /api/admin: the token from sessionStorage as a bearer header (never in
// a URL), one error type carrying the server's stable code.
const TOKEN_KEY = "onechat.admin.token";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** Called when the server says the token is no longer good (signed out elsewhere, rotated). */
let onUnauthorized = () => {};
export function whenUnauthorized(fn: () => void): void {
  onUnauthorized = fn;
}

export async function call<T>(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown, bearer = token.get()): Promise<T> {
  const headers: Record<string, string> = { Authorization: `Bearer ${bearer ?? ""}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(`/api/admin${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "network", "network");
  }
  const data = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  if (!res.ok) {
    const err = new ApiError(res.status, data?.error?.code ?? "internal", data?.error?.message ?? res.statusText);
    if (res.status === 401 && bearer === token.get()) onUnauthorized();
    throw err;
  }
  return data as T;
}

export const q = (params: Record<string, string | number | null | undefined>): string => {
  const parts = Object.entries(params)
    .filter(([, v]) => v !== null && v !== undefined && v !== "")
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`);
  return parts.length ? `?${parts.join("&")}` : "";
};
