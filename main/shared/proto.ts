// Loads the gRPC definitions once, lazily: containerd's API (a subset of its 1.6 .proto files).
// The engine's health and version probes do not use them (engine/health.ts speaks those two calls itself).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';

/** Every file we load; imports between them resolve against the protos folder. */
export const PROTO_FILES = [
  'containerd/services/version.proto',
  'containerd/services/introspection.proto',
  'containerd/services/namespaces.proto',
  'containerd/services/containers.proto',
  'containerd/services/tasks.proto',
  'containerd/services/images.proto',
  'containerd/services/content.proto',
  'containerd/services/snapshots.proto',
  'containerd/services/events.proto',
  'containerd/events/container.proto',
  'containerd/events/task.proto',
  'containerd/events/image.proto',
  'containerd/events/snapshot.proto',
  'containerd/events/namespace.proto',
  'containerd/events/content.proto',
] as const;

/**
 * The protos folder, next to this module: main/shared/protos in the source tree, dist/protos
 * next to dist/cli.js and dist/electron-main.js (copied there by scripts/build.mjs).
 */
export function protosDir(): string {
  const dir = fileURLToPath(new URL('./protos/', import.meta.url));
  if (!existsSync(`${dir}containerd/services/tasks.proto`)) {
    throw new Error(
      `containerd API definitions not found in ${dir}; rebuild with npm run build (it copies main/shared/protos to dist/protos)`,
    );
  }
  return dir;
}

/** The grpc-js service constructors we call, by short name. */
export interface ContainerdServices {
  Version: grpc.ServiceClientConstructor;
  Introspection: grpc.ServiceClientConstructor;
  Namespaces: grpc.ServiceClientConstructor;
  Containers: grpc.ServiceClientConstructor;
  Tasks: grpc.ServiceClientConstructor;
  Images: grpc.ServiceClientConstructor;
  Content: grpc.ServiceClientConstructor;
  Snapshots: grpc.ServiceClientConstructor;
  Events: grpc.ServiceClientConstructor;
}

export interface LoadedApi {
  grpc: typeof grpc;
  services: ContainerdServices;
  /** Milliseconds spent importing the libraries and parsing the protos (bench). */
  loadMs: number;
}

/**
 * module.exports of a CommonJS package loaded with `import()`. Node's import() gives it as
 * `default` (plus the export names it detects); the CLI bundle, whose build puts grpc-js,
 * proto-loader and protobufjs in chunks only `import()` reaches (scripts/build.mjs), gives it
 * only as `default`. Both paths (tsx and tests from source, the built CLI) share this code.
 */
function cjsExports<T extends object>(ns: T): T {
  return (ns as { default?: T }).default ?? ns;
}

let loading: Promise<LoadedApi> | null = null;

/**
 * Import grpc-js + proto-loader and parse the protos (~40–200 ms): done on first use, never on the
 * supervisor's start-up path. `json: true` makes protobufjs decode an event's `Any` payload into
 * its message (with an `@type` field), since the event types are in the same definitions.
 */
export function loadApi(): Promise<LoadedApi> {
  loading ??= (async () => {
    const t0 = performance.now();
    const [grpcMod, loader] = await Promise.all([
      import('@grpc/grpc-js').then(cjsExports),
      import('@grpc/proto-loader').then(cjsExports),
    ]);
    const def = loader.loadSync([...PROTO_FILES], {
      includeDirs: [protosDir()],
      keepCase: true,
      longs: String,
      enums: String,
      defaults: true,
      oneofs: true,
      json: true,
    });
    const g = grpcMod.loadPackageDefinition(def) as unknown as {
      containerd: { services: Record<string, Record<string, Record<string, unknown>>> };
    };
    const s = g.containerd.services;
    const pick = (pkg: string, name: string) => {
      const ctor = s[pkg]?.v1?.[name];
      if (typeof ctor !== 'function')
        throw new Error(`containerd API definition ${pkg}.${name} missing`);
      return ctor as grpc.ServiceClientConstructor;
    };
    return {
      grpc: grpcMod,
      services: {
        Version: pick('version', 'Version'),
        Introspection: pick('introspection', 'Introspection'),
        Namespaces: pick('namespaces', 'Namespaces'),
        Containers: pick('containers', 'Containers'),
        Tasks: pick('tasks', 'Tasks'),
        Images: pick('images', 'Images'),
        Content: pick('content', 'Content'),
        Snapshots: pick('snapshots', 'Snapshots'),
        Events: pick('events', 'Events'),
      },
      loadMs: performance.now() - t0,
    };
  })();
  loading.catch(() => (loading = null));
  return loading;
}
