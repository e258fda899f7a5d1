// The verifier's nftables reader: libnftables JSON (a command document for `nft -j -f`, or the
// output of `nft -j list ruleset`) -> one NetfilterProgram per family of kube-proxy's table. It
// shares no code with backends/nftables: the schema, the command semantics and the meaning of each
// statement are written here from nft's and the kernel's behaviour (docs in README.md).
import type { Diagnostic } from '../../common/diagnostics.ts';
import type { NetfilterProgram } from '../model/program.ts';
import { DiagnosticSink } from './diagnostics.ts';
import { applyDocument, DocumentApplier } from './document.ts';
import { jsonSyntaxError } from './json-syntax.ts';
import { buildPrograms } from './program.ts';
import { type ItemSpans, numbersNftRefuses, scanItems } from './scan.ts';
import { checkEnvelope, checkShape } from './schema.ts';
import type { RulesetState } from './state.ts';

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

/**
 * Why the whole text is refused before it is parsed — said plainly, where JSON.parse's words would
 * quote an invisible character or the first of many iptables lines — and where, or null.
 */
function wholeTextRefusal(text: string): { reason: string; offset: number } | null {
  if (text.startsWith('\ufeff'))
    return { reason: 'it starts with a byte-order mark (U+FEFF), which nft refuses; save it without one', offset: 0 };
  const iptables = /^\s*(?=[*:#]|-A )/.exec(text);
  if (iptables !== null)
    return {
      reason: 'it is iptables-restore or iptables-save text (read as the iptables artifact)',
      offset: iptables[0].length,
    };
  // bytes that are not UTF-8 were read as U+FFFD: nft's JSON parser refuses them (a U+FFFD written
  // as such, rare in a ruleset, is refused with them)
  const replaced = text.indexOf('\ufffd');
  if (replaced >= 0)
    return {
      reason: 'it holds U+FFFD, what bytes that are not UTF-8 are read as: nft refuses text that is not UTF-8',
      offset: replaced,
    };
  // nft's JSON parser refuses a NUL in a string (jansson without JSON_ALLOW_NUL): the whole file
  // would not load, whatever the string means here
  const nul = text.indexOf('\u0000');
  const escaped = text.includes('\\u0000') ? /(?:^|[^\\])(?:\\\\)*\\u0000/.exec(text) : null;
  const at = Math.min(nul < 0 ? Infinity : nul, escaped === null ? Infinity : escaped.index + escaped[0].length - 6);
  if (at !== Infinity)
    return {
      reason: 'a string holds a NUL character (\\u0000), which nft refuses: the document would not load',
      offset: at,
    };
  // jansson refuses a \uD800-\uDFFF escape that is not a high-low pair ("invalid Unicode"); JSON.parse
  // keeps it as a lone surrogate, so names differing only there were two names to the reader and
  // a document nft does not load at all
  const lone = loneSurrogateEscape(text);
  if (lone >= 0)
    return {
      reason:
        'a string holds an escaped lone surrogate (\\uD800-\\uDFFF not in a pair), which nft refuses: the document would not load',
      offset: lone,
    };
  return null;
}

const HEX4 = /^[0-9a-fA-F]{4}$/;
const LOW_ESCAPE = /^\\u[dD][c-fC-F][0-9a-fA-F]{2}$/;

/** The offset of the first \u escape of a surrogate not in a high-low pair, or -1. */
function loneSurrogateEscape(text: string): number {
  let i = text.indexOf('\\');
  while (i >= 0) {
    let next = i + 2; // past a two-character escape (an escaped backslash among them)
    if (text.charCodeAt(i + 1) === 0x75 && HEX4.test(text.slice(i + 2, i + 6))) {
      const u = Number.parseInt(text.slice(i + 2, i + 6), 16);
      next = i + 6;
      if (u >= 0xdc00 && u <= 0xdfff) return i;
      if (u >= 0xd800 && u <= 0xdbff) {
        if (!LOW_ESCAPE.test(text.slice(i + 6, i + 12))) return i;
        next = i + 12;
      }
    }
    i = text.indexOf('\\', next);
  }
  return -1;
}

/** Read a document given as JSON text (diagnostics then carry line and column) or already parsed. */
export function readNftables(input: string | unknown, options: NftReadOptions): NftReadResult {
  const { state, sink } = readState(input, options);
  if (state === null) return { programs: [], diagnostics: sink.diagnostics };
  const programs = buildPrograms(state, options.file, sink);
  return { programs: sink.errorCount > 0 ? [] : programs, diagnostics: sink.diagnostics };
}

/**
 * The ruleset a document leaves — its tables, chains, rules, sets and elements, the commands
 * applied in order — before any rule is read into the model (null, with diagnostics, when the
 * text cannot be read). What a structural comparison of two documents needs (state-difference.ts).
 */
export function readNftablesState(
  input: string | unknown,
  options: NftReadOptions,
): { state: RulesetState | null; diagnostics: Diagnostic[] } {
  const { state, sink } = readState(input, options);
  return { state: sink.errorCount > 0 ? null : state, diagnostics: sink.diagnostics };
}

function readState(
  input: string | unknown,
  options: NftReadOptions,
): { state: RulesetState | null; sink: DiagnosticSink } {
  const text = typeof input === 'string' ? input : null;
  const sink = new DiagnosticSink(options.file, text);
  const refused = text === null ? null : wholeTextRefusal(text);
  if (refused !== null) {
    sink.reportAtOffset('nft-invalid-json', refused.offset, refused.reason);
    return { state: null, sink };
  }
  // the scan of the items also finds the numbers nft refuses; text it cannot follow is scanned for them alone
  const scan = text === null ? null : scanItems(text);
  const numbers = text === null ? null : (scan ?? numbersNftRefuses(text));
  if (numbers !== null && (numbers.realAt >= 0 || numbers.bigAt >= 0)) {
    const { realAt, bigAt } = numbers;
    if (realAt >= 0 && (bigAt < 0 || realAt < bigAt)) sink.reportAtOffset('nft-real-number', realAt);
    else sink.reportAtOffset('nft-integer-too-big', bigAt);
    return { state: null, sink };
  }
  const table = options.table ?? 'kube-proxy';
  let state = text === null || scan === null ? null : readItems(text, scan, table, sink);
  if (state === null) {
    let doc: unknown = input;
    if (text !== null) {
      try {
        doc = JSON.parse(text);
      } catch (e) {
        const at = jsonSyntaxError(text);
        if (at === null) sink.report('nft-invalid-json', '', (e as Error).message);
        else sink.reportAtOffset('nft-invalid-json', at.offset, at.reason);
        return { state: null, sink };
      }
    }
    if (!checkEnvelope(doc, sink)) return { state: null, sink };
    state = applyDocument(doc as { nftables: Record<string, unknown>[] }, table, sink);
  }
  if (state.tables.size === 0) {
    const others = [...state.foreign.values()].map((t) => `${t.family} ${t.name}`);
    const has =
      others.length === 0
        ? 'it has no table'
        : `it has ${others.slice(0, 8).join(', ')}${others.length > 8 ? ', …' : ''}`;
    sink.report('nft-no-table', '', table, has);
  }
  return { state, sink };
}

const COMMAND_START = /\{\s*"(?:add|create|insert|delete|flush)"/y;

/**
 * The text path: items found by scanning and parsed one by one (scan.ts says why). null when the
 * text is not plainly `{"nftables": [...]}` or an item does not parse: the caller parses the whole
 * text, which reports JSON errors precisely.
 */
function readItems(text: string, scan: ItemSpans, table: string, sink: DiagnosticSink): RulesetState | null {
  const { spans } = scan;

  let form: 'commands' | 'listing' = 'listing';
  for (let k = 0; k < spans.length; k += 2) {
    COMMAND_START.lastIndex = spans[k]!;
    if (COMMAND_START.test(text)) {
      form = 'commands';
      break;
    }
  }
  const applier = new DocumentApplier(form, table, sink, text);
  for (let k = 0; k < spans.length; k += 2) {
    const index = k / 2;
    let raw: unknown;
    try {
      raw = JSON.parse(text.slice(spans[k], spans[k + 1]));
    } catch {
      sink.diagnostics.length = 0; // start again on the whole text
      return null;
    }
    if (!checkShape('item', raw, `/nftables/${index}`, sink)) continue;
    applier.item(raw as Record<string, unknown>, index, { start: spans[k]!, end: spans[k + 1]! });
  }
  return applier.state;
}

export { nftCodeTable } from './codes.ts';
export { verifierSchema } from './schema.ts';
export type { RulesetState } from './state.ts';
export { rulesetDifference } from './state-difference.ts';
