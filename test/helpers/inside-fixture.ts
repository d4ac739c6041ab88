// A real containerd under the engine, with the inside client attached and the busybox image imported.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Settings } from '../../common/settings';
import { createInside, type Inside } from '../../main/containerd/index';
import { Supervisor } from '../../main/engine/supervisor';
import { execFileSync } from 'node:child_process';
import { bridgeNetworkFor } from '../../main/containerd/cni';
import { collectNetworks } from '../../main/containerd/container-network';
import { tempDir, testSettings, until } from './engine';
import { buildBusyboxImage, importImage, removeAllContainers, type BuiltImage } from './oci-image';

let built: { img: BuiltImage; dir: string } | null = null;

/** The image archive, built once per test file. */
export function busyboxImage(): BuiltImage {
  if (!built) {
    const dir = mkdtempSync(join(tmpdir(), 'cd-img-'));
    built = { img: buildBusyboxImage(dir), dir };
  }
  return built.img;
}

export function removeBuiltImage(): void {
  if (built) rmSync(built.dir, { recursive: true, force: true });
  built = null;
}

export interface InsideFixture {
  engine: Supervisor;
  inside: Inside;
  settings: Settings;
  socket: string;
  img: BuiltImage;
  dispose(): Promise<void>;
}

/**
 * The bridge networks of the containers removeAllContainers deleted behind the app's back (what
 * the app does at its next connect), and this run's bridge, which the CNI plugin leaves up.
 */
export async function removeNetworks(stateDir: string): Promise<void> {
  await collectNetworks({ stateDir }, () => Promise.resolve(false));
  try {
    execFileSync('ip', ['link', 'del', bridgeNetworkFor(stateDir).bridge], { stdio: 'ignore' });
  } catch {
    // never made
  }
}

/** Start containerd (engine), attach createInside, import the image into `default`. */
export async function startInside(
  patch?: (s: Settings) => void,
  opts: { cniConfDir?: string; cniBinDirs?: string[]; importImage?: boolean } = {},
): Promise<InsideFixture> {
  const t = tempDir();
  const settings = testSettings(t.dir, patch);
  const engine = new Supervisor({ settings });
  const inside = createInside({
    engine,
    settings: () => settings,
    cniConfDir: opts.cniConfDir,
    cniBinDirs: opts.cniBinDirs,
    logError: () => undefined,
  });
  const s = await engine.start();
  if (s.state !== 'running') throw new Error(`containerd did not start: ${s.state} ${s.reason}`);
  const socket = s.paths.socket;
  const img = busyboxImage();
  if (opts.importImage !== false) importImage(socket, 'default', img);
  await until(() => inside.status().state === 'connected', 15_000, 'inside connected');
  return {
    engine,
    inside,
    settings,
    socket,
    img,
    async dispose() {
      // Tasks outlive containerd (by design): remove them while it runs, or their mounts stay.
      try {
        if (engine.status().state !== 'running') await engine.start();
        removeAllContainers(socket);
      } finally {
        // containerd stops and the folder goes even when the network clean-up fails (its error
        // is the test's); else one failure leaves a containerd behind for the rest of the run.
        try {
          await removeNetworks(engine.status().paths.state);
        } finally {
          inside.dispose();
          await engine.shutdown({ leaveRunning: false });
          t.cleanup();
        }
      }
    },
  };
}
