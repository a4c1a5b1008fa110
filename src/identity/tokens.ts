/**
 * Self-contained tokens, verifiable by any node without a database lookup (as Keystone's Fernet
 * tokens): the identity is sealed with AES-256-GCM under a rotating key kept in the identity store.
 * Token = "gS" + base64url(version ‖ key id ‖ iv ‖ ciphertext ‖ tag). Any key still in the ring opens a
 * token; a key dropped from the ring invalidates its tokens.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IdentityStore } from './contracts.js';
import { countTokenCache } from '../observe/meters.js';

export interface TokenPayload {
  userId: string;
  userName: string;
  userDomainId: string;
  projectId?: string;
  projectName?: string;
  projectDomainId?: string;
  roles: string[];
  methods: string[];
  issuedAt: number;
  expiresAt: number;
  /** Identifies this token for revocation (Keystone's audit id). */
  auditId: string;
  /** Set when the token came from an application credential (method `application_credential`). */
  appCred?: { id: string; name: string; unrestricted: boolean };
}

const VERSION = 1;
const PREFIX = 'gS';

export type TokenCheck =
  | { valid: true; payload: TokenPayload; expired: boolean }
  | { valid: false };

export interface KeyRingOptions {
  /**
   * How long a process trusts its copy of the ring. Keys are added and dropped by one process (the
   * primary); every other process re-reads the ring this often, so it issues with the newest key and
   * stops honouring dropped ones.
   */
  refreshAfterMs?: number;
}

/** Opened tokens kept per process; beyond this many, the oldest are forgotten first. */
const OPENED_CACHE_SIZE = 10_000;

export class TokenKeyRing {
  private keys = new Map<number, Buffer>();
  /**
   * Tokens this process has already opened (token → key id and frozen payload): opening costs an
   * AES-GCM decryption and a JSON parse on every request otherwise. A token's content never
   * changes; expiry is recomputed on each check, revocation is the resolver's separate check, and an
   * entry counts only while its key is still in the ring. Invalid tokens are never cached.
   */
  private readonly opened = new Map<string, { keyId: number; payload: TokenPayload }>();
  private primary: { id: number; key: Buffer } | undefined;
  private lastRefresh = 0;
  private refreshing: Promise<void> | undefined;
  private readonly refreshAfterMs: number;

  constructor(private readonly store: IdentityStore, options: KeyRingOptions = {}) {
    this.refreshAfterMs = options.refreshAfterMs ?? 60_000;
  }

