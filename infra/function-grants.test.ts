import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../functions/registry';
import * as topics from '../protocol/topics';
import { esbuildOptions } from './bundle';
import { FUNCTION_ACCESS, type FunctionAccess } from './function-grants';

/**
 * The grants are written down in function-grants.ts; these tests read the code esbuild
 * keeps in each function's bundle (the deployed settings, unminified, so names survive;
 * tree shaking is the same) and check that the list says what the code does: every SDK
 * command it sends, every named shadow it reads or updates, every table it names.
 */

/** The IAM action each SDK command is authorized as (service authorization reference). */
const COMMAND_ACTIONS: Readonly<Record<string, string>> = {
  WriteRecordsCommand: 'timestream:WriteRecords',
  QueryCommand: 'timestream:Select',
  GetThingShadowCommand: 'iot:GetThingShadow',
  UpdateThingShadowCommand: 'iot:UpdateThingShadow',
  PublishCommand: 'iot:Publish',
  ListThingsCommand: 'iot:ListThings',
  ConverseCommand: 'bedrock:InvokeModel',
  InvokeModelCommand: 'bedrock:InvokeModel',
  InvokeEndpointCommand: 'sagemaker:InvokeEndpoint',
  // HeadObject is authorized as s3:GetObject (S3 API reference, HeadObject "Permissions")
  HeadObjectCommand: 's3:GetObject',
  GetObjectCommand: 's3:GetObject',
  PutObjectCommand: 's3:PutObject',
  InvokeCommand: 'lambda:InvokeFunction',
};
/** Commands the code sends that are deliberately not granted, with the reason. */
const NOT_GRANTED: Readonly<Record<string, string>> = {
  CreateTableCommand: 'the data stack owns table daily; a table the function made would escape Terraform',
};

const bundled = new Map<string, string>();
/** The function's own code in its bundle: esbuild heads each module's code with a `// path` line; the SDK's are left out. */
function sourcesOf(name: string): string {
  const def = FUNCTIONS.find((f) => f.name === name);
  if (def === undefined) throw new Error(name);
  const cached = bundled.get(name);
  if (cached !== undefined) return cached;
  const text = buildSync({ ...esbuildOptions(def), minify: false, sourcemap: false, write: false }).outputFiles?.[0]?.text ?? '';
  const parts = text.split(/^\/\/ (\S+\.[cm]?[jt]s)$/m);
  const own = parts.filter((_, i) => i % 2 === 0 && i > 0 && !(parts[i - 1] ?? '').includes('node_modules/')).join('\n');
  bundled.set(name, own);
  return own;
}

/** The IAM actions the access list grants (logs, the DLQ, endpoint discovery and s3:ListBucket for HeadObject's 404 aside). */
function grantedActions(a: FunctionAccess): string[] {
  const actions = [
    ...(a.timestreamWrite.length > 0 ? ['timestream:WriteRecords'] : []),
    ...(a.timestreamSelect.length > 0 ? ['timestream:Select'] : []),
    ...(a.shadowsRead.length > 0 ? ['iot:GetThingShadow'] : []),
    ...(a.shadowsUpdate.length > 0 ? ['iot:UpdateThingShadow'] : []),
    ...(a.publish.length > 0 ? ['iot:Publish'] : []),
    ...(a.listThings ? ['iot:ListThings'] : []),
    ...(a.bedrock ? ['bedrock:InvokeModel'] : []),
    ...(a.sagemaker ? ['sagemaker:InvokeEndpoint'] : []),
    ...(a.imageModel ? ['bedrock:InvokeModel'] : []),
    ...(a.avatarImages ? ['s3:GetObject', 's3:PutObject'] : []),
    ...(a.invokes.length > 0 ? ['lambda:InvokeFunction'] : []),
  ];
  return [...new Set(actions)].sort();
}

const SHADOW_CONSTANTS = Object.fromEntries(Object.entries(topics).filter(([k, v]) => k.endsWith('_SHADOW') && typeof v === 'string')) as Record<string, string>;

describe('Function: functionStatements (grants derived from what each function calls)', () => {
  it('has an access entry for every function of the registry, and none for a function that is not there', () => {
    expect(Object.keys(FUNCTION_ACCESS).sort()).toEqual(FUNCTIONS.map((f) => f.name).sort());
  });

  it.each(FUNCTIONS.map((f) => [f.name]))('grants %s exactly the actions of the SDK commands its bundle sends', (name) => {
    // `new WriteRecordsCommand(`, or through a CommonJS import `new import_client_x.WriteRecordsCommand(`
    const commands = [...new Set([...sourcesOf(name).matchAll(/new (?:[\w$]+\.)?([A-Z]\w*?Command)\d*\(/g)].map((m) => m[1] as string))];
    const unmapped = commands.filter((c) => COMMAND_ACTIONS[c] === undefined && NOT_GRANTED[c] === undefined);
    expect(unmapped, 'a command with no IAM action here: add it to COMMAND_ACTIONS and the function’s access').toEqual([]);
    const used = [...new Set(commands.flatMap((c) => (COMMAND_ACTIONS[c] ? [COMMAND_ACTIONS[c]] : [])))].sort();
    expect(grantedActions(FUNCTION_ACCESS[name as keyof typeof FUNCTION_ACCESS])).toEqual(used);
  });

  it.each(FUNCTIONS.map((f) => [f.name]))('grants %s exactly the named shadows its code reads and updates', (name) => {
    const calls = [...sourcesOf(name).matchAll(/shadows\.(get|update)\(\s*[\w.]+\s*,\s*([A-Z_]+_SHADOW)\d*\s*[,)]/g)];
    const shadowsOf = (op: string) => [...new Set(calls.filter((m) => m[1] === op).map((m) => SHADOW_CONSTANTS[m[2] as string]))].sort();
    const access = FUNCTION_ACCESS[name as keyof typeof FUNCTION_ACCESS];
    expect([...access.shadowsRead].sort()).toEqual(shadowsOf('get'));
    expect([...access.shadowsUpdate].sort()).toEqual(shadowsOf('update'));
  });

  it.each(FUNCTIONS.map((f) => [f.name, f]))('grants %s the tables its registry environment names, and no other', (name, def) => {
    const named = Object.entries(def.environment)
      .filter(([k]) => k.endsWith('_TABLE'))
      .map(([, v]) => v);
    const access = FUNCTION_ACCESS[name as keyof typeof FUNCTION_ACCESS];
    expect([...new Set([...access.timestreamWrite, ...access.timestreamSelect])].sort()).toEqual([...new Set(named)].sort());
  });

  it('reads the shadows through the pattern the scan looks for (the scan is not vacuous)', () => {
    const reasoning = sourcesOf('pulsepet-reasoning');
    expect([...reasoning.matchAll(/shadows\.(get|update)\(/g)].length).toBeGreaterThan(5);
    expect(SHADOW_CONSTANTS.COACH_CACHE_SHADOW).toBe('reasoning-coach');
  });
});
