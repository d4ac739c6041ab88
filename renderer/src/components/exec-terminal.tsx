// A shell inside a container (xterm.js over an exec stream): fills its pane, resizes with it, finds
// in the scrollback, and says how the shell ended (exit code, or the link cut off) with Reopen.
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import '@xterm/xterm/css/xterm.css';
import './terminal.css';
import { useEffect, useRef, useState } from 'react';
import type { ContractError } from '../../../common/contract';
import { isStreamClient, type ExecEndInfo } from '../../../common/exec-stream';
import { ExecSession } from '../store/exec-session';
import { useHostScope } from '../store/hosts-context';
import { useInsideStore } from '../store/inside-context';
import { installTerminalPalette } from './terminal-palette';
import { ErrorLine } from './view-states';

type Phase =
  | { kind: 'opening' }
  | { kind: 'open'; pid: number }
  | { kind: 'ended'; end: ExecEndInfo }
  | { kind: 'failed'; error: ContractError };

function endText(end: ExecEndInfo): string {
  if (end.kind === 'exit') return `The shell ended with exit code ${end.code}.`;
  if (end.kind === 'cut-off') return `The terminal was cut off: ${end.message}.`;
  return `The terminal ended: ${end.error.message}`;
}

export function ExecTerminal(props: {
  namespace: string;
  id: string;
  running: boolean;
  active: boolean;
}) {
  const store = useInsideStore();
  const box = useRef<HTMLDivElement>(null);
  const [phase, setPhase] = useState<Phase>({ kind: 'opening' });
  const [generation, setGeneration] = useState(0);
  const [find, setFind] = useState('');
  const search = useRef<SearchAddon | null>(null);
  const fitRef = useRef<(() => void) | null>(null);
  const client = store.client;
  const { host, remote, readOnly } = useHostScope();
  // Another host's client carries a stream only once main forwards exec to that host.
  const supported = isStreamClient(client) && !readOnly;

  useEffect(() => {
    const el = box.current;
    if (!supported || !props.running || !el) return;
    installTerminalPalette(el.ownerDocument);
    const term = new Terminal({
      cursorBlink: true,
      fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace",
      fontSize: 13,
      scrollback: 5000,
      theme: { background: '#1b1d21', foreground: '#e6e6e6' },
    });
    const fit = new FitAddon();
    const finder = new SearchAddon();
    term.loadAddon(fit);
    term.loadAddon(finder);
    search.current = finder;
    term.open(el);
    const refit = () => {
      if (el.clientWidth > 0 && el.clientHeight > 0) fit.fit();
    };
    fitRef.current = refit;
    refit();
    setPhase({ kind: 'opening' });
    const session = new ExecSession(client, {
      output: (bytes, _fd, done) => term.write(bytes, done),
      end: (end) => {
        setPhase({ kind: 'ended', end });
        term.write(`\r\n\x1b[2m[${endText(end)}]\x1b[0m\r\n`);
      },
    });
    const input = term.onData((d) => session.write(d));
    const resized = term.onResize(({ cols, rows }) => session.resize(cols, rows));
    const ro = new ResizeObserver(refit);
    ro.observe(el);
    let disposed = false;
    void session
      .start({
        namespace: props.namespace,
        id: props.id,
        args: ['/bin/sh'],
        tty: true,
        stdin: true,
        cols: term.cols,
        rows: term.rows,
      })
      .then((r) => {
        if (disposed) return;
        if (!r.ok) setPhase({ kind: 'failed', error: r.error });
        else {
          setPhase({ kind: 'open', pid: r.value.pid });
          term.focus();
        }
      });
    return () => {
      disposed = true;
      session.close();
      ro.disconnect();
      input.dispose();
      resized.dispose();
      search.current = null;
      fitRef.current = null;
      term.dispose();
    };
  }, [client, supported, props.namespace, props.id, props.running, generation]);

  // A hidden tab measures 0×0: fit again when it comes back.
  useEffect(() => {
    if (props.active) fitRef.current?.();
  }, [props.active]);

  if (!supported && (remote || readOnly))
    return (
      <p className="cp-empty" data-testid="terminal-unsupported">
        <strong>
          {readOnly
            ? `No terminal on ${host}: ${readOnly}`
            : `A terminal on ${host} is not available from this window yet.`}
        </strong>{' '}
        {!readOnly && (
          <span className="muted">
            Run <code>{`cdesk -H ${host} exec -it ${props.id} /bin/sh`}</code> in a terminal.
          </span>
        )}
      </p>
    );
  if (!supported)
    return (
      <p className="cp-empty" data-testid="terminal-unsupported">
        <strong>This window’s link to the app cannot carry a terminal.</strong>{' '}
        <span className="muted">
          Update the app and reload the window, or run{' '}
          <code>cdesk exec -it {props.id} /bin/sh</code> in a terminal.
        </span>
      </p>
    );
  if (!props.running)
    return (
      <p className="muted cp-empty" data-testid="terminal-stopped">
        A shell runs inside the container’s running task: start the container first.
      </p>
    );
  return (
    <div className="cp-term-pane" data-testid="terminal-pane">
      <div className="cp-toolbar">
        <span className="muted" data-testid="terminal-state" role="status">
          {phase.kind === 'opening'
            ? 'Opening /bin/sh…'
            : phase.kind === 'open'
              ? `/bin/sh · pid ${phase.pid}`
              : phase.kind === 'ended'
                ? endText(phase.end)
                : 'Could not open a shell.'}
        </span>
        {(phase.kind === 'ended' || phase.kind === 'failed') && (
          <button type="button" onClick={() => setGeneration((g) => g + 1)}>
            Reopen
          </button>
        )}
        <input
          type="search"
          className="cp-find"
          aria-label="Find in terminal"
          placeholder="Find in scrollback"
          value={find}
          onChange={(e) => {
            setFind(e.target.value);
            if (e.target.value) search.current?.findNext(e.target.value, { incremental: true });
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && find)
              if (e.shiftKey) search.current?.findPrevious(find);
              else search.current?.findNext(find);
          }}
        />
      </div>
      {phase.kind === 'failed' && <ErrorLine error={phase.error} />}
      <div className={`cp-term${phase.kind === 'ended' ? ' cp-term-ended' : ''}`}>
        <div ref={box} className="cp-term-box" data-testid="terminal" />
      </div>
    </div>
  );
}
