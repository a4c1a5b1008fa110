/** Minimal HTTP helpers for tests: v1.0 login and requests with a token. */
export interface Session {
  token: string;
  storageUrl: string;
}

export async function login(baseUrl: string, user: string, key: string): Promise<Session> {
  const res = await fetch(`${baseUrl}/auth/v1.0`, { headers: { 'X-Auth-User': user, 'X-Auth-Key': key } });
  if (res.status !== 200) throw new Error(`login ${user} failed: ${res.status}`);
  return { token: res.headers.get('x-auth-token') ?? '', storageUrl: res.headers.get('x-storage-url') ?? '' };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  bytes: Buffer;
}

export async function call(url: string, init: RequestInit & { token?: string; serviceToken?: string } = {}): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('X-Auth-Token', init.token);
  if (init.serviceToken) headers.set('X-Service-Token', init.serviceToken);
  const res = await fetch(url, { ...init, headers, redirect: 'manual' });
  const bytes = Buffer.from(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, text: bytes.toString('utf8'), bytes };
}
