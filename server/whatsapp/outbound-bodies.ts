import type { Activity, Attachment } from '@conversation-hub/client-sdk/contract';
import { buttonsMessage, mediaMessage, templateMessage, textMessage } from './graph-messages.js';

type Body = ReturnType<typeof textMessage | typeof mediaMessage | typeof buttonsMessage | typeof templateMessage>;

/**
 * The Graph API messages one hub message becomes, in order (pure): a template as itself; quick
 * replies as interactive buttons; each attachment as media by link (the first one captioned with
 * the text when it is short enough to be a caption; a file the hub stores by a signed link Meta
 * can follow); otherwise the text.
 */
export function graphBodies(to: string, activity: Activity, linkOf: (a: Attachment) => string = (a) => a.url): Body[] {
  if (activity.type !== 'message') return [];
  const { text, attachments, quickReplies, template } = activity.payload;
  if (template) return [templateMessage(to, { name: template.name, language: template.language, ...(template.components ? { components: template.components } : {}) })];
  if (quickReplies?.length) return [buttonsMessage(to, text, quickReplies.slice(0, 10))];
  if (!attachments?.length) return [textMessage(to, text)];
  const captioned = text.length <= 1024;
  const media = attachments.map((a, i) => mediaMessage(to, { url: linkOf(a), mimeType: a.mimeType, name: a.name }, i === 0 && captioned ? text : undefined));
  return captioned ? media : [textMessage(to, text), ...media];
}
