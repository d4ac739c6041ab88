// A sidebar page's frame: a section named by its heading, and the header row of heading and controls.
import type { ReactNode } from 'react';

/** `id` names the page: "containers" → heading #containers-heading, test id containers-view. */
export function PageFrame(props: {
  id: string;
  title: string;
  /** The header row's controls after the heading (pickers, filters, search). */
  tools: ReactNode;
  children: ReactNode;
}) {
  const heading = `${props.id}-heading`;
  return (
    <section className="iv-inside-view" aria-labelledby={heading} data-testid={`${props.id}-view`}>
      <header className="iv-view-header">
        <h2 id={heading}>{props.title}</h2>
        {props.tools}
      </header>
      {props.children}
    </section>
  );
}
