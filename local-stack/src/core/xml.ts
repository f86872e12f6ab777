/**
 * A small XML tree, its serialiser and a non-validating parser: enough for the REST-XML and query
 * protocols (S3 request and response bodies, query-protocol responses). No DTDs, no external entities.
 */

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
}

/** A text node is a plain string (unescaped). */
export type XmlNode = XmlElement | string;

/** What `el` accepts as content: elements, text, numbers, booleans; null/undefined/false-y arrays are skipped. */
export type XmlContent = XmlNode | number | boolean | null | undefined | readonly XmlContent[];

export const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>';

/** Builds an element; `undefined` / `null` children are dropped so optional fields read naturally. */
export function el(name: string, content?: XmlContent, attributes: Record<string, string> = {}): XmlElement {
  const children: XmlNode[] = [];
  collect(content, children);
  return { name, attributes, children };
}

/** Adds the element only when the value is present: `optionalEl('Prefix', prefix)`. */
export function optionalEl(name: string, value: string | number | boolean | undefined | null): XmlElement | undefined {
  return value === undefined || value === null ? undefined : el(name, value);
}

function collect(content: XmlContent, into: XmlNode[]): void {
  if (content === undefined || content === null) return;
  if (Array.isArray(content)) {
    for (const item of content as readonly XmlContent[]) collect(item, into);
    return;
  }
  if (typeof content === 'number' || typeof content === 'boolean') {
    into.push(String(content));
    return;
  }
  into.push(content as XmlNode);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (ch) => {
    switch (ch) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return '&#13;';
    }
  });
}

export function renderXml(node: XmlNode): string {
  if (typeof node === 'string') return escapeXml(node);
  const attributes = Object.entries(node.attributes)
    .map(([key, value]) => ` ${key}="${escapeXml(value)}"`)
    .join('');
  if (node.children.length === 0) return `<${node.name}${attributes}/>`;
  return `<${node.name}${attributes}>${node.children.map(renderXml).join('')}</${node.name}>`;
}

/** A full document: declaration plus the root element. */
export function renderXmlDocument(root: XmlElement): string {
  return `${XML_DECLARATION}${renderXml(root)}`;
}

export class XmlParseError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at offset ${position}`);
    this.name = 'XmlParseError';
  }
}

const NAME_PATTERN = /[A-Za-z_:][-A-Za-z0-9_:.]*/y;
const ENTITY_PATTERN = /&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string, position: number): string {
  const character = (codePoint: number): string => {
    if (!(codePoint >= 0 && codePoint <= 0x10ffff)) throw new XmlParseError(`invalid character reference ${codePoint}`, position);
    return String.fromCodePoint(codePoint);
  };
  return text.replace(ENTITY_PATTERN, (_match, entity: string) => {
    if (entity.startsWith('#x')) return character(Number.parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return character(Number.parseInt(entity.slice(1), 10));
    const named = NAMED_ENTITIES[entity];
    if (named === undefined) throw new XmlParseError(`unknown entity &${entity};`, position);
    return named;
  });
}

/** Parses a document and returns its root element; throws XmlParseError on anything malformed. */
export function parseXml(input: string): XmlElement {
  let pos = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const fail = (message: string): never => {
    throw new XmlParseError(message, pos);
  };
  const readName = (): string => {
    NAME_PATTERN.lastIndex = pos;
    const match = NAME_PATTERN.exec(input);
    if (!match) return fail('expected a name');
    pos += match[0].length;
    return match[0];
  };
  const skipSpace = (): void => {
    while (pos < input.length && /\s/.test(input[pos] as string)) pos += 1;
  };
  const skipPast = (terminator: string): string => {
    const end = input.indexOf(terminator, pos);
    if (end < 0) fail(`unterminated construct, expected ${terminator}`);
    const content = input.slice(pos, end);
    pos = end + terminator.length;
    return content;
  };
  const appendText = (text: string): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(text);
    else if (text.trim() !== '') fail('text outside the root element');
  };

  if (input.charCodeAt(0) === 0xfeff) pos = 1;
  while (pos < input.length) {
    const lt = input.indexOf('<', pos);
    if (lt < 0) {
      appendText(decodeEntities(input.slice(pos), pos));
      pos = input.length;
      break;
    }
    if (lt > pos) appendText(decodeEntities(input.slice(pos, lt), pos));
    pos = lt;
    if (input.startsWith('<?', pos)) {
      pos += 2;
      skipPast('?>');
    } else if (input.startsWith('<!--', pos)) {
      pos += 4;
      skipPast('-->');
    } else if (input.startsWith('<![CDATA[', pos)) {
      pos += 9;
      appendText(skipPast(']]>'));
    } else if (input.startsWith('<!', pos)) {
      fail('DTDs are not accepted');
    } else if (input.startsWith('</', pos)) {
      pos += 2;
      const name = readName();
      skipSpace();
      if (input[pos] !== '>') fail('expected > after closing tag');
      pos += 1;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`closing tag </${name}> does not match`);
    } else {
      pos += 1;
      const element: XmlElement = { name: readName(), attributes: {}, children: [] };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(element);
      else if (root) fail('more than one root element');
      else root = element;
      let selfClosing = false;
      for (;;) {
        skipSpace();
        if (input.startsWith('/>', pos)) {
          pos += 2;
          selfClosing = true;
          break;
        }
        if (input[pos] === '>') {
          pos += 1;
          break;
        }
        const attribute = readName();
        skipSpace();
        if (input[pos] !== '=') fail('expected = in attribute');
        pos += 1;
        skipSpace();
        const quote = input[pos];
        if (quote !== '"' && quote !== "'") fail('expected a quoted attribute value');
        pos += 1;
        element.attributes[attribute] = decodeEntities(skipPast(quote as string), pos);
      }
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length > 0) fail(`unclosed element <${stack[stack.length - 1]?.name}>`);
  if (!root) return fail('no root element');
  return root;
}

/** The name without its namespace prefix (`s3:Key` -> `Key`). */
export function localName(element: XmlElement): string {
  const colon = element.name.indexOf(':');
  return colon < 0 ? element.name : element.name.slice(colon + 1);
}

export function childElements(element: XmlElement, name?: string): XmlElement[] {
  return element.children.filter(
    (child): child is XmlElement => typeof child !== 'string' && (name === undefined || localName(child) === name),
  );
}

export function childElement(element: XmlElement, name: string): XmlElement | undefined {
  return childElements(element, name)[0];
}

export function textContent(element: XmlElement): string {
  return element.children.map((child) => (typeof child === 'string' ? child : textContent(child))).join('');
}

export function childText(element: XmlElement, name: string): string | undefined {
  const child = childElement(element, name);
  return child === undefined ? undefined : textContent(child);
}
