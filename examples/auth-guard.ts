// Put bearerAuth in front of any fetch-style handler (Request -> Response).
// /health and the agent card stay open; everything else needs a valid token.
// Run: node --import tsx examples/auth-guard.ts
import { bearerAuth, TokenValidator, withGuard } from "ark-sdk/auth";
import { startLocalOidcIssuer } from "../src/testing/local-oidc-issuer.js";

const idp = await startLocalOidcIssuer({ audience: "my-service" });
try {
  const validator = new TokenValidator({ issuer: idp.issuer, audience: "my-service" });
  const handle = withGuard(bearerAuth(validator), (request, claims) =>
    Response.json({ path: new URL(request.url).pathname, caller: claims?.sub ?? "anonymous" }),
  );

  const token = await idp.sign({ sub: "engine-client" });
  const calls: [string, Record<string, string>][] = [
    ["/health", {}],
    ["/private", {}],
    ["/private", { authorization: "Basic dXNlcjpwYXNz" }],
    ["/private", { authorization: `bearer ${token}` }],
  ];
  for (const [path, headers] of calls) {
    const response = await handle(new Request(`http://engine.local${path}`, { headers }));
    const challenge = response.headers.get("www-authenticate");
    console.log(`GET ${path} ${headers.authorization?.split(" ")[0] ?? "(no credentials)"} -> ${response.status} ${await response.text()}${challenge ? ` [${challenge}]` : ""}`);
  }
} finally {
  await idp.close();
}
