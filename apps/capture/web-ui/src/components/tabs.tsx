// Accessible tabs (WAI-ARIA tabs pattern): arrow keys, Home and End move between tabs; only the chosen
// panel is rendered, so each panel loads its content when first shown.
import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';

export interface TabSpec<Id extends string> {
  id: Id;
  label: string;
}

export function Tabs<Id extends string>(props: {
  label: string;
  tabs: TabSpec<Id>[];
  selected: NoInfer<Id>;
  onSelect: (id: Id) => void;
  children: ComponentChildren;
}) {
  const list = useRef<HTMLDivElement>(null);
  const index = props.tabs.findIndex((tab) => tab.id === props.selected);

  const onKeyDown = (event: KeyboardEvent) => {
    const last = props.tabs.length - 1;
    const next =
      event.key === 'ArrowRight' ? (index + 1) % props.tabs.length
      : event.key === 'ArrowLeft' ? (index + last) % props.tabs.length
      : event.key === 'Home' ? 0
      : event.key === 'End' ? last
      : -1;
    if (next < 0) return;
    event.preventDefault();
    props.onSelect(props.tabs[next].id);
    list.current?.querySelectorAll<HTMLButtonElement>('[role="tab"]')[next]?.focus();
  };

  return (
    <div class="tabs">
      <div class="tabs__list" role="tablist" aria-label={props.label} ref={list} onKeyDown={onKeyDown}>
        {props.tabs.map((tab) => (
          <button
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            class="tabs__tab"
            aria-selected={tab.id === props.selected ? 'true' : 'false'}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === props.selected ? 0 : -1}
            onClick={() => props.onSelect(tab.id)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div class="tabs__panel" role="tabpanel" id={`panel-${props.selected}`} aria-labelledby={`tab-${props.selected}`}>
        {props.children}
      </div>
    </div>
  );
}
