/**
 * The token combinations of the attack matrix (docs/auth-rules.md 3.1, C1–C17, and the tempauth mapping D1):
 * who sends what in X-Auth-Token / X-Storage-Token / X-Service-Token, and what each combination may do
 * on the service account SERVICE_test and on the project's own AUTH_test.
 */
import { login } from '../helpers/swift.js';

export interface Tokens {
  /** test:tester, `.admin` → operator of project test. */
  U: string;
  /** test2:tester2, `.admin` of another project. */
  U2: string;
  /** test:tester3, member of project test (no operator role). */
  U3: string;
  /** test5:tester5, `.service` → the service role on its own project. */
  S: string;
  /** test6:tester6, `.reseller_admin`. */
  R: string;
}

export async function loginAll(url: string): Promise<Tokens> {
  const [U, U2, U3, S, R] = await Promise.all([
    login(url, 'test:tester', 'testing'), login(url, 'test2:tester2', 'testing2'), login(url, 'test:tester3', 'testing3'),
    login(url, 'test5:tester5', 'testing5'), login(url, 'test6:tester6', 'testing6'),
  ]);
  return { U: U.token, U2: U2.token, U3: U3.token, S: S.token, R: R.token };
}

/** A token of the right shape ("gS" + base64url of a plausible length) that no key ever sealed. */
export const EXPIRED_LOOKING = `gS${Buffer.alloc(180, 7).toString('base64url')}`;

/** A real token with its last characters changed: the AES-GCM tag no longer matches. */
export function tampered(token: string): string {
  const tail = token.slice(-4);
  return token.slice(0, -4) + (tail === 'AAAA' ? 'BBBB' : 'AAAA');
}

/** allow: an owner may do everything but DELETE the account (S6); otherwise the status every request gets. */
export type Outcome = 'allow' | 401 | 403;

export interface Combo {
  /** Short name with the rule ids it exercises. */
  name: string;
  headers(t: Tokens): Record<string, string>;
  onService: Outcome;
  onAuth: Outcome;
}

export const COMBOS: Combo[] = [
  { name: 'none (anonymous, known prefix)', headers: () => ({}), onService: 401, onAuth: 401 },
  { name: 'C1/C2 U alone', headers: (t) => ({ 'X-Auth-Token': t.U }), onService: 403, onAuth: 'allow' },
  { name: 'C2 U alone in X-Storage-Token', headers: (t) => ({ 'X-Storage-Token': t.U }), onService: 403, onAuth: 'allow' },
  { name: 'C4 S alone as X-Service-Token', headers: (t) => ({ 'X-Service-Token': t.S }), onService: 401, onAuth: 401 },
  { name: 'C3/C12 U + S', headers: (t) => ({ 'X-Auth-Token': t.U, 'X-Service-Token': t.S }), onService: 'allow', onAuth: 'allow' },
  { name: 'C3 U in X-Storage-Token + S', headers: (t) => ({ 'X-Storage-Token': t.U, 'X-Service-Token': t.S }), onService: 'allow', onAuth: 'allow' },
  { name: 'C5 S as X-Auth-Token', headers: (t) => ({ 'X-Auth-Token': t.S }), onService: 403, onAuth: 403 },
  { name: 'C5/C15 S in both headers', headers: (t) => ({ 'X-Auth-Token': t.S, 'X-Service-Token': t.S }), onService: 403, onAuth: 403 },
  { name: 'C4/D4 U alone as X-Service-Token', headers: (t) => ({ 'X-Service-Token': t.U }), onService: 401, onAuth: 401 },
  { name: 'C6/D4/C9 U + U', headers: (t) => ({ 'X-Auth-Token': t.U, 'X-Service-Token': t.U }), onService: 401, onAuth: 401 },
  { name: 'C8/C17 other project admin U2 + S', headers: (t) => ({ 'X-Auth-Token': t.U2, 'X-Service-Token': t.S }), onService: 403, onAuth: 403 },
  { name: 'C7 member U3 + S', headers: (t) => ({ 'X-Auth-Token': t.U3, 'X-Service-Token': t.S }), onService: 403, onAuth: 403 },
  { name: 'C10 invalid X-Auth-Token', headers: () => ({ 'X-Auth-Token': 'AUTH_tk_not_a_token' }), onService: 401, onAuth: 401 },
  { name: 'C9 U + garbage service token', headers: (t) => ({ 'X-Auth-Token': t.U, 'X-Service-Token': 'garbage' }), onService: 401, onAuth: 401 },
  { name: 'C10 expired-looking garbage + S', headers: (t) => ({ 'X-Auth-Token': EXPIRED_LOOKING, 'X-Service-Token': t.S }), onService: 401, onAuth: 401 },
  { name: 'C9 U + expired-looking service token', headers: (t) => ({ 'X-Auth-Token': t.U, 'X-Service-Token': EXPIRED_LOOKING }), onService: 401, onAuth: 401 },
  { name: 'C10 tampered U + S', headers: (t) => ({ 'X-Auth-Token': tampered(t.U), 'X-Service-Token': t.S }), onService: 401, onAuth: 401 },
  { name: 'C9 U + tampered S', headers: (t) => ({ 'X-Auth-Token': t.U, 'X-Service-Token': tampered(t.S) }), onService: 401, onAuth: 401 },
];
