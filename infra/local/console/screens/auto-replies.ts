/**
 * The account's Auto-replies tab (`GET|PUT /v1/accounts/{appid}/auto-replies`, API.md §3): the rules in
 * their order — the first enabled rule that matches answers — each with its trigger, its reply and a
 * preview of the reply as the follower's chat shows it. Save replaces the whole list; the server's
 * `validation_failed` details (`body.rules.<i>.<field>`) are shown under the input they name. Every
 * button of the panel is disabled while a request runs (not only the clicked one, as `sending` does):
 * the answer replaces the editor's rules, so a rule added or moved meanwhile would be lost.
 */
import { api, type Account, type AutoReply, type AutoReplyRule, type AutoReplyTrigger } from '../api.ts';
import type { DomControl, DomElement } from '../browser.ts';
import { control, h, when, type Child } from '../dom.ts';
import { clearFieldIssues, feedback, fieldIssues, showFieldIssues } from '../feedback.ts';
import { matchWords, previewWords, replyWords, t, triggerWords } from '../words.ts';

const defaultTrigger = (type: string): AutoReplyTrigger => {
  switch (type) {
    case 'keyword':
      return { type: 'keyword', keywords: [], match: 'contains' };
    case 'click':
      return { type: 'click', eventKey: '' };
    case 'scan':
      return { type: 'scan' };
    case 'default':
      return { type: 'default' };
    default:
      return { type: 'subscribe' };
  }
};

const defaultReply = (type: string): AutoReply => {
  switch (type) {
    case 'image':
      return { type: 'image', mediaId: '' };
    case 'news':
      return { type: 'news', article: { title: '', url: '' } };
    default:
      return { type: 'text', content: '' };
  }
};

/** `a, b，c` → `['a', 'b', 'c']`: keywords are typed in one input, separated by commas. */
const keywordList = (text: string): string[] =>
  text
    .split(/[,，]/)
    .map((keyword) => keyword.trim())
    .filter(Boolean);

/** The chat as the follower sees it: what they did (right, green), the account's answer (left, white). */
export function replyPreview(rule: AutoReplyRule, accountName: string): DomElement {
  const trigger = rule.trigger;
  const userSays =
    trigger.type === 'keyword'
      ? h('div', { class: 'bubble user' }, trigger.keywords[0] ?? '…')
      : trigger.type === 'default'
        ? h('div', { class: 'bubble user' }, previewWords.default)
        : h(
            'p',
            { class: 'chat-event' },
            t().rules.theFollower(
              trigger.type === 'subscribe'
                ? previewWords.subscribe
                : trigger.type === 'click'
                  ? previewWords.click(trigger.eventKey)
                  : previewWords.scan(trigger.scene ?? ''),
            ),
          );
  const reply = rule.reply;
  const answer =
    reply.type === 'text'
      ? h('div', { class: 'bubble account', testid: 'preview-text' }, reply.content || '…')
      : reply.type === 'image'
        ? h(
            'div',
            { class: 'bubble account image', testid: 'preview-image' },
            h('span', { class: 'picture' }, previewWords.image),
            h('span', { class: 'mono small' }, reply.mediaId || '…'),
          )
        : h(
            'div',
            { class: 'bubble account news', testid: 'preview-news' },
            h('strong', {}, reply.article.title || '…'),
            h(
              'div',
              { class: 'news-body' },
              h('span', { class: 'muted' }, reply.article.description ?? ''),
              reply.article.picUrl ? h('span', { class: 'picture thumb' }, '') : null,
            ),
            h('span', { class: 'news-url mono' }, reply.article.url),
          );
  const initial = [...accountName][0] ?? '?';
  return h(
    'div',
    { class: `chat${rule.enabled === false ? ' off' : ''}`, testid: 'rule-preview' },
    h('div', { class: 'chat-title' }, accountName),
    h('div', { class: 'chat-line right' }, userSays),
    h('div', { class: 'chat-line' }, h('span', { class: 'avatar' }, initial), answer),
    rule.enabled === false ? h('p', { class: 'chat-event' }, previewWords.disabled) : null,
  );
}

