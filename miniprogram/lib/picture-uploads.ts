// The pictures picked on this phone until they are uploaded: each upload runs (again on a retry)
// while its bubble shows progress in the outbox, which sends the image frame once it is done.
import type { ChatStore } from "./chat-state";
import { codeOf, pictureError } from "./errors";
import type { Outbox } from "./outbox";

/** Uploads one picture for the room (POST /api/media), reporting progress 0–100. */
export type PictureUpload = (onProgress: (percent: number) => void) => Promise<{ id: string; width: number; height: number }>;

/** Upload refusals that uploading the same file again cannot fix. */
const FINAL_UPLOAD_ERRORS: ReadonlySet<string> = new Set(["payload_too_large", "image_too_large", "unsupported_image", "content_rejected"]);

export class PictureUploads {
  /** How each picture still to be uploaded is uploaded (again, on a retry), by clientId. */
  private readonly uploads = new Map<string, PictureUpload>();

  constructor(
    private readonly store: ChatStore,
    private readonly outbox: Outbox,
  ) {}

  /** Shows the picture's bubble and starts its upload; returns its clientId. */
  start(localPath: string, upload: PictureUpload): string {
    const clientId = this.outbox.queueUpload(localPath);
    this.uploads.set(clientId, upload);
    void this.run(clientId);
    return clientId;
  }

  /** Tap-to-retry: true when it is a picture whose upload never finished (uploaded again while chatting). */
  retry(clientId: string): boolean {
    if (!this.outbox.needsUpload(clientId) || !this.uploads.has(clientId)) return false;
    if (this.store.state.phase !== "chatting") return true;
    this.outbox.restartUpload(clientId);
    void this.run(clientId);
    return true;
  }

  /** Forgets every upload (the chat is torn down): none is uploaded again. */
  clear(): void {
    this.uploads.clear();
  }

  private async run(clientId: string): Promise<void> {
    const upload = this.uploads.get(clientId);
    if (!upload) return;
    try {
      const image = await upload((percent) => this.outbox.uploadProgress(clientId, percent));
      this.uploads.delete(clientId);
      this.outbox.uploaded(clientId, image);
    } catch (err) {
      const code = codeOf(err, "network");
      const final = FINAL_UPLOAD_ERRORS.has(code);
      if (final) this.uploads.delete(clientId);
      this.outbox.failUpload(clientId, pictureError(code), !final);
    }
  }
}
