// The identity an nft affinity set name stands for (verifier/affinity-names.ts): kube-proxy's
// per-endpoint names write an IPv6 address's colons as dots, however short the address.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { base32Sha256 } from '../../common/hash.ts';
import { nftAffinityIdentity } from '../../verifier/affinity-names.ts';

const named = (readable: string) => `affinity-${base32Sha256(readable, 8)}-${readable}`;

test("kube-proxy's per-endpoint set names: IPv4, and IPv6 of any length with dots for colons", () => {
  const cases: [string, string][] = [
    ['ns/svc/tcp/p80__10.64.1.5/80', 'ns/svc:p80/tcp/10.64.1.5:80'],
    ['ns/svc/tcp/p80__fd00..5/80', 'ns/svc:p80/tcp/[fd00::5]:80'],
    ['ns/svc/tcp/p80__2001.db8..1/443', 'ns/svc:p80/tcp/[2001:db8::1]:443'],
    ['ns/svc/tcp/p80__fd00.64.0.1..5/80', 'ns/svc:p80/tcp/[fd00:64:0:1::5]:80'],
    ['ns/svc/udp/__fd00.1.2.3.4.5.6.7/53', 'ns/svc/udp/[fd00:1:2:3:4:5:6:7]:53'],
  ];
  for (const [readable, id] of cases) assert.is(nftAffinityIdentity(named(readable)), id, readable);
  // not an address either way: no identity (the name keeps its raw self)
  assert.is(nftAffinityIdentity(named('ns/svc/tcp/p80__fd00.zz..5/80')), null);
  // a hash that is not the readable part's: another set
  assert.is(nftAffinityIdentity('affinity-AAAAAAAA-ns/svc/tcp/p80__10.64.1.5/80'), null);
});

test.run();
