/**
 * `temp_url_ip_range`: the client addresses a temporary URL is limited to, one address or a network
 * in CIDR notation. As Python's `ip_network` (which Swift uses), a network with host bits set is
 * refused rather than widened; an IPv4-mapped IPv6 client address counts as its IPv4 address.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpRange {
  bytes: Uint8Array;
  prefixLength: number;
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Uint8Array {
  let groups: string[];
  // An embedded IPv4 address fills the last two groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const head = v4 ? text.slice(0, -(v4[1] ?? '').length) : text;
  const tail: number[] = [];
  if (v4) {
    const b = ipv4Bytes(v4[1] ?? '');
    tail.push(((b[0] ?? 0) << 8) | (b[1] ?? 0), ((b[2] ?? 0) << 8) | (b[3] ?? 0));
  }
  const wanted = 8 - tail.length;
  const gap = head.indexOf('::');
  if (gap === -1) groups = head.split(':').filter((g) => g !== '');
  else {
    const left = head.slice(0, gap).split(':').filter((g) => g !== '');
    const right = head.slice(gap + 2).split(':').filter((g) => g !== '');
    groups = [...left, ...Array<string>(wanted - left.length - right.length).fill('0'), ...right];
  }
  const words = [...groups.map((g) => parseInt(g, 16)), ...tail];
  const out = new Uint8Array(16);
  words.forEach((w, i) => { out[2 * i] = w >> 8; out[2 * i + 1] = w & 0xff; });
  return out;
}

/** An address as bytes (4 or 16), IPv4-mapped IPv6 unmapped; undefined when it is not an address. */
export function addressBytes(text: string): Uint8Array | undefined {
  if (isIPv4(text)) return ipv4Bytes(text);
  if (!isIPv6(text)) return undefined;
  const bytes = ipv6Bytes(text);
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? bytes.slice(12) : bytes;
}

export function parseIpRange(text: string): IpRange | undefined {
  const slash = text.indexOf('/');
  const addressText = slash === -1 ? text : text.slice(0, slash);
  if (!isIPv4(addressText) && !isIPv6(addressText)) return undefined;
  const bytes = isIPv4(addressText) ? ipv4Bytes(addressText) : ipv6Bytes(addressText);
  const bits = bytes.length * 8;
  const lengthText = slash === -1 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lengthText) || Number(lengthText) > bits) return undefined;
  const range = { bytes, prefixLength: Number(lengthText) };
  return hostBitsClear(range) ? range : undefined;
}

function bitAt(bytes: Uint8Array, i: number): number {
  return ((bytes[i >> 3] ?? 0) >> (7 - (i & 7))) & 1;
}

function hostBitsClear(range: IpRange): boolean {
  for (let i = range.prefixLength; i < range.bytes.length * 8; i++) if (bitAt(range.bytes, i)) return false;
  return true;
}

export function inIpRange(range: IpRange, address: string): boolean {
  const bytes = addressBytes(address);
  if (!bytes || bytes.length !== range.bytes.length) return false;
  for (let i = 0; i < range.prefixLength; i++) if (bitAt(bytes, i) !== bitAt(range.bytes, i)) return false;
  return true;
}
