/**
 * Self-contained tokens, verifiable by any node without a database lookup (as Keystone's Fernet
 * tokens): the identity is sealed with AES-256-GCM under a rotating key kept in the identity store.
 * Token = "gS" + base64url(version ‖ key id ‖ iv ‖ ciphertext ‖ tag). Any key still in the ring opens a
 * token; a key dropped from the ring invalidates its tokens.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { IdentityStore } from './contracts.js';

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

export class TokenKeyRing {
  private keys = new Map<number, Buffer>();
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
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(5, 17));
      decipher.setAAD(raw.subarray(0, 5));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const text = Buffer.concat([decipher.update(raw.subarray(17, raw.length - 16)), decipher.final()]).toString('utf8');
      const payload = JSON.parse(text) as TokenPayload;
      return { valid: true, payload, expired: payload.expiresAt <= now };
    } catch {
      return { valid: false };
    }
  }
}

/**
 * Revoked tokens, by audit id. Every process polls the identity store at most once a second, so a
 * revocation made on one node is effective on all of them within that second, without a database
 * lookup per request.
 */
export class RevocationList {
  private readonly revoked = new Set<string>();
  private lastId = 0;
  private lastPoll = 0;
  private polling: Promise<void> | undefined;

  constructor(private readonly store: IdentityStore) {}

  private async poll(): Promise<void> {
    for (const r of await this.store.revocationsSince(this.lastId)) {
      this.revoked.add(r.auditId);
      this.lastId = r.id;
    }
    this.lastPoll = Date.now();
  }

  async isRevoked(auditId: string): Promise<boolean> {
    if (Date.now() - this.lastPoll >= 1000) {
      this.polling ??= this.poll().finally(() => { this.polling = undefined; });
      await this.polling;
    }
    return this.revoked.has(auditId);
  }

  async revoke(auditId: string, expiresAt: number): Promise<void> {
    await this.store.revokeToken(auditId, expiresAt);
    this.revoked.add(auditId);
  }
}
