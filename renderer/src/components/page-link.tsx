// A link to another sidebar page ("Open Images"): it switches page in place; the href is for hovering and copying.
import type { ReactNode } from 'react';
import { useDispatcher } from '../store/context';
import type { PageId } from '../store/pages';

export function PageLink(props: { page: PageId; children: ReactNode }) {
  const dispatcher = useDispatcher();
  return (
    <a
      href={`#/${props.page}`}
      onClick={(e) => {
        e.preventDefault();
        dispatcher.navigate(props.page);
      }}
    >
      {props.children}
    </a>
  );
}
