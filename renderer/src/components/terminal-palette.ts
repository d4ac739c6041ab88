// xterm's DOM renderer colours text with .xterm-fg-N / .xterm-bg-N rules it writes into <style>
// elements, which the page's CSP (style-src 'self') refuses. A constructed stylesheet is CSSOM,
// which the CSP allows: it carries those rules, made from the palette below rather than written
// out 32 times.

/** The 16 ANSI colours (Tango, as GNOME Terminal's default). */
const ANSI_COLOURS = [
  '#2e3436',
  '#cc0000',
  '#4e9a06',
  '#c4a000',
  '#3465a4',
  '#75507b',
  '#06989a',
  '#d3d7cf',
  '#555753',
  '#ef2929',
  '#8ae234',
  '#fce94f',
  '#729fcf',
  '#ad7fa8',
  '#34e2e2',
  '#eeeeec',
] as const;

const installed = new WeakSet<Document>();

/** Adds the palette's rules to `doc` once (a DOM without constructed stylesheets is left as is). */
export function installTerminalPalette(doc: Document = document): void {
  if (installed.has(doc) || typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in doc))
    return;
  installed.add(doc);
  const sheet = new CSSStyleSheet();
  ANSI_COLOURS.forEach((colour, n) => {
    sheet.insertRule(`.cp-term .xterm .xterm-fg-${n} { color: ${colour}; }`);
    sheet.insertRule(`.cp-term .xterm .xterm-bg-${n} { background-color: ${colour}; }`);
  });
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet];
}
