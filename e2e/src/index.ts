/**
 * The test kit shared by every package's tests, chaos and the bench: the stack under test,
 * waiting, records, processes, the ground truth and the pipeline's set-up. Each module
 * imports its siblings directly; this file only re-exports (no import circle).
 */
export * from './stack-under-test';
export * from './wait';
export * from './http';
export * from './records';
export * from './control';
export * from './processes';
export * from './ground-truth';
export * from './workload';
export * from './groups';
export * from './otlp-receiver';
export * from './pipeline';
export * from './db';
export * from './capture';
export * from './scrape';
