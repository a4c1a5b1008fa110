/**
 * The console's client of the public APIs: Keystone v3 (`/v3`) for the login and the identity
 * administration, the image service's audit (GET /v2/audit/latest, another origin) for the Image
 * audit page, Swift v1 (the storage URL from the token's catalog) for everything else. The token
 * lives in this module's memory only and travels in the X-Auth-Token header (never a cookie, never a
 * URL), so a page of another site can neither read it nor make the browser send it.
 */
export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export interface Session {
  token: string;
  /** Path of the project's account, e.g. `/v1/AUTH_<project id>` (same origin as the console). */
  storagePath: string;
  userId: string;
  userName: string;
  projectId: string;
  projectName: string;
  roles: string[];
}

export interface ConsoleSettings {
  sloThreshold: number;
  segmentSize: number;
  /** Where to log in: `/v3` (Swiftlet's identity) or an external Keystone's v3 URL. */
  identityUrl: string;
  /** Reseller prefixes of the service accounts (`SERVICE_`). */
  serviceAccountPrefixes: string[];
  /** The users' reseller prefix (`AUTH_`): the account's path when the catalog has no object store. */
  accountPrefix: string;
  resellerAdminRole: string;
  /** The image service's base URL (`[images] public_url`); '' when none is configured. */
  imageServiceUrl: string;
}

export interface ContainerEntry { name: string; count: number; bytes: number }
export interface ObjectEntry { name: string; bytes: number; hash: string; last_modified: string; content_type: string }
export interface SubdirEntry { subdir: string }
export interface VersionEntry extends ObjectEntry { version_id: string; is_latest: boolean }

