// Shared by the `ksvc verify` and `ksvc explain` CLI tests: run the CLI in-process with a captured
// CliIO, a scratch directory, a small cluster with a three-way split (its kernel-level
// probabilities differ from 1/3 by a little), and a reader for the shell words verify prints.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import type { CliIO } from '../../cli/io.ts';
import { runCli } from '../../cli/main.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const tmp = mkdtempSync(path.join(tmpdir(), 'ksvc-verify-cli-'));

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export const ksvc = (...argv: string[]): Promise<CliRun> => ksvcWith({}, ...argv);

/** ksvc with some of the captured CliIO's fields replaced (e.g. statusLine: a terminal's stderr). */
export async function ksvcWith(io: Partial<CliIO>, ...argv: string[]): Promise<CliRun> {
  const out = { stdout: '', stderr: '' };
  const captured: CliIO = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    color: false,
    env: {},
    cwd: root,
    ...io,
  };
  const code = await runCli(argv, captured);
  return { code, ...out };
}

export const write = (name: string, text: string): string => {
  const p = path.join(tmp, name);
  writeFileSync(p, text);
  return p;
};

/** One NodePort service, three endpoints: iptables' 1/3 is 715827883/2^31, not exactly 1/3. */
export const WEB = write(
  'web.ksvc',
  `cluster {
  masq from outside 10.64.0.0/16
}

node node-a {
  address 192.168.10.11
}

service shop/web {
  http: NodePort 10.32.0.20:80/tcp nodePort 30080 -> endpoints:8080
  endpoints 10.64.1.1, 10.64.1.2, 10.64.1.3
}
`,
);

/** Compile WEB's two artifacts to files (ksvc's own output, as a user would get it). */
export async function compileWeb(): Promise<{ iptables: string; nft: string }> {
  const ipt = await ksvc('compile', WEB, '--backend', 'iptables', '-o', path.join(tmp, 'web.iptables'));
  const nft = await ksvc('compile', WEB, '--backend', 'nftables', '-o', path.join(tmp, 'web.nft.json'));
  assert.is(ipt.code, 0, ipt.stderr);
  assert.is(nft.code, 0, nft.stderr);
  return { iptables: path.join(tmp, 'web.iptables'), nft: path.join(tmp, 'web.nft.json') };
}

/** The words of a command line as a POSIX shell reads them (plain words and '…' quoting, which verify prints). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let inWord = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (ch === "'") {
      const end = line.indexOf("'", i + 1);
      assert.ok(end > i, `unterminated quote in ${line}`);
      cur += line.slice(i + 1, end);
      i = end;
      inWord = true;
    } else if (ch === '\\') {
      cur += line[++i] ?? '';
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) words.push(cur);
  return words;
}

/** The `explain:` command lines printed in a verify text report. */
export const explainLines = (text: string): string[] =>
  [...text.matchAll(/^ {2}explain: (ksvc explain .*)$/gm)].map((m) => m[1]!);

/** The text of one evaluator's section of explain's output ("iptables:" up to the next section). */
export const section = (out: string, name: string): string =>
  out.split(/^(?=\w+:$)/m).find((s) => s.startsWith(`${name}:`)) ?? '';

/** A new TCP connection from outside to WEB's cluster IP and port. */
export const WEB_PACKET = ['--src', '203.0.113.7', '--dst', '10.32.0.20', '--proto', 'tcp', '--dport', '80'];
