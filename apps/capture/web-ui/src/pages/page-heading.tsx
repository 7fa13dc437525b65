// Each page's <h1> and document title. After an in-app navigation the page's heading takes the focus, so
// keyboard and screen-reader users start reading the new page from its top. A heading shown only while
// the page loads is `provisional`: it leaves the focus to the heading that replaces it.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { takeHeadingFocus } from '../routing';

export function PageHeading(props: { title: string; documentTitle?: string; provisional?: boolean; children?: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = props.documentTitle ?? `${props.title} \u00b7 Capturebox`;
  }, [props.title, props.documentTitle]);
  useEffect(() => {
    if (!props.provisional && takeHeadingFocus()) heading.current?.focus();
  }, []);
  return (
    <h1 ref={heading} tabIndex={-1} class="page-heading">
      {props.children ?? props.title}
    </h1>
  );
}
