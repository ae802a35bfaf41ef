import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../common/logger';
import { AgentMetrics } from './metrics';
import { Outbox } from './outbox';
import { startStatusServer } from './status-server';

describe('Function: startStatusServer', () => {
  it('serves health as JSON and the outbox and counters as Prometheus text', async () => {
    const ob = Outbox.open({ dir: mkdtempSync(join(tmpdir(), 'pp-status-')), logger: silentLogger() });
    await ob.append({ s: { t: 1, hr: 60 } });
    const m = new AgentMetrics();
    m.samplesAccepted = 1;
    m.reject('invalid');
    m.reconnects = 2;
    m.lastAckAt = Date.now() - 5_000;
    const srv = await startStatusServer({
      port: 0,
      logger: silentLogger(),
      source: { health: () => ({ status: 'degraded', connected: false, outboxDepth: ob.depth }), metrics: () => m.render(ob.stats()) },
    });
    try {
      const h = await fetch(`http://127.0.0.1:${srv.port}/healthz`);
      expect(h.status).toBe(503);
      expect(await h.json()).toEqual({ status: 'degraded', connected: false, outboxDepth: 1 });
      const text = await (await fetch(`http://127.0.0.1:${srv.port}/metrics`)).text();
      expect(text).toMatch(/^pulsepet_agent_outbox_depth 1$/m);
      expect(text).toMatch(/^pulsepet_agent_samples_rejected_total\{reason="invalid"\} 1$/m);
      expect(text).toMatch(/^pulsepet_agent_reconnects_total 2$/m);
      expect(text).toMatch(/^# TYPE pulsepet_agent_batches_acked_total counter$/m);
      const age = Number(/^pulsepet_agent_last_ack_age_seconds (\S+)$/m.exec(text)?.[1]);
      expect(age).toBeGreaterThanOrEqual(5);
      expect((await fetch(`http://127.0.0.1:${srv.port}/nope`)).status).toBe(404);
    } finally {
      await srv.close();
      await ob.close();
    }
  });
});
