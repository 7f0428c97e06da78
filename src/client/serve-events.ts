/**
 * Reading Decoy's facts out of a serve event. They travel in WireMock's `subEvents` list, the one place
 * in WireMock's model that WireMock's own strict clients accept open-ended data, so they are picked out
 * here by type.
 */
import type { AppliedFault, ServeEvent } from './types.js';

/** The delays, faults, error responses and chaos rules applied to a request, in the order applied (empty when none). */
export function appliedFaults(event: Pick<ServeEvent, 'subEvents'>): AppliedFault[] {
  return (event.subEvents ?? []).filter((s) => s.type === 'decoy.fault').map((s) => s.data as unknown as AppliedFault);
}

/** The upstream base URL a request was proxied to, when it was. */
export function proxiedTo(event: Pick<ServeEvent, 'subEvents'>): string | undefined {
  const data = (event.subEvents ?? []).find((s) => s.type === 'decoy.proxied')?.data;
  return typeof data?.proxiedTo === 'string' ? data.proxiedTo : undefined;
}

/** The reason phrase sent with the status, when the stub set one (`statusMessage`). */
export function statusMessage(event: Pick<ServeEvent, 'subEvents'>): string | undefined {
  const data = (event.subEvents ?? []).find((s) => s.type === 'decoy.statusMessage')?.data;
  return typeof data?.statusMessage === 'string' ? data.statusMessage : undefined;
}
