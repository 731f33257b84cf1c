// Markdown from a model, a document or a user becomes markup only here: marked parses,
// DOMPurify removes anything that could run script, and these hooks also drop images
// that would load from elsewhere (no remote content) and make links open safely.
import { marked } from './vendor/marked.esm.js';
import DOMPurify from './vendor/purify.es.mjs';
import { h } from './dom.js';

marked.setOptions({ gfm: true, breaks: true });

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'IMG') {
    const src = node.getAttribute('src') || '';
    if (!src.startsWith('data:image/')) node.remove();
  }
  if (node.tagName === 'A') {
    const href = node.getAttribute('href') || '';
    if (!/^https?:\/\//i.test(href) && !href.startsWith('#')) node.removeAttribute('href');
    node.setAttribute('rel', 'noopener noreferrer');
    node.setAttribute('target', '_blank');
  }
});

const PURIFY = {
  FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'video', 'audio', 'source', 'picture', 'svg', 'math'],
  FORBID_ATTR: ['style', 'srcset'],
  RETURN_DOM_FRAGMENT: true,
};

/**
 * Renders Markdown into a fragment; each [n] that names a citation becomes a button
 * that calls onCite(citation). Markers are found in text nodes after sanitising, so a
 * marker can never smuggle markup.
 */
export function renderMarkdown(text, citations = [], onCite = () => {}) {
  const fragment = DOMPurify.sanitize(marked.parse(text || ''), PURIFY);
  const byNumber = new Map(citations.map((citation) => [String(citation.n), citation]));
  if (byNumber.size) linkCitations(fragment, byNumber, onCite);
  return fragment;
}

function linkCitations(root, byNumber, onCite) {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    if (node.parentElement?.closest('code, pre, a')) continue;
    const parts = node.data.split(/(\[\d+\])/);
    if (parts.length === 1) continue;
    const replacement = parts.map((part) => {
      const match = /^\[(\d+)\]$/.exec(part);
      const citation = match && byNumber.get(match[1]);
      if (!citation) return document.createTextNode(part);
      return h('button', {
        type: 'button', className: 'cite', 'data-cite': citation.n,
        'aria-label': `${citation.title || ''} [${citation.n}]`,
        onClick: () => onCite(citation),
      }, `[${citation.n}]`);
    });
    node.replaceWith(...replacement);
  }
}
