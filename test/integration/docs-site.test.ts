/**
 * The docs as a site: every relative link in README.md and docs/ reaches an existing file and, with a
 * #fragment, a heading of that file (as GitHub renders it); every error code in the source has its entry in
 * docs/errors.md, and no entry there is stale.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function markdownPages(): string[] {
  const pages = ['README.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name));
      else if (e.name.endsWith('.md')) pages.push(path.join(dir, e.name));
    }
  };
  walk('docs');
  return pages;
}

/** The text outside fenced code blocks (a `#` line in a block is a comment, not a heading; a link there is code). */
function prose(text: string): string {
  return text.replace(/^```[\s\S]*?^```/gm, '');
}

/** GitHub's heading ids: lower case, punctuation but `-` and `_` dropped, spaces to `-`; repeats get -1, -2, ... */
export function headingAnchors(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const m of prose(text).matchAll(/^#{1,6} (.+)$/gm)) {
    const base = m[1]!.trim().toLowerCase().replace(/[^\p{L}\p{N}_\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

describe('the docs site', () => {
  const pages = markdownPages();

  it('finds the pages: the README, the index, getting started, the guides, the reference and the recipes', () => {
    for (const p of ['docs/README.md', 'docs/getting-started.md', 'docs/errors.md', 'docs/recipes/README.md']) assert.ok(pages.includes(p), p);
    assert.ok(pages.filter((p) => p.startsWith('docs/guides/')).length >= 9);
    assert.ok(pages.filter((p) => p.startsWith('docs/reference/')).length >= 5);
  });

  it('GitHub\'s heading anchors, as the link check computes them', () => {
    assert.deepEqual([...headingAnchors('# A\n## Driving Decoy from tests: `decoy-mock/client`\n```\n# not a heading\n```\n## Warnings: `DECOY_WARN_X`\n## A\n')],
      ['a', 'driving-decoy-from-tests-decoy-mockclient', 'warnings-decoy_warn_x', 'a-1']);
  });

  it('every relative link in README.md and docs/ reaches an existing file and heading', () => {
    const problems: string[] = [];
    let checked = 0;
    for (const page of pages) {
      const text = readFileSync(path.join(root, page), 'utf8');
      for (const m of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!;
        if (/^[a-z][a-z+.-]*:/i.test(target)) continue; // https:, mailto:
        checked++;
        const [file, fragment] = target.split('#') as [string, string | undefined];
        const resolved = file === '' ? page : path.normalize(path.join(path.dirname(page), decodeURIComponent(file)));
        if (!existsSync(path.join(root, resolved))) {
          problems.push(`${page}: ${target}: no file ${resolved}`);
          continue;
        }
        if (fragment === undefined) continue;
        if (!resolved.endsWith('.md') || statSync(path.join(root, resolved)).isDirectory()) {
          problems.push(`${page}: ${target}: a #fragment on a file that is not Markdown`);
          continue;
        }
        if (!headingAnchors(readFileSync(path.join(root, resolved), 'utf8')).has(fragment)) problems.push(`${page}: ${target}: ${resolved} has no heading #${fragment}`);
      }
    }
    assert.ok(checked >= 50, `checked ${checked} links`);
    assert.deepEqual(problems, []);
  });

  it('every error and warning code used in src/ has its entry in docs/errors.md, and every entry is used', () => {
    const used = new Set<string>();
    const walk = (dir: string): void => {
      for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
        if (e.isDirectory()) walk(path.join(dir, e.name));
        else if (/\.ts$/.test(e.name)) for (const m of readFileSync(path.join(root, dir, e.name), 'utf8').matchAll(/\bDECOY_(?:ERR|WARN)_[A-Z0-9_]+/g)) used.add(m[0]);
      }
    };
    walk('src');
    const errors = readFileSync(path.join(root, 'docs', 'errors.md'), 'utf8');
    // An entry is a table row that starts with the code, or a section heading that names it.
    const documented = new Set([...errors.matchAll(/^(?:\| `|#+ .*`)(DECOY_(?:ERR|WARN)_[A-Z0-9_]+)`/gm)].map((m) => m[1]!));
    assert.ok(used.size >= 15, `found ${used.size} codes in src/`);
    assert.deepEqual([...used].filter((c) => !documented.has(c)).sort(), [], 'codes without an entry in docs/errors.md');
    assert.deepEqual([...documented].filter((c) => !used.has(c)).sort(), [], 'entries in docs/errors.md that no code in src/ uses');
  });

  it('every decoy command line in a shell example names a real command and real flags', () => {
    const bin = path.join(root, 'dist', 'cli', 'main.js');
    const help = new Map<string, Set<string>>();
    const flagsOf = (command: string): Set<string> => {
      if (!help.has(command)) {
        const out = spawnSync(process.execPath, [bin, ...(command ? [command] : []), '--help'], { encoding: 'utf8' });
        assert.equal(out.status, 0, `decoy ${command} --help: ${out.stderr}`);
        help.set(command, new Set([...out.stdout.matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0])));
      }
      return help.get(command)!;
    };
    let checked = 0;
    for (const page of pages) {
      const text = readFileSync(path.join(root, page), 'utf8');
      for (const block of text.matchAll(/^```(?:sh)?\n([\s\S]*?)^```/gm)) {
        for (const line of block[1]!.split('\n')) {
          const m = /(?:^|&&\s*|\s)(?:npx )?(?:decoy-mock|decoy)((?: [^#|&;]*)?)/.exec(line.replace(/^\s*\$ /, ''));
          if (!m || /^\s*(#|\/\/)/.test(line) || /docker|image:|\.yaml|decoy\./.test(line.split('#')[0]!)) continue;
          const args = m[1]!.trim().split(/\s+/).filter(Boolean);
          const sub = ['init', 'record', 'import'].includes(args[0] ?? '') ? args[0]! : '';
          const known = flagsOf(sub);
          for (const flag of args.filter((a) => a.startsWith('--')).map((a) => a.replace(/=.*$/, ''))) {
            assert.ok(known.has(flag), `${page}: \`${line.trim()}\`: decoy ${sub} has no ${flag}`);
          }
          checked++;
        }
      }
    }
    assert.ok(checked >= 10, `checked ${checked} command lines`);
  });
});
