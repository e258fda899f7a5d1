// FamilyRuleset(s) -> the libnftables JSON commands (one JSON text per command), in an order nft
// 1.0.6 accepts: metainfo, then per family: add table, delete table, add table (an atomic
// whole-table replace: the old table disappears and the new one appears in the same transaction),
// every chain (empty), every set and map (empty), their elements, then the rules (a rule or element
// may only name objects created before it).
import type { FamilyRuleset } from './build.ts';
import { TABLE } from './build.ts';
import { TextChunks } from './chunks.ts';
import { str } from './json.ts';

export interface DocumentOptions {
  /**
   * true (default): delete and re-create the table in the same transaction, so loading replaces a
   * previous ksvc ruleset atomically. false: only create (fails if the table exists).
   */
  replace?: boolean;
}

/** The document text: one command per line (diffable, and cheap to produce at scale). */
export function renderDocument(rulesets: FamilyRuleset[], options: DocumentOptions = {}): string {
  const out = new TextChunks();
  out.add('{"nftables":[\n{"metainfo":{"json_schema_version":1}}');
  const cmd = (text: string) => out.add(`,\n${text}`);
  for (const rs of rulesets) {
    const where = `"family":"${rs.family}","table":"${TABLE}"`;
    const table = `{"table":{"family":"${rs.family}","name":"${TABLE}"}}`;
    cmd(`{"add":${table}}`);
    if (options.replace !== false) {
      cmd(`{"delete":${table}}`);
      cmd(`{"add":${table}}`);
    }
    // One `add chain` per chain (~10^5 at scale): written as pieces around the quoted name.
    const chainOpen = `,\n{"add":{"chain":{${where},"name":`;
    for (const c of rs.chains) {
      out.add(chainOpen);
      out.add(c.quoted);
      out.add(
        c.base ? `,"type":"${c.base.type}","hook":"${c.base.hook}","prio":${c.base.prio},"policy":"accept"}}}` : '}}}',
      );
    }
    for (const s of rs.sets) {
      const type = Array.isArray(s.type) ? `[${s.type.map((t) => `"${t}"`).join(',')}]` : `"${s.type}"`;
      let extra = s.kind === 'map' ? ',"map":"verdict"' : '';
      if (s.flags) extra += `,"flags":[${s.flags.map((f) => `"${f}"`).join(',')}]`;
      if (s.timeout !== undefined) extra += `,"timeout":${s.timeout}`;
      cmd(`{"add":{"${s.kind}":{${where},"name":${str(s.name)},"type":${type}${extra}}}}`);
    }
    for (const s of rs.sets) {
      if (s.elem.length > 0) cmd(`{"add":{"element":{${where},"name":${str(s.name)},"elem":[${s.elem.join(',')}]}}}`);
    }
    out.addAll(rs.rules);
  }
  out.add('\n]}\n');
  return out.text();
}
