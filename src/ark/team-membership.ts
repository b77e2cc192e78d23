/**
 * Authorising a sub-target: a caller may ask the engine to run a team member
 * instead of the Query's own target, but only a member (or the selector
 * agent) of the team the Query targets, directly or through nested teams.
 * Otherwise anyone able to reach the engine could run any agent.
 */

import { QueryResolutionError } from "./errors.js";
import { SDK_VERSION } from "../core/version.js";

/** A team as far as membership goes. */
export interface TeamShape {
  spec?: { members?: { name?: string; type?: string }[]; selector?: { agent?: string } };
}

/** Reads a team by name (`undefined` when absent). */
export type TeamReader = (name: string) => Promise<TeamShape | undefined>;

/**
 * Whether `agent` is reachable from `team`: as its selector agent or an
 * agent member, searching member teams breadth-first (cycles end the search).
 */
export async function teamReachesAgent(readTeam: TeamReader, team: string, agent: string): Promise<boolean> {
  const visited = new Set<string>();
  const queue = [team];
  for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
    if (visited.has(next)) continue;
    visited.add(next);
    const found = await readTeam(next);
    if (!found) continue;
    if (found.spec?.selector?.agent === agent) return true;
    for (const member of found.spec?.members ?? []) {
      if (member.type === "agent" && member.name === agent) return true;
      if (member.type === "team" && member.name && !visited.has(member.name)) queue.push(member.name);
    }
  }
  return false;
}

/**
 * Throws unless the Query (declared target `declared`, `undefined` for a
 * selector query) may delegate to `agent`.
 * @throws QueryResolutionError with reason `Unauthorized`
 */
export async function authorizeOverride(
  readTeam: TeamReader,
  query: string,
  declared: { type?: string; name?: string } | undefined,
  agent: string,
): Promise<void> {
  const prefix = `Target override to agent '${agent}' on query '${query}'`;
  if (!declared?.type || !declared.name) {
    throw new QueryResolutionError(
      `${prefix} cannot be authorised as a sub-target: a query that resolves its target by selector cannot delegate to a team member in ark-sdk ${SDK_VERSION}`,
      "Unauthorized",
    );
  }
  if (declared.type !== "team") {
    throw new QueryResolutionError(`${prefix} cannot be authorised: the query targets ${declared.type} '${declared.name}'; only team targets may delegate`, "Unauthorized");
  }
  if (!(await teamReachesAgent(readTeam, declared.name, agent))) {
    throw new QueryResolutionError(`Agent '${agent}' is not a member or selector of team '${declared.name}' targeted by query '${query}'`, "Unauthorized");
  }
}
