import type { AvatarRef } from '../../../protocol/avatar-ref';
import { h } from './dom';

/**
 * The pet's face: its avatar image (the `pet` shadow's `desired.avatar.url`) once the
 * image has loaded, the animated SVG pet before that and whenever the image cannot be
 * had. An `<img>` needs no CORS, so the presigned S3 URL works from any page origin.
 *
 * `data-avatar` on the face says which is shown: `none` (no avatar named), `loading`,
 * `shown`, `fallback` (the image failed: the URL and, when the display may presign
 * it again, its own URL). The SVG stays in the face, hidden while the image shows.
 */

export type AvatarState = 'none' | 'loading' | 'shown' | 'fallback';

/** A second URL for an avatar whose own one failed (the display's own presigned GET), or undefined. */
export type AvatarResign = (url: string) => Promise<string | undefined>;

interface Entry {
  state: 'loading' | 'shown' | 'fallback';
  /** the URL the image loaded from */
  src?: string;
  /** the shadow URL that was tried (a new one is tried again after a failure) */
  url: string;
  /** faces rendered while the image loads (with their label and size), upgraded when it settles */
  waiting: Map<HTMLElement, { label: string; size: number }>;
}

/** Loads each avatar once per page (by hash) and renders faces from what it knows. */
export class AvatarImages {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly resign?: AvatarResign) {}

  /**
   * A face for `ref`: the image when it is loaded, else `svg` (and the image replaces it
   * when it arrives). `label` is the image's text alternative (the SVG's `aria-label`).
   */
  face(ref: AvatarRef | undefined, svg: SVGElement, label: string, size: number): HTMLElement {
    const face = h('div', { class: 'pet-face', 'data-avatar': 'none' }, svg);
    if (!ref) return face;
    face.dataset.avatarHash = ref.hash;
    let e = this.entries.get(ref.hash);
    if (!e || (e.state === 'fallback' && e.url !== ref.url)) {
      e = { state: 'loading', url: ref.url, waiting: new Map() };
      this.entries.set(ref.hash, e);
      void this.load(e);
    }
    if (e.state === 'loading') e.waiting.set(face, { label, size });
    render(face, e, label, size);
    return face;
  }

  private async load(e: Entry): Promise<void> {
    let src = e.url;
    let ok = await loads(src);
    if (!ok && this.resign) {
      const again = await this.resign(e.url).catch(() => undefined);
      if (again !== undefined) {
        src = again;
        ok = await loads(again);
      }
    }
    e.state = ok ? 'shown' : 'fallback';
    e.src = ok ? src : undefined;
    for (const [face, { label, size }] of e.waiting) render(face, e, label, size);
    e.waiting.clear();
  }
}

function render(face: HTMLElement, e: Entry, label: string, size: number): void {
  face.dataset.avatar = e.state;
  const svg = face.querySelector('svg');
  if (e.state !== 'shown' || e.src === undefined || face.querySelector('img')) return;
  if (svg) svg.style.display = 'none';
  face.append(h('img', { class: 'pet-avatar', src: e.src, alt: label, width: size, height: size, decoding: 'async' }));
}

/** Whether the browser can load and decode the image at `src` (it is then in its cache). */
function loads(src: string): Promise<boolean> {
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img.naturalWidth > 0);
    img.onerror = () => resolve(false);
    img.src = src;
  });
}
