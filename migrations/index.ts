import type { Migration } from 'kysely/migration';
import { init } from './0001_init.js';
import { channelIdentity } from './0002_channel_identity.js';
import { users } from './0003_users.js';
import { channelApps } from './0004_channel_apps.js';
import { reporting } from './0005_reporting.js';
import { channelRouting } from './0006_channel_routing.js';
import { channelBot } from './0007_channel_bot.js';
import { conversationData } from './0008_conversation_data.js';
import { attachments } from './0009_attachments.js';
import { webhooks } from './0010_webhooks.js';
import { whatsapp } from './0011_whatsapp.js';

/**
 * Every migration, by name, in order. A static record rather than FileMigrationProvider because
 * the files are .ts loaded by tsx or jest, not compiled .js on disk. Add new ones at the end.
 */
export const migrations: Record<string, Migration> = {
  '0001_init': init,
  '0002_channel_identity': channelIdentity,
  '0003_users': users,
  '0004_channel_apps': channelApps,
  '0005_reporting': reporting,
  '0006_channel_routing': channelRouting,
  '0007_channel_bot': channelBot,
  '0008_conversation_data': conversationData,
  '0009_attachments': attachments,
  '0010_webhooks': webhooks,
  '0011_whatsapp': whatsapp,
};
