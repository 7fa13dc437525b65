export * from './resource';
export * from './spec';
export * from './names';
export * from './owned-kinds';
export * from './expiry';
