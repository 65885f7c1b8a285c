export * from './quire-error';
