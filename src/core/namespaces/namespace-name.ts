/**
 * What a namespace may be called. Names travel in a header, a URL path segment and (with a shared store)
 * in Redis key names, so they are short and plain: letters, digits, `.`, `_` and `-`, starting with a
 * letter or a digit (a CI job's id, a branch name with `/` replaced, a UUID all fit).
 */
import { DecoyError } from '../errors.js';

export const MAX_NAMESPACE_LENGTH = 64;

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Why `name` cannot name a namespace, as a sentence; undefined when it can. */
export function namespaceNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'the namespace name is empty';
  if (name.length > MAX_NAMESPACE_LENGTH) return `the namespace name is ${name.length} characters long; at most ${MAX_NAMESPACE_LENGTH} are allowed`;
  if (!NAME.test(name)) return `the namespace name ${JSON.stringify(name)} may hold only letters, digits, ".", "_" and "-", and must start with a letter or a digit`;
  return undefined;
}

/** Throws DECOY_ERR_NAMESPACE_INVALID, saying where the name came from, when `name` cannot name a namespace. */
export function checkNamespaceName(name: string, where: string): void {
  const problem = namespaceNameProblem(name);
  if (problem !== undefined) {
    throw new DecoyError('DECOY_ERR_NAMESPACE_INVALID', `${where}: ${problem}`, { hint: `e.g. run-42 or ci-1234.unit; at most ${MAX_NAMESPACE_LENGTH} characters of [A-Za-z0-9._-]` });
  }
}
