// One repository on an OCI distribution (v2) registry: manifests over Node's fetch and blobs over
// node:http(s), with anonymous, basic and bearer-token auth (the WWW-Authenticate challenge → token
// endpoint).
import { createHash } from 'node:crypto';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { Credentials } from '../../shared/docker-config';
import { InsideError } from '../errors';
import { registryHost, type ImageReference } from './reference';

export const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);
export const MANIFEST_TYPES = new Set([
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
]);
const ACCEPT = [...INDEX_TYPES, ...MANIFEST_TYPES].join(', ');

/** A manifest or index bigger than this is not one (containerd's own limit is 4 MiB too). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** A token endpoint's or error body's answer is small; more is not read. */
const MAX_SMALL_BODY = 256 * 1024;
/** Redirects followed for one blob (a registry sends blobs to its storage); fetch allows 20. */
const MAX_REDIRECTS = 10;

export interface RegistryOptions {
  /** Plain HTTP instead of HTTPS (localhost and the insecureRegistries setting). */
  insecure: boolean;
  credentials: Credentials | null;
  signal?: AbortSignal;
  /** An Authorization header another Registry of the same repository already obtained. */
  authorization?: string | null;
}

export interface Fetched {
  mediaType: string;
  digest: string;
  size: number;
  body: Buffer;
}

