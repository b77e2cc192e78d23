import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { clusterServiceUrl, loopbackServiceUrl, serviceUrlFromEnv } from "ark-sdk";

describe("Service URL mapping from the environment", () => {
  const address = { name: "ark-broker", namespace: "team-a", port: 8080, path: "/stream" };

  it("uses cluster DNS unless told otherwise", () => {
    assert.equal(serviceUrlFromEnv({}), clusterServiceUrl);
    assert.equal(serviceUrlFromEnv({ ARK_SDK_SERVICE_URLS: "cluster" })(address), "http://ark-broker.team-a.svc.cluster.local:8080/stream");
  });

  it("maps Services to loopback for engines run against ark-sdk dev", () => {
    assert.equal(serviceUrlFromEnv({ ARK_SDK_SERVICE_URLS: " Loopback " }), loopbackServiceUrl);
    assert.equal(loopbackServiceUrl(address), "http://127.0.0.1:8080/stream");
  });

  it("names the variable when its value is unknown", () => {
    assert.throws(() => serviceUrlFromEnv({ ARK_SDK_SERVICE_URLS: "dns" }), /ARK_SDK_SERVICE_URLS must be "cluster" or "loopback", got "dns"/);
  });
});
