// Message checks: SpamAssassin's score of captured mail (recorded after the save, spam-scorer.ts), which mail
// clients lack the HTML features a message uses (html-check.ts), and the status of its links (link-check.ts).
export { ChecksModule } from './checks.module';
export { checkHtml, MAX_CHECKED_HTML, type FeatureSupport, type HtmlCheck, type HtmlFeatureIssue } from './html-check';
export { LinkChecker, MAX_CHECKED_LINKS } from './link-checker.service';
export { MAX_REDIRECTS, type LinkResult, type LinkStatus } from './link-check';
export { MAX_SCORED_BYTES } from './spam-scorer';
