/**
 * The flat `<xml>…</xml>` documents WeChat pushes and accepts as replies.
 *
 * Inbound XML is hostile until proven otherwise: size is checked in bytes first, any DOCTYPE or
 * ENTITY declaration outside CDATA is refused before the parser sees the text (XXE, billion laughs),
 * the parser expands no entities and reads no attributes. Only the five predefined entities and
 * numeric character references are decoded, in one non-recursive pass over plain text nodes.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type XmlFailure = 'too_large' | 'doctype' | 'malformed' | 'not_xml_root';

const failureMessages: Record<XmlFailure, string> = {
  too_large: 'XML body is larger than allowed',
  doctype: 'XML with a DOCTYPE or ENTITY declaration is refused',
  malformed: 'XML is malformed or lacks a required field',
  not_xml_root: 'root element is not <xml>',
};

export class WeChatXmlError extends Error {
  override readonly name = 'WeChatXmlError';
  readonly reason: XmlFailure;

  constructor(reason: XmlFailure, message: string = failureMessages[reason]) {
    super(message);
    this.reason = reason;
  }
}

export const MAX_XML_BYTES = 64 * 1024;

const CDATA_SECTION = /<!\[CDATA\[[\s\S]*?\]\]>/g;
const DECLARATION = /<!\s*(DOCTYPE|ENTITY)/i;
const TEXT = '#text';
const CDATA = '#cdata';

const parser = new XMLParser({
  preserveOrder: true,
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: CDATA,
  commentPropName: false,
  textNodeName: TEXT,
});

type OrderedNode = Record<string, unknown>;

const PREDEFINED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const REFERENCE = /&(?:(amp|lt|gt|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/g;

function decodeReferences(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(REFERENCE, (whole, name: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (name) return PREDEFINED[name]!;
    const codePoint = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex!, 16);
    return codePoint > 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff) ? String.fromCodePoint(codePoint) : whole;
  });
}

function tagOf(node: OrderedNode): string | undefined {
  for (const key of Object.keys(node)) if (key !== ':@') return key;
  return undefined;
}

function cdataText(children: unknown): string {
  if (!Array.isArray(children)) return '';
  return children.map((child: OrderedNode) => (typeof child[TEXT] === 'string' ? (child[TEXT] as string) : '')).join('');
}

/** The text of a leaf element, or undefined when it contains child elements (nested structures are ignored). */
function leafText(children: OrderedNode[]): string | undefined {
  const hasCdata = children.some((child) => tagOf(child) === CDATA);
  let text = '';
  for (const child of children) {
    const tag = tagOf(child);
    if (tag === TEXT) {
      const value = String(child[TEXT]);
      // Pretty-printed XML puts whitespace around CDATA; it is layout, not value.
      if (hasCdata && value.trim() === '') continue;
      text += decodeReferences(value);
    } else if (tag === CDATA) {
      text += cdataText(child[CDATA]);
    } else {
      return undefined;
    }
  }
  return text;
}

/**
 * Parses `<xml>` and returns its child elements as strings: CDATA unwrapped, numbers kept as their
 * text, whitespace inside values preserved. Child elements that contain elements themselves (such
 * as `<Video>` or `<SendPicsInfo>`) are ignored: nothing the hub handles reads them. A child element
 * that appears twice is malformed, so no caller can be handed a different copy from the one signed.
 */
