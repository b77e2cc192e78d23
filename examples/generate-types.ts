// Generate typed kinds from CRDs, as `ark-sdk generate` does for users whose
// ARK (or whose own operator) is newer than this SDK. Here: one small CRD
// written to a temporary folder, generated into TypeScript next to it.
// Run: node --import tsx examples/generate-types.ts
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/main.js";

const dir = await mkdtemp(join(tmpdir(), "ark-sdk-generate-"));
try {
  await writeFile(
    join(dir, "widgets.yaml"),
    `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, listKind: WidgetList, plural: widgets, singular: widget}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      subresources: {status: {}}
      additionalPrinterColumns:
        - {name: Size, type: integer, jsonPath: .spec.size}
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              required: [size]
              properties:
                size: {type: integer, minimum: 1, description: How big the widget is}
                color: {type: string, enum: [red, green], default: red}
                port: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
                modelRef:
                  type: object
                  required: [name]
                  properties: {name: {type: string}}
            status:
              type: object
              properties:
                phase: {type: string}
`,
  );
  // The same as: ark-sdk generate --crds widgets.yaml --out generated
  const code = await main(["generate", "--crds", join(dir, "widgets.yaml"), "--out", join(dir, "generated")]);
  if (code !== 0) throw new Error(`ark-sdk generate exited with ${code}`);
  console.log(`files: ${(await readdir(join(dir, "generated"))).sort().join(", ")}`);
  const widget = await readFile(join(dir, "generated", "widget.ts"), "utf8");
  // Show the generated spec type: named, required honoured, enum open, int-or-string typed.
  console.log(/export interface WidgetSpec \{[\s\S]*?\n\}/.exec(widget)?.[0]);
} finally {
  await rm(dir, { recursive: true, force: true });
}
