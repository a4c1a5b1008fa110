/**
 * Swift's ratelimit settings: `container_ratelimit_<size> = <rate>` pairs give a rate (requests per
 * second) for containers of at least <size> objects, interpolated linearly between configured sizes
 * and flat past the largest; below the smallest size there is no limit.
 */

/** (container size, requests per second), sorted by size. */
export type SizeRates = readonly (readonly [number, number])[];

/** The rate for a container of `size` objects, or undefined when none applies (Swift's get_maxrate). */
export function rateForSize(limits: SizeRates, size: number): number | undefined {
  if (!size) return undefined;
  let at = -1;
  for (let i = 0; i < limits.length; i++) {
    if (size < (limits[i]?.[0] ?? 0)) break;
    at = i;
  }
  if (at < 0) return undefined;
  const [fromSize, fromRate] = limits[at] ?? [0, 0];
  const next = limits[at + 1];
  if (!next) return fromRate;
  const slope = (next[1] - fromRate) / (next[0] - fromSize);
  return (size - fromSize) * slope + fromRate;
}

/** `<prefix><integer size>` keys of a settings table → sorted (size, rate) pairs; other keys are left alone. */
export function sizeRates(settings: Record<string, number>, prefix: string): [number, number][] {
  const out: [number, number][] = [];
  for (const [key, rate] of Object.entries(settings)) {
    if (!key.startsWith(prefix)) continue;
    out.push([Number(key.slice(prefix.length)), rate]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}
