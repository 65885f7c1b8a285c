export * from './traceparent';
export * from './tracing';
