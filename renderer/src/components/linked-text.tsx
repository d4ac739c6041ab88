// A hint or error in prose, with every page it names ("(Containers page)", "the Logs page") as a link to that page.
import { Fragment, type ReactNode } from 'react';
import { LOCAL_HOST } from '../../../common/hosts';
import { useHostScope } from '../store/hosts-context';
import { PAGES, withHost } from '../store/pages';

const NAMES = PAGES.map((p) => p.label).join('|');
/** "Containers page" and "Settings" in "(Settings page)": the page's name followed by "page". */
const PAGE_REF = new RegExp(`\\b(${NAMES}) page\\b`, 'g');

/** Split `text` into plain runs and links to the pages it names (on `host`). */
export function linkPages(text: string, host: string = LOCAL_HOST): ReactNode[] {
  const out: ReactNode[] = [];
  let last = 0;
  for (const m of text.matchAll(PAGE_REF)) {
    const page = PAGES.find((p) => p.label === m[1])!;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push(
      <a key={m.index} href={withHost(host, `#/${page.id}`)} className="iv-page-link">
        {m[0]}
      </a>,
    );
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

export function LinkedText(props: { text: string }) {
  const { host } = useHostScope();
  return <Fragment>{linkPages(props.text, host)}</Fragment>;
}
