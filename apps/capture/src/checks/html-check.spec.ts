import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkHtml } from './html-check';

describe('checkHtml', () => {
  it("groups caniemail's findings by feature, with every client that lacks it", () => {
    const check = checkHtml('<html><head><style>.a { display: flex }</style></head><body><div class="a">x</div></body></html>');
    assert.equal(check.checked, true);
    const flex = check.issues.find((issue) => issue.feature === 'display:flex' && issue.support === 'unsupported');
    assert.ok(flex, JSON.stringify(check.issues));
    assert.ok(flex.clients.includes('outlook.windows'));
    assert.equal(new Set(flex.clients).size, flex.clients.length, 'each client once');
    assert.ok(check.issues.some((issue) => issue.feature === 'display' && issue.support === 'partial'));
  });

  it('finds nothing to say of plain HTML, and checks nothing without HTML', () => {
    assert.deepEqual(checkHtml('<p>Hello</p>'), { checked: true, truncated: false, issues: [] });
    assert.deepEqual(checkHtml(null), { checked: false, truncated: false, issues: [] });
    assert.deepEqual(checkHtml('  '), { checked: false, truncated: false, issues: [] });
  });
});
