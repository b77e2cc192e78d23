/** JSON guards shared by every layer: the one plain-object check. */

/** Whether `value` is a non-null, non-array object (a JSON object). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Sets `record[key] = value` as an own data property. Plain assignment would
 * take a `__proto__` key (legal in JSON) as the object's prototype; this keeps
 * it as data, so a request body can never change what an object inherits.
 */
export function setOwn<T>(record: Record<string, T>, key: string, value: T): void {
  if (key === "__proto__") Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
  else record[key] = value;
}
