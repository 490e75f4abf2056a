import { Limits, type ChannelData } from '@conversation-hub/client-sdk/contract';

/**
 * Keys fixed when a session opens: the hub sets them (who the connector writes to, which way the
 * session began) and later channel data never changes them.
 */
export const SESSION_FIXED_KEYS: readonly string[] = ['customerIdentifier', 'direction'];

export interface Merged {
  data: ChannelData;
  /** The keys whose value is new or changed, in the order given; empty: nothing changed. */
  changed: string[];
}

/**
 * Channel data sent later (a message, a reconnection) laid over a session's: given keys overwrite,
 * absent keys stay, fixed keys stay the hub's. A session holds at most `Limits.channelDataKeys`
 * keys: new keys beyond that are dropped (the ones already there are still updated).
 */
export function mergeChannelData(current: ChannelData, incoming: ChannelData): Merged {
  const data: ChannelData = { ...current };
  const changed: string[] = [];
  let size = Object.keys(current).length;
  for (const [key, value] of Object.entries(incoming)) {
    if (SESSION_FIXED_KEYS.includes(key) && Object.hasOwn(current, key)) continue;
    const known = Object.hasOwn(data, key);
    if (known && data[key] === value) continue;
    if (!known) {
      if (size >= Limits.channelDataKeys) continue;
      size++;
    }
    data[key] = value;
    changed.push(key);
  }
  return { data, changed };
}
