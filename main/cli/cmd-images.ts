// `cdesk images`: images of a namespace with their size (as ctr counts it) and the containers using them.
import { formatImages, NAMESPACE_HELP } from './inside-format';
import { replyCommand } from './reply-command';

const USAGE = `usage: cdesk images [-n NS] [--json]

List images in a namespace: reference, digest, size for this host's platform (manifest + config +
layers, as \`ctr images ls\` shows it), age and the containers using each; then snapshot disk usage.
${NAMESPACE_HELP}`;

export const run = replyCommand({
  name: 'images',
  usage: USAGE,
  command: 'images:list',
  payload: (namespace) => ({ namespace }),
  text: (v) =>
    v.images.length
      ? formatImages(v.images, v.totalSize, v.snapshotters)
      : `No images in namespace ${v.namespace}. Get one with cdesk pull REF or cdesk load -i FILE.tar${v.namespace === 'default' ? '' : ` (-n ${v.namespace})`}.\n`,
});
