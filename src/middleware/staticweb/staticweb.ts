/**
 * Static web sites from containers (Swift's staticweb middleware). For anonymous GET and HEAD
 * requests (or authenticated ones sending `X-Web-Mode: true`) a container with
 * `X-Container-Meta-Web-Index` and/or `-Web-Listings` serves as a web site:
 * - `/c` and pseudo-directories without a trailing slash redirect (301) to the slash form;
 * - `/c/` and `/c/dir/` serve the index object (`dir/index.html`) if there is one, else an HTML
 *   listing when listings are on (`-Web-Listings-CSS` styles it, `-Web-Listings-Label` titles it);
 * - directory marker objects (`-Web-Directory-Type`, default application/directory) count as absent;
 * - 404s (and the container's own 401s) show `<status><Web-Error>` (`404error.html`) when set.
 * Every read it makes is a sub-request authorised as the caller (D10): an anonymous visitor needs
 * the container's read ACL (`.r:*`, and `.rlistings` for the container page and listings).
 */
import { authorizeRequest } from '../../auth/authorize-request.js';
import type { PolicyConfig } from '../../auth/policy-config.js';
import { parseTarget } from '../../controllers/router.js';
import type { Services, Target } from '../../controllers/services.js';
import type { RequestContext } from '../../http/context.js';
import { isSwiftError, SwiftError } from '../../http/errors.js';
import { responseOf, type Handler, type Middleware } from '../../http/pipeline.js';
import { errorResponse, type SwiftResponse } from '../../http/response.js';
import { defaultErrorBody } from '../../http/status.js';
import { memoContainer } from '../../storage/request-memo.js';
import { headerToText } from '../../swift/headers.js';
import { pyQuote } from '../../swift/quote.js';
import { discard, encodePath, headerValue, readBody, subrequest, TRUE_VALUES } from '../dlo/segments.js';
import { listingPage, listingsDisabledPage, type ListingEntry } from './listing-page.js';

interface WebSettings {
  index?: string;
  error?: string;
  listings?: string;
  listingsLabel?: string;
  listingsCss?: string;
  directoryType?: string;
}

const isSuccess = (status: number) => status >= 200 && status < 300;
const isRedirect = (status: number) => status >= 300 && status < 400;

export function staticWeb(services: Services, policy: PolicyConfig, below: () => Handler): Middleware {
  return async (ctx, next) => {
    if (ctx.method !== 'GET' && ctx.method !== 'HEAD') return next(ctx);
    const webMode = TRUE_VALUES.test(ctx.headers['x-web-mode'] ?? '');
    // Identified callers get the plain API unless they ask for the web view.
    if ((ctx.identity !== undefined || ctx.grantScope !== undefined) && !webMode) return next(ctx);
    const target = parseTarget(ctx.path);
    if (!target || target.container === undefined) return next(ctx);
    const site = new Site(ctx, target, target.container, await webSettings(ctx, services, target.account, target.container), below());
    return target.object === undefined ? site.containerPage(next, services, policy, webMode) : site.objectPage(next, target.object);
  };
}

async function webSettings(ctx: RequestContext, services: Services, account: string, container: string): Promise<WebSettings> {
  const meta = (await memoContainer(ctx, services.meta, account, container))?.metadata ?? {};
  const get = (name: string) => {
    const v = meta[`x-container-meta-web-${name}`];
    return v === undefined ? undefined : headerToText(v).trim() || undefined;
  };
  return {
    index: get('index'), error: get('error'), listings: get('listings'), listingsLabel: get('listings-label'),
    listingsCss: get('listings-css'), directoryType: get('directory-type'),
  };
}

class Site {
  private readonly containerPath: string;

  constructor(
    private readonly ctx: RequestContext,
    private readonly target: Target,
    container: string,
    private readonly web: WebSettings,
    private readonly below: Handler,
  ) {
    this.containerPath = `/${target.version}/${target.account}/${container}`;
  }

  async containerPage(next: Handler, services: Services, policy: PolicyConfig, webMode: boolean): Promise<SwiftResponse> {
    try {
      await authorizeRequest(this.ctx, { version: this.target.version, account: this.target.account, container: this.target.container ?? '' }, services, policy);
    } catch (err) {
      if (!isSwiftError(err)) throw err;
      return this.errorPage(errorResponse(err));
    }
    if (!this.web.listings && !this.web.index) {
      if (webMode) throw new SwiftError('NotFound');
      return next(this.ctx);
    }
    if (!this.ctx.path.endsWith('/')) return this.redirectWithSlash();
    if (!this.web.index) return this.listing();
    const res = await this.read(this.ctx.method, this.ctx.path + this.web.index);
    if (res.status === 404) {
      discard(res);
      return this.listing();
    }
    if (!isSuccess(res.status) && !isRedirect(res.status)) return this.errorPage(res);
    return res;
  }

