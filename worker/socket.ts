// Helpers shared by the lobby and room objects for talking over hibernatable sockets.
import { socketError } from "./errors";
import { CLOSE, LIMITS, type ErrorCode, type SocketError } from "./protocol";

const encoder = new TextEncoder();

/** What a raw client frame turned out to be. */
export type Decoded =
  | { ok: true; frame: { type: string } & Record<string, unknown> }
  | { ok: false; error: SocketError; close?: number };

/**
 * Checks size, encoding and JSON shape before any object-specific validation. Every failure is a
 * socket error the client can act on; only an oversized frame ends the connection.
 */
export function decodeFrame(message: string | ArrayBuffer): Decoded {
  if (typeof message !== "string") {
    if (message.byteLength > LIMITS.frameMaxBytes) return tooLarge();
    return { ok: false, error: socketError("binary_not_supported", "Send text frames with JSON; binary frames are not supported") };
  }
  // Cheap bound first: a UTF-8 byte is at most 3 per UTF-16 unit.
  if (message.length * 3 > LIMITS.frameMaxBytes && encoder.encode(message).byteLength > LIMITS.frameMaxBytes) {
    return tooLarge();
  }
  let value: unknown;
  try {
    value = JSON.parse(message);
  } catch {
    return { ok: false, error: socketError("bad_message", "The frame is not valid JSON") };
  }
  if (!value || typeof value !== "object" || Array.isArray(value) || typeof (value as { type?: unknown }).type !== "string") {
    return { ok: false, error: socketError("bad_message", 'A frame must be a JSON object with a string "type"') };
  }
  return { ok: true, frame: value as { type: string } & Record<string, unknown> };
}

function tooLarge(): Decoded {
  return {
    ok: false,
    error: socketError("frame_too_large", `Frames are limited to ${LIMITS.frameMaxBytes} bytes`),
    close: CLOSE.tooBig,
  };
}

/** Sends a frame, ignoring sockets that closed underneath us (the close handler cleans up). */
export function sendFrame(ws: WebSocket, frame: unknown): boolean {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
    return true;
  } catch {
    return false;
  }
}

export function closeSocket(ws: WebSocket, code: number, reason: string): void {
  try {
    ws.close(code, reason.slice(0, 120));
  } catch {
    // already closed
  }
}

export function sendError(ws: WebSocket, code: ErrorCode, message: string): void {
  sendFrame(ws, socketError(code, message));
}

/** The response a Durable Object returns to accept a WebSocket upgrade. */
export function acceptedUpgrade(client: WebSocket): Response {
  return new Response(null, { status: 101, webSocket: client });
}
