// FamilyRuleset(s) -> the libnftables JSON command list, in an order nft 1.0.6 accepts: metainfo,
// then per family: add table, delete table, add table (an atomic whole-table replace: the old table
// disappears and the new one appears in the same transaction), every chain (empty), every set and
// map (empty), their elements, then the rules (a rule or element may only name objects created
// before it).
import type { FamilyRuleset } from './build.ts';
import { TABLE } from './build.ts';
import type { Json } from './json.ts';

export interface DocumentOptions {
  /**
   * true (default): delete and re-create the table in the same transaction, so loading replaces a
   * previous ksvc ruleset atomically. false: only create (fails if the table exists).
   */
  replace?: boolean;
}

export function documentCommands(rulesets: FamilyRuleset[], options: DocumentOptions = {}): Json[] {
  const cmds: Json[] = [{ metainfo: { json_schema_version: 1 } }];
  for (const rs of rulesets) {
    const family = rs.family;
    const table = { family, name: TABLE };
    cmds.push({ add: { table } });
    if (options.replace !== false) {
      cmds.push({ delete: { table } }, { add: { table } });
    }
    for (const c of rs.chains) {
      const chain: { [k: string]: Json } = { family, table: TABLE, name: c.name };
      if (c.base) Object.assign(chain, { type: c.base.type, hook: c.base.hook, prio: c.base.prio, policy: 'accept' });
      cmds.push({ add: { chain } });
    }
    for (const s of rs.sets) {
      const obj: { [k: string]: Json } = { family, table: TABLE, name: s.name, type: s.type };
      if (s.kind === 'map') obj.map = 'verdict';
      if (s.flags) obj.flags = s.flags;
      if (s.timeout !== undefined) obj.timeout = s.timeout;
      cmds.push({ add: { [s.kind]: obj } });
    }
    for (const s of rs.sets) {
      if (s.elem.length > 0) cmds.push({ add: { element: { family, table: TABLE, name: s.name, elem: s.elem } } });
    }
    for (const c of rs.chains) {
      for (const r of c.rules) {
        const rule: { [k: string]: Json } = { family, table: TABLE, chain: c.name, expr: r.expr };
        if (r.comment !== undefined) rule.comment = r.comment;
        cmds.push({ add: { rule } });
      }
    }
  }
  return cmds;
}

/** The document text: one command per line (diffable, and cheap to produce at scale). */
export function serializeDocument(cmds: Json[]): string {
  return `{"nftables":[\n${cmds.map((c) => JSON.stringify(c)).join(',\n')}\n]}\n`;
}
