// .ksvc texts the parser and formatter tests share: the acceptance examples of the language's design
// sketch, written exactly as there, and one file with every construct of docs/language.md.

export const SEED_CLUSTERIP = `# kube-dns and the API service, as captured on ecs-matrix-k8s-cluster-3
cluster {
  masq from outside 10.64.1.0/24
}

node ecs-matrix-k8s-cluster-3 {
  address 172.16.1.35
}

service default/kubernetes {
  https: ClusterIP 10.32.0.1:443/tcp -> endpoints:6443
  endpoints 172.16.1.35
}

service kube-system/kube-dns {
  dns:     ClusterIP 10.32.0.10:53/udp   -> endpoints:53
  dns-tcp: ClusterIP 10.32.0.10:53/tcp   -> endpoints:53
  metrics: ClusterIP 10.32.0.10:9153/tcp -> endpoints:9153
  endpoints 10.64.1.7 on ecs-matrix-k8s-cluster-3
}
`;

export const SEED_NODEPORT = `cluster {
  masq from outside 10.64.1.0/24
}

node ecs-matrix-k8s-cluster-3 {
  address 172.16.1.35
}

service default/web-svc {
  nginx-svc-port: NodePort 10.32.0.159:8080/tcp nodePort 30080 -> endpoints:80
  endpoints 10.64.1.13 on ecs-matrix-k8s-cluster-3
}
`;

export const SEED_LOCAL = `cluster {
  masq from outside 10.64.1.0/24
}

node ecs-matrix-k8s-cluster-3 {
  address 172.16.1.35
}

node ecs-matrix-k8s-cluster-1 {
  address 172.16.1.33
}

service default/http-svc {
  http-svc: NodePort 10.32.0.227:8080/tcp nodePort 30080 -> endpoints:8080, externalTrafficPolicy local
  endpoints 10.44.0.1 on ecs-matrix-k8s-cluster-3
}
`;

export const DESIGN_CARD = `service kube-system/dns {
  dns: ClusterIP 10.32.0.10:53/udp -> endpoints, masq from outside 10.64.1.0/24, externalTrafficPolicy local
}
`;

export const EVERY_CONSTRUCT = `# every construct
cluster {
  masq from outside 10.64.0.0/16   # one detector per family
  masq from outside fd00:64::/48
  masq from outside node podCIDR
  masq from outside interface cbr0
  masq from outside interface prefix veth
  masq all
  masq bit 14
  nodePort addresses 192.168.10.0/24, fd00:10::/64
  nodePort range 30000-32767
  localhost nodePorts off
}

node node-a {
  address 192.168.10.11, fd00:10::11
  podCIDR 10.64.1.0/24, fd00:64:0:1::/64
}

service shop/storefront {
  # the public ports
  http:  LoadBalancer 10.32.0.20:80/tcp  nodePort 30080 -> endpoints:http, externalTrafficPolicy local
  https: LoadBalancer 10.32.0.20:443/tcp nodePort 30443 -> endpoints:8443
  http:  LoadBalancer [fd00:32::20]:80/tcp nodePort 30080 -> endpoints:http
  externalIPs 192.168.99.22
  loadBalancerIngress 203.0.113.10, fd00:203::10
  loadBalancerSourceRanges 198.51.100.0/24, 203.0.113.0/25
  healthCheckNodePort 30000
  sessionAffinity clientIP 600
  internalTrafficPolicy cluster
  masq from outside 10.0.0.0/8
  endpoints 10.64.1.5 on node-a zone zone-a ports http=8080 metrics=9090,
            10.64.2.6 on node-b terminating serving ports http=8080,
            fd00:64:0:1::5 on node-a not-ready
  endpoints 10.64.3.5 not-serving
}

service default/plain {
  ClusterIP 10.32.0.50:80/tcp -> endpoints
  sessionAffinity none
}
`;

export const ACCEPTANCE: readonly string[] = [SEED_CLUSTERIP, SEED_NODEPORT, SEED_LOCAL, DESIGN_CARD, EVERY_CONSTRUCT];
