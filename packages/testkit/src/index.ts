export { type KubeBinaries, kubeBinaries } from './binaries.ts';
export { ClusterClient, type ClusterInfo, isReady, kwokNode } from './client.ts';
export { Cluster, type ClusterOptions, startCluster } from './control-plane.ts';
export { JOURNAL_REMOTE, type JournalRecord, journalRemote, writeJournalFile } from './journal.ts';
export * from './peers/index.ts';
export { sharedCluster } from './shared.ts';
export { waitFor } from './wait.ts';
