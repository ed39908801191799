import { requireAdmin } from "./admin-auth";
import { adminConsole } from "./admin-console";
import { adminMatching } from "./admin-matching";
import { adminMedia } from "./admin-media";
import { adminSafety } from "./admin-safety";
import { adminTopics } from "./admin-topics";
import { adminUsers } from "./admin-users";
import { newApp } from "./app";

/**
 * The admin API, mounted at /api/admin: the token check (requireAdmin) once, in front of every
 * admin resource, so a resource file holds routes only and none can be mounted unguarded.
 */
export const adminApp = newApp()
  .use(requireAdmin())
  .route("/", adminSafety)
  .route("/console", adminConsole)
  .route("/", adminUsers)
  .route("/", adminMatching)
  .route("/", adminMedia)
  .route("/", adminTopics);
