/**
 * A delivery plan: what the transport does for one request, worked out by the engine from the
 * stub's response, its chaos entries, the global delay and the run-time chaos rules.
 */
import type { ChaosAction } from './chaos-action.js';
import type { AppliedFault, FaultName } from './fault.js';
import type { Random } from './random.js';
import type { WireResponse } from '../response/wire-response.js';

export interface DeliveryPlan {
  response: WireResponse;
  /** Milliseconds to wait before anything is sent. */
  delayMs: number;
  fault: FaultName | undefined;
  dribble: { chunks: number; totalMs: number } | undefined;
  bytesPerSecond: number | undefined;
  applied: AppliedFault[];
}

/** Applies a chaos action (of a stub's chaos entry or of a rule) to a plan. */
export function applyAction(plan: DeliveryPlan, action: ChaosAction, random: Random, source: AppliedFault['source'], ruleId?: string): void {
  const tag = ruleId === undefined ? `(${source === 'stub-chaos' ? 'the stub\'s chaos entry' : source})` : `(chaos rule ${ruleId})`;
  const base = ruleId === undefined ? { source } : { source, ruleId };
  switch (action.kind) {
    case 'delay': {
      const ms = action.delay.sample(random);
      plan.delayMs += ms;
      plan.applied.push({ ...base, action: 'delay', description: `a ${Math.round(ms)} ms delay ${tag}` });
      return;
    }
    case 'fault':
      plan.fault = action.fault;
      plan.applied.push({ ...base, action: 'fault', fault: action.fault, description: `fault ${action.fault} ${tag}` });
      return;
    case 'graphql-fields': {
      // The fields fail in the answer the request gets; an answer that is not GraphQL data is replaced whole.
      const body = action.failures.apply(plan.response.body);
      if (body === undefined) {
        plan.response = action.fallback;
      } else {
        const headers = [...plan.response.headers];
        for (let i = 0; i < headers.length; i += 2) if (headers[i]!.toLowerCase() === 'content-length') headers[i + 1] = String(body.length);
        plan.response = { ...plan.response, headers, body };
      }
      plan.applied.push({ ...base, action: 'status', description: `GraphQL errors on ${action.failures.paths.join(', ')} ${tag}` });
      return;
    }
    case 'status':
      // An error response replaces the stub's, and what the stub would have done to its body.
      plan.response = action.response;
      plan.fault = undefined;
      plan.dribble = undefined;
      plan.bytesPerSecond = undefined;
      plan.applied.push({ ...base, action: 'status', description: `error response ${action.response.status} ${tag}` });
  }
}
