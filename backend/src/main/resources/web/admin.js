// The admin pages: documents (upload with progress, live status), users, the queue,
// feedback and the audit log. Each table is built from the API's pages as text only.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { call, upload } from './api.js';
import { errorText } from './status.js';

const SECTIONS = ['documents', 'users', 'queue', 'feedback', 'audit'];

export function adminView(section, shell) {
  const name = SECTIONS.includes(section) ? section : 'documents';
  const tabs = h('nav', { className: 'tabs', 'aria-label': t('admin') }, SECTIONS.map((s) =>
    h('a', { href: `/admin/${s}`, 'data-route': true, 'aria-current': s === name ? 'page' : null }, t(s))));
  const page = { documents, users, queue, feedback, audit }[name]();
  return {
    element: shell('admin', h('section', { className: 'page admin', id: `admin-${name}` }, h('h1', {}, t(name)), tabs, page.element)),
    leave: page.leave || (() => {}),
  };
}

function table(headers, rows) {
  if (!rows.length) return h('p', { className: 'muted' }, t('none'));
  return h('div', { className: 'table-wrap' }, h('table', {},
    h('thead', {}, h('tr', {}, headers.map((header) => h('th', { scope: 'col' }, header)))),
    h('tbody', {}, rows)));
}

function when(instant) {
  return instant ? new Date(instant).toLocaleString() : '';
}

/**
 * Wraps a list's load so that only the newest call paints: a filter applied while the
 * first, unfiltered page is still on its way must not be overwritten by it.
 */
function latestOnly(load) {
  let newest = 0;
  return (...args) => {
    const mine = ++newest;
    return load(() => mine === newest, ...args);
  };
}

function messageLine() {
  return h('p', { className: 'message-line', role: 'status' });
}

function documents() {
  const message = messageLine();
  const filter = h('select', { id: 'status-filter', 'aria-label': t('status'), onChange: () => load() },
    ['', 'waiting', 'parsing', 'embedding', 'ready', 'failed'].map((s) => h('option', { value: s }, s || t('all'))));
  const access = h('select', { id: 'upload-access', name: 'access' },
    ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL'].map((a) => h('option', { value: a }, a)));
  const files = h('input', { type: 'file', id: 'upload-files', multiple: true, accept: '.txt,.md,.pdf,.docx', className: 'sr-only',
    onChange: () => uploadAll([...files.files]) });
  const progress = h('ul', { className: 'uploads', id: 'uploads' });
  const drop = h('div', { className: 'dropzone', id: 'dropzone' },
    h('p', {}, t('dropHere')),
    h('label', { for: 'upload-files', className: 'button' }, t('chooseFiles')), files);
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    uploadAll([...event.dataTransfer.files]);
  });
  const list = h('div', { id: 'document-list' });
  const element = h('div', {},
    h('div', { className: 'upload-row' }, h('label', { for: 'upload-access' }, t('access')), access), drop, progress,
    h('div', { className: 'toolbar' }, h('label', { for: 'status-filter' }, t('status')), filter,
      h('button', { type: 'button', onClick: () => load() }, t('refresh'))),
    message, list);

  function uploadAll(chosen) {
    for (const file of chosen) {
      const bar = h('progress', { max: 1, value: 0, 'aria-label': file.name });
      const state = h('span', { className: 'muted' });
      progress.append(h('li', {}, h('span', { className: 'file' }, file.name), bar, state));
      const form = new FormData();
      form.append('file', file);
      form.append('access', access.value);
      upload('/api/admin/documents', form, (fraction) => {
        bar.value = fraction;
      }).then(() => {
        bar.value = 1;
        state.textContent = t('done');
        load();
      }, (error) => {
        state.textContent = errorText(error);
        state.className = 'error';
      });
    }
    files.value = '';
  }

  let timer = null;
  // Latest only: the poll and a change of filter can both be on their way.
  const load = latestOnly(async (current) => {
    clearTimeout(timer);
    const status = filter.value;
    try {
      const page = await call('GET', `/api/admin/documents?size=100${status ? `&status=${status}` : ''}`);
      if (!current()) return;
      const items = page.items || [];
      clear(list, table([t('title'), t('access'), t('status'), t('chunks'), t('when'), t('actions')], items.map((doc) =>
        h('tr', { 'data-document': doc.id },
          h('td', {}, doc.title || doc.filename),
          h('td', {}, doc.access),
          h('td', { className: `doc-status ${doc.status}` }, doc.status, doc.error ? h('span', { className: 'error' }, ` — ${doc.error}`) : null),
          h('td', {}, String(doc.chunkCount ?? '')),
          h('td', {}, when(doc.updatedAt)),
          h('td', {},
            h('button', { type: 'button', onClick: () => act('POST', `/api/admin/documents/${doc.id}/reindex`) }, t('reindex')),
            h('button', { type: 'button', onClick: () => {
              if (window.confirm(`${t('delete')}: ${doc.title || doc.filename}?`)) act('DELETE', `/api/admin/documents/${doc.id}`);
            } }, t('delete')))))));
      // Live status: poll while something is on its way to ready or failed.
      if (items.some((doc) => !['ready', 'failed'].includes(doc.status))) timer = setTimeout(load, 1500);
    } catch (error) {
      if (current()) message.textContent = errorText(error);
    }
  });

  async function act(method, path) {
    try {
      await call(method, path);
      message.textContent = t('done');
    } catch (error) {
      message.textContent = errorText(error);
    }
    load();
  }

  load();
  return { element, leave: () => clearTimeout(timer) };
}

