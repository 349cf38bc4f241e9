// The service proxy: userspace TCP proxies and UDP relays for ClusterIPs,
// NodePorts and LoadBalancer ingress IPs.

export { startServiceProxy, backendsFor, type ServiceProxy, type ServiceProxyOptions, type ProxyMode } from './service-proxy.js';
export { Balancer, backendKey, type Backend, type BalancerOptions } from './balancer.js';
export { startTcpProxy, type Listener, type TcpProxyOptions } from './tcp-proxy.js';
export { startUdpProxy, type UdpProxyOptions } from './udp-proxy.js';
