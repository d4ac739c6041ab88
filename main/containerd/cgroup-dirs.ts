// The empty cgroup folders our containers leave: runc removes a container's own cgroup, not the
// parents this app names (`/cdesk-<hash>/<namespace>`), one set per state dir and namespace.
import { existsSync } from 'node:fs';
import { readdir, rmdir } from 'node:fs/promises';
import { join } from 'node:path';

const ROOT = '/sys/fs/cgroup';

/**
 * Remove `parent/namespace` and then `parent` under every cgroup hierarchy, where empty. rmdir
 * refuses a cgroup that still holds a task or a child, so a busy one simply stays.
 */
export async function removeEmptyCgroupParents(parent: string, namespace: string): Promise<void> {
  // cgroup v2: one unified tree; v1: one tree per controller (cpu, memory, pids…).
  const trees = existsSync(join(ROOT, 'cgroup.controllers'))
    ? [ROOT]
    : (await readdir(ROOT, { withFileTypes: true }).catch(() => []))
        .filter((d) => d.isDirectory())
        .map((d) => join(ROOT, d.name));
  await Promise.all(
    trees.map(async (tree) => {
      for (const dir of [join(tree, parent, namespace), join(tree, parent)])
        if (
          !(await rmdir(dir).then(
            () => true,
            () => false,
          ))
        )
          return;
    }),
  );
}
