import { hrefs, Link } from '../routing';
import { PageHeading } from './page-heading';

export function NotFoundPage() {
  return (
    <section>
      <PageHeading title="Page not found" />
      <p>
        There is no page at this address. <Link href={hrefs.home()}>Check the mail</Link> of an inbox instead.
      </p>
    </section>
  );
}
