import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import type { PetState } from '../protocol/shadows';

/**
 * What the watch is told to show: the `pet` shadow's desired state (without its
 * `avatar` reference: the agent fetches the image) and its version, and the avatar
 * image the agent holds, if any: a verified PNG at `file` in the agent's avatar dir
 * (replaced atomically when a new one arrives), named by its `hash`.
 */
export interface WatchFrame {
  type: 'pet';
  version: number;
  state: Omit<PetState, 'avatar'>;
  avatar?: { hash: string; file: string; bytes: number };
}

/** Where pet states go: the watch face, its BLE bridge, or a file a display reads. */
export interface WatchOutput {
  show(frame: WatchFrame): Promise<void>;
}

/** One JSON line per frame on a stream (stdout by default; logs go to stderr). */
export function streamWatchOutput(stream: Writable): WatchOutput {
  return {
    show: (frame) =>
      new Promise((resolve, reject) => stream.write(`${JSON.stringify(frame)}\n`, (e) => (e ? reject(e) : resolve()))),
  };
}

/** POSTs each frame as JSON to a callback URL (e.g. the BLE bridge); a non-2xx answer is an error. */
export function httpWatchOutput(url: string): WatchOutput {
  return {
    show: async (frame) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(frame),
        signal: AbortSignal.timeout(5_000),
      });
      if (!res.ok) throw new Error(`watch callback ${url} answered ${res.status}`);
    },
  };
}

/** Replaces a file with the latest frame atomically (write temp, fsync, rename). */
export function fileWatchOutput(path: string): WatchOutput {
  return {
    show: async (frame) => {
      const tmp = `${path}.tmp`;
      const fd = openSync(tmp, 'w', 0o644);
      writeSync(fd, `${JSON.stringify(frame)}\n`);
      fsyncSync(fd);
      closeSync(fd);
      renameSync(tmp, path);
    },
  };
}

/** Parses `stdout`, `http:URL` / `http://...`, or `file:PATH`. */
export function watchOutputFromSpec(spec: string, stdout: Writable): WatchOutput {
  if (spec === 'stdout') return streamWatchOutput(stdout);
  if (spec.startsWith('http://') || spec.startsWith('https://')) return httpWatchOutput(spec);
  if (spec.startsWith('http:')) return httpWatchOutput(spec.slice(5));
  if (spec.startsWith('file:')) return fileWatchOutput(spec.slice(5));
  throw new RangeError(`unknown watch output ${spec}`);
}
