/**
 * Property tests for the matchers (fast-check, fixed seed, bounded runs): what must hold for every
 * input, not only the table rows of the example tests. A failure prints the seed and the shrunk
 * counterexample; pin it as a regression row named after the bug.
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describe, it } from 'mocha';
import { isDecoyError } from '../../../../src/core/errors.js';
import { createBodyView } from '../../../../src/core/matching/body-view.js';
import { compileUrlMatcher } from '../../../../src/core/matching/url-matchers.js';
import { compileValueMatcher } from '../../../../src/core/matching/value-matchers.js';
import { DecoyRequest } from '../../../../src/core/request.js';

/** Fixed in `npm test`; DECOY_FUZZ_SEED and DECOY_FUZZ_SCALE fuzz longer locally. */
const RUNS = { seed: Number(process.env.DECOY_FUZZ_SEED ?? 9_2026), numRuns: Math.round(150 * Number(process.env.DECOY_FUZZ_SCALE ?? 1)) };

/** JSON values small enough to keep each run fast. */
const json = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.boolean(), fc.constant(null), fc.string({ maxLength: 6 })),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** Every array inside `v` shuffled by `rand`. */
function shuffleDeep(v: unknown, rand: () => number): unknown {
  if (Array.isArray(v)) {
    const out = v.map((x) => shuffleDeep(x, rand));
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, shuffleDeep(x, rand)]));
  return v;
}

function bodyMatches(def: unknown, text: string): boolean {
  const m = compileValueMatcher(def, '/request/bodyPatterns/0');
  const body = createBodyView(Buffer.from(text, 'utf8'));
  return m.test(body.text, body);
}

const REGEX_SPECIALS = /[.*+?^${}()|[\]\\/-]/g;
const tricky = fc.string({ unit: fc.constantFrom(...'aZ09 .*+?()[]{}|^$\\-/é\t'.split('')), maxLength: 12 });

