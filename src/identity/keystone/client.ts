/**
 * A small Keystone v3 client for identity mode `keystone` (what keystonemiddleware's auth_token does
 * for Swift): Swiftlet logs in as its own service user (password method, project scope), keeps that
 * token and renews it before it expires, and validates users' and services' tokens with
 * `GET /v3/auth/tokens` (X-Auth-Token = the service token, X-Subject-Token = the token to check).
 *
 * Outcomes of a validation: the token's data (valid, possibly expired when `allow_expired` was
 * asked for), `undefined` (Keystone says the token is invalid), or a thrown SwiftError('Unavailable')
 * when Keystone cannot answer (unreachable, timeout, 5xx, our own credentials refused). A request
 * never gets an identity it was not given: an unavailable Keystone means 503, never a grant.
 */
import type { KeystoneConfig } from '../../config/schema.js';
import { SwiftError } from '../../http/errors.js';
import type { TokenPayload } from '../tokens.js';
import { observeKeystone } from '../../observe/meters.js';

/** The parts of Keystone's v3 token body that Swiftlet uses. */
interface V3Token {
  methods?: string[];
  user?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
  project?: { id?: string; name?: string; domain?: { id?: string; name?: string } };
  roles?: { id?: string; name?: string }[];
  audit_ids?: string[];
  expires_at?: string;
  issued_at?: string;
}

/** Keystone's timestamps: `2026-11-28T01:02:03.000000Z` (microseconds; JavaScript wants at most ms). */
export function parseKeystoneTime(value: string | undefined): number | undefined {
  if (!value) return undefined;
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.exec(value);
  if (!m) return undefined;
  const fraction = m[2] ? Number(`0${m[2]}`) : 0;
  const ms = Date.parse(`${m[1]}${m[3] ?? 'Z'}`);
  return Number.isNaN(ms) ? undefined : ms / 1000 + fraction;
}

/** Turns a validated v3 token body into the payload the authorisation layer reads. */
export function payloadFromV3(token: V3Token): TokenPayload | undefined {
  const expiresAt = parseKeystoneTime(token.expires_at);
  if (expiresAt === undefined || !token.user?.id) return undefined;
  const payload: TokenPayload = {
    userId: token.user.id,
    userName: token.user.name ?? '',
    userDomainId: token.user.domain?.id ?? '',
    roles: (token.roles ?? []).map((r) => r.name ?? '').filter((r) => r !== ''),
    methods: token.methods ?? [],
    issuedAt: parseKeystoneTime(token.issued_at) ?? 0,
    expiresAt,
    auditId: token.audit_ids?.[0] ?? '',
  };
  if (token.project?.id !== undefined) {
    payload.projectId = token.project.id;
    if (token.project.name !== undefined) payload.projectName = token.project.name;
    if (token.project.domain?.id !== undefined) payload.projectDomainId = token.project.domain.id;
  }
  return payload;
}

interface ServiceToken {
  token: string;
  issuedAt: number;
  expiresAt: number;
}

export class KeystoneClient {
  private readonly base: string;
  private service: ServiceToken | undefined;
  private pendingLogin: Promise<ServiceToken> | undefined;
  private lastComplaint = 0;
  /** When a Keystone 401 ambiguity last made us confirm our own token, and which token it was. */
  private confirmed: { token: string; at: number } | undefined;
  private pendingConfirm: { token: string; check: Promise<boolean> } | undefined;

  constructor(private readonly cfg: KeystoneConfig, private readonly now: () => number = () => Date.now() / 1000) {
    this.base = cfg.auth_url.replace(/\/+$/, '');
  }

  /** `Keystone uri="…"` for 401 answers (keystonemiddleware's www_authenticate_uri: the URL without /v3). */
  get wwwAuthenticate(): string {
    return `Keystone uri="${this.base.replace(/\/v3$/, '')}"`;
  }

  /** The error of a Keystone that cannot answer (503), logged at most once per 10 s. */
  unavailable(why: string): SwiftError {
    const t = this.now();
    // One line per 10 s: an outage must be visible in the log without flooding it.
    if (t - this.lastComplaint >= 10) {
      this.lastComplaint = t;
      console.error(`keystone: ${this.base} unavailable: ${why}`);
    }
    return new SwiftError('Unavailable');
  }

  /** One call to Keystone (`path` below auth_url), timed; unreachable or timed out: unavailable. */
  async send(path: string, init: RequestInit): Promise<Response> {
    const started = performance.now();
    try {
      const res = await fetch(`${this.base}${path}`, { ...init, signal: AbortSignal.timeout(this.cfg.timeout * 1000) });
      // A 5xx is Keystone failing as much as a timeout is.
      observeKeystone((performance.now() - started) / 1000, res.status >= 500);
      return res;
    } catch (err) {
      observeKeystone((performance.now() - started) / 1000, true);
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
      throw this.unavailable(`${init.method ?? 'GET'} ${path}: ${cause}`);
    }
  }

