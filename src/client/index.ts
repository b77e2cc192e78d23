/**
 * What the generic Kubernetes resource client contributes to the root entry
 * (`ark-sdk`): `ResourceClient`, its options, errors, watch/informer,
 * configuration loading and manifests. Transport, credentials, request paths
 * and the `Status` decoders stay internal.
 */

export { ResourceClient, type Validator, type DeepPartial, type MergePatch, type NewObject, type ApplyObject } from "./resource-client.js";
export type {
  CallOptions, WriteOptions, ListOptions, ListPageOptions, ListPage, PatchType, PatchOptions, JsonPatchOperation, ApplyOptions,
  DeleteOptions, WatchOptions, WaitOptions, LabelSelectorInput,
} from "./options.js";
export { Informer, stripManagedFields, type InformerHandlers, type InformerOptions } from "./informer.js";
export { objectKey, type WatchEvent, type WatchEventType, type BookmarkObject, type SyncedEvent } from "./watch.js";
export { retryOnConflict, type RetryOnConflictOptions } from "./retry-on-conflict.js";
export type { BackoffOptions } from "../core/backoff.js";
export {
  ArkSdkError, ArgumentError, ConfigError, ApiError, NotFoundError, AlreadyExistsError, ConflictError, GoneError, BadRequestError,
  UnauthorizedError, ForbiddenError, ServerError, InvalidError, TooManyRequestsError, ServerTimeoutError,
  TransportError, ConnectionError, TimeoutError, ClientClosedError, WaitTimeoutError, ValidationError, AmbiguousWriteError, RequestEntityTooLargeError,
  isApiError, isNotFound, isAlreadyExists, isConflict, isGone, isBadRequest, isInvalid, isForbidden, isUnauthorized, isTooManyRequests,
  isServerError, isTimeout, isTransportError, isConnectionError, isClientClosed, isValidationError, isAmbiguousWrite, isRequestEntityTooLarge,
  isRouteNotFound,
  type InvalidCause, type RequestContext, type ApiErrorInit, type TransportErrorInit,
} from "./errors.js";
export type { Impersonation, RetryOptions } from "./transport.js";
export type { PoolOptions } from "./connection-pool.js";
export { loadConfig, type LoadConfigOptions, type LoadedConfig } from "./config.js";
export {
  secretDescriptor, configMapDescriptor, serviceDescriptor, namespaceDescriptor,
  type Secret, type ConfigMap, type Service, type ServicePort, type Namespace,
} from "./core-kinds.js";
export { applyManifest, parseManifest, ManifestError, type ManifestOutcome, type ApplyManifestOptions, type ClientResolver } from "./apply-manifest.js";
export { SDK_VERSION, BUNDLED_ARK_VERSION } from "../core/version.js";
export { SchemaValidation, ClusterSchemas, ClusterSchemaError, VALIDATION_MODES, type ValidationMode, type SchemaCheck } from "./schema-validation.js";
export type { ResourceDescriptor, PrinterColumn, ScaleSubresource } from "../core/descriptor.js";
export type { ObjectMeta, OwnerReference, ManagedFieldsEntry, ListMeta, KubernetesObject, KubernetesList, Status, StatusCause } from "../core/meta.js";
export { consoleLogger, silentLogger, type Logger, type LogLevel, type LogFields } from "../core/logger.js";
