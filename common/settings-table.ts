// Every setting described once: schema, default, label, help, unit, group, CLI flag, when it applies.
// The settings schema, defaults, validation, the settings form, `run`/`serve` flags and their --help,
// and `cdesk settings` keys all derive from this table: adding a setting is one row here.
// Rows are plain data (no zod here): common/settings.ts builds each row's schema from its kind,
// range and options when something is validated, so reading the defaults costs no schema.
import { CONTAINERD_LOG_LEVELS } from './log-level-names';
import type { ShownUnit, StoredUnit } from './settings-units';

export { CONTAINERD_LOG_LEVELS };

/** How the form edits a value. */
export type SettingInput = 'path' | 'number' | 'select' | 'bool' | 'list';

/** `now`: the running engine takes it at once; `next-start`: used when containerd next starts. */
export type Applies = 'now' | 'next-start';

/** Sections of the settings form, in order. */
export const SETTINGS_GROUPS = [
  { id: 'containerd', title: 'containerd' },
  { id: 'restart', title: 'Restart policy' },
  { id: 'health', title: 'Health checks' },
  { id: 'hang', title: 'Hangs and stopping' },
  { id: 'logs', title: 'Logs' },
  { id: 'app', title: 'App' },
] as const;
export type SettingsGroupId = (typeof SETTINGS_GROUPS)[number]['id'];

export interface SettingRow<V = unknown> {
  /** The value when the settings file does not set it. */
  readonly default: V;
  /** How the form edits it, and so the value's kind (settings.ts builds its schema from this). */
  readonly input: SettingInput;
  /** Short name (form label, CLI --help). */
  readonly label: string;
  /** One or two sentences for the form. */
  readonly help: string;
  readonly group: SettingsGroupId;
  readonly applies: Applies;
  /** Numbers: what the value is stored in (ms, bytes, a 0–1 ratio, a count). */
  readonly unit?: StoredUnit;
  /** Numbers: the unit the form shows, if not the usual one for `unit` (ms → s, bytes → MiB). */
  readonly shownIn?: ShownUnit;
  /** Selects: the choices. */
  readonly options?: readonly string[];
  /** Numbers: the range the schema enforces, and whether only whole numbers are allowed. */
  readonly range?: { readonly min: number; readonly max: number; readonly int: boolean };
  /** `cdesk daemon run` / `cdesk serve` option (without the dashes) and its value's name in --help. */
  readonly flag?: { readonly name: string; readonly arg?: string };
  /** Lists: what each entry must look like, and how many there may be. */
  readonly items?: ListItems;
}

/** A list setting's entries: non-empty strings, optionally of a pattern (its message says which). */
export interface ListItems {
  readonly maxItems: number;
  readonly maxLength: number;
  readonly pattern?: RegExp;
  readonly message?: string;
}

type Meta = Omit<SettingRow, 'default' | 'input' | 'unit' | 'options' | 'range' | 'items'>;

const whole =
  (unit: 'ms' | 'bytes' | 'count') => (min: number, max: number, def: number, meta: Meta) =>
    ({
      default: def,
      input: 'number',
      unit,
      range: { min, max, int: true },
      ...meta,
    }) as const;
const duration = whole('ms');
const size = whole('bytes');
const count = whole('count');
const ratio = (def: number, meta: Meta) =>
  ({
    default: def,
    input: 'number',
    unit: 'ratio',
    range: { min: 0, max: 1, int: false },
    ...meta,
  }) as const;
const path = (meta: Meta) => ({ default: null as string | null, input: 'path', ...meta }) as const;
const toggle = (def: boolean, meta: Meta) => ({ default: def, input: 'bool', ...meta }) as const;
const list = (meta: Meta, items?: ListItems) =>
  ({ default: [] as string[], input: 'list', ...(items ? { items } : {}), ...meta }) as const;
function choice<const T extends readonly [string, ...string[]]>(
  options: T,
  def: T[number],
  meta: Meta,
) {
  return { default: def, input: 'select', options, ...meta } as const;
}

