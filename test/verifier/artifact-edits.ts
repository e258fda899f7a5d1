// Random edits of ksvc's artifacts and of a model, each from a random sequence (random-edits.ts
// judges them): a rule of iptables-restore text deleted or one value in it changed (probability,
// address (also into the loopback block), port, prefix length, timeout, affinity key, protocol,
// negation, target, mark), its protocol dropped, a jump made a goto or sent to another chain of its
// kind; an nft item, expression or set element dropped, a number, address or operator in it
// changed, a verdict swapped (jump/goto, accept/return) or sent to another chain; a service of a
// model changed (an endpoint removed or its conditions changed, a traffic policy, affinity or
// target port). Each returns null when the chosen edit does not apply, so the caller draws again.
import type { ClusterModel } from '../../compiler/model.ts';

export interface Edit {
  text: string;
  /** what was edited, before and after */
  what: string;
}

export type Random = () => number;

const pick = <T>(xs: readonly T[], rnd: Random): T => xs[Math.floor(rnd() * xs.length)]!;

/** One edit of one `-A` line of iptables-restore text, or null when the chosen edit does not apply. */
export function editIptables(text: string, rnd: Random): Edit | null {
  const lines = text.split('\n');
  const rules = lines.flatMap((l, i) => (l.startsWith('-A ') ? [i] : []));
  if (rules.length === 0) return null;
  const i = pick(rules, rnd);
  const line = lines[i]!;
  const edits: ((l: string) => string | null)[] = [
    () => '',
    (l) => {
      const m = /--probability (0\.\d+)/.exec(l);
      if (!m) return null;
      const d = m[1]!;
      return l.replace(d, d.slice(0, -1) + String((Number(d[d.length - 1]) + 1) % 10));
    },
    (l) => {
      const ms = [...l.matchAll(/(\d+\.\d+\.\d+\.)(\d+)/g)];
      // an IPv6 text has no dotted quad: its last group changes instead (the same draw, so an IPv4
      // case keeps its edit)
      if (ms.length === 0) return editIPv6Address(l, rnd);
      const m = pick(ms, rnd);
      return l.slice(0, m.index) + m[1] + String((Number(m[2]) + 1) % 256) + l.slice(m.index! + m[0].length);
    },
    (l) => {
      const m = /(--dport |--to-destination [^:]+:)(\d+)/.exec(l);
      return m ? l.replace(m[0], m[1] + String(Number(m[2]) + 1)) : null;
    },
    (l) => {
      const m = / -j (\S+).*$/.exec(l);
      return m && m[1] !== 'RETURN' ? `${l.slice(0, m.index)} -j RETURN` : null;
    },
    (l) => {
      const m = /\/(\d+) /.exec(l);
      return m && Number(m[1]) >= 8 ? l.replace(m[0], `/${Number(m[1]) - 1} `) : null;
    },
    (l) => (l.includes(' ! ') ? l.replace(' ! ', ' ') : null),
    (l) => {
      const m = /--seconds (\d+)/.exec(l);
      return m ? l.replace(m[0], `--seconds ${Number(m[1]) + 1}`) : null;
    },
    // an address moved into the loopback block: local without a model, lo's broadcast address
    (l) => {
      const ms = [...l.matchAll(/\b\d+\.\d+\.\d+\.\d+\b/g)];
      if (ms.length === 0) return null;
      const m = pick(ms, rnd);
      const to = pick(['127.0.0.1', '127.255.255.255'], rnd);
      return l.slice(0, m.index) + to + l.slice(m.index! + m[0].length);
    },
    // an affinity record checked or written by the destination's address instead of the source's
    (l) =>
      l.includes('--rdest') ? null : l.replace(/ -m recent (.*?)--(rcheck|set)(?= |$)/, ' -m recent $1--$2 --rdest'),
    (l) => {
      const m = / -p (tcp|udp|sctp)/.exec(l);
      if (!m) return null;
      const to = m[1] === 'tcp' ? 'udp' : 'tcp';
      return l.replace(m[0], ` -p ${to}`).replace(` -m ${m[1]} `, ` -m ${to} `);
    },
    // forms iptables-restore may refuse or rewrite: the protocol dropped (its port match and a
    // DNAT port stay), a mark value or mask changed by one bit
    (l) => {
      const m = / -p (tcp|udp|sctp)/.exec(l);
      return m ? l.replace(m[0], '') : null;
    },
    // a jump made a goto, or sent to another chain of the same kind (another endpoint, service)
    (l) => (/ -j KUBE-/.test(l) ? l.replace(/ -j (KUBE-\S+)/, ' -g $1') : null),
    (l) => {
      const m = / -[jg] (KUBE-(?:SEP|SVC|EXT|FW|SVL)-)(\S+)/.exec(l);
      if (!m) return null;
      const others = [...new Set([...text.matchAll(new RegExp(`^:(${m[1]}\\S+)`, 'gm'))].map((x) => x[1]!))];
      const to = others.filter((c) => c !== m[1]! + m[2]!);
      return to.length > 0 ? l.replace(m[1]! + m[2]!, pick(to, rnd)) : null;
    },
    (l) => {
      const ms = [...l.matchAll(/(--mark |--set-xmark |--or-mark |--xor-mark |--and-mark |\/)(0x[0-9a-f]+)/g)];
      if (ms.length === 0) return null;
      const m = pick(ms, rnd);
      const bit = 1 << Math.floor(rnd() * 32);
      const v = (Number.parseInt(m[2]!, 16) ^ bit) >>> 0;
      return `${l.slice(0, m.index)}${m[1]}0x${v.toString(16).padStart(8, '0')}${l.slice(m.index! + m[0].length)}`;
    },
  ];
  const out = pick(edits, rnd)(line);
  if (out === null || out === line) return null;
  const copy = lines.slice();
  if (out === '') copy.splice(i, 1);
  else copy[i] = out;
  return { text: copy.join('\n'), what: `line ${i + 1}: ${line}  =>  ${out === '' ? '(deleted)' : out}` };
}

