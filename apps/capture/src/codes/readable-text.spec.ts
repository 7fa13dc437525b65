import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_READ_CHARS, readableTexts, visibleTextOf } from './readable-text';

describe('readable text', () => {
  it('keeps the HTML text a reader sees, one line per block, whitespace collapsed', () => {
    const html =
      '<html><head><title>Code 1</title><style>.c{color:#123456}</style><script>var c = "code 2"</script></head>' +
      '<body><table><tr><td data-code="3">Your code</td></tr><tr><td>\n  <b>604</b> 117\n</td></tr></table><!-- code 4 -->' +
      '<p>Line<br>break &amp; entity</p></body></html>';
    assert.deepEqual(visibleTextOf(html).split('\n').map((line) => line.trim()).filter(Boolean), ['Your code', '604 117', 'Line', 'break & entity']);
  });

  it('cuts every part at MAX_READ_CHARS and leaves out empty parts', () => {
    const long = 'x'.repeat(MAX_READ_CHARS + 10);
    const texts = readableTexts({ subject: '  ', text: long, html: `<p>${long}</p><p>more</p>` });
    assert.deepEqual(texts.map((part) => [part.source, part.text.length]), [['text', MAX_READ_CHARS], ['html', MAX_READ_CHARS]]);
  });
});
