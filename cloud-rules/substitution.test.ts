import { describe, expect, it } from 'vitest';
import { isPulsepetError } from '../protocol/errors';
import { messageEnv } from './sql/index';
import { compileTemplate } from './substitution';

const env = messageEnv(Buffer.from(JSON.stringify({ deviceid: 'iot123', temp: 54.98, coords: { latitude: 47.6 } })), {
  topic: 'my/iot/topic',
  clientId: 'dev-1',
  timestamp: 1_579_637_878_451,
});
const t = (expr: string): string => `\${${expr}}`;

describe('Function: compileTemplate', () => {
  it('substitutes topic() as in the iot-substitution-templates example', () => {
    expect(compileTemplate(`${t('topic()')}/republish`).render(env)).toBe('my/iot/topic/republish');
  });

  it('evaluates payload paths, functions and operators against the original message', () => {
    expect(compileTemplate(`${t('deviceid')}-${t('coords.latitude')}-${t("upper('x') + clientid()")}`).render(env)).toBe('iot123-47.6-Xdev-1');
  });

  it('renders Undefined as the empty string and leaves plain text alone', () => {
    const tpl = compileTemplate(`a${t('missing')}b`);
    expect(tpl.dynamic).toBe(true);
    expect(tpl.render(env)).toBe('ab');
    expect(compileTemplate('static/topic').dynamic).toBe(false);
  });

  it("handles braces and quotes inside the expression (replace(topic(), '/', '-'))", () => {
    expect(compileTemplate(t("replace(topic(), '/', '-') + '-' + timestamp()")).render(env)).toBe('my-iot-topic-1579637878451');
    expect(compileTemplate(t("get({'k': '}'}, 'k')")).render(env)).toBe('}');
  });

  it('rejects an unterminated or invalid template with PP_ERR_SQL and its offset', () => {
    for (const bad of [`x/$${'{'}topic(`, `x/${t('nosuch()')}`, `a/${t('')}`]) {
      try {
        compileTemplate(bad);
        throw new Error(`accepted ${bad}`);
      } catch (e) {
        expect(isPulsepetError(e, 'PP_ERR_SQL'), bad).toBe(true);
        expect((e as Error).message).toMatch(/offset \d+/);
      }
    }
  });
});
