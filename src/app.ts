/**
 * Builds the request pipeline, in Swift's order:
 *   catch-errors → validate path → gatekeeper → healthcheck → crossdomain → info → S3 (s3api) → domain remap → web console (files) → v1.0 login → /v3 identity → container sync → tempurl → formpost → authenticate → staticweb
 *   (identity mode `keystone`: no v1.0 login and no /v3, tokens are validated by the external Keystone)
 *   → feature middlewares (bulk, copy, slo, dlo, object versioning, versioned writes, symlink) → router (authorize → account | container | object controllers).
 * Sub-requests made by features enter below authentication and are authorised again.
 */
import { authenticate, type TokenResolver } from './auth/authenticate.js';
import type { PolicyConfig } from './auth/policy-config.js';
import { v1Router } from './controllers/router.js';
import type { Services } from './controllers/services.js';
import { webConsole } from './console/static.js';
import { compose, type Handler, type Middleware } from './http/pipeline.js';
import type { IdentityService } from './identity/service.js';
import { v1Auth } from './identity/v1-auth.js';
import { identityRoot, identityV3 } from './identity/v3/index.js';
import type { V3Deps } from './identity/v3/tokens.js';
import { copyMiddleware } from './middleware/copy/copy.js';
import { bulkMiddleware } from './middleware/bulk/bulk.js';
import { dloMiddleware } from './middleware/dlo/dlo.js';
import { sloMiddleware } from './middleware/slo/slo.js';
import { etagQuoter } from './middleware/etag-quoter/etag-quoter.js';
import { catchErrors, validatePath } from './middleware/errors/catch-errors.js';
import { gatekeeper } from './middleware/gatekeeper/gatekeeper.js';
import { projectDomain } from './middleware/project-domain/project-domain.js';
import { healthcheck } from './middleware/healthcheck/healthcheck.js';
import { crossdomain } from './middleware/crossdomain/crossdomain.js';
import { domainRemap } from './middleware/domain-remap/domain-remap.js';
import { info } from './middleware/info/info.js';
import { staticWeb } from './middleware/staticweb/staticweb.js';
import { symlinkMiddleware } from './middleware/symlink/symlink.js';
import { versionedWrites } from './middleware/versioned-writes/versioned-writes.js';
import { objectVersioning } from './middleware/object-versioning/object-versioning.js';
import { tempUrl } from './middleware/tempurl/tempurl.js';
import { containerSync } from './middleware/container-sync/container-sync.js';
import { formPost } from './middleware/formpost/formpost.js';
import { rateLimit } from './middleware/ratelimit/ratelimit.js';
import type { RateClock } from './middleware/ratelimit/counters.js';
import type { AccessLog } from './observe/access-log.js';
import { SOURCES, subrequestTagger } from './observe/subrequests.js';
import type { S3Authority } from './s3/authority.js';
import { localAuthority } from './s3/credentials.js';
import { s3Api } from './s3/middleware.js';

export interface AppDeps {
  services: Services;
  policy: PolicyConfig;
  identity: IdentityService;
  resolveToken: TokenResolver;
  /** Keystone mode: the `Keystone uri="…"` challenge added to 401 answers. */
  wwwAuthenticate?: string;
  /** Keystone mode: S3 signatures checked at Keystone's /v3/s3tokens; without it S3 is off there. */
  s3Authority?: S3Authority;
  v3: V3Deps;
  /** Rate limiting's shared clocks; rate limiting is off without them. */
  rateClock?: RateClock;
  /** The access log, when on: sub-requests are logged with their source (src/observe/subrequests.ts). */
  accessLog?: AccessLog;
}

