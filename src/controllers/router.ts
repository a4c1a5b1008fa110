/**
 * `/v1/...` requests: split the path, ask the policy (pure) for a verdict, then hand the request to
 * the account, container or object controller. Authorization happens before any lookup, so a
 * missing resource gives 401/403 to strangers and 404 only to those allowed to know.
 */
import { authorizeRequest } from '../auth/authorize-request.js';
import type { PolicyConfig } from '../auth/policy-config.js';
import { SwiftError } from '../http/errors.js';
import type { Handler } from '../http/pipeline.js';
import type { SwiftResponse } from '../http/response.js';
import { accountController } from './account.js';
import { containerController } from './container.js';
import { objectController } from './object.js';
import type { Access, Services, Target } from './services.js';

/** `/v1/<account>[/<container>[/<object>]]`, or undefined when the path is not an API path (404). */
export function parseTarget(path: string): Target | undefined {
  const m = /^\/(v1(?:\.0)?)\/([^/]+)(?:\/([^/]+)(?:\/(.+))?)?\/?$/s.exec(path);
  if (!m) return undefined;
  const target: Target = { version: m[1] ?? 'v1', account: m[2] ?? '' };
  if (m[3] !== undefined) target.container = m[3];
  if (m[4] !== undefined) target.object = m[4];
  return target;
}

const ALLOW = {
  account: 'DELETE, GET, HEAD, OPTIONS, POST, PUT',
  container: 'DELETE, GET, HEAD, OPTIONS, POST, PUT',
  object: 'COPY, DELETE, GET, HEAD, OPTIONS, POST, PUT',
};

export function v1Router(services: Services, policy: PolicyConfig, subrequest: () => Handler): Handler {
  return async (ctx): Promise<SwiftResponse> => {
    const target = parseTarget(ctx.path);
    if (!target) throw new SwiftError('NotFound');
    const maxAccount = services.config.swift.max_account_name_length;
    const accountLength = Buffer.byteLength(target.account, 'utf8');
    if (accountLength > maxAccount) throw new SwiftError('AccountNameTooLong', { length: accountLength, max: maxAccount });

    const { owner } = await authorizeRequest(ctx, target, services, policy);
    const level = target.object !== undefined ? 'object' : target.container !== undefined ? 'container' : 'account';
    if (ctx.method === 'OPTIONS') {
      return { status: 200, headers: { allow: ALLOW[level], 'content-type': 'text/html; charset=UTF-8', 'content-length': '0' }, body: '' };
    }
    const access: Access = { owner, subrequest: subrequest() };
    if (level === 'object') return objectController(ctx, target, access, services);
    if (level === 'container') return containerController(ctx, target, access, services);
    return accountController(ctx, target, access, services);
  };
}
