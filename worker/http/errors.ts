import type { ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import { AppError, errorBody } from "../errors";
import { logError } from "../log";
import type { AppEnv } from "./app";

/** Every failure leaves as { error: { code, message } }; nothing internal reaches the client. */
export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof AppError) return c.json(errorBody(err.code, err.message), err.status);
  if (err instanceof HTTPException) {
    if (err.status === 413) return c.json(errorBody("payload_too_large", "The request body is too large"), 413);
    if (err.status === 400) return c.json(errorBody("bad_request", "The request could not be read"), 400);
    if (err.status === 401) return c.json(errorBody("unauthorized", "Authentication failed"), 401);
  }
  // The route pattern, not the URL: query strings can carry tokens and tickets.
  logError("http.unhandled_error", err, { method: c.req.method, route: c.req.routePath });
  return c.json(errorBody("internal", "Something went wrong on our side; please try again"), 500);
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  c.json(errorBody("not_found", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404);
