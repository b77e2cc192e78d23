// ARK API keys (issue 11 §5, API-key auth parity): ark-api's Secret naming, its metadata annotation as
// Python reads and writes it, and bcrypt interop with the reference implementation. No cluster needed.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import bcrypt from "bcryptjs";
import { apiKeySecretName } from "ark-sdk";
import { formatApiKeyMetadata, formatPythonUtc, parseApiKeyMetadata } from "../../src/ark/api-keys.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/ark-api-keys/ark-api-secret.json", import.meta.url), "utf8")) as {
  publicKey: string;
  secretKey: string;
  secret: { metadata: { name: string; annotations: Record<string, string> }; stringData: Record<string, string> };
};

describe("apiKeySecretName (ark-api's _secret_name_from_public_key)", () => {
  it("follows ark-api's own test cases", () => {
    assert.equal(apiKeySecretName("pk-ark-abcd1234efgh5678"), "api-key-abcd1234efgh5678");
    assert.equal(apiKeySecretName("pk-ark-AbCd1234EfGh5678"), "api-key-abcd1234efgh5678");
    assert.equal(apiKeySecretName("pk-ark-test_key--with_underscores"), "api-key-test-key-with-underscores");
    assert.equal(apiKeySecretName("pk-ark--test-key-"), "api-key-test-key");
  });

  it("removes every pk-ark- (Python's str.replace), not only the prefix, and names the fixture's Secret", () => {
    assert.equal(apiKeySecretName("pk-ark-abpk-ark-cd"), "api-key-abcd");
    assert.equal(apiKeySecretName("__x__"), "api-key-x");
    assert.equal(apiKeySecretName(fixture.publicKey), fixture.secret.metadata.name);
  });
});

describe("parseApiKeyMetadata (ark-api's _parse_api_key_annotation)", () => {
  it("reads ark-api's annotation", () => {
    const metadata = parseApiKeyMetadata(fixture.secret.metadata.annotations["ark.mckinsey.com/api-key-metadata"]);
    assert.deepEqual(metadata, {
      name: "Interop fixture \u2603",
      createdAt: new Date("2026-11-30T08:15:42.123Z"),
      expiresAt: new Date("2099-01-01T00:00:00Z"),
      lastUsedAt: undefined,
      deletedAt: undefined,
      naiveExpiry: false,
    });
  });

  it("answers name 'Unknown' and no times for unreadable JSON or a non-object, as ark-api", () => {
    const unknown = { name: "Unknown", createdAt: undefined, expiresAt: undefined, lastUsedAt: undefined, deletedAt: undefined, naiveExpiry: false };
    for (const text of [undefined, "", "{", "[]", "null", "42", '"x"', "{}"]) assert.deepEqual(parseApiKeyMetadata(text), unknown, String(text));
    assert.equal(parseApiKeyMetadata('{"name": 7}').name, "Unknown");
  });

  it("reads times as datetime.fromisoformat does, and drops what it cannot read", () => {
    const at = (value: unknown) => parseApiKeyMetadata(JSON.stringify({ name: "k", createdAt: value })).createdAt?.toISOString();
    assert.equal(at("2026-01-02T03:04:05Z"), "2026-01-02T03:04:05.000Z");
    assert.equal(at("2026-01-02T03:04:05.678000+00:00"), "2026-01-02T03:04:05.678Z");
    assert.equal(at("2026-01-02T03:04:05.1+02:00"), "2026-01-02T01:04:05.100Z");
    assert.equal(at("2026-01-02T03:04:05.1234567-01:30"), "2026-01-02T04:34:05.123Z", "fractions beyond microseconds are cut");
    assert.equal(at("2026-01-02 03:04"), "2026-01-02T03:04:00.000Z");
    assert.equal(at("2026-01-02"), "2026-01-02T00:00:00.000Z");
    for (const bad of ["", "invalid", null, 0, 5, true, {}, "2026-02-30T00:00:00+00:00", "2026-01-02T24:00:00+00:00", "2026-13-01", "2026-01-02T03:04:05+24:00"]) {
      assert.equal(at(bad), undefined, JSON.stringify(bad));
    }
  });

  it("marks an expiry without UTC offset (Python cannot compare it with now, so ark-api refuses the key)", () => {
    assert.equal(parseApiKeyMetadata('{"name": "k", "expiresAt": "2099-01-01T00:00:00"}').naiveExpiry, true);
    assert.equal(parseApiKeyMetadata('{"name": "k", "expiresAt": "2099-01-01T00:00:00+00:00"}').naiveExpiry, false);
  });
});

describe("formatApiKeyMetadata (as ark-api writes the annotation)", () => {
  it("writes Python's json.dumps of datetime.isoformat() times, byte for byte", () => {
    // Both strings were printed by Python 3.11: json.dumps({...}) and datetime(...).isoformat().
    assert.equal(
      formatApiKeyMetadata({ name: "caf\u00e9 \u2603 \x7f \u2028 \u{1F600}", createdAt: new Date("2026-01-02T03:04:05.678Z") }),
      '{"name": "caf\\u00e9 \\u2603 \\u007f \\u2028 \\ud83d\\ude00", "createdAt": "2026-01-02T03:04:05.678000+00:00"}',
    );
    assert.equal(formatPythonUtc(new Date("2026-01-02T03:04:05Z")), "2026-01-02T03:04:05+00:00");
    const annotation = fixture.secret.metadata.annotations["ark.mckinsey.com/api-key-metadata"];
    assert.equal(
      formatApiKeyMetadata({ name: "Interop fixture \u2603", createdAt: new Date("2026-11-30T08:15:42.123Z"), expiresAt: new Date("2099-01-01T00:00:00Z") }),
      annotation?.replace(".123456", ".123000"),
    );
  });

  it("writes the optional times in ark-api's order, only when set", () => {
    const date = new Date("2026-01-01T00:00:00Z");
    assert.equal(
      formatApiKeyMetadata({ name: "k", createdAt: date, deletedAt: date, lastUsedAt: date }),
      '{"name": "k", "createdAt": "2026-01-01T00:00:00+00:00", "lastUsedAt": "2026-01-01T00:00:00+00:00", "deletedAt": "2026-01-01T00:00:00+00:00"}',
    );
  });
});

describe("bcrypt interop (bcryptjs against pyca/bcrypt)", () => {
  it("accepts pyca/bcrypt's standard $2b$ vector and the fixture's cost-12 hash made by ark-api's rules", async () => {
    assert.equal(await bcrypt.compare("Kk4DQuMMfZL9o", "$2b$04$cVWp4XaNU8a4v1uMRum2SO026BWLIoQMD/TXg5uZV.0P.uO8m3YEm"), true);
    const hash = Buffer.from(fixture.secret.stringData["secret_key_hash"] ?? "", "base64").toString("utf8");
    assert.match(hash, /^\$2b\$12\$/);
    assert.equal(await bcrypt.compare(fixture.secretKey, hash), true);
    assert.equal(await bcrypt.compare(`${fixture.secretKey}x`, hash), false);
  });
});