  async objectPage(next: Handler, object: string): Promise<SwiftResponse> {
    const res = await responseOf(next, this.ctx);
    if (isSuccess(res.status) || isRedirect(res.status)) {
      const length = Number(headerValue(res.headers, 'content-length') ?? 0);
      // A directory marker is not a page (it counts as absent): the directory's index or listing is.
      if (headerValue(res.headers, 'content-type') !== (this.web.directoryType ?? 'application/directory') || length > 1) return res;
    } else if (res.status !== 404) {
      return res; // as Swift: custom error pages only for 404s of objects
    }
    // Not a web site: the answer as it was (a directory marker included).
    if (!this.web.listings && !this.web.index) return res;
    discard(res);
    const path = this.ctx.path;
    if (this.web.index) {
      const index = await this.read(this.ctx.method, `${path.endsWith('/') ? path : `${path}/`}${this.web.index}`);
      if (isSuccess(index.status) || isRedirect(index.status)) {
        if (path.endsWith('/')) return index;
        discard(index);
        return this.redirectWithSlash();
      }
      if (index.status !== 404) return this.errorPage(index);
      discard(index);
    }
    if (!path.endsWith('/')) {
      // `dir` with no marker object is still a directory when something lies under `dir/`.
      const probe = await this.below(subrequest(this.ctx, 'GET', this.containerPath, { limit: '1', delimiter: '/', prefix: `${object}/`, format: 'json' }));
      const body = isSuccess(probe.status) ? await readBody(probe) : (discard(probe), Buffer.alloc(0));
      const found = body.length > 0 && (JSON.parse(body.toString('utf8')) as unknown[]).length > 0;
      return found ? this.redirectWithSlash() : this.errorPage(errorResponse(new SwiftError('NotFound')));
    }
    return this.listing(object);
  }

  private read(method: string, path: string): Promise<SwiftResponse> {
    // The caller's own request (headers and query too) for another object, authorised as the caller.
    return responseOf(this.below, { ...this.ctx, method, path, rawPath: encodePath(path), internal: true });
  }

  private redirectWithSlash(): SwiftResponse {
    return {
      status: 301,
      headers: { location: `${this.ctx.origin}${pyQuote(`${this.ctx.path}/`)}`, 'content-type': 'text/html; charset=UTF-8' },
      body: defaultErrorBody(301),
    };
  }

  private async listing(prefix = ''): Promise<SwiftResponse> {
    const label = this.web.listingsLabel ? `${this.web.listingsLabel}/${this.ctx.path.split('/').slice(4).join('/')}` : this.ctx.path;
    if (!this.web.listings || !TRUE_VALUES.test(this.web.listings)) {
      const body = listingsDisabledPage(label, this.web.listingsCss, prefix, this.web.index);
      return this.errorPage({ status: 404, headers: { 'content-type': 'text/html; charset=UTF-8' }, body });
    }
    const query: Record<string, string> = { delimiter: '/', format: 'json' };
    if (prefix) query['prefix'] = prefix;
    const res = await this.below(subrequest(this.ctx, 'GET', this.containerPath, query));
    if (!isSuccess(res.status)) return this.errorPage(res);
    const body = await readBody(res);
    const entries = body.length > 0 ? (JSON.parse(body.toString('utf8')) as ListingEntry[]) : [];
    if (prefix && entries.length === 0) return this.errorPage(errorResponse(new SwiftError('NotFound')));
    return { status: 200, headers: { 'content-type': 'text/html; charset=UTF-8' }, body: listingPage(label, this.web.listingsCss, prefix, entries) };
  }

  /** The container's `<status><Web-Error>` page with the original status, when it has one. */
  private async errorPage(res: SwiftResponse): Promise<SwiftResponse> {
    if (!this.web.error) return res;
    const page = await this.below(subrequest(this.ctx, 'GET', `${this.containerPath}/${res.status}${this.web.error}`));
    if (!isSuccess(page.status)) {
      discard(page);
      return res;
    }
    discard(res);
    return { status: res.status, headers: page.headers, body: page.body };
  }
}
