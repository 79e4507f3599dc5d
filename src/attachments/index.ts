/** Attachments' bytes: `AttachmentBlobs` over the server's `<home>/attachments` blob store. */
export { AttachmentBlobs, attachmentsDirectory, openAttachmentBlobs } from "./attachment-blobs.js";
