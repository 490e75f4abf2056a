/**
 * Entry of the webchat bundle served at `/assets/webchat-<hash>.js`. It mounts the widget into
 * every element with `data-hub-webchat`, reading its options from data attributes:
 * `data-service-identifier` (default `webchat`), `data-hub-url` (default: this page's origin),
 * `data-title`, and `data-open` to start with the panel open.
 */
import './style.css';
import { mountWebchat, type Webchat } from './widget.js';

const mounted: Webchat[] = [];
for (const host of document.querySelectorAll<HTMLElement>('[data-hub-webchat]')) {
  const d = host.dataset;
  mounted.push(
    mountWebchat(host, {
      ...(d.hubUrl ? { hubUrl: d.hubUrl } : {}),
      ...(d.serviceIdentifier ? { serviceIdentifier: d.serviceIdentifier } : {}),
      ...(d.title ? { title: d.title } : {}),
      open: d.open !== undefined,
    }),
  );
}
export { mountWebchat, mounted };
