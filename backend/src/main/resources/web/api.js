// Calls to /api with the envelope {resultCode, data, message}: the session's tokens,
// one refresh on an expired or revoked access token, and errors as ApiError.
const STORE = 'protostar.session';

export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || code);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const listeners = new Set();

/** Told about states the whole page shows: maintenance, rate limits, offline, signed out. */
export function onApiState(listener) {
  listeners.add(listener);
}

function tell(state, detail) {
  for (const listener of listeners) listener(state, detail);
}

export function session() {
  try {
    return JSON.parse(localStorage.getItem(STORE));
  } catch {
    return null;
  }
}

export function saveSession(tokens) {
  localStorage.setItem(STORE, JSON.stringify({
    accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, user: tokens.user,
  }));
}

export function forgetSession() {
  localStorage.removeItem(STORE);
}

let refreshing = null;

/** One refresh at a time: parallel 401s wait for the same one (a spent token must not be sent twice). */
export function refresh() {
  if (!refreshing) {
    refreshing = doRefresh().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function doRefresh() {
  const current = session();
  if (!current?.refreshToken) return false;
  try {
    const tokens = await call('POST', '/api/auth/refresh', { refreshToken: current.refreshToken }, { auth: false, retry: false });
    saveSession(tokens);
    return true;
  } catch (error) {
    if (error.status === 401 || error.status === 400) {
      forgetSession();
      tell('signed-out');
    }
    return false;
  }
}

const RETRY_WITH_REFRESH = new Set(['TOKEN_EXPIRED', 'TOKEN_REVOKED']);

export async function call(method, path, body, options = {}) {
  const { auth = true, retry = true, headers = {} } = options;
  const init = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const token = auth ? session()?.accessToken : null;
  if (token) init.headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    tell('offline');
    throw new ApiError(0, 'OFFLINE', 'offline');
  }
  tell('online');
  let envelope = null;
  try {
    envelope = await response.json();
  } catch {
    envelope = null;
  }
  if (response.ok) return envelope ? envelope.data : null;
  const code = envelope?.resultCode || `HTTP_${response.status}`;
  const retryAfter = Number(response.headers.get('Retry-After')) || 0;
  if (response.status === 401 && auth && retry && RETRY_WITH_REFRESH.has(code)) {
    if (await refresh()) return call(method, path, body, { ...options, retry: false });
  }
  if (response.status === 401 && auth && token) {
    forgetSession();
    tell('signed-out');
  }
  if (code === 'MAINTENANCE') tell('maintenance');
  if (response.status === 429) tell('rate-limited', retryAfter);
  throw new ApiError(response.status, code, envelope?.message, retryAfter);
}

/**
 * A multipart upload through XMLHttpRequest: fetch cannot report upload progress.
 * onProgress gets a fraction from 0 to 1.
 */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const send = (retry) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', path);
      const token = session()?.accessToken;
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.setRequestHeader('Accept', 'application/json');
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
      xhr.onerror = () => reject(new ApiError(0, 'OFFLINE', 'offline'));
      xhr.onload = async () => {
        let envelope = null;
        try {
          envelope = JSON.parse(xhr.responseText);
        } catch {
          envelope = null;
        }
        if (xhr.status >= 200 && xhr.status < 300) {
          resolve(envelope?.data);
          return;
        }
        const code = envelope?.resultCode || `HTTP_${xhr.status}`;
        if (xhr.status === 401 && retry && RETRY_WITH_REFRESH.has(code) && await refresh()) {
          send(false);
          return;
        }
        reject(new ApiError(xhr.status, code, envelope?.message, Number(xhr.getResponseHeader('Retry-After')) || 0));
      };
      xhr.send(form);
    };
    send(true);
  });
}
