// The shapes containerd's messages decode to (proto-loader: keepCase, longs as strings, enums as strings).

export interface Timestamp {
  seconds: string;
  nanos: number;
}

/** Go's zero time.Time, which containerd sends for "never" (e.g. a running task's exited_at). */
const GO_ZERO_SECONDS = -62135596800;

/** Epoch ms, or null for an unset or zero timestamp. */
export function toMs(t: Timestamp | null | undefined): number | null {
  if (!t) return null;
  const s = Number(t.seconds);
  if (!Number.isFinite(s) || s <= GO_ZERO_SECONDS) return null;
  if (s === 0 && !t.nanos) return null;
  return s * 1000 + Math.floor((t.nanos ?? 0) / 1e6);
}

export interface WireNamespace {
  name: string;
  labels: Record<string, string>;
}

export interface WireContainer {
  id: string;
  labels: Record<string, string>;
  image: string;
  runtime: { name: string } | null;
  snapshotter: string;
  snapshot_key: string;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}

export type WireTaskStatus = 'UNKNOWN' | 'CREATED' | 'RUNNING' | 'STOPPED' | 'PAUSED' | 'PAUSING';

export interface WireProcess {
  container_id: string;
  id: string;
  pid: number;
  status: WireTaskStatus;
  exit_status: number;
  exited_at: Timestamp | null;
}

export interface WireDescriptor {
  media_type: string;
  digest: string;
  size: string;
  annotations: Record<string, string>;
}

export interface WireImage {
  name: string;
  labels: Record<string, string>;
  target: WireDescriptor | null;
  created_at: Timestamp | null;
  updated_at: Timestamp | null;
}

export interface WirePlugin {
  type: string;
  id: string;
  requires: string[];
  platforms: { os: string; architecture: string; variant: string }[];
  exports: Record<string, string>;
  capabilities: string[];
  init_err: { code: number; message: string } | null;
}

export interface WireSnapshotInfo {
  name: string;
  parent: string;
  kind: string;
}

export interface WireEnvelope {
  timestamp: Timestamp | null;
  namespace: string;
  topic: string;
  /** Decoded by protobufjs (json option) into the payload's fields plus `@type`; raw when unknown. */
  event: (Record<string, unknown> & { '@type'?: string; type_url?: string }) | null;
}
