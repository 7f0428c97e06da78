/**
 * A small Dockerfile reader, so tests check and run the very commands the Dockerfile holds instead of a
 * copy of them: stages, their instructions (continuation lines joined), ENV pairs and exec-form commands.
 */
export interface Instruction {
  keyword: string;
  /** The arguments after the keyword and its `--flags`. */
  args: string;
  /** `--from=build`, `--chown=node:node`, `--interval=5s`, ... */
  flags: Record<string, string>;
  line: number;
}

export interface Stage {
  image: string;
  name: string | undefined;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let line = lines[i]!;
    if (/^\s*(#|$)/.test(line)) continue;
    while (/\\\s*$/.test(line) && i + 1 < lines.length) {
      i++;
      if (/^\s*#/.test(lines[i]!)) continue; // comments inside a continued instruction
      line = line.replace(/\\\s*$/, ' ') + lines[i]!.trim();
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`Dockerfile line ${start + 1}: cannot read ${JSON.stringify(line)}`);
    const keyword = m[1]!.toUpperCase();
    let rest = m[2]!.trim();
    const flags: Record<string, string> = {};
    for (let f = /^--([\w-]+)=(\S+)\s*/.exec(rest); f; f = /^--([\w-]+)=(\S+)\s*/.exec(rest)) {
      flags[f[1]!] = f[2]!;
      rest = rest.slice(f[0].length);
    }
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest)!;
      stages.push({ image: from[1]!, name: from[2], instructions: [] });
      continue;
    }
    if (stages.length === 0) throw new Error(`Dockerfile line ${start + 1}: ${keyword} before FROM`);
    stages[stages.length - 1]!.instructions.push({ keyword, args: rest, flags, line: start + 1 });
  }
  return stages;
}

/** `ENV A=1 B="two words"` → pairs. */
export function envPairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/(\w+)=("(?:[^"\\]|\\.)*"|\S*)/g)) out[m[1]!] = m[2]!.startsWith('"') ? JSON.parse(m[2]!) as string : m[2]!;
  return out;
}

/** An exec-form command (`["node", "x.js"]`) as an argument list; the shell form as `sh -c`. */
export function commandOf(args: string): string[] {
  return args.trim().startsWith('[') ? JSON.parse(args) as string[] : ['/bin/sh', '-c', args];
}

/** The instructions of a stage with this keyword. */
export function all(stage: Stage, keyword: string): Instruction[] {
  return stage.instructions.filter((i) => i.keyword === keyword);
}
