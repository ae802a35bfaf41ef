/** Test support: synthesize the infra app in-process and read the Terraform JSON. Not product code. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { type PulsepetStacks, pulsepetApp } from '../../../infra/app';
import { bundleFunction, type FunctionBundle } from '../../../infra/bundle';
import { type InfraConfig, loadInfraConfig } from '../../../infra/config';

/** A deployment that is not the defaults: another region and a name prefix, so nothing hard-coded passes. */
export const TEST_ENV = { PULSEPET_AWS_ACCOUNT_ID: '123456789012', PULSEPET_AWS_REGION: 'eu-west-1', PULSEPET_NAME_PREFIX: 'pp-test' } as const;

export type StackName = 'data' | 'observability' | 'compute' | 'iot' | 'display';
export const STACK_NAMES: readonly StackName[] = ['data', 'observability', 'compute', 'iot', 'display'];

/** One stack's synthesized Terraform JSON (metadata removed, as Testing.synth returns it). */
export interface SynthJson {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  variable?: Record<string, Record<string, unknown>>;
  output?: Record<string, Record<string, unknown>>;
}

export interface Synthesized {
  config: InfraConfig;
  stacks: PulsepetStacks;
  /** Testing.synth's string per stack (what Testing.toHaveResourceWithProperties takes) */
  raw: Record<StackName, string>;
  json: Record<StackName, SynthJson>;
}

const bundles = new Map<string, FunctionBundle>();
let bundleRoot: string | undefined;

/** The real esbuild bundle, made once per function per test file (every variant deploys the same code). */
export function sharedBundle(def: Parameters<typeof bundleFunction>[0]): FunctionBundle {
  bundleRoot ??= mkdtempSync(join(tmpdir(), 'pulsepet-bundles-'));
  const made = bundles.get(def.name) ?? bundleFunction(def, bundleRoot);
  bundles.set(def.name, made);
  return made;
}

/** Builds the app with `env` over {@link TEST_ENV} and synthesizes every stack. */
export function synthesize(env: Record<string, string> = {}): Synthesized {
  const config = loadInfraConfig({ ...TEST_ENV, ...env });
  const stacks = pulsepetApp(config, { outdir: mkdtempSync(join(tmpdir(), 'pulsepet-cdktf-')), bundle: sharedBundle });
  const raw = {} as Record<StackName, string>;
  const json = {} as Record<StackName, SynthJson>;
  for (const name of STACK_NAMES) {
    raw[name] = Testing.synth(stacks[name]);
    json[name] = JSON.parse(raw[name]) as SynthJson;
  }
  return { config, stacks, raw, json };
}

/** The resources of one type: logical name → arguments. */
export function resourcesOf(json: SynthJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** The one resource of a type whose argument `key` equals `value`; throws when there is not exactly one. */
export function resourceWith(json: SynthJson, type: string, key: string, value: unknown): Record<string, unknown> {
  const found = Object.values(resourcesOf(json, type)).filter((r) => r[key] === value);
  if (found.length !== 1) throw new Error(`${found.length} ${type} with ${key} = ${JSON.stringify(value)}`);
  return found[0] as Record<string, unknown>;
}

/** A policy document argument, parsed. */
export interface ParsedStatement {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
export function statementsOf(doc: unknown): ParsedStatement[] {
  if (typeof doc !== 'string') throw new Error(`not a policy document: ${JSON.stringify(doc)}`);
  return [(JSON.parse(doc) as { Statement: ParsedStatement | ParsedStatement[] }).Statement].flat();
}
