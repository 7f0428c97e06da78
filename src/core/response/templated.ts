/**
 * Whether a response is templated, asked of every stub compiled. Kept apart from the templating itself
 * (template-response.ts), which the `decoy` command loads only when the first templated response is
 * compiled (docs/reference/performance.md#ready-spawn-to-the-first-served-request).
 */
import type { ResponseDefinition } from '../stub-definition.js';

/** WireMock's name for the transformer that turns templating on for one stub. */
export const RESPONSE_TEMPLATE_TRANSFORMER = 'response-template';

/** Whether a response is templated: WireMock's transformer named on it, or global templating. */
export function isTemplated(def: ResponseDefinition, globalTemplating: boolean | undefined): boolean {
  return globalTemplating === true || (Array.isArray(def.transformers) && def.transformers.includes(RESPONSE_TEMPLATE_TRANSFORMER));
}
