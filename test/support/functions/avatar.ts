/**
 * Test support for the avatar function's suites: a local stack with `pulsepet-avatar`
 * deployed (its own execution environment, real clients), the pet shadow set as the
 * reasoning function leaves it, requests sent through the real Lambda Invoke API, and the
 * avatar read back through the real S3 client and its presigned URL. Not product code.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetThingShadowCommand, IoTDataPlaneClient, UpdateThingShadowCommand } from '@aws-sdk/client-iot-data-plane';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { HeadObjectCommand, type HeadObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import { FUNCTIONS } from '../../../functions/registry';
import { type BedrockFaults, type LocalStack, startLocalStack } from '../../../local/index';
import type { AvatarRef, AvatarRequest } from '../../../protocol/avatar';
import { AVATARS, FUNCTION_NAMES } from '../../../protocol/resources';
import type { Mood, Persona } from '../../../protocol/shadows';
import { awsClientConfig } from '../local/stack';

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** A pet state as the reasoning function writes it, and the avatar request it sends after. */
export interface PetFacts {
  thing: string;
  stateHash: string;
  mood: Mood;
  spoons: number;
  persona: Persona;
  activity?: AvatarRequest['activity'];
  environment?: AvatarRequest['environment'];
}

export class AvatarHarness {
  readonly data: IoTDataPlaneClient;
  readonly lambda: LambdaClient;
  readonly s3: S3Client;

  private constructor(
    readonly stack: LocalStack,
    private readonly dir: string,
  ) {
    // shadow requests are limited per thing (20/s); the SDK's retries wait out a 429
    this.data = new IoTDataPlaneClient({ ...awsClientConfig(stack), maxAttempts: 6 });
    this.lambda = new LambdaClient(awsClientConfig(stack));
    this.s3 = new S3Client({ ...awsClientConfig(stack), forcePathStyle: true });
  }

  /** A stack with only pulsepet-avatar deployed, short async retries, and these Bedrock faults. */
  static async start(faults?: BedrockFaults): Promise<AvatarHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'pp-avatar-'));
    const avatar = FUNCTIONS.filter((f) => f.name === FUNCTION_NAMES.avatar);
    const stack = await startLocalStack({ dataDir: dir, tuneGc: false, functions: avatar, lambdaRetryDelaysMs: [20, 40], ...(faults ? { bedrockFaults: faults } : {}) });
    return new AvatarHarness(stack, dir);
  }

  async close(): Promise<void> {
    this.data.destroy();
    this.lambda.destroy();
    this.s3.destroy();
    await this.stack.close();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Writes the pet's desired state (as reasoning does, merged into what is there). */
  async show(p: PetFacts, extra: Record<string, unknown> = {}): Promise<void> {
    const desired = { mood: p.mood, energy: Math.round((p.spoons / 12) * 100) / 100, message: 'test', persona: p.persona, stateHash: p.stateHash, spoons: p.spoons, ...extra };
    await this.data.send(new UpdateThingShadowCommand({ thingName: p.thing, shadowName: 'pet', payload: enc({ state: { desired } }) }));
  }

  /** Sends the avatar request with Invoke (Event) and waits until Lambda is done with it (retries included). */
  async ask(p: PetFacts): Promise<void> {
    const req: AvatarRequest = {
      kind: 'avatar',
      v: 1,
      thing: p.thing,
      stateHash: p.stateHash,
      mood: p.mood,
      spoons: p.spoons,
      persona: p.persona,
      ...(p.activity ? { activity: p.activity } : {}),
      ...(p.environment ? { environment: p.environment } : {}),
      at: Date.now(),
    };
    const out = await this.lambda.send(new InvokeCommand({ FunctionName: FUNCTION_NAMES.avatar, InvocationType: 'Event', Payload: enc(req) }));
    if (out.StatusCode !== 202) throw new Error(`Invoke answered ${out.StatusCode}`);
    await this.stack.lambda.idle();
  }

  /** The pet shadow: desired.avatar and the version. */
  async pet(thing: string): Promise<{ avatar?: AvatarRef; stateHash?: string; version: number }> {
    const out = await this.data.send(new GetThingShadowCommand({ thingName: thing, shadowName: 'pet' }));
    const doc = JSON.parse(new TextDecoder().decode(out.payload)) as { state?: { desired?: { avatar?: AvatarRef; stateHash?: string } }; version: number };
    return { ...(doc.state?.desired?.avatar ? { avatar: doc.state.desired.avatar } : {}), ...(doc.state?.desired?.stateHash ? { stateHash: doc.state.desired.stateHash } : {}), version: doc.version };
  }

  /** The avatar bytes, fetched as the watch and the display do: a plain GET of the presigned URL. */
  async download(ref: AvatarRef): Promise<{ status: number; bytes: Uint8Array; contentType: string | null }> {
    const r = await fetch(ref.url);
    return { status: r.status, bytes: new Uint8Array(await r.arrayBuffer()), contentType: r.headers.get('content-type') };
  }

  head(key: string): Promise<HeadObjectCommandOutput> {
    return this.s3.send(new HeadObjectCommand({ Bucket: AVATARS.bucket, Key: key }));
  }

  /** Images the local Bedrock painter drew so far for a model (its /metrics counter). */
  async imagesDrawn(modelId = 'amazon.nova-canvas-v1:0'): Promise<number> {
    const text = await (await fetch(`${this.stack.httpEndpoint}/metrics`)).text();
    const m = new RegExp(`^pulsepet_bedrock_images_total\\{model="${modelId.replace(/[.]/g, '\\.')}"\\} (\\d+)$`, 'm').exec(text);
    return Number(m?.[1] ?? 0);
  }
}
