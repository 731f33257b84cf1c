// Server-sent events over fetch: EventSource cannot send the Authorization header.
// Reconnects with Last-Event-ID, so an answer streamed across a blue/green switch neither
// loses nor repeats text (the backend replays from Redis); ids already seen are skipped
// all the same.
import { refresh, session } from './api.js';

/** Parses a text/event-stream body chunk by chunk (the WHATWG algorithm, minus EventSource). */
export class EventStreamParser {
  constructor(onEvent, onRetry = () => {}) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
    this.buffer = '';
    this.reset();
  }

  reset() {
    this.event = '';
    this.data = [];
    this.id = null;
  }

  push(text) {
    this.buffer += text;
    let newline;
    while ((newline = this.buffer.search(/\r\n|\r|\n/)) >= 0) {
      const line = this.buffer.slice(0, newline);
      const width = this.buffer.startsWith('\r\n', newline) ? 2 : 1;
      if (this.buffer[newline] === '\r' && newline + 1 === this.buffer.length) break; // wait: \r\n may be split
      this.buffer = this.buffer.slice(newline + width);
      this.line(line);
    }
  }

  line(line) {
    if (line === '') {
      if (this.data.length) {
        this.onEvent({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      }
      this.reset();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.onRetry(Number(value));
  }
}

export class EventStream {
  constructor({ onEvent, onState }) {
    this.onEvent = onEvent;
    this.onState = onState;
    this.lastEventId = null;
    this.seen = new Set();
    this.retryMs = 3000;
    this.stopped = false;
    this.controller = null;
  }

  start() {
    this.stopped = false;
    this.loop();
  }

  stop() {
    this.stopped = true;
    this.controller?.abort();
  }

  async loop() {
    let failures = 0;
    while (!this.stopped) {
      const outcome = await this.connect();
      if (this.stopped) return;
      if (outcome === 'signed-out') return;
      failures = outcome === 'ended' ? 0 : failures + 1;
      if (outcome !== 'ended') this.onState(navigator.onLine === false ? 'offline' : 'reconnecting');
      // "reconnect" (a deploy) comes with a short retry: move to the other colour at once.
      const wait = outcome === 'ended' ? Math.min(this.retryMs, 1000) : Math.min(this.retryMs * 2 ** Math.min(failures - 1, 3), 30000);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async connect() {
    const token = session()?.accessToken;
    if (!token) return 'signed-out';
    this.controller = new AbortController();
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token}` };
    if (this.lastEventId) headers['Last-Event-ID'] = this.lastEventId;
    let response;
    try {
      response = await fetch('/api/events', { headers, signal: this.controller.signal, cache: 'no-store' });
    } catch {
      return 'failed';
    }
    if (response.status === 401) {
      return (await refresh()) ? 'ended' : 'signed-out';
    }
    if (!response.ok || !response.body) {
      const retryAfter = Number(response.headers.get('Retry-After'));
      if (retryAfter) this.retryMs = retryAfter * 1000;
      return 'failed';
    }
    this.onState('connected');
    let revoked = false;
    const parser = new EventStreamParser((event) => {
      if (event.id) {
        if (this.seen.has(event.id)) return;
        this.seen.add(event.id);
        this.lastEventId = event.id;
      }
      let data = {};
      try {
        data = JSON.parse(event.data);
      } catch {
        data = { text: event.data };
      }
      if (event.event === 'revoked') revoked = true;
      this.onEvent(event.event, data, event.id);
    }, (ms) => {
      this.retryMs = ms;
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(value);
      }
    } catch {
      return 'failed';
    }
    if (revoked && !(await refresh())) return 'signed-out';
    return 'ended';
  }
}
