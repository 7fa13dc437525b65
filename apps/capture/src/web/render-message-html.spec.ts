import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { renderMessageDocument } from './render-message-html';

const PNG = Buffer.from('89504e470d0a1a0a', 'hex');

describe('renderMessageDocument', () => {
  test('disarms every http-equiv, however it is spelled or hidden, so no meta refresh survives', () => {
    const html = [
      '<meta http-equiv="refresh" content="0;url=https://example.com">',
      '<META HTTP-EQUIV=Refresh CONTENT="0">',
      '<!--><meta Http-Equiv="refresh" content="0;url=/">-->',
      '<meta http-equiv="&#114;efresh" content="0">',
    ].join('');
    const rendered = renderMessageDocument({ html, text: null });
    assert.doesNotMatch(rendered, /http-equiv/i);
    assert.equal((rendered.match(/http&#8209;equiv/gi) ?? []).length, 4);
  });

  test('puts no-referrer and <base target="_blank"> first, after a doctype so standards mode is kept', () => {
    const rendered = renderMessageDocument({ html: '<!DOCTYPE html><html><head><title>t</title></head><body>hi</body></html>', text: null });
    assert.ok(rendered.startsWith('<!DOCTYPE html><meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank">'));
    const bare = renderMessageDocument({ html: '<p>hi</p>', text: null });
    assert.ok(bare.startsWith('<meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank"><p>hi</p>'));
  });

  test('with a nonce, puts the height report right after its head, before any of the mail (HTML or text)', () => {
    const rendered = renderMessageDocument({ html: '<p>hi</p>', text: null }, { scriptNonce: 'n0nce' });
    assert.match(rendered, /^<meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank"><script nonce="n0nce">[^<]*captureboxFrameHeight[^<]*<\/script><p>hi<\/p>$/);
    assert.match(renderMessageDocument({ html: null, text: 'plain' }, { scriptNonce: 'n0nce' }), /<script nonce="n0nce">.*<\/script>.*<pre>plain<\/pre>/s);
    assert.doesNotMatch(renderMessageDocument({ html: '<p>hi</p>', text: null }), /<script/, 'no nonce, no script');
  });

  test('shows a text-only message escaped in a <pre>', () => {
    const rendered = renderMessageDocument({ html: null, text: 'a < b & <script>alert(1)</script>' });
    assert.match(rendered, /<pre>a &lt; b &amp; &lt;script&gt;alert\(1\)&lt;\/script&gt;<\/pre>/);
    assert.doesNotMatch(rendered, /<script>/);
  });

  test('inlines cid: images of safe image types as data: URLs, and leaves the rest alone', () => {
    const rendered = renderMessageDocument(
      { html: '<img src="cid:logo@x"><img src="cid:doc@x"><img src="cid:missing@x"><td background=cid:logo@x>', text: null },
      {
        inlineImages: new Map([
          ['logo@x', { contentType: 'image/png', content: PNG }],
          ['doc@x', { contentType: 'text/html', content: Buffer.from('<script>') }],
        ]),
      },
    );
    const dataUrl = `data:image/png;base64,${PNG.toString('base64')}`;
    assert.ok(rendered.includes(`<img src="${dataUrl}">`));
    assert.ok(rendered.includes(`<td background=${dataUrl}>`));
    assert.ok(rendered.includes('<img src="cid:doc@x">'), 'not an image type: not inlined');
    assert.ok(rendered.includes('<img src="cid:missing@x">'));
  });
});
