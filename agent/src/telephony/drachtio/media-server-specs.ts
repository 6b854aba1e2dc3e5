/** FREESWITCH=host:port:secret[,…]: the media servers the drachtio app connects to, and its config error. */
import type { MediaServerSpec } from './types.js';

export class DrachtioConfigError extends Error {
  readonly code = 'DRACHTIO_CONFIG';
  constructor(message: string) {
    super(message);
    this.name = 'DrachtioConfigError';
  }
}

/** FREESWITCH=host:port:secret[,host:port:secret...]; the secret may itself contain ':'. */
export function parseMediaServers(value: string | undefined): MediaServerSpec[] {
  if (!value || value.trim() === '') return [];
  return value.split(',').map((entry, i) => {
    const parts = entry.trim().split(':');
    const [host, port, ...secret] = parts;
    const portNum = Number(port);
    if (!host || !Number.isInteger(portNum) || portNum < 1 || portNum > 65_535 || secret.length === 0) {
      throw new DrachtioConfigError(`FREESWITCH entry ${i + 1}: expected host:port:secret`);
    }
    const s = secret.join(':');
    if (s === '' || s === 'ClueCon') {
      throw new DrachtioConfigError(
        `FREESWITCH entry ${i + 1}: set a real event-socket password (not empty, not ClueCon)`,
      );
    }
    return { host, port: portNum, secret: s };
  });
}
