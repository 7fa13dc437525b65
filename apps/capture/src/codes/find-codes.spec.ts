import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CODE_CORPUS } from './fixtures';
import { findCodes, MAX_CODES } from './find-codes';
import { MAX_READ_CHARS } from './readable-text';

const inText = (text: string) => findCodes({ subject: '', text, html: null }).map((code) => code.value);

describe('findCodes on the corpus', () => {
  for (const mail of CODE_CORPUS) {
    it(mail.name, () => {
      assert.deepEqual(findCodes({ subject: mail.subject, text: mail.text ?? null, html: mail.html ?? null }), mail.codes);
    });
  }
});

describe('findCodes', () => {
  it('takes digits, digit groups and upper-case codes with a digit, near a code word, best first', () => {
    assert.deepEqual(inText('Your code is 482913'), ['482913']);
    assert.deepEqual(inText('PIN: 4821'), ['4821']);
    assert.deepEqual(inText('OTP 123-456'), ['123-456']);
    assert.deepEqual(inText('Security code: 9F4KQ2'), ['9F4KQ2']);
    assert.deepEqual(inText('Use token ABC1234567 now'), ['ABC1234567']);
    assert.deepEqual(inText('2FA: 55 667 or 1234567890123'), [], 'too short, too long');
    assert.deepEqual(inText('Your code: abc123 ABCDEF'), [], 'lower case, or no digit');
  });

  it('ranks a code word right before the code above one further away or after it', () => {
    assert.deepEqual(inText('333333 is your code. Code 111111 or else 222222.'), ['111111', '222222', '333333']);
  });

  it('reads a label and its value on the lines below it, at most two lines down', () => {
    assert.deepEqual(inText('Your verification code\n\n  918273  \n'), ['918273']);
    assert.deepEqual(inText('Your verification code\nis below\n918273'), ['918273']);
    assert.deepEqual(inText('Your verification code\nis\nbelow\n918273'), []);
    assert.deepEqual(inText('Your verification code\n918273 and more words'), [], 'not alone on its line');
  });

  it('takes a year only right after its code word', () => {
    assert.deepEqual(inText('PIN: 2019'), ['2019']);
    assert.deepEqual(inText('Your code, valid since the start of 2019'), []);
  });

  it('leaves out codes in links and addresses, after signs, in dates, times, prices and phone numbers', () => {
    assert.deepEqual(inText('Code: https://a.example/v?code=483920 or mail code-483920@a.example'), []);
    for (const noise of ['#123456', '$1299', '€ 4500', '12.3456', '2025-11-03', '10:3045', '1234/5678', '45%', '555 123 4567', '(415) 555-0134', '+14155550134']) {
      assert.deepEqual(inText(`Your code ${noise}`), [], noise);
    }
  });

  it('leaves out numbers named as something else, other kinds of code, and codes that sell', () => {
    assert.deepEqual(inText('Your code for order 48291374'), []);
    assert.deepEqual(inText('Zip code 94107'), []);
    assert.deepEqual(inText('Promo code SAVE2025'), []);
    assert.deepEqual(inText('Use code WINTER25 for 20% off'), []);
    assert.deepEqual(inText('Use code WINTER25 at checkout'), []);
  });

  it('returns each value once, from its best place', () => {
    const codes = findCodes({ subject: 'Code inside', text: 'Click. Then 482913 is your code', html: '<p>Your code is 482913</p>' });
    assert.deepEqual(codes, [{ value: '482913', source: 'html' }]);
  });

  it('returns at most MAX_CODES codes', () => {
    const text = Array.from({ length: MAX_CODES + 5 }, (_, n) => `Code ${100000 + n}`).join('\n');
    assert.equal(inText(text).length, MAX_CODES);
  });

  it('stays linear on hostile text: long runs without spaces, endless sentences, candidates everywhere', () => {
    const hostile = [
      'a'.repeat(MAX_READ_CHARS),
      `code ${'1234 '.repeat(MAX_READ_CHARS / 5)}`,
      `${'x@'.repeat(MAX_READ_CHARS / 2)}`,
      `${'code AB12CD '.repeat(MAX_READ_CHARS / 12)}`,
      `${'-1'.repeat(MAX_READ_CHARS / 2)}`,
    ];
    for (const text of hostile) {
      const started = performance.now();
      findCodes({ subject: text, text, html: `<p>${text}</p>` });
      const took = performance.now() - started;
      assert.ok(took < 3000, `${text.slice(0, 12)}...: ${took.toFixed(0)} ms`);
    }
  });
});
