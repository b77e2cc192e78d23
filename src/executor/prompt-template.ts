/**
 * Parameter substitution in prompts and query inputs. ARK writes parameters
 * as Go template fields (`{{.name}}`, spaces allowed); engines built with the
 * Python SDK also substitute `{name}`. Only declared names are replaced, so
 * JSON or code in a prompt is left alone.
 */

import type { Parameter } from "./types.js";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Replaces `{{.name}}`, `{{ .name }}` and `{name}` for every given parameter.
 * Unknown names stay as written.
 */
export function renderTemplate(template: string, parameters: readonly Parameter[]): string {
  if (parameters.length === 0 || !template.includes("{")) return template;
  const values = new Map(parameters.map((p) => [p.name, p.value]));
  const names = [...values.keys()].map(escapeRegExp).join("|");
  const pattern = new RegExp(`\\{\\{-?\\s*\\.(${names})\\s*-?\\}\\}|\\{(${names})\\}`, "g");
  return template.replace(pattern, (whole, goName: string | undefined, pyName: string | undefined) => values.get(goName ?? pyName ?? "") ?? whole);
}
