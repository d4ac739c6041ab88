// A row of toggle buttons that picks one of a few values (Show: All / Running / Stopped …).
import type { ReactNode } from 'react';

/** [value, label, after]: `after` (a count; '' while unknown) follows the label after a space. */
export type Segment<T extends string> = readonly [value: T, label: string, after?: ReactNode];

export function Segmented<T extends string>(props: {
  /** The group's accessible name. */
  label: string;
  segments: readonly Segment<T>[];
  value: T;
  onChange: (value: T) => void;
  /** Each button's test id is this followed by its value. */
  testIdPrefix?: string;
}) {
  return (
    <div className="iv-segmented" role="group" aria-label={props.label}>
      {props.segments.map(([value, label, after]) => (
        <button
          key={value}
          type="button"
          aria-pressed={props.value === value}
          data-testid={
            props.testIdPrefix === undefined ? undefined : `${props.testIdPrefix}${value}`
          }
          onClick={() => props.onChange(value)}
        >
          {label}
          {after === undefined ? null : <> {after}</>}
        </button>
      ))}
    </div>
  );
}
