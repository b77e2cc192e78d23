/** JSON guards shared by every layer: the one plain-object check. */

/** Whether `value` is a non-null, non-array object (a JSON object). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