export function buildApp(deps: AppDeps): Handler {
  const { services, policy } = deps;
  // Features and the router; sub-requests run this part again, with errors converted as usual.
  let belowAuth: Handler;
  // Each feature's sub-requests carry its Swift source for the access log (a no-op with the log off).
  const tag = subrequestTagger(deps.accessLog);
  const sub = (source: string) => tag(source, () => belowAuth);
  const symlinks = symlinkMiddleware(services.meta, tag(SOURCES.symlink, () => router));
  const features: Middleware[] = [projectDomain(services.meta, policy.prefixes), etagQuoter(services.meta),
    bulkMiddleware(sub(SOURCES.bulkDelete), () => services.config.swift, sub(SOURCES.extractArchive)),
    copyMiddleware(sub(SOURCES.copy)), sloMiddleware(sub(SOURCES.slo)), dloMiddleware(sub(SOURCES.dlo), () => services.config.swift.container_listing_limit),
    // Both keep versions as stored: their own reads and writes skip the large-object features above them.
    // Object versioning runs first, as Swift wraps the legacy middleware in it.
    objectVersioning(services, policy, tag(SOURCES.objectVersioning, () => storedObjects)),
    versionedWrites(services, policy, tag(SOURCES.versionedWrites, () => storedObjects)),
    // Innermost, as in Swift: large objects' segments and copies' sources that are links get followed.
    symlinks];
  const router = v1Router(services, policy, () => belowAuth);
  belowAuth = compose([catchErrors, ...features], router);
  const storedObjects = compose([symlinks], router);

  const s3Authority = services.config.identity.mode === 'keystone'
    ? deps.s3Authority
    : localAuthority({ identity: deps.identity.identityStore, configUsers: services.config.identity.users, ...(deps.v3.ec2Creds ? { ec2: deps.v3.ec2Creds } : {}) });
  const edge: Middleware[] = [
    catchErrors,
    validatePath,
    gatekeeper,
    healthcheck,
    crossdomain,
    info(services.config),
    // S3 (Swift's s3api): a request with S3 authentication is served here, its operations made of
    // Swift sub-requests below authentication; it never reaches domain remap or Swift's auth.
    // Keystone mode checks S3 signatures at Keystone (Swift's s3token), the built-in identity here.
    ...(s3Authority ? [s3Api({ config: services.config.s3, policy, authority: s3Authority, below: () => belowAuth })] : []),
    // Before authentication, as in Swift: a Host header naming an account or container becomes its path.
    domainRemap({ ...services.config.domain_remap, resellerPrefixes: policy.prefixes.filter((p) => p !== '').map((p) => p.replace(/_$/, '')) }),
    // Static files only: the console then calls /v3 and /v1 as any client, through authentication.
    // After domain remap, so that `/console` on a remapped host stays an object of that container.
    webConsole(services.config.console, {
      identityUrl: services.config.identity.mode === 'keystone' ? `${services.config.keystone.auth_url.replace(/\/+$/, '').replace(/\/v3$/, '')}/v3` : '/v3',
      serviceAccountPrefixes: policy.prefixes.slice(1).filter((p) => p !== ''),
      accountPrefix: policy.prefixes[0] ?? 'AUTH_',
      resellerAdminRole: services.config.auth.reseller_admin_role,
      imageServiceUrl: services.config.images.public_url.replace(/\/+$/, ''),
    }),
    // With an external Keystone, clients log in at Keystone: Swiftlet serves no identity API.
    ...(services.config.identity.mode === 'keystone'
      ? []
      : [v1Auth(deps.identity, policy.prefixes[0] ?? ''), identityRoot(), identityV3(deps.v3)]),
    // Before authentication, as in Swift's pipeline: a container-sync signature stands in for a token.
    ...(services.config.container_sync.enabled ? [containerSync(services.config.container_sync, services.meta)] : []),
    // Before authentication, as in Swift's pipeline: a valid temporary URL or signed form stands in for a token.
    tempUrl(services.meta),
    formPost(services.meta, sub(SOURCES.formPost)),
    // Before authentication, as in Swift's pipeline: limits count every client request to a path.
    ...(deps.rateClock ? [rateLimit(services.config.ratelimit, services.meta, deps.rateClock)] : []),
    authenticate(deps.resolveToken, policy, deps.wwwAuthenticate),
    // After authentication, as in Swift: it serves anonymous visitors; its reads are sub-requests.
    staticWeb(services, policy, sub(SOURCES.staticWeb)),
    ...features,
  ];
  return compose(edge, router);
}
