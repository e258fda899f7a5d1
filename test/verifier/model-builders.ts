// Small builders for hand-written verifier models (tests of the engine without a reader).
import { cidrOf, ipOf } from '../../common/ip.ts';
import type { L4Protocol } from '../../compiler/ir/packet.ts';
import type {
  AddressRange,
  Backend,
  BaseChain,
  Chain,
  KeyPart,
  NetfilterProgram,
  Rule,
  Step,
  Verdict,
} from '../../verifier/model/program.ts';

export const addr = (text: string): AddressRange => {
  if (text.includes('/')) {
    const c = cidrOf(text);
    return [c.first, c.last];
  }
  const v = ipOf(text).value;
  return [v, v];
};

export const src = (...texts: string[]): KeyPart => ({ field: 'saddr', ranges: texts.map(addr) });
export const dst = (...texts: string[]): KeyPart => ({ field: 'daddr', ranges: texts.map(addr) });
export const proto = (...p: L4Protocol[]): KeyPart => ({ field: 'l4proto', protocols: p });
export const dport = (lo: number, hi = lo): KeyPart => ({ field: 'dport', ranges: [[lo, hi]] });
export const localDst = (local = true): KeyPart => ({ field: 'daddrLocal', local });
export const localSrc = (local = true): KeyPart => ({ field: 'saddrLocal', local });

export const test = (...parts: KeyPart[]): Step => ({ kind: 'test', test: { kind: 'fields', parts }, negate: false });
export const not = (...parts: KeyPart[]): Step => ({ kind: 'test', test: { kind: 'fields', parts }, negate: true });
export const mark = (mask: number, value: number, negate = false): Step => ({
  kind: 'test',
  test: { kind: 'mark', mask, value },
  negate,
});
export const random = (num: bigint, den: bigint): Step => ({ kind: 'random', p: { num, den } });
export const verdict = (v: Verdict): Step => ({ kind: 'verdict', verdict: v });
export const jump = (chain: string): Step => verdict({ kind: 'jump', chain });
export const goto = (chain: string): Step => verdict({ kind: 'goto', chain });
export const dnat = (ip: string, port: number): Step => verdict({ kind: 'dnat', ip, port });
export const accept: Step = verdict({ kind: 'accept' });
export const drop: Step = verdict({ kind: 'drop' });
export const reject: Step = verdict({ kind: 'reject', with: 'port-unreachable' });
export const ret: Step = verdict({ kind: 'return' });
export const orMark = (value: number): Step => ({ kind: 'mark', op: 'or', value });
export const xorMark = (value: number): Step => ({ kind: 'mark', op: 'xor', value });
export const masquerade = (fullyRandom = true): Step => verdict({ kind: 'masquerade', fullyRandom });

/** A program from chains given as `{ name: [[...steps], ...] }`; base chains name their chain ids. */
export function program(backend: Backend, baseChains: BaseChain[], chains: Record<string, Step[][]>): NetfilterProgram {
  const map = new Map<string, Chain>();
  for (const [name, rules] of Object.entries(chains)) {
    map.set(name, {
      id: name,
      name,
      rules: rules.map(
        (steps, i): Rule => ({
          origin: { backend, file: '<test>', line: i + 1, text: `${name} rule ${i + 1}` },
          steps,
        }),
      ),
    });
  }
  return { backend, family: 'ipv4', baseChains, chains: map, ignored: [], notes: [] };
}

export const base = (
  hook: BaseChain['hook'],
  type: BaseChain['type'],
  chain: string,
  priority = type === 'nat' ? (hook === 'postrouting' || hook === 'input' ? 100 : -100) : 0,
): BaseChain => ({ hook, type, priority, chain, policy: 'accept' });
