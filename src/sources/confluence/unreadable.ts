/**
 * A read of one item a listing named (a page's labels, a comment's versions, a page read by id) that
 * the API refuses (403) or no longer finds (404): the item is recorded as skipped — counted and named
 * in the run record — rather than failing the sync or being dropped in silence.
 */
import type { StreamContext } from "../connector/connector.js";
import { sourceErrorWhere } from "../connector/source-error.js";

/** `what` names the part read, in words: "the page", "its labels", "its versions". */
export async function readListed<T>(ctx: StreamContext, entity: string, id: string, what: string, read: () => Promise<T>): Promise<{ value: T } | undefined> {
  try {
    return { value: await read() };
  } catch (error) {
    const status = sourceErrorWhere(error).status;
    if (status === 403) ctx.skip(entity, `listed, but the token may not read ${what} (403)`, [id]);
    else if (status === 404) ctx.skip(entity, `listed, but ${what} answered 404 (deleted or restricted since it was listed)`, [id]);
    else throw error;
    return undefined;
  }
}
