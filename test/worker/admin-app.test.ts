import { describe, expect, it } from "vitest";
import { app } from "../../worker/index";
import { api } from "./helpers";

// Every admin route is behind the admin app's one token check (worker/http/admin-app.ts): listed
// from the worker's own router, so a route added later is checked without touching this file.
const adminRoutes = [
  ...new Set(app.routes.filter((r) => r.method !== "ALL" && r.path.startsWith("/api/admin/")).map((r) => `${r.method} ${r.path}`)),
].map((route) => route.split(" ") as [string, string]);

describe("the admin app", () => {
  it("mounts every admin resource under /api/admin", () => {
    expect(adminRoutes.map(([method, path]) => `${method} ${path}`)).toEqual(
      expect.arrayContaining([
        "GET /api/admin/reports",
        "GET /api/admin/console/live",
        "GET /api/admin/users",
        "POST /api/admin/users/:id/suspend-matching",
        "GET /api/admin/images/:id",
        "GET /api/admin/topics",
      ]),
    );
  });

  it.each(adminRoutes)("%s %s answers 401 without the admin token", async (method, path) => {
    const res = await api(path.replace(/:\w+/g, "x"), { method });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: { code: "unauthorized", message: expect.any(String) } });
  });
});
