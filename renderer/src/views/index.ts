// The pages the window mounts in its sidebar, and counts for the sidebar.
export { ContainersView } from './containers-view';
export { ImagesView } from './images-view';
export { PluginsView } from './plugins-view';
export { ActivityView } from './activity-view';
export { LogView } from './log-view';
export { SettingsForm } from './settings-form';
export { StatusPanel } from './status-panel';
export { ContainerPage } from './container-page';
