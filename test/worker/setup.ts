import { applyD1Migrations, env } from "cloudflare:test";
import { allHistoryDbs } from "../../worker/history/shards";

// Every test file starts from the same migrated schema the dev server and production use, in
// every database (the shards project has more than one; see vitest.shards.config.ts).
for (const d1 of new Set([env.DB, ...allHistoryDbs(env)])) await applyD1Migrations(d1, env.TEST_MIGRATIONS);
