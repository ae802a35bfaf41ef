import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { WriteRecordsCommand } from '@aws-sdk/client-timestream-write';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hotPathClientConfig } from './sdk-config';
import { createTimestreamWriteClient } from './timestream-write-client';

/** Answers every request at once and keeps what it got: path and body. */
let server: Server;
let endpoint: string;
const got: { path: string; body: string }[] = [];
const credentials = { accessKeyId: 'AKIATESTTESTTESTTEST', secretAccessKey: 'test-secret-not-a-key' };

async function bodyOf(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of req) parts.push(c as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      got.push({ path: req.url ?? '', body });
      // a little later for the first of a pair, so calls overlap inside the middleware
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: got.length })), got.length % 2 ? 5 : 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('hotPathClientConfig', () => {
  it('resolves a client middleware once per command class, and every call still sends its own input', async () => {
    const client = new IoTDataPlaneClient({ ...hotPathClientConfig('iot-data', 'us-east-1'), endpoint, credentials });
    const resolve = vi.spyOn(UpdateThingShadowCommand.prototype, 'resolveMiddleware');
    got.length = 0;
    const things = Array.from({ length: 12 }, (_, i) => `pet-${i}`);
    const answers = await Promise.all(
      things.map((thingName, i) =>
        client.send(new UpdateThingShadowCommand({ thingName, shadowName: 'reasoning', payload: Buffer.from(JSON.stringify({ state: { reported: { i } } })) })),
      ),
    );
    expect(resolve).toHaveBeenCalledTimes(1);
    resolve.mockRestore();
    expect(answers).toHaveLength(12);
    // each request went to its own thing with its own body, though they overlapped
    const sent = new Map(got.map((g) => [decodeURIComponent(g.path.split('?')[0] ?? ''), JSON.parse(g.body) as { state: { reported: { i: number } } }]));
    for (const [i, thing] of things.entries()) expect(sent.get(`/things/${thing}/shadow`)?.state.reported.i).toBe(i);
    client.destroy();
  });

  it('leaves the middleware resolved per call without it, as the SDK default', async () => {
    const { cacheMiddleware: _, ...plain } = hotPathClientConfig('iot-data', 'us-east-1');
    const client = new IoTDataPlaneClient({ ...plain, endpoint, credentials });
    const resolve = vi.spyOn(UpdateThingShadowCommand.prototype, 'resolveMiddleware');
    for (const thingName of ['a', 'b', 'c']) await client.send(new UpdateThingShadowCommand({ thingName, payload: Buffer.from('{"state":{}}') }));
    expect(resolve).toHaveBeenCalledTimes(3);
    resolve.mockRestore();
    client.destroy();
  });

  it('is how the ingest path Timestream client is built too', async () => {
    const client = createTimestreamWriteClient({ region: 'us-east-1', endpoint, credentials });
    const resolve = vi.spyOn(WriteRecordsCommand.prototype, 'resolveMiddleware');
    for (const TableName of ['telemetry', 'telemetry']) {
      await client.send(new WriteRecordsCommand({ DatabaseName: 'pulsepet', TableName, Records: [{ MeasureName: 'hr', MeasureValue: '60', Time: '1' }] }));
    }
    expect(resolve).toHaveBeenCalledTimes(1);
    resolve.mockRestore();
    client.destroy();
  });
});
