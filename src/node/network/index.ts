// Pod networking: the bridge plugin (root: netns + veth + bridge) and the
// loopback plugin (anyone: one 127.x address per pod).

export type { NetworkPlugin } from './types.js';
export { createBridgeNetwork, type BridgeNetwork, type BridgeNetworkOptions } from './bridge.js';
export { createLoopbackNetwork, type LoopbackNetwork, type LoopbackNetworkOptions } from './loopback.js';
export { canUseBridge } from './probe.js';
export { Ipam, type IpamOptions } from './ipam.js';
export { Cidr, intToIp, ipToInt, isIPv4, nodePodCidr, podAddressCount } from './cidr.js';
