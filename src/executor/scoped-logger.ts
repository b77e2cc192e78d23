/**
 * A logger that adds fixed fields (query, namespace, task) to every line, so
 * an engine's logs can be told apart when executions run concurrently.
 */

import type { LogFields, Logger } from "../core/logger.js";

/** `base` with `fields` merged into every entry (entry fields win). */
export function scopedLogger(base: Logger, fields: LogFields): Logger {
  const merge = (extra?: LogFields) => (extra ? { ...fields, ...extra } : fields);
  return {
    debug: (message, extra) => base.debug(message, merge(extra)),
    info: (message, extra) => base.info(message, merge(extra)),
    warn: (message, extra) => base.warn(message, merge(extra)),
    error: (message, extra) => base.error(message, merge(extra)),
  };
}
