// The import direction of main/'s and the renderer's rooms is enforced by lint: a wrong-direction import fails, a right one passes.
import { ESLint } from 'eslint';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: ROOT });

/** Lint one import as if it were written in `file`; return the restricted-import messages. */
async function importErrors(file: string, spec: string): Promise<string[]> {
  const code = `import { x } from '${spec}';\nexport const y = x;\n`;
  const [r] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return r!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('room import direction (eslint.config.js ROOMS)', () => {
  it.each([
    ['main/engine/probe.ts', '../service/service', 'main/engine may import only shared'],
    ['main/shared/probe.ts', '../engine/supervisor', 'main/shared may import only common/'],
    ['main/containerd/probe.ts', '../service/service', 'main/containerd may import only'],
    ['main/service/probe.ts', '../cli/common', 'main/service may import only'],
    ['main/control-socket/probe.ts', '../host/host', 'main/control-socket may import only'],
    ['main/headless/probe.ts', '../engine/supervisor', 'main/headless may import only'],
    ['main/engine/probe.ts', 'electron', 'only main/electron imports Electron'],
    ['main/cli/probe.ts', '../../renderer/src/app', 'main/ never imports the renderer'],
  ])('%s importing %s fails', async (file, spec, message) => {
    const errors = await importErrors(file, spec);
    expect(errors.join('\n')).toContain(message);
  });

  it.each([
    ['main/engine/probe.ts', '../shared/write-file-atomic'],
    ['main/containerd/probe.ts', '../engine/types'],
    ['main/service/probe.ts', '../containerd/index'],
    ['main/control-socket/probe.ts', '../service/service'],
    ['main/host/probe.ts', '../control-socket/control-server'],
    ['main/cli/probe.ts', '../host/host'],
    ['main/electron/probe.ts', 'electron'],
  ])('%s importing %s passes', async (file, spec) => {
    expect(await importErrors(file, spec)).toEqual([]);
  });

  it('common/ imports nothing from main/', async () => {
    const [r] = await eslint.lintText(
      `import { x } from '../main/shared/limits';\nexport const y = x;\n`,
      {
        filePath: join(ROOT, 'common/probe.ts'),
      },
    );
    expect(r!.messages.some((m) => m.ruleId === 'no-restricted-imports')).toBe(true);
  });
});

describe('renderer room import direction (eslint.config.js RENDERER_ROOMS)', () => {
  it.each([
    [
      'renderer/src/components/probe.tsx',
      '../views/containers-view',
      'components may import only store',
    ],
    ['renderer/src/components/probe.tsx', '../views', 'components may import only store'],
    ['renderer/src/store/probe.ts', '../components/hooks', 'store may import only transport'],
    ['renderer/src/store/probe.ts', '../views/log-view', 'store may import only transport'],
    ['renderer/src/transport/probe.ts', '../store/store', 'transport may import only common/'],
    [
      'renderer/src/components/probe.tsx',
      '../transport/ws-client',
      'components may import only store',
    ],
    ['renderer/src/views/probe.tsx', '../app', 'no room imports it'],
    ['renderer/src/views/probe.tsx', 'electron', 'the renderer sees the DOM and common/ only'],
    ['renderer/src/store/probe.ts', 'node:fs', 'the renderer sees the DOM and common/ only'],
  ])('%s importing %s fails', async (file, spec, message) => {
    const errors = await importErrors(file, spec);
    expect(errors.join('\n')).toContain(message);
  });

  it.each([
    ['renderer/src/views/probe.tsx', '../components/virtual-table'],
    ['renderer/src/views/probe.tsx', '../store/inside-context'],
    ['renderer/src/views/probe.tsx', './containers-view'],
    ['renderer/src/components/probe.tsx', '../store/context'],
    ['renderer/src/store/probe.ts', '../transport/connection'],
    ['renderer/src/probe.tsx', './views'],
    ['renderer/src/probe.tsx', './transport/pick-transport'],
  ])('%s importing %s passes', async (file, spec) => {
    expect(await importErrors(file, spec)).toEqual([]);
  });
});
