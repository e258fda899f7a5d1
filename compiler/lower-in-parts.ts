// .ksvc text -> IR programs for one node, a few hundred services at a time: parse, check and lower
// one part of the file, keep its service ports, drop its AST, draft and model, go on. The same
// programs and diagnostics as parse, check and lower on the whole file, in a fraction of the memory
// alive at once: on 10,000 services the AST, draft and model are ~90 MB that the garbage collector
// would copy and mark while they grow, most of a compile's collection time (docs/benchmarks.md).
//
// A fast path, in the manner of the piecewise parser: for anything it cannot answer exactly it
// returns null and the caller takes the ordinary path. Why a part's check is the file's check:
// every rule but four looks at one service at a time plus the cluster and node blocks, which every
// part carries. Two compare services with each other and run here on the whole file: duplicate
// names (a duplicate means null: the ordinary path words it), and the shared rules (unique cluster
// IPs, frontends and NodePorts, overlaps, address warnings), on the facts of every part together,
// which hold nothing of a part's AST. Two look at the cluster block and every service's
// `masq from outside`: one reports each item (the union over the parts is the file's), one only
// the first user of pod-CIDR detection (mergeDiagnostics keeps the first).
import { type Diagnostic, hasErrors } from '../common/diagnostics.ts';
import type { Family } from '../common/ip.ts';
import { type SourceFile, SourceSpan, type Span, spanOf } from '../common/source.ts';
import type { FileNode, ServiceBlock, TopLevelBlock } from '../grammar/ast.ts';
import { parseKsvcOnePass, readPieces } from '../grammar/parse-ksvc.ts';
import { makeContext } from './check/context.ts';
import { checkPart } from './check/index.ts';
import { runSharedRulesOn } from './check/rules/shared.ts';
import type { IRProgram, IRServicePort } from './ir/types.ts';
import {
  type FamilyLowering,
  familiesInOrder,
  familyLowering,
  familyProgram,
  flagDetectorWarnings,
  type LowerOptions,
  lowerServices,
  noteFamilies,
  targetNode,
} from './lower/index.ts';
import type { ClusterModel } from './model.ts';
import { MAX_DIAGNOSTICS_PER_CODE } from './shared-rules/cap.ts';
import type { ClusterFacts, ServiceFacts } from './shared-rules/facts.ts';

/**
 * Services per part. A part's AST, draft and model (~9 KB a service with ten endpoints) should die
 * in V8's young generation (16 MiB by default) rather than be copied out of it.
 */
export const PART_SERVICES = 256;

type At = Span | null;

interface FamilyPorts {
  lowering: FamilyLowering;
  servicePorts: IRServicePort[];
  totalEndpoints: number;
}

/** What the parts have given so far. */
interface Gathered {
  /**
   * Diagnostics so far: the first part's all, later parts' those in their services (the cluster
   * and node blocks' own come again with every part).
   */
  diagnostics: Diagnostic[];
  /** Where the first service block starts: what a later part reports before it is the header's. */
  servicesStart: number;
  /** The first part's facts: those of the cluster and node blocks are every part's. */
  header: ClusterFacts<At> | null;
  /** Lowering, until a part has an error (then null: there will be no programs). */
  byFamily: Map<Family, FamilyPorts> | null;
  services: ServiceFacts<At>[];
  keys: Set<string>;
  families: Set<Family>;
}

export type LoweredInParts =
  /** No error: the programs, and the check's warnings. */
  | { programs: IRProgram[]; diagnostics: Diagnostic[] }
  /** Errors (syntax or semantic): no programs; the diagnostics as `check` gives them. */
  | { programs: null; diagnostics: Diagnostic[] };

/**
 * What parse, check and lowerModel give for the file: its programs with the check's warnings, or
 * its errors. null when the caller must take the ordinary path: a cluster or node block after a
 * service, no service at all, a service declared twice, more than MAX_DIAGNOSTICS_PER_CODE
 * diagnostics of one code (which ones are shown depends on the whole file's order), or lowering
 * would report something (an unknown --node, an unused --family).
 */
export function lowerKsvcInParts(
  source: SourceFile,
  options: LowerOptions,
  partServices = PART_SERVICES,
): LoweredInParts | null {
  const header: TopLevelBlock[] = [];
  let part: ServiceBlock[] = [];
  let declined = false;
  const g: Gathered = {
    diagnostics: [],
    servicesStart: -1,
    header: null,
    byFamily: null,
    services: [],
    keys: new Set(),
    families: new Set(),
  };
  const span = spanOf(source, 0, source.text.length);
  const flush = (): boolean => {
    const file: FileNode = { kind: 'File', span, blocks: [...header, ...part], comments: [] };
    part = [];
    declined = !lowerPart(source, file, options, g);
    return !declined;
  };
  const read = readPieces(source, (blocks) => {
    for (const b of blocks) {
      if (b.kind !== 'Service') {
        if (g.header !== null || part.length > 0) {
          declined = true; // a cluster or node block after a service
          return false;
        }
        header.push(b);
        continue;
      }
      if (g.servicesStart < 0) g.servicesStart = offsetOf(b.span);
      part.push(b);
      if (part.length >= partServices && !flush()) return false;
    }
    return true;
  });
  if (!read) return declined ? null : syntaxErrors(source);
  if ((part.length > 0 && !flush()) || g.header === null) return null;
  return wholeFile(source, options, g);
}

