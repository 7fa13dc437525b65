// The app shell: skip link, header (brand, sign-in state, the admins' Chaos link), and the page for the current route.
import { AccountPage } from './pages/account-page';
import { ChaosPage } from './pages/chaos-page';
import { HomePage } from './pages/home-page';
import { InboxPage } from './pages/inbox-page';
import { MessagePage } from './pages/message-page';
import { NotFoundPage } from './pages/not-found-page';
import { SearchPage } from './pages/search-page';
import { WebhooksPage } from './pages/webhooks-page';
import { hrefs, Link, useRoute, type Route } from './routing';
import { SessionProvider, useSession } from './session';

export function App() {
  return (
    <SessionProvider>
      <a class="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader />
      <main id="main" class="page">
        <CurrentPage />
      </main>
    </SessionProvider>
  );
}

function AppHeader() {
  const { account } = useSession();
  return (
    <header class="app-header">
      <Link href={hrefs.home()} class="app-header__brand">
        <LogoMark />
        Capturebox
      </Link>
      <nav class="app-header__nav" aria-label="Account">
        {account && (
          <>
            <Link href={hrefs.search()} class="app-header__link">
              Search
            </Link>
            <Link href={hrefs.webhooks()} class="app-header__link">
              Webhooks
            </Link>
            {account.isAdmin && (
              <Link href={hrefs.chaos()} class="app-header__link">
                Chaos
              </Link>
            )}
          </>
        )}
        <Link href={hrefs.account()} class="app-header__account">
          {account ? (
            <>
              <span class="visually-hidden">Signed in as </span>
              {account._id}
            </>
          ) : (
            'Sign in'
          )}
        </Link>
      </nav>
    </header>
  );
}

function CurrentPage() {
  const route: Route = useRoute();
  switch (route.page) {
    case 'home':
      return <HomePage />;
    case 'inbox':
      return <InboxPage key={route.email} email={route.email} />;
    case 'message':
      return <MessagePage key={`${route.email}/${route.id}`} email={route.email} id={route.id} />;
    case 'account':
      return <AccountPage />;
    case 'webhooks':
      return <WebhooksPage />;
    case 'search':
      return <SearchPage />;
    case 'chaos':
      return <ChaosPage />;
    case 'not-found':
      return <NotFoundPage />;
  }
}

function LogoMark() {
  return (
    <svg class="logo-mark" viewBox="0 0 24 24" width="22" height="22" aria-hidden="true" focusable="false">
      <rect x="2.5" y="5" width="19" height="14" rx="2.5" fill="none" stroke="currentColor" stroke-width="2" />
      <path d="M3.5 7l8.5 6 8.5-6" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round" />
    </svg>
  );
}
