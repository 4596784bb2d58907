import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildXml, MAX_XML_BYTES, parseFlatXml, WeChatXmlError, type XmlFailure } from '#shared/wechat/xml.ts';

function failureOf(act: () => unknown): XmlFailure | 'no error' | 'other error' {
  try {
    act();
    return 'no error';
  } catch (error) {
    return error instanceof WeChatXmlError ? error.reason : 'other error';
  }
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<xml><Content>&lol3;</Content></xml>`;

describe('parsing flat WeChat XML', () => {
  it('returns the children of <xml> as strings with CDATA unwrapped', () => {
    // Act
    const fields = parseFlatXml('<xml><ToUserName><![CDATA[gh_10f6c3c3ac5a]]></ToUserName><MsgType><![CDATA[text]]></MsgType></xml>');

    // Assess
    expect(fields).toEqual({ ToUserName: 'gh_10f6c3c3ac5a', MsgType: 'text' });
  });

  it('keeps numbers as their text, even past 2^53 and with leading zeros', () => {
    // Act
    const fields = parseFlatXml('<xml><MsgId>6054768590064713728</MsgId><Nonce>0012</Nonce><CreateTime>1409735668</CreateTime></xml>');

    // Assess
    expect(fields).toEqual({ MsgId: '6054768590064713728', Nonce: '0012', CreateTime: '1409735668' });
  });

  it('reads pretty-printed XML with a declaration and whitespace between elements', () => {
    // Act
    const fields = parseFlatXml(
      '<?xml version="1.0" encoding="utf-8"?>\n<xml>\n  <AppId><![CDATA[wx77ea274ef9f3e504]]></AppId>\n  <Encrypt>\n    <![CDATA[abc=]]>\n  </Encrypt>\n</xml>\n',
    );

    // Assess
    expect(fields).toEqual({ AppId: 'wx77ea274ef9f3e504', Encrypt: 'abc=' });
  });

  it('keeps whitespace that is part of a CDATA value', () => {
    // Act
    const fields = parseFlatXml('<xml><Content><![CDATA[  two spaces\nand a line  ]]></Content></xml>');

    // Assess
    expect(fields.Content).toBe('  two spaces\nand a line  ');
  });

  it('ignores nested elements such as <Video> and keeps their flat siblings', () => {
    // Act
    const fields = parseFlatXml(
      '<xml><MsgType><![CDATA[video]]></MsgType><Video><MediaId><![CDATA[m1]]></MediaId><Title><![CDATA[t]]></Title></Video><CreateTime>1407743423</CreateTime></xml>',
    );

    // Assess
    expect(fields).toEqual({ MsgType: 'video', CreateTime: '1407743423' });
  });

  it('decodes predefined entities and character references in plain text but not inside CDATA', () => {
    // Act
    const fields = parseFlatXml('<xml><Plain>a &amp; b &lt;c&gt; &#20320;&#x597D;</Plain><Raw><![CDATA[a &amp; b]]></Raw></xml>');

    // Assess
    expect(fields).toEqual({ Plain: 'a & b <c> 你好', Raw: 'a &amp; b' });
  });

  it('reads attributes of no element', () => {
    // Act
    const fields = parseFlatXml('<xml><Event type="x"><![CDATA[subscribe]]></Event></xml>');

    // Assess
    expect(fields).toEqual({ Event: 'subscribe' });
  });

  it('reads empty and self-closing elements as empty strings', () => {
    // Act
    const fields = parseFlatXml('<xml><EventKey><![CDATA[]]></EventKey><Ticket></Ticket><Extra/></xml>');

    // Assess
    expect(fields).toEqual({ EventKey: '', Ticket: '', Extra: '' });
  });

  it('accepts user text that merely mentions <!DOCTYPE inside CDATA', () => {
    // Act
    const fields = parseFlatXml('<xml><Content><![CDATA[<!DOCTYPE html><!ENTITY x "y">]]></Content></xml>');

    // Assess
    expect(fields.Content).toBe('<!DOCTYPE html><!ENTITY x "y">');
  });
});

describe('refusing hostile or broken XML', () => {
  it('refuses the billion-laughs document before parsing it', () => {
    // Act
    const failure = failureOf(() => parseFlatXml(billionLaughs));

    // Assess
    expect(failure).toBe('doctype');
  });

  it.each([
    ['an external entity (XXE)', '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><A>&xxe;</A></xml>'],
    ['a lowercase doctype', '<!doctype xml><xml><A>1</A></xml>'],
    ['a bare ENTITY declaration', '<!ENTITY x "y"><xml><A>1</A></xml>'],
    ['a DOCTYPE after an unterminated CDATA', '<xml><A><![CDATA[x</A><!DOCTYPE y></xml>'],
  ])('refuses %s', (_, text) => {
    // Act
    const failure = failureOf(() => parseFlatXml(text));

    // Assess
    expect(failure).toBe('doctype');
  });

  it('refuses a body one byte over the limit', () => {
    // Prepare
    const opening = '<xml><Content><![CDATA[';
    const closing = ']]></Content></xml>';
    const text = `${opening}${'x'.repeat(MAX_XML_BYTES + 1 - opening.length - closing.length)}${closing}`;

    // Act
    const failure = failureOf(() => parseFlatXml(text));

    // Assess
    expect(failure).toBe('too_large');
  });

  it('accepts a body exactly at the limit', () => {
    // Prepare
    const opening = '<xml><Content><![CDATA[';
    const closing = ']]></Content></xml>';
    const text = `${opening}${'x'.repeat(MAX_XML_BYTES - opening.length - closing.length)}${closing}`;

    // Act
    const fields = parseFlatXml(text);

    // Assess
    expect(fields.Content).toHaveLength(MAX_XML_BYTES - opening.length - closing.length);
  });

  it('counts the limit in UTF-8 bytes, not characters', () => {
    // Prepare: 400 characters, 1,200 bytes.
    const text = `<xml><Content><![CDATA[${'中'.repeat(400)}]]></Content></xml>`;

    // Act
    const failure = failureOf(() => parseFlatXml(text, 1000));

    // Assess
    expect(failure).toBe('too_large');
  });

  it.each([
    ['<root>', '<root><A>1</A></root>'],
    ['<XML>', '<XML><A>1</A></XML>'],
  ])('refuses a document whose root is %s', (_, text) => {
    // Act
    const failure = failureOf(() => parseFlatXml(text));

    // Assess
    expect(failure).toBe('not_xml_root');
  });

  it.each([
    ['mismatched tags', '<xml><A>1</B></xml>'],
    ['an unclosed root', '<xml><A>1</A>'],
    ['two roots', '<xml><A>1</A></xml><xml><A>2</A></xml>'],
    ['text after the root', '<xml><A>1</A></xml>junk'],
    ['plain text', 'success'],
    ['nothing', ''],
    ['JSON', '{"Encrypt":"abc"}'],
    ['an element repeated', '<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>'],
    ['a prototype-polluting element name', '<xml><__proto__>1</__proto__></xml>'],
  ])('refuses %s as malformed', (_, text) => {
    // Act
    const failure = failureOf(() => parseFlatXml(text));

    // Assess
    expect(failure).toBe('malformed');
  });
});

describe('building XML', () => {
  it('writes strings as CDATA and numbers as plain text, in field order', () => {
    // Act
    const xml = buildXml({ ToUserName: 'o-user', CreateTime: 1714112445, MsgType: 'text' });

    // Assess
    expect(xml).toBe('<xml><ToUserName><![CDATA[o-user]]></ToUserName><CreateTime>1714112445</CreateTime><MsgType><![CDATA[text]]></MsgType></xml>');
  });

  it('round-trips a value containing "]]>" through CDATA', () => {
    // Prepare
    const content = 'a]]>b]]]]>c<![CDATA[d]]>';

    // Act
    const fields = parseFlatXml(buildXml({ Content: content }));

    // Assess
    expect(fields.Content).toBe(content);
  });

  it('carries a carriage return through intact, where a raw CR would be read back as LF', () => {
    // Prepare
    const content = 'line one\r\nline two\r';

    // Act
    const fields = parseFlatXml(buildXml({ Content: content }));

    // Assess
    expect(fields.Content).toBe(content);
  });

  it('round-trips any XML-representable text it is given', () => {
    // Prepare: XML 1.0 cannot carry most control characters, so none are generated.
    const xmlChar = fc.string({ unit: 'binary', maxLength: 200 }).map((s) => s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, ''));

    // Act + Assess
    fc.assert(
      fc.property(fc.array(xmlChar, { minLength: 1, maxLength: 5 }), (values) => {
        const fields = Object.fromEntries(values.map((value, i) => [`F${i}`, value]));
        expect(parseFlatXml(buildXml(fields))).toEqual(fields);
      }),
    );
  });

  it('refuses an element name that would break the document', () => {
    // Act
    const act = () => buildXml({ 'A><B': 'x' });

    // Assess
    expect(act).toThrow(TypeError);
  });
});
