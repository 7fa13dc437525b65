import { AddressForm } from '../components/address-form';
import { recentInboxes } from '../recent-inboxes';
import { hrefs, Link } from '../routing';
import { PageHeading } from './page-heading';

export function HomePage() {
  const recent = recentInboxes();
  return (
    <section class="home">
      <PageHeading title="Check the mail" documentTitle="Capturebox" />
      <p class="home__lead">
        Capturebox catches every email your apps send, for any address at any domain, and delivers none. Type an address to see its inbox.
      </p>
      <AddressForm />
      {recent.length > 0 && (
        <nav class="recent" aria-labelledby="recent-title">
          <h2 id="recent-title" class="recent__title">
            Recently checked
          </h2>
          <ul class="recent__list">
            {recent.map((email) => (
              <li key={email}>
                <Link href={hrefs.inbox(email)}>{email}</Link>
              </li>
            ))}
          </ul>
        </nav>
      )}
    </section>
  );
}