/** A registry as image references name it: host or host:port (no scheme, no path). */
const REGISTRY_HOST: ListItems = {
  maxItems: 100,
  maxLength: 255,
  pattern: /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$/,
  message: 'must be a registry host or host:port, e.g. registry.lan:5000 (no http://, no path)',
};

const MiB = 1 << 20;
const KiB = 1 << 10;

/** The table. Nesting mirrors settings.json (`restart.*`, `health.*`); order is the form's order. */
export const SETTINGS_TABLE = {
  containerdPath: path({
    label: 'containerd binary',
    help: 'Empty: find it on PATH, then next to the app.',
    group: 'containerd',
    applies: 'next-start',
    flag: { name: 'containerd', arg: 'PATH' },
  }),
  rootDir: path({
    label: 'Root directory',
    help: 'containerd keeps images and snapshots in DIR/daemon. Empty: the default for this user.',
    group: 'containerd',
    applies: 'next-start',
    flag: { name: 'root', arg: 'DIR' },
  }),
  stateDir: path({
    label: 'State directory',
    help: 'Config, pidfile, socket and log; containerd uses DIR/daemon. Empty: the default for this user.',
    group: 'containerd',
    applies: 'next-start',
    flag: { name: 'state', arg: 'DIR' },
  }),
  logLevel: choice(CONTAINERD_LOG_LEVELS, 'info', {
    label: 'Log level',
    help: "containerd's [debug] level.",
    group: 'containerd',
    applies: 'next-start',
    flag: { name: 'log-level', arg: 'LEVEL' },
  }),
  logFormat: choice(['text', 'json'], 'text', {
    label: 'Log format',
    help: "containerd's [debug] format.",
    group: 'containerd',
    applies: 'next-start',
  }),
  disabledPlugins: list({
    label: 'Disabled plugins',
    help: 'Plugin IDs added to disabled_plugins, comma-separated (e.g. io.containerd.grpc.v1.cri).',
    group: 'containerd',
    applies: 'next-start',
  }),
  cri: choice(['off', 'on'], 'off', {
    label: 'CRI plugin',
    help: "containerd's Kubernetes (CRI) plugin; off gives a faster, quieter containerd.",
    group: 'containerd',
    applies: 'next-start',
    flag: { name: 'cri' },
  }),
  overridesFile: path({
    label: 'Config overrides file',
    help: 'A TOML file whose tables are merged over the generated config.',
    group: 'containerd',
    applies: 'next-start',
    flag: { name: 'overrides', arg: 'FILE' },
  }),
  restart: {
    minUptimeMs: duration(0, 600_000, 1_000, {
      label: 'Minimum uptime',
      help: 'A start succeeded when containerd answered and stayed up this long.',
      group: 'restart',
      applies: 'now',
      flag: { name: 'min-uptime' },
    }),
    flapExits: count(1, 1000, 10, {
      label: 'Exits before backing off',
      help: 'More exits than this within the window: back off instead of respawning at once.',
      group: 'restart',
      applies: 'now',
      flag: { name: 'flap-exits' },
    }),
    flapWindowMs: duration(1000, 86_400_000, 60_000, {
      label: 'Exit counting window',
      help: 'The window the exits above are counted in.',
      group: 'restart',
      applies: 'now',
      flag: { name: 'flap-window' },
    }),
    backoffInitialMs: duration(1, 600_000, 500, {
      label: 'First backoff delay',
      help: 'Doubles with each quick exit.',
      group: 'restart',
      applies: 'now',
      flag: { name: 'backoff-initial' },
    }),
    backoffMaxMs: duration(1, 3_600_000, 30_000, {
      label: 'Longest backoff delay',
      help: 'The cap on the doubling delay.',
      group: 'restart',
      applies: 'now',
      flag: { name: 'backoff-max' },
    }),
    backoffJitter: ratio(0.2, {
      label: 'Backoff jitter',
      help: 'Each delay varies by up to ± this much.',
      group: 'restart',
      applies: 'now',
    }),
    resetAfterHealthyMs: duration(0, 86_400_000, 60_000, {
      label: 'Forget the backoff after healthy for',
      help: 'The next exit after this long healthy respawns at once again.',
      group: 'restart',
      applies: 'now',
    }),
    breakerMaxFailures: count(1, 1000, 5, {
      label: 'Crash-loop breaker: failed starts',
      help: 'This many failed starts within the window stop retrying (state failed).',
      group: 'restart',
      applies: 'now',
      flag: { name: 'breaker-failures' },
    }),
    breakerWindowMs: duration(1000, 86_400_000, 300_000, {
      label: 'Crash-loop breaker: window',
      help: 'The window failed starts are counted in.',
      group: 'restart',
      applies: 'now',
      flag: { name: 'breaker-window' },
    }),
  },
  health: {
    startupBudgetMs: duration(100, 600_000, 60_000, {
      label: 'Start-up budget',
      help: 'Time a new containerd has to answer the health check.',
      group: 'health',
      applies: 'now',
      flag: { name: 'startup-budget' },
    }),
    startupProbeIntervalMs: duration(1, 1000, 10, {
      label: 'Start-up probe interval',
      help: 'How often a starting containerd is probed.',
      group: 'health',
      applies: 'now',
      shownIn: 'ms',
    }),
    livenessIntervalMs: duration(50, 600_000, 5_000, {
      label: 'Liveness check interval',
      help: 'How often a running containerd is checked.',
      group: 'health',
      applies: 'now',
      flag: { name: 'liveness-interval' },
    }),
    livenessTimeoutMs: duration(10, 60_000, 3_000, {
      label: 'Liveness check timeout',
      help: 'A check that takes longer has failed.',
      group: 'health',
      applies: 'now',
      flag: { name: 'liveness-timeout' },
    }),
    livenessFailures: count(1, 100, 3, {
      label: 'Failed checks that mean hung',
      help: 'Consecutive failed checks before containerd counts as hung.',
      group: 'health',
      applies: 'now',
      flag: { name: 'liveness-failures' },
    }),
    livenessRecheckMs: duration(50, 600_000, 1_000, {
      label: 'Re-check after a failure',
      help: 'After a failed check, check again this soon, so a hang is confirmed quickly.',
      group: 'health',
      applies: 'now',
      flag: { name: 'liveness-recheck' },
    }),
  },
  hangPolicy: choice(['restart', 'report'], 'restart', {
    label: 'When containerd hangs',
    help: 'restart: dump its stacks (SIGUSR1), kill and respawn it; report: only say so.',
    group: 'hang',
    applies: 'now',
    flag: { name: 'hang-policy' },
  }),
  stopGraceMs: duration(0, 120_000, 10_000, {
    label: 'Stop grace period',
    help: 'Time between SIGTERM and SIGKILL when stopping.',
    group: 'hang',
    applies: 'now',
    flag: { name: 'stop-grace' },
  }),
  hangDumpWaitMs: duration(0, 10_000, 1_000, {
    label: 'Wait after the stack dump',
    help: 'Time between SIGUSR1 (stack dump) and SIGKILL for a hung containerd.',
    group: 'hang',
    applies: 'now',
  }),
  logRotateBytes: size(4 * KiB, 1 << 30, 10 * MiB, {
    label: 'Rotate the log file at',
    help: "containerd's log file is rotated when it grows past this size.",
    group: 'logs',
    applies: 'now',
  }),
  logRotateKeep: count(1, 50, 5, {
    label: 'Rotated log files to keep',
    help: 'Older ones are deleted.',
    group: 'logs',
    applies: 'now',
  }),
  containerLogMaxBytes: size(4 * KiB, 1 << 30, 10 * MiB, {
    label: 'Rotate container logs at',
    help: "A container's output log (cdesk logs) is rotated when it grows past this size. Applies to containers started afterwards.",
    group: 'logs',
    applies: 'now',
  }),
  containerLogKeep: count(1, 50, 3, {
    label: 'Rotated container logs to keep',
    help: 'Per container; older ones are deleted.',
    group: 'logs',
    applies: 'now',
  }),
  logRingLines: count(100, 200_000, 20_000, {
    label: 'Log lines kept in memory',
    help: 'For the live log view and cdesk daemon logs; older lines stay in the log files.',
    group: 'logs',
    applies: 'now',
  }),
  logRingBytes: size(MiB, 512 * MiB, 32 * MiB, {
    label: 'Log memory',
    help: 'The in-memory log drops its oldest lines past this many bytes of text.',
    group: 'logs',
    applies: 'now',
  }),
  logLineMaxBytes: size(KiB, MiB, 16 * KiB, {
    label: 'Longest log line',
    help: 'Longer lines are cut to this size, with a visible marker.',
    group: 'logs',
    applies: 'now',
    shownIn: 'KiB',
  }),
  onQuit: choice(['stop', 'leave-running'], 'stop', {
    label: 'On quit',
    help: 'stop containerd, or leave it running (adopted at the next launch).',
    group: 'app',
    applies: 'now',
  }),
  autoStart: toggle(true, {
    label: 'Start containerd when the app starts',
    help: 'Used at each launch.',
    group: 'app',
    applies: 'now',
  }),
  notifications: toggle(true, {
    label: 'Notify on state changes',
    help: 'Desktop notifications when containerd turns unhealthy or fails.',
    group: 'app',
    applies: 'now',
  }),
  insecureRegistries: list(
    {
      label: 'Insecure registries',
      help: 'Registries (host or host:port) pulled from over plain HTTP; localhost and 127.0.0.1 always are.',
      group: 'app',
      applies: 'now',
    },
    REGISTRY_HOST,
  ),
} as const;

