// The page-wide status line (maintenance, rate limits, offline) and error texts.
import { t } from './i18n.js';
import { ApiError } from './api.js';

export const statusLine = document.getElementById('status');
let statusTimer = null;

export function showStatus(text, kind = 'info', seconds = 0) {
  clearTimeout(statusTimer);
  statusLine.hidden = !text;
  statusLine.className = `status ${kind}`;
  statusLine.textContent = text || '';
  if (text && seconds) statusTimer = setTimeout(() => showStatus(''), seconds * 1000);
}

/** What the envelope said, for the user: its message, or the status in general terms. */
export function errorText(error) {
  if (error instanceof ApiError) {
    if (error.code === 'RATE_LIMITED') return t('rateLimited', { s: error.retryAfter || 1 });
    if (error.code === 'MAINTENANCE') return t('maintenance');
    if (error.code === 'OFFLINE') return t('offline');
    return error.message || t('error');
  }
  return t('error');
}


/** 429: says how long to wait, counting down. */
export function rateLimitCountdown(seconds) {
  let left = seconds;
  const tick = () => {
    if (left <= 0) {
      showStatus('');
      return;
    }
    showStatus(t('rateLimited', { s: left }), 'warn');
    left -= 1;
    statusTimer = setTimeout(tick, 1000);
  };
  clearTimeout(statusTimer);
  tick();
}

