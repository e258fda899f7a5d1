// The packet-flow rows of kube-proxy's iptables proxier tests, as stored in
// test/verifier/packet-flow/<GoTest>.rows.json (format: packet-flow/README.md).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** One packetFlowTest row, values as in the Go table, plus where it came from and its cluster. */
export interface PacketFlowRow {
  name: string;
  sourceIP: string;
  /** v1.Protocol as written: "" (unset: the runner uses tcp), "TCP", "UDP" or "SCTP". */
  protocol: '' | 'TCP' | 'UDP' | 'SCTP';
  destIP: string;
  destPort: number;
  /** kube-proxy's output string, verbatim. */
  output: string;
  masq: boolean;
  /** "kubernetes/kubernetes@COMMIT pkg/proxy/iptables/proxier_test.go:LINE (notes)". */
  source: string;
  /** The .ksvc file (next to the rows file) holding the cluster of this row's sync. */
  fixture: string;
}

export interface RowsFile {
  goTest: string;
  rows: PacketFlowRow[];
}

const FIELDS: Record<keyof PacketFlowRow, 'string' | 'number' | 'boolean'> = {
  name: 'string',
  sourceIP: 'string',
  protocol: 'string',
  destIP: 'string',
  destPort: 'number',
  output: 'string',
  masq: 'boolean',
  source: 'string',
  fixture: 'string',
};

/** Problems with one parsed rows file: missing, extra or mistyped fields, bad protocol or source. */
export function rowProblems(rows: unknown): string[] {
  if (!Array.isArray(rows) || rows.length === 0) return ['not a non-empty array'];
  const problems: string[] = [];
  for (const [i, row] of (rows as unknown[]).entries()) {
    if (typeof row !== 'object' || row === null) {
      problems.push(`row ${i}: not an object`);
      continue;
    }
    const r = row as Record<string, unknown>;
    for (const [field, type] of Object.entries(FIELDS))
      if (typeof r[field] !== type) problems.push(`row ${i}: field ${field} is not a ${type}`);
    for (const field of Object.keys(r)) if (!(field in FIELDS)) problems.push(`row ${i}: unexpected field ${field}`);
    if (!['', 'TCP', 'UDP', 'SCTP'].includes(r.protocol as string)) problems.push(`row ${i}: bad protocol`);
    if (
      !/^kubernetes\/kubernetes@[0-9a-f]{40} pkg\/proxy\/iptables\/proxier_test\.go:\d+( \(.+\))?$/.test(`${r.source}`)
    )
      problems.push(`row ${i}: bad source ${r.source}`);
  }
  return problems;
}

export function loadRowsFiles(dir: string): RowsFile[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.rows.json'))
    .sort()
    .map((f) => {
      const rows = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as unknown;
      const problems = rowProblems(rows);
      if (problems.length > 0) throw new Error(`${f}: ${problems.join('; ')}`);
      return { goTest: f.slice(0, -'.rows.json'.length), rows: rows as PacketFlowRow[] };
    });
}