/** Percent-encodes each segment of an object or container name, keeping the slashes. */
export function encodePath(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

export async function loadSettings(): Promise<ConsoleSettings> {
  const res = await fetch('/console/config.json', { cache: 'no-cache' });
  if (!res.ok) throw new ApiError(res.status, 'cannot read the console settings');
  return (await res.json()) as ConsoleSettings;
}

interface TokenBody {
  token: {
    user: { id: string; name: string };
    project?: { id: string; name: string };
    roles?: { name: string }[];
    catalog?: { type: string; endpoints: { interface: string; url: string }[] }[];
  };
}

/** Password login (`POST /v3/auth/tokens`), scoped to `project` when given, else to the user's default project. */
export async function login(identityUrl: string, accountPrefix: string, user: string, password: string, project: string, domain: string): Promise<Session> {
  const auth: Record<string, unknown> = {
    identity: { methods: ['password'], password: { user: { name: user, domain: { name: domain }, password } } },
  };
  if (project) auth['scope'] = { project: { name: project, domain: { name: domain } } };
  const res = await fetch(`${identityUrl}/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth }), credentials: 'omit',
  });
  if (res.status !== 201) throw new ApiError(res.status, res.status === 401 ? 'Wrong user name, password or project.' : `Login failed (${res.status}).`);
  const token = res.headers.get('x-subject-token') ?? '';
  const body = (await res.json()) as TokenBody;
  if (!body.token.project) throw new ApiError(401, 'This user has no project: give a project name.');
  const store = body.token.catalog?.find((s) => s.type === 'object-store');
  const url = store?.endpoints.find((e) => e.interface === 'public')?.url;
  return {
    token,
    // The console talks to the server that served it: the path only, whatever host the catalog names.
    // An external Keystone need not list this server in its catalog (or may list only internal
    // ones): the project's account on this server is then where the user's data is.
    storagePath: url ? new URL(url, location.href).pathname.replace(/\/$/, '') : `/v1/${accountPrefix}${body.token.project.id}`,
    userId: body.token.user.id,
    userName: body.token.user.name,
    projectId: body.token.project.id,
    projectName: body.token.project.name,
    roles: (body.token.roles ?? []).map((r) => r.name),
  };
}

export interface SwiftRequest {
  method?: string;
  query?: Record<string, string | undefined>;
  headers?: Record<string, string>;
  body?: BodyInit;
}

export class Client {
  constructor(readonly session: Session, readonly settings: ConsoleSettings) {}

  /** Identity administrators as Swiftlet sees them (the server decides; this only picks the menus). */
  get isAdmin(): boolean {
    const roles = this.session.roles.map((r) => r.toLowerCase());
    return roles.includes(this.settings.resellerAdminRole.toLowerCase()) || (this.session.projectName === 'admin' && roles.includes('admin'));
  }

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) q.set(k, v);
    const qs = q.toString();
    return `${path}${qs ? `?${qs.replace(/=(&|$)/g, '$1')}` : ''}`;
  }

  /** A Swift request under an account path (the user's own unless `account` names another). */
  async swift(path: string, req: SwiftRequest = {}, account = this.session.storagePath): Promise<Response> {
    const res = await fetch(this.url(`${account}${path}`, req.query), {
      method: req.method ?? 'GET',
      headers: { ...req.headers, 'x-auth-token': this.session.token },
      body: req.body,
      credentials: 'omit',
      cache: 'no-store',
    });
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      throw new ApiError(res.status, `${req.method ?? 'GET'} ${path || '/'}: ${res.status} ${text.slice(0, 200)}`);
    }
    return res;
  }

  async identity<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.settings.identityUrl}${path}`, {
      method,
      headers: { 'x-auth-token': this.session.token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      throw new ApiError(res.status, `${method} ${path}: ${res.status} ${text.slice(0, 200)}`);
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  /** GET /v2/audit/latest of the image service (another origin; it allows the console's through CORS). */
  async imageAudit<T>(): Promise<T> {
    const res = await fetch(`${this.settings.imageServiceUrl}/v2/audit/latest`, {
      headers: { 'x-auth-token': this.session.token, accept: 'application/json' }, credentials: 'omit', cache: 'no-store', mode: 'cors',
    });
    if (res.status >= 400) {
      const text = await res.text().catch(() => '');
      throw new ApiError(res.status, `GET /v2/audit/latest: ${res.status} ${text.slice(0, 200)}`);
    }
    return (await res.json()) as T;
  }

  async listContainers(account?: string): Promise<ContainerEntry[]> {
    return (await (await this.swift('', { query: { format: 'json' } }, account)).json()) as ContainerEntry[];
  }

  async listObjects(container: string, opts: { prefix?: string; delimiter?: string; marker?: string; limit?: number }, account?: string): Promise<(ObjectEntry | SubdirEntry)[]> {
    const query = { format: 'json', prefix: opts.prefix || undefined, delimiter: opts.delimiter || undefined, marker: opts.marker || undefined, limit: opts.limit?.toString() };
    return (await (await this.swift(`/${encodePath(container)}`, { query }, account)).json()) as (ObjectEntry | SubdirEntry)[];
  }

  async listVersions(container: string, prefix: string): Promise<VersionEntry[]> {
    const res = await this.swift(`/${encodePath(container)}`, { query: { versions: '', format: 'json', prefix } });
    return (await res.json()) as VersionEntry[];
  }

  async headers(path: string, account?: string): Promise<Headers> {
    return (await this.swift(path, { method: 'HEAD' }, account)).headers;
  }

  async download(container: string, name: string, versionId?: string): Promise<Blob> {
    return (await this.swift(`/${encodePath(container)}/${encodePath(name)}`, { query: { 'version-id': versionId } })).blob();
  }
}

/** Swift's metadata headers of a HEAD answer, by kind (`container` or `object`). */
export function metadataOf(headers: Headers, kind: 'container' | 'object' | 'account'): Map<string, string> {
  const prefix = `x-${kind}-meta-`;
  const out = new Map<string, string>();
  headers.forEach((value, key) => {
    if (key.toLowerCase().startsWith(prefix)) out.set(key.slice(prefix.length), value);
  });
  return out;
}
