/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), for tests: it throws on
 * anything a Prometheus server would reject or that breaks the format's rules (a sample before its
 * TYPE, a family declared twice, a duplicate series, a histogram whose buckets are not cumulative or
 * whose +Inf bucket is not its count). The npm parsers seen drop histogram labels, so this one is ours.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram' | 'summary' | 'untyped';
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
const SUFFIXES: Record<Family['type'], string[]> = {
  counter: [''], gauge: [''], untyped: [''], histogram: ['_bucket', '_sum', '_count'], summary: ['', '_sum', '_count'],
};

export function parsePrometheusText(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const helps = new Map<string, string>();
  const seen = new Set<string>();
  if (text !== '' && !text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line}`;
    if (line.trim() === '') return;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, kind, name, rest = ''] = m;
      if (!NAME.test(name!)) throw new Error(`bad metric name, ${where}`);
      if (kind === 'HELP') {
        if (helps.has(name!)) throw new Error(`HELP given twice, ${where}`);
        helps.set(name!, rest.replace(/\\n/g, '\n').replace(/\\\\/g, '\\'));
        return;
      }
      if (!TYPES.has(rest)) throw new Error(`unknown type, ${where}`);
      if (families.has(name!)) throw new Error(`TYPE given twice or after samples, ${where}`);
      families.set(name!, { name: name!, help: helps.get(name!) ?? '', type: rest as Family['type'], samples: [] });
      return;
    }
    const sample = parseSample(line, where);
    const family = [...families.values()].find((f) => SUFFIXES[f.type].some((s) => sample.name === f.name + s));
    if (!family) throw new Error(`a sample with no TYPE before it, ${where}`);
    const key = `${sample.name}{${Object.entries(sample.labels).sort().map(([k, v]) => `${k}=${v}`).join(',')}}`;
    if (seen.has(key)) throw new Error(`duplicate series, ${where}`);
    seen.add(key);
    family.help ||= helps.get(family.name) ?? '';
    family.samples.push(sample);
  });
  for (const f of families.values()) if (f.type === 'histogram') checkHistogram(f);
  return families;
}

function parseSample(line: string, where: string): Sample {
  const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{)?/.exec(line);
  if (!m) throw new Error(`bad sample, ${where}`);
  let pos = m[0].length;
  const labels: Record<string, string> = {};
  if (m[2]) {
    for (;;) {
      if (line[pos] === '}') { pos++; break; }
      const l = /^([^=]+)="/.exec(line.slice(pos));
      if (!l || !LABEL_NAME.test(l[1]!)) throw new Error(`bad label at column ${pos + 1}, ${where}`);
      pos += l[0].length;
      let value = '';
      for (; pos < line.length && line[pos] !== '"'; pos++) {
        if (line[pos] === '\\') {
          const next = line[++pos];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`bad escape in a label value, ${where}`);
        } else {
          value += line[pos];
        }
      }
      if (line[pos] !== '"') throw new Error(`unterminated label value, ${where}`);
      pos++;
      if (l[1]! in labels) throw new Error(`label ${l[1]} given twice, ${where}`);
      labels[l[1]!] = value;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new Error(`expected , or } at column ${pos + 1}, ${where}`);
    }
  }
  const rest = line.slice(pos);
  const v = /^ (\S+)(?: (-?\d+))?$/.exec(rest);
  if (!v) throw new Error(`bad value, ${where}`);
  // As Prometheus reads them (Go's ParseFloat): NaN and Inf in any case (prom-client writes `Nan`).
  const raw = v[1]!.toLowerCase();
  const value = raw === '+inf' || raw === 'inf' ? Infinity : raw === '-inf' ? -Infinity : raw === 'nan' ? NaN : Number(raw);
  if (Number.isNaN(value) && raw !== 'nan') throw new Error(`bad value ${v[1]}, ${where}`);
  return { name: m[1]!, labels, value };
}

/** Per label set: cumulative buckets in ascending `le`, a +Inf bucket equal to `_count`, and a `_sum`. */
function checkHistogram(f: Family): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number; sum?: number }>();
  for (const s of f.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (s.name.endsWith('_bucket')) {
      if (le === undefined) throw new Error(`${f.name}: a bucket without le`);
      entry.buckets.push([le === '+Inf' ? Infinity : Number(le), s.value]);
    } else if (s.name.endsWith('_count')) entry.count = s.value;
    else entry.sum = s.value;
  }
  for (const [key, e] of series) {
    for (let i = 1; i < e.buckets.length; i++) {
      if (e.buckets[i]![0] <= e.buckets[i - 1]![0]) throw new Error(`${f.name} ${key}: buckets not in ascending le order`);
      if (e.buckets[i]![1] < e.buckets[i - 1]![1]) throw new Error(`${f.name} ${key}: buckets are not cumulative`);
    }
    const inf = e.buckets.at(-1);
    if (!inf || inf[0] !== Infinity) throw new Error(`${f.name} ${key}: no +Inf bucket`);
    if (e.count !== inf[1]) throw new Error(`${f.name} ${key}: _count ${e.count} is not the +Inf bucket ${inf[1]}`);
    if (e.sum === undefined) throw new Error(`${f.name} ${key}: no _sum`);
  }
}

/** The samples of `name` whose labels include all of `labels`. */
export function samples(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): Sample[] {
  const out: Sample[] = [];
  for (const f of families.values()) {
    for (const s of f.samples) {
      if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) out.push(s);
    }
  }
  return out;
}

/** The one sample of `name` with exactly these labels' values (others ignored); throws when not exactly one. */
export function value(families: Map<string, Family>, name: string, labels: Record<string, string> = {}): number {
  const found = samples(families, name, labels);
  if (found.length !== 1) throw new Error(`expected one ${name} sample with ${JSON.stringify(labels)}, found ${found.length}`);
  return found[0]!.value;
}
