// .ksvc text -> IR programs for one node, a few hundred services at a time: parse, check and lower
// one part of the file, keep its service ports, drop its AST, draft and model, go on. The same
// programs as lowerModel(checkFile(parseKsvc(source))), in a fraction of the memory alive at once:
// on 10,000 services the AST, draft and model are ~90 MB that the garbage collector would copy and
// mark while they grow, and that is most of a compile's collection time (docs/benchmarks.md).
//
// A fast path, in the manner of the piecewise parser: it answers only for a file without any
// diagnostic (error or warning) whose cluster and node blocks all come before its first service.
// For anything else it returns null and the caller takes the ordinary path, so every diagnostic is
// exactly the ordinary path's. Why a part's check is the file's check: every rule but two looks at
// one service at a time plus the cluster and node blocks, which every part carries. The two that
// compare services with each other run here on the whole file: duplicate names, and the shared
// rules (unique cluster IPs, frontends and NodePorts, overlaps, address warnings), on the facts of
// every part together, which hold nothing of a part's AST.
import { type Family, familyOf } from '../common/ip.ts';
import { type SourceFile, type Span, spanOf } from '../common/source.ts';
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
  /** Set by the first part: everything that comes from the cluster and node blocks. */
  first: { facts: ClusterFacts<At>; byFamily: Map<Family, FamilyPorts> } | null;
  services: ServiceFacts<At>[];
  keys: Set<string>;
  families: Set<Family>;
}

/**
 * The programs lowerModel gives for the checked file, or null when the caller must take the ordinary
 * path (parse, check, lower): the file has a diagnostic of any kind, a cluster or node block after
 * a service, or no service at all, or lowering would report something (an unknown --node, an
 * unused --family).
 */
export function lowerKsvcInParts(
  source: SourceFile,
  options: LowerOptions,
  partServices = PART_SERVICES,
): IRProgram[] | null {
  const header: TopLevelBlock[] = [];
  let part: ServiceBlock[] = [];
  const gathered: Gathered = { first: null, services: [], keys: new Set(), families: new Set() };
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
  if (checked.model === null || checked.diagnostics.length > 0) return false;
  const model = checked.model;
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

/** The shared rules on every part's facts, then the programs; null when anything was reported. */
function wholeFileProgram(source: SourceFile, options: LowerOptions, g: Gathered): IRProgram[] | null {
  const first = g.first!;
  const ctx = makeContext(source);
  runSharedRulesOn(ctx, { ...first.facts, declaredServices: g.services.length, services: g.services });
  if (ctx.diagnostics.length > 0) return null;
  if (options.family !== undefined && !g.families.has(options.family)) return null; // family-unused
  const families = (['ipv4', 'ipv6'] as const).filter((f) => g.families.has(f));
  const programs: IRProgram[] = [];
  for (const family of families.length > 0 ? families : (['ipv4'] as const)) {
    const ports = first.byFamily.get(family);
    if (ports === undefined) return null; // not lowered (cannot happen: --family is the one used)
    programs.push(familyProgram(ports.lowering, ports.servicePorts, ports.totalEndpoints));
  }
  return programs;
}
