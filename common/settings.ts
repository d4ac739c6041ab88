// User settings: one schema with defaults, shared by the engine, the CLI and the settings form.
import { z } from 'zod';

const ms = (min: number, max: number) => z.number().int().min(min).max(max);
const absPath = z
  .string()
  .min(1)
  .refine((p) => p.startsWith('/'), { message: 'must be an absolute path (starting with /)' });

export const CONTAINERD_LOG_LEVELS = [
  'trace',
  'debug',
  'info',
  'warn',
  'error',
  'fatal',
  'panic',
] as const;

/** Restart policy knobs (DESIGN.md "Restart policy"). */
export const restartSettingsSchema = z
  .object({
    /** A start succeeded when the daemon reached SERVING and stayed alive this long. */
    minUptimeMs: ms(0, 600_000).default(1_000),
    /** More than this many exits of successful runs within flapWindowMs → back off. */
    flapExits: z.number().int().min(1).max(1000).default(3),
    flapWindowMs: ms(1000, 86_400_000).default(60_000),
    backoffInitialMs: ms(1, 600_000).default(500),
    backoffMaxMs: ms(1, 3_600_000).default(30_000),
    /** ± fraction of jitter on each backoff delay. */
    backoffJitter: z.number().min(0).max(1).default(0.2),
    resetAfterHealthyMs: ms(0, 86_400_000).default(60_000),
    /** Crash-loop breaker: this many failed starts within the window → failed. */
    breakerMaxFailures: z.number().int().min(1).max(1000).default(5),
    breakerWindowMs: ms(1000, 86_400_000).default(300_000),
  })
  .strict();

/** Health probing knobs (DESIGN.md "Health"). */
export const healthSettingsSchema = z
  .object({
    startupBudgetMs: ms(100, 600_000).default(60_000),
    startupProbeIntervalMs: ms(1, 1000).default(10),
    livenessIntervalMs: ms(50, 600_000).default(5_000),
    livenessTimeoutMs: ms(10, 60_000).default(3_000),
    livenessFailures: z.number().int().min(1).max(100).default(3),
    /** After a failed liveness check, re-check this soon (confirms a hang quickly). */
    livenessRecheckMs: ms(50, 600_000).default(1_000),
  })
  .strict();

export const settingsSchema = z
  .object({
    /** containerd binary; null = PATH, then next to the app. */
    containerdPath: absPath.nullable().default(null),
    /** null = the default for this user (XDG for a normal user, /var/lib for root). */
    rootDir: absPath.nullable().default(null),
    stateDir: absPath.nullable().default(null),
    logLevel: z.enum(CONTAINERD_LOG_LEVELS).default('info'),
    logFormat: z.enum(['text', 'json']).default('text'),
    disabledPlugins: z.array(z.string().min(1)).default([]),
    /** containerd's CRI plugin (Kubernetes tools): off gives a faster, quieter containerd. */
    cri: z.enum(['off', 'on']).default('off'),
    /** A TOML file whose tables are merged over the generated config. */
    overridesFile: absPath.nullable().default(null),
    restart: restartSettingsSchema.default(() => restartSettingsSchema.parse({})),
    health: healthSettingsSchema.default(() => healthSettingsSchema.parse({})),
    /** What to do with a live daemon whose liveness checks keep failing. */
    hangPolicy: z.enum(['restart', 'report']).default('restart'),
    stopGraceMs: ms(0, 120_000).default(10_000),
    /** How long to wait after SIGUSR1 (stack dump) before SIGKILL on a hung daemon. */
    hangDumpWaitMs: ms(0, 10_000).default(1_000),
    logRotateBytes: z
      .number()
      .int()
      .min(4096)
      .max(1 << 30)
      .default(10 * 1024 * 1024),
    logRotateKeep: z.number().int().min(1).max(50).default(5),
    logRingLines: z.number().int().min(100).max(200_000).default(20_000),
    /** The live log's memory, in bytes of line text (the ring drops oldest lines past it). */
    logRingBytes: z
      .number()
      .int()
      .min(1 << 20)
      .max(512 << 20)
      .default(32 << 20),
    /** Longer log lines are cut to this many bytes with a visible marker. */
    logLineMaxBytes: z
      .number()
      .int()
      .min(1024)
      .max(1 << 20)
      .default(16 << 10),
    onQuit: z.enum(['stop', 'leave-running']).default('stop'),
    autoStart: z.boolean().default(true),
    notifications: z.boolean().default(true),
  })
  .strict();

export type Settings = z.infer<typeof settingsSchema>;
export type RestartSettings = Settings['restart'];
export type HealthSettings = Settings['health'];

/** The defaults, fully filled in. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}

/** A validation problem on one field, with the path as a dotted name. */
export interface FieldError {
  field: string;
  message: string;
}

/** Parse unknown input into settings; on failure, every bad field with its message. */
export function parseSettings(
  input: unknown,
): { ok: true; value: Settings } | { ok: false; errors: FieldError[] } {
  const r = settingsSchema.safeParse(input);
  if (r.success) {
    if (r.data.restart.backoffMaxMs < r.data.restart.backoffInitialMs) {
      return {
        ok: false,
        errors: [
          {
            field: 'restart.backoffMaxMs',
            message: 'must be at least restart.backoffInitialMs',
          },
        ],
      };
    }
    return { ok: true, value: r.data };
  }
  return {
    ok: false,
    errors: r.error.issues.flatMap((i) => {
      const field = i.path.length ? i.path.join('.') : '(settings)';
      if (i.code === 'unrecognized_keys') {
        return i.keys.map((k) => ({
          field: field === '(settings)' ? k : `${field}.${k}`,
          message: 'is not a setting; check the spelling',
        }));
      }
      return [{ field, message: humanMessage(i) }];
    }),
  };
}

/** Say what a value must be, in the words a settings form shows next to the field. */
function humanMessage(i: z.core.$ZodIssue): string {
  switch (i.code) {
    case 'too_small':
      return i.origin === 'array' || i.origin === 'string'
        ? 'must not be empty'
        : `must be at least ${String(i.minimum)}`;
    case 'too_big':
      return `must be at most ${String(i.maximum)}`;
    case 'invalid_type':
      return i.expected === 'int' ? 'must be a whole number' : `must be a ${i.expected}`;
    case 'invalid_value':
      return `must be one of: ${i.values.map(String).join(', ')}`;
    default:
      return i.message;
  }
}
