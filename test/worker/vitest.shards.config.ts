import { workerProject } from "./vitest.config.ts";

// The same worker with its message history spread over two D1 databases (HISTORY_SHARDS = 2):
// the shard tests, and the history, retention, erasure and admin tests again, must hold there too.
export default workerProject({
  name: "worker-shards",
  include: [
    "test/worker/shards/**/*.test.ts",
    "test/worker/history-copy.test.ts",
    "test/worker/room.test.ts",
    "test/worker/room-delete.test.ts",
    "test/worker/rest.test.ts",
    "test/worker/safety-retention.test.ts",
    "test/worker/safety-erase.test.ts",
    "test/worker/admin-console.test.ts",
  ],
  bindings: { HISTORY_SHARDS: "2" },
  d1Databases: { DB: "onechat-test-main", HISTORY_2: "onechat-test-history-2" },
});
