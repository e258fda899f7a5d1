// Writes docs/diagnostics.md from the code tables (scripts/diagnostic-tables.ts): every code, its
// severity, and its message with the parameters shown by name. test/unit/diagnostic-codes.test.ts
// fails when the file is not what this script writes.
//   node --import tsx scripts/diagnostics-doc.ts > docs/diagnostics.md
import { pathToFileURL } from 'node:url';
import { TABLES } from './diagnostic-tables.ts';

/** The message template with each parameter shown as <name> (names read from the function's source). */
function template(message: (...args: never[]) => string): string {
  const src = message.toString();
  const m = /^(?:\(([^)]*)\)|([A-Za-z_$][\w$]*))\s*=>/.exec(src);
  const params = m?.[1] ?? m?.[2] ?? '';
  const names = params
    .split(',')
    .map((p) => p.split(':')[0]!.trim())
    .filter((p) => p !== '');
  const call = message as (...a: unknown[]) => string;
  let text: string;
  try {
    text = call(...names.map((n) => `<${n}>`));
  } catch {
    // a list parameter (node-required's names): its length and its items shown by name too
    const list = (n: string) =>
      new Proxy([`<${n}>`], {
        get: (t, k) => (k === 'length' ? `<number of ${n}>` : k === 'join' ? () => `<${n}>` : Reflect.get(t, k)),
      });
    text = call(...names.map(list));
  }
  return text.replace(/\|/g, '\\|');
}

export function diagnosticsDoc(): string {
  const out = [
    '# Diagnostics',
    '',
    'Every diagnostic ksvc reports has a stable code. This page lists them all, per stage, with the',
    'severity and the message (parameters in <angle brackets>). It is generated from the code tables',
    '(`node --import tsx scripts/diagnostics-doc.ts > docs/diagnostics.md`) and a test keeps it in sync.',
    'A code means one thing: no two tables share one. Past 25 diagnostics of one code (checker and',
    'import), the rest are counted in one `more-errors-omitted` / `more-warnings-omitted`; the parser',
    'stops after 50 syntax errors (`too-many-syntax-errors`). A message whose wording depends on its',
    'values (one or many, a LoadBalancer or a NodePort) is shown in one of its forms. Texts from the',
    'input, file names included, are shown with control, bidirectional and invisible characters',
    'escaped (`\\u001b`; in the source line under a message, each is one `�`), and cut after about 200',
    'characters.',
    '',
  ];
  for (const t of TABLES) {
    out.push(`## ${t.stage} (\`${t.file}\`)`, '', '| code | severity | message |', '|---|---|---|');
    for (const [code, spec] of Object.entries(t.table)) {
      out.push(`| \`${code}\` | ${spec.severity} | ${template(spec.message)} |`);
    }
    out.push('');
  }
  return out.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.stdout.write(diagnosticsDoc());
}
