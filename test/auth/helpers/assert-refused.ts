// Asserts that a validator refuses a token with the right error class and safe
// message, and that neither the message nor the details repeat the token.
import assert from "node:assert/strict";
import type { AuthenticationError, TokenVerifier } from "../../../src/auth/index.js";

export async function assertRefused<E extends AuthenticationError>(
  validator: TokenVerifier,
  token: string,
  expected: abstract new (...args: never[]) => E,
  message: string | RegExp,
): Promise<E> {
  let caught: unknown;
  try {
    await validator.validate(token);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof expected, `expected ${expected.name}, got ${String(caught)}`);
  if (typeof message === "string") assert.equal(caught.message, message);
  else assert.match(caught.message, message);
  if (token.length > 20) {
    assert.ok(!caught.message.includes(token) && !(caught.details ?? "").includes(token), "the token leaked into the error");
  }
  return caught;
}
