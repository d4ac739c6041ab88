// The inside views WINDOW mounts in its sidebar pages, the provider they need, and counts for the sidebar.
export { ContainersView } from './containers-view';
export { ImagesView } from './images-view';
export { PluginsView } from './plugins-view';
export { ActivityView } from './activity-view';
export { InsideProvider, useInside, useInsideStore } from '../store/inside-context';
export { InsideStore } from '../store/inside-store';
export { useInsideSummary, type InsideSummary } from './inside-summary';
