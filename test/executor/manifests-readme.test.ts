// The README's feature-to-rule table (issue 14, point 2) says what engineRbacRules grants: each feature's row
// names exactly the rules that feature adds on its own, and every feature has a row.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { DEFAULT_ENGINE_FEATURES, ENGINE_FEATURES, engineRbacRules } from "../../src/executor/manifests.js";

function tableRows(readme: string): Map<string, string> {
  const start = readme.indexOf("| Feature | Rule | Needed for |");
  assert.ok(start >= 0, "README has the feature table");
  const rows = new Map<string, string>();
  for (const line of readme.slice(start).split("\n").slice(2)) {
    if (!line.startsWith("|")) break;
    const [, feature, rule] = line.split("|").map((c) => c.trim());
    rows.set(feature!.replace(/`/g, ""), rule!);
  }
  return rows;
}

describe("README: deploying an engine", () => {
  const readme = readFileSync("README.md", "utf8");

  it("the feature table lists every feature with the rules it adds alone", () => {
    const rows = tableRows(readme);
    assert.deepEqual([...rows.keys()], [...ENGINE_FEATURES]);
    for (const f of ENGINE_FEATURES) {
      const [core, ...own] = engineRbacRules([f]);
      assert.equal(core!.feature, "resolve");
      assert.equal(rows.get(f), own.map((r) => `${r.verbs.join(", ")} on ${r.resources.join(", ")}`).join("; "), `the ${f} row`);
    }
  });

  it("names the core rule and the default features as the generator has them", () => {
    const prose = readme.replace(/\s+/g, " ");
    const [core] = engineRbacRules([]);
    assert.match(prose, new RegExp(`The Role grants \`${core!.verbs.join(", ")}\` on ${core!.resources.slice(0, -1).join(", ")} and ${core!.resources.at(-1)}`));
    const left = ENGINE_FEATURES.filter((f) => !DEFAULT_ENGINE_FEATURES.includes(f));
    assert.match(prose, new RegExp(`every feature but \`${left.join("` and `")}\``));
  });
});
