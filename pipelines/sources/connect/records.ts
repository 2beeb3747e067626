// Amazon Connect records as they reach Floorwatch through a Kinesis Data Firehose HTTP
// endpoint delivery: the request body `{requestId, timestamp, records: [{data}]}`, each
// `data` base64 of one or more JSON documents (Firehose concatenates the Kinesis records of
// a stream without a separator, or with the newline a producer added). Pure functions.

export interface FirehoseRequest {
  requestId: string;
  timestamp?: number;
  records: { data: string }[];
}

/** Splits text holding one or more JSON documents (concatenated, newline-separated or not). */
export function splitJsonDocuments(text: string): { docs: unknown[]; error?: string } {
  const docs: unknown[] = [];
  let i = 0;
  const n = text.length;
  while (i < n) {
    while (i < n && /\s/.test(text[i])) i++;
    if (i >= n) break;
    const start = i;
    if (text[i] !== '{' && text[i] !== '[') return { docs, error: `expected a JSON object at offset ${i}` };
    let depth = 0;
    let inStr = false;
    for (; i < n; i++) {
      const c = text[i];
      if (inStr) {
        if (c === '\\') i++;
        else if (c === '"') inStr = false;
      } else if (c === '"') inStr = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
    }
    if (depth !== 0) return { docs, error: `unterminated JSON document at offset ${start}` };
    try {
      const v = JSON.parse(text.slice(start, i));
      if (Array.isArray(v)) docs.push(...v);
      else docs.push(v);
    } catch (err) {
      return { docs, error: `invalid JSON at offset ${start}: ${(err as Error).message}` };
    }
  }
  return { docs };
}

/** Decodes one Firehose record's base64 data into its JSON documents. */
export function decodeRecord(data: string): { docs: unknown[]; text: string; error?: string } {
  const text = Buffer.from(data, 'base64').toString('utf8');
  return { text, ...splitJsonDocuments(text) };
}

/** The inverse, for tests and tools: one Firehose request holding `docs`, one record each. */
export function firehoseRequest(requestId: string, docs: unknown[], timestamp = Date.now()): FirehoseRequest {
  return {
    requestId,
    timestamp,
    records: docs.map((d) => ({ data: Buffer.from(JSON.stringify(d) + '\n').toString('base64') })),
  };
}
