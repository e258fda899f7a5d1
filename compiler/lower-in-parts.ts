// .ksvc text -> IR programs for one node, a few hundred services at a time: parse, check and lower
// one part of the file, keep its service ports, drop its AST, draft and model, go on. The same
// programs as lowerModel(checkFile(parseKsvc(source))), in a fraction of the memory alive at once:
// on 10,000 services the AST, draft and model are ~90 MB that the garbage collector would copy and
// mark while they grow, and that is most of a compile's collection time (docs/benchmarks.md).
//
// A fast path, in the manner of the piecewise parser: it answers for a file without errors whose
// cluster and node blocks all come before its first service, with the same warnings as the
// ordinary path. For anything else it returns null and the caller takes the ordinary path, so an
// error is always reported by it. Why a part's check is the file's check: every rule but four
// looks at one service at a time plus the cluster and node blocks, which every part carries. Two
// compare services with each other and run here on the whole file: duplicate names, and the shared
// rules (unique cluster IPs, frontends and NodePorts, overlaps, address warnings), on the facts of
// every part together, which hold nothing of a part's AST. Two look at the cluster block and every
// service's `masq from outside`: one reports each item (the union over the parts is the file's),
// one reports the first user of `podCIDR`-based detection only (mergeWarnings keeps the first).
import type { Diagnostic } from '../common/diagnostics.ts';
import { type Family, familyOf } from '../common/ip.ts';
import { type SourceFile, SourceSpan, type Span, spanOf } from '../common/source.ts';
import type { FileNode, ServiceBlock, TopLevelBlock } from '../grammar/ast.ts';
import { readPieces } from '../grammar/parse-ksvc.ts';
import { makeContext } from './check/context.ts';
import { checkPart } from './check/index.ts';
import { runSharedRulesOn } from './check/rules/shared.ts';
import type { IRProgram, IRServicePort } from './ir/types.ts';
import {
  type FamilyLowering,
  familyLowering,
  familyProgram,
  type LowerOptions,
  lowerServices,
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
   * Warnings so far: the first part's all, later parts' those in their services (the cluster and
   * node blocks' own warnings come again with every part; today node-cidr-without-pod-cidr is the
   * only one, and mergeWarnings keeps its first anyway).
   */
  warnings: Diagnostic[];
  /** Where the first service block starts: what a later part reports before it is the header's. */
  servicesStart: number;
  /** Set by the first part: everything that comes from the cluster and node blocks. */
  first: { facts: ClusterFacts<At>; byFamily: Map<Family, FamilyPorts> } | null;
  services: ServiceFacts<At>[];
  keys: Set<string>;
  families: Set<Family>;
}

export interface LoweredInParts {
  programs: IRProgram[];
  /** Warnings (never an error), as checkFile would give them: the caller shows them as usual. */
  diagnostics: Diagnostic[];
}

/**
 * The programs lowerModel gives for the checked file, with the check's warnings; or null when the
 * caller must take the ordinary path (parse, check, lower): the file has an error, a cluster or
 * node block after a service, or no service at all, more than MAX_DIAGNOSTICS_PER_CODE warnings of
 * one code (which ones are shown depends on the whole file's order), or lowering would report
 * something (an unknown --node, an unused --family).
 */
export function lowerKsvcInParts(
  source: SourceFile,
  options: LowerOptions,
  partServices = PART_SERVICES,
): LoweredInParts | null {
  const header: TopLevelBlock[] = [];
  let part: ServiceBlock[] = [];
  const gathered: Gathered = {
    warnings: [],
    servicesStart: -1,
    first: null,
    services: [],
    keys: new Set(),
    families: new Set(),
  };
  const flush = (): boolean => {
    const blocks = [...header, ...part];
    part = [];
    return lowerPart(source, blocks, options, gathered);
  };
  const read = readPieces(source, (blocks) => {
    for (const b of blocks) {
      if (b.kind !== 'Service') {
        if (gathered.first !== null || part.length > 0) return false; // a header block after a service
        header.push(b);
        continue;
      }
      if (gathered.servicesStart < 0) gathered.servicesStart = offsetOf(b.span);
      part.push(b);
      if (part.length >= partServices && !flush()) return false;
    }
    return true;
  });
  if (!read || (part.length > 0 && !flush()) || gathered.first === null) return null;
  return wholeFileProgram(source, options, gathered);
}

