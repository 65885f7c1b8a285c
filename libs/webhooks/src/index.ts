export * from './address-policy';
export * from './backoff';
export * from './callback-url';
export * from './deliver';
export * from './secret-box';
export * from './signature';
