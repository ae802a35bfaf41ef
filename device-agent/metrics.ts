import type { OutboxStats } from './outbox';

/** Counters the agent keeps; rendered as Prometheus text on `GET /metrics`. */
export class AgentMetrics {
  samplesAccepted = 0;
  readonly samplesRejected = new Map<string, number>();
  batchesPublished = 0;
  batchesAcked = 0;
  samplesAcked = 0;
  publishRetries = 0;
  reconnects = 0;
  connectFailures = 0;
  shadowUpdates = 0;
  shadowErrors = 0;
  connected = false;
  lastAckAt: number | undefined;
  /** avatar downloads by how they ended (avatar-download.ts DOWNLOAD_OUTCOMES) */
  readonly avatarDownloads = new Map<string, number>();
  avatarRequests = 0;
  avatarBytes = 0;
  avatarResumes = 0;
  /** the avatar the watch shows */
  avatarHash: string | undefined;

  reject(reason: string): void {
    this.samplesRejected.set(reason, (this.samplesRejected.get(reason) ?? 0) + 1);
  }

  rejectedTotal(): number {
    let n = 0;
    for (const v of this.samplesRejected.values()) n += v;
    return n;
  }

  /**
   * Prometheus text exposition format 0.0.4
   * (https://prometheus.io/docs/instrumenting/exposition_formats/).
   */
  render(outbox: OutboxStats, now = Date.now()): string {
    const out: string[] = [];
    const metric = (name: string, type: 'counter' | 'gauge', help: string, samples: Array<[string, number]>): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) out.push(`${name}${labels} ${Number.isFinite(v) ? v : 'NaN'}`);
    };
    metric('pulsepet_agent_outbox_depth', 'gauge', 'Samples in the outbox not yet acknowledged.', [['', outbox.depth]]);
    metric('pulsepet_agent_outbox_bytes', 'gauge', 'Bytes of unacknowledged samples in the outbox.', [['', outbox.bytes]]);
    metric('pulsepet_agent_outbox_pending_batches', 'gauge', 'Batches assigned and awaiting PUBACK.', [['', outbox.pendingBatches]]);
    metric('pulsepet_agent_outbox_dropped_total', 'counter', 'Samples dropped by the drop-oldest policy.', [['', outbox.droppedTotal]]);
    metric('pulsepet_agent_samples_accepted_total', 'counter', 'Samples validated and stored.', [['', this.samplesAccepted]]);
    const rejected: Array<[string, number]> = [...this.samplesRejected].map(([r, v]) => [`{reason="${r}"}`, v]);
    metric('pulsepet_agent_samples_rejected_total', 'counter', 'Samples refused, by reason.', rejected.length > 0 ? rejected : [['{reason="invalid"}', 0]]);
    metric('pulsepet_agent_batches_published_total', 'counter', 'Batch PUBLISHes sent (retransmissions included).', [['', this.batchesPublished]]);
    metric('pulsepet_agent_batches_acked_total', 'counter', 'Batches acknowledged by PUBACK.', [['', this.batchesAcked]]);
    metric('pulsepet_agent_samples_acked_total', 'counter', 'Samples in acknowledged batches.', [['', this.samplesAcked]]);
    metric('pulsepet_agent_publish_retries_total', 'counter', 'Batches sent again after a lost connection.', [['', this.publishRetries]]);
    metric('pulsepet_agent_reconnects_total', 'counter', 'Successful connections after the first.', [['', this.reconnects]]);
    metric('pulsepet_agent_connect_failures_total', 'counter', 'Failed CONNECT attempts.', [['', this.connectFailures]]);
    metric('pulsepet_agent_shadow_updates_total', 'counter', 'Shadow reports accepted.', [['', this.shadowUpdates]]);
    metric('pulsepet_agent_shadow_errors_total', 'counter', 'Shadow requests rejected or documents refused.', [['', this.shadowErrors]]);
    metric('pulsepet_agent_connected', 'gauge', '1 while connected to the broker.', [['', this.connected ? 1 : 0]]);
    const age = this.lastAckAt === undefined ? Number.NaN : (now - this.lastAckAt) / 1000;
    metric('pulsepet_agent_last_ack_age_seconds', 'gauge', 'Seconds since the last PUBACK (NaN before the first).', [['', age]]);
    const downloads: Array<[string, number]> = [...this.avatarDownloads].map(([o, v]) => [`{outcome="${o}"}`, v]);
    metric('pulsepet_agent_avatar_downloads_total', 'counter', 'Avatar downloads, by outcome.', downloads.length > 0 ? downloads : [['{outcome="ok"}', 0]]);
    metric('pulsepet_agent_avatar_requests_total', 'counter', 'HTTP GETs sent for avatars (resumes and retries included).', [['', this.avatarRequests]]);
    metric('pulsepet_agent_avatar_bytes_total', 'counter', 'Avatar bytes received by downloads that completed.', [['', this.avatarBytes]]);
    metric('pulsepet_agent_avatar_resumes_total', 'counter', 'Avatar downloads continued from a partial file with a Range request.', [['', this.avatarResumes]]);
    metric('pulsepet_agent_avatar_info', 'gauge', 'The avatar the watch shows (hash label; none before the first).', [[this.avatarHash ? `{hash="${this.avatarHash}"}` : '{hash=""}', this.avatarHash ? 1 : 0]]);
    return `${out.join('\n')}\n`;
  }
}
