// The real iptables-save lines captured from a cluster running a v1.24-era kube-proxy (the seed
// scenarios of examples/seed-*), per seed example, each with how it maps onto the format of the
// current kube-proxy (pkg/proxy/iptables/proxier.go) that ksvc writes:
//  - 'same': the line must appear verbatim in `ksvc compile --format save`;
//  - 'arrow': SVC/SVL -> SEP jump comments gained " -> IP:PORT" (current format);
//  - 'nodeport-ext': NodePorts jump to KUBE-EXT-h (which masquerades) instead of KUBE-SVC-h;
//  - 'replaced': the old rule has no current equivalent line; `now` names what replaced it (asserted).
export type SeedMapping =
  | { kind: 'same' }
  | { kind: 'arrow'; endpoint: string }
  | { kind: 'nodeport-ext' }
  | { kind: 'replaced'; why: string; now: string };

export interface SeedCapture {
  example: string;
  node?: string;
  lines: [string, SeedMapping][];
}

const same: SeedMapping = { kind: 'same' };

export const SEED_CAPTURES: SeedCapture[] = [
  {
    example: 'seed-clusterip.ksvc',
    lines: [
      [
        '-A KUBE-SERVICES -d 10.32.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y',
        same,
      ],
      [
        '-A KUBE-SERVICES -d 10.32.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:dns-tcp cluster IP" -m tcp --dport 53 -j KUBE-SVC-ERIFXISQEP7F7OF4',
        same,
      ],
      [
        '-A KUBE-SERVICES -d 10.32.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-SVC-TCOU7JCQXEZGVUNU',
        same,
      ],
      [
        '-A KUBE-SERVICES -d 10.32.0.10/32 -p tcp -m comment --comment "kube-system/kube-dns:metrics cluster IP" -m tcp --dport 9153 -j KUBE-SVC-JD5MR3NA4I4DYORP',
        same,
      ],
      [
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
        same,
      ],
      [
        '-A KUBE-SVC-TCOU7JCQXEZGVUNU ! -s 10.64.1.0/24 -d 10.32.0.10/32 -p udp -m comment --comment "kube-system/kube-dns:dns cluster IP" -m udp --dport 53 -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-SVC-TCOU7JCQXEZGVUNU -m comment --comment "kube-system/kube-dns:dns" -j KUBE-SEP-TYGHG4DTIAC24P3K',
        { kind: 'arrow', endpoint: '10.64.1.7:53' },
      ],
      ['-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000', same],
      [
        '-A KUBE-SEP-TYGHG4DTIAC24P3K -s 10.64.1.7/32 -m comment --comment "kube-system/kube-dns:dns" -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-SEP-TYGHG4DTIAC24P3K -p udp -m comment --comment "kube-system/kube-dns:dns" -m udp -j DNAT --to-destination 10.64.1.7:53',
        same,
      ],
    ],
  },
  {
    example: 'seed-nodeport.ksvc',
    lines: [
      [
        '-A KUBE-SERVICES -d 10.32.0.159/32 -p tcp -m comment --comment "default/web-svc:nginx-svc-port cluster IP" -m tcp --dport 8080 -j KUBE-SVC-YVE4DVDYZJRPV46I',
        same,
      ],
      [
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
        same,
      ],
      [
        '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web-svc:nginx-svc-port" -m tcp --dport 30080 -j KUBE-SVC-YVE4DVDYZJRPV46I',
        { kind: 'nodeport-ext' },
      ],
      [
        '-A KUBE-SVC-YVE4DVDYZJRPV46I ! -s 10.64.1.0/24 -d 10.32.0.159/32 -p tcp -m comment --comment "default/web-svc:nginx-svc-port cluster IP" -m tcp --dport 8080 -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-SVC-YVE4DVDYZJRPV46I -p tcp -m comment --comment "default/web-svc:nginx-svc-port" -m tcp --dport 30080 -j KUBE-MARK-MASQ',
        {
          kind: 'replaced',
          why: 'NodePort masquerade moved from the SVC chain into KUBE-EXT (PR #109060)',
          now: '-A KUBE-EXT-YVE4DVDYZJRPV46I -m comment --comment "masquerade traffic for default/web-svc:nginx-svc-port external destinations" -j KUBE-MARK-MASQ',
        },
      ],
      [
        '-A KUBE-SVC-YVE4DVDYZJRPV46I -m comment --comment "default/web-svc:nginx-svc-port" -j KUBE-SEP-CC3QGOI23D5U3CR7',
        { kind: 'arrow', endpoint: '10.64.1.13:80' },
      ],
      ['-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000', same],
      [
        '-A KUBE-SEP-CC3QGOI23D5U3CR7 -s 10.64.1.13/32 -m comment --comment "default/web-svc:nginx-svc-port" -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-SEP-CC3QGOI23D5U3CR7 -p tcp -m comment --comment "default/web-svc:nginx-svc-port" -m tcp -j DNAT --to-destination 10.64.1.13:80',
        same,
      ],
    ],
  },
  {
    example: 'seed-local.ksvc',
    node: 'ecs-matrix-k8s-cluster-3',
    lines: [
      [
        '-A KUBE-SERVICES -d 10.32.0.227/32 -p tcp -m comment --comment "default/http-svc:http-svc cluster IP" -m tcp --dport 8080 -j KUBE-SVC-VTKRMSW4V2DPQX6X',
        same,
      ],
      [
        '-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS',
        same,
      ],
      [
        '-A KUBE-NODEPORTS -p tcp -m comment --comment "default/http-svc:http-svc" -m tcp --dport 30080 -j KUBE-EXT-VTKRMSW4V2DPQX6X',
        same,
      ],
      [
        '-A KUBE-EXT-VTKRMSW4V2DPQX6X -s 10.64.1.0/24 -m comment --comment "pod traffic for default/http-svc:http-svc external destinations" -j KUBE-SVC-VTKRMSW4V2DPQX6X',
        same,
      ],
      [
        '-A KUBE-EXT-VTKRMSW4V2DPQX6X -m comment --comment "masquerade LOCAL traffic for default/http-svc:http-svc external destinations" -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-EXT-VTKRMSW4V2DPQX6X -m comment --comment "route LOCAL traffic for default/http-svc:http-svc external destinations" -m addrtype --src-type LOCAL -j KUBE-SVC-VTKRMSW4V2DPQX6X',
        same,
      ],
      ['-A KUBE-EXT-VTKRMSW4V2DPQX6X -j KUBE-SVL-VTKRMSW4V2DPQX6X', same],
      ['-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000', same],
      [
        '-A KUBE-SVC-VTKRMSW4V2DPQX6X ! -s 10.64.1.0/24 -d 10.32.0.227/32 -p tcp -m comment --comment "default/http-svc:http-svc cluster IP" -m tcp --dport 8080 -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-SVC-VTKRMSW4V2DPQX6X -m comment --comment "default/http-svc:http-svc -> 10.44.0.1:8080" -j KUBE-SEP-INRYTRHBMCVQPY6Q',
        same,
      ],
      [
        '-A KUBE-SVL-VTKRMSW4V2DPQX6X -m comment --comment "default/http-svc:http-svc -> 10.44.0.1:8080" -j KUBE-SEP-INRYTRHBMCVQPY6Q',
        same,
      ],
      [
        '-A KUBE-SEP-INRYTRHBMCVQPY6Q -s 10.44.0.1/32 -m comment --comment "default/http-svc:http-svc" -j KUBE-MARK-MASQ',
        same,
      ],
      [
        '-A KUBE-SEP-INRYTRHBMCVQPY6Q -p tcp -m comment --comment "default/http-svc:http-svc" -m tcp -j DNAT --to-destination 10.44.0.1:8080',
        same,
      ],
    ],
  },
  {
    example: 'seed-local.ksvc',
    node: 'ecs-matrix-k8s-cluster-1',
    lines: [
      [
        '-A KUBE-SVL-VTKRMSW4V2DPQX6X -m comment --comment "default/http-svc:http-svc has no local endpoints" -j KUBE-MARK-DROP',
        {
          kind: 'replaced',
          why: 'no-local-endpoint traffic is dropped in filter KUBE-EXTERNAL-SERVICES since v1.25 (KEP-3178); KUBE-MARK-DROP is gone',
          now: '-A KUBE-EXTERNAL-SERVICES -p tcp -m comment --comment "default/http-svc:http-svc has no local endpoints" -m addrtype --dst-type LOCAL -m tcp --dport 30080 -j DROP',
        },
      ],
      [
        '-A KUBE-EXT-VTKRMSW4V2DPQX6X -s 10.64.1.0/24 -m comment --comment "pod traffic for default/http-svc:http-svc external destinations" -j KUBE-SVC-VTKRMSW4V2DPQX6X',
        same,
      ],
      [
        '-A KUBE-SEP-INRYTRHBMCVQPY6Q -p tcp -m comment --comment "default/http-svc:http-svc" -m tcp -j DNAT --to-destination 10.44.0.1:8080',
        same,
      ],
    ],
  },
];

/** The current-format line a captured line corresponds to (null for 'replaced'). */
export function currentForm(line: string, m: SeedMapping): string | null {
  switch (m.kind) {
    case 'same':
      return line;
    case 'arrow':
      return line.replace(
        /--comment "([^"]*)" -j KUBE-SEP-/,
        (_all, c: string) => `--comment "${c} -> ${m.endpoint}" -j KUBE-SEP-`,
      );
    case 'nodeport-ext':
      return line.replace(/-j KUBE-SVC-/, '-j KUBE-EXT-');
    case 'replaced':
      return null;
  }
}
