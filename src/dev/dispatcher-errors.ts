/**
 * Why the dispatcher could not run a Query. The message is written to the
 * Query's `status.response.content` (and the `Completed` condition), so it
 * must tell the user what to do.
 */

import { ArkSdkError } from "../core/errors.js";

/** A Query the dispatcher cannot run, with a message for the user. */
export class DispatchError extends ArkSdkError {}
