// The old layout's commands that are gone and the line that names what replaced each: imported up
// front by main.ts (strings only, no imports), and by moved.ts for the forms that changed meaning.

/** Commands that are gone, and what replaces each. */
export const REMOVED_COMMANDS: Record<string, (rest: string[]) => string> = {
  'stop-task': () =>
    '`cdesk stop CONTAINER` (-t SECONDS: the grace) or `cdesk kill -s SIGNAL CONTAINER`',
  config: () => '`cdesk daemon config`',
  container: (rest) => {
    const verb = rest[0];
    const known = ['run', 'logs', 'start', 'stop', 'restart', 'rm', 'inspect', 'kill', 'ls', 'ps'];
    if (verb === 'ls') return '`cdesk ps`';
    return known.includes(verb ?? '')
      ? `\`cdesk ${verb}\``
      : 'the top-level verbs (`cdesk --help`)';
  },
};

/** The one line for a moved command: the old form, then where it went. */
export function movedLine(name: string, to: string, note = ''): string {
  return `cdesk ${name}: moved: use ${to}${note ? ` (${note})` : ''}\n`;
}
