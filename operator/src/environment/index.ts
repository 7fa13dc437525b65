export * from './resource';
export * from './spec';
export * from './names';
export * from './expiry';
