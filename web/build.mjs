// `npm run build:web`: bundles the web chat and the admin console (web/src) into
// web/public/assets, where the worker's assets binding serves them. The chat bundle includes
// the mini program's own protocol client.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
await build({
  absWorkingDir: root,
  entryPoints: { chat: "web/src/chat/main.ts", admin: "web/src/admin/main.ts" },
  outdir: "web/public/assets",
  bundle: true,
  format: "esm",
  platform: "browser",
  target: ["chrome100", "safari15", "firefox100"],
  minify: process.argv.includes("--minify"),
  logLevel: "warning",
});
console.log("web: built web/public/assets/chat.js and admin.js");
