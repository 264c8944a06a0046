// The review states of an image, with no imports: the server's review actions and the studio's
// buttons (in the browser) read the same lists.

/**
 * An image's review states. The merchant approves from pending, rejected or failed; rejects up to
 * and including "upscaling" (the chain is stopped: its waiting jobs are removed, and a running
 * upscale or a publish that starts after the rejection sees the state and stops without uploading
 * or charging). Once "publishing" the image may already be on the product: no rejection then.
 */
export const APPROVABLE_STATES: string[] = ["pending", "rejected", "failed"];
export const REJECTABLE_STATES: string[] = ["pending", "approved", "upscaling", "failed"];
/** The states in which the upscale → publish chain may go on working on an image. */
export const PUBLISHABLE_STATES: string[] = ["approved", "upscaling", "publishing"];
