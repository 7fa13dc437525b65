export * from './compute-status';
