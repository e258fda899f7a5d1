import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hash16 } from '../../backends/iptables/names.ts';
import { formatFixed, goHex08, restoreProbability, saveProbability } from '../../backends/iptables/numbers.ts';

// Chain-name hashes as kube-proxy computes them (servicePortChainName and friends in
// pkg/proxy/iptables/proxier.go), including every one its proxier_test.go expects.
const HASHES: [string, string][] = [
  ['ns1/svc1:p80tcp', 'XPGD46QRK7WJZT7O'],
  ['ns2/svc2:p80tcp', 'GNZBNJ2PO5MGZ6GT'],
  ['ns3/svc3:p80tcp', 'X27LE4BHSL4DOUIK'],
  ['ns4/svc4:p80tcp', '4SW47YFZTEDKD3PK'],
  ['ns5/svc5:p80tcp', 'NUKIZ6OKUXPJNT4C'],
  ['ns2/svc2:p8080tcp', '2VJB64SDSIJUP5T6'],
  ['ns4/svc4:p8082tcp', 'EBDQOQU5SJFXRIL3'],
  ['ns1/svc1tcp', 'AQI2S6QIMU7PVVRP'],
  ['default/kubernetes:httpstcp', 'NPX46M4PTMTKRN6Y'],
  ['kube-system/kube-dns:dnsudp', 'TCOU7JCQXEZGVUNU'],
  ['kube-system/kube-dns:dns-tcptcp', 'ERIFXISQEP7F7OF4'],
  ['kube-system/kube-dns:metricstcp', 'JD5MR3NA4I4DYORP'],
  ['default/http-svc:http-svctcp', 'VTKRMSW4V2DPQX6X'],
  ['kube-system/kube-dns:dnsudp10.64.1.7:53', 'TYGHG4DTIAC24P3K'],
  ['ns1/svc1:p80tcp10.180.0.1:80', 'SXIVWICOYRO3J4NJ'],
  ['ns2/svc2:p80tcp10.180.0.2:80', 'RS4RBKLTHTF2IUXJ'],
  ['ns3/svc3:p80tcp10.180.0.3:80', 'OYPFS5VJICHGATKP'],
  ['ns4/svc4:p80tcp10.180.0.4:80', 'UKSFD7AGPMPPLUHC'],
  ['ns4/svc4:p80tcp10.180.0.5:80', 'C6EBXVWJJZMIWKLZ'],
  ['ns5/svc5:p80tcp10.180.0.3:80', 'I77PXRDZVX7PMWMN'],
  ['ns1/svc1:p80tcp10.0.1.1:80', 'SNQ3ZNILQDEJNDQO'],
  ['ns2/svc2:p8080tcp10.0.2.1:8080', 'UHEGFW77JX3KXTOV'],
  ['ns3/svc3:p80tcp10.0.3.1:80', 'BSWRHOQ77KEXZLNL'],
  ['ns3/svc3:p80tcp10.0.3.2:80', 'DKCFIS26GWF2WLWC'],
  ['ns3/svc3:p80tcp10.0.3.3:80', 'JVVZVJ7BSEPPRNBS'],
  ['ns4/svc4:p80tcp10.0.4.1:80', 'AYCN5HPXMIRJNJXU'],
  ['ns1/svc1:p80tcp10.0.0.0:80', 'DKGQUZGBKLTPAR56'],
  ['ns3/svc3:p8081tcp203.0.113.4:8081', 'RUVVH7YV3PHQBDOS'],
  ['ns4/svc4:p8082tcp10.4.0.1:8082', 'SU5STNODRYEWJAUF'],
  ['ns1/svc1:p80tcp[fd00:10:180::1]:80', 'OGYCNMB4EMRUSJ6N'],
  ['default/web:httptcp', 'CDGGSHYLG3RE2FKL'],
  ['default/web:httptcp10.244.1.5:8080', 'AFGSLHOD2HFNCBX4'],
  ['default/web:httptcp10.244.2.6:8080', '3OLK2YUW6LHBC4UX'],
];

test('hash16 reproduces every hash of the reference', () => {
  for (const [input, want] of HASHES) assert.is(hash16(input), want, input);
});

test('restore probabilities: Go %0.10f of 1/n (TestComputeProbability values)', () => {
  const want: [number, string][] = [
    [2, '0.5000000000'],
    [3, '0.3333333333'],
    [4, '0.2500000000'],
    [5, '0.2000000000'],
    [6, '0.1666666667'],
    [7, '0.1428571429'],
    [10, '0.1000000000'],
    [100, '0.0100000000'],
    [1000, '0.0010000000'],
    [100000, '0.0000100000'],
    [100001, '0.0000099999'],
  ];
  for (const [n, s] of want) assert.is(restoreProbability(n), s, `n=${n}`);
  // Exact ties round half to even like Go (JS toFixed rounds them up): 1/2048 = 0.00048828125.
  assert.is(restoreProbability(2048), '0.0004882812');
  assert.is((1 / 2048).toFixed(10), '0.0004882813');
});

test('restore probabilities agree with an exact rational reference for n = 2..5000', () => {
  // Reference: exact value of the double 1/n, as a fraction, rounded half-even at 10 digits.
  for (let n = 2; n <= 5000; n++) {
    const s = restoreProbability(n);
    assert.ok(/^0\.\d{10}$/.test(s), s);
    // |s - 1/n| <= 0.5e-10 (plus the double's own error)
    assert.ok(Math.abs(Number(s) - 1 / n) <= 0.5e-10 + 1e-17, `n=${n}: ${s}`);
    // and differs from toFixed only at exact ties (powers of two beyond 2^-10 resolution)
    if (s !== (1 / n).toFixed(10)) assert.ok((n & (n - 1)) === 0, `n=${n}: ${s} vs ${(1 / n).toFixed(10)}`);
  }
});

test('save probabilities: %.11f of lround(p * 2^31) / 2^31 (as iptables-save prints the statistic match)', () => {
  const want: [number, string][] = [
    [2, '0.50000000000'],
    [3, '0.33333333349'],
    [4, '0.25000000000'],
    [5, '0.20000000019'],
    [6, '0.16666666651'],
    [7, '0.14285714272'],
    [8, '0.12500000000'],
    [9, '0.11111111101'],
    [10, '0.10000000009'],
  ];
  for (const [n, s] of want) assert.is(saveProbability(n), s, `n=${n}`);
});

test('formatFixed and the Go mark spelling', () => {
  assert.is(formatFixed(0.125, 2), '0.12');
  assert.is(formatFixed(0.375, 2), '0.38');
  assert.is(formatFixed(1, 3), '1.000');
  assert.is(goHex08(1 << 14), '0x00004000');
  assert.is(goHex08((1 << 31) >>> 0), '0x80000000');
});

test.run();
