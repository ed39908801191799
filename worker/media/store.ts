import { deleteImageRows, imageIdsOfConversation } from "../db/images";
import type { Env } from "../env";

// Where picture bytes live: R2, under a random key. Only this file touches the bucket.

export const objectKey = (id: string) => `images/${id}`;

export async function putImageObject(env: Env, id: string, bytes: Uint8Array, contentType: string): Promise<void> {
  await env.MEDIA.put(objectKey(id), bytes, { httpMetadata: { contentType } });
}

export function getImageObject(env: Env, id: string): Promise<R2ObjectBody | null> {
  return env.MEDIA.get(objectKey(id));
}

export async function deleteImageObjects(env: Env, ids: string[]): Promise<void> {
  // R2 deletes up to 1000 keys per call.
  for (let i = 0; i < ids.length; i += 1000) await env.MEDIA.delete(ids.slice(i, i + 1000).map(objectKey));
}

/** Removes pictures for good: the objects first, so a failure leaves a row to retry from, never an orphan. */
export async function deleteImages(env: Env, ids: string[]): Promise<number> {
  await deleteImageObjects(env, ids);
  return deleteImageRows(env.DB, ids);
}

/** Every picture of a conversation (erasure, admin delete); returns how many went. */
export async function deleteConversationImages(env: Env, conversationId: string): Promise<number> {
  return deleteImages(env, await imageIdsOfConversation(env.DB, conversationId));
}
