// `npm run proto:gen [-- DIR]`: generates the gRPC message types and service definitions from
// proto/ with buf + ts-proto (buf.gen.yaml) into main/shared/api/, or into DIR/main/shared/api/
// (the staleness test compares the two).
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const base = path.resolve(process.argv[2] ?? root);
const out = path.join(base, 'main/shared/api');

rmSync(out, { recursive: true, force: true });
const buf = path.join(root, 'node_modules/.bin/buf');
const r = spawnSync(buf, ['generate', '--template', 'buf.gen.yaml', '-o', base], {
  cwd: root,
  stdio: 'inherit',
});
if (r.status !== 0) {
  console.error(`proto:gen: buf generate failed (exit ${r.status ?? r.signal})`);
  process.exit(1);
}
// ts-proto also writes every imported file; these two describe a Go-only option (containerd's
// fieldpath) and nothing generated imports them.
rmSync(path.join(out, 'types/fieldpath.ts'));
rmSync(path.join(out, 'google/protobuf/descriptor.ts'));
