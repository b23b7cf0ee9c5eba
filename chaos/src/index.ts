export { runChaos } from './run';
export type { ChaosOptions, ChaosReport, FaultRecord } from './run';
export { allHeld, checkGuarantees } from './checks';
export type { CheckResults, CommittedEvent } from './checks';
export { DEPENDENCY_TARGETS, FAULT_TARGETS, KILL_TARGETS } from './faults';
export type { FaultPlan, FaultTarget } from './faults';
export { Services } from './child-processes';
export { summarize } from './summary';
export type { HostileCheck, HostileReport, OddRecord } from './hostile';