  private async login(): Promise<ServiceToken> {
    const body = {
      auth: {
        identity: {
          methods: ['password'],
          password: {
            user: { name: this.cfg.username, password: this.cfg.password, domain: { name: this.cfg.user_domain_name } },
          },
        },
        scope: { project: { name: this.cfg.project_name, domain: { name: this.cfg.project_domain_name } } },
      },
    };
    const res = await this.send('/auth/tokens?nocatalog', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await res.text();
    const token = res.headers.get('x-subject-token');
    if (res.status !== 201 || !token) {
      throw this.unavailable(`service user "${this.cfg.username}" could not log in: ${res.status} ${text.slice(0, 200)}`);
    }
    let data: { token?: V3Token };
    try {
      data = JSON.parse(text) as { token?: V3Token };
    } catch {
      throw this.unavailable('service token response is not JSON');
    }
    const expiresAt = parseKeystoneTime(data.token?.expires_at);
    if (expiresAt === undefined) throw this.unavailable('service token response has no expires_at');
    return { token, issuedAt: parseKeystoneTime(data.token?.issued_at) ?? this.now(), expiresAt };
  }

  /**
   * Swiftlet's own token, renewed before it expires: when less than a quarter of its life (at most
   * 60 s) is left. Concurrent requests share one login.
   */
  async serviceToken(): Promise<string> {
    const s = this.service;
    const t = this.now();
    if (s && t < s.expiresAt - Math.min(60, (s.expiresAt - s.issuedAt) / 4)) return s.token;
    this.pendingLogin ??= this.login().finally(() => { this.pendingLogin = undefined; });
    this.service = await this.pendingLogin;
    return this.service.token;
  }

  /**
   * Whether Keystone still takes `token`, our service token, after an answer that cannot tell a
   * refusal of our token from a refusal of what we asked about (an S3 signature: Keystone answers
   * both with the same 401). A confirmation holds for 1 s and concurrent askers share one check, so
   * a flood of wrong signatures adds at most one cheap token check per second to Keystone's load
   * (while a token revoked within that second still reads as the client's refusal, for that second).
   * When Keystone no longer takes it, the token is dropped and the next call logs in again.
   */
  async confirmServiceToken(token: string): Promise<boolean> {
    const t = this.now();
    if (this.confirmed?.token === token && t - this.confirmed.at < 1) return true;
    if (this.pendingConfirm?.token !== token) {
      const check = this.checkOwnToken(token).finally(() => { if (this.pendingConfirm?.check === check) this.pendingConfirm = undefined; });
      this.pendingConfirm = { token, check };
    }
    return this.pendingConfirm.check;
  }

  private async checkOwnToken(token: string): Promise<boolean> {
    const res = await this.send('/auth/tokens?nocatalog', { method: 'HEAD', headers: { 'x-auth-token': token, 'x-subject-token': token } });
    await res.arrayBuffer();
    if (res.status === 200) {
      this.confirmed = { token, at: this.now() };
      return true;
    }
    if (res.status === 401 || res.status === 404) {
      if (this.service?.token === token) this.service = undefined;
      return false;
    }
    throw this.unavailable(`service token check answered ${res.status}`);
  }

  /**
   * Validates `token`. With `allowExpired`, Keystone also returns tokens that expired less than its
   * `[token] allow_expired_window` ago (D7); the caller decides what an expired token may do.
   */
  async validate(token: string, allowExpired: boolean): Promise<TokenPayload | undefined> {
    // Keystone rejects header values it cannot parse; a token with control characters is no token.
    if (token === '' || token.length > 8192 || /[^\x21-\x7e]/.test(token)) return undefined;
    const path = `/auth/tokens?nocatalog${allowExpired ? '&allow_expired=1' : ''}`;
    for (let attempt = 0; ; attempt++) {
      const serviceToken = await this.serviceToken();
      const res = await this.send(path, { method: 'GET', headers: { 'x-auth-token': serviceToken, 'x-subject-token': token } });
      const text = await res.text();
      if (res.status === 200) {
        let data: { token?: V3Token };
        try {
          data = JSON.parse(text) as { token?: V3Token };
        } catch {
          throw this.unavailable('token validation response is not JSON');
        }
        return data.token ? payloadFromV3(data.token) : undefined;
      }
      // Our own token was refused (expired early, revoked, keys rotated): log in again once.
      if (res.status === 401 && attempt === 0) {
        if (this.service?.token === serviceToken) this.service = undefined;
        continue;
      }
      // 404: the subject token is unknown, expired or revoked; 400: it is malformed.
      if (res.status === 404 || res.status === 400) return undefined;
      throw this.unavailable(`token validation answered ${res.status} ${text.slice(0, 200)}`);
    }
  }
}
