/**
 * The deterministic local coach behind the local Bedrock service: not an LLM. It reads
 * `key: value` facts from the prompt and the persona named in the system prompt, and
 * words a short answer from them, the same every time for the same request.
 */
import type { ConverseRequest } from './converse-shapes';
import type { FillSource } from './json-schema-fill';

/** The tones the coach knows; `neutral` when the system prompt names neither. */
export type Persona = 'strict' | 'encouraging' | 'neutral';

/** One fact from the prompt: `key: value` or `key=value`. */
export interface Fact {
  key: string;
  value: string;
}

const FACT = /^\s*[-*]?\s*([A-Za-z][\w .-]{0,40}?)\s*[:=]\s*(.+?)\s*$/;

/** The persona the system prompt names (first match wins: strict, then encouraging). */
export function personaOf(req: ConverseRequest): Persona {
  const system = (req.system ?? []).map((s) => s.text).join('\n');
  if (/\bstrict\b/i.test(system)) return 'strict';
  if (/\bencouraging\b/i.test(system)) return 'encouraging';
  return 'neutral';
}

/** The user's text of the last user message (text blocks and tool results' text). */
export function lastUserText(req: ConverseRequest): string {
  const last = [...req.messages].reverse().find((m) => m.role === 'user');
  const parts: string[] = [];
  for (const block of last?.content ?? []) {
    if ('text' in block) parts.push(block.text);
    else if ('toolResult' in block) for (const c of block.toolResult.content) parts.push('text' in c ? c.text : JSON.stringify(c.json));
  }
  return parts.join('\n');
}

/** `key: value` facts, one per line or `;`-separated part, keys lower-cased with `_` for spaces. */
export function factsOf(text: string): Fact[] {
  const facts: Fact[] = [];
  for (const part of text.split(/[\n;]/)) {
    const m = FACT.exec(part);
    if (m?.[1] && m[2]) facts.push({ key: m[1].trim().toLowerCase().replace(/[\s-]+/g, '_'), value: m[2] });
  }
  return facts;
}

const OPENERS: Record<Persona, string> = { strict: '', encouraging: 'Nice work checking in! ', neutral: '' };
const CLOSERS: Record<Persona, string> = {
  strict: 'Act on it.',
  encouraging: "You've got this — one small step at a time.",
  neutral: 'That is the picture for now.',
};

/** The coach's sentence for these facts in this persona: terse when strict, warm when encouraging. */
export function coachSentence(facts: readonly Fact[], persona: Persona): string {
  const shown = facts.slice(0, persona === 'strict' ? 3 : 4).map((f) => `${f.key.replace(/_/g, ' ')} ${f.value}`);
  const body = shown.length > 0 ? `${shown.join(', ')}.` : 'No readings to go on yet.';
  const text = `${OPENERS[persona]}${persona === 'strict' ? body.charAt(0).toUpperCase() + body.slice(1) : body} ${CLOSERS[persona]}`;
  return text.trim();
}

const SUGGESTIONS: Record<Persona, string> = {
  strict: 'Rest 10 minutes.',
  encouraging: 'How about a gentle walk or a few slow breaths?',
  neutral: 'Take a short break.',
};

/**
 * How a tool input's strings and numbers are filled: `message`/`text`-like names get the
 * coach's sentence, `suggestion` a persona-worded suggestion, others the fact of the
 * same name; numbers come from a numeric fact of the same name; an enum takes the
 * fact's value when it is one of the options.
 */
export function fillSourceFor(facts: readonly Fact[], persona: Persona): FillSource {
  const fact = (name: string) => facts.find((f) => f.key === name.toLowerCase())?.value;
  return {
    text(name) {
      if (/^(message|text|summary|explanation|reply|say)$/i.test(name)) return coachSentence(facts, persona);
      if (/suggest/i.test(name)) return SUGGESTIONS[persona];
      return fact(name);
    },
    number(name) {
      const v = Number.parseFloat(fact(name) ?? '');
      return Number.isFinite(v) ? v : undefined;
    },
    choice(name, options) {
      const v = fact(name);
      return options.find((o) => String(o).toLowerCase() === v?.toLowerCase());
    },
  };
}
