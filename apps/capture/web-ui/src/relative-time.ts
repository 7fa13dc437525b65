// How long ago a message came ("just now", "2 min ago", "3 h ago", then the date) and which day group it
// belongs to ("Today", "Yesterday", "Monday, 30 November"). Pure: `now` is passed in, so the rules are
// testable and the list re-renders them on a timer.
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const dayName = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' });
const dayNameWithYear = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const dateOnly = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const dateWithYear = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

/** "just now", "5 min ago", "3 h ago" within a day; then "14:03" yesterday-ish, or "12 Mar" / "12 Mar 2024". */
export function relativeTime(iso: string, now: Date): string {
  const date = new Date(iso);
  const ago = now.getTime() - date.getTime();
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < 12 * HOUR) return `${Math.floor(ago / HOUR)} h ago`;
  if (sameDay(date, now) || sameDay(date, yesterdayOf(now))) return timeOnly.format(date);
  return date.getFullYear() === now.getFullYear() ? dateOnly.format(date) : dateWithYear.format(date);
}

/** The heading of the day group a message is in. */
export function dayLabel(iso: string, now: Date): string {
  const date = new Date(iso);
  if (sameDay(date, now)) return 'Today';
  if (sameDay(date, yesterdayOf(now))) return 'Yesterday';
  return date.getFullYear() === now.getFullYear() ? dayName.format(date) : dayNameWithYear.format(date);
}

/** Consecutive runs of messages (already newest first) received on the same local day. */
export function groupByDay<T extends { received: string }>(items: T[], now: Date): { label: string; items: T[] }[] {
  const groups: { label: string; items: T[] }[] = [];
  for (const item of items) {
    const label = dayLabel(item.received, now);
    const last = groups[groups.length - 1];
    if (last && last.label === label) last.items.push(item);
    else groups.push({ label, items: [item] });
  }
  return groups;
}

function sameDay(a: Date, b: Date): boolean {
  return a.toDateString() === b.toDateString();
}

function yesterdayOf(now: Date): Date {
  const day = new Date(now);
  day.setDate(day.getDate() - 1);
  return day;
}
