// Small stroke icons for the sidebar (16 px, currentColor), drawn here so no icon font or file is needed.
import type { PageId } from '../store/pages';

const PATHS: Record<PageId, string> = {
  status: 'M1.5 8.5h3l2-5 3 9 2-4h3',
  containers: 'M2.5 4.5 8 2l5.5 2.5v7L8 14l-5.5-2.5zM2.5 4.5 8 7l5.5-2.5M8 7v7',
  images: 'M8 1.8 14.2 5 8 8.2 1.8 5zM1.8 8 8 11.2 14.2 8M1.8 11 8 14.2 14.2 11',
  plugins: 'M6 2.5v3M10 2.5v3M4 5.5h8v3a4 4 0 0 1-8 0zM8 12.5v2',
  activity: 'M9 1.5 3.5 9H8l-1 5.5L12.5 7H8z',
  logs: 'M3 3.5h10M3 6.5h10M3 9.5h10M3 12.5h6',
  settings: 'M2 4h7M12 4h2M2 8h2M7 8h7M2 12h8M13 12h1M10.5 2.5v3M5.5 6.5v3M11.5 10.5v3',
};

export function NavIcon(props: { page: PageId }) {
  return (
    <svg className="nav-svg" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d={PATHS[props.page]} />
    </svg>
  );
}

/** Overview: a grid of hosts. */
export function OverviewIcon() {
  return (
    <svg className="nav-svg" width="16" height="16" viewBox="0 0 16 16" aria-hidden="true">
      <path d="M2 2.5h5v5H2zM9 2.5h5v5H9zM2 9.5h5v5H2zM9 9.5h5v5H9z" />
    </svg>
  );
}
