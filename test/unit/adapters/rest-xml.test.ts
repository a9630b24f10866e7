import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decodeXmlText,
  encodeXmlText,
  parseBlobList,
  parseErrorBody,
  parseQueueMessages,
  queueMessageBody,
  XmlShapeError,
} from '../../../src/adapters/azure/rest/xml.js';

/** A Get Messages answer in the shape Azure and Azurite write it, with one message text escaped. */
const RECEIVED = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><QueueMessagesList><QueueMessage><MessageId>5a1c3f0e-1d1b-4b4e-9c55-6d3e0b2a7f10</MessageId><InsertionTime>Tue, 01 Dec 2026 20:31:25 GMT</InsertionTime><ExpirationTime>Fri, 31 Dec 9999 23:59:59 GMT</ExpirationTime><PopReceipt>MDFEZWMyMDI2MjA6MzE6MjU=</PopReceipt><TimeNextVisible>Tue, 01 Dec 2026 20:32:25 GMT</TimeNextVisible><DequeueCount>2</DequeueCount><MessageText>{&quot;kwargs&quot;: &quot;a &lt;b&gt; &amp; c&quot;}</MessageText></QueueMessage><QueueMessage><MessageId>m2</MessageId><InsertionTime>Tue, 01 Dec 2026 20:31:26 GMT</InsertionTime><PopReceipt>cg==</PopReceipt><DequeueCount>1</DequeueCount><MessageText></MessageText></QueueMessage></QueueMessagesList>`;

describe('lean client XML: queue message lists', () => {
  it('reads every field of each message and decodes the text', () => {
    const [a, b] = parseQueueMessages(RECEIVED);
    expect(a).toEqual({
      messageId: '5a1c3f0e-1d1b-4b4e-9c55-6d3e0b2a7f10',
      popReceipt: 'MDFEZWMyMDI2MjA6MzE6MjU=',
      insertionTime: 'Tue, 01 Dec 2026 20:31:25 GMT',
      dequeueCount: 2,
      messageText: '{"kwargs": "a <b> & c"}',
    });
    expect(b.messageText).toBe('');
    expect(b.dequeueCount).toBe(1);
    expect(Date.parse(a.insertionTime!)).toBe(Date.UTC(2026, 11, 1, 20, 31, 25));
  });

  it('an empty list is [] and a peek answer has no pop receipt', () => {
    expect(parseQueueMessages('<?xml version="1.0"?><QueueMessagesList />')).toEqual([]);
    expect(parseQueueMessages('<QueueMessagesList></QueueMessagesList>')).toEqual([]);
    const [p] = parseQueueMessages(
      '<QueueMessagesList><QueueMessage><MessageId>x</MessageId><DequeueCount>0</DequeueCount><MessageText>t</MessageText></QueueMessage></QueueMessagesList>',
    );
    expect(p.popReceipt).toBeUndefined();
    expect(p.messageText).toBe('t');
  });

  it('a body of another shape is an error, not an empty receive', () => {
    expect(() => parseQueueMessages('<Error><Code>X</Code></Error>')).toThrow(XmlShapeError);
    expect(() => parseQueueMessages('<QueueMessagesList><QueueMessage><MessageId>x</MessageId>')).toThrow(
      XmlShapeError,
    );
    expect(() =>
      parseQueueMessages(
        '<QueueMessagesList><QueueMessage><MessageText>t</MessageText></QueueMessage></QueueMessagesList>',
      ),
    ).toThrow(/MessageId/);
  });

  it('does not mistake a longer tag name for the one asked for', () => {
    const xml =
      '<QueueMessagesList><QueueMessage><MessageIdX>no</MessageIdX><MessageId>yes</MessageId><MessageText>t</MessageText></QueueMessage></QueueMessagesList>';
    expect(parseQueueMessages(xml)[0].messageId).toBe('yes');
  });
});

describe('lean client XML: text escaping', () => {
  it('decodes named and numeric references, leaving unknown ones as they are', () => {
    expect(decodeXmlText('&lt;&gt;&amp;&quot;&apos;&#13;&#x1F600;&#233;&bogus;')).toBe('<>&"\'\r😀é&bogus;');
    expect(decodeXmlText('plain')).toBe('plain');
  });

  it('round-trips any text through a Put Message body', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (text) => {
        const body = queueMessageBody(text);
        const inner = body.slice(body.indexOf('<MessageText>') + 13, body.lastIndexOf('</MessageText>'));
        expect(inner).not.toMatch(/[<\r]/);
        expect(decodeXmlText(inner)).toBe(text);
      }),
    );
    expect(encodeXmlText('a\r\nb')).toBe('a&#13;\nb');
  });
});

describe('lean client XML: blob lists and errors', () => {
  it('reads blob names (decoded) and the continuation marker', () => {
    const xml = `<?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1:10000/devstoreaccount1" ContainerName="c"><Prefix/><Marker/><MaxResults>5000</MaxResults><Blobs><Blob><Name>wf-1.def.bin</Name><Properties><Etag>0x1</Etag></Properties></Blob><Blob><Name>a &amp; b/t.json</Name><Properties/></Blob></Blobs><NextMarker>m2</NextMarker></EnumerationResults>`;
    expect(parseBlobList(xml)).toEqual({ names: ['wf-1.def.bin', 'a & b/t.json'], nextMarker: 'm2' });
    expect(parseBlobList('<EnumerationResults><Blobs /><NextMarker /></EnumerationResults>')).toEqual({
      names: [],
      nextMarker: '',
    });
  });

  it('reads the code and message of an error body, and nothing from other bodies', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?><Error><Code>ConditionNotMet</Code><Message>The condition specified using HTTP conditional header(s) is not met.\nRequestId:1</Message></Error>';
    expect(parseErrorBody(xml)).toEqual({
      code: 'ConditionNotMet',
      message: 'The condition specified using HTTP conditional header(s) is not met.\nRequestId:1',
    });
    expect(parseErrorBody('not xml')).toEqual({});
  });
});