/** Check and lower one part; false when the ordinary path must be taken. */
function lowerPart(source: SourceFile, blocks: TopLevelBlock[], options: LowerOptions, g: Gathered): boolean {
  const file: FileNode = { kind: 'File', span: spanOf(source, 0, source.text.length), blocks, comments: [] };
  const checked = checkPart(file, source);
  if (checked.model === null) return false; // an error
  const model = checked.model;
  for (const d of checked.diagnostics) {
    if (d.severity === 'error') return false;
    // The cluster and node blocks' warnings come again with every part: the first part's are kept.
    if (g.first === null || (d.span !== null && offsetOf(d.span) >= g.servicesStart)) g.warnings.push(d);
  }
  if (g.first === null) {
    const target = targetNode(model.nodes, options, []);
    if (target === null) return false;
    const families: Family[] = options.family ? [options.family] : ['ipv4', 'ipv6'];
    const byFamily = new Map<Family, FamilyPorts>();
    for (const family of families) {
      const lowering = familyLowering(model.settings, target.node, family, options);
      byFamily.set(family, { lowering, servicePorts: [], totalEndpoints: 0 });
    }
    g.first = { facts: checked.facts, byFamily };
  }
  for (const f of checked.facts.services) {
    if (g.keys.has(f.key)) return false; // declared in an earlier part too
    g.keys.add(f.key);
    g.services.push(f);
  }
  noteFamilies(model, g.families);
  for (const ports of g.first.byFamily.values()) {
    ports.totalEndpoints += lowerServices(model.services, ports.lowering, ports.servicePorts);
  }
  return true;
}

/** The families the services have cluster IPs in (modelFamilies, over all parts). */
function noteFamilies(model: ClusterModel, families: Set<Family>): void {
  for (const svc of model.services) for (const ip of svc.clusterIPs) families.add(familyOf(ip));
}

const offsetOf = (span: Span): number => (span instanceof SourceSpan ? span.startOffset : span.start.offset);

/**
 * The warnings of every part as the whole file's check gives them: node-cidr-without-pod-cidr is
 * reported at the first user of a pod-CIDR detector only, and each part reports its own first user.
 * null when a code has more warnings than are shown (capRepeated keeps the first ones in the whole
 * file's order, which is not the parts' order).
 */
function mergeWarnings(warnings: readonly Diagnostic[]): Diagnostic[] | null {
  const out: Diagnostic[] = [];
  const counts = new Map<string, number>();
  for (const d of warnings) {
    const n = (counts.get(d.code) ?? 0) + 1;
    if (d.code === 'node-cidr-without-pod-cidr' && n > 1) continue;
    if (n > MAX_DIAGNOSTICS_PER_CODE) return null;
    counts.set(d.code, n);
    out.push(d);
  }
  return out;
}

/** The shared rules on every part's facts, then the programs; null when there is an error. */
function wholeFileProgram(source: SourceFile, options: LowerOptions, g: Gathered): LoweredInParts | null {
  const first = g.first!;
  const ctx = makeContext(source);
  runSharedRulesOn(ctx, { ...first.facts, declaredServices: g.services.length, services: g.services });
  if (ctx.diagnostics.some((d) => d.severity === 'error')) return null;
  const diagnostics = mergeWarnings([...g.warnings, ...ctx.diagnostics]);
  if (diagnostics === null) return null;
  if (options.family !== undefined && !g.families.has(options.family)) return null; // family-unused
  // As modelFamilies: ipv4 first; ipv4 when no service has a cluster IP.
  const used = (['ipv4', 'ipv6'] as const).filter((f) => g.families.has(f));
  const families = options.family !== undefined ? [options.family] : used.length > 0 ? used : (['ipv4'] as const);
  const programs: IRProgram[] = [];
  for (const family of families) {
    const ports = first.byFamily.get(family)!; // lowered for every family it can be asked for
    programs.push(familyProgram(ports.lowering, ports.servicePorts, ports.totalEndpoints));
  }
  return { programs, diagnostics };
}
