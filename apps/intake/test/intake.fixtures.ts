import { createHash } from 'node:crypto';

/** Two upstream apps with one channel each, to tell 401 (unknown key) from 403 (wrong channel). */
export const GATEWAY_KEY = 'test-gateway-key';
export const PHONE_KEY = 'test-phone-key';

export const TEST_API_KEYS = JSON.stringify([
  { name: 'email-gateway', sha256: createHash('sha256').update(GATEWAY_KEY).digest('hex'), channels: ['email'] },
  { name: 'phone-desk-app', sha256: createHash('sha256').update(PHONE_KEY).digest('hex'), channels: ['phone'] },
]);

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { field: string; code: string; message: string }[];
}
