/**
 * The HTML pages of static web listings, as Swift's staticweb renders them (same markup, so style
 * sheets written for Swift's listings apply unchanged).
 */
import { pyQuote } from '../../swift/quote.js';

const DOCTYPE = '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" "http://www.w3.org/TR/html4/loose.dtd">\n';

export interface ListingEntry {
  name?: string;
  subdir?: string;
  bytes?: number;
  content_type?: string;
  last_modified?: string;
}

/** Python's html.escape(text, quote=True). */
export function htmlEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** Swift's human_readable: 1048576 → "1Mi", 1023 → "1023". */
export function humanReadable(bytes: number): string {
  const suffixes = 'KMGTPEZY';
  let value = bytes;
  let index = -1;
  while (value >= 1024 && index + 1 < suffixes.length) {
    index++;
    value = roundHalfEven(value / 1024);
  }
  return index === -1 ? String(Math.trunc(value)) : `${value}${suffixes[index]}i`;
}

/** The style sheet link: absolute paths and URLs as they are, others relative to the listed directory. */
export function cssHref(css: string, prefix: string): string {
  if (/^(\/|http:\/\/|https:\/\/)/.test(css)) return pyQuote(css, ':/');
  return '../'.repeat(prefix.split('/').length - 1) + pyQuote(css);
}

function head(label: string, css: string | undefined, prefix: string, inlineStyle: string): string {
  let out = `<title>Listing of ${htmlEscape(label)}</title>\n`;
  out += css ? `  <link rel="stylesheet" type="text/css" href="${cssHref(css, prefix)}" />\n` : inlineStyle;
  return out;
}

/** The 404 page when listings are off (and, when set, the index file was not found). */
export function listingsDisabledPage(label: string, css: string | undefined, prefix: string, index: string | undefined): string {
  let body = `${DOCTYPE}<html>\n<head>\n${head(label, css, prefix, '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   p {font-size: 2}\n  </style>\n')}`;
  body += '</head>\n<body>  <h1>Web Listing Disabled</h1>   <p>The owner of this web site has disabled web listing.'
    + '   <p>If you are the owner of this web site, you can enable   web listing by setting X-Container-Meta-Web-Listings.</p>';
  if (index) {
    body += `<h1>Index File Not Found</h1> <p>The owner of this web site has set  <b>X-Container-Meta-Web-Index: ${index}</b>. `
      + ' However, this file is not found.</p>';
  }
  return `${body} </body>\n</html>\n`;
}

/** A directory listing: subdirectories first, then objects, names relative to `prefix`. */
export function listingPage(label: string, css: string | undefined, prefix: string, entries: ListingEntry[]): string {
  const style = '  <style type="text/css">\n   h1 {font-size: 1em; font-weight: bold;}\n   th {text-align: left; padding: 0px 1em 0px 1em;}\n'
    + '   td {padding: 0px 1em 0px 1em;}\n   a {text-decoration: none;}\n  </style>\n';
  let body = `${DOCTYPE}<html>\n <head>\n  ${head(label, css, prefix, style)} </head>\n <body>\n`
    + `  <h1 id="title">Listing of ${htmlEscape(label)}</h1>\n  <table id="listing">\n   <tr id="heading">\n`
    + '    <th class="colname">Name</th>\n    <th class="colsize">Size</th>\n    <th class="coldate">Date</th>\n   </tr>\n';
  if (prefix) {
    body += '   <tr id="parent" class="item">\n    <td class="colname"><a href="../">../</a></td>\n'
      + '    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n';
  }
  for (const e of entries) {
    if (e.subdir === undefined) continue;
    const subdir = e.subdir.slice(prefix.length);
    body += `   <tr class="item subdir">\n    <td class="colname"><a href="${pyQuote(subdir)}">${htmlEscape(subdir)}</a></td>\n`
      + '    <td class="colsize">&nbsp;</td>\n    <td class="coldate">&nbsp;</td>\n   </tr>\n';
  }
  for (const e of entries) {
    if (e.name === undefined) continue;
    const name = e.name.slice(prefix.length);
    const types = (e.content_type ?? '').split('/').map((t) => `type-${htmlEscape(t.toLowerCase())}`).join(' ');
    const date = htmlEscape(e.last_modified ?? '').split('.')[0]?.replace('T', ' ') ?? '';
    body += `   <tr class="item ${types}">\n    <td class="colname"><a href="${pyQuote(name)}">${htmlEscape(name)}</a></td>\n`
      + `    <td class="colsize">${humanReadable(e.bytes ?? 0)}</td>\n    <td class="coldate">${date}</td>\n   </tr>\n`;
  }
  return `${body}  </table>\n </body>\n</html>\n`;
}
