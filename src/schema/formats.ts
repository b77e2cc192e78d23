/**
 * String formats the API server checks on custom resources (kube-openapi's
 * `strfmt` registry), as regular expressions at least as permissive as the
 * server's: a client-side check must never refuse what the server accepts.
 * Formats not listed are not checked (the server ignores `int32`, `int64` and
 * any format it does not know).
 */

const UUID = "^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$";

/** Format name (without dashes, as the server normalises it) → pattern. */
const PATTERNS: Record<string, string> = {
  // A full date, `T` (either case), a time and a zone; the server's own pattern for the time part.
  datetime: "^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-2][0-9]:[0-5][0-9]:[0-5][0-9](.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})$",
  date: "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
  byte: "^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})?$",
  uuid: UUID,
  uuid3: UUID,
  uuid4: UUID,
  uuid5: UUID,
  hexcolor: "^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$",
};

/** The pattern checking `format`, or undefined when the format is not checked. */
export function formatPattern(format: string): string | undefined {
  return PATTERNS[format.replaceAll("-", "")];
}