function users() {
  const message = messageLine();
  const q = h('input', { type: 'search', id: 'user-search', 'aria-label': t('search'), placeholder: t('email') });
  const tier = h('select', { id: 'tier-filter', 'aria-label': t('tier') },
    ['', 'GUEST', 'STARGAZER', 'PROTOSTAR', 'ADMIN'].map((v) => h('option', { value: v }, v || t('all'))));
  const list = h('div', {});
  const form = h('form', { className: 'toolbar', onSubmit: (event) => {
    event.preventDefault();
    load();
  } }, q, tier, h('button', { type: 'submit' }, t('filter')));
  const load = latestOnly(async (current) => {
    const params = new URLSearchParams({ size: '50' });
    if (q.value.trim()) params.set('q', q.value.trim());
    if (tier.value) params.set('tier', tier.value);
    try {
      const page = await call('GET', `/api/admin/users?${params}`);
      if (!current()) return;
      clear(list, table([t('email'), t('displayName'), t('tier'), t('actions')], (page.items || []).map((user) => {
        const choice = h('select', { 'aria-label': `${t('tier')}: ${user.email}` },
          ['GUEST', 'STARGAZER', 'PROTOSTAR', 'ADMIN'].map((v) => h('option', { value: v, selected: v === user.tier }, v)));
        return h('tr', {},
          h('td', {}, user.email), h('td', {}, user.displayName), h('td', {}, user.tier),
          h('td', {}, choice,
            h('button', { type: 'button', onClick: () => act('PATCH', `/api/admin/users/${user.id}/tier`, { tier: choice.value }) }, t('change')),
            h('button', { type: 'button', onClick: () => act('DELETE', `/api/admin/users/${user.id}/sessions`) }, t('revokeSessions'))));
      })));
    } catch (error) {
      if (current()) clear(list, h('p', { className: 'muted' }, error.status === 404 ? t('notAvailable') : errorText(error)));
    }
  });
  async function act(method, path, body) {
    try {
      await call(method, path, body);
      message.textContent = t('done');
      load();
    } catch (error) {
      // The last-admin and self-demotion guards answer 409 with their own message.
      message.textContent = errorText(error);
    }
  }
  load();
  return { element: h('div', {}, form, message, list) };
}

