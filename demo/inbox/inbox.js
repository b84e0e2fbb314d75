// The sandbox messenger's inbox (demo mode): a plain module talking to /demo/inbox/api.
// Served as a file so the page runs under a CSP without inline scripts.

const $ = (id) => document.getElementById(id);
const USER_KEY = 'tp-inbox-user';

const state = {
  bots: [],
  botId: null,
  chats: [],
  chatId: null,
  lastId: 0,
  userId: localStorage.getItem(USER_KEY),
};

async function api(path, body) {
  const res = await fetch(`/demo/inbox/api/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json?.errors?.common ?? `HTTP ${res.status}`);
  return json.result;
}

const el = (tag, className, text) => {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
};

/** Initials on a colour picked from the name, as messengers draw people without a photo. */
function avatar(name, into = el('span', 'avatar')) {
  const words = name.split(/\s+/).filter(Boolean);
  into.textContent = (
    words
      .slice(0, 2)
      .map((w) => w[0].toUpperCase())
      .join('') || '?'
  ).slice(0, 2);
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  into.className = `avatar av${hash % 8}`;
  into.setAttribute('aria-hidden', 'true');
  return into;
}

const bot = () => state.bots.find((b) => b.id === state.botId);

/** What a chat is called: your chat with the bot by the bot's name, a group by its title. */
function chatName(c) {
  if (c.chat_id === state.userId) return bot()?.name ?? 'Bot';
  if (c.kind === 'group') return c.name || 'Group';
  return c.name || 'Buyer';
}

// Telegram HTML (https://core.telegram.org/bots/api#html-style) rebuilt as DOM: only the
// tags Telegram knows survive, links only with http(s) or tg: targets; the rest is text.
const TAGS = new Set([
  'B',
  'STRONG',
  'I',
  'EM',
  'U',
  'INS',
  'S',
  'STRIKE',
  'DEL',
  'CODE',
  'PRE',
  'A',
  'SPAN',
  'BLOCKQUOTE',
  'TG-SPOILER',
]);
function copyNodes(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) to.append(document.createTextNode(node.data));
    else if (node.nodeType === Node.ELEMENT_NODE) {
      if (!TAGS.has(node.tagName)) {
        copyNodes(node, to);
        continue;
      }
      const e = document.createElement(
        node.tagName === 'TG-SPOILER' ? 'span' : node.tagName.toLowerCase(),
      );
      if (node.tagName === 'A') {
        const href = node.getAttribute('href') ?? '';
        if (/^(https?:|tg:)/i.test(href)) {
          e.href = href;
          e.rel = 'noopener noreferrer';
          e.target = '_blank';
        }
      }
      copyNodes(node, e);
      to.append(e);
    }
  }
}
function renderText(payload, into) {
  if (payload.parse_mode === 'HTML') {
    const doc = new DOMParser().parseFromString(`<body>${payload.text}</body>`, 'text/html');
    copyNodes(doc.body, into);
  } else into.append(document.createTextNode(payload.text));
}
const plainText = (payload) =>
  payload.parse_mode === 'HTML'
    ? (new DOMParser().parseFromString(payload.text, 'text/html').body.textContent ?? '')
    : payload.text;

/**
 * A button's link. The relay's manager alerts link to the console with a path: it is on this
 * same origin. Anything but a web or tg: link is not followed.
 */
function buttonHref(url) {
  if (url.startsWith('/')) return new URL(url, location.origin).toString();
  return /^(https?:|tg:)/i.test(url) ? url : '';
}

const time = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

function renderMessage(m) {
  // A button press: a note, as messengers show none. A press on an outdated menu changed
  // nothing; the person saw only the notice, so the chat shows nothing for it.
  if (m.content_type === 'callback') {
    if (m.payload.notice) return null;
    const li = el('li', 'message note', `You pressed “${m.payload.text || m.payload.data}”`);
    li.dataset.id = String(m.id);
    return li;
  }
  const li = el('li', `message ${m.direction}`);
  li.dataset.id = String(m.id);
  const p = m.payload;
  if (p.image_url && /^https?:/i.test(p.image_url)) {
    const img = document.createElement('img');
    img.src = p.image_url;
    img.alt = '';
    li.append(img);
  }
  if (p.file_url && /^https?:/i.test(p.file_url)) {
    const a = el('a', '', `📎 ${p.file_url.split('/').pop()}`);
    a.href = p.file_url;
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    li.append(a, document.createElement('br'));
  }
  const text = el('span');
  // A command as a messenger shows it: `/start`, never a deep link's token after it.
  if (m.content_type === 'command') text.textContent = p.text.split(/\s/)[0];
  else renderText(p, text);
  li.append(text);
  if (m.buttons?.length) {
    const keyboard = el('div', 'keyboard');
    for (const row of m.buttons) {
      const r = el('div', 'row');
      for (const b of row) {
        if (b.url) {
          const href = buttonHref(b.url);
          const a = el('a', '', b.text);
          if (href) a.href = href;
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          r.append(a);
        } else {
          const button = el('button', '', b.text);
          button.type = 'button';
          // Your own chat's buttons are yours to press; a group's, any manager's.
          const group = state.chatId?.startsWith('-');
          button.disabled = !group && state.chatId !== state.userId;
          button.addEventListener('click', () => press(m.id, b.callback_data));
          r.append(button);
        }
      }
      keyboard.append(r);
    }
    li.append(keyboard);
  }
  li.append(el('small', 'meta', time(m.created_at)));
  return li;
}

async function loadBots() {
  state.bots = await api('bots');
  const select = $('bot-select');
  select.replaceChildren(
    ...state.bots.map((b) => {
      const o = el('option', '', b.name);
      o.value = String(b.id);
      return o;
    }),
  );
  const wanted = new URLSearchParams(location.search).get('bot');
  if (wanted && state.bots.some((b) => String(b.id) === wanted)) select.value = wanted;
  state.botId = select.value ? Number(select.value) : null;
  if (!state.bots.length)
    $('start-result').textContent =
      'No sandbox bots yet: add one (bot_type "sandbox") to the demo shop.';
}

async function loadConversations() {
  if (!state.botId) return;
  const botId = state.botId;
  const chats = await api(`conversations?bot_id=${botId}`);
  if (botId !== state.botId) return;
  state.chats = chats;
  $('no-chats').hidden = chats.length > 0;
  $('conversation-list').replaceChildren(
    ...chats.map((c) => {
      const name = chatName(c);
      const li = el('li');
      const b = el('button');
      b.type = 'button';
      b.setAttribute('aria-current', String(c.chat_id === state.chatId));
      const who = el('span');
      who.append(el('span', 'chat-name', c.chat_id === state.userId ? `${name} (you)` : name));
      const last = c.last
        ? plainText(c.last).split('\n')[0] || (c.last.content_type === 'image' ? 'Picture' : '')
        : c.kind === 'group'
          ? 'The bot was added to this group.'
          : '';
      who.append(el('span', 'chat-last', last));
      b.append(avatar(name), who, el('span', 'chat-time', c.last ? time(c.last.created_at) : ''));
      b.addEventListener('click', () => openChat(c.chat_id));
      li.append(b);
      return li;
    }),
  );
}

function setView(view) {
  $('app').dataset.view = view;
}

function openChat(chatId) {
  state.chatId = chatId;
  state.lastId = 0;
  const c = state.chats.find((x) => x.chat_id === chatId);
  const name = c ? chatName(c) : chatId === state.userId ? (bot()?.name ?? 'Bot') : 'Chat';
  $('chat-title').textContent = name;
  avatar(name, $('chat-avatar'));
  $('chat-sub').textContent = chatId.startsWith('-')
    ? `Group with ${bot()?.name ?? 'the bot'}`
    : chatId === state.userId
      ? 'Bot · you are the buyer here'
      : 'A buyer’s chat, as the bot sees it';
  $('messages').replaceChildren();
  $('welcome').hidden = true;
  notify('');
  $('compose').hidden = chatId !== state.userId;
  setView('chat');
  void loadMessages();
  void loadConversations();
}

async function loadMessages() {
  if (!state.botId || !state.chatId) return;
  const chatId = state.chatId;
  const list = await api(
    `messages?bot_id=${state.botId}&chat_id=${encodeURIComponent(chatId)}&after=${state.lastId}`,
  );
  if (chatId !== state.chatId) return; // a late answer for a chat no longer open
  // The poll and a press may both ask for the same messages: each is shown once.
  const fresh = list.filter((m) => m.id > state.lastId);
  const scroller = $('scroll');
  const atBottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80;
  for (const m of fresh) {
    const li = renderMessage(m);
    if (li) $('messages').append(li);
    state.lastId = Math.max(state.lastId, m.id);
  }
  if (fresh.length && (atBottom || fresh.some((m) => m.direction === 'in')))
    scroller.scrollTop = scroller.scrollHeight;
}

/**
 * What the bot answers a press or a message with, beyond new messages (an outdated menu's
 * notice, as Telegram shows answerCallbackQuery's text), or why it failed. Emptied first, so
 * that the same notice twice is announced twice.
 */
let noticeTimer;
function notify(text) {
  clearTimeout(noticeTimer);
  $('chat-notice').textContent = '';
  if (text) noticeTimer = setTimeout(() => ($('chat-notice').textContent = text), 50);
}

async function press(messageId, data) {
  notify('');
  const group = state.chatId.startsWith('-');
  try {
    const r = await api('press', {
      bot_id: state.botId,
      ...(group
        ? { chat_id: state.chatId, name: $('start-name').value.trim() }
        : { user_id: state.userId }),
      message_id: messageId,
      data,
    });
    notify(r.notice);
  } catch (err) {
    notify(err.message);
  }
  await loadMessages();
}

$('bot-select').addEventListener('change', (e) => {
  state.botId = Number(e.target.value);
  state.chatId = null;
  $('messages').replaceChildren();
  $('welcome').hidden = false;
  setView('list');
  void loadConversations();
});

$('back').addEventListener('click', () => {
  setView('list');
  $('conversation-list').querySelector('[aria-current="true"]')?.focus();
});

$('new-group').addEventListener('click', () => {
  $('group-form').hidden = !$('group-form').hidden;
  if (!$('group-form').hidden) $('group-title').focus();
});

$('group-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const g = await api('groups', { bot_id: state.botId, title: $('group-title').value.trim() });
    $('group-form').hidden = true;
    await loadConversations();
    openChat(g.chat_id);
  } catch (err) {
    notify(err.message);
  }
});

$('start-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const body = { bot_id: Number(form.get('bot_id')), name: String(form.get('name')) };
  const token = String(form.get('token') ?? '').trim();
  if (token) body.token = token;
  if (state.userId) body.user_id = state.userId;
  try {
    const r = await api('start', body);
    state.userId = r.user_id;
    localStorage.setItem(USER_KEY, r.user_id);
    $('start-result').textContent = r.linked
      ? 'Subscribed, and linked to the visit, lead or order this link came from.'
      : token
        ? 'Subscribed. The link was used or expired, so nothing was linked: the bot says why.'
        : 'Subscribed.';
    $('start-token').value = '';
    $('start-link').hidden = true;
    history.replaceState(null, '', `${location.pathname}?bot=${body.bot_id}`);
    await loadConversations();
    openChat(r.chat_id);
  } catch (err) {
    $('start-result').textContent = err.message;
  }
});

$('compose').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('compose-text');
  notify('');
  try {
    await api('messages', { bot_id: state.botId, user_id: state.userId, text: input.value });
    input.value = '';
  } catch (err) {
    notify(err.message);
  }
  await loadMessages();
});

$('start-token').value = new URLSearchParams(location.search).get('start') ?? '';
$('start-link').hidden = !$('start-token').value;
await loadBots();
await loadConversations();
// Chat first: someone who has a chat with this bot opens on it (unless a link asks to Start).
if (!$('start-token').value && state.chats.some((c) => c.chat_id === state.userId))
  openChat(state.userId);
setInterval(() => void loadConversations().catch(() => {}), 3000);
setInterval(() => void loadMessages().catch(() => {}), 1500);
