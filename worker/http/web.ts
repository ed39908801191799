import { flagVar } from "../env";
import { AppError } from "../errors";
import { newApp } from "./app";

// The two pages: the web chat at / (only with dev login on; otherwise a note that onechat lives
// in the WeChat/QQ mini program) and the admin console at /admin. The files come from the
// assets binding (web/public, built by `npm run build:web`); every response gets a strict CSP.

/** Only our own scripts and styles; sockets and fetches to this origin only; never framed. */
function securityHeaders(url: URL): Record<string, string> {
  const ws = `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`;
  return {
    "Content-Security-Policy": [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      `connect-src 'self' ${ws}`,
      "base-uri 'none'",
      "form-action 'none'",
      "frame-ancestors 'none'",
    ].join("; "),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
  };
}

/** Files the pages load; anything else under /assets/ is a 404 (the directory has nothing else). */
const ASSET = /^\/assets\/[a-z0-9-]+\.(js|css|svg|js\.map)$/;

export const web = newApp()
  .get("/", (c) => serve(c.env.ASSETS, c.req.raw, flagVar(c.env.DEV_LOGIN) ? "/chat.html" : "/about.html"))
  .get("/admin", (c) => serve(c.env.ASSETS, c.req.raw, "/admin.html"))
  .get("/admin/", (c) => serve(c.env.ASSETS, c.req.raw, "/admin.html"))
  .get("/assets/*", (c) => {
    const path = new URL(c.req.url).pathname;
    if (!ASSET.test(path)) throw new AppError("not_found", "No such file", 404);
    return serve(c.env.ASSETS, c.req.raw, path);
  });

async function serve(assets: Fetcher | undefined, request: Request, path: string): Promise<Response> {
  if (!assets) throw new AppError("not_found", "The web pages are not configured on this server", 404);
  const url = new URL(request.url);
  const file = await assets.fetch(new URL(path, url.origin));
  if (file.status !== 200) {
    throw new AppError("not_found", path.endsWith(".js") ? "Not built: run `npm run build:web`" : "No such file", 404);
  }
  const response = new Response(file.body, file);
  for (const [name, value] of Object.entries(securityHeaders(url))) response.headers.set(name, value);
  return response;
}