/**
 * The piecewise reading stopped at a syntax problem: the ordinary parse of the whole file gives the
 * diagnostics, and the ordinary path checks nothing when it has an error.
 */
function syntaxErrors(source: SourceFile): LoweredInParts | null {
  const parsed = parseKsvcOnePass(source);
  return hasErrors(parsed.diagnostics) ? { programs: null, diagnostics: parsed.diagnostics } : null;
}

/** Check and lower one part; false when the ordinary path must be taken. */
function lowerPart(source: SourceFile, file: FileNode, options: LowerOptions, g: Gathered): boolean {
  const checked = checkPart(file, source);
  const first = g.header === null;
  for (const d of checked.diagnostics) {
    // The cluster and node blocks' diagnostics come again with every part: the first part's are kept.
    if (first || (d.span !== null && offsetOf(d.span) >= g.servicesStart)) g.diagnostics.push(d);
  }
  if (first) {
    g.header = checked.facts;
    if (checked.model !== null && !startLowering(checked.model, options, g)) return false;
  }
  for (const f of checked.facts.services) {
    if (g.keys.has(f.key)) return false; // declared in an earlier part too
    g.keys.add(f.key);
    g.services.push(f);
  }
  if (checked.model === null) {
    g.byFamily = null; // an error: no programs, so nothing more to lower
    return true;
  }
  noteFamilies(checked.model.services, g.families);
  for (const ports of g.byFamily?.values() ?? []) {
    ports.totalEndpoints += lowerServices(checked.model.services, ports.lowering, ports.servicePorts);
  }
  return true;
}

/** The first part, without errors: what every part is lowered with. false: lowering would report. */
function startLowering(model: ClusterModel, options: LowerOptions, g: Gathered): boolean {
  const target = targetNode(model.nodes, options, []);
  if (target === null) return false;
  const families: Family[] = options.family ? [options.family] : ['ipv4', 'ipv6'];
  // the ordinary path says it, for the families the file has
  if (flagDetectorWarnings(target.node, families, options).length > 0) return false;
  g.byFamily = new Map();
  for (const family of families) {
    const lowering = familyLowering(model.settings, target.node, family, options);
    g.byFamily.set(family, { lowering, servicePorts: [], totalEndpoints: 0 });
  }
  return true;
}

const offsetOf = (span: Span): number => (span instanceof SourceSpan ? span.startOffset : span.start.offset);

/**
 * The diagnostics of every part as the whole file's check gives them: node-cidr-without-pod-cidr
 * is reported at the first user of a pod-CIDR detector only, and each part reports its own first
 * user. null when a code has more diagnostics than are shown (capRepeated keeps the first ones in
 * the whole file's order, which is not the parts' order).
 */
function mergeDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] | null {
  const out: Diagnostic[] = [];
  const counts = new Map<string, number>();
  for (const d of diagnostics) {
    const n = (counts.get(d.code) ?? 0) + 1;
    if (d.code === 'node-cidr-without-pod-cidr' && n > 1) continue;
    if (n > MAX_DIAGNOSTICS_PER_CODE) return null;
    counts.set(d.code, n);
    out.push(d);
  }
  return out;
}

/** The shared rules on every part's facts, then the programs or the errors. */
function wholeFile(source: SourceFile, options: LowerOptions, g: Gathered): LoweredInParts | null {
  const ctx = makeContext(source);
  runSharedRulesOn(ctx, { ...g.header!, declaredServices: g.services.length, services: g.services });
  const diagnostics = mergeDiagnostics([...g.diagnostics, ...ctx.diagnostics]);
  if (diagnostics === null) return null;
  if (hasErrors(diagnostics)) return { programs: null, diagnostics };
  if (g.byFamily === null) return null; // cannot happen: without an error every part was lowered
  if (options.family !== undefined && !g.families.has(options.family)) return null; // family-unused
  const families = options.family !== undefined ? [options.family] : familiesInOrder(g.families);
  const programs: IRProgram[] = [];
  for (const family of families) {
    const ports = g.byFamily.get(family)!; // lowered for every family it can be asked for
    programs.push(familyProgram(ports.lowering, ports.servicePorts, ports.totalEndpoints));
  }
  return { programs, diagnostics };
}