function queue() {
  const message = messageLine();
  const stats = h('dl', { className: 'stats' });
  const list = h('div', {});
  let timer = null;
  async function load() {
    clearTimeout(timer);
    try {
      const depth = await call('GET', '/api/admin/queue');
      clear(stats,
        h('dt', {}, t('waiting')), h('dd', {}, String(depth.waiting)),
        h('dt', {}, t('running')), h('dd', {}, String(depth.running)),
        h('dt', {}, t('deadLetters')), h('dd', {}, String(depth.deadLetters)),
        h('dt', {}, t('oldest')), h('dd', {}, String(depth.oldestWaitingSeconds ?? 0)));
      const dead = await call('GET', '/api/admin/queue/dead-letters');
      const items = Array.isArray(dead) ? dead : (dead.items || []);
      clear(list, table(['id', 'type', 'error', t('when'), t('actions')], items.map((letter) => h('tr', {},
        h('td', {}, String(letter.id)), h('td', {}, String(letter.type ?? '')), h('td', {}, String(letter.error ?? '')),
        h('td', {}, when(letter.failedAt)),
        h('td', {}, h('button', { type: 'button', onClick: () => replay(letter.id) }, t('replay')))))));
      timer = setTimeout(load, 5000);
    } catch (error) {
      clear(list, h('p', { className: 'muted' }, error.status === 404 ? t('notAvailable') : errorText(error)));
    }
  }
  async function replay(id) {
    try {
      await call('POST', `/api/admin/queue/dead-letters/${encodeURIComponent(id)}/replay`);
      message.textContent = t('done');
    } catch (error) {
      message.textContent = errorText(error);
    }
    load();
  }
  load();
  return { element: h('div', {}, stats, message, list), leave: () => clearTimeout(timer) };
}

function feedback() {
  const list = h('div', {});
  call('GET', '/api/admin/feedback?size=100').then((page) => {
    const items = Array.isArray(page) ? page : (page.items || []);
    clear(list, table([t('when'), t('user'), t('rating'), t('comment'), t('question'), t('answer')], items.map((item) => h('tr', {},
      h('td', {}, when(item.createdAt)), h('td', {}, item.userEmail || ''),
      h('td', {}, item.rating === 'UP' ? t('helpful') : t('notHelpful')), h('td', {}, item.comment || ''),
      h('td', { className: 'clip' }, item.question || ''), h('td', { className: 'clip' }, item.answerExcerpt || '')))));
  }, (error) => clear(list, h('p', { className: 'muted' }, error.status === 404 ? t('notAvailable') : errorText(error))));
  return { element: list };
}

function audit() {
  const list = h('div', {});
  const user = h('input', { type: 'search', id: 'audit-user', 'aria-label': t('user'), placeholder: t('user') });
  const action = h('input', { type: 'search', id: 'audit-action', 'aria-label': t('action'), placeholder: t('action') });
  const from = h('input', { type: 'date', id: 'audit-from', 'aria-label': t('from') });
  const to = h('input', { type: 'date', id: 'audit-to', 'aria-label': t('to') });
  const load = latestOnly(async (current) => {
    const params = new URLSearchParams();
    if (user.value.trim()) params.set('user', user.value.trim());
    if (action.value.trim()) params.set('action', action.value.trim());
    if (from.value) params.set('from', new Date(from.value).toISOString());
    if (to.value) params.set('to', new Date(to.value).toISOString());
    try {
      const page = await call('GET', `/api/admin/audit?${params}`);
      if (!current()) return;
      const items = Array.isArray(page) ? page : (page.items || []);
      clear(list, table([t('when'), t('user'), t('action'), ''], items.map((item) => h('tr', {},
        h('td', {}, when(item.occurredAt)), h('td', {}, item.actorUserId ?? item.subjectUserId ?? ''),
        h('td', {}, String(item.action ?? '')), h('td', { className: 'clip' }, JSON.stringify(item.detail ?? ''))))));
    } catch (error) {
      if (current()) clear(list, h('p', { className: 'muted' }, error.status === 404 ? t('notAvailable') : errorText(error)));
    }
  });
  const form = h('form', { className: 'toolbar', onSubmit: (event) => {
    event.preventDefault();
    load();
  } }, user, action, from, to, h('button', { type: 'submit' }, t('filter')));
  load();
  return { element: h('div', {}, form, list) };
}
