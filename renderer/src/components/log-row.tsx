// One fixed-height log row, coloured by level; `active` is the keyboard cursor.
import { memo } from 'react';
import type { LogLine } from '../../../common/states';
import { formatClock } from './format';

export const LogRow = memo(function LogRow(props: {
  line: LogLine;
  selected: boolean;
  active?: boolean;
  onSelect: (seq: number, e: { shiftKey: boolean; ctrlKey: boolean; metaKey: boolean }) => void;
}) {
  const { line, selected } = props;
  const fields = Object.entries(line.fields)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return (
    <div
      id={`log-line-${line.seq}`}
      className={`log-row lvl-${line.level}${selected ? ' selected' : ''}${props.active ? ' active' : ''}`}
      data-testid="log-row"
      data-seq={line.seq}
      role="option"
      aria-selected={selected}
      title={line.raw}
      onClick={(e) => props.onSelect(line.seq, e)}
    >
      <span className="log-time">{formatClock(line.time)}</span>
      <span className="log-level">{line.level === 'unknown' ? '' : line.level.toUpperCase()}</span>
      <span className="log-msg">{line.level === 'unknown' ? line.raw : line.msg}</span>
      {fields && line.level !== 'unknown' && <span className="log-fields">{fields}</span>}
    </div>
  );
});
