// Kube-shaped rulesets written by hand (one ClusterIP service, three endpoints, masquerade from
// outside 10.0.0.0/16): iptables' chain structure and an nft-like structure, for engine tests.
import type { NetfilterProgram, Step } from '../../verifier/model/program.ts';
import {
  base,
  dnat,
  dport,
  dst,
  goto,
  jump,
  mark,
  masquerade,
  not,
  orMark,
  program,
  proto,
  random,
  ret,
  src,
  test,
  xorMark,
} from './model-builders.ts';

export const VIP = '10.96.0.10';
export const EPS = ['10.0.1.1', '10.0.1.2', '10.0.1.3'];
export const T3 = BigInt(Math.round(0.3333333333 * 2 ** 31));
export const T2 = BigInt(Math.round(0.5 * 2 ** 31));
export const D = 1n << 31n;

/** kube-proxy's shape: KUBE-SERVICES → KUBE-SVC (masq, statistic cascade) → KUBE-SEP (hairpin, DNAT). */
export function iptables(opts: { t3?: bigint; cidr?: string; swap?: boolean } = {}): NetfilterProgram {
  const sep = (ip: string): Step[][] => [
    [test(src(ip)), jump('KUBE-MARK-MASQ')],
    [test(proto('tcp')), dnat(ip, 8080)],
  ];
  const eps = opts.swap ? [EPS[1]!, EPS[0]!, EPS[2]!] : EPS;
  return program(
    'iptables',
    [
      base('prerouting', 'nat', 'PREROUTING'),
      base('output', 'nat', 'OUTPUT'),
      base('postrouting', 'nat', 'POSTROUTING'),
    ],
    {
      PREROUTING: [[jump('KUBE-SERVICES')]],
      OUTPUT: [[jump('KUBE-SERVICES')]],
      POSTROUTING: [[jump('KUBE-POSTROUTING')]],
      'KUBE-SERVICES': [[test(dst(VIP), proto('tcp'), dport(80)), jump('KUBE-SVC')]],
      'KUBE-SVC': [
        [test(dst(VIP), proto('tcp'), dport(80)), not(src(opts.cidr ?? '10.0.0.0/16')), jump('KUBE-MARK-MASQ')],
        [random(opts.t3 ?? T3, D), jump(`SEP-${eps[0]}`)],
        [random(T2, D), jump(`SEP-${eps[1]}`)],
        [jump(`SEP-${eps[2]}`)],
      ],
      'KUBE-MARK-MASQ': [[orMark(0x4000)]],
      ...Object.fromEntries(EPS.map((ip) => [`SEP-${ip}`, sep(ip)])),
      'KUBE-POSTROUTING': [[mark(0x4000, 0x4000, true), ret], [xorMark(0x4000)], [masquerade()]],
    },
  );
}

/** The nft shape: a verdict-map dispatch, a cascade of gotos, endpoint chains. */
export function nftables(): NetfilterProgram {
  const ep = (ip: string): Step[][] => [
    [test(src(ip)), jump('mark-for-masquerade')],
    [test(proto('tcp')), dnat(ip, 8080)],
  ];
  return program(
    'nftables',
    [
      base('prerouting', 'nat', 'nat-prerouting'),
      base('output', 'nat', 'nat-output'),
      base('postrouting', 'nat', 'nat-postrouting'),
    ],
    {
      'nat-prerouting': [[jump('services')]],
      'nat-output': [[jump('services')]],
      'nat-postrouting': [[jump('masquerading')]],
      services: [
        [
          {
            kind: 'dispatch',
            elements: [{ parts: [dst(VIP), proto('tcp'), dport(80)], steps: [goto('service')] }],
          },
        ],
      ],
      service: [
        [test(dst(VIP), proto('tcp'), dport(80)), not(src('10.0.0.0/16')), jump('mark-for-masquerade')],
        [random(T3, D), goto(`endpoint-${EPS[0]}`)],
        [random(T2, D), goto(`endpoint-${EPS[1]}`)],
        [goto(`endpoint-${EPS[2]}`)],
      ],
      'mark-for-masquerade': [[orMark(0x4000)]],
      ...Object.fromEntries(EPS.map((ip) => [`endpoint-${ip}`, ep(ip)])),
      masquerading: [[mark(0x4000, 0, false), ret], [xorMark(0x4000)], [masquerade()]],
    },
  );
}
