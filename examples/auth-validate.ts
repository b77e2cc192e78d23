// Validate bearer tokens the way an ARK service does. A local OIDC issuer
// stands in for Keycloak / Entra ID / Okta; in a cluster you would only set
// OIDC_ISSUER_URL and OIDC_APPLICATION_ID and call TokenValidator.fromEnv().
// Run: node --import tsx examples/auth-validate.ts
import { AuthenticationError, TokenValidator } from "ark-sdk/auth";
import { startLocalOidcIssuer } from "../src/testing/local-oidc-issuer.js";

const idp = await startLocalOidcIssuer({ audience: "my-engine" });
try {
  const validator = TokenValidator.fromEnv({
    env: {
      OIDC_ISSUER_URL: idp.issuer, // discovery finds the JWKS
      OIDC_APPLICATION_ID: "my-engine, ark-dashboard", // one or many audiences
    },
  });
  await validator.warmUp(); // optional: fail at start-up if the issuer is unreachable

  const claims = await validator.validate(await idp.sign({ sub: "alice", groups: ["ark-admins"] }));
  console.log(`valid: sub=${claims.sub} groups=${JSON.stringify(claims.groups)}`);

  const refused: [string, Promise<string>][] = [
    ["expired", idp.sign({}, { expiresInMs: -3_600_000 })],
    ["wrong audience", idp.sign({ aud: "someone-else" })],
    ["garbage", Promise.resolve("not-a-jwt")],
  ];
  for (const [label, token] of refused) {
    try {
      await validator.validate(await token);
      console.log(`${label}: ACCEPTED (unexpected)`);
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      // `message` is safe to send back to the caller; `details` is for your logs.
      console.log(`${label}: ${error.name}: ${error.message}`);
    }
  }
} finally {
  await idp.close();
}
