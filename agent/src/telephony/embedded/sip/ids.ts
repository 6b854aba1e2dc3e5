/** Random identifiers: branches (with the RFC 3261 magic cookie), tags and Call-IDs. */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC } from './via.js';

export function newBranch(): string {
  return BRANCH_MAGIC + randomBytes(9).toString('base64url');
}

export function newTag(): string {
  return randomBytes(6).toString('hex');
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString('hex')}@${host}`;
}

/** A random starting CSeq below 2^31 (RFC 3261 §8.1.1.5), small enough to leave room. */
export function initialCSeq(): number {
  return 1 + (randomBytes(2).readUInt16BE(0) & 0x7fff);
}
