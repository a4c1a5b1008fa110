/**
 * Password hashing with scrypt (`scrypt$N$r$p$salt$hash`, base64); verification in constant time.
 * The keys are derived on password threads (password-thread.ts says why not on libuv's pool).
 */
import { availableParallelism } from 'node:os';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { RequestThreads } from '../threads/request-threads.js';
import type { DeriveReply, DeriveRequest } from './password-thread.js';

const N = 16384;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;

/**
 * At most two threads (fewer on one core), the second started only when the first is busy: one login
 * costs one thread's memory, a burst of logins at most two threads' (each keeps scrypt's 16-32 MiB).
 */
const threads = new RequestThreads<Omit<DeriveRequest, 'id'>, DeriveReply, Buffer>(
  'scrypt', new URL('./password-thread.js', import.meta.url), Math.min(2, availableParallelism()),
  (reply) => Buffer.from(reply.key.buffer, reply.key.byteOffset, reply.key.byteLength));

function derive(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  // A copy of exactly the salt's bytes: a Buffer cut from Node's pool would be cloned with the pool.
  return threads.request({ password, salt: Uint8Array.from(salt), N, r, p, keyLength: KEY_LENGTH });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, N, R, P);
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return key.length === expected.length && timingSafeEqual(key, expected);
}
