import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { extractLinks, MAX_LINK_LENGTH, MAX_LINKS } from './extract-links';

describe('extractLinks', () => {
  it('finds links in text and HTML, de-duplicated, text first, then HTML in document order', () => {
    const text =
      'Verify: https://a.example/verify?t=1 or write to mailto:help@a.example. Again: https://a.example/verify?t=1';
    const html =
      '<a href="https://a.example/home">Home</a> <p>See https://a.example/in-text, too.</p>' +
      '<a href="https://a.example/verify?t=1">Verify</a><a href="mailto:help@a.example">Mail us</a>';
    assert.deepEqual(extractLinks(text, html), [
      'https://a.example/verify?t=1',
      'mailto:help@a.example',
      'https://a.example/home',
      'https://a.example/in-text',
    ]);
  });

  it('leaves trailing sentence punctuation out of text links', () => {
    assert.deepEqual(extractLinks('Go to https://a.example/page. Or (https://a.example/other).', null), [
      'https://a.example/page',
      'https://a.example/other',
    ]);
  });

  it('takes only links written with http, https or mailto, not bare domains or addresses', () => {
    const text = 'www.a.example a.example someone@a.example ftp://files.a.example //cdn.a.example/x http://b.example';
    assert.deepEqual(extractLinks(text, null), ['http://b.example']);
  });

  it('drops javascript:, data:, cid:, tel:, relative and protocol-relative hrefs', () => {
    const html = [
      '<a href="javascript:alert(1)">x</a>',
      '<a href="JavaScript:alert(1)">x</a>',
      '<a href="java\nscript:alert(1)">x</a>',
      '<a href="&#106;avascript:alert(1)">x</a>',
      '<a href=" &#x09;javascript:alert(1)">x</a>',
      '<a href="data:text/html,hi">x</a>',
      '<a href="cid:part1@a.example">x</a>',
      '<a href="tel:+15550100">x</a>',
      '<a href="/relative/path">x</a>',
      '<a href="//cdn.a.example/x">x</a>',
      '<a href="http://">x</a>',
      '<a href="https://ok.example/">ok</a>',
    ].join('');
    assert.deepEqual(extractLinks(null, html), ['https://ok.example/']);
  });

  it('reads hrefs of <a> and <area> only: not <img src>, <link href> or markup inside script and comments', () => {
    const html =
      '<link href="https://a.example/style.css" rel="stylesheet"><img src="https://a.example/pixel.gif">' +
      '<map><area href="https://a.example/area" shape="rect"></map>' +
      '<script>var a = "<a href=\'https://a.example/script\'>"; // https://a.example/script-text</script>' +
      '<style>.x { background: url(https://a.example/bg.png) }</style>' +
      '<!-- <a href="https://a.example/comment">x</a> -->' +
      '<script/>var b = "https://a.example/self-closed-script";</script>' +
      '<title>https://a.example/title</title>' +
      '<A HREF=\'https://a.example/upper\'>x</A>';
    assert.deepEqual(extractLinks(null, html), ['https://a.example/area', 'https://a.example/upper']);
  });

  it('decodes entities in hrefs and trims the whitespace browsers ignore', () => {
    const html = '<a href="  https://a.example/?a=1&amp;b=2\n ">x</a>';
    assert.deepEqual(extractLinks(null, html), ['https://a.example/?a=1&b=2']);
  });

  it('splits runs at every kind of whitespace, Unicode included, and finds a link glued to other words', () => {
    const text = [
      'tab\thttps://a.example/1\tend',
      'nbsp\u00a0https://a.example/2\u00a0end',
      'line-separator\u2028https://a.example/3\u2029end',
      'ideographic\u3000https://a.example/4\u3000end',
      'glued:(see:https://a.example/5)',
      'HTTPS://A.EXAMPLE/6 and mailto:x@a.example twice: https://a.example/1',
    ].join('\n');
    assert.deepEqual(extractLinks(text, null), [
      'https://a.example/1',
      'https://a.example/2',
      'https://a.example/3',
      'https://a.example/4',
      'https://a.example/5',
      'HTTPS://A.EXAMPLE/6',
      'mailto:x@a.example',
    ]);
  });

  it('returns nothing for no text and no HTML', () => {
    assert.deepEqual(extractLinks(null, null), []);
    assert.deepEqual(extractLinks('', ''), []);
  });

  it(`keeps at most ${MAX_LINKS} links`, () => {
    const text = Array.from({ length: MAX_LINKS + 50 }, (_, i) => `https://a.example/${i}`).join(' ');
    const html = '<a href="https://a.example/from-html">x</a>';
    const links = extractLinks(text, html);
    assert.equal(links.length, MAX_LINKS);
    assert.equal(links[MAX_LINKS - 1], `https://a.example/${MAX_LINKS - 1}`);
  });

  it(`drops links longer than ${MAX_LINK_LENGTH} characters`, () => {
    const long = `https://a.example/${'x'.repeat(MAX_LINK_LENGTH)}`;
    assert.deepEqual(extractLinks(`${long} https://a.example/short`, `<a href="${long}">x</a>`), [
      'https://a.example/short',
    ]);
  });

  // These inputs made linkify-it or htmlparser2's Parser take from seconds to minutes: the test only has to
  // finish (the runner's timeout catches a regression), it does not measure.
  describe('finishes on pathological input of 1 MB', () => {
    const size = 1_000_000;
    const cases: Array<{ name: string; text: string | null; html: string | null }> = [
      { name: 'mailto: repeated in text', text: 'mailto:'.repeat(size / 7), html: null },
      {
        name: 'mailto: repeated in distinct runs just short of the limit',
        text: Array.from({ length: size / 4096 }, (_, i) => `${i}${'mailto:'.repeat(580)}`).join(' '),
        html: null,
      },
      { name: 'deeply nested elements', text: null, html: '<div>'.repeat(size / 5) + '</span>'.repeat(1000) },
      { name: 'unclosed attribute quotes', text: null, html: '<a href="'.repeat(size / 9) },
      { name: 'mailto: repeated in HTML text', text: null, html: `<p>${'mailto:'.repeat(size / 7)}</p>` },
      { name: 'spaces around a huge href', text: null, html: `<a href="${' '.repeat(size)}x${' '.repeat(size)}">` },
    ];
    for (const { name, text, html } of cases) {
      it(name, { timeout: 10_000 }, () => {
        const links = extractLinks(text, html);
        assert.ok(links.length <= MAX_LINKS);
      });
    }

    it('many distinct links (stops at the limit)', { timeout: 10_000 }, () => {
      const html = Array.from({ length: size / 36 }, (_, i) => `<a href="https://a.example/${i}">x</a>`).join('');
      assert.equal(html.length > size * 0.9, true);
      assert.equal(extractLinks(null, html).length, MAX_LINKS);
    });
  });
});
