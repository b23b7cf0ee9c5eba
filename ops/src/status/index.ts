import { collectStatusFacts } from './collect';
import type { StatusConfig } from './config';
import type { StatusReport } from './report';
import { judge } from './verdict';

/** Reads the whole pipeline and judges it. */
export async function pipelineStatus(config: StatusConfig): Promise<StatusReport> {
  return judge(await collectStatusFacts(config), config.thresholds);
}

export { loadStatusConfig } from './config';
export type { StatusConfig, StatusThresholds } from './config';
export type {
  StatusReport,
  StatusFacts,
  StatusReason,
  StatusReasonCode,
  StatusComponent,
  StalledPartition,
  PartitionLag,
  DependencyWait,
} from './report';
export { STATUS_COMPONENTS, STATUS_REASON_COMPONENTS } from './report';
export { parseCommittedAt, looksStalled, stalledPartitions, waitingSince } from './stall';
export { readStreamerWaits } from './streamer-waits';
export { judge } from './verdict';
export { renderStatus } from './render';
export { statusAsPrometheus } from './prometheus';
export { exampleHealthyFacts, EXAMPLE_THRESHOLDS } from './example';