/** The last group of one IPv6 address of the line plus one (`::` gets a 1), or null when it has none. */
function editIPv6Address(l: string, rnd: Random): string | null {
  const ms = [...l.matchAll(/(?<![0-9a-f:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![0-9a-f:])/g)];
  if (ms.length === 0) return null;
  const m = pick(ms, rnd);
  const v = m[0];
  const last = /[0-9a-f]{1,4}$/.exec(v);
  const edited = last ? v.slice(0, last.index) + ((Number.parseInt(last[0], 16) + 1) % 0x10000).toString(16) : `${v}1`;
  return l.slice(0, m.index) + edited + l.slice(m.index! + v.length);
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** One edit of one rule, element or set declaration of an nft JSON document, or null when it does not apply. */
export function editNftables(text: string, rnd: Random): Edit | null {
  const doc = JSON.parse(text) as { nftables: { [k: string]: Json }[] };
  const items = doc.nftables.flatMap((it, i) => {
    const add = it.add as { [k: string]: { [k: string]: Json } } | undefined;
    // a set or map declaration only where it has a number to change (an affinity set's timeout)
    const declaration = add?.set ?? add?.map;
    const numbered = declaration !== undefined && Object.values(declaration).some((v) => typeof v === 'number');
    return add?.rule || add?.element || numbered ? [i] : [];
  });
  if (items.length === 0) return null;
  const i = pick(items, rnd);
  const item = doc.nftables[i]!;
  const before = JSON.stringify(item);
  const kind = Math.floor(rnd() * 8);
  if (kind === 0) {
    doc.nftables.splice(i, 1);
    return { text: JSON.stringify(doc), what: `item ${i} deleted: ${before}` };
  }
  const leaves: { holder: { [k: string]: Json } | Json[]; key: string | number }[] = [];
  const walk = (o: Json) => {
    if (o === null || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === 'object') walk(v);
      else leaves.push({ holder: o, key: Array.isArray(o) ? Number(k) : k });
    }
  };
  walk(item);
  const leafValue = (l: (typeof leaves)[number]): Json => (l.holder as { [k: string]: Json })[l.key as string] ?? null;
  const set = (l: (typeof leaves)[number], v: Json) => {
    (l.holder as { [k: string]: Json })[l.key as string] = v;
  };
  const leaf = (f: (v: Json, key: string | number) => boolean) => {
    const c = leaves.filter((l) => f(leafValue(l), l.key));
    return c.length > 0 ? pick(c, rnd) : null;
  };
  if (kind === 1) {
    const l = leaf((v) => typeof v === 'number');
    if (!l) return null;
    set(l, (leafValue(l) as number) + 1);
  } else if (kind === 2) {
    const l = leaf((v) => typeof v === 'string' && /^\d+\.\d+\.\d+\.\d+$/.test(v));
    if (!l) return null;
    const p = (leafValue(l) as string).split('.');
    p[3] = String((Number(p[3]) + 1) % 256);
    set(l, p.join('.'));
  } else if (kind === 3) {
    const l = leaf((v, key) => key === 'op' && (v === '==' || v === '!='));
    if (!l) return null;
    set(l, leafValue(l) === '==' ? '!=' : '==');
  } else if (kind === 4) {
    const l = leaf((v) => typeof v === 'string' && v.includes('::') && /^[0-9a-f:]+$/.test(v));
    if (!l) return null;
    const v = leafValue(l) as string;
    set(l, v.endsWith(':') ? `${v}1` : `${v}f`);
  } else if (kind === 6) {
    // a verdict changed: jump and goto swapped, accept made return, return made accept
    const holders: { [k: string]: Json }[] = [];
    const find = (o: Json) => {
      if (o === null || typeof o !== 'object') return;
      if (!Array.isArray(o) && ('jump' in o || 'goto' in o || 'accept' in o || 'return' in o)) holders.push(o);
      for (const v of Object.values(o)) find(v);
    };
    find(item);
    if (holders.length === 0) return null;
    const h = pick(holders, rnd);
    const swap: Record<string, string> = { jump: 'goto', goto: 'jump', accept: 'return', return: 'accept' };
    const [k] = Object.keys(h).filter((x) => x in swap);
    const v = h[k!]!;
    delete h[k!];
    h[swap[k!]!] = v;
  } else if (kind === 7) {
    // a jump or goto sent to another chain of the table
    const l = leaf((_, key) => key === 'target');
    if (!l) return null;
    const chains = doc.nftables.flatMap((it) => {
      const c = (it.add as { [k: string]: { [k: string]: Json } } | undefined)?.chain;
      return c && c.type === undefined && typeof c.name === 'string' ? [c.name] : [];
    });
    const to = chains.filter((c) => c !== leafValue(l));
    if (to.length === 0) return null;
    set(l, pick(to, rnd));
  } else {
    const add = item.add as { [k: string]: { [k: string]: Json } };
    const list = add.rule ? add.rule.expr : add.element?.elem;
    if (!Array.isArray(list) || list.length < 2) return null;
    list.splice(Math.floor(rnd() * list.length), 1);
  }
  const after = JSON.stringify(item);
  return after === before ? null : { text: JSON.stringify(doc), what: `item ${i}: ${before}  =>  ${after}` };
}

/**
 * One edit of the model the IR comes from (the artifacts stay those of the unedited model): an
 * endpoint removed or its conditions changed, a traffic policy flipped, affinity added, dropped or
 * retimed, a target port moved. null when the model has nothing the chosen edit applies to.
 */
export function editModel(model: ClusterModel, rnd: Random): { model: ClusterModel; what: string } | null {
  const copy = structuredClone(model);
  const services = copy.services;
  if (services.length === 0) return null;
  const sv = pick(services, rnd);
  const where = `${sv.namespace}/${sv.name}`;
  switch (Math.floor(rnd() * 6)) {
    case 0: {
      if (sv.endpoints.length === 0) return null;
      const i = Math.floor(rnd() * sv.endpoints.length);
      const [e] = sv.endpoints.splice(i, 1);
      return { model: copy, what: `${where}: endpoint ${e!.address} removed` };
    }
    case 1: {
      if (sv.endpoints.length === 0) return null;
      const e = pick(sv.endpoints, rnd);
      const before = JSON.stringify(e.conditions);
      e.conditions = pick(
        [
          { ready: true, serving: true, terminating: false },
          { ready: false, serving: true, terminating: true },
          { ready: false, serving: false, terminating: true },
          { ready: false, serving: false, terminating: false },
        ],
        rnd,
      );
      return {
        model: copy,
        what: `${where}: endpoint ${e.address} conditions ${before} → ${JSON.stringify(e.conditions)}`,
      };
    }
    case 2: {
      if (sv.type === 'ClusterIP' || sv.healthCheckNodePort !== null) return null;
      sv.externalTrafficPolicy = sv.externalTrafficPolicy === 'Local' ? 'Cluster' : 'Local';
      return { model: copy, what: `${where}: externalTrafficPolicy → ${sv.externalTrafficPolicy}` };
    }
    case 3:
      sv.internalTrafficPolicy = sv.internalTrafficPolicy === 'Local' ? 'Cluster' : 'Local';
      return { model: copy, what: `${where}: internalTrafficPolicy → ${sv.internalTrafficPolicy}` };
    case 4: {
      const a = sv.sessionAffinity;
      sv.sessionAffinity =
        a.type === 'None'
          ? { type: 'ClientIP', timeoutSeconds: 10800 }
          : rnd() < 0.5
            ? { type: 'None' }
            : { type: 'ClientIP', timeoutSeconds: a.timeoutSeconds + 1 };
      return {
        model: copy,
        what: `${where}: sessionAffinity ${JSON.stringify(a)} → ${JSON.stringify(sv.sessionAffinity)}`,
      };
    }
    default: {
      const p = pick(sv.ports, rnd);
      if (typeof p.targetPort !== 'number') return null;
      p.targetPort += 1;
      return { model: copy, what: `${where}: port ${p.name || p.port} targetPort → ${p.targetPort}` };
    }
  }
}
