import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { ErrorBody, ErrorCode, SocketError } from "./protocol";

/** An error a client may see: a stable code, a short message, an HTTP status for REST. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly status: ContentfulStatusCode = 400,
  ) {
    super(message);
    this.name = "AppError";
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

export function errorResponse(code: ErrorCode, message: string, status: number): Response {
  return Response.json(errorBody(code, message), { status });
}

export function socketError(code: ErrorCode, message: string): SocketError {
  return { type: "error", code, message };
}

/** What a log line may say about a thrown value: its name and message, never a stack or payload. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : "non-error thrown";
}
