/**
 * The image service as a Keystone client of Swiftlet: it obtains its own tokens with
 * `POST /v3/auth/tokens` (password, project scope) and validates users' tokens with
 * `GET /v3/auth/tokens` (its service token as X-Auth-Token, the user's as X-Subject-Token).
 */
import { createHash } from 'node:crypto';
import { rawRequest } from '../client/swift-client.js';

export interface TokenInfo {
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  roles: string[];
  /** Epoch seconds. */
  expiresAt: number;
}

export class IdentityUnavailable extends Error {
  /** True when the identity service could not be reached at all (worth retrying). */
  constructor(message: string, readonly unreachable = false) { super(message); }
}

async function readBody(res: AsyncIterable<unknown>): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseToken(text: string): TokenInfo | undefined {
  let body: unknown;
  try { body = JSON.parse(text); } catch { return undefined; }
  const t = (body as { token?: Record<string, unknown> }).token;
  if (!t) return undefined;
  const user = t['user'] as { id?: string; name?: string } | undefined;
  const project = t['project'] as { id?: string; name?: string } | undefined;
  const roles = (t['roles'] as { name?: string }[] | undefined) ?? [];
  const expires = Date.parse(String(t['expires_at'] ?? ''));
  if (!user?.id || !project?.id || Number.isNaN(expires)) return undefined;
  return {
    userId: user.id, userName: user.name ?? '', projectId: project.id, projectName: project.name ?? '',
    roles: roles.map((r) => r.name ?? '').filter((r) => r !== ''), expiresAt: expires / 1000,
  };
}

/** The longest time a validated token (a user's, or the image service's own) is reused: 30 s. */
export const MAX_TOKEN_CACHE_SECONDS = 30;

/**
 * A password credential scoped to a project. Its token is fetched lazily, reused for at most
 * `maxAgeSeconds` (and never closer than 60 s to its expiry), and forgotten as soon as Swiftlet
 * refuses it; a disabled or re-keyed service user therefore stops being used within that window.
 */
export class ServiceCredential {
  private token?: { value: string; info: TokenInfo; fetched: number };
  private pending?: Promise<string>;

  constructor(private readonly identityUrl: string, private readonly user: string, private readonly password: string, private readonly project: string,
    private readonly maxAgeSeconds = MAX_TOKEN_CACHE_SECONDS) {}

  get configured(): boolean {
    return this.user !== '' && this.password !== '';
  }

  /** A valid token (renewed when older than maxAgeSeconds or when less than 60 s remain). */
  async get(): Promise<string> {
    const now = Date.now() / 1000;
    if (this.token && this.token.info.expiresAt - now > 60 && now - this.token.fetched < this.maxAgeSeconds) return this.token.value;
    this.pending ??= this.fetch().finally(() => { this.pending = undefined; });
    return this.pending;
  }

  /** Forgets the cached token (after a 401 from Swiftlet). */
  invalidate(): void {
    this.token = undefined;
  }

  private async fetch(): Promise<string> {
    if (!this.configured) throw new IdentityUnavailable(`credential for "${this.user}" is not configured`);
    const body = JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: this.user, domain: { id: 'default' }, password: this.password } } },
        scope: { project: { name: this.project, domain: { id: 'default' } } },
      },
    });
    let res;
    try {
      res = await rawRequest('POST', `${this.identityUrl}/v3/auth/tokens?nocatalog`, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) }, body);
    } catch (err) {
      throw new IdentityUnavailable(`identity service unreachable: ${(err as Error).message}`, true);
    }
    const text = await readBody(res);
    const value = res.headers['x-subject-token'];
    const info = parseToken(text);
    if (res.statusCode !== 201 || typeof value !== 'string' || !info) {
      throw new IdentityUnavailable(`login of "${this.user}" on project "${this.project}" failed: ${res.statusCode ?? 0} ${text.slice(0, 200)}`);
    }
    this.token = { value, info, fetched: Date.now() / 1000 };
    return value;
  }
}

/**
 * Validates user tokens against the identity service. What the identity service confirmed is cached
 * under sha256(token) for at most `cacheSeconds` (≤ 30 s; 0 disables the cache) and never past the
 * token's expiry; invalid tokens are never cached. Callers that change state or read image bytes ask
 * for a `fresh` validation, so a revoked token can only ever pass metadata reads, within the window.
 */
export class TokenValidator {
  private readonly cache = new Map<string, { info: TokenInfo; until: number }>();
  private readonly cacheSeconds: number;

  constructor(private readonly identityUrl: string, private readonly service: ServiceCredential, cacheSeconds = MAX_TOKEN_CACHE_SECONDS) {
    this.cacheSeconds = Math.max(0, Math.min(cacheSeconds, MAX_TOKEN_CACHE_SECONDS));
  }

  private static key(token: string): string {
    return createHash('sha256').update(token).digest('hex');
  }

  /** Drops a token from the cache (Swiftlet refused it). */
  forget(token: string): void {
    this.cache.delete(TokenValidator.key(token));
  }

  /** The token's identity, or undefined when it is invalid, expired or revoked. */
  async validate(token: string, options: { fresh?: boolean } = {}): Promise<TokenInfo | undefined> {
    const key = TokenValidator.key(token);
    const now = Date.now() / 1000;
    const hit = this.cache.get(key);
    if (!options.fresh && hit && hit.until > now && hit.info.expiresAt > now) return hit.info;
    this.cache.delete(key);
    for (let attempt = 0; attempt < 2; attempt++) {
      const serviceToken = await this.service.get();
      let res;
      try {
        res = await rawRequest('GET', `${this.identityUrl}/v3/auth/tokens?nocatalog`, { 'x-auth-token': serviceToken, 'x-subject-token': token });
      } catch (err) {
        throw new IdentityUnavailable(`identity service unreachable: ${(err as Error).message}`);
      }
      const text = await readBody(res);
      if (res.statusCode === 200) {
        const info = parseToken(text);
        if (!info) return undefined;
        if (this.cacheSeconds > 0) {
          if (this.cache.size > 10_000) this.cache.clear();
          this.cache.set(key, { info, until: now + this.cacheSeconds });
        }
        return info;
      }
      if (res.statusCode === 404) return undefined;
      if (res.statusCode === 401 && attempt === 0) { this.service.invalidate(); continue; }
      throw new IdentityUnavailable(`token validation failed: ${res.statusCode ?? 0} ${text.slice(0, 200)}`);
    }
    return undefined;
  }
}
