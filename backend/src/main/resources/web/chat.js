// The employee's page: conversations on the side, the chat, the composer. Answers
// stream in over the event stream (sse.js), keyed by job id; the final "answer" event
// replaces the streamed text with the stored answer and its citations.
import { h, clear } from './dom.js';
import { t } from './i18n.js';
import { call } from './api.js';
import { EventStream } from './sse.js';
import { renderMarkdown } from './markdown.js';
import { showStatus, errorText } from './status.js';

export function chatView(shell) {
  const jobs = new Map(); // jobId -> {text, answer, error, bubble}
  let conversations = [];
  // Lists arrive out of order (a search typed while a rename is saved): only the list of
  // the latest request is shown, so an older one cannot bring back a stale title.
  let listRequest = 0;
  let current = null;
  let searchTimer = null;

  const list = h('ul', { className: 'conversation-list', id: 'conversation-list' });
  const search = h('input', { type: 'search', id: 'conversation-search', placeholder: t('search'), 'aria-label': t('search'),
    onInput: () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(loadConversations, 250);
    } });
  const sidebar = h('aside', { className: 'sidebar', 'aria-label': t('conversations') },
    h('button', { type: 'button', className: 'primary', id: 'new-conversation', onClick: newConversation }, t('newConversation')),
    search, list);
  const messages = h('ol', { className: 'messages', id: 'messages', 'aria-live': 'polite', 'aria-label': t('conversations') });
  const quota = h('p', { className: 'quota', id: 'quota' });
  const input = h('textarea', { id: 'question', rows: 2, placeholder: t('askPlaceholder'), 'aria-label': t('askLabel'),
    autofocus: true, maxlength: 4000, onKeydown: onKey });
  const sendButton = h('button', { type: 'submit', className: 'primary', id: 'ask' }, t('ask'));
  const composerError = h('p', { className: 'error', role: 'alert', id: 'composer-error' });
  const composer = h('form', { className: 'composer', id: 'composer', onSubmit: (event) => {
    event.preventDefault();
    ask();
  } }, h('div', { className: 'composer-row' }, input, sendButton), composerError, quota);
  const dialog = passageDialog();
  const connection = h('p', { className: 'connection', id: 'connection', role: 'status' });
  const menuToggle = h('button', { type: 'button', className: 'menu-toggle', 'aria-expanded': 'false', 'aria-controls': 'sidebar',
    onClick: () => {
      const open = element.classList.toggle('sidebar-open');
      menuToggle.setAttribute('aria-expanded', String(open));
    } }, t('menu'));
  sidebar.id = 'sidebar';
  const element = shell('chat', h('div', { className: 'chat' }, sidebar,
    h('section', { className: 'conversation', 'aria-label': t('chat') }, menuToggle, connection, messages, composer)), dialog);

  const stream = new EventStream({
    onEvent: handleEvent,
    onState: (state) => {
      connection.textContent = state === 'connected' ? '' : t(state);
      if (state === 'connected') catchUp();
    },
  });
  stream.start();
  loadConversations().then(() => {
    if (conversations.length) open(conversations[0]);
  });
  loadQuota();

  function onKey(event) {
    // Enter while a Korean (or any) input method is composing only ends the syllable.
    if (event.key === 'Enter' && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      ask();
    }
  }

  async function loadQuota() {
    try {
      const me = await call('GET', '/api/me');
      if (me.quota) {
        quota.textContent = t('quota', { left: Math.max(0, me.quota.dailyQuestions - me.quota.usedToday), total: me.quota.dailyQuestions });
      } else if (me.limits) {
        quota.textContent = t('quotaSimple', { total: me.limits.questionsPerDay });
      }
    } catch {
      quota.textContent = '';
    }
  }

  async function loadConversations() {
    const q = search.value.trim();
    const request = ++listRequest;
    try {
      const page = await call('GET', `/api/conversations?size=100${q ? `&q=${encodeURIComponent(q)}` : ''}`);
      if (request !== listRequest) return;
      // The server matches titles and messages alike: filtering titles here again would
      // hide a conversation found by what was asked in it.
      conversations = page.items || [];
    } catch (error) {
      if (request !== listRequest) return;
      showStatus(errorText(error), 'warn', 8);
    }
    renderList();
  }

  function renderList() {
    clear(list, conversations.map((conversation) => h('li', { className: conversation.id === current?.id ? 'active' : '' },
      h('button', { type: 'button', className: 'conversation-open', 'aria-current': conversation.id === current?.id ? 'true' : null,
        onClick: () => open(conversation) }, conversation.title || t('untitled')),
      h('button', { type: 'button', className: 'icon', title: t('rename'), 'aria-label': `${t('rename')}: ${conversation.title || t('untitled')}`,
        onClick: () => rename(conversation) }, '✎'),
      h('button', { type: 'button', className: 'icon', title: t('delete'), 'aria-label': `${t('delete')}: ${conversation.title || t('untitled')}`,
        onClick: () => remove(conversation) }, '✕'))));
    if (!conversations.length) list.append(h('li', { className: 'muted' }, t('none')));
  }

  // An empty page: the first question creates the conversation, titled by that question
  // (created here, every one would be titled "New conversation" and empty ones would pile up).
  function newConversation() {
    current = null;
    element.classList.remove('sidebar-open');
    clear(messages);
    renderList();
    input.focus();
  }

  async function rename(conversation) {
    const title = window.prompt(t('rename'), conversation.title || '');
    if (title === null || !title.trim()) return;
    try {
      const updated = await call('PATCH', `/api/conversations/${conversation.id}`, { title: title.trim() });
      // By id: a search may have replaced the list (and its objects) meanwhile.
      for (const c of [conversation, ...conversations]) {
        if (c.id === conversation.id) c.title = updated?.title ?? title.trim();
      }
      renderList();
      // Asked after the change: a list requested while it was saved is dropped.
      await loadConversations();
    } catch (error) {
      showStatus(errorText(error), 'warn', 8);
    }
  }

  async function remove(conversation) {
    if (!window.confirm(t('confirmDelete'))) return;
    try {
      await call('DELETE', `/api/conversations/${conversation.id}`);
      conversations = conversations.filter((c) => c.id !== conversation.id);
      if (current?.id === conversation.id) {
        current = null;
        clear(messages);
      }
      renderList();
      await loadConversations();
    } catch (error) {
      showStatus(errorText(error), 'warn', 8);
    }
  }

  async function open(conversation) {
    current = conversation;
    element.classList.remove('sidebar-open');
    renderList();
    clear(messages);
    try {
      const page = await call('GET', `/api/conversations/${conversation.id}/messages?size=200`);
      if (current !== conversation) return;
      for (const message of page.items || []) {
        if (message.role === 'user') {
          messages.append(userBubble(message.content));
        } else {
          messages.append(answerBubble({ content: message.content, citations: message.metadata?.citations || [],
            degraded: Boolean(message.metadata?.degraded), messageId: message.id, feedback: message.feedback }));
        }
      }
      messages.lastElementChild?.scrollIntoView({ block: 'end' });
    } catch (error) {
      showStatus(errorText(error), 'warn', 8);
    }
  }

  async function ask() {
    const text = input.value.trim();
    if (!text || sendButton.disabled) return;
    composerError.textContent = '';
    sendButton.disabled = true;
    try {
      if (!current) {
        const conversation = await call('POST', '/api/conversations', { title: text.slice(0, 60) });
        conversations.unshift(conversation);
        current = conversation;
        renderList();
      }
      const accepted = await call('POST', `/api/conversations/${current.id}/messages`, { message: text },
        { headers: { 'Idempotency-Key': crypto.randomUUID() } });
      input.value = '';
      messages.append(userBubble(text));
      const job = jobFor(accepted.jobId);
      job.bubble = h('li', { className: 'message assistant', 'data-job': accepted.jobId });
      messages.append(job.bubble);
      paint(job);
      loadQuota();
    } catch (error) {
      composerError.textContent = errorText(error);
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  // Events published while no stream was open are not replayed to a stream that saw none
  // before (an answer faster than the page's first connection, say): once connected, the
  // answers still awaited are read from the stored conversation instead.
  async function catchUp() {
    const conversation = current;
    const awaited = () => [...jobs.values()].some((job) => job.bubble && !job.answer && !job.error);
    if (!conversation || !awaited()) return;
    try {
      const page = await call('GET', `/api/conversations/${conversation.id}/messages?size=200`);
      for (const message of page.items || []) {
        const job = message.jobId && jobs.get(message.jobId);
        if (!job || job.answer || job.error) continue;
        if (message.role === 'assistant') {
          job.answer = { content: message.content, citations: message.metadata?.citations || [],
            degraded: Boolean(message.metadata?.degraded), messageId: message.id };
        } else if (message.status === 'failed') {
          job.error = t('error');
        } else {
          continue;
        }
        paint(job);
      }
    } catch {
      // The stream may still bring it.
    }
  }

  function jobFor(jobId) {
    if (!jobs.has(jobId)) jobs.set(jobId, { text: '', answer: null, error: null, bubble: null });
    return jobs.get(jobId);
  }

  function handleEvent(type, data) {
    if (!data.jobId) return;
    // Events may arrive before the POST that started the job has answered: they are kept
    // on the job and painted once its bubble exists.
    const job = jobFor(data.jobId);
    if (type === 'token') job.text += data.text || '';
    // A retried job (or a model that failed mid-answer) streams again from the start.
    else if (type === 'reset' || type === 'retrying') job.text = '';
    else if (type === 'answer') job.answer = data;
    else if (type === 'failed') job.error = data.message || data.error || data.resultCode || t('error');
    else return;
    paint(job);
  }

  function paint(job) {
    if (!job.bubble) return;
    if (job.answer) {
      const answer = job.answer;
      job.bubble.replaceWith(job.bubble = answerBubble({ content: answer.content, citations: answer.citations || [],
        degraded: Boolean(answer.degraded), messageId: answer.messageId }));
    } else if (job.error) {
      clear(job.bubble, h('p', { className: 'error' }, t('answerFailed', { m: job.error })));
    } else {
      clear(job.bubble, job.text
        ? h('div', { className: 'markdown streaming' }, renderMarkdown(job.text))
        : h('p', { className: 'muted' }, t('thinking')));
    }
    job.bubble.scrollIntoView({ block: 'end' });
  }

  function userBubble(text) {
    return h('li', { className: 'message user' }, h('span', { className: 'sr-only' }, `${t('you')}: `), h('p', {}, text));
  }

  function answerBubble({ content, citations, degraded, messageId, feedback }) {
    const body = h('div', { className: 'markdown' }, renderMarkdown(content, citations, (citation) => dialog.openCitation(citation)));
    const sources = citations.length ? h('details', { className: 'sources' }, h('summary', {}, t('sources')),
      h('ol', {}, citations.map((citation) => h('li', {},
        h('button', { type: 'button', className: 'link', onClick: () => dialog.openCitation(citation) },
          `[${citation.n}] ${citation.title || ''}`))))) : null;
    return h('li', { className: 'message assistant answered', 'data-message': messageId },
      h('span', { className: 'sr-only' }, `${t('assistant')}: `),
      degraded ? h('p', { className: 'degraded', role: 'note' }, t('degraded')) : null,
      body, sources, messageId ? feedbackControls(messageId, feedback) : null);
  }

  function feedbackControls(messageId, feedback) {
    const note = h('span', { className: 'muted', role: 'status' });
    const comment = h('input', { type: 'text', maxlength: 1000, placeholder: t('comment'), 'aria-label': t('comment'), hidden: true });
    let rating = feedback?.rating || null;
    const up = h('button', { type: 'button', className: 'icon', 'aria-pressed': String(rating === 'UP'), 'aria-label': t('helpful'), title: t('helpful'), onClick: () => rate('UP') }, '▲');
    const down = h('button', { type: 'button', className: 'icon', 'aria-pressed': String(rating === 'DOWN'), 'aria-label': t('notHelpful'), title: t('notHelpful'), onClick: () => rate('DOWN') }, '▼');
    const send = h('button', { type: 'button', hidden: true, onClick: () => save() }, t('send'));
    async function rate(value) {
      rating = value;
      up.setAttribute('aria-pressed', String(value === 'UP'));
      down.setAttribute('aria-pressed', String(value === 'DOWN'));
      comment.hidden = false;
      send.hidden = false;
      await save();
    }
    async function save() {
      try {
        await call('PUT', `/api/messages/${messageId}/feedback`, { rating, comment: comment.value.trim() || undefined });
        note.textContent = t('thanks');
      } catch (error) {
        note.textContent = errorText(error);
      }
    }
    return h('div', { className: 'feedback' }, up, down, comment, send, note);
  }

  return {
    element,
    leave: () => stream.stop(),
  };
}

/** The cited passage: its document's title and text, fetched at the asker's tier. */
function passageDialog() {
  const title = h('h2', { id: 'passage-title' });
  const text = h('blockquote', { id: 'passage-text' });
  const closeButton = h('button', { type: 'button', id: 'passage-close', onClick: () => dialog.close() }, t('close'));
  const dialog = h('dialog', { id: 'passage', 'aria-labelledby': 'passage-title' },
    h('p', { className: 'muted' }, t('passage')), title, text, closeButton);
  dialog.openCitation = async (citation) => {
    title.textContent = citation.title || '';
    text.textContent = citation.quote || '…';
    dialog.showModal();
    closeButton.focus();
    try {
      const chunk = await call('GET', `/api/documents/${citation.documentId}/chunks/${citation.chunkIndex}`);
      title.textContent = chunk.title || citation.title || '';
      text.textContent = chunk.text;
    } catch (error) {
      // Older servers lack the endpoint: the quote in the answer is still shown.
      if (!citation.quote) text.textContent = error.status === 404 ? t('passageUnavailable') : errorText(error);
    }
  };
  return dialog;
}
