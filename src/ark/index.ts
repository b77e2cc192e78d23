/**
 * What ARK's domain contributes to the root entry (`ark-sdk`): `ArkClient`
 * with one typed client per kind, queries (run, wait, stream, cancel),
 * approvals, the secret and configuration stores, labels and annotations.
 * What only engines and the dispatcher use (value sources, service URLs,
 * broker discovery, status writing) stays internal or lives in
 * `ark-sdk/executor`.
 */

export { ArkClient, ArkClientBase, ArkClientV1alpha1, ArkClientV1prealpha1, type ArkClientOptions, type FromEnvOptions, type CoreClients, type KindClient, type KindClients } from "./ark-client.js";
export { SecretClient, type SecretSummary, type SecretInfo, type SecretDetail, type SecretMetadataInput } from "./secrets.js";
// API keys as ark-api stores them; the metadata codec (Python's json.dumps and isoformat) stays internal.
export {
  ApiKeyStore, apiKeySecretName, API_KEY_SECRET_TYPE, API_KEY_METADATA_ANNOTATION, PUBLIC_KEY_PREFIX, SECRET_KEY_PREFIX,
  DEFAULT_BCRYPT_ROUNDS, DEFAULT_LAST_USED_INTERVAL_MS,
  type ApiKeyInfo, type ApiKeyCreated, type ApiKeyCreateInput, type ApiKeyClaims, type ApiKeyStoreOptions,
} from "./api-keys.js";
export { ConfigurationClient, CONFIGURATION_DATA_KEY, type Configuration, type ConfigurationMetadataInput } from "./configurations.js";
export {
  ARK_DOMAIN, ARK_ANNOTATION_PREFIX, ARK_RESOURCE_TYPE_ANNOTATION, CONFIGURATION_RESOURCE_TYPE, DESCRIPTION_ANNOTATION, ALIAS_ANNOTATION,
  STREAMING_SUPPORTED_ANNOTATION, filterArkAnnotations,
} from "./annotations.js";
export {
  ARK_LABEL_PREFIX, ARK_TAG_LABEL_PREFIX, TAG_PATTERN, LEGACY_TAG_PATTERN, TAG_MAX_LENGTH,
  validateTag, validateLegacyTag, validateUpdatedTags, tagsToLabels, labelsToTags, stripTagLabels,
} from "./labels.js";
export { QueryClient, type QueryWaitOptions, type QueryRunOptions, type QueryStreamOptions } from "./query-client.js";
export { STREAMING_ENABLED_ANNOTATION, type QueryRunRequest, type QueryTargetType } from "./query-request.js";
export { readQueryResult, type QueryResult, type QueryRawMessage } from "./query-result.js";
export { QueryFailedError, QueryCanceledError, QueryTimeoutError, QueryDeletedError, type QueryCancelReason } from "./query-errors.js";
export { QUERY_PHASE_MEANINGS, TERMINAL_QUERY_PHASES, queryPhase, isQueryTerminal, isQuerySettled, type QueryPhase } from "./query-phases.js";
export { BrokerStreamError, type QueryStreamEvent } from "./query-stream.js";
export { A2ATaskClient, ApprovalStateError, approvalDecisionOf, approvalOutcomeOf, type ApprovalDecision, type ApprovalOutcome } from "./a2a-task-client.js";
// Service URLs: how clients (query streams) and engines (resolvers) reach in-cluster services such as the broker.
export { clusterServiceUrl, loopbackServiceUrl, type ServiceAddress, type ServiceUrlResolver } from "./value-source.js";
export {
  BROKER_URL_ENV, BrokerReachability, brokerUnreachableAdvice, resolveServiceUrls, SERVICE_URLS_ENV, serviceUrlFromEnv,
  type ServiceUrlMode, type ServiceUrlRuleOptions, type ServiceUrls,
} from "./service-urls.js";
