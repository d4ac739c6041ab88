// Test preload (`node --import`): appends the URL of every ES module the process resolves, and at exit the path of every CommonJS module it loaded, to $CDESK_RECORD_MODULES.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';

const file = process.env.CDESK_RECORD_MODULES;
if (!file) throw new Error('record-modules: set CDESK_RECORD_MODULES to the file to append to');

// Module hooks run on their own thread; they get the file through `initialize`.
const hooks = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(file, r.url + '\\n');
  return r;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { file } });

// createRequire(...) from inside the bundle (grpc-js in health.ts) bypasses the ESM hooks.
const require = createRequire(import.meta.url);
process.on('exit', () => {
  appendFileSync(file, Object.keys(require.cache).join('\n') + '\n');
});
