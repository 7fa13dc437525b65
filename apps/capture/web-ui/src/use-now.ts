// The current time, ticking every `everyMs`, so "2 min ago" stays true while the page is open.
import { useEffect, useState } from 'preact/hooks';

export function useNow(everyMs = 30_000): Date {
  const [now, setNow] = useState(() => new Date());
  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
