// The bridge network's conflist and names, and reading a CNI result.
import { describe, expect, it } from 'vitest';
import { bridgeConflist, bridgeNetworkFor, resultIp } from '../../../main/containerd/cni';

describe('bridgeNetworkFor', () => {
  it('one bridge and /24 per state dir, an interface name Linux accepts', () => {
    const a = bridgeNetworkFor('/run/containerd-desktop');
    const b = bridgeNetworkFor('/tmp/cd-x/state');
    expect(a).toEqual(bridgeNetworkFor('/run/containerd-desktop'));
    expect(a.bridge).not.toBe(b.bridge);
    expect(a.bridge.length).toBeLessThanOrEqual(15);
    expect(a.subnet).toMatch(/^10\.(1[2-9]\d)\.\d{1,3}\.0\/24$/);
    expect(a.gateway).toBe(a.subnet.replace('.0/24', '.1'));
    expect(a.ipamDir).toBe('/run/containerd-desktop/cni/ipam');
  });
});

describe('bridgeConflist', () => {
  it('bridge with host-local IPAM under the state dir, then portmap', () => {
    const n = bridgeNetworkFor('/s');
    const l = bridgeConflist(n);
    expect(l.plugins.map((p) => p.type)).toEqual(['bridge', 'portmap']);
    expect(l.plugins[0]).toMatchObject({
      bridge: n.bridge,
      isGateway: true,
      ipMasq: true,
      ipam: { type: 'host-local', ranges: [[{ subnet: n.subnet }]], dataDir: '/s/cni/ipam' },
    });
    expect(l.plugins[1]).toMatchObject({ capabilities: { portMappings: true } });
  });
});

describe('resultIp', () => {
  it('the first IPv4 address of a CNI 1.0 result', () => {
    expect(
      resultIp({
        ips: [{ address: 'fd00::2/64' }, { address: '10.130.7.2/24', gateway: '10.130.7.1' }],
      }),
    ).toBe('10.130.7.2');
    expect(resultIp({})).toBeNull();
  });
});
