/**
 * HTTPS next to HTTP: the TLS settings of the stub server, from PEM files or from a self-signed
 * certificate generated at start, with optional client-certificate checks (mutual TLS).
 */
import type { SecureContextOptions } from 'node:tls';
import type { ServerOptions } from 'node:https';
import { DecoyError } from '../core/errors.js';

export interface TlsOptions {
  /** The server's certificate chain, PEM. Without it (and `key`), a self-signed one is generated at start. */
  cert?: string | Buffer;
  /** The private key of `cert`, PEM. */
  key?: string | Buffer;
  /** CA certificates (PEM) that client certificates must chain to, for mutual TLS. */
  ca?: string | Buffer;
  /** Mutual TLS: refuse a TLS handshake without a client certificate that `ca` verifies. */
  requireClientCert?: boolean;
}

export interface TlsSetup {
  /** What `https.createServer` takes. */
  server: ServerOptions;
  /** The server certificate, PEM: clients that should trust a generated one are given this. */
  certificate: string;
  /** Whether the certificate was generated at start (self-signed). */
  generated: boolean;
}

/**
 * Checks the options and works out the server's TLS settings. A generated certificate names
 * `localhost`, `127.0.0.1`, `::1` and the bound host, and is valid for a year from now.
 */
export async function prepareTls(tls: TlsOptions, host: string): Promise<TlsSetup> {
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    throw new DecoyError('DECOY_ERR_TLS', `a TLS ${tls.cert === undefined ? 'key' : 'certificate'} was given without its ${tls.cert === undefined ? 'certificate' : 'key'}`,
      { hint: 'pass both --tls-cert and --tls-key, or neither to use a certificate generated at start' });
  }
  if (tls.requireClientCert && tls.ca === undefined) {
    throw new DecoyError('DECOY_ERR_TLS', 'mutual TLS needs the CA that client certificates are checked against', { hint: 'pass --tls-ca FILE with --mtls' });
  }
  let cert = tls.cert;
  let key = tls.key;
  let generated = false;
  if (cert === undefined || key === undefined) {
    ({ cert, key } = await generateCertificate(host));
    generated = true;
  }
  const server: ServerOptions = {
    cert, key,
    ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
    ...(tls.requireClientCert ? { requestCert: true, rejectUnauthorized: true } : {}),
  };
  try {
    // Parsed now, so a bad PEM is a start-up error that says which part is wrong, not a failed handshake later.
    const { createSecureContext } = await import('node:tls');
    createSecureContext(server as SecureContextOptions);
  } catch (e) {
    throw new DecoyError('DECOY_ERR_TLS', `the TLS certificate, key or CA cannot be used: ${(e as Error).message}`,
      { hint: 'give PEM files (-----BEGIN CERTIFICATE----- / -----BEGIN PRIVATE KEY-----), the key matching the certificate', cause: e });
  }
  return { server, certificate: String(cert), generated };
}

async function generateCertificate(host: string): Promise<{ cert: string; key: string }> {
  // Loaded only when a certificate is generated: it pulls in an X.509 library that plain HTTP never needs.
  const { generate } = await import('selfsigned');
  const altNames: Array<{ type: 2; value: string } | { type: 7; ip: string }> = [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }];
  const isIp = /^[\d.]+$|:/.test(host);
  if (host !== '0.0.0.0' && host !== '::' && host !== 'localhost' && host !== '127.0.0.1' && host !== '::1') {
    altNames.push(isIp ? { type: 7, ip: host } : { type: 2, value: host });
  }
  const pems = await generate([{ name: 'commonName', value: 'Decoy (self-signed)' }], {
    keyType: 'ec', algorithm: 'sha256',
    notAfterDate: new Date(Date.now() + 365 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames },
    ],
  });
  return { cert: pems.cert, key: pems.private };
}
