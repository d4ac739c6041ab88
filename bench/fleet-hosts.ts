// A fleet of stand-in hosts in a process of their own (so the hub's CPU is measured alone): N real
// control servers over FakeEngines; prints their sockets, then flips a host's state per stdin line.
import { createInterface } from 'node:readline';
import type { DaemonState } from '../common/states';
import { startFixtureHost, type FixtureHost } from '../test/helpers/fixture-hosts';

const [dir, count] = process.argv.slice(2);
if (!dir || !count) throw new Error('usage: fleet-hosts.ts DIR N');
const hosts = new Map<string, FixtureHost>();
for (let i = 0; i < Number(count); i++) {
  const name = `h${String(i).padStart(2, '0')}`;
  hosts.set(name, await startFixtureHost(dir, name));
}
process.stdout.write(
  `${JSON.stringify({ socks: Object.fromEntries([...hosts].map(([n, h]) => [n, h.sock])) })}\n`,
);
// "NAME STATE": that host's containerd changes state (as a real one would, with its event).
createInterface({ input: process.stdin }).on('line', (line) => {
  const [name, state] = line.trim().split(' ');
  hosts.get(name ?? '')?.engine.transition(state as DaemonState);
});
process.stdin.on('end', () => process.exit(0));
