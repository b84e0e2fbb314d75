// The sandbox messenger's inbox (demo mode): a plain module talking to /demo/inbox/api.
// Served as a file so the page runs under a CSP without inline scripts.

const $ = (id) => document.getElementById(id);
const USER_KEY = 'tp-inbox-user';

const state = {
  bots: [],
  botId: null,
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
      const el = document.createElement(
        node.tagName === 'TG-SPOILER' ? 'span' : node.tagName.toLowerCase(),
      );
      if (node.tagName === 'A') {
        const href = node.getAttribute('href') ?? '';
        if (/^(https?:|tg:)/i.test(href)) {
          el.href = href;
          el.rel = 'noopener noreferrer';
          el.target = '_blank';
        }
      }
      copyNodes(node, el);
      to.append(el);
    }
  }
}
function renderText(payload, into) {
  if (payload.parse_mode === 'HTML') {
    const doc = new DOMParser().parseFromString(`<body>${payload.text}</body>`, 'text/html');
    copyNodes(doc.body, into);
  } else into.append(document.createTextNode(payload.text));
}

function renderMessage(m) {
  const li = document.createElement('li');
  li.className = `message ${m.direction}`;
  li.dataset.id = String(m.id);
  const p = m.payload;
  if (p.image_url && /^https?:/i.test(p.image_url)) {
    const img = document.createElement('img');
    img.src = p.image_url;
    img.alt = '';
    li.append(img);
  }
  if (p.file_url && /^https?:/i.test(p.file_url)) {
    const a = document.createElement('a');
    a.href = p.file_url;
    a.textContent = `📎 ${p.file_url.split('/').pop()}`;
    a.rel = 'noopener noreferrer';
    a.target = '_blank';
    li.append(a, document.createElement('br'));
  }
  const text = document.createElement('span');
  if (m.content_type === 'callback') text.textContent = `▸ ${p.text || p.data}`;
  // A command as a messenger shows it: `/start`, never a deep link's token after it.
  else if (m.content_type === 'command') text.textContent = p.text.split(/\s/)[0];
  else renderText(p, text);
  li.append(text);
  if (m.buttons?.length) {
    const keyboard = document.createElement('div');
    keyboard.className = 'keyboard';
    for (const row of m.buttons) {
      const r = document.createElement('div');
      r.className = 'row';
      for (const b of row) {
        if (b.url) {
          const a = document.createElement('a');
          a.href = b.url;
          a.textContent = b.text;
          a.rel = 'noopener noreferrer';
          a.target = '_blank';
          r.append(a);
        } else {
          const button = document.createElement('button');
          button.type = 'button';
          button.textContent = b.text;
          button.disabled = state.chatId !== state.userId;
          button.addEventListener('click', () => press(m.id, b.callback_data));
          r.append(button);
        }
      }
      keyboard.append(r);
    }
    li.append(keyboard);
  }
  const meta = document.createElement('small');
  meta.className = 'meta';
  const time = new Date(m.created_at).toLocaleTimeString();
  meta.textContent = time;
  li.append(meta);
  return li;
}

async function loadBots() {
  state.bots = await api('bots');
  const select = $('bot-select');
  select.replaceChildren(
    ...state.bots.map((b) => {
      const o = document.createElement('option');
      o.value = String(b.id);
      o.textContent = `${b.name} (#${b.id})`;
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
  const chats = await api(`conversations?bot_id=${state.botId}`);
  $('no-chats').hidden = chats.length > 0;
  $('conversation-list').replaceChildren(
    ...chats.map((c) => {
      const li = document.createElement('li');
      const b = document.createElement('button');
      b.type = 'button';
      const who =
        c.chat_id === state.userId
          ? 'You'
          : c.name || (c.chat_id.startsWith('-') ? 'Managers' : 'Buyer');
      b.textContent = `${who} · chat ${c.chat_id}`;
      b.setAttribute('aria-current', String(c.chat_id === state.chatId));
      b.addEventListener('click', () => openChat(c.chat_id, who));
      li.append(b);
      return li;
    }),
  );
}

function openChat(chatId, title) {
  state.chatId = chatId;
  state.lastId = 0;
  $('chat-title').textContent = title ?? `Chat ${chatId}`;
  $('messages').replaceChildren();
  notify('');
  $('compose').hidden = chatId !== state.userId;
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
  for (const m of fresh) {
    $('messages').append(renderMessage(m));
    state.lastId = Math.max(state.lastId, m.id);
  }
  if (fresh.length) $('messages').lastElementChild?.scrollIntoView({ block: 'end' });
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
  try {
    const r = await api('press', {
      bot_id: state.botId,
      user_id: state.userId,
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
  void loadConversations();
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
    openChat(r.chat_id, 'You');
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
setInterval(() => void loadConversations().catch(() => {}), 3000);
setInterval(() => void loadMessages().catch(() => {}), 1500);
