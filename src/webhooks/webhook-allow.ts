/**
 * `--webhook-allow`: the hosts and networks callbacks may go to, so that a shared Decoy cannot be turned
 * against other hosts by whoever can post a stub. An entry is a host name (`hooks.test`), a wildcard
 * for its subdomains (`*.test`), an address (`10.1.2.3`, `::1`) or a network in CIDR notation
 * (`10.0.0.0/8`). A host name that no name entry allows is resolved, and allowed when every address
 * it resolves to is in an allowed network.
 */
import { BlockList, isIP } from 'node:net';
import { DecoyError } from '../core/errors.js';

/** Whether a callback may go to a URL: undefined when it may, else why not. */
export type WebhookAllow = (url: string) => Promise<string | undefined>;

/** Compiles the entries; throws DecoyError naming the flag for an entry that is neither a host nor a network. */
export function compileWebhookAllow(entries: readonly string[]): WebhookAllow {
  const names = new Set<string>();
  const suffixes: string[] = [];
  const networks = new BlockList();
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase();
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    if (family !== 0) {
      const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
      if (extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
        throw new DecoyError('DECOY_ERR_OPTION_INVALID', `--webhook-allow ${JSON.stringify(raw)} is not a network: the prefix must be 0 to ${family === 4 ? 32 : 128}`);
      }
      networks.addSubnet(address!, prefix, family === 4 ? 'ipv4' : 'ipv6');
    } else if (/^\*\.[a-z0-9.-]+$/.test(entry)) {
      suffixes.push(entry.slice(1));
    } else if (/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/.test(entry)) {
      names.add(entry);
    } else {
      throw new DecoyError('DECOY_ERR_OPTION_INVALID', `--webhook-allow ${JSON.stringify(raw)} is neither a host name (hooks.test, *.test), an address (10.1.2.3) nor a network (10.0.0.0/8)`);
    }
  }
  const inNetworks = (address: string): boolean => networks.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
  return async (url) => {
    let host: string;
    try {
      host = new URL(url).hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
    } catch {
      return `${url} is not a URL`;
    }
    if (names.has(host) || suffixes.some((s) => host.endsWith(s))) return undefined;
    if (isIP(host) !== 0) return inNetworks(host) ? undefined : `${host} is not in --webhook-allow`;
    let addresses: Array<{ address: string }>;
    try {
      // node:dns/promises is loaded by the first name to resolve, not at start (some 2 ms of CPU before the first request).
      addresses = await process.getBuiltinModule('node:dns/promises').lookup(host, { all: true });
    } catch (e) {
      return `${host} does not resolve (${(e as { code?: string }).code ?? (e as Error).message})`;
    }
    const outside = addresses.find((a) => !inNetworks(a.address));
    return outside === undefined && addresses.length > 0 ? undefined : `${host} (${outside?.address ?? 'no address'}) is not in --webhook-allow`;
  };
}
