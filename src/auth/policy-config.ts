/** The authorisation settings compiled once from `[auth]` for the pure policy function. */
import type { AuthConfig } from '../config/schema.js';
import { parsePrefixes, parseRoleList } from './prefixes.js';

export interface PrefixRules {
  operatorRoles: string[];
  serviceRoles: string[];
  projectReaderRoles: string[];
  /** D6: read-only access to every account of this prefix. */
  readerRoles: string[];
  /** D5: ACLs on this prefix's accounts only count together with a valid service token. */
  aclRequiresServiceToken: boolean;
}

export interface PolicyConfig {
  prefixes: string[];
  rules: Map<string, PrefixRules>;
  resellerAdminRole: string;
  systemReaderRoles: string[];
  serviceTokenRoles: string[];
  serviceTokenRolesRequired: boolean;
  allowExpiredWindow: number;
  /**
   * R5.6 (tempauth grantees), built-in identity only: an ACL entry naming an account
   * (`<first prefix><project id>`, what a v1.0 login's storage URL ends in) grants the operators of
   * that project, as tempauth's `.admin` users hold their account id as a group. Off with an external
   * Keystone, whose keystoneauth knows no such grantee.
   */
  accountNameGrantees: boolean;
}

/** R1.2: `<PREFIX><option>` if set and non-empty, else the unprefixed option, else the default. */
function optionFor(auth: AuthConfig, prefix: string, option: string, unprefixed: string): string {
  const key = prefix === '' ? `''${option}` : `${prefix}${option}`;
  const perPrefix = auth.per_prefix[key];
  return perPrefix !== undefined && perPrefix !== '' ? perPrefix : unprefixed;
}

export function compilePolicy(auth: AuthConfig, identityMode: 'builtin' | 'keystone' = 'builtin'): PolicyConfig {
  const prefixes = parsePrefixes(auth.reseller_prefix);
  const rules = new Map<string, PrefixRules>();
  for (const p of prefixes) {
    rules.set(p, {
      operatorRoles: parseRoleList(optionFor(auth, p, 'operator_roles', auth.operator_roles)),
      serviceRoles: parseRoleList(optionFor(auth, p, 'service_roles', auth.service_roles)),
      projectReaderRoles: parseRoleList(optionFor(auth, p, 'project_reader_roles', auth.project_reader_roles)),
      readerRoles: parseRoleList(optionFor(auth, p, 'reader_roles', '')),
      aclRequiresServiceToken: optionFor(auth, p, 'acl_requires_service_token', 'false').toLowerCase() === 'true',
    });
  }
  return {
    prefixes,
    rules,
    resellerAdminRole: auth.reseller_admin_role.toLowerCase(),
    systemReaderRoles: parseRoleList(auth.system_reader_roles),
    serviceTokenRoles: auth.service_token_roles.split(',').map((r) => r.trim()).filter((r) => r !== ''),
    serviceTokenRolesRequired: auth.service_token_roles_required,
    allowExpiredWindow: auth.allow_expired_window,
    accountNameGrantees: identityMode === 'builtin',
  };
}