export async function autoRepliesTab(account: Account): Promise<DomElement> {
  const loaded = await api<{ rules: AutoReplyRule[]; updatedAt?: string }>('GET', `/v1/accounts/${account.appid}/auto-replies`);
  let rules: AutoReplyRule[] = structuredClone(loaded.rules);
  const status = feedback('auto-replies-feedback');
  const list = h('ol', { class: 'rules', testid: 'rule-list' });
  const updated = h(
    'span',
    { class: 'muted', testid: 'auto-replies-updated' },
    loaded.updatedAt ? t().rules.saved(when(loaded.updatedAt)) : t().rules.neverSaved,
  );
  const panel = h('div', { class: 'panel', testid: 'auto-replies-panel' });
  /** Every input by the path the server's details would name, without `body.` (`rules.0.reply.content`). */
  let inputs = new Map<string, DomElement>();

  const setBusy = (busy: boolean) => {
    for (const button of panel.querySelectorAll('button')) (button as DomControl).disabled = busy;
  };

  const newId = (): string => {
    const taken = new Set(rules.map((rule) => rule.id));
    let n = rules.length + 1;
    while (taken.has(`rule-${n}`)) n++;
    return `rule-${n}`;
  };

  const field = (path: string, label: string, input: DomControl, hint?: string): DomElement => {
    inputs.set(path, input);
    return h('label', { class: 'field' }, h('span', {}, label), input, hint ? h('span', { class: 'muted small' }, hint) : null);
  };

  const text = (path: string, value: string, onInput: (value: string) => void, props: Record<string, unknown> = {}): DomControl => {
    const input = control(props.rows ? 'textarea' : 'input', { value, testid: path.replace(/^rules\.\d+\./, 'rule-').replace(/\./g, '-'), ...props });
    input.addEventListener('input', () => onInput(input.value));
    return input;
  };

  const ruleCard = (rule: AutoReplyRule, index: number): DomElement => {
    const at = `rules.${index}`;
    const preview = h('div', { class: 'preview-box' }, replyPreview(rule, account.nickname));
    const refreshPreview = () => preview.replaceChildren(replyPreview(rule, account.nickname));

    const triggerType = control(
      'select',
      { testid: 'rule-trigger-type' },
      ...Object.entries(triggerWords).map(([type, words]) => h('option', { value: type }, words)),
    );
    triggerType.value = rule.trigger.type;
    inputs.set(`${at}.trigger`, triggerType);
    triggerType.addEventListener('change', () => {
      rule.trigger = defaultTrigger(triggerType.value);
      renderList();
    });
    const replyType = control(
      'select',
      { testid: 'rule-reply-type' },
      ...Object.entries(replyWords).map(([type, words]) => h('option', { value: type }, words)),
    );
    replyType.value = rule.reply.type;
    inputs.set(`${at}.reply`, replyType);
    replyType.addEventListener('change', () => {
      rule.reply = defaultReply(replyType.value);
      renderList();
    });

    const triggerFields: Child[] = [];
    const trigger = rule.trigger;
    if (trigger.type === 'keyword') {
      const match = control('select', { testid: 'rule-trigger-match' }, ...Object.entries(matchWords).map(([value, words]) => h('option', { value }, words)));
      match.value = trigger.match;
      match.addEventListener('change', () => (trigger.match = match.value as 'exact' | 'contains'));
      inputs.set(`${at}.trigger.match`, match);
      triggerFields.push(
        h('label', { class: 'field narrow' }, h('span', {}, t().rules.theMessage), match),
        field(
          `${at}.trigger.keywords`,
          t().rules.keywords,
          text(`${at}.trigger.keywords`, trigger.keywords.join(', '), (value) => ((trigger.keywords = keywordList(value)), refreshPreview()), {
            placeholder: 'hours, 营业时间',
          }),
          t().hints.keywords,
        ),
      );
    } else if (trigger.type === 'click') {
      triggerFields.push(
        field(
          `${at}.trigger.eventKey`,
          t().rules.buttonKey,
          text(`${at}.trigger.eventKey`, trigger.eventKey, (value) => ((trigger.eventKey = value), refreshPreview()), {
            placeholder: 'V1001_GOOD',
            class: 'mono',
          }),
          t().hints.buttonKey,
        ),
      );
    } else if (trigger.type === 'scan') {
      triggerFields.push(
        field(
          `${at}.trigger.scene`,
          t().rules.scene,
          text(
            `${at}.trigger.scene`,
            trigger.scene ?? '',
            (value) => {
              if (value === '') delete trigger.scene;
              else trigger.scene = value;
              refreshPreview();
            },
            { placeholder: t().hints.anyScene },
          ),
          t().hints.sceneEmpty,
        ),
      );
    }

    const replyFields: Child[] = [];
    const reply = rule.reply;
    if (reply.type === 'text') {
      replyFields.push(
        field(
          `${at}.reply.content`,
          t().rules.text,
          text(`${at}.reply.content`, reply.content, (value) => ((reply.content = value), refreshPreview()), { rows: '3', class: 'wide' }),
          t().hints.text,
        ),
      );
    } else if (reply.type === 'image') {
      replyFields.push(
        field(
          `${at}.reply.mediaId`,
          t().rules.mediaId,
          text(`${at}.reply.mediaId`, reply.mediaId, (value) => ((reply.mediaId = value), refreshPreview()), { class: 'mono wide' }),
          t().hints.mediaId,
        ),
      );
    } else {
      const article = reply.article;
      const optional = (name: 'description' | 'picUrl') => (value: string) => {
        if (value === '') delete article[name];
        else article[name] = value;
        refreshPreview();
      };
      replyFields.push(
        field(
          `${at}.reply.article.title`,
          t().rules.title_,
          text(`${at}.reply.article.title`, article.title, (value) => ((article.title = value), refreshPreview()), { class: 'wide' }),
        ),
        field(
          `${at}.reply.article.description`,
          t().rules.description,
          text(`${at}.reply.article.description`, article.description ?? '', optional('description'), { class: 'wide' }),
        ),
        field(
          `${at}.reply.article.url`,
          t().rules.link,
          text(`${at}.reply.article.url`, article.url, (value) => ((article.url = value), refreshPreview()), { class: 'wide', placeholder: 'https://' }),
        ),
        field(
          `${at}.reply.article.picUrl`,
          t().rules.picture,
          text(`${at}.reply.article.picUrl`, article.picUrl ?? '', optional('picUrl'), { class: 'wide', placeholder: 'https:// (optional)' }),
        ),
      );
    }

    const id = text(`${at}.id`, rule.id, (value) => (rule.id = value), { class: 'mono narrow-id', 'aria-label': t().rules.ruleId });
    inputs.set(`${at}.id`, id);
    const enabled = control('input', { type: 'checkbox', testid: 'rule-enabled', checked: rule.enabled !== false });
    enabled.addEventListener('change', () => {
      if (enabled.checked) delete rule.enabled;
      else rule.enabled = false;
      card.className = enabled.checked ? 'rule' : 'rule off';
      refreshPreview();
    });
    const move = (to: number) => {
      const [moved] = rules.splice(index, 1);
      rules.splice(to, 0, moved!);
      renderList();
    };
    const card = h(
      'li',
      { class: `rule${rule.enabled === false ? ' off' : ''}`, testid: 'rule-card', 'data-index': String(index) },
      h(
        'div',
        { class: 'toolbar' },
        h('span', { class: 'actions' }, h('span', { class: 'rule-number' }, `#${index + 1}`), id, h('label', { class: 'check' }, enabled, ' enabled')),
        h(
          'span',
          { class: 'actions' },
          h('button', { class: 'small', testid: 'rule-up', title: t().rules.moveUp, disabled: index === 0, onClick: () => move(index - 1) }, '↑'),
          h(
            'button',
            { class: 'small', testid: 'rule-down', title: t().rules.moveDown, disabled: index === rules.length - 1, onClick: () => move(index + 1) },
            '↓',
          ),
          h('button', { class: 'small danger', testid: 'rule-delete', onClick: () => (rules.splice(index, 1), renderList()) }, t().rules.delete),
        ),
      ),
      h(
        'div',
        { class: 'rule-body' },
        h(
          'div',
          { class: 'rule-editor' },
          h('div', { class: 'rule-row' }, h('label', { class: 'field' }, h('span', {}, t().rules.when), triggerType), ...triggerFields),
          h('div', { class: 'rule-row' }, h('label', { class: 'field' }, h('span', {}, t().rules.replyWith), replyType), ...replyFields),
        ),
        preview,
      ),
    );
    return card;
  };

  const renderList = () => {
    inputs = new Map([['rules', list]]);
    list.replaceChildren(...(rules.length === 0 ? [h('li', { class: 'empty', testid: 'rules-empty' }, t().rules.empty)] : rules.map(ruleCard)));
  };

  const save = async () => {
    status.clear();
    clearFieldIssues(panel, inputs);
    setBusy(true);
    try {
      const saved = await api<{ rules: AutoReplyRule[]; updatedAt: string }>('PUT', `/v1/accounts/${account.appid}/auto-replies`, { rules });
      rules = structuredClone(saved.rules);
      renderList();
      updated.textContent = t().rules.saved(when(saved.updatedAt));
      status.ok(t().rules.savedCount(rules.length));
    } catch (error) {
      const issues = fieldIssues(error);
      const unplaced = showFieldIssues(issues, inputs);
      const fields = new Set(issues.map((issue) => issue.path)).size;
      if (issues.length > 0 && unplaced.length === 0) status.error(new Error(t().rules.notSaved(fields)));
      else status.error(error);
    } finally {
      setBusy(false);
      renderButtons();
    }
  };

  // After a save the list's own buttons (↑ on the first, ↓ on the last) go back to their rule.
  const renderButtons = () => {
    for (const card of list.querySelectorAll('[data-testid=rule-card]')) {
      const index = Number(card.getAttribute('data-index'));
      (card.querySelector('[data-testid=rule-up]') as DomControl).disabled = index === 0;
      (card.querySelector('[data-testid=rule-down]') as DomControl).disabled = index === rules.length - 1;
    }
  };

  renderList();
  panel.append(
    h(
      'div',
      { class: 'toolbar' },
      h('div', {}, h('h3', {}, t().rules.title), h('p', { class: 'muted small' }, t().rules.help, updated)),
      h(
        'span',
        { class: 'actions' },
        h(
          'button',
          {
            testid: 'rule-add',
            onClick: () => (
              rules.push({ id: newId(), trigger: { type: 'keyword', keywords: [], match: 'contains' }, reply: { type: 'text', content: '' } }),
              renderList()
            ),
          },
          t().rules.add,
        ),
        h('button', { class: 'primary', testid: 'auto-replies-save', onClick: () => void save() }, t().menuTab.save),
      ),
    ),
    status.element,
    list,
  );
  return panel;
}
