/**
 * S3's XML (the restXml protocol): the namespace of its result documents and a small
 * writer. Keys are client text, so every value is escaped; characters XML 1.0 cannot
 * carry at all (most C0 controls) are written as character references, which clients
 * that list such keys read back with `encoding-type=url` as S3 advises
 * (https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html, EncodingType).
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';
export const XML_CONTENT_TYPE = 'application/xml';

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** A C0 control other than tab, line feed and carriage return (XML 1.0 has no place for them as text). */
function isBareControl(code: number): boolean {
  return code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d;
}

/** Text escaped for an XML element or attribute. */
export function xmlEscape(s: string): string {
  let out = '';
  for (const c of s) {
    const code = c.charCodeAt(0);
    out += ENTITIES[c] ?? (isBareControl(code) ? `&#x${code.toString(16)};` : c);
  }
  return out;
}

/** A value of an element: text, a number, a boolean, or nested elements (already XML). */
export type XmlValue = string | number | boolean | XmlRaw;

/** Markup already written (nested elements). */
export class XmlRaw {
  constructor(readonly xml: string) {}
}

/** `<name>value</name>`, the value escaped unless it is already XML. */
export function el(name: string, value: XmlValue): string {
  const inner = value instanceof XmlRaw ? value.xml : xmlEscape(String(value));
  return `<${name}>${inner}</${name}>`;
}

/** Elements in order, skipping undefined values. */
export function els(entries: ReadonlyArray<readonly [string, XmlValue | undefined]>): XmlRaw {
  return new XmlRaw(entries.flatMap(([n, v]) => (v === undefined ? [] : [el(n, v)])).join(''));
}

/** A whole result document: declaration and a root element in S3's namespace. */
export function xmlDocument(root: string, content: XmlRaw): string {
  return `${XML_DECLARATION}<${root} xmlns="${S3_XMLNS}">${content.xml}</${root}>`;
}

/** The text of the first `<name>` element of a small request document (CreateBucketConfiguration). */
export function xmlText(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([^<]*)</${name}>`).exec(xml);
  if (m?.[1] === undefined) return undefined;
  return m[1].replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" })[e] ?? '');
}
