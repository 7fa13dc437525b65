// A search query kept in the page's address (`?q=`), so a search can be bookmarked, shared or reloaded.
import { useEffect, useState } from 'preact/hooks';

export function useQueryParam(name = 'q'): [string, (value: string) => void] {
  const [value, setValue] = useState(() => new URLSearchParams(location.search).get(name) ?? '');
  useEffect(() => {
    const url = new URL(location.href);
    if (value.trim()) url.searchParams.set(name, value.trim());
    else url.searchParams.delete(name);
    history.replaceState(history.state, '', url);
  }, [value]);
  return [value, setValue];
}
