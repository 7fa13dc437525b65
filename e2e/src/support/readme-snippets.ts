// The fenced code blocks of a Markdown file, in order, each with the `<!-- snippet: not run: <reason> -->`
// marker on the line right above it if it has one. The README test runs every block that is not marked.
import { readFileSync } from 'node:fs';

export interface Snippet {
  /** 1-based line of the opening fence, for messages. */
  line: number;
  /** The fence's language (first word of the info string), '' when none. */
  language: string;
  code: string;
  /** Why the block is not run, from its marker; undefined when it is to be run. */
  notRunBecause?: string;
}

const FENCE = /^(`{3,})\s*(\S*)/;
const NOT_RUN_MARKER = /^<!--\s*snippet:\s*not run:\s*(.*?)\s*-->$/;

export function readSnippets(markdownFile: string): Snippet[] {
  const lines = readFileSync(markdownFile, 'utf8').split('\n');
  const snippets: Snippet[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const close = lines.findIndex((text, j) => j > i && text.trimEnd() === open[1]);
    if (close < 0) throw new Error(`${markdownFile}:${i + 1}: code block never closed`);
    const marker = i > 0 ? NOT_RUN_MARKER.exec(lines[i - 1].trim()) : null;
    snippets.push({ line: i + 1, language: open[2], code: lines.slice(i + 1, close).join('\n'), notRunBecause: marker?.[1] });
    i = close;
  }
  return snippets;
}
