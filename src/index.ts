/**
 * ark-sdk: the typed client of ARK (Agents at Scale ARK) resources, plus the
 * generated types, descriptors and validators of every ARK kind.
 */

export * from "./client/index.js";
export * from "./generated/index.js";
