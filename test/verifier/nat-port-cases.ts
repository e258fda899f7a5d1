// DNAT statements that set a port, with and without a transport protocol fixed before them: what
// nft 1.0.6 does with each (`nft` — held against the kernel by test/kernel/nat-port-forms.test.ts)
// and what the verifier's reader does (`reader` — test/verifier/nft-reader-nat-ports.test.ts). The
// reader must refuse every rule nft refuses; it may refuse more (a port given to ICMP has no
// meaning in its model), never less.
import { concat, match, meta, numgen, oneChain, payload, set } from './nft-support.ts';

type Json = unknown;

export interface NatPortCase {
  name: string;
  rule: Json[];
  nft: 'loads' | 'refuses';
  reader: 'reads' | 'refuses';
}

const dnat = (addr: Json, port?: number): Json => ({ dnat: port === undefined ? { addr } : { addr, port } });
const map = (key: Json, data: Json): Json => ({ map: { key, data } });
const l4 = (op: string, right: Json): Json => match(op, meta('l4proto'), right);
const daddr = payload('ip', 'daddr');

export const NAT_PORT_CASES: NatPortCase[] = [
  {
    name: 'meta l4proto tcp, dnat to address:port',
    rule: [l4('==', 'tcp'), dnat('10.0.0.1', 80)],
    nft: 'loads',
    reader: 'reads',
  },
  { name: 'no protocol test, dnat to address:port', rule: [dnat('10.0.0.1', 80)], nft: 'refuses', reader: 'refuses' },
  { name: 'no protocol test, dnat to an address only', rule: [dnat('10.0.0.1')], nft: 'loads', reader: 'reads' },
  {
    name: 'meta l4proto != udp, dnat to address:port',
    rule: [l4('!=', 'udp'), dnat('10.0.0.1', 80)],
    nft: 'refuses',
    reader: 'refuses',
  },
  {
    name: 'meta l4proto { tcp, udp }, dnat to address:port',
    rule: [l4('==', set('tcp', 'udp')), dnat('10.0.0.1', 80)],
    nft: 'loads',
    reader: 'reads',
  },
  {
    name: 'tcp dport 80 (an implied protocol), dnat to address:port',
    rule: [match('==', payload('tcp', 'dport'), 80), dnat('10.0.0.1', 8080)],
    nft: 'loads',
    reader: 'reads',
  },
  {
    name: 'meta l4proto icmp, dnat to address:port',
    rule: [l4('==', 'icmp'), dnat('10.0.0.1', 80)],
    nft: 'loads',
    reader: 'refuses',
  },
  {
    name: "dnat to ip daddr . meta l4proto . th dport map : port (ksvc's dispatch)",
    rule: [
      dnat(
        map(concat(daddr, meta('l4proto'), payload('th', 'dport')), set([concat('10.96.0.1', 'tcp', 80), '10.0.0.1'])),
        80,
      ),
    ],
    nft: 'loads',
    reader: 'reads',
  },
  {
    name: 'dnat to ip daddr map : port, no protocol test',
    rule: [dnat(map(daddr, set(['10.96.0.1', '10.0.0.1'])), 80)],
    nft: 'refuses',
    reader: 'refuses',
  },
  {
    name: 'meta l4proto tcp, dnat to ip daddr map : port',
    rule: [l4('==', 'tcp'), dnat(map(daddr, set(['10.96.0.1', '10.0.0.1'])), 80)],
    nft: 'loads',
    reader: 'reads',
  },
  {
    name: 'dnat ip addr . port to numgen map, no protocol test',
    rule: [
      { dnat: { family: 'ip', addr: map(numgen(2), set([0, concat('10.0.0.1', 80)], [1, concat('10.0.0.2', 80)])) } },
    ],
    nft: 'refuses',
    reader: 'refuses',
  },
  {
    name: 'meta l4proto udp, dnat ip addr . port to numgen map',
    rule: [
      l4('==', 'udp'),
      { dnat: { family: 'ip', addr: map(numgen(2), set([0, concat('10.0.0.1', 80)], [1, concat('10.0.0.2', 80)])) } },
    ],
    nft: 'loads',
    reader: 'reads',
  },
];

/** The case's rule alone in a nat output chain of table ip kube-proxy. */
export const natPortDocument = (c: NatPortCase) => oneChain([c.rule]);
