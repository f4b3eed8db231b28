// Child processes for the bench: servers that print "listening on http://localhost:PORT", one-shot CLI runs, RSS sampling.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export type ServerChild = { pid: number; url: string; child: ChildProcess; log(): string; stop(): Promise<number | null> };

/**
 * The Node flags bin/piste.mjs declares on its `#!/usr/bin/env -S node …` line: `npx piste …` runs with them, so the
 * bench, which starts `node bin/piste.mjs …`, passes them too.
 */
export function pisteNodeFlags(bin: string): string[] {
  const first = fs.readFileSync(bin, 'utf8').split('\n', 1)[0];
  const match = /^#!\/usr\/bin\/env -S node\b(.*)$/.exec(first);
  return match ? match[1].trim().split(/\s+/).filter(Boolean) : [];
}

/** Starts `node ARGS` and resolves once it prints its listening URL (rejects on exit or after `timeoutMs`). */
export function startServerChild(args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs = 30_000): Promise<ServerChild> {
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000); // the tail is what explains a failure
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail(`did not print a listening URL within ${timeoutMs} ms`), timeoutMs);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`node ${args.join(' ')} ${why}:\n${output}`));
    };
    const onData = () => {
      const match = /listening on (http:\/\/\S+?:\d+)/.exec(output);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({
        pid: child.pid!,
        url: match[1].replace('localhost', '127.0.0.1'),
        child,
        log: () => output,
        async stop() {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
          const code = await exited;
          clearTimeout(killer);
          return code;
        },
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => fail(`exited with code ${code} before listening`));
  });
}

export type CliRun = { code: number | null; stdout: string; stderr: string; seconds: number };

/** Runs `node ARGS` to completion and times it. */
export function runNode(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliRun> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c));
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }));
  });
}

/** Reads a status field in kB (VmRSS, VmHWM) of a Linux process; null elsewhere or once it has exited. */
export function procStatusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Samples a process's resident memory every `everyMs`; `stop()` returns the peak seen, in MB (null if unreadable). */
export function sampleRss(pid: number, everyMs = 100): { stop(): number | null } {
  let peakKb: number | null = null;
  const take = () => {
    const kb = procStatusKb(pid, 'VmRSS');
    if (kb !== null) peakKb = Math.max(peakKb ?? 0, kb);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return peakKb === null ? null : peakKb / 1024;
    },
  };
}
