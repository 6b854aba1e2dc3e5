/**
 * Which permissions the renderer gets: the microphone ('media', audio only) for the app's own
 * pages, nothing else, for nobody else. Used by setPermissionRequestHandler and
 * setPermissionCheckHandler.
 */
import { isAppUrl } from './app-origin.js';

export interface PermissionDetails {
  requestingUrl?: string;
  securityOrigin?: string;
  mediaTypes?: ('video' | 'audio')[];
  isMainFrame?: boolean;
}

export function allowPermissionRequest(permission: string, details: PermissionDetails): boolean {
  if (permission !== 'media') return false;
  const url = details.requestingUrl ?? details.securityOrigin ?? '';
  if (!isAppUrl(url)) return false;
  if (details.isMainFrame === false) return false;
  const types = details.mediaTypes ?? [];
  return types.every((t) => t === 'audio');
}

export function allowPermissionCheck(
  permission: string,
  requestingOrigin: string,
  mediaType?: string,
): boolean {
  if (permission !== 'media') return false;
  if (mediaType !== undefined && mediaType !== 'audio' && mediaType !== 'unknown') return false;
  return isAppUrl(requestingOrigin.endsWith('/') ? requestingOrigin : `${requestingOrigin}/`);
}
