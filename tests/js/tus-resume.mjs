// tus-js-client (the protocol's reference client) uploads 20 MB to the
// server's tus endpoint, is interrupted after at least 5 MB, and resumes from
// the upload URL; prints what the server ended up holding, as JSON.
// Usage: node tus-resume.mjs http://127.0.0.1:PORT
import { Upload } from 'tus-js-client';
import { createHash } from 'node:crypto';

const base = process.argv[2];
const size = 20 * 1024 * 1024;
const data = Buffer.alloc(size);
let seed = 0x2545f491;
for (let i = 0; i < size; i += 4) {
  seed ^= seed << 13; seed ^= seed >>> 17; seed ^= seed << 5;
  data.writeInt32LE(seed | 0, i);
}
const sha = createHash('sha256').update(data).digest('hex');
const options = { chunkSize: 1024 * 1024, retryDelays: [] };

const uploadUrl = await new Promise((resolve, reject) => {
  let stopped = false;
  const upload = new Upload(data, {
    ...options,
    endpoint: `${base}/api/v1/uploads/`,
    metadata: { sha256: sha, filename: 'grande.jpg' },
    onChunkComplete: (_chunk, accepted) => {
      if (!stopped && accepted >= 5 * 1024 * 1024) {
        stopped = true;
        upload.abort().then(() => resolve(upload.url), reject);
      }
    },
    onError: reject,
    onSuccess: () => reject(new Error('the upload was meant to be interrupted')),
  });
  upload.start();
});

const head = await fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
const offsetAfterInterrupt = Number(head.headers.get('upload-offset'));

await new Promise((resolve, reject) => {
  const upload = new Upload(data, { ...options, uploadUrl, onError: reject, onSuccess: resolve });
  upload.start();
});

const stored = Buffer.from(await (await fetch(`${base}/api/v1/photos/${sha}`)).arrayBuffer());
const storedSha = createHash('sha256').update(stored).digest('hex');
console.log(JSON.stringify({ size, sha, offset_after_interrupt: offsetAfterInterrupt, stored_bytes: stored.length, stored_sha: storedSha }));