/** A nested table: rows and groups of rows. */
export interface SettingsTable {
  readonly [key: string]: SettingRow | SettingsTable;
}

/** The settings object a table describes (nested like the table). */
export type ValueOf<T> = {
  -readonly [K in keyof T]: T[K] extends { readonly input: SettingInput; readonly default: infer D }
    ? D
    : ValueOf<T[K]>;
};

export function isRow(v: SettingRow | SettingsTable): v is SettingRow {
  return typeof v.input === 'string';
}

/** A row with its dotted key. */
export type KeyedRow = SettingRow & { readonly key: string };

function keyedRows(t: SettingsTable, prefix = ''): KeyedRow[] {
  return Object.entries(t).flatMap(([k, v]) =>
    isRow(v) ? [{ ...v, key: `${prefix}${k}` }] : keyedRows(v, `${prefix}${k}.`),
  );
}

/** Every setting, in table order, with its dotted key ("restart.backoffMaxMs"). */
export const SETTING_ROWS: readonly KeyedRow[] = keyedRows(SETTINGS_TABLE as SettingsTable);

const BY_KEY = new Map(SETTING_ROWS.map((r) => [r.key, r]));

/** The row for a dotted key, or undefined when it is not a setting. */
export function settingRow(key: string): KeyedRow | undefined {
  return BY_KEY.get(key);
}