describe('matcher properties', () => {
  describe('equalToJson', () => {
    it('matches the same document re-serialized with its keys in another order', () => {
      fc.assert(fc.property(json, (v) => {
        const reordered = JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).reverse()) : x), 2);
        assert.equal(bodyMatches({ equalToJson: JSON.stringify(v) }, reordered), true);
      }), RUNS);
    });

    it('with ignoreArrayOrder, is invariant under shuffling every array', () => {
      fc.assert(fc.property(json, fc.integer(), (v, seed) => {
        let s = seed >>> 0;
        const rand = () => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
        const shuffled = JSON.stringify(shuffleDeep(v, rand));
        assert.equal(bodyMatches({ equalToJson: JSON.stringify(v), ignoreArrayOrder: true }, shuffled), true);
      }), RUNS);
    });

    it('with ignoreExtraElements, an object matches any superset of its keys; without it, only itself', () => {
      const obj = fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), json, { maxKeys: 4 });
      fc.assert(fc.property(obj, obj, (expected, extra) => {
        const actual = { ...extra, ...expected };
        assert.equal(bodyMatches({ equalToJson: JSON.stringify(expected), ignoreExtraElements: true }, JSON.stringify(actual)), true);
        const added = Object.keys(extra).some((k) => !(k in expected));
        if (added) assert.equal(bodyMatches({ equalToJson: JSON.stringify(expected) }, JSON.stringify(actual)), false);
      }), RUNS);
    });

    it('never throws on a body that is not JSON; it just does not match', () => {
      fc.assert(fc.property(json, fc.string({ maxLength: 40 }), (v, text) => {
        const expected = JSON.stringify(v);
        let parses = true;
        try { JSON.parse(text); } catch { parses = false; }
        const result = bodyMatches({ equalToJson: expected }, text);
        if (!parses) assert.equal(result, false);
      }), RUNS);
    });
  });

  describe('string operators agree with one another', () => {
    it('equalTo s matches t exactly when s === t; contains and a quoted matches agree with it', () => {
      fc.assert(fc.property(tricky, tricky, (s, t) => {
        const equal = compileValueMatcher({ equalTo: s }, '/x').test(t);
        assert.equal(equal, s === t);
        const quoted = s.replace(REGEX_SPECIALS, '\\$&');
        assert.equal(compileValueMatcher({ matches: quoted }, '/x').test(t), equal, `matches ${quoted}`);
        assert.equal(compileValueMatcher({ contains: s }, '/x').test(t), t.includes(s));
        assert.equal(compileValueMatcher({ doesNotContain: s }, '/x').test(t), !t.includes(s));
        assert.equal(compileValueMatcher({ doesNotMatch: quoted }, '/x').test(t), !equal);
      }), RUNS);
    });

    it('caseInsensitive equalTo matches any ASCII case variant, and only those', () => {
      const ascii = fc.string({ unit: fc.constantFrom(...'abcXYZ019-_'.split('')), maxLength: 10 });
      fc.assert(fc.property(ascii, fc.array(fc.boolean(), { maxLength: 10 }), ascii, (s, flips, other) => {
        const variant = s.split('').map((c, i) => (flips[i] ? c.toUpperCase() : c.toLowerCase())).join('');
        const m = compileValueMatcher({ equalTo: s, caseInsensitive: true }, '/x');
        assert.equal(m.test(variant), true);
        assert.equal(m.test(other), s.toLowerCase() === other.toLowerCase());
      }), RUNS);
    });

    it('a match has distance 0 and a miss a distance in (0, 1], for every operator', () => {
      const ops = fc.constantFrom('equalTo', 'contains', 'doesNotContain', 'matches', 'doesNotMatch');
      fc.assert(fc.property(ops, tricky, tricky, fc.boolean(), (op, s, t, ci) => {
        const m = compileValueMatcher({ [op]: op.endsWith('atch') || op === 'matches' ? s.replace(REGEX_SPECIALS, '\\$&') : s, ...(ci && op === 'equalTo' ? { caseInsensitive: true } : {}) }, '/x');
        const d = m.distance(t);
        if (m.test(t)) assert.equal(d, 0);
        else assert.ok(d > 0 && d <= 1, `distance ${d}`);
      }), RUNS);
    });

    it('any definition either compiles or is refused with a DecoyError, never another exception', () => {
      const def = fc.oneof(json, fc.dictionary(fc.constantFrom('equalTo', 'matches', 'contains', 'equalToJson', 'matchesJsonPath', 'equalToXml', 'matchesXPath', 'before', 'after', 'and', 'or', 'not', 'absent', 'caseInsensitive', 'ignoreArrayOrder', 'hasExactly', 'includes', 'matchesJsonSchema'), json, { maxKeys: 3 }));
      fc.assert(fc.property(def, fc.string({ maxLength: 20 }), (d, value) => {
        let m;
        try {
          m = compileValueMatcher(d, '/x');
        } catch (e) {
          assert.ok(isDecoyError(e), `not a DecoyError: ${(e as Error).stack}`);
          return;
        }
        const body = createBodyView(Buffer.from(value, 'utf8'));
        m.test(value);
        m.test(body.text, body);
        const dist = m.distance(value);
        assert.ok(dist >= 0 && dist <= 1, `distance ${dist}`);
      }), RUNS);
    });
  });

  describe('URL matchers', () => {
    const segment = fc.string({ unit: fc.constantFrom(...'abcxyz0129-_'.split('')), minLength: 1, maxLength: 6 });
    const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => '/' + s.join('/'));
    const queryArb = fc.array(fc.tuple(segment, segment), { maxLength: 3 }).map((q) => (q.length ? '?' + q.map(([k, v]) => `${k}=${v}`).join('&') : ''));
    const req = (url: string) => new DecoyRequest('GET', url, () => ({}), Buffer.alloc(0));

    it('urlPathPattern ignores the query; urlPattern sees it; urlPath and url likewise', () => {
      fc.assert(fc.property(pathArb, queryArb, (p, q) => {
        const pattern = p.replace(REGEX_SPECIALS, '\\$&');
        const url = p + q;
        assert.equal(compileUrlMatcher({ urlPathPattern: pattern }, '/request')!.test(req(url)), true);
        assert.equal(compileUrlMatcher({ urlPattern: pattern }, '/request')!.test(req(url)), q === '');
        assert.equal(compileUrlMatcher({ urlPattern: `${pattern}(\\?.*)?` }, '/request')!.test(req(url)), true);
        assert.equal(compileUrlMatcher({ urlPath: p }, '/request')!.test(req(url)), true);
        assert.equal(compileUrlMatcher({ url: p }, '/request')!.test(req(url)), q === '');
        assert.equal(compileUrlMatcher({ url }, '/request')!.test(req(url)), true);
      }), RUNS);
    });

    it('a path template matches every path with the same number of segments and captures each', () => {
      fc.assert(fc.property(fc.array(segment, { minLength: 1, maxLength: 4 }), queryArb, (segs, q) => {
        const template = '/' + segs.map((_, i) => `{p${i}}`).join('/');
        const m = compileUrlMatcher({ urlPathTemplate: template }, '/request')!;
        const r = req('/' + segs.join('/') + q);
        assert.equal(m.test(r), true);
        assert.deepEqual(m.params(r), Object.fromEntries(segs.map((s, i) => [`p${i}`, s])));
        assert.equal(m.test(req('/' + [...segs, 'extra'].join('/'))), false);
      }), RUNS);
    });
  });
});