/** A challenge's scheme and parameters (`Bearer realm="…",service="…",scope="…"`). */
export function parseChallenge(header: string): { scheme: string; params: Record<string, string> } {
  const m = /^\s*([A-Za-z]+)\s*(.*)$/s.exec(header);
  const scheme = (m?.[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  const re = /([A-Za-z_]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const p of (m?.[2] ?? '').matchAll(re))
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : (p[3] ?? '');
  return { scheme, params };
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** Read at most `max` bytes of a body; more is an error (a registry cannot make us buffer GBs). */
export async function readBounded(res: Response, max: number, what: string): Promise<Buffer> {
  const declared = Number(res.headers.get('content-length') ?? NaN);
  if (declared > max) throw tooBig(what, max);
  const chunks: Buffer[] = [];
  let n = 0;
  if (!res.body) return Buffer.alloc(0);
  for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
    n += chunk.length;
    if (n > max) {
      await res.body.cancel().catch(() => undefined);
      throw tooBig(what, max);
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks);
}

function tooBig(what: string, max: number): InsideError {
  return new InsideError(
    'registry-error',
    `${what} is larger than ${max} bytes`,
    'The registry sent something that is not an image manifest; check the reference.',
  );
}

export class Registry {
  readonly host: string;
  readonly base: string;
  private authorization: string | null = null;
  /** Keep-alive connections for blobs, made on first use. */
  private readonly agents: { http?: http.Agent; https?: https.Agent } = {};

  constructor(
    readonly ref: ImageReference,
    private readonly o: RegistryOptions,
  ) {
    this.host = registryHost(ref.domain);
    this.base = `${o.insecure ? 'http' : 'https'}://${this.host}/v2/${ref.path}`;
    this.authorization = o.authorization ?? null;
    // A cancel closes the blob connections: their requests and bodies then fail, as cancelled. (Not
    // http's own `signal` option: it destroys sockets with an error that a socket already handed
    // back to the keep-alive pool has nobody to catch.)
    o.signal?.addEventListener('abort', () => this.close(), { once: true });
  }

  /** The Authorization header in use (a bearer token once challenged), for another Registry to start with. */
  get currentAuthorization(): string | null {
    return this.authorization;
  }

  private get where(): string {
    return `${this.ref.domain}/${this.ref.path}`;
  }

  private unauthorized(status: number, detail: string): InsideError {
    const had = this.o.credentials !== null;
    return new InsideError(
      'registry-unauthorized',
      `${this.where}: the registry refused access (${status}${detail ? `: ${detail}` : ''})${had ? ' with the stored credentials' : '; no credentials are stored for it'}`,
      had
        ? `Check the name, then log in again: cdesk login ${this.ref.domain}`
        : `If the repository is private, log in first: cdesk login ${this.ref.domain}; else check the name.`,
    );
  }

  /** fetch with our signal; network and TLS failures become 'registry-unreachable'. */
  private async send(url: string, headers: Record<string, string>): Promise<Response> {
    try {
      return await fetch(url, { headers, signal: this.o.signal, redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw this.unreachable(url, err, cause ?? (err as Error));
    }
  }

  /** A network or TLS failure (`cause` holds its code) as 'registry-unreachable'; a cancel as such. */
  private unreachable(
    url: string,
    err: unknown,
    cause: { code?: string; message?: string },
  ): InsideError {
    if (this.o.signal?.aborted) return cancelled();
    const code = cause.code ?? '';
    const tls = /CERT|SSL|TLS|EPROTO/i.test(`${code} ${cause.message ?? ''}`);
    // Node's fetch refuses the ports the fetch standard blocks (6000, 10080, …) before connecting.
    if (cause.message === 'bad port')
      return new InsideError(
        'registry-unreachable',
        `cannot reach the registry at ${new URL(url).origin}: Node refuses to connect to port ${new URL(url).port} (one of the ports the fetch standard blocks)`,
        'Serve the registry on another port, e.g. 5000.',
        { cause: err },
      );
    return new InsideError(
      'registry-unreachable',
      `cannot reach the registry at ${new URL(url).origin}: ${cause.message ?? (err as Error).message}${code ? ` (${code})` : ''}`,
      tls
        ? `The registry's TLS was refused. If it serves plain HTTP, add ${this.ref.domain} to the insecureRegistries setting (cdesk settings set insecureRegistries ${this.ref.domain}).`
        : 'Check the registry name and port, and that it is up and reachable from this machine.',
      { cause: err },
    );
  }

  /** Answer a 401 challenge once: basic credentials, or a bearer token from the realm. */
  private async authorize(challenge: string): Promise<boolean> {
    const { scheme, params } = parseChallenge(challenge);
    const creds = this.o.credentials;
    const basic = creds
      ? `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`
      : null;
    if (scheme === 'basic') {
      if (!basic || this.authorization === basic) return false;
      this.authorization = basic;
      return true;
    }
    if (scheme !== 'bearer' || !params.realm) return false;
    let realm: URL;
    try {
      realm = new URL(params.realm);
    } catch {
      throw new InsideError(
        'registry-error',
        `${this.where}: the registry's token realm ${JSON.stringify(params.realm)} is not a URL`,
        'The registry is misconfigured; tell its operator.',
      );
    }
    if (params.service) realm.searchParams.set('service', params.service);
    const scope = params.scope || (this.ref.path ? `repository:${this.ref.path}:pull` : '');
    if (scope) realm.searchParams.set('scope', scope);
    const res = await this.send(realm.toString(), basic ? { authorization: basic } : {});
    if (res.status === 401 || res.status === 403) {
      await res.body?.cancel().catch(() => undefined);
      throw this.unauthorized(res.status, 'token endpoint');
    }
    if (!res.ok) throw await this.httpError(res, 'token endpoint');
    const body = JSON.parse(
      (await readBounded(res, MAX_SMALL_BODY, 'the token answer')).toString('utf8'),
    ) as { token?: string; access_token?: string };
    const token = body.token || body.access_token;
    if (!token) return false;
    const next = `Bearer ${token}`;
    if (next === this.authorization) return false;
    this.authorization = next;
    return true;
  }

  /** GET with auth; a 401 is answered once with the challenge's scheme. */
  async get(url: string, headers: Record<string, string> = {}): Promise<Response> {
    for (let attempt = 0; ; attempt++) {
      const h = this.authorization ? { ...headers, authorization: this.authorization } : headers;
      const res = await this.send(url, h);
      if (res.status !== 401) {
        if (res.status === 403) {
          await res.body?.cancel().catch(() => undefined);
          throw this.unauthorized(403, 'forbidden');
        }
        return res;
      }
      const challenge = res.headers.get('www-authenticate') ?? '';
      await res.body?.cancel().catch(() => undefined);
      if (attempt > 0 || !(await this.authorize(challenge))) throw this.unauthorized(401, '');
    }
  }

  /** The registry's API root with our credentials (what `docker login` checks); throws when refused. */
  async ping(): Promise<void> {
    const res = await this.get(`${this.o.insecure ? 'http' : 'https'}://${this.host}/v2/`);
    await res.body?.cancel().catch(() => undefined);
    if (!res.ok && res.status !== 404) throw await this.httpError(res, `${this.ref.domain} /v2/`);
  }

  /** An unusable answer as a clear error (404 → not-found naming the reference). */
  async httpError(res: Response, what: string): Promise<InsideError> {
    let detail = '';
    try {
      const body = JSON.parse(
        (await readBounded(res, MAX_SMALL_BODY, 'the error')).toString('utf8'),
      ) as { errors?: { code?: string; message?: string }[] };
      detail = (body.errors ?? [])
        .map((e) => [e.code, e.message].filter(Boolean).join(': '))
        .join('; ');
    } catch {
      // not a registry error body
    }
    if (res.status === 404)
      return new InsideError(
        'not-found',
        `${what} not found on ${this.ref.domain}${detail ? ` (${detail})` : ''}`,
        'Check the repository name and the tag (or digest); a private repository may also need cdesk login.',
      );
    return new InsideError(
      'registry-error',
      `${what}: the registry answered ${res.status} ${res.statusText}${detail ? ` (${detail})` : ''}`,
      'Try again later; if it persists, check the registry.',
    );
  }

  /** A manifest or index by tag or digest; its digest is computed here and checked. */
  async manifest(
    reference: string,
    expected?: { digest: string; size?: number },
  ): Promise<Fetched> {
    const what = `manifest ${this.where}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
    const res = await this.get(`${this.base}/manifests/${reference}`, { accept: ACCEPT });
    if (!res.ok) throw await this.httpError(res, what);
    const body = await readBounded(res, MAX_MANIFEST_BYTES, what);
    const digest = sha256(body);
    const want = expected?.digest ?? (reference.startsWith('sha256:') ? reference : null);
    if (want && digest !== want)
      throw new InsideError(
        'digest-mismatch',
        `${what}: the registry sent bytes whose digest is ${digest}`,
        'The registry or something between is corrupting data; nothing was kept. Try again or check the registry.',
      );
    const header = res.headers.get('docker-content-digest');
    if (!want && header && header.startsWith('sha256:') && header !== digest)
      throw new InsideError(
        'digest-mismatch',
        `${what}: the registry says its digest is ${header} but its bytes hash to ${digest}`,
        'The registry or something between is corrupting data; nothing was kept.',
      );
    if (expected?.size !== undefined && expected.size !== body.length)
      throw new InsideError(
        'digest-mismatch',
        `${what}: ${body.length} bytes, the index said ${expected.size}`,
        'The registry is inconsistent; nothing was kept.',
      );
    let mediaType: string;
    try {
      mediaType = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ?? '';
    } catch {
      throw new InsideError('registry-error', `${what} is not JSON`, 'Check the reference.');
    }
    if (!mediaType) mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
    if (!INDEX_TYPES.has(mediaType) && !MANIFEST_TYPES.has(mediaType))
      throw new InsideError(
        'registry-error',
        `${what} has media type ${JSON.stringify(mediaType)}, which cdesk cannot pull`,
        'Only OCI and docker v2 manifests and indexes are supported (docker schema 1 is not).',
      );
    return { mediaType, digest, size: body.length, body };
  }

  /**
   * A blob's body, from `offset` when the registry honours Range (then `partial` is true). Over
   * node:http rather than fetch: a blob is most of a pull's bytes, and fetch's web streams cost
   * more CPU per megabyte on their way through (measured: the app's CPU for a 150 MB pull fell by
   * a sixth to a third with node:http).
   */
  async blob(
    digest: string,
    offset = 0,
  ): Promise<{ body: AsyncIterable<Buffer>; partial: boolean }> {
    const url = `${this.base}/blobs/${digest}`;
    const what = `blob ${digest} of ${this.where}`;
    let res = await this.getStream(url, offset > 0 ? { range: `bytes=${offset}-` } : {});
    if (res.statusCode === 416 && offset > 0) {
      // The recorded offset is past what the registry holds: from the start, then.
      res.resume();
      res = await this.getStream(url, {});
    }
    const status = res.statusCode ?? 0;
    if (status < 200 || status > 299) throw await this.httpError(asResponse(res), what);
    return { body: res, partial: offset > 0 && status === 206 };
  }

  /** GET over node:http(s) with auth as get(), following redirects (credentials stay on our host). */
  private async getStream(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
    for (let attempt = 0; ; attempt++) {
      const h = this.authorization ? { ...headers, authorization: this.authorization } : headers;
      const res = await this.followed(url, h);
      if (res.statusCode === 403) {
        res.resume();
        throw this.unauthorized(403, 'forbidden');
      }
      if (res.statusCode !== 401) return res;
      res.resume();
      const challenge = String(res.headers['www-authenticate'] ?? '');
      if (attempt > 0 || !(await this.authorize(challenge))) throw this.unauthorized(401, '');
    }
  }

  /** One request and its redirects; the authorization header goes to the first origin only, as fetch does. */
  private async followed(url: string, headers: Record<string, string>): Promise<IncomingMessage> {
    const origin = new URL(url).origin;
    let at = new URL(url);
    for (let hops = 0; ; hops++) {
      const h = at.origin === origin ? headers : withoutAuthorization(headers);
      const res = await this.request(at, h);
      const location = res.headers.location;
      if (!REDIRECTS.has(res.statusCode ?? 0) || !location) return res;
      res.resume();
      if (hops >= MAX_REDIRECTS)
        throw new InsideError(
          'registry-error',
          `${url}: more than ${MAX_REDIRECTS} redirects`,
          'The registry is misconfigured; tell its operator.',
        );
      at = new URL(location, at);
      if (at.protocol !== 'http:' && at.protocol !== 'https:')
        throw new InsideError(
          'registry-error',
          `${url}: the registry redirected to ${at.protocol} (${at.origin})`,
          'The registry is misconfigured; tell its operator.',
        );
    }
  }

  private request(url: URL, headers: Record<string, string>): Promise<IncomingMessage> {
    const tls = url.protocol === 'https:';
    const agent = tls
      ? (this.agents.https ??= new https.Agent({ keepAlive: true }))
      : (this.agents.http ??= new http.Agent({ keepAlive: true }));
    if (this.o.signal?.aborted) return Promise.reject(cancelled());
    return new Promise((resolve, reject) => {
      const req = (tls ? https : http).get(url, { headers, agent }, (res) => {
        // Its reader sees its errors; one nobody reads any more (a write failed, then the pull's
        // abort closed its connection) must not become an uncaught 'error' event.
        res.on('error', () => undefined);
        resolve(res);
      });
      req.on('error', (err: Error & { code?: string }) =>
        reject(this.unreachable(url.toString(), err, err)),
      );
    });
  }

  /** Close the connections kept for blobs (a body still being read then fails). */
  close(): void {
    this.agents.http?.destroy();
    this.agents.https?.destroy();
  }
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

function withoutAuthorization(headers: Record<string, string>): Record<string, string> {
  const { authorization: _, ...rest } = headers;
  return rest;
}

/** An answer read through node:http as a fetch Response, for the error paths that read its body. */
function asResponse(res: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
    headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
  const noBody = [101, 103, 204, 205, 304].includes(res.statusCode ?? 0);
  if (noBody) res.resume();
  return new Response(noBody ? null : (Readable.toWeb(res) as ReadableStream<Uint8Array>), {
    status: res.statusCode,
    statusText: res.statusMessage,
    headers,
  });
}

export function cancelled(): InsideError {
  return new InsideError('cancelled', 'the pull was cancelled', 'Pull again to resume it.');
}
