// Loads containerd's API definitions (protos/, a subset of containerd 1.6's .proto files) once, lazily.
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
 * The protos folder, next to this module: main/containerd/protos in the source tree, dist/protos
 * next to dist/cli.js and dist/electron-main.js (copied there by scripts/build.mjs).
 */
export function protosDir(): string {
  const dir = fileURLToPath(new URL('./protos/', import.meta.url));
  if (!existsSync(`${dir}containerd/services/tasks.proto`)) {
    throw new Error(
      `containerd API definitions not found in ${dir}; rebuild with npm run build (it copies main/containerd/protos to dist/protos)`,
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
      import('@grpc/grpc-js'),
      import('@grpc/proto-loader'),
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

/** The two services the engine's health probes call (grpc.health.v1 and containerd's Version). */
export interface HealthApi {
  grpc: typeof grpc;
  Health: grpc.ServiceClientConstructor;
  Version: grpc.ServiceClientConstructor;
  /** Milliseconds spent importing the libraries and parsing the protos (bench). */
  loadMs: number;
}

let loadingHealth: Promise<HealthApi> | null = null;

/**
 * Only health.proto + version.proto, apart from loadApi: the startup probe needs them while
 * containerd boots, and parsing two files is a fraction of the whole set (engine/health.ts).
 */
export function loadHealthApi(): Promise<HealthApi> {
  loadingHealth ??= (async () => {
    const t0 = performance.now();
    const [grpcMod, loader] = await Promise.all([
      import('@grpc/grpc-js'),
      import('@grpc/proto-loader'),
    ]);
    const def = loader.loadSync(['grpc/health/v1/health.proto', 'containerd/services/version.proto'], {
      includeDirs: [protosDir()],
      keepCase: true,
      enums: String,
      defaults: true,
    });
    const g = grpcMod.loadPackageDefinition(def) as unknown as {
      grpc: { health: { v1: Record<string, unknown> } };
      containerd: { services: { version: { v1: Record<string, unknown> } } };
    };
    const Health = g.grpc?.health?.v1?.Health;
    const Version = g.containerd?.services?.version?.v1?.Version;
    if (typeof Health !== 'function' || typeof Version !== 'function')
      throw new Error('health API definitions incomplete; rebuild with npm run build');
    return {
      grpc: grpcMod,
      Health: Health as grpc.ServiceClientConstructor,
      Version: Version as grpc.ServiceClientConstructor,
      loadMs: performance.now() - t0,
    };
  })();
  loadingHealth.catch(() => (loadingHealth = null));
  return loadingHealth;
}
