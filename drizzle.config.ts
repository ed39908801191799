import { defineConfig } from "drizzle-kit";

// Generates SQL migrations into drizzle/, which wrangler (`d1 migrations apply`) and the tests apply.
export default defineConfig({
  dialect: "sqlite",
  schema: "./worker/db/schema.ts",
  out: "./drizzle",
});
