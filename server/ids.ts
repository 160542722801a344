import { randomBytes } from 'node:crypto';

// MongoDB ObjectId layout: 4-byte seconds timestamp, 5 random bytes fixed per process, 3-byte
// counter starting at a random value. Ids sort roughly by creation time, as clients may expect.
const processUnique = randomBytes(5);
let counter = randomBytes(3).readUIntBE(0, 3);

export function newObjectId(nowMs: number): string {
  const id = Buffer.alloc(12);
  id.writeUInt32BE(Math.floor(nowMs / 1000) >>> 0, 0);
  processUnique.copy(id, 4);
  counter = (counter + 1) % 0x1000000;
  id.writeUIntBE(counter, 9, 3);
  return id.toString('hex');
}
