// Counts for the sidebar ("Containers 3/7", "Plugins ⚠ 2") from the inside store.
import { useInside } from '../store/inside-context';

export interface InsideSummary {
  /** Containers in the selected namespace, null until listed. */
  running: number | null;
  total: number | null;
  problems: number;
  /** Plugins that failed to load, null until listed. */
  pluginErrors: number | null;
}

export function useInsideSummary(): InsideSummary {
  const list = useInside((s) => s.containers.value);
  const problems = useInside((s) => s.problems.length);
  const plugins = useInside((s) => s.plugins.value);
  return {
    running: list ? list.filter((c) => c.task?.status === 'running').length : null,
    total: list ? list.length : null,
    problems,
    pluginErrors: plugins ? plugins.plugins.filter((p) => p.status === 'error').length : null,
  };
}
