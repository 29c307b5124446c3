// tus-js-client (the protocol's reference client) uploads a large photo to
// the server's tus endpoint as a phone would (with its device headers), is
// interrupted after at least 2 MB, and resumes from the upload URL; prints
// what the server ended up holding, as JSON.
// Usage: CASA_DEVICE=<uuid> CASA_DEVICE_KEY=<secret> node tus-resume.mjs http://127.0.0.1:PORT photo.jpg
import { Upload } from 'tus-js-client';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const base = process.argv[2];
const data = readFileSync(process.argv[3]);
const size = data.length;
const headers = { 'X-Casa-Device': process.env.CASA_DEVICE, 'X-Casa-Device-Key': process.env.CASA_DEVICE_KEY };
const sha = createHash('sha256').update(data).digest('hex');
const interruptAt = 2 * 1024 * 1024;
const options = { chunkSize: 512 * 1024, retryDelays: [], headers };

const uploadUrl = await new Promise((resolve, reject) => {
  let stopped = false;
  const upload = new Upload(data, {
    ...options,
    endpoint: `${base}/api/v1/uploads/`,
    metadata: { sha256: sha, filename: 'grande.jpg' },
    onChunkComplete: (_chunk, accepted) => {
      if (!stopped && accepted >= interruptAt) {
        stopped = true;
        upload.abort().then(() => resolve(upload.url), reject);
      }
    },
    onError: reject,
    onSuccess: () => reject(new Error('the upload was meant to be interrupted')),
  });
  upload.start();
});

const head = await fetch(uploadUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...headers } });
const offsetAfterInterrupt = Number(head.headers.get('upload-offset'));

await new Promise((resolve, reject) => {
  const upload = new Upload(data, { ...options, uploadUrl, onError: reject, onSuccess: resolve });
  upload.start();
});

// No report shows it yet: only the device that sent it may fetch it.
const anonymous = (await fetch(`${base}/api/v1/photos/${sha}`)).status;
const res = await fetch(`${base}/api/v1/photos/${sha}`, { headers });
const stored = Buffer.from(await res.arrayBuffer());
const storedSha = createHash('sha256').update(stored).digest('hex');
console.log(JSON.stringify({
  size, sha, offset_after_interrupt: offsetAfterInterrupt, stored_bytes: stored.length, stored_sha: storedSha,
  content_type: res.headers.get('content-type'), anonymous_status: anonymous,
}));
