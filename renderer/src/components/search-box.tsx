// A page's search box: "/" focuses it, Escape clears it.
import { useRef } from 'react';
import { useSlashFocus } from './use-slash-focus';

export function SearchBox(props: {
  label: string;
  value: string;
  onChange: (value: string) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  useSlashFocus(input);
  return (
    <input
      ref={input}
      type="search"
      aria-label={props.label}
      placeholder="Search  ( / )"
      value={props.value}
      onChange={(e) => props.onChange(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Escape') props.onChange('');
      }}
    />
  );
}
