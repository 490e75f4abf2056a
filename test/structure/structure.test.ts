import { describe, expect, test } from '@jest/globals';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const SDK = '@conversation-hub/client-sdk';

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules' || name === 'dist') continue;
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Every relative import and re-export of a file (type-only ones too: a cycle of types is a tangle all the same), resolved to a file. */
export function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/g)) {
    let spec = m[1]!;
    if (spec === SDK) spec = join(ROOT, 'client-sdk/src/index.ts');
    else if (spec === `${SDK}/contract`) spec = join(ROOT, 'client-sdk/src/contract/index.ts');
    else if (spec.startsWith('.')) spec = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    else continue;
    out.push(spec);
  }
  return out;
}

/** The import cycles among `files`, each as its list of files (Tarjan's strongly connected components). */
export function cycles(files: string[]): string[][] {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((t) => t !== f)]));
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(relative(ROOT, w));
      } while (w !== v);
      if (scc.length > 1) out.push(scc.sort());
    }
  };
  for (const f of graph.keys()) if (!idx.has(f)) visit(f);
  return out;
}

function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('the structure of the code', () => {
  const server = sources(join(ROOT, 'server'));
  const sdk = sources(join(ROOT, 'client-sdk'));

  test('no import cycle anywhere in server/ and client-sdk/', () => {
    expect(cycles([...server, ...sdk])).toEqual([]);
  });

  test('the cycle check finds a cycle when there is one', () => {
    // Two files of this repository known to import each other would be a cycle; build one from the test's own graph.
    const a = join(ROOT, 'test/structure/fixtures/a.ts');
    const b = join(ROOT, 'test/structure/fixtures/b.ts');
    expect(cycles([a, b])).toEqual([['test/structure/fixtures/a.ts', 'test/structure/fixtures/b.ts']]);
  });

  test('no server or SDK source file over 300 lines (Lua scripts and tests aside)', () => {
    const long = [...server, ...sdk].map((f) => [relative(ROOT, f), lineCount(readFileSync(f, 'utf8'))] as const).filter(([, n]) => n > 300);
    expect(long).toEqual([]);
  });
});
