import { readFileSync } from 'node:fs';

/** The parts of a V8 .cpuprofile (node --cpu-prof) this summary reads. */
interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; hitCount?: number }[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileEntry {
  name: string;
  selfPercent: number;
}

/** Where a script belongs: its npm package, node's internals, or the repository's own code. */
export function ownerOf(url: string): string {
  if (url === '') return '(native / idle / gc)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/work\/[^/]+\/([^/]+)\//.exec(url) ?? /\/([^/]+)\/src\//.exec(url);
  return own?.[1] ? `@outbox/${own[1]}` : url;
}

/** Self time per function and per owner (package), biggest first, as a share of all samples. */
export function summarizeProfile(file: string, top = 15): { functions: ProfileEntry[]; owners: ProfileEntry[] } {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fnTime = new Map<string, number>();
  const ownerTime = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (!node) return;
    total += dt;
    const { functionName, url, lineNumber } = node.callFrame;
    const fn = `${functionName || '(anonymous)'} ${url.replace(/^.*node_modules\//, '')}:${lineNumber + 1}`;
    fnTime.set(fn, (fnTime.get(fn) ?? 0) + dt);
    const owner = ownerOf(url);
    ownerTime.set(owner, (ownerTime.get(owner) ?? 0) + dt);
  });
  const rank = (m: Map<string, number>): ProfileEntry[] =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, t]) => ({ name, selfPercent: Math.round((t / total) * 1000) / 10 }));
  return { functions: rank(fnTime), owners: rank(ownerTime) };
}

if (require.main === module) {
  for (const file of process.argv.slice(2)) {
    const { functions, owners } = summarizeProfile(file);
    console.log(`\n${file}\n  self time by package:`);
    for (const o of owners) console.log(`    ${String(o.selfPercent).padStart(5)}%  ${o.name}`);
    console.log('  self time by function:');
    for (const f of functions) console.log(`    ${String(f.selfPercent).padStart(5)}%  ${f.name}`);
  }
}
