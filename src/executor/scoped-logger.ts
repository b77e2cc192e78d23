/**
 * A logger that adds fixed fields (query, namespace, task) to every line, so
 * an engine's logs can be told apart when executions run concurrently.
 */

import { escapeLogText, type LogFields, type Logger } from "../core/logger.js";

/** `base` with `fields` merged into every entry (entry fields win). */
export function scopedLogger(base: Logger, fields: LogFields): Logger {
  const merge = (extra?: LogFields) => (extra ? { ...fields, ...extra } : fields);
  return {
    debug: (message, extra) => base.debug(message, merge(extra)),
    info: (message, extra) => base.info(message, merge(extra)),
    warn: (message, extra) => base.warn(message, merge(extra)),
    error: (message, extra) => base.error(message, merge(extra)),
    ...(base.isEnabled ? { isEnabled: base.isEnabled.bind(base) } : {}),
  };
}

/**
 * `base` with control characters escaped in every message: executor log lines
 * carry values from requests (QueryRef names, ids, engine errors echoing
 * input), which must not be able to forge lines. Fields are the logger's to
 * encode (as JSON, for `consoleLogger`).
 */
export function escapingLogger(base: Logger): Logger {
  return {
    debug: (message, fields) => base.debug(escapeLogText(message), fields),
    info: (message, fields) => base.info(escapeLogText(message), fields),
    warn: (message, fields) => base.warn(escapeLogText(message), fields),
    error: (message, fields) => base.error(escapeLogText(message), fields),
    ...(base.isEnabled ? { isEnabled: base.isEnabled.bind(base) } : {}),
  };
}
