import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";

// Placeholder: the lobby's behaviour lands with issue 3.
export class Lobby extends DurableObject<Env> {
  override async fetch(): Promise<Response> {
    return new Response("lobby not implemented", { status: 501 });
  }
}
