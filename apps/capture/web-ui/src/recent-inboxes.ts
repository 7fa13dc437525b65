// The last few inboxes this browser opened, for one-click return from the home page. Addresses only,
// kept in localStorage; never mail content.
const STORAGE_KEY = 'capturebox.recentInboxes';
const KEEP = 6;

export function recentInboxes(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string').slice(0, KEEP) : [];
  } catch {
    return [];
  }
}

export function rememberInbox(email: string): void {
  const normalized = email.trim().toLowerCase();
  const list = [normalized, ...recentInboxes().filter((entry) => entry !== normalized)].slice(0, KEEP);
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(list));
  } catch {
    // storage full or disabled: recents are a convenience
  }
}
