import { conversationIdsOf } from "../db/conversations";
import { deleteImageRows, imageIdsBefore, imageIdsOfConversation, imageIdsOfSender, undeliveredImageIdsOfSender } from "../db/images";
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

/** Every picture in every conversation of `userId`, and any they sent (an admin deleting their messages). */
export async function deleteImagesOfUser(env: Env, userId: string): Promise<number> {
  let deleted = 0;
  for (const id of await conversationIdsOf(env.DB, userId)) deleted += await deleteConversationImages(env, id);
  return deleted + (await deleteImages(env, await imageIdsOfSender(env.DB, userId)));
}

/**
 * Self-erasure: the pictures `userId` uploaded that no partner received (still under check, or
 * never sent). Those the partner received stay with the partner's copy of the conversation.
 */
export async function deleteUndeliveredImagesOf(env: Env, userId: string): Promise<number> {
  return deleteImages(env, await undeliveredImageIdsOfSender(env.DB, userId));
}

/** Pictures older than the retention cutoff, in batches; returns how many went. */
export async function deleteOldImages(env: Env, cutoff: number, batch = 500, maxBatches = 20): Promise<number> {
  let deleted = 0;
  for (let i = 0; i < maxBatches; i++) {
    const ids = await imageIdsBefore(env.DB, cutoff, batch);
    deleted += await deleteImages(env, ids);
    if (ids.length < batch) break;
  }
  return deleted;
}
