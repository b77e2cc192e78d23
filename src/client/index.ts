/**
 * The generic Kubernetes resource client: `ResourceClient`, transport, errors,
 * watch/informer, the shared object cache, configuration and manifests.
 */

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
export { backoffDelay, sleep, type BackoffOptions } from "../core/backoff.js";
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
export { applyManifest, parseManifest, ManifestError, type ManifestOutcome, type ApplyManifestOptions, type ClientResolver } from "./apply-manifest.js";
export { SDK_VERSION } from "../core/version.js";
export type { ResourceDescriptor, PrinterColumn, ScaleSubresource } from "../core/descriptor.js";
export type { ObjectMeta, OwnerReference, ManagedFieldsEntry, ListMeta, KubernetesObject, KubernetesList, Status, StatusCause } from "../core/meta.js";
export { consoleLogger, silentLogger, levelFromEnv, type Logger, type LogLevel, type LogFields } from "../core/logger.js";
