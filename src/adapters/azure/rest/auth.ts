/**
 * Authentication of lean-client requests with the SDK's credential kinds: Shared Key (the
 * `StorageSharedKeyCredential` contract: account name + HMAC-SHA256 of the string to sign), SAS
 * (a query string appended to every URL, never signed) and Entra ID (a `TokenCredential`'s bearer
 * token, cached until shortly before it expires).
 */
import { createHmac, createSecretKey } from 'node:crypto';
import type { TokenCredential } from '@azure/core-auth';

/** What the SDK's `StorageSharedKeyCredential` offers, and all the lean client needs of it. */
export interface SharedKeyCredentialLike {
  readonly accountName: string;
  /** Base64 HMAC-SHA256 of `stringToSign` under the account key. */
  computeHMACSHA256(stringToSign: string): string;
}

export type StorageAuth =
  | { kind: 'shared-key'; credential: SharedKeyCredentialLike }
  | { kind: 'sas'; /** without the leading '?' */ query: string }
  | { kind: 'token'; credential: TokenCredential };

/** A Shared Key credential from an account name and base64 key, without loading the SDK. */
export function sharedKeyCredential(accountName: string, accountKeyBase64: string): SharedKeyCredentialLike {
  // A KeyObject, so each signature does not import the key again.
  const key = createSecretKey(Buffer.from(accountKeyBase64, 'base64'));
  return {
    accountName,
    computeHMACSHA256: (stringToSign) =>
      createHmac('sha256', key).update(stringToSign, 'utf8').digest('base64'),
  };
}

/** The request fields a signature covers. Header names are lowercase. */
export interface SignableRequest {
  method: string;
  /** URL path as sent (percent-encoded), e.g. `/devstoreaccount1/q/messages`. */
  path: string;
  /** Query parameters as sent, unencoded values. */
  query: ReadonlyArray<readonly [string, string]>;
  headers: Record<string, string>;
}

const STANDARD_HEADERS = [
  'content-encoding',
  'content-language',
  'content-length',
  'content-md5',
  'content-type',
  'date',
  'if-modified-since',
  'if-match',
  'if-none-match',
  'if-unmodified-since',
  'range',
] as const;

/**
 * The Shared Key string to sign (Blob, Queue and File services, version 2009-09-19 and later): the
 * verb, the standard headers (Content-Length empty when 0), the sorted `x-ms-*` headers and the
 * canonicalized resource `/<account><path>` with each query key lowercased and sorted.
 */
export function sharedKeyStringToSign(accountName: string, req: SignableRequest): string {
  let s = req.method.toUpperCase() + '\n';
  const headers = req.headers;
  for (const h of STANDARD_HEADERS) {
    const v = headers[h];
    s += (v === undefined || (h === 'content-length' && v === '0') ? '' : v) + '\n';
  }
  for (const k of sortedMsHeaders(headers)) s += `${k}:${headers[k].trimStart()}\n`;
  s += `/${accountName}${req.path || '/'}`;
  const query = req.query;
  if (query.length === 1) s += `\n${query[0][0].toLowerCase()}:${query[0][1]}`;
  else if (query.length > 1) {
    const q = query.map(([k, v]) => [k.toLowerCase(), v] as const).sort((a, b) => (a[0] < b[0] ? -1 : 1));
    for (const [k, v] of q) s += `\n${k}:${v}`;
  }
  return s;
}

/** The sorted `x-ms-*` names of each header-name set seen (a process signs few distinct sets). */
const msHeaderOrder = new Map<string, string[]>();
const MAX_CACHED_ORDERS = 256;

function sortedMsHeaders(headers: Record<string, string>): string[] {
  let names = '';
  for (const k in headers) names += k + '\n';
  let order = msHeaderOrder.get(names);
  if (!order) {
    order = Object.keys(headers)
      .filter((k) => k.startsWith('x-ms-'))
      .sort(compareHeaderNames);
    // Metadata names vary with the caller: keep the cache bounded.
    if (msHeaderOrder.size >= MAX_CACHED_ORDERS) msHeaderOrder.clear();
    msHeaderOrder.set(names, order);
  }
  return order;
}

/**
 * The Table service's Shared Key Lite string to sign, exactly as `@azure/data-tables` builds it: the
 * `x-ms-date` header, then the canonicalized resource `/<account><path>`, with `?comp=…` as the only
 * query parameter kept.
 */
export function tableSharedKeyLiteStringToSign(
  accountName: string,
  path: string,
  query: ReadonlyArray<readonly [string, string]>,
  headers: Record<string, string>,
): string {
  const comp = query.find(([k]) => k === 'comp');
  return `${headers['x-ms-date'] ?? ''}\n/${accountName}${path || '/'}${comp ? `?comp=${comp[1]}` : ''}`;
}

/**
 * The service sorts canonicalized headers the way .NET's culture-aware comparison does, which ignores
 * hyphens at its first level (the SDK ports its tables). For lowercase ASCII names that is: compare
 * without hyphens, then as plain strings.
 */
export function compareHeaderNames(a: string, b: string): number {
  const x = a.replace(/-/g, '');
  const y = b.replace(/-/g, '');
  if (x !== y) return x < y ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Bearer tokens are refreshed this long before they expire. */
const TOKEN_REFRESH_MARGIN_MS = 2 * 60_000;
const STORAGE_SCOPE = 'https://storage.azure.com/.default';

/** Caches a TokenCredential's storage token; concurrent callers share one refresh. */
export class BearerTokenCache {
  private token: { value: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;
  constructor(private readonly credential: TokenCredential) {}

  async get(now = Date.now()): Promise<string> {
    if (this.token && now < this.token.expiresAt - TOKEN_REFRESH_MARGIN_MS) return this.token.value;
    this.pending ??= (async () => {
      try {
        const t = await this.credential.getToken(STORAGE_SCOPE);
        if (!t) throw new Error('the Entra ID credential returned no token for Azure Storage');
        this.token = { value: t.token, expiresAt: t.expiresOnTimestamp };
        return t.token;
      } finally {
        this.pending = null;
      }
    })();
    return this.pending;
  }
}
