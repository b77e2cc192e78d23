// Check ARK objects against their kind's schema before sending them: every
// problem comes back at once, with the path and the rule it broke, exactly
// where the API server would complain (or silently drop a field).
// Run: node --import tsx examples/validate-agent.ts
import { isAgent, validateAgent, validateObject, type Agent } from "ark-sdk";
import { parse } from "yaml";

const agent: Agent = {
  apiVersion: "ark.mckinsey.com/v1alpha1",
  kind: "Agent",
  metadata: { name: "weather-agent" },
  spec: {
    prompt: "You are a weather assistant for {{.city}}.",
    modelRef: { name: "default" },
    parameters: [{ name: "city", value: "Berlin" }],
    tools: [{ type: "mcp", name: "get-forecast" }],
  },
};
console.log(`typed agent: ${validateAgent(agent).length} problems`);

// Objects from YAML are `unknown` until checked: validateObject picks the schema by apiVersion and kind.
const manifest: unknown = parse(`
apiVersion: ark.mckinsey.com/v1alpha1
kind: Agent
metadata:
  name: Weather_Agent
spec:
  promt: You are helpful.   # typo: the API server would drop this field silently
  modelRef: {}
  tools:
    - type: mcp-server
`);
console.log(`manifest is an Agent: ${isAgent(manifest)}`);
for (const problem of validateObject(manifest)) {
  console.log(`  ${problem.path}: ${problem.message} [${problem.rule}]`);
}

// An object written by a newer ARK (a field this SDK's schema lacks) can still be written back.
const newer = { ...agent, spec: { ...agent.spec, reasoningEffort: "high" } };
console.log(`newer agent, strict: ${validateObject(newer).map((p) => `${p.path} [${p.rule}]`).join(", ")}`);
console.log(`newer agent, unknownFields ignored: ${validateObject(newer, { unknownFields: "ignore" }).length} problems`);
