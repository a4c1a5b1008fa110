import type { Middleware } from '../../http/pipeline.js';

export const CROSSDOMAIN_INFO = {};

/** Swift's default `cross_domain_policy`: any domain may read, over plain HTTP too. */
const POLICY = '<allow-access-from domain="*" secure="false" />';
const BODY = '<?xml version="1.0"?>\n<!DOCTYPE cross-domain-policy SYSTEM "http://www.adobe.com/xml/dtds/cross-domain-policy.dtd" >\n' +
  `<cross-domain-policy>\n${POLICY}\n</cross-domain-policy>`;

/** `GET /crossdomain.xml` → the cross-domain policy Flash and Silverlight clients ask for, as Swift's crossdomain middleware. */
export const crossdomain: Middleware = async (ctx, next) => {
  if (ctx.path !== '/crossdomain.xml' || ctx.method !== 'GET') return next(ctx);
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: BODY };
};
