/**
 * Entry of the webchat bundle. A site embeds the widget with one tag (the hub serves `/webchat.js`
 * under a stable URL; it loads this bundle's hashed files):
 *
 *   <script type="module" src="https://hub.example.com/webchat.js"
 *           data-service-identifier="webchat" data-title="Chat with us"></script>
 *
 * Options are data attributes, on that script tag or on any element marked `data-hub-webchat`
 * (then the widget mounts into those elements instead): `data-hub-url` (default: the origin this
 * script came from), `data-service-identifier` (default `webchat`), `data-title`, `data-open`
 * (start open), `data-session-url` (default `<hub>/api/webchat/sessions`, for sites that proxy it)
 * and `data-identity-token` (the site's identity token for its signed-in user, PROTOCOL.md §2.2).
 * `window.HubWebchat.identify(token)` gives every mounted widget an identity token later (after a
 * sign-in, or a fresh token before the last one expires).
 */
import './style.css';
import { mountWebchat, type Webchat } from './widget.js';

/** The hub is where this script came from, unless the page says otherwise. */
const scriptOrigin = new URL(import.meta.url).origin;

/** `[data-hub-webchat]` elements if the page has any; otherwise the `/webchat.js` script tags themselves. */
function hosts(): HTMLElement[] {
  const marked = [...document.querySelectorAll<HTMLElement>('[data-hub-webchat]')];
  if (marked.length > 0) return marked;
  return [...document.querySelectorAll<HTMLScriptElement>('script[src]')].filter((s) => new URL(s.src, location.href).pathname.endsWith('/webchat.js'));
}

const mounted: Webchat[] = [];
for (const el of hosts()) {
  if (el.dataset.hubWebchatMounted !== undefined) continue;
  el.dataset.hubWebchatMounted = '';
  const d = el.dataset;
  // A script tag cannot hold the widget: it goes into a container at the end of the body.
  const host = el instanceof HTMLScriptElement ? document.body.appendChild(document.createElement('div')) : el;
  if (host !== el) host.className = 'hw-host';
  mounted.push(
    mountWebchat(host, {
      hubUrl: d.hubUrl || scriptOrigin,
      ...(d.sessionUrl ? { sessionUrl: d.sessionUrl } : {}),
      ...(d.serviceIdentifier ? { serviceIdentifier: d.serviceIdentifier } : {}),
      ...(d.title ? { title: d.title } : {}),
      open: d.open !== undefined,
      ...(d.identityToken ? { identityToken: d.identityToken } : {}),
    }),
  );
}

/** The page's handle on the widget: `window.HubWebchat.identify(identityToken)`. */
const api = {
  mounted,
  identify: (identityToken: string): Promise<void> => Promise.all(mounted.map((w) => w.identify(identityToken))).then(() => undefined),
};
(window as unknown as { HubWebchat: typeof api }).HubWebchat = api;
export { mountWebchat, mounted };
