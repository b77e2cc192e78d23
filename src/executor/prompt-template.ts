/**
 * Parameter substitution in prompts and query inputs. ARK writes parameters
 * as Go template fields (`{{.name}}`, spaces allowed); engines built with the
 * Python SDK also substitute `{name}`. Only declared names are replaced, so
 * JSON or code in a prompt is left alone.
 */

import type { ResolvedParameter } from "./types.js";

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// Agents are resolved over and over with the same parameter names: compile each set once.
const patterns = new Map<string, RegExp>();

function patternFor(names: string[]): RegExp {
  const key = names.join("\u0000");
  let pattern = patterns.get(key);
  if (!pattern) {
    const alternatives = names.map(escapeRegExp).join("|");
    pattern = new RegExp(`\\{\\{-?\\s*\\.(${alternatives})\\s*-?\\}\\}|\\{(${alternatives})\\}`, "g");
    if (patterns.size >= 256) patterns.clear();
    patterns.set(key, pattern);
  }
  pattern.lastIndex = 0;
  return pattern;
}

/**
 * Replaces `{{.name}}`, `{{ .name }}` and `{name}` for every given parameter.
 * Unknown names stay as written.
 */
export function renderTemplate(template: string, parameters: readonly ResolvedParameter[]): string {
  if (parameters.length === 0 || !template.includes("{")) return template;
  const values = new Map(parameters.map((p) => [p.name, p.value]));
  const pattern = patternFor([...values.keys()]);
  return template.replace(pattern, (whole, goName: string | undefined, pyName: string | undefined) => values.get(goName ?? pyName ?? "") ?? whole);
}
