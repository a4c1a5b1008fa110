/**
 * Password hashing with scrypt (`scrypt$N$r$p$salt$hash`, base64); verification in constant time.
 * The keys are derived on password threads (password-thread.ts says why not on libuv's pool).
 */
import { availableParallelism } from 'node:os';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { OnDemandThread } from '../threads/on-demand-thread.js';
import type { DeriveReply, DeriveRequest } from './password-thread.js';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

interface Pending {
  resolve: (key: Buffer) => void;
  reject: (err: Error) => void;
}

/** One password thread and the derivations it has been asked for. */
interface Slot {
  thread: OnDemandThread<DeriveRequest, DeriveReply>;
  pending: Map<number, Pending>;
}

/**
 * Up to `size` threads, each started only when every running one is busy: one login costs one
 * thread's memory, a burst of logins at most `size` threads' (each keeps scrypt's 16-32 MiB).
 */
class PasswordThreads {
  private readonly threads: Slot[] = [];
  private nextId = 1;

  constructor(private readonly size: number) {}

  derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
    const slot = this.leastBusy();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.thread.hold();
      // A copy of exactly the salt's bytes: a Buffer cut from Node's pool would be cloned with the pool.
      slot.thread.post({ id, password, salt: Uint8Array.from(salt), N, r, p, keyLength: KEY_LENGTH });
    });
  }

  private leastBusy(): Slot {
    const idle = this.threads.find((t) => t.pending.size === 0);
    if (idle) return idle;
    if (this.threads.length < this.size) {
      const pending = new Map<number, Pending>();
      const thread = new OnDemandThread<DeriveRequest, DeriveReply>('password thread', new URL('./password-thread.js', import.meta.url), {
        message: (reply) => {
          const p = pending.get(reply.id);
          if (!p) return;
          pending.delete(reply.id);
          thread.release();
          if (reply.ok) p.resolve(Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));
          else p.reject(new Error(`scrypt failed: ${reply.message}`));
        },
        lost: (err) => {
          for (const p of pending.values()) p.reject(err);
          pending.clear();
        },
      });
      const slot: Slot = { thread, pending };
      this.threads.push(slot);
      return slot;
    }
    return this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
  }
}

const threads = new PasswordThreads(Math.min(2, availableParallelism()));

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await threads.derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await threads.derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}
