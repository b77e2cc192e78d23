/** The generator's one error type: says which input, kind, version and schema path is at fault. */

import { ArkSdkError } from "../core/errors.js";

/** Where in the input a problem lies. */
export interface GeneratorErrorLocation {
  /** The input file (or `cluster:<context>`), with the YAML document index when a file holds several. */
  file?: string;
  kind?: string;
  version?: string;
  /** JSONPath into the object the schema describes, e.g. `$.spec.tools[*].type`. */
  path?: string;
}

/** Bad generator input: not a CRD, not structural, unsupported schema construct, clashing names. */
export class GeneratorError extends ArkSdkError {
  readonly location: GeneratorErrorLocation;

  constructor(location: GeneratorErrorLocation, problem: string) {
    super(`${describeLocation(location)}${problem}`);
    this.location = location;
  }
}

/** `file: Kind version at $.path: ` (the parts that are known). */
function describeLocation(location: GeneratorErrorLocation): string {
  const parts: string[] = [];
  if (location.file) parts.push(location.file);
  const what = [location.kind, location.version].filter(Boolean).join(" ");
  if (what) parts.push(what);
  if (location.path) parts.push(`at ${location.path}`);
  return parts.length > 0 ? `${parts.join(": ")}: ` : "";
}
