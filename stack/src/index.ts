/** The development launcher: runs the stack's servers as plain processes. Configuration lives in @outbox/config. */
export { loadVersions } from './versions';
export type { StackVersions } from './versions';
export { stackComponents, statusOf, up, down } from './stack';
export { runningPid, stopProcess } from './processes';
export type { Component } from './components/component';
export { describeQuorum } from './quorum';
export type { QuorumStatus } from './quorum';
export { findJava } from './java';
export { ensureDebianPackage } from './install';
