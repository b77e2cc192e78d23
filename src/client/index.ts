/**
 * The resource client: `ArkClient` and its typed per-kind clients, the
 * generic `ResourceClient`, errors, watch/informer, configuration, and the
 * secret/configuration stores with ARK's label and annotation helpers.
 */

export { ArkClient, ArkClientV1alpha1, ArkClientV1prealpha1, type ArkClientOptions, type FromEnvOptions, type CoreClients, type SharedClientState } from "./ark-client.js";
export {
  ResourceClient, formatLabelSelector,
  type ResourceClientOptions, type Validator, type DeepPartial, type MergePatch, type NewObject, type ApplyObject,
} from "./resource-client.js";
export type {
  CallOptions, WriteOptions, ListOptions, ListPageOptions, ListPage, PatchType, PatchOptions, JsonPatchOperation, ApplyOptions,
  DeleteOptions, WatchOptions, WaitOptions, LabelSelectorInput,
} from "./options.js";
export { Informer, stripManagedFields, type InformerHandlers, type InformerOptions } from "./informer.js";
export { objectKey, type WatchEvent, type WatchEventType, type BookmarkObject } from "./watch.js";
export { retryOnConflict, type RetryOnConflictOptions } from "./retry-on-conflict.js";
export { backoffDelay, sleep, type BackoffOptions } from "./backoff.js";
export {
  ArkSdkError, ArgumentError, ConfigError, ApiError, NotFoundError, AlreadyExistsError, ConflictError, GoneError, BadRequestError,
  UnauthorizedError, ForbiddenError, ServerError, InvalidError, TooManyRequestsError, TimeoutError, ConnectionError, ValidationError,
  decodeApiError, errorFromStatus, parseRetryAfter,
  isApiError, isNotFound, isAlreadyExists, isConflict, isGone, isInvalid, isForbidden, isUnauthorized, isTooManyRequests, isTimeout,
  isServerError, isConnectionError, isValidationError,
  type InvalidCause, type RequestContext,
} from "./errors.js";
export { Transport, type TransportOptions, type Impersonation, type RetryOptions, type HttpRequest, type StreamRequest, type QueryParams } from "./transport.js";
export { KubeCredentials, type CredentialSnapshot, type TlsIdentity } from "./credentials.js";
export { sharedPoolCount, type PoolOptions } from "./connection-pool.js";
export { loadConfig, resolveNamespace, SERVICE_ACCOUNT_DIR, type LoadConfigOptions, type LoadedConfig } from "./config.js";
export { collectionPath, objectPath } from "./paths.js";
export {
  secretDescriptor, configMapDescriptor, serviceDescriptor, namespaceDescriptor,
  type Secret, type ConfigMap, type Service, type ServicePort, type Namespace,
} from "./core-kinds.js";
export {
  SecretClient, validateAndEncodeToken, calculateSecretLength,
  type SecretSummary, type SecretInfo, type SecretDetail, type SecretMetadataInput,
} from "./secrets.js";
export { ConfigurationClient, CONFIGURATION_DATA_KEY, buildLabelsAndAnnotations, type Configuration, type ConfigurationMetadataInput } from "./configurations.js";
export {
  ARK_DOMAIN, ARK_ANNOTATION_PREFIX, ARK_RESOURCE_TYPE_ANNOTATION, CONFIGURATION_RESOURCE_TYPE, DESCRIPTION_ANNOTATION, ALIAS_ANNOTATION,
  STREAMING_SUPPORTED_ANNOTATION, filterArkAnnotations,
} from "./annotations.js";
export {
  ARK_LABEL_PREFIX, ARK_TAG_LABEL_PREFIX, TAG_PATTERN, LEGACY_TAG_PATTERN, TAG_MAX_LENGTH,
  validateTag, validateLegacyTag, validateUpdatedTags, tagsToLabels, labelsToTags, stripTagLabels,
} from "./labels.js";
export { applyManifest, parseManifest, ManifestError, type ManifestOutcome, type ApplyManifestOptions, type ClientResolver } from "./apply-manifest.js";
export { SDK_VERSION } from "./version.js";
export type { ResourceDescriptor, PrinterColumn, ScaleSubresource } from "./descriptor.js";
export type { ObjectMeta, OwnerReference, ManagedFieldsEntry, ListMeta, KubernetesObject, KubernetesList, Status, StatusCause } from "./meta.js";
export { consoleLogger, silentLogger, levelFromEnv, type Logger, type LogLevel, type LogFields } from "./logger.js";
export {
  QueryClient, type QueryWaitOptions, type QueryRunOptions, type QueryStreamOptions,
} from "./query-client.js";
export { buildQuery, normalizeTimeout, STREAMING_ENABLED_ANNOTATION, type QueryRunRequest, type QueryTargetType } from "./query-request.js";
export { readQueryResult, type QueryResult, type QueryRawMessage } from "./query-result.js";
export { QueryFailedError, QueryCanceledError, QueryTimeoutError, QueryDeletedError, type QueryCancelReason } from "./query-errors.js";
export { QUERY_PHASE_MEANINGS, TERMINAL_QUERY_PHASES, queryPhase, isQueryTerminal, isQuerySettled, type QueryPhase } from "./query-phases.js";
export { BrokerStreamError, ChunkReader, readBrokerStream, type QueryStreamEvent } from "./query-stream.js";
export { discoverBrokerUrl, type BrokerLookupClients } from "./query-broker.js";
export { A2ATaskClient, ApprovalStateError, approvalDecisionOf, type ApprovalDecision } from "./a2a-task-client.js";