export function parseFlatXml(text: string, maxBytes: number = MAX_XML_BYTES): Record<string, string> {
  if (typeof text !== 'string') throw new WeChatXmlError('malformed');
  // UTF-8 needs at most 3 bytes per UTF-16 code unit: skip counting when even that fits.
  if (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes) throw new WeChatXmlError('too_large');
  if (DECLARATION.test(text.replace(CDATA_SECTION, ''))) throw new WeChatXmlError('doctype');
  if (XMLValidator.validate(text) !== true) throw new WeChatXmlError('malformed');

  let document: OrderedNode[];
  try {
    document = parser.parse(text) as OrderedNode[];
  } catch {
    throw new WeChatXmlError('malformed');
  }
  const roots = document.filter((node) => tagOf(node) !== TEXT);
  if (roots.length !== 1) throw new WeChatXmlError('malformed');
  const root = roots[0]!;
  if (tagOf(root) !== 'xml') throw new WeChatXmlError('not_xml_root');

  const fields: Record<string, string> = {};
  const seen = new Set<string>();
  for (const child of (root.xml as OrderedNode[]) ?? []) {
    const tag = tagOf(child);
    if (tag === undefined || tag === TEXT || tag === CDATA) continue;
    if (seen.has(tag)) throw new WeChatXmlError('malformed', `element <${tag}> appears more than once`);
    seen.add(tag);
    const value = leafText((child[tag] as OrderedNode[]) ?? []);
    if (value !== undefined) fields[tag] = value;
  }
  return fields;
}

const ELEMENT_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** A string as one CDATA section (for the nested elements of a reply, `passive-replies.ts`). */
export function cdata(value: string): string {
  // `]]>` cannot appear inside a CDATA section: close it after `]]` and reopen before `>`. A raw CR
  // would reach the reader as LF (XML line-end normalization), so it travels as a reference.
  const escaped = value.replaceAll(']]>', ']]]]><![CDATA[>').replaceAll('\r', ']]>&#13;<![CDATA[');
  return `<![CDATA[${escaped}]]>`;
}

/** `<xml>…</xml>` in field order; strings as CDATA, numbers as plain text. */
export function buildXml(fields: Record<string, string | number>): string {
  let out = '<xml>';
  for (const [name, value] of Object.entries(fields)) {
    if (!ELEMENT_NAME.test(name)) throw new TypeError(`not an XML element name: ${name}`);
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new TypeError(`<${name}> must be a finite number`);
      out += `<${name}>${String(value)}</${name}>`;
    } else {
      out += `<${name}>${cdata(value)}</${name}>`;
    }
  }
  return `${out}</xml>`;
}

/** One element of `parseXmlTree`: a leaf's text, a nested element's children, or a repeated element's copies. */
export type XmlValue = string | XmlObject | XmlValue[];
export interface XmlObject {
  [name: string]: XmlValue;
}

function treeOf(children: OrderedNode[], depth: number): XmlValue {
  const leaf = leafText(children);
  if (leaf !== undefined) return leaf;
  if (depth > 8) throw new WeChatXmlError('malformed', 'XML is nested too deeply');
  // A Map, then Object.fromEntries: an element named `__proto__` stays a plain own property.
  const out = new Map<string, XmlValue>();
  const repeated = new Set<string>();
  for (const child of children) {
    const tag = tagOf(child);
    if (tag === undefined || tag === TEXT || tag === CDATA) continue;
    const value = treeOf((child[tag] as OrderedNode[]) ?? [], depth + 1);
    // A repeated element (`<item>` of a list, `<List>` per template) becomes an array, in document order.
    if (!out.has(tag)) out.set(tag, value);
    else if (repeated.has(tag)) (out.get(tag) as XmlValue[]).push(value);
    else {
      out.set(tag, [out.get(tag)!, value]);
      repeated.add(tag);
    }
  }
  return Object.fromEntries(out) as XmlObject;
}

/**
 * Parses `<xml>` with the same guards as `parseFlatXml` (size, no DOCTYPE, well-formed, one `<xml>`
 * root, no top-level element twice) and returns every child element: a leaf as its text (numbers
 * stay strings as sent), a nested element (`<ScanCodeInfo>`, `<SendPicsInfo>`, …) as an object, an
 * element repeated inside one (`<item>`, `<List>`) as an array. For the message log: every field of
 * a push, whatever WeChat adds over time.
 */
export function parseXmlTree(text: string, maxBytes: number = MAX_XML_BYTES): XmlObject {
  parseFlatXml(text, maxBytes);
  const document = parser.parse(text) as OrderedNode[];
  const root = document.find((node) => tagOf(node) === 'xml')!;
  const tree = treeOf((root.xml as OrderedNode[]) ?? [], 0);
  return typeof tree === 'string' ? {} : (tree as XmlObject);
}
