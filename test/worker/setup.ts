import { applyD1Migrations, env } from "cloudflare:test";

// Every test file starts from the same migrated schema the dev server and production use.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
