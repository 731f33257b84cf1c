// The shell: routes (/, /signin, /signup, /setup, /settings, /admin/...), the page-wide
// status line, and the language switch. Each view renders into #app.
import { h, clear } from './dom.js';
import { t, language, setLanguage } from './i18n.js';
import { call, session, saveSession, forgetSession, onApiState } from './api.js';
import { chatView } from './chat.js';
import { showStatus, errorText, statusLine, rateLimitCountdown } from './status.js';
import { adminView } from './admin.js';

const app = document.getElementById('app');
let leaveView = () => {};

onApiState((state, detail) => {
  if (state === 'maintenance') showStatus(t('maintenance'), 'warn');
  else if (state === 'rate-limited') rateLimitCountdown(detail || 1);
  else if (state === 'offline') showStatus(t('offline'), 'warn offline-state');
  else if (state === 'online' && statusLine.classList.contains('offline-state')) showStatus('');
  else if (state === 'signed-out') navigate('/signin');
});

window.addEventListener('offline', () => showStatus(t('offline'), 'warn offline-state'));
window.addEventListener('online', () => showStatus(''));

export function navigate(path) {
  if (location.pathname + location.hash !== path) history.pushState(null, '', path);
  route();
}

window.addEventListener('popstate', route);
document.addEventListener('click', (event) => {
  const link = event.target.closest?.('a[data-route]');
  if (link && !event.ctrlKey && !event.metaKey && event.button === 0) {
    event.preventDefault();
    navigate(link.getAttribute('href'));
  }
});

function route() {
  leaveView();
  leaveView = () => {};
  const path = location.pathname;
  const signedIn = Boolean(session()?.accessToken);
  if (path === '/setup') return render(setupView());
  if (path === '/signup') return render(signupView());
  if (!signedIn || path === '/signin') return render(signinView());
  if (path === '/settings') return render(settingsView());
  if (path.startsWith('/admin')) {
    const view = adminView(path.split('/')[2] || 'documents', shell);
    leaveView = view.leave;
    return render(view.element);
  }
  const view = chatView(shell);
  leaveView = view.leave;
  return render(view.element);
}

function render(element) {
  clear(app, element);
  const first = app.querySelector('[autofocus]');
  (first || app).focus();
}

function languageSwitch() {
  const select = h('select', { id: 'language', 'aria-label': t('language'), onChange: (event) => {
    setLanguage(event.target.value);
    route();
  } },
  h('option', { value: 'en', selected: language() === 'en' }, 'English'),
  h('option', { value: 'ko', selected: language() === 'ko' }, '한국어'));
  return select;
}

/** The header every signed-in page shares. */
export function shell(current, ...content) {
  const user = session()?.user;
  const links = [
    h('a', { href: '/', 'data-route': true, 'aria-current': current === 'chat' ? 'page' : null }, t('chat')),
  ];
  if (user?.tier === 'ADMIN') {
    links.push(h('a', { href: '/admin/documents', 'data-route': true, 'aria-current': current === 'admin' ? 'page' : null }, t('admin')));
  }
  links.push(h('a', { href: '/settings', 'data-route': true, 'aria-current': current === 'settings' ? 'page' : null }, t('settings')));
  return h('div', { className: 'shell' },
    h('header', { className: 'topbar' },
      h('span', { className: 'brand' }, t('appName')),
      h('nav', { 'aria-label': t('appName') }, links),
      h('span', { className: 'spacer' }),
      languageSwitch(),
      h('button', { type: 'button', className: 'link', onClick: signOut }, t('signOut'))),
    ...content);
}

async function signOut() {
  const refreshToken = session()?.refreshToken;
  try {
    if (refreshToken) await call('POST', '/api/auth/logout', { refreshToken }, { auth: false });
  } catch {
    // Signed out here either way; the session ends on its own.
  }
  forgetSession();
  navigate('/signin');
}

function field(id, label, attrs = {}) {
  return h('div', { className: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, ...attrs }));
}

function authPage(title, form, footer) {
  return h('div', { className: 'auth' },
    h('div', { className: 'auth-top' }, h('span', { className: 'brand' }, t('appName')), languageSwitch()),
    h('h1', {}, title), form, footer);
}

