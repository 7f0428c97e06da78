/**
 * Compiles and runs the Java program that drives a server through WireMock's own Java client (the class
 * `com.github.tomakehurst.wiremock.client.WireMock` inside the standalone jar of the `wiremock` package).
 *
 * The classes are compiled once per content: the folder in the OS temp dir is named after a hash of the source and
 * of the jar's name and size, so a rerun with nothing changed starts the JVM at once.
 */
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWireMockJar } from './wiremock.js';

export const JAVA_CLIENT_SOURCE = fileURLToPath(new URL('../fixtures/java-client/ClientDifferential.java', import.meta.url));
const MAIN_CLASS = 'ClientDifferential';

/** One step's outcome as the program printed it. */
export type StepOutcome =
  | { step: string; ok: true; value: unknown }
  | { step: string; ok: false; error: { class: string; message: string } };

/** The step names in the program's order, read from its source (`step("name", ...)`), without starting a JVM. */
export function javaClientStepNames(): string[] {
  const source = readFileSync(JAVA_CLIENT_SOURCE, 'utf8');
  return [...source.matchAll(/\bstep\("((?:[^"\\]|\\.)*)"/g)].map((m) => JSON.parse(`"${m[1]}"`) as string);
}

function hasCommand(command: string): boolean {
  try {
    execFileSync(command, ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Compiles the program against the jar (or finds it compiled) and returns the class path to run it with.
 * Throws with what to install when there is no `javac`: the suite must fail, not skip, on a machine without a JDK.
 */
export function compileJavaClient(): string {
  const jar = findWireMockJar();
  if (!hasCommand('javac')) {
    throw new Error('javac is not on the PATH: the Java client differential suite needs a JDK 17 (Debian: apt-get install openjdk-17-jdk-headless; .ci/run installs it)');
  }
  const source = readFileSync(JAVA_CLIENT_SOURCE);
  const hash = createHash('sha256').update(source).update(path.basename(jar)).update(String(statSync(jar).size)).digest('hex').slice(0, 16);
  const classes = path.join(tmpdir(), `decoy-java-client-${hash}`);
  if (!existsSync(path.join(classes, `${MAIN_CLASS}.class`))) {
    // Compiled into a fresh folder, then renamed: a run interrupted halfway never leaves a folder that looks done.
    mkdirSync(tmpdir(), { recursive: true });
    const work = mkdtempSync(path.join(tmpdir(), 'decoy-java-client-build-'));
    try {
      execFileSync('javac', ['-nowarn', '-encoding', 'UTF-8', '-cp', jar, '-d', work, JAVA_CLIENT_SOURCE], { stdio: ['ignore', 'pipe', 'pipe'] });
      try {
        renameSync(work, classes);
      } catch (error) {
        // Another run finished the same compilation first: its classes are the same.
        if (!existsSync(path.join(classes, `${MAIN_CLASS}.class`))) throw error;
      }
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      throw new Error(`javac failed on ${JAVA_CLIENT_SOURCE}:\n${stderr || (error as Error).message}`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return [jar, classes].join(path.delimiter);
}

export interface JavaClientRun {
  outcomes: Map<string, StepOutcome>;
  /** The program's standard error and, when it did not exit cleanly, why. */
  problems: string;
}

/**
 * Runs every step against the server at `host:port` whose root folder is `rootDir`; `upstreamUrl` serves proxying
 * and recording. Resolves with the outcomes even when the program died halfway (the steps it never reached have no
 * outcome, and `problems` says why).
 */
export function runJavaClient(classPath: string, host: string, port: number, rootDir: string, upstreamUrl: string, timeoutMs = 180_000): Promise<JavaClientRun> {
  return new Promise((resolve) => {
    execFile('java', ['-cp', classPath, MAIN_CLASS, host, String(port), rootDir, upstreamUrl],
      { timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const outcomes = new Map<string, StepOutcome>();
        let problems = stderr;
        for (const line of stdout.split('\n')) {
          if (line.trim() === '') continue;
          try {
            const outcome = JSON.parse(line) as StepOutcome;
            outcomes.set(outcome.step, outcome);
          } catch {
            problems += `\nnot a step outcome: ${line.slice(0, 500)}`;
          }
        }
        if (error) problems += `\nthe program did not exit cleanly: ${error.message}`;
        resolve({ outcomes, problems });
      });
  });
}
