// "2 problems" next to a green badge: an amber link to the Plugins page, where each has its fix.
import { useTruth } from './hooks';
import { useDispatcher } from '../store/context';

export function ProblemsChip() {
  const truth = useTruth();
  const dispatcher = useDispatcher();
  if (!truth.problems || truth.kind === 'unknown') return null;
  const text = `${truth.problems} problem${truth.problems === 1 ? '' : 's'}`;
  return (
    <a
      href="#/plugins"
      className="chip chip-warn"
      data-testid="problems-chip"
      onClick={(e) => {
        e.preventDefault();
        dispatcher.navigate('plugins');
      }}
    >
      <span aria-hidden="true">⚠</span> {text}
    </a>
  );
}
