/**
 * `value` without its properties whose value is `undefined`, so that
 * `{ ...defaults, ...definedProps(options) }` keeps a default where an option
 * is given as `undefined` (optional options are typed `| undefined`).
 */
export function definedProps<T extends object>(value: T | undefined): Partial<T> {
  const out: Partial<T> = {};
  if (value === undefined) return out;
  for (const [key, v] of Object.entries(value)) if (v !== undefined) (out as Record<string, unknown>)[key] = v;
  return out;
}