/** The dotted group names ("restart", "health"). */
export const SETTING_GROUP_KEYS: readonly string[] = [
  ...new Set(SETTING_ROWS.filter((r) => r.key.includes('.')).map((r) => r.key.split('.')[0]!)),
];

/** The settings object the table describes. */
export type TableSettings = ValueOf<typeof SETTINGS_TABLE>;

function tableDefaults(t: SettingsTable): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(t).map(([k, v]) => [
      k,
      isRow(v) ? structuredClone(v.default) : tableDefaults(v),
    ]),
  );
}

/** The defaults, fully filled in (a new object each time: nothing shares a default array). */
export function defaultSettings(): TableSettings {
  return tableDefaults(SETTINGS_TABLE as SettingsTable) as TableSettings;
}

/** Rules across settings; each names the field a form shows the message next to. */
export const SETTINGS_RULES: ReadonlyArray<{
  /** Where the message shows. */
  field: string;
  /** The other keys the rule compares `field` with. */
  involves: string[];
  holds: (s: TableSettings) => boolean;
  message: string;
}> = [
  {
    field: 'restart.backoffMaxMs',
    involves: ['restart.backoffInitialMs'],
    holds: (s) => s.restart.backoffMaxMs >= s.restart.backoffInitialMs,
    message: 'must be at least restart.backoffInitialMs (the first backoff delay)',
  },
];
