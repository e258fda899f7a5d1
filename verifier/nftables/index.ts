// The verifier's nftables reader: libnftables JSON (a command document for `nft -j -f`, or the
// output of `nft -j list ruleset`) -> one NetfilterProgram per family of kube-proxy's table. It
// shares no code with backends/nftables: the schema, the command semantics and the meaning of each
// statement are written here from nft's and the kernel's behaviour (docs in README.md).
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { NetfilterProgram } from '../model/program.ts';
import { DiagnosticSink } from './diagnostics.ts';
import { applyDocument } from './document.ts';
import { buildPrograms } from './program.ts';
import { checkEnvelope } from './schema.ts';

export interface NftReadOptions {
  /** The artifact's name as the user gave it ("<memory>" when compiled in memory). */
  file: string;
  /** The name of the ip/ip6 tables to read (default kube-proxy). */
  table?: string;
}

export interface NftReadResult {
  /** One program per family present (ipv4 first); empty when there are errors. */
  programs: NetfilterProgram[];
  diagnostics: Diagnostic[];
}

/** Read a document given as JSON text (diagnostics then carry line and column) or already parsed. */
export function readNftables(input: string | unknown, options: NftReadOptions): NftReadResult {
  const text = typeof input === 'string' ? input : null;
  const sink = new DiagnosticSink(options.file, text);
  let doc: unknown = input;
  if (text !== null) {
    try {
      doc = JSON.parse(text);
    } catch (e) {
      sink.report('nft-invalid-json', '', (e as Error).message);
      return { programs: [], diagnostics: sink.diagnostics };
    }
  }
  if (!checkEnvelope(doc, sink)) return { programs: [], diagnostics: sink.diagnostics };
  const table = options.table ?? 'kube-proxy';
  const state = applyDocument(doc as { nftables: Record<string, unknown>[] }, table, sink);
  if (state.tables.size === 0) sink.report('nft-no-table', '', table);
  const programs = buildPrograms(state, options.file, sink);
  return { programs: sink.errorCount > 0 ? [] : programs, diagnostics: sink.diagnostics };
}

export { nftCodeTable } from './codes.ts';
export { verifierSchema } from './schema.ts';