  async refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      try {
        const keys = await this.store.tokenKeys();
        this.keys = new Map(keys.map((k) => [k.id, k.key]));
        const newest = keys[keys.length - 1];
        this.primary = newest && { id: newest.id, key: newest.key };
        this.lastRefresh = Date.now();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private stale(): boolean {
    return Date.now() - this.lastRefresh > this.refreshAfterMs;
  }

  /** Adds a new primary key when the newest is older than `rotateAfter` seconds; drops keys older than `keep`. */
  async rotateIfDue(now: number, rotateAfter: number, keep: number): Promise<void> {
    const keys = await this.store.tokenKeys();
    const newest = keys[keys.length - 1];
    if (!newest || now - newest.createdAt >= rotateAfter) await this.store.addTokenKey(randomBytes(32), now);
    await this.store.deleteTokenKeysBefore(now - keep);
    await this.refresh();
  }

  issue(payload: TokenPayload): string {
    if (!this.primary) throw new Error('no token key: the key ring was not initialised');
    // Issuing is synchronous: a stale ring still issues with its key (kept for days after a
    // rotation) and re-reads the ring in the background.
    if (this.stale()) this.refresh().catch(() => undefined);
    const iv = randomBytes(12);
    const header = Buffer.alloc(5);
    header.writeUInt8(VERSION, 0);
    header.writeUInt32BE(this.primary.id, 1);
    const cipher = createCipheriv('aes-256-gcm', this.primary.key, iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(JSON.stringify(payload), 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** Opens a token; `expired` tells whether it is past its expiry (callers decide whether that is allowed). */
  async check(token: string, now: number): Promise<TokenCheck> {
    // Every request checks its tokens: one already opened is answered before any decoding.
    const opened = this.opened.get(token);
    const hit = opened !== undefined && this.keys.has(opened.keyId) && !this.stale();
    countTokenCache(hit);
    if (opened !== undefined && hit) {
      return { valid: true, payload: opened.payload, expired: opened.payload.expiresAt <= now };
    }
    if (!token.startsWith(PREFIX) || token.length > 4096) return { valid: false };
    const raw = Buffer.from(token.slice(PREFIX.length), 'base64url');
    if (raw.length < 5 + 12 + 16 || raw.readUInt8(0) !== VERSION) return { valid: false };
    const keyId = raw.readUInt32BE(1);
    if (this.stale()) await this.refresh();
    let key = this.keys.get(keyId);
    // Key ids only grow: an id above our newest is a key added elsewhere since our last read; an
    // unknown id below it is a dropped key, invalid without asking the store.
    if (!key && keyId > (this.primary?.id ?? 0)) {
      await this.refresh();
      key = this.keys.get(keyId);
    }
    if (!key) return { valid: false };
    const known = this.opened.get(token);
    if (known && known.keyId === keyId) return { valid: true, payload: known.payload, expired: known.payload.expiresAt <= now };
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(5, 17));
      decipher.setAAD(raw.subarray(0, 5));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const text = Buffer.concat([decipher.update(raw.subarray(17, raw.length - 16)), decipher.final()]).toString('utf8');
      const payload = JSON.parse(text) as TokenPayload;
      Object.freeze(payload.roles);
      Object.freeze(payload.methods);
      Object.freeze(payload);
      if (this.opened.size >= OPENED_CACHE_SIZE) {
        const oldest = this.opened.keys().next();
        if (!oldest.done) this.opened.delete(oldest.value);
      }
      this.opened.set(token, { keyId, payload });
      return { valid: true, payload, expired: payload.expiresAt <= now };
    } catch {
      return { valid: false };
    }
  }
}

/**
 * Revoked tokens: single tokens by audit id, and every token of a user or a project issued before a
 * moment (Keystone's revocation events: a user deleted, disabled, re-passworded or stripped of a
 * role; a project deleted or disabled). Every process polls the identity store at most once a second,
 * so a revocation made on one node is effective on all of them within that second, without a
 * database lookup per request.
 */
/**
 * `grant` is `<user id>/<project id>`: the tokens of one user on one project (a role was removed there);
 * `appcred` is an application credential's id: the tokens it issued (it was deleted).
 */
export type RevocationSubject = 'user' | 'project' | 'grant' | 'appcred';

/** Events share the revocation table with audit ids; audit ids are base64url and never hold ':' or '@'. */
const EVENT = /^(user|project|grant|appcred):(.+)@([0-9.]+)$/;

export class RevocationList {
  private readonly revoked = new Set<string>();
  /** "user:<id>" / "project:<id>" → tokens issued at or before this time are dead. */
  private readonly revokedBefore = new Map<string, number>();
  private lastId = 0;
  private lastPoll = 0;
  private polling: Promise<void> | undefined;

  constructor(private readonly store: IdentityStore) {}

  private remember(auditId: string): void {
    const m = EVENT.exec(auditId);
    if (!m) {
      this.revoked.add(auditId);
      return;
    }
    const key = `${m[1]}:${m[2]}`;
    this.revokedBefore.set(key, Math.max(this.revokedBefore.get(key) ?? 0, Number(m[3])));
  }

  private async poll(): Promise<void> {
    for (const r of await this.store.revocationsSince(this.lastId)) {
      this.remember(r.auditId);
      this.lastId = r.id;
    }
    this.lastPoll = Date.now();
  }

  async isRevoked(p: Pick<TokenPayload, 'auditId' | 'userId' | 'projectId' | 'issuedAt' | 'appCred'>): Promise<boolean> {
    // Every half second at most: a revocation made on another node is then refused here within a
    // second (the promise) even when a poll ran just before it and the next one takes a while.
    if (Date.now() - this.lastPoll >= 500) {
      this.polling ??= this.poll().finally(() => { this.polling = undefined; });
      await this.polling;
    }
    if (this.revoked.has(p.auditId)) return true;
    // Most of the time no user or project has had its tokens ended: nothing more to look up.
    if (this.revokedBefore.size === 0) return false;
    if ((this.revokedBefore.get(`user:${p.userId}`) ?? -1) >= p.issuedAt) return true;
    if (p.appCred && (this.revokedBefore.get(`appcred:${p.appCred.id}`) ?? -1) >= p.issuedAt) return true;
    if (p.projectId === undefined) return false;
    if ((this.revokedBefore.get(`project:${p.projectId}`) ?? -1) >= p.issuedAt) return true;
    return (this.revokedBefore.get(`grant:${p.userId}/${p.projectId}`) ?? -1) >= p.issuedAt;
  }

  async revoke(auditId: string, expiresAt: number): Promise<void> {
    await this.store.revokeToken(auditId, expiresAt);
    this.revoked.add(auditId);
  }

  /** Ends every token of this user or project issued until now; kept until such tokens would expire anyway. */
  async revokeAllOf(subject: RevocationSubject, id: string, keepSeconds: number): Promise<void> {
    const now = Date.now() / 1000;
    const event = `${subject}:${id}@${now.toFixed(6)}`;
    await this.store.revokeToken(event, now + keepSeconds);
    this.remember(event);
  }
}