function authForm(fields, submitLabel, onSubmit) {
  const error = h('p', { className: 'error', role: 'alert' });
  const button = h('button', { type: 'submit', className: 'primary' }, submitLabel);
  const form = h('form', { novalidate: true, onSubmit: async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      await onSubmit(Object.fromEntries(new FormData(form)));
    } catch (failure) {
      error.textContent = errorText(failure);
    } finally {
      button.disabled = false;
    }
  } }, fields, error, button);
  return form;
}

function signinView() {
  const form = authForm([
    field('email', t('email'), { type: 'email', autocomplete: 'username', required: true, autofocus: true }),
    field('password', t('password'), { type: 'password', autocomplete: 'current-password', required: true }),
  ], t('signIn'), async (values) => {
    saveSession(await call('POST', '/api/auth/login', values, { auth: false }));
    navigate('/');
  });
  return authPage(t('signIn'), form,
    h('p', {}, t('noAccount'), ' ', h('a', { href: '/signup', 'data-route': true }, t('signUp'))));
}

function fragmentParam(name) {
  return new URLSearchParams(location.hash.slice(1)).get(name);
}

function signupView() {
  const invite = fragmentParam('invite');
  const form = authForm([
    invite ? h('p', { className: 'note' }, t('inviteNote')) : null,
    field('displayName', t('displayName'), { autocomplete: 'name', required: true, autofocus: true }),
    field('email', t('email'), { type: 'email', autocomplete: 'username', required: true }),
    field('password', t('password'), { type: 'password', autocomplete: 'new-password', minlength: 10, required: true }),
  ], t('signUp'), async (values) => {
    const body = invite ? { ...values, inviteToken: invite } : values;
    saveSession(await call('POST', '/api/auth/signup', body, { auth: false }));
    navigate('/');
  });
  return authPage(t('signUp'), form,
    h('p', {}, t('haveAccount'), ' ', h('a', { href: '/signin', 'data-route': true }, t('signIn'))));
}

function setupView() {
  // The token is in the fragment: it is never sent to a server or written to a log.
  const token = fragmentParam('token');
  if (!token) return authPage(t('setupTitle'), h('p', { className: 'error', role: 'alert' }, t('setupNoToken')), null);
  const form = authForm([
    field('displayName', t('displayName'), { autocomplete: 'name', required: true, autofocus: true }),
    field('email', t('email'), { type: 'email', autocomplete: 'username', required: true }),
    field('password', t('password'), { type: 'password', autocomplete: 'new-password', minlength: 10, required: true }),
  ], t('setupTitle'), async (values) => {
    const tokens = await call('POST', '/api/auth/setup', { token, ...values }, { auth: false });
    if (tokens?.accessToken) saveSession(tokens);
    history.replaceState(null, '', '/');
    showStatus(t('setupDone'), 'info', 5);
    navigate(tokens?.accessToken ? '/admin/documents' : '/signin');
  });
  return authPage(t('setupTitle'), form, null);
}

function settingsView() {
  const message = h('p', { role: 'status' });
  const form = authForm([
    field('currentPassword', t('currentPassword'), { type: 'password', autocomplete: 'current-password', required: true, autofocus: true }),
    field('newPassword', t('newPassword'), { type: 'password', autocomplete: 'new-password', minlength: 10, required: true }),
  ], t('changePassword'), async (values) => {
    saveSession(await call('POST', '/api/me/password', values));
    form.reset();
    message.textContent = t('passwordChanged');
  });
  const everywhere = h('button', { type: 'button', onClick: async () => {
    try {
      await call('POST', '/api/auth/logout-all');
    } catch (error) {
      message.textContent = errorText(error);
      return;
    }
    forgetSession();
    navigate('/signin');
  } }, t('signOutEverywhere'));
  return shell('settings', h('section', { className: 'page narrow' },
    h('h1', {}, t('settings')), h('h2', {}, t('changePassword')), form, message,
    h('h2', {}, t('sessions')), everywhere));
}

route();
