// The search language's public face: a query's text to the store's filter (parse-search-query.ts), and two
// filters as one (combine-searches.ts).
export { MAX_QUERY_LENGTH, MAX_QUERY_TERMS, parseSearchQuery, SearchQueryError, type SearchQuery } from './parse-search-query';
export { bothOf } from './combine-searches';
