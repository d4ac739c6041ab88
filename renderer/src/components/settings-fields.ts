// Every setting the form edits: dotted name, label, input kind and help text.
import { CONTAINERD_LOG_LEVELS } from '../../../common/settings';

export type FieldKind = 'path' | 'number' | 'select' | 'bool' | 'list';

export interface FieldSpec {
  /** Dotted name, as in parseSettings' field errors ("restart.backoffMaxMs"). */
  name: string;
  label: string;
  kind: FieldKind;
  help?: string;
  options?: readonly string[];
  /** Allow fractions (the jitter); other numbers are integers. */
  step?: number;
}

export interface FieldGroup {
  title: string;
  fields: FieldSpec[];
}

export const SETTINGS_GROUPS: FieldGroup[] = [
  {
    title: 'containerd',
    fields: [
      {
        name: 'containerdPath',
        label: 'containerd binary',
        kind: 'path',
        help: 'Empty: find it on PATH, then next to the app.',
      },
      {
        name: 'rootDir',
        label: 'Root directory',
        kind: 'path',
        help: 'Empty: the default for this user.',
      },
      {
        name: 'stateDir',
        label: 'State directory',
        kind: 'path',
        help: 'Empty: the default for this user.',
      },
      {
        name: 'overridesFile',
        label: 'Config overrides file',
        kind: 'path',
        help: 'A TOML file merged over the generated config.',
      },
      { name: 'logLevel', label: 'Log level', kind: 'select', options: CONTAINERD_LOG_LEVELS },
      { name: 'logFormat', label: 'Log format', kind: 'select', options: ['text', 'json'] },
      {
        name: 'disabledPlugins',
        label: 'Disabled plugins',
        kind: 'list',
        help: 'Comma-separated plugin IDs.',
      },
    ],
  },
  {
    title: 'Restart policy',
    fields: [
      {
        name: 'restart.immediateIfHealthyForMs',
        label: 'Respawn at once if healthy for (ms)',
        kind: 'number',
      },
      { name: 'restart.backoffInitialMs', label: 'First backoff delay (ms)', kind: 'number' },
      { name: 'restart.backoffMaxMs', label: 'Longest backoff delay (ms)', kind: 'number' },
      { name: 'restart.backoffJitter', label: 'Backoff jitter (0–1)', kind: 'number', step: 0.05 },
      {
        name: 'restart.resetAfterHealthyMs',
        label: 'Reset backoff after healthy for (ms)',
        kind: 'number',
      },
      {
        name: 'restart.breakerMaxFailures',
        label: 'Crash-loop breaker: failed starts',
        kind: 'number',
      },
      { name: 'restart.breakerWindowMs', label: 'Crash-loop breaker: window (ms)', kind: 'number' },
    ],
  },
  {
    title: 'Health checks',
    fields: [
      { name: 'health.startupBudgetMs', label: 'Startup budget (ms)', kind: 'number' },
      {
        name: 'health.startupProbeIntervalMs',
        label: 'Startup probe interval (ms)',
        kind: 'number',
      },
      { name: 'health.livenessIntervalMs', label: 'Liveness interval (ms)', kind: 'number' },
      { name: 'health.livenessTimeoutMs', label: 'Liveness timeout (ms)', kind: 'number' },
      { name: 'health.livenessFailures', label: 'Failures before unhealthy', kind: 'number' },
    ],
  },
  {
    title: 'Hangs and stopping',
    fields: [
      {
        name: 'hangPolicy',
        label: 'When containerd hangs',
        kind: 'select',
        options: ['restart', 'report'],
      },
      {
        name: 'hangDumpWaitMs',
        label: 'Wait after stack dump before SIGKILL (ms)',
        kind: 'number',
      },
      { name: 'stopGraceMs', label: 'Stop grace period (ms)', kind: 'number' },
      { name: 'onQuit', label: 'On quit', kind: 'select', options: ['stop', 'leave-running'] },
    ],
  },
  {
    title: 'Logs',
    fields: [
      { name: 'logRotateBytes', label: 'Rotate log file at (bytes)', kind: 'number' },
      { name: 'logRotateKeep', label: 'Rotated files to keep', kind: 'number' },
      { name: 'logRingLines', label: 'Lines kept in memory', kind: 'number' },
    ],
  },
  {
    title: 'App',
    fields: [
      { name: 'autoStart', label: 'Start containerd when the app starts', kind: 'bool' },
      { name: 'notifications', label: 'Notify on state changes', kind: 'bool' },
    ],
  },
];

export const ALL_FIELDS: FieldSpec[] = SETTINGS_GROUPS.flatMap((g) => g.fields);
