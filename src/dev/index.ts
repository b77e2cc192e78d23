/**
 * Development stand-ins for the parts of ARK a local run needs: the dispatcher
 * (the part of ARK's controller that sends Queries to engines) and the broker
 * (streaming and memory). Exported from `ark-sdk/testing`; not a replacement
 * for ARK. Engines find the local broker and other loopback services through
 * `loopbackServiceUrl` from `ark-sdk`.
 */
export { startLocalBroker, type LocalBroker, type LocalBrokerOptions, type StoredMessage } from "./local-broker.js";
export { DISPATCHER_ARK_VERSION, startDispatcher, type QueryDispatcher, type DispatcherOptions, type DispatchRecord, type DispatcherStats } from "./dispatcher.js";
export { DispatchError } from "./dispatcher-errors.js";
