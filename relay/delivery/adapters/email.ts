import { createTransport } from 'nodemailer';

import type { Deps } from '../../deps.js';
import type { ChannelAdapter, SendResult } from '../types.js';

/** What nodemailer's errors carry (its NodemailerError): the SMTP reply when there was one. */
type SmtpError = Error & {
  code?: string;
  response?: string;
  responseCode?: number;
  /** Nodemailer's reading of the reply class: true for 5xx (but 503). */
  permanent?: boolean;
};

/** An SMTP server that does not answer within this long is tried again later. */
const SMTP_TIMEOUT_MS = 10_000;

/** Errors without an SMTP reply that no retry can fix: configuration, credentials missing. */
const FINAL_CODES = new Set(['ECONFIG', 'ENOAUTH', 'EOAUTH2', 'EMAXRECIPIENTS']);

/**
 * Sends `email` deliveries — staff alerts to an email channel's `to` addresses, read at send
 * time — through the SMTP server of TOUCHPOINT_SMTP_URL (nodemailer; smtps:// for implicit
 * TLS, STARTTLS when the server offers it), from TOUCHPOINT_MAIL_FROM. One message per alert
 * with a text and an HTML part (rendered, escaped, in relay/events/render.ts). The server
 * is the operator's, like TELEGRAM_API_URL: it is not a shop URL to check.
 *
 * Outcomes: 4xx replies and connection failures are retried like any delivery; 5xx replies
 * (a recipient refused, authentication failed) are final. The Message-ID is the delivery's,
 * so a message sent again after a lost answer is recognisably the same one.
 * https://nodemailer.com/smtp/ https://www.rfc-editor.org/rfc/rfc5321#section-4.2.1
 */
export function createEmailAdapter({ stores, config }: Pick<Deps, 'stores' | 'config'>) {
  const mail = config.mail;
  const transport = mail
    ? createTransport({
        url: mail.smtpUrl,
        connectionTimeout: SMTP_TIMEOUT_MS,
        greetingTimeout: SMTP_TIMEOUT_MS,
        socketTimeout: SMTP_TIMEOUT_MS,
        // Alerts never attach anything: nothing may make the relay read a file or a URL.
        disableFileAccess: true,
        disableUrlAccess: true,
      })
    : null;
  const domain = mail ? (/@([^>\s]+)>?$/.exec(mail.from)?.[1] ?? 'touchpoint') : 'touchpoint';

  const adapter: ChannelAdapter = {
    kind: 'email',
    /** One SMTP server: unpaced, as webhooks are; a 4xx retry waits its backoff. */
    pace: () => [],
    async send(d): Promise<SendResult> {
      if (!transport || !mail)
        return {
          ok: false,
          retry: true,
          error: 'Email is not configured: set TOUCHPOINT_SMTP_URL and TOUCHPOINT_MAIL_FROM.',
        };
      const channel = d.channel_id != null ? await stores.channels.get(d.channel_id) : undefined;
      if (!channel) return final('The alert channel was deleted.');
      if (!channel.enabled) return final('The alert channel is disabled.');
      if (!channel.to?.length) return final('The alert channel has no addresses.');
      const p = d.payload as { subject?: string; text?: string; html?: string };
      try {
        const info = await transport.sendMail({
          from: mail.from,
          to: channel.to,
          subject: p.subject ?? 'Touchpoint alert',
          text: p.text ?? '',
          html: p.html,
          messageId: `<delivery-${d.id}@${domain}>`,
        });
        return { ok: true, remoteId: info.messageId };
      } catch (err) {
        return classify(err as SmtpError);
      }
    },
  };
  return adapter;
}

const final = (error: string): SendResult => ({ ok: false, retry: false, error });

/** 5xx replies are final (nodemailer's `permanent`), 4xx and connection failures are not. */
export function classify(err: SmtpError): SendResult {
  const reply = err.response ? ` ${err.response.slice(0, 300)}` : '';
  const error = `SMTP ${err.responseCode ?? err.code ?? 'error'}:${reply || ` ${err.message}`}`;
  if (err.responseCode) {
    const permanent = err.permanent ?? err.responseCode >= 500;
    return { ok: false, retry: !permanent, error };
  }
  return { ok: false, retry: !FINAL_CODES.has(err.code ?? ''), error };
}
