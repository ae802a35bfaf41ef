/**
 * The device shadow's merge of an update into a state section (AWS "Updates affect only
 * the fields specified"): objects merge key by key, `null` deletes a key, arrays and
 * scalars replace whole values. Returns a new object; `base` is not changed. Used by
 * clients that keep a copy of a shadow they update (the agent, the reasoning function's
 * state cache) so their copy is what the shadow holds.
 */
export type ShadowSection = Record<string, unknown>;

export function mergeShadowState(base: ShadowSection, patch: ShadowSection): ShadowSection {
  const out: ShadowSection = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isSection(v) && isSection(out[k])) out[k] = mergeShadowState(out[k] as ShadowSection, v);
    else out[k] = v;
  }
  return out;
}

export function isSection(v: unknown): v is ShadowSection {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
