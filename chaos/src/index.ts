export { runChaos } from './run';
export type { ChaosOptions, ChaosReport, FaultRecord } from './run';
export { checkGuarantees } from './checks';
export type { CheckResults, CommittedEvent } from './checks';
export { FAULT_TARGETS } from './faults';
export type { FaultTarget } from './faults';
export { summarize } from './summary';
